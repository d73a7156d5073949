// MqttSource (broker -> tag store: Sparkplug B host + plain JSON topics) and SparkplugEdgeNode (publisher).
#include "rivet/tags/mqtt.hpp"

#include <map>
#include <mutex>

#include "mqtt_client.hpp"
#include "rivet/core/clock.hpp"
#include "rivet/core/log.hpp"
#include "rivet/tags/json_payload.hpp"
#include "rivet/tags/router.hpp"

namespace rivet::tags {

// ------------------------------------------------------------------------------------------------ MqttSource
struct MqttSource::Impl {
  Impl(const TagBindings& bindings, TagStore& s) : store(s), router(bindings), decoder(bindings) {}

  void onMessage(std::string_view topic, std::string_view payload) {
    const std::int64_t now = core::wallClockNs();
    std::optional<sparkplug::RebirthRequest> rebirth;
    {
      std::lock_guard lock(mutex);
      if (topic.substr(0, sparkplug::kNamespace.size()) == sparkplug::kNamespace) {
        rebirth = decoder.handle(topic, payload, now, store);
      } else {
        const int b = router.findTopic(topic);
        if (b < 0) return;
        ++json_messages;
        auto raw = decodeJsonPayload(payload);
        if (!raw.ok()) {
          ++json_malformed;
          if (json_malformed <= 10 || json_malformed % 1000 == 0)
            core::log::warn("mqtt: dropped malformed payload on '" + std::string(topic) + "': " +
                            raw.error().message + " (" + std::to_string(json_malformed) + " so far)");
          return;
        }
        router.apply(b, *raw, now, store);
      }
    }
    if (rebirth) {
      const std::string t = sparkplug::makeTopic(sparkplug::MessageType::NCMD, rebirth->group, rebirth->node);
      client->publish(t, sparkplug::encodeRebirthCommand(static_cast<std::uint64_t>(now / 1'000'000)), 0, false);
      core::log::info("sparkplug: asked " + rebirth->group + "/" + rebirth->node + " to rebirth");
    }
  }

  TagStore& store;
  TagRouter router;
  sparkplug::HostDecoder decoder;
  std::unique_ptr<detail::MqttClient> client;
  std::string status_topic;
  mutable std::mutex mutex;
  std::uint64_t json_messages = 0, json_malformed = 0;
};

MqttSource::MqttSource(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
MqttSource::~MqttSource() { stop(); }

core::Result<std::unique_ptr<MqttSource>> MqttSource::start(const MqttOptions& options, const TagBindings& bindings,
                                                            TagStore& store) {
  auto impl = std::make_unique<Impl>(bindings, store);
  Impl* raw = impl.get();
  detail::MqttClient::Callbacks cb;
  cb.on_message = [raw](std::string_view t, std::string_view p) { raw->onMessage(t, p); };
  cb.on_connect = [raw] {
    raw->client->publish(raw->status_topic, "online", 1, true);
    // Births may have gone out while we were away and a quiet node sends no data: ask every bound node for them.
    std::vector<sparkplug::RebirthRequest> requests;
    const std::int64_t now = core::wallClockNs();
    {
      std::lock_guard lock(raw->mutex);
      requests = raw->decoder.restartSessions(now);
    }
    for (const auto& r : requests)
      raw->client->publish(sparkplug::makeTopic(sparkplug::MessageType::NCMD, r.group, r.node),
                           sparkplug::encodeRebirthCommand(static_cast<std::uint64_t>(now / 1'000'000)), 0, false);
    core::log::info("mqtt: connected, receiving live tags");
  };
  cb.on_connection_lost = [] {
    core::log::warn("mqtt: connection lost; tags turn STALE after their maximum age, reconnecting");
  };
  auto client = detail::MqttClient::create(options, std::move(cb));
  if (!client.ok()) return client.error();
  impl->client = std::move(*client);
  impl->status_topic =
      options.will_topic.empty() ? "rivet/clients/" + impl->client->clientId() + "/status" : options.will_topic;
  impl->client->setWill(impl->status_topic, options.will_payload, 1, true);
  std::vector<std::string> filters = impl->decoder.subscriptions();
  for (const auto& b : bindings.tags)
    if (b.source_ref.kind == SourceKind::Json) filters.push_back(b.source_ref.topic);
  impl->client->subscribe(std::move(filters));
  impl->client->start();
  return std::unique_ptr<MqttSource>(new MqttSource(std::move(impl)));
}

bool MqttSource::connected() const { return impl_ && impl_->client->connected(); }
bool MqttSource::waitConnected(int timeout_ms) const { return impl_ && impl_->client->waitConnected(timeout_ms); }

void MqttSource::stop() {
  if (!impl_ || !impl_->client) return;
  if (impl_->client->connected()) impl_->client->publish(impl_->status_topic, "offline", 1, true);
  impl_->client->stop();
}

MqttSourceStats MqttSource::stats() const {
  MqttSourceStats s;
  s.connected = impl_->client->connected();
  s.connects = impl_->client->connects();
  s.connection_losses = impl_->client->losses();
  s.last_error = impl_->client->lastError();
  std::lock_guard lock(impl_->mutex);
  s.json_messages = impl_->json_messages;
  s.json_malformed = impl_->json_malformed;
  s.sparkplug = impl_->decoder.stats();
  return s;
}

// ------------------------------------------------------------------------------------------------ publisher
struct MqttPublisher::Impl {
  std::unique_ptr<detail::MqttClient> client;
};

MqttPublisher::MqttPublisher(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
MqttPublisher::~MqttPublisher() {
  if (impl_ && impl_->client) impl_->client->stop();
}

core::Result<std::unique_ptr<MqttPublisher>> MqttPublisher::start(const MqttOptions& options) {
  auto client = detail::MqttClient::create(options, {});
  if (!client.ok()) return client.error();
  auto impl = std::make_unique<Impl>();
  impl->client = std::move(*client);
  if (!options.will_topic.empty()) impl->client->setWill(options.will_topic, options.will_payload, 1, true);
  impl->client->start();
  return std::unique_ptr<MqttPublisher>(new MqttPublisher(std::move(impl)));
}

bool MqttPublisher::publish(std::string_view topic, std::string_view payload, int qos, bool retain) {
  return impl_->client->publish(topic, payload, qos, retain);
}
bool MqttPublisher::connected() const { return impl_->client->connected(); }
bool MqttPublisher::waitConnected(int timeout_ms) const { return impl_->client->waitConnected(timeout_ms); }
std::string MqttPublisher::lastError() const { return impl_->client->lastError(); }

// ------------------------------------------------------------------------------------------------ edge node
struct SparkplugEdgeNode::Impl {
  using sp = sparkplug::MessageType;

  std::string nbirth(std::uint64_t now_ms) {
    sparkplug::Payload p;
    p.timestamp_ms = now_ms;
    p.seq = 0;
    seq = 0;
    p.metrics.push_back({"bdSeq", std::nullopt, now_ms, sparkplug::DataType::Int64,
                         static_cast<double>(bd_seq), false, std::nullopt, true});
    p.metrics.push_back({"Node Control/Rebirth", std::nullopt, now_ms, sparkplug::DataType::Boolean, false, false,
                         std::nullopt, true});
    for (std::size_t i = 0; i < metrics.size(); ++i)
      if (metrics[i].device.empty()) p.metrics.push_back(birthMetric(i, now_ms));
    return sparkplug::encode(p);
  }

  sparkplug::Metric birthMetric(std::size_t i, std::uint64_t now_ms) const {
    return {metrics[i].name, static_cast<std::uint64_t>(i), now_ms, metrics[i].type, values[i], !has_value[i],
            std::nullopt, true};
  }

  std::uint64_t nextSeq() {
    seq = (seq + 1 + skip) % 256;
    skip = 0;
    return seq;
  }

  // Publishes NBIRTH then one DBIRTH per device; caller holds the mutex.
  void births() {
    const auto now_ms = static_cast<std::uint64_t>(core::wallClockNs() / 1'000'000);
    client->publish(sparkplug::makeTopic(sp::NBIRTH, options.group, options.node), nbirth(now_ms), 0, false);
    for (const auto& [device, indexes] : devices) {
      if (device.empty()) continue;
      sparkplug::Payload p;
      p.timestamp_ms = now_ms;
      p.seq = nextSeq();
      for (auto i : indexes) p.metrics.push_back(birthMetric(i, now_ms));
      client->publish(sparkplug::makeTopic(sp::DBIRTH, options.group, options.node, device), sparkplug::encode(p), 0,
                      false);
    }
    ++births_sent;
  }

  std::string death() const {
    sparkplug::Payload p;
    p.timestamp_ms = static_cast<std::uint64_t>(core::wallClockNs() / 1'000'000);
    p.metrics.push_back({"bdSeq", std::nullopt, 0, sparkplug::DataType::Int64, static_cast<double>(bd_seq), false,
                         std::nullopt, true});
    return sparkplug::encode(p);
  }

  void setWill() { client->setWill(sparkplug::makeTopic(sp::NDEATH, options.group, options.node), death(), 0, false); }

  void onMessage(std::string_view topic, std::string_view payload) {
    if (!options.control_topic.empty() && topic == options.control_topic) {
      if (options.on_control) options.on_control(payload);
      return;
    }
    auto decoded = sparkplug::decode(payload);
    if (!decoded.ok()) return;
    for (const auto& m : decoded->metrics) {
      if (m.name == "Node Control/Rebirth" && asBool(m.value).value_or(false)) {
        std::lock_guard lock(mutex);
        ++rebirth_commands;
        births();
      }
    }
  }

  EdgeNodeOptions options;
  std::vector<EdgeMetricDef> metrics;
  std::vector<Value> values;
  std::vector<bool> has_value;
  std::map<std::string, std::vector<std::size_t>> devices;  // device ("" = node) -> metric indexes
  std::unique_ptr<detail::MqttClient> client;
  std::mutex mutex;  // seq, values, births vs data
  std::uint64_t bd_seq = 0;
  std::uint64_t seq = 0;
  int skip = 0;
  bool first_connect = true;
  std::uint64_t births_sent = 0, rebirth_commands = 0, data_messages = 0;
};

SparkplugEdgeNode::SparkplugEdgeNode(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SparkplugEdgeNode::~SparkplugEdgeNode() {
  if (!impl_ || !impl_->client) return;
  if (impl_->client->connected()) {  // a clean shutdown announces its own death (the will covers crashes)
    std::lock_guard lock(impl_->mutex);
    impl_->client->publish(sparkplug::makeTopic(sparkplug::MessageType::NDEATH, impl_->options.group,
                                                impl_->options.node),
                           impl_->death(), 0, false);
  }
  impl_->client->stop();
}

core::Result<std::unique_ptr<SparkplugEdgeNode>> SparkplugEdgeNode::start(EdgeNodeOptions options,
                                                                          std::vector<EdgeMetricDef> metrics) {
  if (options.group.empty() || options.node.empty() ||
      (options.group + options.node).find_first_of("/+#") != std::string::npos)
    return core::makeError("Sparkplug group and node ids must be non-empty and free of '/', '+', '#'",
                           options.group + "/" + options.node);
  auto impl = std::make_unique<Impl>();
  impl->options = std::move(options);
  impl->metrics = std::move(metrics);
  impl->values.assign(impl->metrics.size(), Value{0.0});
  impl->has_value.assign(impl->metrics.size(), false);
  for (std::size_t i = 0; i < impl->metrics.size(); ++i) impl->devices[impl->metrics[i].device].push_back(i);
  if (impl->options.mqtt.client_id.empty())
    impl->options.mqtt.client_id = "rivet-edge-" + impl->options.group + "-" + impl->options.node;
  Impl* raw = impl.get();
  detail::MqttClient::Callbacks cb;
  cb.before_connect = [raw] {
    std::lock_guard lock(raw->mutex);
    if (!raw->first_connect) raw->bd_seq = (raw->bd_seq + 1) % 256;  // a new session: new birth/death sequence
    raw->first_connect = false;
    raw->setWill();
  };
  cb.on_connect = [raw] {
    std::lock_guard lock(raw->mutex);
    raw->births();
  };
  cb.on_message = [raw](std::string_view t, std::string_view p) { raw->onMessage(t, p); };
  auto client = detail::MqttClient::create(impl->options.mqtt, std::move(cb));
  if (!client.ok()) return client.error();
  impl->client = std::move(*client);
  std::vector<std::string> filters{sparkplug::makeTopic(sparkplug::MessageType::NCMD, impl->options.group,
                                                        impl->options.node)};
  if (!impl->options.control_topic.empty()) filters.push_back(impl->options.control_topic);
  impl->client->subscribe(std::move(filters));
  impl->client->start();
  return std::unique_ptr<SparkplugEdgeNode>(new SparkplugEdgeNode(std::move(impl)));
}

void SparkplugEdgeNode::publish(const std::vector<std::pair<std::size_t, Value>>& samples, std::int64_t time_ms) {
  std::lock_guard lock(impl_->mutex);
  std::map<std::string, sparkplug::Payload> by_device;
  for (const auto& [i, v] : samples) {
    if (i >= impl_->metrics.size()) continue;
    impl_->values[i] = v;
    impl_->has_value[i] = true;
    auto& p = by_device[impl_->metrics[i].device];
    p.metrics.push_back({"", static_cast<std::uint64_t>(i), static_cast<std::uint64_t>(time_ms), impl_->metrics[i].type,
                         v, false, std::nullopt, true});
  }
  if (!impl_->client->connected()) return;  // values are kept for the next birth
  for (auto& [device, p] : by_device) {
    p.timestamp_ms = static_cast<std::uint64_t>(time_ms);
    p.seq = impl_->nextSeq();
    const auto type = device.empty() ? sparkplug::MessageType::NDATA : sparkplug::MessageType::DDATA;
    impl_->client->publish(sparkplug::makeTopic(type, impl_->options.group, impl_->options.node, device),
                           sparkplug::encode(p), 0, false);
    ++impl_->data_messages;
  }
}

void SparkplugEdgeNode::die() { impl_->client->abort(); }
void SparkplugEdgeNode::revive() { impl_->client->resume(); }

void SparkplugEdgeNode::skipSequence(int n) {
  std::lock_guard lock(impl_->mutex);
  impl_->skip = n;
}

bool SparkplugEdgeNode::connected() const { return impl_->client->connected(); }
bool SparkplugEdgeNode::waitConnected(int timeout_ms) const { return impl_->client->waitConnected(timeout_ms); }

EdgeNodeStats SparkplugEdgeNode::stats() const {
  EdgeNodeStats s;
  s.connected = impl_->client->connected();
  s.last_error = impl_->client->lastError();
  std::lock_guard lock(impl_->mutex);
  s.bd_seq = impl_->bd_seq;
  s.births = impl_->births_sent;
  s.rebirth_commands = impl_->rebirth_commands;
  s.data_messages = impl_->data_messages;
  return s;
}

}  // namespace rivet::tags
