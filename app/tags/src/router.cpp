// TagRouter: source address -> binding, and raw sample -> engineering value (scale, invert, range, flatline).
#include "rivet/tags/router.hpp"

#include <cmath>
#include <cstdio>

namespace rivet::tags {

std::string sparkplugKey(std::string_view group, std::string_view node, std::string_view device,
                         std::string_view metric) {
  std::string key;
  key.reserve(group.size() + node.size() + device.size() + metric.size() + 3);
  key.append(group).append("/").append(node).append("/").append(device).append("/").append(metric);
  return key;
}

TagRouter::TagRouter(const TagBindings& bindings) : bindings_(bindings), flatline_(bindings.tags.size()) {
  for (std::size_t i = 0; i < bindings_.tags.size(); ++i) {
    const auto& b = bindings_.tags[i];
    if (b.source_ref.kind == SourceKind::Sparkplug) {
      const auto& r = b.source_ref.sparkplug;
      by_sparkplug_.emplace(sparkplugKey(r.group, r.node, r.device, r.metric), static_cast<int>(i));
    } else {
      by_topic_.emplace(b.source_ref.topic, static_cast<int>(i));
    }
  }
}

int TagRouter::findSparkplug(std::string_view group, std::string_view node, std::string_view device,
                             std::string_view metric) const {
  const auto it = by_sparkplug_.find(sparkplugKey(group, node, device, metric));
  return it == by_sparkplug_.end() ? -1 : it->second;
}

int TagRouter::findTopic(std::string_view topic) const {
  const auto it = by_topic_.find(std::string(topic));
  return it == by_topic_.end() ? -1 : it->second;
}

TagValue TagRouter::convert(const TagBinding& b, const RawSample& raw, std::int64_t receive_time_ns) {
  TagValue v;
  v.present = true;
  v.quality = raw.quality;
  v.receive_time_ns = receive_time_ns;
  v.source_time_ns = raw.source_time_ns != 0 ? raw.source_time_ns : receive_time_ns;
  if (raw.is_null) {
    v.quality = Quality::Bad;
    v.value = b.type == ValueType::Bool ? Value{false} : (b.type == ValueType::String ? Value{std::string()} : Value{0.0});
    return v;
  }
  switch (b.type) {
    case ValueType::Number: {
      const auto d = asNumber(raw.value);
      if (!d || !std::isfinite(*d)) {
        v.value = 0.0;
        v.quality = Quality::Bad;  // a text where a number belongs: the binding or the publisher is wrong
        break;
      }
      const double eng = *d * b.scale + b.offset;
      v.value = eng;
      if ((b.min && eng < *b.min) || (b.max && eng > *b.max)) v.quality = Quality::Bad;  // sensor fault
      break;
    }
    case ValueType::Enum: {
      const auto d = asNumber(raw.value);
      v.value = d ? std::round(*d) : 0.0;
      if (!d) v.quality = Quality::Bad;
      break;
    }
    case ValueType::Bool: {
      const auto bv = asBool(raw.value);
      v.value = bv ? (*bv != b.invert) : false;
      if (!bv) v.quality = Quality::Bad;
      break;
    }
    case ValueType::String: {
      if (const auto* s = std::get_if<std::string>(&raw.value)) v.value = *s;
      else if (const auto* bb = std::get_if<bool>(&raw.value)) v.value = std::string(*bb ? "true" : "false");
      else {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%g", std::get<double>(raw.value));
        v.value = std::string(buf);
      }
      break;
    }
  }
  return v;
}

void TagRouter::apply(int index, const RawSample& raw, std::int64_t receive_time_ns, TagStore& store) {
  if (index < 0 || static_cast<std::size_t>(index) >= bindings_.tags.size()) return;
  const auto& b = bindings_.tags[static_cast<std::size_t>(index)];
  TagValue v = convert(b, raw, receive_time_ns);
  if (b.flatline_ms > 0 && !raw.is_null) {
    auto& f = flatline_[static_cast<std::size_t>(index)];
    const auto d = asNumber(v.value);
    if (d) {
      const std::int64_t t = v.source_time_ns;
      if (!f.seen || *d != f.last) {
        f.seen = true;
        f.last = *d;
        f.since_ns = t;
      } else if (t - f.since_ns > b.flatline_ms * 1'000'000 && v.quality == Quality::Good) {
        v.quality = Quality::Uncertain;  // an analog signal that stopped moving: stuck sensor
      }
    }
  }
  store.update(b.id, std::move(v));
}

}  // namespace rivet::tags
