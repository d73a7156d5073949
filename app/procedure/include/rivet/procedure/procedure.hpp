// Procedure model (steps, gates, branches, training data) and its parser from YAML text; no file I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rivet/core/result.hpp"
#include "rivet/core/text.hpp"

namespace rivet::procedure {

using core::Language;
using core::Text;  // both languages are required by the parser

enum class Role { Technician, Trainer, Author, Admin };
const char* toString(Role role);
std::optional<Role> roleFromString(std::string_view name);

enum class StepKind { Instruction, Lockout, Check, Measurement, TagGate, Decision, Call, SignOff, Quiz };
const char* toString(StepKind kind);
std::optional<StepKind> stepKindFromString(std::string_view name);

// A breaker, valve or switch isolated with a personal lock during lockout/tagout.
struct IsolationPoint {
  std::string id;      // e.g. "Q1" (as painted on the cabinet)
  Text name;           // e.g. "Main switch of cell 3"
  std::string energy;  // electrical | pneumatic | hydraulic | mechanical | gravity | thermal | stored
  std::string lock;    // lock or padlock number, e.g. "L-07"
};

// Measured value with unit and tolerance band [min, max] (inclusive).
struct MeasurementSpec {
  std::string unit;        // e.g. "mm", "N·m", "bar"
  double nominal = 0.0;
  double min = 0.0;
  double max = 0.0;
  std::string instrument;  // e.g. "torque wrench 2-25 N·m"
};

enum class CompareOp { Lt, Le, Gt, Ge, Eq, Ne };
const char* toString(CompareOp op);

// One condition of a tag gate: tag <op> value, with the sample no older than max_age_ms and of good quality.
struct TagCondition {
  std::string tag;        // e.g. "robot.axis_speed"
  CompareOp op = CompareOp::Eq;
  double value = 0.0;     // booleans are 0 (false) / 1 (true)
  std::int64_t max_age_ms = 2000;
  std::string unit;       // for display only
};

// One option of a decision step.
struct Choice {
  std::string id;
  Text label;
  std::string next;  // step id to go to
};

struct QuizOption {
  Text text;
  bool correct = false;
};

struct Step {
  std::string id;
  StepKind kind = StepKind::Instruction;
  Text title;
  Text text;
  Text hint;                               // training mode only
  std::vector<std::string> highlight_parts;  // part ids of the pack's model, e.g. "robot/hand"
  std::vector<std::string> ghost_parts;      // drawn as x-ray ghosts
  std::vector<std::string> media;            // paths inside the pack, e.g. "media/gripper.jpg"
  std::vector<Text> ppe;                     // PPE specific to this step
  std::string next;                          // explicit next step id; empty = the following step
  bool skippable = false;                    // skip-with-reason allowed (never for gates, LOTO, sign-off)
  int line = 0;                              // line in the source file (1-based), for messages

  std::vector<IsolationPoint> isolation_points;  // Lockout
  std::string on_fail;                           // Check: step on fail; empty = blocks until it passes
  std::optional<MeasurementSpec> measurement;    // Measurement
  std::string on_out_of_tolerance;               // Measurement: branch; empty = blocks
  std::vector<TagCondition> conditions;          // TagGate (all must hold)
  std::vector<Choice> choices;                   // Decision
  std::string procedure_id;                      // Call: the sub-procedure's id
  std::vector<Role> sign_roles;                  // SignOff: roles allowed to sign
  std::vector<QuizOption> options;               // Quiz
  // The step relies on the registered overlay (e.g. "remove the highlighted screw"): it cannot be confirmed while
  // the registration error exceeds this many mm or tracking is not good enough (fails closed, like a tag gate on
  // kRegistrationTag). Not on call steps, never skippable.
  std::optional<double> requires_registration_mm{};
};

// The live value the app feeds the engine for requires_registration_mm: the registration error (mm) of the
// current tracking verdict, quality Good while the overlay is usable (Tracked or Degraded), Bad when not tracked.
inline constexpr const char* kRegistrationTag = "tracking.registration_error_mm";
inline constexpr std::int64_t kRegistrationMaxAgeMs = 1000;  // older than this: stale, the step is blocked

// The implicit gate condition of a step with requires_registration_mm (nullopt for other steps).
std::optional<TagCondition> registrationCondition(const Step& step);

struct ToolItem {
  std::string id;
  Text name;
  std::string size;  // e.g. "4 mm hex", "2-25 N·m"
};

struct SparePart {
  std::string part_number;
  Text name;
  double quantity = 1.0;
  std::string unit = "pc";
};

// A tag value forced by a trainer's fault scenario.
struct TagOverride {
  std::string tag;
  double value = 0.0;
  std::string quality = "good";  // good | bad | uncertain
  bool stuck = false;            // value frozen (source time stops advancing)
};

// A fault a trainer can select; activated when the trainee reaches `at_step`.
struct FaultScenario {
  std::string id;
  Text title;
  std::string at_step;
  std::vector<TagOverride> overrides;
};

struct TrainingSpec {
  double pass_mark = 80.0;  // score (0-100) needed to pass
  std::vector<FaultScenario> faults;
};

struct Procedure {
  std::string id;
  std::string version;
  std::string type = "preventive";  // preventive | corrective | training
  Text title;
  Text description;
  std::string asset_id;
  Text location;
  Text interval;  // interval or trigger
  int estimated_minutes = 0;
  Role required_role = Role::Technician;
  Text qualification;
  std::vector<ToolItem> tools;
  std::vector<SparePart> spare_parts;
  std::vector<SparePart> consumables;
  std::vector<Text> ppe;
  std::vector<Text> safety_notes;
  TrainingSpec training;
  std::vector<Step> steps;
  std::string source;  // the file it came from

  // Index of the step with this id, or -1.
  [[nodiscard]] int indexOf(std::string_view step_id) const;
};

// Parses and validates a procedure. `source` names the file in messages ("file:line: ...").
// Checks: required keys, both languages, unknown keys, unique step ids, branch targets exist,
// kind-specific fields, tolerances (min <= nominal <= max), sign-off roles, no skippable gates.
core::Result<Procedure> parseProcedure(std::string_view yaml_text, const std::string& source);

// Expands every call step of `main` with the steps of the called procedure from `library`
// (recursively, ids prefixed "<call step id>/"); the call step is kept as the entry marker.
// Fails on a missing sub-procedure or a call cycle.
core::Result<Procedure> resolveCalls(const Procedure& main, const std::vector<Procedure>& library);

}  // namespace rivet::procedure
