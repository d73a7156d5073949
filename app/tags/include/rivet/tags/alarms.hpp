// AlarmEngine: limit crossings with hysteresis raise alarms with severity; acknowledgement is restricted by role.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "rivet/core/result.hpp"
#include "rivet/tags/bindings.hpp"
#include "rivet/tags/store.hpp"

namespace rivet::tags {

struct Alarm {
  std::string key;       // "<tag id>/<limit id>", stable: what acknowledge() takes and records keep
  std::string tag_id;
  std::string limit_id;
  LimitKind kind = LimitKind::High;
  Severity severity = Severity::Warning;
  double threshold = 0.0;
  double value = 0.0;    // value that raised it (latest while active)
  std::string message_en, message_fr;
  bool active = false;        // the condition holds
  bool acknowledged = false;  // someone with a permitted role acknowledged it
  std::int64_t raised_ns = 0, cleared_ns = 0, acknowledged_ns = 0;
  std::string acknowledged_by, acknowledged_role;
};

enum class AlarmEventKind : std::uint8_t { Raised, Cleared, Acknowledged };
std::string_view toString(AlarmEventKind kind);

// One alarm transition, for the UI and the records (append-only trail).
struct AlarmEvent {
  AlarmEventKind kind = AlarmEventKind::Raised;
  Alarm alarm;  // snapshot after the transition
  std::int64_t time_ns = 0;
};

class AlarmEngine {
 public:
  explicit AlarmEngine(const TagBindings& bindings);

  // Checks every limit against fresh, non-Bad values; stale, missing or bad values leave alarm states unchanged.
  // Returns the transitions since the previous call (also kept for takeEvents()).
  std::vector<AlarmEvent> evaluate(const TagStore& store, std::int64_t now_ns);

  // Acknowledges an alarm (active or cleared-but-unacknowledged) if `role` is allowed by its limit.
  core::Status acknowledge(std::string_view key, std::string_view user, std::string_view role, std::int64_t now_ns);

  // Alarms to show: active or not yet acknowledged; most severe first, then oldest first.
  [[nodiscard]] std::vector<Alarm> shown() const;
  // Drains every transition (raised/cleared/acknowledged) not yet taken, in order; for the records.
  std::vector<AlarmEvent> takeEvents();

 private:
  struct Slot {
    Alarm alarm;
    std::size_t tag_index = 0;
    std::size_t limit_index = 0;
  };
  [[nodiscard]] const AlarmLimit& limitOf(const Slot& slot) const;
  TagBindings bindings_;
  std::vector<Slot> slots_;
  std::vector<AlarmEvent> pending_;
};

}  // namespace rivet::tags
