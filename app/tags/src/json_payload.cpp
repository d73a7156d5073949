// Plain JSON tag payloads ({"v","t","q"} or a bare scalar), decoded with nlohmann::json without exceptions.
#include "rivet/tags/json_payload.hpp"

#include <cmath>
#include <nlohmann/json.hpp>

namespace rivet::tags {
namespace {
core::Error bad(std::string message) {
  return core::makeError(std::move(message), "json payload", "expected {\"v\": value, \"t\": ms since epoch, \"q\": \"good\"}");
}

bool scalar(const nlohmann::json& j, RawSample& out) {
  if (j.is_boolean()) out.value = j.get<bool>();
  else if (j.is_number()) out.value = j.get<double>();
  else if (j.is_string()) out.value = j.get<std::string>();
  else if (j.is_null()) out.is_null = true;
  else return false;
  return true;
}
}  // namespace

core::Result<RawSample> decodeJsonPayload(std::string_view text) {
  if (text.size() > 1'000'000) return bad("payload larger than 1 MB");
  const nlohmann::json j = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded()) return bad("payload is not valid JSON");
  RawSample out;
  if (!j.is_object()) {
    if (!scalar(j, out)) return bad("payload is a JSON array");
    return out;
  }
  const auto v = j.find("v");
  if (v == j.end()) return bad("payload has no \"v\"");
  if (!scalar(*v, out)) return bad("\"v\" must be a number, bool, string or null");
  if (const auto t = j.find("t"); t != j.end()) {
    if (!t->is_number()) return bad("\"t\" must be milliseconds since the epoch");
    const double ms = t->get<double>();
    if (!std::isfinite(ms) || ms < 0 || ms > 9e12) return bad("\"t\" is out of range");
    out.source_time_ns = t->is_number_float() ? static_cast<std::int64_t>(ms * 1e6) : t->get<std::int64_t>() * 1'000'000;
  }
  if (const auto q = j.find("q"); q != j.end()) {
    if (q->is_string()) {
      const auto parsed = parseQuality(q->get<std::string>());
      if (!parsed) return bad("\"q\" must be good, uncertain or bad");
      out.quality = *parsed;
    } else if (q->is_number_unsigned() || q->is_number_integer()) {
      const auto code = q->get<std::int64_t>();
      if (code < 0 || code > 0xFFFFFFFFLL) return bad("\"q\" status code out of range");
      const auto severity = (static_cast<std::uint32_t>(code) >> 30) & 3u;
      out.quality = severity == 0 ? Quality::Good : (severity == 1 ? Quality::Uncertain : Quality::Bad);
    } else {
      return bad("\"q\" must be a string or an OPC UA status code");
    }
  }
  return out;
}

std::string encodeJsonPayload(const Value& value, std::int64_t time_ms, Quality quality) {
  nlohmann::json j;
  if (const auto* d = std::get_if<double>(&value)) j["v"] = *d;
  else if (const auto* b = std::get_if<bool>(&value)) j["v"] = *b;
  else j["v"] = std::get<std::string>(value);
  j["t"] = time_ms;
  j["q"] = std::string(toString(quality));
  return j.dump();
}

}  // namespace rivet::tags
