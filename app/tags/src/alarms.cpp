// AlarmEngine: per-limit state machine (raise on crossing, clear past hysteresis), role-checked acknowledgement.
#include "rivet/tags/alarms.hpp"

#include <algorithm>

namespace rivet::tags {

std::string_view toString(AlarmEventKind kind) {
  switch (kind) {
    case AlarmEventKind::Raised: return "raised";
    case AlarmEventKind::Cleared: return "cleared";
    case AlarmEventKind::Acknowledged: return "acknowledged";
  }
  return "raised";
}

AlarmEngine::AlarmEngine(const TagBindings& bindings) : bindings_(bindings) {
  for (std::size_t t = 0; t < bindings_.tags.size(); ++t) {
    const auto& b = bindings_.tags[t];
    for (std::size_t l = 0; l < b.alarms.size(); ++l) {
      const auto& lim = b.alarms[l];
      Slot s;
      s.tag_index = t;
      s.limit_index = l;
      s.alarm.key = b.id + "/" + lim.id;
      s.alarm.tag_id = b.id;
      s.alarm.limit_id = lim.id;
      s.alarm.kind = lim.kind;
      s.alarm.severity = lim.severity;
      s.alarm.threshold = lim.threshold;
      s.alarm.message_en = lim.message_en;
      s.alarm.message_fr = lim.message_fr;
      s.alarm.acknowledged = true;  // nothing to acknowledge yet
      slots_.push_back(std::move(s));
    }
  }
}

const AlarmLimit& AlarmEngine::limitOf(const Slot& slot) const {
  return bindings_.tags[slot.tag_index].alarms[slot.limit_index];
}

std::vector<AlarmEvent> AlarmEngine::evaluate(const TagStore& store, std::int64_t now_ns) {
  std::vector<AlarmEvent> events;
  for (auto& slot : slots_) {
    const auto& lim = limitOf(slot);
    const std::string& id = bindings_.tags[slot.tag_index].id;
    if (store.freshness(id, now_ns) != Freshness::Fresh) continue;  // no judgement on stale or bad data
    const auto v = store.get(id);
    if (!v) continue;
    const auto d = asNumber(v->value);
    if (!d) continue;
    Alarm& a = slot.alarm;
    const bool beyond = lim.kind == LimitKind::High ? *d > lim.threshold : *d < lim.threshold;
    const bool back = lim.kind == LimitKind::High ? *d < lim.threshold - lim.hysteresis
                                                  : *d > lim.threshold + lim.hysteresis;
    if (!a.active && beyond) {
      a.active = true;
      a.acknowledged = false;
      a.acknowledged_by.clear();
      a.acknowledged_role.clear();
      a.acknowledged_ns = 0;
      a.raised_ns = now_ns;
      a.cleared_ns = 0;
      a.value = *d;
      events.push_back(AlarmEvent{AlarmEventKind::Raised, a, now_ns});
    } else if (a.active && back) {
      a.active = false;
      a.cleared_ns = now_ns;
      a.value = *d;
      events.push_back(AlarmEvent{AlarmEventKind::Cleared, a, now_ns});
    } else if (a.active) {
      a.value = *d;
    }
  }
  pending_.insert(pending_.end(), events.begin(), events.end());
  return events;
}

core::Status AlarmEngine::acknowledge(std::string_view key, std::string_view user, std::string_view role,
                                      std::int64_t now_ns) {
  for (auto& slot : slots_) {
    if (slot.alarm.key != key) continue;
    const auto& lim = limitOf(slot);
    if (std::find(lim.ack_roles.begin(), lim.ack_roles.end(), role) == lim.ack_roles.end()) {
      std::string roles;
      for (const auto& r : lim.ack_roles) roles += (roles.empty() ? "" : ", ") + r;
      return core::makeError("role '" + std::string(role) + "' may not acknowledge this alarm", std::string(key),
                             "ask someone with role: " + roles);
    }
    if (slot.alarm.acknowledged) return core::makeError("alarm is already acknowledged", std::string(key));
    if (user.empty()) return core::makeError("acknowledgement needs a user name", std::string(key));
    slot.alarm.acknowledged = true;
    slot.alarm.acknowledged_by = std::string(user);
    slot.alarm.acknowledged_role = std::string(role);
    slot.alarm.acknowledged_ns = now_ns;
    pending_.push_back(AlarmEvent{AlarmEventKind::Acknowledged, slot.alarm, now_ns});
    return {};
  }
  return core::makeError("no such alarm", std::string(key), "alarm keys are <tag id>/<limit id>");
}

std::vector<Alarm> AlarmEngine::shown() const {
  std::vector<Alarm> out;
  for (const auto& s : slots_)
    if (s.alarm.active || !s.alarm.acknowledged) out.push_back(s.alarm);
  std::stable_sort(out.begin(), out.end(), [](const Alarm& a, const Alarm& b) {
    if (a.severity != b.severity) return a.severity > b.severity;
    return a.raised_ns < b.raised_ns;
  });
  return out;
}

std::vector<AlarmEvent> AlarmEngine::takeEvents() {
  std::vector<AlarmEvent> out;
  out.swap(pending_);
  return out;
}

}  // namespace rivet::tags
