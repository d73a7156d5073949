// Procedure engine: step transitions, gate evaluation (fail closed), branches, training score. Deterministic.
#include "rivet/procedure/engine.hpp"

#include <algorithm>
#include <cmath>

namespace rivet::procedure {
namespace {

Text tx(std::string en, std::string fr) { return Text{std::move(en), std::move(fr)}; }

bool compare(double a, CompareOp op, double b) {
  constexpr double kEps = 1e-9;
  switch (op) {
    case CompareOp::Lt: return a < b;
    case CompareOp::Le: return a <= b + kEps;
    case CompareOp::Gt: return a > b;
    case CompareOp::Ge: return a >= b - kEps;
    case CompareOp::Eq: return std::abs(a - b) <= kEps;
    case CompareOp::Ne: return std::abs(a - b) > kEps;
  }
  return false;
}

std::string fmt(double v) {
  std::string s = std::to_string(v);
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

std::string frNumber(std::string s) {
  std::replace(s.begin(), s.end(), '.', ',');
  return s;
}

// Why a step that needs the overlay is blocked, in the words of the overlay (not of the internal tag).
Text registrationReason(const ConditionView& cv, double limit_mm) {
  const std::string need = fmt(limit_mm) + " mm";
  switch (cv.state) {
    case GateState::Stale:
      return tx("the tracking verdict is stale; this step needs the overlay within " + need,
                "le suivi n'est plus à jour ; cette étape exige un recalage à " + frNumber(need) + " près");
    case GateState::Failed:
      if (!cv.value) {
        return tx("no tracking verdict yet; this step needs the overlay within " + need,
                  "pas encore de suivi ; cette étape exige un recalage à " + frNumber(need) + " près");
      }
      if (cv.reason.en.find("uncertain quality") != std::string::npos) {
        return tx("markers disagree with the map; this step needs the overlay within " + need,
                  "des marqueurs ne correspondent pas à la carte ; cette étape exige un recalage à " +
                      frNumber(need) + " près");
      }
      if (cv.reason.en.find("quality") != std::string::npos) {
        return tx("the model is not tracked; this step needs the overlay within " + need,
                  "le modèle n'est pas suivi ; cette étape exige un recalage à " + frNumber(need) + " près");
      }
      return tx("registration error " + fmt(std::round(*cv.value)) + " mm; this step needs at most " + need,
                "erreur de recalage " + frNumber(fmt(std::round(*cv.value))) + " mm ; cette étape exige au plus " +
                    frNumber(need));
    default: return {};
  }
}

}  // namespace

std::optional<TagCondition> registrationCondition(const Step& step) {
  if (!step.requires_registration_mm) return std::nullopt;
  TagCondition c;
  c.tag = kRegistrationTag;
  c.op = CompareOp::Le;
  c.value = *step.requires_registration_mm;
  c.max_age_ms = kRegistrationMaxAgeMs;
  c.unit = "mm";
  return c;
}

Engine::Engine(Procedure procedure, Mode mode, std::vector<std::string> faults)
    : procedure_(std::move(procedure)), mode_(mode), faults_(std::move(faults)) {
  if (mode_ != Mode::Training) faults_.clear();
  if (procedure_.steps.empty()) {
    finished_ = true;
    return;
  }
  Transition ignored;
  enter(0, -1, ignored);
  pending_faults_ = std::move(ignored.activate_faults);
}

Engine Engine::replay(Procedure procedure, Mode mode, std::vector<std::string> faults,
                      const std::vector<Event>& events) {
  Engine engine(std::move(procedure), mode, std::move(faults));
  for (const Event& e : events) (void)engine.apply(e);
  return engine;
}

std::string Engine::currentStepId() const {
  if (finished_ || current_ < 0 || current_ >= static_cast<int>(procedure_.steps.size())) return {};
  return procedure_.steps[static_cast<std::size_t>(current_)].id;
}

ConditionView Engine::evaluate(const TagCondition& c, std::int64_t now_ns) const {
  ConditionView v;
  v.condition = c;
  auto it = tags_.find(c.tag);
  if (it == tags_.end()) {
    v.state = GateState::Failed;
    v.reason = tx("no value received for " + c.tag, "aucune valeur reçue pour " + c.tag);
    return v;
  }
  const TagSample& s = it->second;
  v.value = s.value;
  v.age_ms = (now_ns - s.source_time_ns) / 1'000'000;
  if (s.quality != Quality::Good) {
    v.state = GateState::Failed;
    v.reason = tx(c.tag + " has " + toString(s.quality) + " quality",
                  c.tag + " est de qualité " + (s.quality == Quality::Bad ? "mauvaise" : "incertaine"));
    return v;
  }
  if (!std::isfinite(s.value)) {
    v.state = GateState::Failed;
    v.reason = tx(c.tag + " is not a number", c.tag + " n'est pas un nombre");
    return v;
  }
  if (now_ns - s.source_time_ns > c.max_age_ms * 1'000'000) {
    v.state = GateState::Stale;
    v.reason = tx(c.tag + " is stale (" + std::to_string(v.age_ms) + " ms old, limit " + std::to_string(c.max_age_ms) + " ms)",
                  c.tag + " n'est plus à jour (" + std::to_string(v.age_ms) + " ms, limite " +
                      std::to_string(c.max_age_ms) + " ms)");
    return v;
  }
  if (v.age_ms < -c.max_age_ms) {  // clock skew: a value from the future is not trusted either
    v.state = GateState::Failed;
    v.reason = tx(c.tag + " has a timestamp in the future", c.tag + " a un horodatage dans le futur");
    return v;
  }
  if (!compare(s.value, c.op, c.value)) {
    v.state = GateState::Failed;
    const std::string expect = std::string(toString(c.op)) + " " + fmt(c.value) + (c.unit.empty() ? "" : " " + c.unit);
    v.reason = tx(c.tag + " = " + fmt(s.value) + ", needs " + expect,
                  c.tag + " = " + frNumber(fmt(s.value)) + ", attendu " + frNumber(expect));
    return v;
  }
  v.state = GateState::Ok;
  return v;
}

bool Engine::gateSatisfied(int step_index, std::int64_t now_ns) const {
  if (step_index < 0 || step_index >= static_cast<int>(procedure_.steps.size())) return false;
  const Step& s = procedure_.steps[static_cast<std::size_t>(step_index)];
  if (s.kind != StepKind::TagGate) return false;
  return std::all_of(s.conditions.begin(), s.conditions.end(),
                     [&](const TagCondition& c) { return evaluate(c, now_ns).state == GateState::Ok; });
}

StepView Engine::view() const { return view(last_time_ns_); }

StepView Engine::view(std::int64_t now_ns) const {
  StepView v;
  v.count = static_cast<int>(procedure_.steps.size());
  v.finished = finished_;
  v.aborted = aborted_;
  if (finished_ || aborted_ || procedure_.steps.empty()) {
    v.index = finished_ ? v.count : current_;
    return v;
  }
  const Step& s = procedure_.steps[static_cast<std::size_t>(current_)];
  v.index = current_;
  v.step_id = s.id;
  v.kind = s.kind;
  v.title = s.title;
  v.text = s.text;
  if (mode_ == Mode::Training && hint_shown_) v.hint = s.hint;
  v.highlight_parts = s.highlight_parts;
  v.ghost_parts = s.ghost_parts;
  v.media = s.media;
  v.ppe = s.ppe;
  v.measurement = s.measurement;
  v.last_value = last_value_;
  v.choices = s.choices;
  v.options = s.options;
  v.sign_roles = s.sign_roles;
  for (const auto& p : s.isolation_points) v.isolation_points.push_back({p, confirmed_points_.count(p.id) > 0});

  if (s.kind == StepKind::TagGate) {
    bool any_failed = false, any_stale = false;
    for (const auto& c : s.conditions) {
      ConditionView cv = evaluate(c, now_ns);
      any_failed |= cv.state == GateState::Failed;
      any_stale |= cv.state == GateState::Stale;
      if (cv.state != GateState::Ok && v.gate_reason.empty()) v.gate_reason = cv.reason;
      v.conditions.push_back(std::move(cv));
    }
    v.gate = any_failed ? GateState::Failed : any_stale ? GateState::Stale : GateState::Ok;
  } else if (last_failed_) {
    v.gate = GateState::Failed;
    v.gate_reason = last_reason_;
  }
  bool registration_ok = true;
  if (const auto rc = registrationCondition(s)) {
    ConditionView cv = evaluate(*rc, now_ns);
    if (cv.state != GateState::Ok) {
      registration_ok = false;
      cv.reason = registrationReason(cv, *s.requires_registration_mm);
      if (v.gate != GateState::Failed) {
        v.gate = cv.state == GateState::Stale ? GateState::Stale : GateState::Failed;
        v.gate_reason = cv.reason;
      }
    } else if (v.gate == GateState::None) {
      v.gate = GateState::Ok;
    }
    v.conditions.push_back(std::move(cv));
  }

  switch (s.kind) {
    case StepKind::Instruction:
    case StepKind::Call:
    case StepKind::Lockout: v.allowed.push_back(Action::Confirm); break;
    case StepKind::TagGate:
      if (v.gate == GateState::Ok) v.allowed.push_back(Action::Confirm);
      break;
    case StepKind::Check:
      v.allowed.push_back(Action::Pass);
      v.allowed.push_back(Action::Fail);
      break;
    case StepKind::Measurement: v.allowed.push_back(Action::EnterValue); break;
    case StepKind::Decision: v.allowed.push_back(Action::Choose); break;
    case StepKind::SignOff: v.allowed.push_back(Action::SignOff); break;
    case StepKind::Quiz: v.allowed.push_back(Action::Answer); break;
  }
  if (!registration_ok) {  // fail closed: nothing that completes the step while the overlay is not good enough
    std::erase_if(v.allowed, [](Action a) {
      return a == Action::Confirm || a == Action::Pass || a == Action::EnterValue || a == Action::Choose ||
             a == Action::SignOff || a == Action::Answer;
    });
  }
  if (mode_ == Mode::Training && !s.hint.empty() && !hint_shown_) v.allowed.push_back(Action::Hint);
  if (s.skippable) v.allowed.push_back(Action::Skip);
  if (!history_.empty()) v.allowed.push_back(Action::Back);
  v.allowed.push_back(Action::Abort);
  return v;
}

void Engine::leaveCurrent(std::int64_t time_ns) {
  if (current_ < 0 || current_ >= static_cast<int>(procedure_.steps.size())) return;
  const std::string& id = procedure_.steps[static_cast<std::size_t>(current_)].id;
  auto [it, inserted] = timings_.try_emplace(id, StepTiming{id, 0, 0});
  if (inserted) timing_order_.push_back(id);
  if (step_enter_ns_ >= 0 && time_ns >= step_enter_ns_) it->second.duration_ms += (time_ns - step_enter_ns_) / 1'000'000;
}

void Engine::enter(int index, std::int64_t time_ns, Transition& t) {
  const int count = static_cast<int>(procedure_.steps.size());
  for (int guard = 0; guard <= count; ++guard) {
    if (index < 0 || index >= count) {
      finished_ = true;
      current_ = count;
      break;
    }
    current_ = index;
    confirmed_points_.clear();
    last_value_.reset();
    last_failed_ = false;
    last_reason_ = {};
    hint_shown_ = false;
    step_enter_ns_ = time_ns;
    const Step& s = procedure_.steps[static_cast<std::size_t>(index)];
    for (const auto& f : procedure_.training.faults) {
      if (f.at_step == s.id && std::find(faults_.begin(), faults_.end(), f.id) != faults_.end() &&
          faults_fired_.insert(f.id).second) {
        t.activate_faults.push_back(f.id);
      }
    }
    if (!(s.kind == StepKind::Quiz && mode_ != Mode::Training)) break;
    // Quizzes exist only in training mode: pass over them.
    const std::string& next = s.next;
    index = next.empty() ? index + 1 : next == "end" ? count : procedure_.indexOf(next);
  }
  t.to_index = finished_ ? count : current_;
  t.to_step = currentStepId();
  t.finished = finished_;
}

void Engine::advance(int index, std::int64_t time_ns, Transition& t) {
  leaveCurrent(time_ns);
  if (current_ >= 0 && current_ < static_cast<int>(procedure_.steps.size())) history_.push_back(current_);
  enter(index, time_ns, t);
}

void Engine::goTo(const std::string& step_id, std::int64_t time_ns, Transition& t) {
  const int count = static_cast<int>(procedure_.steps.size());
  if (step_id.empty()) {
    const Step& s = procedure_.steps[static_cast<std::size_t>(current_)];
    if (!s.next.empty()) return goTo(s.next, time_ns, t);
    return advance(current_ + 1, time_ns, t);
  }
  advance(step_id == "end" ? count : procedure_.indexOf(step_id), time_ns, t);
}

Transition Engine::reject(Transition t, Text reason) {
  t.accepted = false;
  t.outcome = "rejected";
  t.reason = std::move(reason);
  return t;
}

Transition Engine::apply(const Event& e) {
  ++event_count_;
  last_time_ns_ = std::max(last_time_ns_, e.time_ns);
  if (first_time_ns_ < 0) first_time_ns_ = e.time_ns;
  if (step_enter_ns_ < 0) step_enter_ns_ = e.time_ns;

  Transition t;
  t.from_step = currentStepId();
  t.from_index = current_;
  t.to_step = t.from_step;
  t.to_index = current_;
  t.finished = finished_;
  t.aborted = aborted_;
  t.activate_faults = std::move(pending_faults_);
  pending_faults_.clear();

  if (e.type == EventType::Tag) {
    auto it = tags_.find(e.tag.tag);
    if (it == tags_.end() || it->second.source_time_ns <= e.tag.source_time_ns) tags_[e.tag.tag] = e.tag;
    t.accepted = true;
    t.outcome = "tag";
    return t;
  }
  if (finished_ || aborted_) {
    return reject(std::move(t), tx("the procedure is already finished", "la procédure est déjà terminée"));
  }
  const Step& s = procedure_.steps[static_cast<std::size_t>(current_)];
  auto error = [&](Text reason) {
    ++errors_;
    auto [it, inserted] = timings_.try_emplace(s.id, StepTiming{s.id, 0, 0});
    if (inserted) timing_order_.push_back(s.id);
    ++it->second.errors;
    last_failed_ = true;
    last_reason_ = reason;
    return reject(std::move(t), std::move(reason));
  };

  if (e.type == EventType::Abort) {
    if (e.reason.empty()) return reject(std::move(t), tx("give a reason to abort", "indiquez le motif de l'abandon"));
    leaveCurrent(e.time_ns);
    aborted_ = true;
    t.accepted = true;
    t.outcome = "aborted";
    t.aborted = true;
    return t;
  }
  if (!e.step_id.empty() && e.step_id != s.id) {
    return reject(std::move(t), tx("this action was for step '" + e.step_id + "' but the current step is '" + s.id + "'",
                                   "cette action visait l'étape « " + e.step_id + " » mais l'étape en cours est « " +
                                       s.id + " »"));
  }
  switch (e.type) {
    case EventType::Back: {
      if (history_.empty()) return reject(std::move(t), tx("this is the first step", "c'est la première étape"));
      leaveCurrent(e.time_ns);
      const int previous = history_.back();
      history_.pop_back();
      enter(previous, e.time_ns, t);
      t.accepted = true;
      t.outcome = "back";
      return t;
    }
    case EventType::Hint:
      if (mode_ != Mode::Training || s.hint.empty()) {
        return reject(std::move(t), tx("no hint for this step", "pas d'indice pour cette étape"));
      }
      if (!hint_shown_) ++hints_;
      hint_shown_ = true;
      t.accepted = true;
      t.outcome = "hint";
      return t;
    case EventType::Skip:
      if (!s.skippable) return error(tx("this step cannot be skipped", "cette étape ne peut pas être sautée"));
      if (e.reason.empty()) return reject(std::move(t), tx("give a reason to skip", "indiquez le motif du saut"));
      ++skips_;
      goTo({}, e.time_ns, t);
      t.accepted = true;
      t.outcome = "skipped";
      return t;
    default: break;
  }

  const auto wrongAction = [&]() {
    return error(tx(std::string("a ") + toString(e.type) + " action does not fit a " + toString(s.kind) + " step",
                    std::string("l'action ") + toString(e.type) + " ne convient pas à une étape " + toString(s.kind)));
  };

  // A step that needs the overlay is gated on the registration verdict (reporting a failed check is not).
  if (const auto rc = registrationCondition(s);
      rc && (e.type == EventType::Confirm || e.type == EventType::Value || e.type == EventType::Choose ||
             e.type == EventType::SignOff || e.type == EventType::Answer) &&
      !(s.kind == StepKind::Check && e.type == EventType::Confirm && !e.passed)) {
    const ConditionView cv = evaluate(*rc, e.time_ns);
    if (cv.state != GateState::Ok) {
      ++gate_attempts_;  // the view re-evaluates the verdict live: no sticky failure here
      t.accepted = true;  // recorded: a confirmation refused because the overlay is not good enough
      t.outcome = "gate_blocked";
      t.reason = registrationReason(cv, *s.requires_registration_mm);
      return t;
    }
  }

  switch (s.kind) {
    case StepKind::Instruction:
      if (e.type != EventType::Confirm) return wrongAction();
      goTo({}, e.time_ns, t);
      t.accepted = true;
      t.outcome = "advanced";
      return t;
    case StepKind::Call: {
      if (e.type != EventType::Confirm) return wrongAction();
      const auto next = static_cast<std::size_t>(current_ + 1);
      if (next >= procedure_.steps.size() || procedure_.steps[next].id.rfind(s.id + "/", 0) != 0) {
        return reject(std::move(t), tx("sub-procedure '" + s.procedure_id + "' is not loaded",
                                       "la sous-procédure « " + s.procedure_id + " » n'est pas chargée"));
      }
      advance(current_ + 1, e.time_ns, t);
      t.accepted = true;
      t.outcome = "advanced";
      return t;
    }
    case StepKind::Lockout: {
      if (e.type != EventType::Confirm) return wrongAction();
      const IsolationPoint* expected = nullptr;
      for (const auto& p : s.isolation_points) {
        if (!confirmed_points_.count(p.id)) {
          expected = &p;
          break;
        }
      }
      if (e.target.empty()) {
        if (expected) {
          return error(tx("confirm isolation point " + expected->id + " (" + expected->name.en + ") first",
                          "confirmez d'abord le point de consignation " + expected->id + " (" + expected->name.fr + ")"));
        }
        goTo({}, e.time_ns, t);
        t.accepted = true;
        t.outcome = "advanced";
        return t;
      }
      if (!expected || e.target != expected->id) {
        const bool known = std::any_of(s.isolation_points.begin(), s.isolation_points.end(),
                                       [&](const IsolationPoint& p) { return p.id == e.target; });
        if (!known) return error(tx("unknown isolation point " + e.target, "point de consignation inconnu " + e.target));
        if (confirmed_points_.count(e.target)) {
          return reject(std::move(t), tx(e.target + " is already confirmed", e.target + " est déjà confirmé"));
        }
        return error(tx("isolate in order: " + expected->id + " comes before " + e.target,
                        "consignez dans l'ordre : " + expected->id + " avant " + e.target));
      }
      confirmed_points_.insert(e.target);
      last_failed_ = false;
      t.accepted = true;
      t.outcome = "point_confirmed";
      if (confirmed_points_.size() == s.isolation_points.size()) {
        goTo({}, e.time_ns, t);
        t.outcome = "advanced";
      }
      return t;
    }
    case StepKind::Check:
      if (e.type != EventType::Confirm) return wrongAction();
      t.accepted = true;
      if (e.passed) {
        t.outcome = "pass";
        goTo({}, e.time_ns, t);
        return t;
      }
      ++errors_;
      t.outcome = "fail";
      if (!s.on_fail.empty()) {
        goTo(s.on_fail, e.time_ns, t);
        return t;
      }
      last_failed_ = true;
      last_reason_ = tx("check failed: correct the fault, then check again",
                        "contrôle non conforme : corrigez le défaut puis recontrôlez");
      t.reason = last_reason_;
      return t;
    case StepKind::Measurement: {
      if (e.type != EventType::Value) return wrongAction();
      if (!std::isfinite(e.value)) return error(tx("the value is not a number", "la valeur n'est pas un nombre"));
      const MeasurementSpec& m = *s.measurement;
      last_value_ = e.value;
      t.accepted = true;
      if (e.value >= m.min && e.value <= m.max) {
        t.outcome = "in_tolerance";
        goTo({}, e.time_ns, t);
        return t;
      }
      ++errors_;
      t.outcome = "out_of_tolerance";
      t.reason = tx(fmt(e.value) + " " + m.unit + " is outside " + fmt(m.min) + "–" + fmt(m.max) + " " + m.unit,
                    frNumber(fmt(e.value)) + " " + m.unit + " hors tolérance " + frNumber(fmt(m.min)) + "–" +
                        frNumber(fmt(m.max)) + " " + m.unit);
      if (!s.on_out_of_tolerance.empty()) {
        goTo(s.on_out_of_tolerance, e.time_ns, t);
        return t;
      }
      last_failed_ = true;
      last_reason_ = t.reason;
      return t;
    }
    case StepKind::TagGate: {
      if (e.type != EventType::Confirm) return wrongAction();
      for (const auto& c : s.conditions) {
        ConditionView cv = evaluate(c, e.time_ns);
        if (cv.state != GateState::Ok) {
          ++gate_attempts_;
          last_failed_ = true;
          last_reason_ = cv.reason;
          t.accepted = true;  // recorded: a gate attempt that was refused
          t.outcome = "gate_blocked";
          t.reason = cv.reason;
          return t;
        }
      }
      t.accepted = true;
      t.outcome = "gate_ok";
      goTo({}, e.time_ns, t);
      return t;
    }
    case StepKind::Decision: {
      if (e.type != EventType::Choose) return wrongAction();
      auto it = std::find_if(s.choices.begin(), s.choices.end(), [&](const Choice& c) { return c.id == e.target; });
      if (it == s.choices.end()) return error(tx("unknown choice " + e.target, "choix inconnu " + e.target));
      t.accepted = true;
      t.outcome = "chosen";
      goTo(it->next, e.time_ns, t);
      return t;
    }
    case StepKind::SignOff: {
      if (e.type != EventType::SignOff) return wrongAction();
      if (e.user.empty()) return error(tx("sign-off needs a logged-in user", "la signature exige un utilisateur connecté"));
      if (std::find(s.sign_roles.begin(), s.sign_roles.end(), e.role) == s.sign_roles.end()) {
        std::string roles;
        for (Role r : s.sign_roles) roles += (roles.empty() ? "" : ", ") + std::string(toString(r));
        return error(tx(std::string("a ") + toString(e.role) + " may not sign this step (needs " + roles + ")",
                        std::string("le rôle ") + toString(e.role) + " ne peut pas signer cette étape (requis : " +
                            roles + ")"));
      }
      t.accepted = true;
      t.outcome = "signed";
      goTo({}, e.time_ns, t);
      return t;
    }
    case StepKind::Quiz: {
      if (e.type != EventType::Answer) return wrongAction();
      if (e.answer < 0 || e.answer >= static_cast<int>(s.options.size())) {
        return reject(std::move(t), tx("no such answer", "réponse inexistante"));
      }
      t.accepted = true;
      if (s.options[static_cast<std::size_t>(e.answer)].correct) {
        t.outcome = "answer_correct";
        goTo({}, e.time_ns, t);
        return t;
      }
      ++wrong_answers_;
      t.outcome = "answer_wrong";
      last_failed_ = true;
      last_reason_ = tx("wrong answer, try again", "mauvaise réponse, réessayez");
      t.reason = last_reason_;
      return t;
    }
  }
  return wrongAction();
}

Score Engine::score() const {
  Score s;
  s.errors = errors_;
  s.wrong_answers = wrong_answers_;
  s.gate_attempts = gate_attempts_;
  s.hints = hints_;
  s.skips = skips_;
  s.total_ms = first_time_ns_ >= 0 ? (last_time_ns_ - first_time_ns_) / 1'000'000 : 0;
  for (const auto& id : timing_order_) s.steps.push_back(timings_.at(id));
  const double penalty = 5.0 * errors_ + 10.0 * wrong_answers_ + 10.0 * gate_attempts_ + 2.0 * hints_ + 5.0 * skips_;
  s.score = std::max(0.0, 100.0 - penalty);
  s.passed = finished_ && !aborted_ && s.score >= procedure_.training.pass_mark;
  return s;
}

}  // namespace rivet::procedure
