// TechnicianSession: the login → choice → recorded run flow every display (headless, window, headset) drives.
#include "rivet/session/technician.hpp"

#include <algorithm>

namespace rivet::session {
namespace {

core::Text tx(std::string en, std::string fr) { return core::Text{std::move(en), std::move(fr)}; }

ActionResult refused(std::string outcome, core::Text message) {
  ActionResult r;
  r.outcome = std::move(outcome);
  r.message = std::move(message);
  return r;
}

bool stepHasConditions(const procedure::Step& s) {
  return !s.conditions.empty() || s.requires_registration_mm.has_value();
}

}  // namespace

const char* toString(Stage stage) {
  switch (stage) {
    case Stage::Login: return "login";
    case Stage::Choose: return "choose";
    case Stage::Running: return "running";
    case Stage::Done: return "done";
  }
  return "?";
}

TechnicianSession::TechnicianSession(records::Store& store, const ProcedureLibrary& library,
                                     std::vector<WorkOrder> orders, TechnicianOptions options)
    : store_(&store), library_(&library), orders_(std::move(orders)), options_(std::move(options)) {}

ActionResult TechnicianSession::login(const std::string& name, const std::string& pin, std::int64_t now_ns) {
  if (stage_ != Stage::Login) return refused("rejected", tx("someone is already logged in", "une session est déjà ouverte"));
  auto user = store_->login(name, pin, now_ns);
  if (!user.ok()) {
    const std::string& m = user.error().message;
    if (m.find("locked") != std::string::npos) {
      return refused("locked", tx("Account locked after repeated wrong PINs: ask a supervisor to unlock it",
                                  "Compte verrouillé après plusieurs PIN erronés : demandez à un responsable de le déverrouiller"));
    }
    return refused("pin_wrong", tx("Wrong PIN or unknown user", "PIN incorrect ou utilisateur inconnu"));
  }
  return loggedIn(*user, now_ns);
}

ActionResult TechnicianSession::loginBadge(const std::string& payload, std::int64_t now_ns) {
  if (stage_ != Stage::Login) return refused("rejected", tx("someone is already logged in", "une session est déjà ouverte"));
  const std::string key = records::sha256Hex(payload);
  if (!refused_badge_.empty() && key == refused_badge_ && now_ns >= refused_badge_ns_ &&
      now_ns - refused_badge_ns_ < kBadgeRetryNs) {
    refused_badge_ns_ = now_ns;  // still in front of the camera: one attempt until it is taken away
    return refused_badge_result_;
  }
  auto user = store_->loginBadge(payload, now_ns);
  if (!user.ok()) {
    // Which part was wrong (user, token, revoked) stays in the journal: the screen does not help a forger.
    const bool locked = user.error().message.find("locked") != std::string::npos;
    refused_badge_result_ =
        locked ? refused("badge_refused", tx("Account locked after repeated failed logins: ask a supervisor to unlock it",
                                             "Compte verrouillé après plusieurs échecs : demandez à un responsable de le déverrouiller"))
               : refused("badge_refused", tx("Badge not valid", "Badge non valide"));
    refused_badge_ = key;
    refused_badge_ns_ = now_ns;
    return refused_badge_result_;
  }
  refused_badge_.clear();
  return loggedIn(*user, now_ns);
}

ActionResult TechnicianSession::loggedIn(const records::User& user, std::int64_t now_ns) {
  user_ = user;
  stage_ = Stage::Choose;
  ActionResult r;
  r.accepted = true;
  r.outcome = "login";
  // A session this user left open (crash, kill, logout) resumes at its step.
  for (const auto& p : library_->all()) {
    auto open = store_->findOpenSession(user_->name, p.id);
    if (!open) continue;
    auto proc = library_->resolved(p.id);
    if (!proc.ok()) continue;
    ActionResult b = begin(*proc, open->info.work_order, open->info.asset_id, now_ns);
    if (b.accepted) {
      b.outcome = "resumed";
      return b;
    }
    r.message = b.message;  // e.g. the pack changed: say why it could not resume
  }
  return r;
}

void TechnicianSession::logout() {
  user_.reset();
  run_.reset();
  work_order_.clear();
  resumed_ = false;
  stage_ = Stage::Login;
}

ActionResult TechnicianSession::startOrder(const std::string& number, std::int64_t now_ns) {
  if (stage_ != Stage::Choose) return refused("rejected", tx("log in first", "identifiez-vous d'abord"));
  auto it = std::find_if(orders_.begin(), orders_.end(), [&](const WorkOrder& o) { return o.number == number; });
  if (it == orders_.end()) return refused("rejected", tx("unknown work order " + number, "ordre de travail inconnu " + number));
  auto proc = library_->resolved(it->procedure_id);
  if (!proc.ok()) {
    return refused("rejected", tx("work order " + number + ": " + proc.error().message,
                                  "ordre de travail " + number + " : " + proc.error().message));
  }
  return begin(*proc, it->number, it->asset, now_ns);
}

ActionResult TechnicianSession::startProcedure(const std::string& procedure_id, std::int64_t now_ns) {
  if (stage_ != Stage::Choose) return refused("rejected", tx("log in first", "identifiez-vous d'abord"));
  auto proc = library_->resolved(procedure_id);
  if (!proc.ok()) return refused("rejected", tx(proc.error().message, proc.error().message));
  return begin(*proc, "", "", now_ns);
}

ActionResult TechnicianSession::begin(const procedure::Procedure& procedure, const std::string& work_order,
                                      const std::string& asset, std::int64_t now_ns) {
  records::SessionStart start;
  start.user = user_->name;
  start.procedure_id = procedure.id;
  start.procedure_version = procedure.version;
  start.pack_hash = options_.pack_hash;
  start.asset_id = asset;
  start.work_order = work_order;
  start.mode = procedure.type == "training" ? procedure::Mode::Training : procedure::Mode::Normal;
  auto run = records::RecordedRun::startOrResume(*store_, procedure, start, now_ns);
  if (!run.ok()) return refused("rejected", tx(run.error().message, run.error().message));
  run_.emplace(std::move(*run));
  resumed_ = run_->resumed();
  work_order_ = run_->session().info.work_order;
  journaled_time_.clear();
  stage_ = run_->engine().finished() || run_->engine().aborted() ? Stage::Done : Stage::Running;
  for (const auto& [tag, sample] : latest_) {
    procedure::Event e;
    e.type = procedure::EventType::Tag;
    e.time_ns = now_ns;
    e.tag = sample;
    run_->observe(e);
  }
  ActionResult r;
  r.accepted = true;
  r.outcome = resumed_ ? "resumed" : "started";
  r.to_step = run_->engine().currentStepId();
  if (resumed_) {
    r.message = tx("Session resumed at step " + std::to_string(run_->engine().currentIndex() + 1),
                   "Session reprise à l'étape " + std::to_string(run_->engine().currentIndex() + 1));
  }
  return r;
}

void TechnicianSession::newSession() {
  if (stage_ != Stage::Done) return;
  run_.reset();
  work_order_.clear();
  resumed_ = false;
  stage_ = Stage::Choose;
}

void TechnicianSession::observe(const procedure::TagSample& sample, std::int64_t now_ns) {
  latest_[sample.tag] = sample;
  if (!run_) return;
  procedure::Event e;
  e.type = procedure::EventType::Tag;
  e.time_ns = now_ns;
  e.tag = sample;
  run_->observe(e);
}

// The values a gate decides on become part of the record: "who did what, when, with which values".
core::Status TechnicianSession::journalConditionTags(std::int64_t now_ns) {
  const procedure::Engine& engine = run_->engine();
  if (engine.finished() || engine.aborted()) return {};
  const procedure::Step& step = engine.procedure().steps[static_cast<std::size_t>(engine.currentIndex())];
  if (!stepHasConditions(step)) return {};
  // Copied: applying an event may rebuild the engine's procedure (and the step the reference points into).
  std::vector<std::string> tags;
  for (const auto& c : step.conditions) tags.push_back(c.tag);
  if (const auto rc = procedure::registrationCondition(step)) tags.push_back(rc->tag);  // the overlay's verdict
  for (const auto& tag : tags) {
    auto it = latest_.find(tag);
    if (it == latest_.end()) continue;
    auto done = journaled_time_.find(tag);
    if (done != journaled_time_.end() && done->second == it->second.source_time_ns) continue;
    procedure::Event e;
    e.type = procedure::EventType::Tag;
    e.time_ns = now_ns;
    e.tag = it->second;
    auto applied = run_->apply(e);
    if (!applied.ok()) return applied.error();
    journaled_time_[tag] = it->second.source_time_ns;
  }
  return {};
}

ActionResult TechnicianSession::fromApplied(const core::Result<records::AppliedEvent>& applied) {
  if (!applied.ok()) {
    // Not durable: the engine did not move; the user sees why and can retry.
    return refused("not_recorded", tx("Not recorded, try again: " + applied.error().describe(),
                                      "Non enregistré, réessayez : " + applied.error().describe()));
  }
  ActionResult r;
  r.accepted = applied->transition.accepted;
  r.outcome = applied->transition.outcome;
  r.message = applied->transition.reason;
  r.ack = applied->ack;
  r.from_step = applied->transition.from_step;
  r.to_step = applied->transition.to_step;
  if (applied->session_ended || run_->engine().finished() || run_->engine().aborted()) stage_ = Stage::Done;
  return r;
}

ActionResult TechnicianSession::act(procedure::Event event, std::int64_t now_ns) {
  if (stage_ != Stage::Running || !run_) return refused("rejected", tx("no procedure is running", "aucune procédure en cours"));
  if (event.type == procedure::EventType::Tag || event.type == procedure::EventType::SignOff) {
    return refused("rejected", tx("not a user action", "action non autorisée"));
  }
  event.time_ns = now_ns;
  event.step_id = run_->engine().currentStepId();
  if (auto st = journalConditionTags(now_ns); !st.ok()) {
    return refused("not_recorded", tx("Not recorded, try again: " + st.error().describe(),
                                      "Non enregistré, réessayez : " + st.error().describe()));
  }
  ++action_counter_;
  return fromApplied(run_->apply(event));
}

std::vector<records::User> TechnicianSession::signers() const {
  std::vector<records::User> out;
  if (!run_) return out;
  const procedure::Engine& engine = run_->engine();
  if (engine.finished() || engine.aborted()) return out;
  const procedure::Step& step = engine.procedure().steps[static_cast<std::size_t>(engine.currentIndex())];
  if (step.kind != procedure::StepKind::SignOff) return out;
  auto allowed = [&](procedure::Role r) {
    return step.sign_roles.empty() || std::find(step.sign_roles.begin(), step.sign_roles.end(), r) != step.sign_roles.end();
  };
  if (user_ && allowed(user_->role)) out.push_back(*user_);
  for (const auto& u : store_->listUsers()) {
    if (allowed(u.role) && (!user_ || u.name != user_->name)) out.push_back(u);
  }
  return out;
}

ActionResult TechnicianSession::signOff(const std::string& signer, const std::string& pin, std::int64_t now_ns) {
  if (stage_ != Stage::Running || !run_) return refused("rejected", tx("no procedure is running", "aucune procédure en cours"));
  const auto allowed = signers();
  auto it = std::find_if(allowed.begin(), allowed.end(), [&](const records::User& u) { return u.name == signer; });
  if (it == allowed.end()) {
    return refused("rejected", tx(signer + " may not sign this step (role)", signer + " n'est pas habilité à viser cette étape"));
  }
  auto checked = store_->login(signer, pin, now_ns);
  if (!checked.ok()) return refused("pin_wrong", tx("Wrong PIN for " + signer, "PIN incorrect pour " + signer));
  procedure::Event e;
  e.type = procedure::EventType::SignOff;
  e.time_ns = now_ns;
  e.step_id = run_->engine().currentStepId();
  e.user = checked->name;
  e.role = checked->role;
  return fromApplied(run_->apply(e));
}

}  // namespace rivet::session
