// MQTT sources and publishers (libmosquitto hidden): the live tag source of the app and the Sparkplug edge node of
// rivet-tagsim. TLS with server verification by default, user/password or client certificate, reconnect with
// backoff, last will.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "rivet/core/result.hpp"
#include "rivet/tags/bindings.hpp"
#include "rivet/tags/sparkplug.hpp"
#include "rivet/tags/store.hpp"

namespace rivet::tags {

struct BrokerAddress {
  std::string host;
  int port = 1883;
  bool tls = false;
};
// "mqtt://host[:1883]", "mqtts://host[:8883]" (also tcp://, ssl://, tls://, or bare host[:port]).
core::Result<BrokerAddress> parseBrokerUrl(std::string_view url);

struct MqttOptions {
  std::string broker_url = "mqtt://127.0.0.1:1883";
  std::string client_id;             // empty: "rivet-<random>"
  std::string username, password;    // optional
  std::string ca_file;               // mqtts: PEM file of the CA that signed the broker; empty = system CAs
  std::string cert_file, key_file;   // mqtts: client certificate authentication (optional)
  bool insecure_skip_verify = false;  // only when configured explicitly: no server certificate / host name check
  int keepalive_s = 10;
  int reconnect_min_ms = 250;        // backoff doubles from min to max, reset on a successful connection
  int reconnect_max_ms = 8000;
  std::string will_topic;            // source: default "rivet/clients/<client id>/status" ("offline", retained)
  std::string will_payload = "offline";
};

struct MqttSourceStats {
  bool connected = false;
  std::uint64_t connects = 0, connection_losses = 0;
  std::uint64_t json_messages = 0, json_malformed = 0;
  sparkplug::HostStats sparkplug;
  std::string last_error;
};

// Subscribes to every bound Sparkplug node and JSON topic and writes values into the store (from its own thread).
class MqttSource {
 public:
  static core::Result<std::unique_ptr<MqttSource>> start(const MqttOptions& options, const TagBindings& bindings,
                                                         TagStore& store);
  ~MqttSource();
  MqttSource(const MqttSource&) = delete;
  MqttSource& operator=(const MqttSource&) = delete;

  [[nodiscard]] bool connected() const;
  bool waitConnected(int timeout_ms) const;
  [[nodiscard]] MqttSourceStats stats() const;
  void stop();

  struct Impl;

 private:
  explicit MqttSource(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// A plain MQTT publisher (JSON tag topics, tools, tests); same TLS, credentials and reconnect as the source.
class MqttPublisher {
 public:
  static core::Result<std::unique_ptr<MqttPublisher>> start(const MqttOptions& options);
  ~MqttPublisher();
  MqttPublisher(const MqttPublisher&) = delete;
  MqttPublisher& operator=(const MqttPublisher&) = delete;

  // False when not connected (nothing is queued while offline).
  bool publish(std::string_view topic, std::string_view payload, int qos = 0, bool retain = false);
  [[nodiscard]] bool connected() const;
  bool waitConnected(int timeout_ms) const;
  [[nodiscard]] std::string lastError() const;

  struct Impl;

 private:
  explicit MqttPublisher(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

struct EdgeMetricDef {
  std::string device;  // empty = node-level metric
  std::string name;
  sparkplug::DataType type = sparkplug::DataType::Double;
};

struct EdgeNodeOptions {
  MqttOptions mqtt;
  std::string group = "Plant1";
  std::string node = "Cell3";
  std::string control_topic;                             // optional extra topic delivered to on_control
  std::function<void(std::string_view payload)> on_control;
};

struct EdgeNodeStats {
  bool connected = false;
  std::uint64_t bd_seq = 0;
  std::uint64_t births = 0;            // NBIRTH sessions published
  std::uint64_t rebirth_commands = 0;  // NCMD Node Control/Rebirth received
  std::uint64_t data_messages = 0;
  std::string last_error;
};

// A Sparkplug B edge node: NBIRTH/DBIRTH on every connection and rebirth command, NDATA/DDATA with aliases and
// sequence numbers, NDEATH as last will (bdSeq matched).
class SparkplugEdgeNode {
 public:
  static core::Result<std::unique_ptr<SparkplugEdgeNode>> start(EdgeNodeOptions options,
                                                                std::vector<EdgeMetricDef> metrics);
  ~SparkplugEdgeNode();
  SparkplugEdgeNode(const SparkplugEdgeNode&) = delete;
  SparkplugEdgeNode& operator=(const SparkplugEdgeNode&) = delete;

  // Records current values and publishes them (one DDATA per device, NDATA for node metrics); alias = index.
  void publish(const std::vector<std::pair<std::size_t, Value>>& samples, std::int64_t time_ms);
  // Abrupt loss (socket closed without DISCONNECT): the broker publishes our NDEATH will. Stays down until revive().
  void die();
  void revive();
  // Test hook: the next data message skips `n` sequence numbers, as if messages were lost.
  void skipSequence(int n);

  [[nodiscard]] bool connected() const;
  bool waitConnected(int timeout_ms) const;
  [[nodiscard]] EdgeNodeStats stats() const;

  struct Impl;

 private:
  explicit SparkplugEdgeNode(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace rivet::tags
