// Events that drive the procedure engine (user actions and live tag updates) and their JSON form for logs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "rivet/core/result.hpp"
#include "rivet/procedure/procedure.hpp"

namespace rivet::procedure {

enum class Quality { Good, Uncertain, Bad };
const char* toString(Quality quality);
std::optional<Quality> qualityFromString(std::string_view name);

// A live value as the tag store hands it on (the engine does not depend on app/tags).
struct TagSample {
  std::string tag;                // e.g. "robot.axis_speed"
  double value = 0.0;             // booleans as 0/1
  Quality quality = Quality::Bad;
  std::int64_t source_time_ns = 0;  // when the controller sampled it (Unix epoch, UTC)
};

enum class EventType {
  Confirm,  // instruction done / isolation point locked (target) / check result (passed) / gate verified
  Value,    // measurement entered (value)
  Tag,      // live tag update (tag)
  Back,     // return to the previous step
  Abort,    // abandon the procedure (reason required)
  Skip,     // skip a skippable step (reason required)
  SignOff,  // sign-off by user with role
  Choose,   // decision: target = choice id
  Answer,   // quiz: answer = option index (training mode)
  Hint,     // show the step's hint (training mode)
};
const char* toString(EventType type);
std::optional<EventType> eventTypeFromString(std::string_view name);

struct Event {
  EventType type = EventType::Confirm;
  std::int64_t time_ns = 0;  // when it happened (Unix epoch ns); drives staleness and timing, never the host clock
  std::string step_id;       // step the user acted on; if set and not the current step the event is rejected
  std::string target;        // Confirm on lockout: isolation point id; Choose: choice id
  double value = 0.0;        // Value
  bool passed = true;        // Confirm on a check: pass (true) or fail (false)
  int answer = -1;           // Answer: option index
  std::string reason;        // Skip / Abort
  std::string user;          // SignOff: who signs (set by the caller from the authenticated user)
  Role role = Role::Technician;  // SignOff: that user's role
  TagSample tag;             // Tag
};

// One JSON object on one line; round-trips through eventFromJson.
std::string toJson(const Event& event);
// Parses {"type":"confirm",...}; `where` names the place for errors (e.g. "events.jsonl:12").
core::Result<Event> eventFromJson(std::string_view json, const std::string& where);

}  // namespace rivet::procedure
