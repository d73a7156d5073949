// Sparkplug B codec (protobuf kept in this file) and the host-side birth/alias/sequence/death state machine.
#include "rivet/tags/sparkplug.hpp"

#include <limits>
#include <unordered_map>

#include "rivet/core/log.hpp"
#include "rivet/core/numeric.hpp"
#include "rivet/tags/router.hpp"
#include "sparkplug_b.pb.h"

namespace rivet::tags::sparkplug {
namespace {

using PbPayload = rivet::sparkplug::pb::Payload;
using PbMetric = rivet::sparkplug::pb::Payload_Metric;

constexpr std::string_view kBdSeq = "bdSeq";
constexpr std::string_view kRebirth = "Node Control/Rebirth";

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (;;) {
    const std::size_t p = s.find(sep, start);
    out.push_back(s.substr(start, p == std::string_view::npos ? std::string_view::npos : p - start));
    if (p == std::string_view::npos) break;
    start = p + 1;
  }
  return out;
}

std::optional<MessageType> parseType(std::string_view s) {
  for (auto t : {MessageType::NBIRTH, MessageType::NDEATH, MessageType::DBIRTH, MessageType::DDEATH, MessageType::NDATA,
                 MessageType::DDATA, MessageType::NCMD, MessageType::DCMD, MessageType::STATE})
    if (toString(t) == s) return t;
  return std::nullopt;
}

DataType inferType(const Value& v) {
  if (std::holds_alternative<bool>(v)) return DataType::Boolean;
  if (std::holds_alternative<std::string>(v)) return DataType::String;
  return DataType::Double;
}

// Reads the metric's value as Rivet's Value; false for types Rivet does not interpret.
bool readValue(const PbMetric& m, DataType dt, Value& out) {
  switch (m.value_case()) {
    case PbMetric::kIntValue:
      switch (dt) {
        case DataType::UInt8: case DataType::UInt16: case DataType::UInt32:
          out = static_cast<double>(m.int_value());
          break;
        case DataType::Boolean: out = m.int_value() != 0; break;
        default: out = static_cast<double>(static_cast<std::int32_t>(m.int_value())); break;  // two's complement
      }
      return true;
    case PbMetric::kLongValue:
      if (dt == DataType::UInt64 || dt == DataType::DateTime) out = static_cast<double>(m.long_value());
      else out = static_cast<double>(static_cast<std::int64_t>(m.long_value()));
      return true;
    case PbMetric::kFloatValue: out = static_cast<double>(m.float_value()); return true;
    case PbMetric::kDoubleValue: out = m.double_value(); return true;
    case PbMetric::kBooleanValue: out = m.boolean_value(); return true;
    case PbMetric::kStringValue: out = m.string_value(); return true;
    default: return false;
  }
}

std::optional<Quality> readQuality(const PbMetric& m) {
  if (!m.has_properties()) return std::nullopt;
  const auto& ps = m.properties();
  const int n = std::min(ps.keys_size(), ps.values_size());
  for (int i = 0; i < n; ++i) {
    if (ps.keys(i) != "Quality") continue;
    const auto& pv = ps.values(i);
    std::int64_t q = 0;
    if (pv.has_int_value()) q = static_cast<std::int32_t>(pv.int_value());
    else if (pv.has_long_value()) q = static_cast<std::int64_t>(pv.long_value());
    else return std::nullopt;
    if (q >= 192 && q < 256) return Quality::Good;   // OPC DA good
    if (q >= 64 && q < 192) return Quality::Uncertain;
    if (q >= 0 && q < 64) return Quality::Bad;
    if (q >= 500 && q < 600) return Quality::Bad;    // stale
    return Quality::Uncertain;
  }
  return std::nullopt;
}

void writeValue(PbMetric& m, DataType dt, const Value& v) {
  const auto d = asNumber(v);
  switch (dt) {
    case DataType::Int8: case DataType::Int16: case DataType::Int32:
      m.set_int_value(static_cast<std::uint32_t>(core::saturatingCast<std::int32_t>(d.value_or(0))));
      break;
    case DataType::UInt8: case DataType::UInt16: case DataType::UInt32:
      m.set_int_value(core::saturatingCast<std::uint32_t>(d.value_or(0)));
      break;
    case DataType::Int64:
      m.set_long_value(static_cast<std::uint64_t>(core::saturatingCast<std::int64_t>(d.value_or(0))));
      break;
    case DataType::UInt64: case DataType::DateTime:
      m.set_long_value(core::saturatingCast<std::uint64_t>(d.value_or(0)));
      break;
    case DataType::Float: m.set_float_value(static_cast<float>(d.value_or(0))); break;
    case DataType::Boolean: m.set_boolean_value(asBool(v).value_or(false)); break;
    case DataType::String: case DataType::Text: case DataType::UUID:
      if (const auto* s = std::get_if<std::string>(&v)) m.set_string_value(*s);
      else m.set_string_value(std::to_string(d.value_or(0)));
      break;
    default: m.set_double_value(d.value_or(0)); break;
  }
}

}  // namespace

std::string_view toString(MessageType type) {
  switch (type) {
    case MessageType::NBIRTH: return "NBIRTH";
    case MessageType::NDEATH: return "NDEATH";
    case MessageType::DBIRTH: return "DBIRTH";
    case MessageType::DDEATH: return "DDEATH";
    case MessageType::NDATA: return "NDATA";
    case MessageType::DDATA: return "DDATA";
    case MessageType::NCMD: return "NCMD";
    case MessageType::DCMD: return "DCMD";
    case MessageType::STATE: return "STATE";
  }
  return "NDATA";
}

core::Result<Topic> parseTopic(std::string_view topic) {
  const auto parts = split(topic, '/');
  if (parts.size() < 3 || parts[0] != kNamespace)
    return core::makeError("not a Sparkplug B topic", std::string(topic), "expected spBv1.0/<group>/<type>/<node>[/<device>]");
  if (parts[1] == "STATE" && parts.size() == 3) return Topic{MessageType::STATE, "", std::string(parts[2]), ""};
  if (parts.size() != 4 && parts.size() != 5)
    return core::makeError("Sparkplug topic has a wrong number of levels", std::string(topic));
  const auto type = parseType(parts[2]);
  if (!type) return core::makeError("unknown Sparkplug message type '" + std::string(parts[2]) + "'", std::string(topic));
  const bool device_msg = *type == MessageType::DBIRTH || *type == MessageType::DDEATH ||
                          *type == MessageType::DDATA || *type == MessageType::DCMD;
  if (device_msg != (parts.size() == 5))
    return core::makeError(std::string(parts[2]) + (device_msg ? " needs" : " must not have") + " a device id",
                           std::string(topic));
  for (const auto& p : parts)
    if (p.empty()) return core::makeError("Sparkplug topic has an empty level", std::string(topic));
  return Topic{*type, std::string(parts[1]), std::string(parts[3]), parts.size() == 5 ? std::string(parts[4]) : ""};
}

std::string makeTopic(MessageType type, std::string_view group, std::string_view node, std::string_view device) {
  std::string t(kNamespace);
  t.append("/").append(group).append("/").append(toString(type)).append("/").append(node);
  if (!device.empty()) t.append("/").append(device);
  return t;
}

std::string encode(const Payload& payload) {
  PbPayload pb;
  if (payload.timestamp_ms != 0) pb.set_timestamp(payload.timestamp_ms);
  if (payload.seq) pb.set_seq(*payload.seq);
  for (const auto& m : payload.metrics) {
    PbMetric* pm = pb.add_metrics();
    if (!m.name.empty()) pm->set_name(m.name);
    if (m.alias) pm->set_alias(*m.alias);
    if (m.timestamp_ms != 0) pm->set_timestamp(m.timestamp_ms);
    const DataType dt = m.datatype == DataType::Unknown ? inferType(m.value) : m.datatype;
    pm->set_datatype(static_cast<std::uint32_t>(dt));
    if (m.is_null) pm->set_is_null(true);
    else writeValue(*pm, dt, m.value);
    if (m.quality) {
      auto* ps = pm->mutable_properties();
      ps->add_keys("Quality");
      auto* pv = ps->add_values();
      pv->set_type(static_cast<std::uint32_t>(DataType::Int32));
      pv->set_int_value(*m.quality == Quality::Good ? 192u : (*m.quality == Quality::Uncertain ? 64u : 0u));
    }
  }
  return pb.SerializeAsString();
}

core::Result<Payload> decode(std::string_view bytes) {
  PbPayload pb;
  if (bytes.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()) ||
      !pb.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
    return core::makeError("payload is not a Sparkplug B protobuf message", "sparkplug payload",
                           "check the publisher uses Sparkplug B encoding");
  Payload out;
  out.timestamp_ms = pb.timestamp();
  if (pb.has_seq()) out.seq = pb.seq();
  out.metrics.reserve(static_cast<std::size_t>(pb.metrics_size()));
  for (const auto& pm : pb.metrics()) {
    Metric m;
    m.name = pm.name();
    if (pm.has_alias()) m.alias = pm.alias();
    m.timestamp_ms = pm.timestamp();
    m.datatype = static_cast<DataType>(pm.datatype());
    m.is_null = pm.is_null();
    m.has_value = readValue(pm, m.datatype, m.value);
    m.quality = readQuality(pm);
    out.metrics.push_back(std::move(m));
  }
  return out;
}

std::string encodeRebirthCommand(std::uint64_t timestamp_ms) {
  Payload p;
  p.timestamp_ms = timestamp_ms;
  p.metrics.push_back(Metric{std::string(kRebirth), std::nullopt, timestamp_ms, DataType::Boolean, true, false,
                             std::nullopt, true});
  return encode(p);
}

// ---------------------------------------------------------------------------------------------------------------
struct HostDecoder::Impl {
  struct AliasEntry {
    int binding = -1;
    DataType datatype = DataType::Unknown;
  };
  struct NodeState {
    std::string group, node;
    bool born = false;
    std::optional<std::uint64_t> bd_seq;
    int last_seq = -1;
    std::unordered_map<std::uint64_t, AliasEntry> aliases;
    std::unordered_map<std::string, DataType> types_by_name;  // device + '\n' + metric
    std::int64_t last_rebirth_ns = std::numeric_limits<std::int64_t>::min();
    std::vector<std::string> tag_ids;
    std::unordered_map<std::string, std::vector<std::string>> device_tags;
  };

  Impl(const TagBindings& bindings, std::string ns) : router(bindings), name_space(std::move(ns)) {
    for (const auto& b : bindings.tags) {
      if (b.source_ref.kind != SourceKind::Sparkplug) continue;
      const auto& r = b.source_ref.sparkplug;
      NodeState& n = nodes[r.group + "/" + r.node];
      n.group = r.group;
      n.node = r.node;
      n.tag_ids.push_back(b.id);
      n.device_tags[r.device].push_back(b.id);
    }
  }

  void malformedLine(std::string_view topic, std::string_view why) {
    ++stats.malformed;
    if (stats.malformed <= 10 || stats.malformed % 1000 == 0)
      core::log::warn("sparkplug: dropped malformed message on '" + std::string(topic) + "': " + std::string(why) +
                      " (" + std::to_string(stats.malformed) + " so far)");
  }

  std::optional<RebirthRequest> rebirth(NodeState& n, std::int64_t now_ns) {
    if (n.last_rebirth_ns != std::numeric_limits<std::int64_t>::min() &&
        now_ns - n.last_rebirth_ns < holdoff_ms * 1'000'000)
      return std::nullopt;
    n.last_rebirth_ns = now_ns;
    ++stats.rebirths_requested;
    return RebirthRequest{n.group, n.node};
  }

  // True when the sequence number follows; counts gaps. NBIRTH resets the sequence.
  bool checkSeq(NodeState& n, const PbPayload& pb) {
    if (!pb.has_seq() || pb.seq() > 255) return false;
    const int seq = static_cast<int>(pb.seq());
    const bool ok = n.last_seq < 0 || seq == (n.last_seq + 1) % 256;
    n.last_seq = seq;
    if (!ok) ++stats.seq_gaps;
    return ok;
  }

  void applyMetrics(NodeState& n, const Topic& t, bool birth, std::int64_t now_ns, TagStore& store) {
    const std::uint64_t payload_ts = msg.timestamp();
    for (const auto& pm : msg.metrics()) {
      int b = -1;
      DataType dt = pm.has_datatype() ? static_cast<DataType>(pm.datatype()) : DataType::Unknown;
      if (birth) {
        if (!pm.has_name()) continue;
        if (t.type == MessageType::NBIRTH && pm.name() == kBdSeq) {
          n.bd_seq = pm.long_value();
          continue;
        }
        b = router.findSparkplug(t.group, t.node, t.device, pm.name());
        if (pm.has_alias()) n.aliases[pm.alias()] = AliasEntry{b, dt};
        n.types_by_name[t.device + "\n" + pm.name()] = dt;
      } else if (pm.has_alias()) {
        const auto it = n.aliases.find(pm.alias());
        if (it == n.aliases.end()) {
          ++stats.unknown_aliases;
          continue;
        }
        b = it->second.binding;
        if (dt == DataType::Unknown) dt = it->second.datatype;
      } else if (pm.has_name()) {
        b = router.findSparkplug(t.group, t.node, t.device, pm.name());
        if (dt == DataType::Unknown) {
          const auto it = n.types_by_name.find(t.device + "\n" + pm.name());
          if (it != n.types_by_name.end()) dt = it->second;
        }
      }
      if (b < 0) {
        ++stats.metrics_unbound;
        continue;
      }
      RawSample raw;
      raw.is_null = pm.is_null();
      if (!raw.is_null && !readValue(pm, dt, raw.value)) {
        ++stats.metrics_unbound;  // a type Rivet does not read (DataSet, Template, Bytes)
        continue;
      }
      if (const auto q = readQuality(pm)) raw.quality = *q;
      const std::uint64_t ts = pm.has_timestamp() ? pm.timestamp() : payload_ts;
      raw.source_time_ns = ts > 0 && ts < 9'000'000'000'000ULL ? static_cast<std::int64_t>(ts) * 1'000'000 : 0;
      router.apply(b, raw, now_ns, store);
      ++stats.metrics_applied;
    }
  }

  std::optional<RebirthRequest> handle(std::string_view topic, std::string_view payload, std::int64_t now_ns,
                                       TagStore& store) {
    auto parsed = parseTopic(topic);
    if (!parsed.ok()) {
      malformedLine(topic, parsed.error().message);
      return std::nullopt;
    }
    const Topic& t = *parsed;
    if (t.type == MessageType::STATE || t.type == MessageType::NCMD || t.type == MessageType::DCMD) return std::nullopt;
    const auto it = nodes.find(t.group + "/" + t.node);
    if (it == nodes.end()) return std::nullopt;  // a node no binding refers to
    NodeState& n = it->second;
    msg.Clear();
    if (payload.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()) ||
        !msg.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
      malformedLine(topic, "not a Sparkplug B protobuf payload");
      return std::nullopt;
    }
    ++stats.messages;

    switch (t.type) {
      case MessageType::NBIRTH: {
        if (!msg.has_seq()) {
          malformedLine(topic, "NBIRTH without a sequence number");
          return std::nullopt;
        }
        n.born = true;
        n.bd_seq.reset();
        n.aliases.clear();
        n.types_by_name.clear();
        n.last_seq = static_cast<int>(msg.seq() % 256);
        ++stats.births;
        applyMetrics(n, t, true, now_ns, store);
        return std::nullopt;
      }
      case MessageType::NDEATH: {
        std::optional<std::uint64_t> bd;
        for (const auto& pm : msg.metrics())
          if (pm.name() == kBdSeq) bd = pm.long_value();
        if (n.born && n.bd_seq && bd && *bd != *n.bd_seq) return std::nullopt;  // will of an older session
        n.born = false;
        n.last_seq = -1;
        ++stats.deaths;
        store.setQuality(n.tag_ids, Quality::Bad);
        return std::nullopt;
      }
      case MessageType::DDEATH: {
        if (!n.born) return rebirth(n, now_ns);
        const bool in_order = checkSeq(n, msg);
        ++stats.deaths;
        const auto d = n.device_tags.find(t.device);
        if (d != n.device_tags.end()) store.setQuality(d->second, Quality::Bad);
        return in_order ? std::nullopt : rebirth(n, now_ns);
      }
      case MessageType::DBIRTH:
      case MessageType::NDATA:
      case MessageType::DDATA: {
        if (!n.born) return rebirth(n, now_ns);  // joined mid-session: aliases unknown
        const bool in_order = checkSeq(n, msg);
        if (t.type == MessageType::DBIRTH) ++stats.births;
        applyMetrics(n, t, t.type == MessageType::DBIRTH, now_ns, store);
        return in_order ? std::nullopt : rebirth(n, now_ns);
      }
      default: return std::nullopt;
    }
  }

  TagRouter router;
  std::string name_space;
  std::unordered_map<std::string, NodeState> nodes;
  PbPayload msg;  // reused: no allocation per message once warm
  HostStats stats;
  std::int64_t holdoff_ms = 2000;
};

HostDecoder::HostDecoder(const TagBindings& bindings, std::string name_space)
    : impl_(std::make_unique<Impl>(bindings, std::move(name_space))) {}
HostDecoder::~HostDecoder() = default;
HostDecoder::HostDecoder(HostDecoder&&) noexcept = default;
HostDecoder& HostDecoder::operator=(HostDecoder&&) noexcept = default;

std::optional<RebirthRequest> HostDecoder::handle(std::string_view topic, std::string_view payload,
                                                  std::int64_t now_ns, TagStore& store) {
  return impl_->handle(topic, payload, now_ns, store);
}

const HostStats& HostDecoder::stats() const { return impl_->stats; }

void HostDecoder::setRebirthHoldoffMs(std::int64_t ms) { impl_->holdoff_ms = ms; }

std::vector<RebirthRequest> HostDecoder::restartSessions(std::int64_t now_ns) {
  std::vector<RebirthRequest> out;
  for (auto& [key, n] : impl_->nodes) {
    n.born = false;
    n.last_seq = -1;
    n.aliases.clear();
    n.types_by_name.clear();
    // Not held off, and not holding off either: if this request is lost (node not connected yet), the first data
    // message without a birth must still be able to ask again.
    n.last_rebirth_ns = std::numeric_limits<std::int64_t>::min();
    ++impl_->stats.rebirths_requested;
    out.push_back(RebirthRequest{n.group, n.node});
  }
  (void)now_ns;
  return out;
}

std::vector<std::string> HostDecoder::subscriptions() const {
  std::vector<std::string> out;
  for (const auto& [key, n] : impl_->nodes) {
    out.push_back(impl_->name_space + "/" + n.group + "/+/" + n.node);
    out.push_back(impl_->name_space + "/" + n.group + "/+/" + n.node + "/+");
  }
  return out;
}

}  // namespace rivet::tags::sparkplug
