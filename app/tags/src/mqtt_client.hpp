// Private libmosquitto wrapper: one network thread, own reconnect loop with exponential backoff, TLS setup.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "rivet/core/result.hpp"
#include "rivet/tags/mqtt.hpp"

struct mosquitto;
struct mosquitto_message;

namespace rivet::tags::detail {

class MqttClient {
 public:
  struct Callbacks {
    std::function<void()> before_connect;  // network thread, before each attempt (set the will here)
    std::function<void()> on_connect;      // network thread, after CONNACK and re-subscription
    std::function<void()> on_connection_lost;
    std::function<void(std::string_view topic, std::string_view payload)> on_message;  // network thread
  };

  static core::Result<std::unique_ptr<MqttClient>> create(const MqttOptions& options, Callbacks callbacks);
  ~MqttClient();
  MqttClient(const MqttClient&) = delete;
  MqttClient& operator=(const MqttClient&) = delete;

  void subscribe(std::vector<std::string> filters);  // before start(); renewed on every connection
  void start();
  void stop();   // clean DISCONNECT (no will)
  void abort();  // close the socket without DISCONNECT (the broker sends the will); no reconnect until resume()
  void resume();

  bool publish(std::string_view topic, std::string_view payload, int qos, bool retain);
  void setWill(std::string_view topic, std::string_view payload, int qos, bool retain);  // network thread / before start

  // True once connected and subscribed (the broker acknowledged every filter).
  [[nodiscard]] bool connected() const { return connected_.load(); }
  bool waitConnected(int timeout_ms) const;
  [[nodiscard]] std::uint64_t connects() const { return connects_.load(); }
  [[nodiscard]] std::uint64_t losses() const { return losses_.load(); }
  [[nodiscard]] std::string lastError() const;
  [[nodiscard]] const std::string& clientId() const { return client_id_; }

 private:
  MqttClient() = default;
  void run();
  void setError(std::string e);
  void ready();
  static void onConnect(mosquitto*, void* self, int rc);
  static void onSubscribe(mosquitto*, void* self, int mid, int count, const int* granted);
  static void onDisconnect(mosquitto*, void* self, int rc);
  static void onMessage(mosquitto*, void* self, const ::mosquitto_message* msg);
  static void onLog(mosquitto*, void* self, int level, const char* text);

  MqttOptions options_;
  BrokerAddress address_;
  std::string client_id_;
  Callbacks callbacks_;
  std::vector<std::string> filters_;
  mosquitto* mosq_ = nullptr;
  std::thread thread_;
  std::atomic<bool> running_{false};
  std::atomic<bool> abort_requested_{false};
  std::atomic<bool> suspended_{false};
  std::atomic<bool> connected_{false};  // connected, subscribed, on_connect done
  std::atomic<bool> link_up_{false};    // connected and subscribed: publishing allowed
  std::atomic<std::uint64_t> connects_{0}, losses_{0};
  mutable std::mutex mutex_;
  mutable std::condition_variable cv_;
  std::string last_error_;
};

}  // namespace rivet::tags::detail
