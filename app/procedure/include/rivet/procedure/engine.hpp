// Procedure engine: a deterministic state machine driven by events; tells the UI what to show; no I/O.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "rivet/procedure/event.hpp"
#include "rivet/procedure/procedure.hpp"

namespace rivet::procedure {

enum class Mode { Normal, Training };

enum class GateState { None, Waiting, Ok, Stale, Failed };
const char* toString(GateState state);

enum class Action { Confirm, Pass, Fail, EnterValue, Choose, Answer, SignOff, Back, Skip, Abort, Hint };
const char* toString(Action action);

struct ConditionView {
  TagCondition condition;
  GateState state = GateState::Waiting;
  std::optional<double> value;  // last value received, if any
  std::int64_t age_ms = -1;     // age of that value at view time; -1 when none
  Text reason;                  // why it is not Ok
};

struct IsolationView {
  IsolationPoint point;
  bool confirmed = false;
};

// Everything a procedure panel needs for the current step.
struct StepView {
  int index = 0;  // 0-based index of the current step
  int count = 0;  // number of steps ("index+1 / count")
  std::string step_id;
  StepKind kind = StepKind::Instruction;
  Text title;
  Text text;
  Text hint;                 // non-empty only in training mode once a hint was asked for
  std::vector<std::string> highlight_parts;
  std::vector<std::string> ghost_parts;
  std::vector<std::string> media;
  std::vector<Text> ppe;
  GateState gate = GateState::None;  // tag gate: overall; other steps: Waiting/Failed after a failed check/value
  Text gate_reason;
  std::vector<ConditionView> conditions;
  std::vector<IsolationView> isolation_points;
  std::optional<MeasurementSpec> measurement;
  std::optional<double> last_value;  // last value entered on this step
  std::vector<Choice> choices;
  std::vector<QuizOption> options;   // correct flags must not be shown to trainees
  std::vector<Role> sign_roles;
  std::vector<Action> allowed;
  bool finished = false;
  bool aborted = false;
};

// What one event did. Rejected events change nothing but their count in training scores.
struct Transition {
  bool accepted = false;
  std::string outcome;  // advanced, point_confirmed, pass, fail, in_tolerance, out_of_tolerance, gate_ok,
                        // gate_blocked, chosen, signed, skipped, back, aborted, hint, answer_correct,
                        // answer_wrong, tag, rejected
  Text reason;          // why it was rejected or blocked
  std::string from_step;
  std::string to_step;  // empty once finished
  int from_index = 0;
  int to_index = 0;
  bool finished = false;
  bool aborted = false;
  std::vector<std::string> activate_faults;  // training: fault scenario ids to inject now
};

struct StepTiming {
  std::string step_id;
  std::int64_t duration_ms = 0;
  int errors = 0;
};

// Training score; also filled in normal mode (errors, timings) for the record.
struct Score {
  int errors = 0;         // failed checks, out-of-tolerance values, rejected actions
  int wrong_answers = 0;
  int gate_attempts = 0;  // confirmations of a gate that was not satisfied
  int hints = 0;
  int skips = 0;
  std::int64_t total_ms = 0;
  std::vector<StepTiming> steps;
  double score = 0.0;  // 0..100
  bool passed = false; // finished, not aborted, score >= pass mark
};

class Engine {
 public:
  // `procedure` should have had resolveCalls() applied; an unresolved call step blocks with a reason.
  // `faults`: ids of training fault scenarios selected by the trainer (ignored in normal mode).
  explicit Engine(Procedure procedure, Mode mode = Mode::Normal, std::vector<std::string> faults = {});

  // Rebuilds the state from a persisted event log (same procedure, mode and faults).
  static Engine replay(Procedure procedure, Mode mode, std::vector<std::string> faults,
                       const std::vector<Event>& events);

  [[nodiscard]] StepView view() const;                     // gates evaluated at the last event's time
  [[nodiscard]] StepView view(std::int64_t now_ns) const;  // gates evaluated at now_ns
  Transition apply(const Event& event);                    // never advances past a failed gate

  [[nodiscard]] const Procedure& procedure() const { return procedure_; }
  [[nodiscard]] Mode mode() const { return mode_; }
  [[nodiscard]] const std::vector<std::string>& faults() const { return faults_; }
  [[nodiscard]] int currentIndex() const { return current_; }
  [[nodiscard]] std::string currentStepId() const;
  [[nodiscard]] bool finished() const { return finished_; }
  [[nodiscard]] bool aborted() const { return aborted_; }
  [[nodiscard]] std::size_t eventCount() const { return event_count_; }
  [[nodiscard]] Score score() const;
  // Whether the gate of this step was satisfied at `now_ns` (false for steps that are not gates).
  [[nodiscard]] bool gateSatisfied(int step_index, std::int64_t now_ns) const;

 private:
  Transition reject(Transition t, Text reason);
  void enter(int index, std::int64_t time_ns, Transition& t);
  void advance(int index, std::int64_t time_ns, Transition& t);
  void goTo(const std::string& step_id, std::int64_t time_ns, Transition& t);
  void leaveCurrent(std::int64_t time_ns);
  [[nodiscard]] ConditionView evaluate(const TagCondition& c, std::int64_t now_ns) const;

  Procedure procedure_;
  Mode mode_;
  std::vector<std::string> faults_;
  std::set<std::string> faults_fired_;
  std::vector<std::string> pending_faults_;  // activated on entering step 0, handed on with the first event
  int current_ = 0;
  bool finished_ = false;
  bool aborted_ = false;
  std::vector<int> history_;
  std::map<std::string, TagSample> tags_;
  std::set<std::string> confirmed_points_;  // of the current lockout step
  std::optional<double> last_value_;
  bool last_failed_ = false;
  Text last_reason_;
  bool hint_shown_ = false;
  std::int64_t last_time_ns_ = 0;
  std::int64_t first_time_ns_ = -1;
  std::int64_t step_enter_ns_ = -1;
  std::size_t event_count_ = 0;
  // scoring
  int errors_ = 0, wrong_answers_ = 0, gate_attempts_ = 0, hints_ = 0, skips_ = 0;
  std::map<std::string, StepTiming> timings_;
  std::vector<std::string> timing_order_;
};

}  // namespace rivet::procedure
