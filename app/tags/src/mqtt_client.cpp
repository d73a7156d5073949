// libmosquitto wrapper: TLS (verify by default), credentials, will, subscriptions renewed per connection, and a
// network thread that reconnects with exponential backoff after any loss.
#include "mqtt_client.hpp"

#include <mosquitto.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <random>

#include "rivet/core/log.hpp"

namespace rivet::tags {

core::Result<BrokerAddress> parseBrokerUrl(std::string_view url) {
  BrokerAddress a;
  std::string_view rest = url;
  const auto scheme_end = rest.find("://");
  if (scheme_end != std::string_view::npos) {
    const std::string_view scheme = rest.substr(0, scheme_end);
    if (scheme == "mqtts" || scheme == "ssl" || scheme == "tls") a.tls = true;
    else if (scheme != "mqtt" && scheme != "tcp")
      return core::makeError("unknown broker URL scheme '" + std::string(scheme) + "'", std::string(url),
                             "use mqtt://host:1883 or mqtts://host:8883");
    rest = rest.substr(scheme_end + 3);
  }
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  a.port = a.tls ? 8883 : 1883;
  std::string_view host = rest;
  if (!rest.empty() && rest.front() == '[') {  // [::1]:1883
    const auto close = rest.find(']');
    if (close == std::string_view::npos) return core::makeError("unclosed '[' in broker URL", std::string(url));
    host = rest.substr(1, close - 1);
    rest = rest.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') return core::makeError("bad broker URL", std::string(url));
    rest = rest.empty() ? rest : rest.substr(1);
  } else {
    const auto colon = rest.rfind(':');
    if (colon != std::string_view::npos) {
      host = rest.substr(0, colon);
      rest = rest.substr(colon + 1);
    } else {
      rest = {};
    }
  }
  if (!rest.empty()) {
    int port = 0;
    for (char c : rest) {
      if (c < '0' || c > '9' || port > 65535)
        return core::makeError("broker port '" + std::string(rest) + "' is not a number", std::string(url));
      port = port * 10 + (c - '0');
    }
    if (port <= 0 || port > 65535) return core::makeError("broker port out of range", std::string(url));
    a.port = port;
  }
  if (host.empty() || host.find('/') != std::string_view::npos)
    return core::makeError("broker URL has no host", std::string(url), "use mqtt://host:1883 or mqtts://host:8883");
  a.host = std::string(host);
  return a;
}

namespace detail {
namespace {
void libInit() {
  static const int once = [] { return mosquitto_lib_init(); }();
  (void)once;
}

std::string randomId() {
  std::random_device rd;
  static const char* hex = "0123456789abcdef";
  std::string s = "rivet-";
  for (int i = 0; i < 12; ++i) s += hex[rd() % 16];
  return s;
}
}  // namespace

core::Result<std::unique_ptr<MqttClient>> MqttClient::create(const MqttOptions& options, Callbacks callbacks) {
  auto address = parseBrokerUrl(options.broker_url);
  if (!address.ok()) return address.error();
  libInit();
  std::unique_ptr<MqttClient> c(new MqttClient());
  c->options_ = options;
  c->address_ = *address;
  c->client_id_ = options.client_id.empty() ? randomId() : options.client_id;
  c->callbacks_ = std::move(callbacks);
  c->mosq_ = mosquitto_new(c->client_id_.c_str(), true, c.get());
  if (c->mosq_ == nullptr) return core::makeError("cannot create an MQTT client", "mqtt", "out of memory?");
  mosquitto_threaded_set(c->mosq_, true);
  mosquitto_connect_callback_set(c->mosq_, &MqttClient::onConnect);
  mosquitto_disconnect_callback_set(c->mosq_, &MqttClient::onDisconnect);
  mosquitto_message_callback_set(c->mosq_, &MqttClient::onMessage);
  mosquitto_subscribe_callback_set(c->mosq_, &MqttClient::onSubscribe);
  mosquitto_log_callback_set(c->mosq_, &MqttClient::onLog);
  mosquitto_int_option(c->mosq_, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);  // Sparkplug 3.0 uses MQTT 3.1.1

  if (!options.username.empty()) {
    if (mosquitto_username_pw_set(c->mosq_, options.username.c_str(),
                                  options.password.empty() ? nullptr : options.password.c_str()) != MOSQ_ERR_SUCCESS)
      return core::makeError("cannot set MQTT user name", "mqtt");
  }
  if (address->tls) {
    const char* ca_file = options.ca_file.empty() ? nullptr : options.ca_file.c_str();
    const char* ca_path = ca_file ? nullptr : "/etc/ssl/certs";
    const bool has_cert = !options.cert_file.empty();
    if (has_cert != !options.key_file.empty())
      return core::makeError("client certificate and key must be given together", "mqtt tls",
                             "set both cert_file and key_file, or neither");
    const int rc = mosquitto_tls_set(c->mosq_, ca_file, ca_path, has_cert ? options.cert_file.c_str() : nullptr,
                                     has_cert ? options.key_file.c_str() : nullptr, nullptr);
    if (rc != MOSQ_ERR_SUCCESS)
      return core::makeError(std::string("TLS setup failed: ") + mosquitto_strerror(rc),
                             options.ca_file.empty() ? "mqtt tls" : options.ca_file,
                             "check the CA, certificate and key files exist and are PEM");
    mosquitto_tls_opts_set(c->mosq_, options.insecure_skip_verify ? 0 : 1, "tlsv1.2", nullptr);
    mosquitto_tls_insecure_set(c->mosq_, options.insecure_skip_verify);
    if (options.insecure_skip_verify)
      core::log::warn("mqtt: server certificate verification is OFF (insecure_skip_verify): for tests only");
  }
  return c;
}

MqttClient::~MqttClient() {
  stop();
  if (mosq_ != nullptr) mosquitto_destroy(mosq_);
}

void MqttClient::subscribe(std::vector<std::string> filters) { filters_ = std::move(filters); }

void MqttClient::setWill(std::string_view topic, std::string_view payload, int qos, bool retain) {
  mosquitto_will_set(mosq_, std::string(topic).c_str(), static_cast<int>(payload.size()), payload.data(), qos, retain);
}

void MqttClient::start() {
  if (running_.exchange(true)) return;
  thread_ = std::thread([this] { run(); });
}

void MqttClient::stop() {
  if (!running_.exchange(false)) return;
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void MqttClient::abort() {
  abort_requested_ = true;
  suspended_ = true;
  cv_.notify_all();
}

void MqttClient::resume() {
  suspended_ = false;
  cv_.notify_all();
}

bool MqttClient::publish(std::string_view topic, std::string_view payload, int qos, bool retain) {
  if (!link_up_.load()) return false;
  const int rc = mosquitto_publish(mosq_, nullptr, std::string(topic).c_str(), static_cast<int>(payload.size()),
                                   payload.data(), qos, retain);
  return rc == MOSQ_ERR_SUCCESS;
}

bool MqttClient::waitConnected(int timeout_ms) const {
  std::unique_lock lock(mutex_);
  return cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] { return connected_.load(); });
}

std::string MqttClient::lastError() const {
  std::lock_guard lock(mutex_);
  return last_error_;
}

void MqttClient::setError(std::string e) {
  std::lock_guard lock(mutex_);
  last_error_ = std::move(e);
}

void MqttClient::run() {
  using Clock = std::chrono::steady_clock;
  int backoff_ms = options_.reconnect_min_ms;
  bool socket_open = false;
  auto next_attempt = Clock::now();
  std::minstd_rand jitter(static_cast<unsigned>(Clock::now().time_since_epoch().count()));
  auto lost = [&](const std::string& why) {
    link_up_ = false;
    if (connected_.exchange(false)) {
      ++losses_;
      if (callbacks_.on_connection_lost) callbacks_.on_connection_lost();
    }
    if (!why.empty()) setError(why);
    socket_open = false;
    // exponential backoff with +-20 % jitter so a fleet of headsets does not reconnect in lock-step
    const int j = static_cast<int>(jitter() % 41) - 20;
    next_attempt = Clock::now() + std::chrono::milliseconds(backoff_ms + backoff_ms * j / 100);
    backoff_ms = std::min(options_.reconnect_max_ms, backoff_ms * 2);
  };

  while (running_.load()) {
    if (abort_requested_.exchange(false)) {
      if (socket_open) {
        const int fd = mosquitto_socket(mosq_);
        if (fd >= 0) ::shutdown(fd, SHUT_RDWR);  // no DISCONNECT packet: the broker sends our will
        mosquitto_loop(mosq_, 10, 1);            // let libmosquitto notice and close
        mosquitto_disconnect(mosq_);
      }
      link_up_ = false;
      if (connected_.exchange(false)) ++losses_;
      socket_open = false;
    }
    if (suspended_.load()) {
      std::unique_lock lock(mutex_);
      cv_.wait_for(lock, std::chrono::milliseconds(50));
      continue;
    }
    if (!socket_open) {
      if (Clock::now() < next_attempt) {
        std::unique_lock lock(mutex_);
        cv_.wait_until(lock, std::min(next_attempt, Clock::now() + std::chrono::milliseconds(50)));
        continue;
      }
      if (callbacks_.before_connect) callbacks_.before_connect();
      const int rc = connects_.load() == 0 && losses_.load() == 0
                         ? mosquitto_connect_async(mosq_, address_.host.c_str(), address_.port, options_.keepalive_s)
                         : mosquitto_reconnect_async(mosq_);
      if (rc != MOSQ_ERR_SUCCESS) {
        lost(std::string("cannot connect to ") + options_.broker_url + ": " + mosquitto_strerror(rc));
        continue;
      }
      socket_open = true;
    }
    const int rc = mosquitto_loop(mosq_, 50, 1);
    if (rc == MOSQ_ERR_SUCCESS) {
      if (connected_.load()) backoff_ms = options_.reconnect_min_ms;
      continue;
    }
    std::string why = std::string("connection to ") + options_.broker_url + " lost: " + mosquitto_strerror(rc);
    if (rc == MOSQ_ERR_ERRNO) why += std::string(" (") + std::strerror(errno) + ")";
    lost(why);
  }
  if (socket_open) {
    mosquitto_disconnect(mosq_);
    mosquitto_loop(mosq_, 10, 1);
  }
  link_up_ = false;
  connected_ = false;
}

void MqttClient::onConnect(mosquitto* m, void* self, int rc) {
  auto* c = static_cast<MqttClient*>(self);
  if (rc != 0) {
    c->setError(std::string("broker refused the connection: ") + mosquitto_connack_string(rc));
    return;  // the loop sees the broker close the socket and backs off
  }
  if (c->filters_.empty()) {
    c->ready();
    return;
  }
  // One SUBSCRIBE for every filter; we count as connected once the broker acknowledged it (no message missed).
  std::vector<char*> subs;
  for (auto& f : c->filters_) subs.push_back(f.data());
  const int src = mosquitto_subscribe_multiple(m, nullptr, static_cast<int>(subs.size()), subs.data(), 0, 0, nullptr);
  if (src != MOSQ_ERR_SUCCESS) c->setError(std::string("subscribe failed: ") + mosquitto_strerror(src));
}

void MqttClient::onSubscribe(mosquitto*, void* self, int, int, const int*) { static_cast<MqttClient*>(self)->ready(); }

void MqttClient::ready() {
  ++connects_;
  link_up_ = true;  // publish() works from here on: births go out before anyone sees us connected
  if (callbacks_.on_connect) callbacks_.on_connect();
  {
    std::lock_guard lock(mutex_);
    connected_ = true;
  }
  cv_.notify_all();
}

void MqttClient::onDisconnect(mosquitto*, void* self, int rc) {
  auto* c = static_cast<MqttClient*>(self);
  c->link_up_ = false;
  if (c->connected_.exchange(false)) {
    if (!c->running_.load()) return;  // our own clean stop() is not a loss
    ++c->losses_;
    if (rc != 0) c->setError(std::string("disconnected: ") + mosquitto_strerror(rc));
    if (c->callbacks_.on_connection_lost) c->callbacks_.on_connection_lost();
  }
}

void MqttClient::onMessage(mosquitto*, void* self, const ::mosquitto_message* msg) {
  auto* c = static_cast<MqttClient*>(self);
  if (!c->callbacks_.on_message || msg == nullptr || msg->topic == nullptr) return;
  const std::string_view payload(static_cast<const char*>(msg->payload), msg->payload == nullptr ? 0 : static_cast<std::size_t>(msg->payloadlen));
  c->callbacks_.on_message(msg->topic, payload);
}

void MqttClient::onLog(mosquitto*, void* self, int level, const char* text) {
  if (level == MOSQ_LOG_ERR && text != nullptr) static_cast<MqttClient*>(self)->setError(text);
}

}  // namespace detail
}  // namespace rivet::tags
