// JSON form of engine events (one object per line in logs and the headless driver's input).
#include <nlohmann/json.hpp>

#include <cmath>

#include "rivet/procedure/event.hpp"

namespace rivet::procedure {

std::string toJson(const Event& e) {
  nlohmann::ordered_json j;
  j["type"] = toString(e.type);
  j["time_ns"] = e.time_ns;
  if (!e.step_id.empty()) j["step"] = e.step_id;
  switch (e.type) {
    case EventType::Confirm:
      if (!e.target.empty()) j["target"] = e.target;
      if (!e.passed) j["passed"] = false;
      break;
    case EventType::Value: j["value"] = e.value; break;
    case EventType::Tag:
      j["tag"] = e.tag.tag;
      j["value"] = e.tag.value;
      j["quality"] = toString(e.tag.quality);
      j["source_time_ns"] = e.tag.source_time_ns;
      break;
    case EventType::Abort:
    case EventType::Skip: j["reason"] = e.reason; break;
    case EventType::SignOff:
      j["user"] = e.user;
      j["role"] = toString(e.role);
      break;
    case EventType::Choose: j["target"] = e.target; break;
    case EventType::Answer: j["answer"] = e.answer; break;
    case EventType::Back:
    case EventType::Hint: break;
  }
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

core::Result<Event> eventFromJson(std::string_view text, const std::string& where) {
  const auto j = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return core::makeError("not a JSON object", where, "write one event per line, e.g. {\"type\":\"confirm\"}");
  }
  auto bad = [&](const std::string& what) {
    return core::makeError(what, where, "see tools/rivet-run-procedure/README.md for the event fields");
  };
  Event e;
  if (!j.contains("type") || !j["type"].is_string()) return bad("missing \"type\"");
  auto type = eventTypeFromString(j["type"].get<std::string>());
  if (!type) return bad("unknown event type \"" + j["type"].get<std::string>() + "\"");
  e.type = *type;
  auto getStr = [&](const char* key, std::string& out) -> bool {
    if (!j.contains(key)) return true;
    if (!j[key].is_string()) return false;
    out = j[key].get<std::string>();
    return true;
  };
  auto getNum = [&](const char* key, double& out, bool need) -> bool {
    if (!j.contains(key)) return !need;
    if (j[key].is_boolean()) {
      out = j[key].get<bool>() ? 1.0 : 0.0;
      return true;
    }
    if (!j[key].is_number()) return false;
    out = j[key].get<double>();
    return std::isfinite(out);
  };
  if (j.contains("time_ns")) {
    if (!j["time_ns"].is_number_integer()) return bad("\"time_ns\" must be an integer (ns since 1970)");
    e.time_ns = j["time_ns"].get<std::int64_t>();
  }
  if (!getStr("step", e.step_id)) return bad("\"step\" must be a string");
  if (!getStr("target", e.target)) return bad("\"target\" must be a string");
  if (!getStr("reason", e.reason)) return bad("\"reason\" must be a string");
  if (!getStr("user", e.user)) return bad("\"user\" must be a string");
  if (j.contains("passed")) {
    if (!j["passed"].is_boolean()) return bad("\"passed\" must be true or false");
    e.passed = j["passed"].get<bool>();
  }
  if (j.contains("role")) {
    std::string r;
    if (!getStr("role", r) || !roleFromString(r)) return bad("\"role\" must be technician, trainer, author or admin");
    e.role = *roleFromString(r);
  }
  switch (e.type) {
    case EventType::Value:
      if (!getNum("value", e.value, true)) return bad("a value event needs a finite number \"value\"");
      break;
    case EventType::Answer:
      if (!j.contains("answer") || !j["answer"].is_number_integer()) return bad("an answer event needs an integer \"answer\"");
      e.answer = j["answer"].get<int>();
      break;
    case EventType::Choose:
      if (e.target.empty()) return bad("a choose event needs \"target\" (the choice id)");
      break;
    case EventType::Tag: {
      if (!getStr("tag", e.tag.tag) || e.tag.tag.empty()) return bad("a tag event needs \"tag\" (the tag id)");
      if (!getNum("value", e.tag.value, true)) return bad("a tag event needs a number or boolean \"value\"");
      std::string q = "good";
      if (!getStr("quality", q) || !qualityFromString(q)) return bad("\"quality\" must be good, uncertain or bad");
      e.tag.quality = *qualityFromString(q);
      e.tag.source_time_ns = e.time_ns;
      if (j.contains("source_time_ns")) {
        if (!j["source_time_ns"].is_number_integer()) return bad("\"source_time_ns\" must be an integer");
        e.tag.source_time_ns = j["source_time_ns"].get<std::int64_t>();
      }
      break;
    }
    default: break;
  }
  return e;
}

}  // namespace rivet::procedure
