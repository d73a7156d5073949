// The technician's session: login, choice of work order or procedure, and a recorded run driven by user actions.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "rivet/core/result.hpp"
#include "rivet/core/text.hpp"
#include "rivet/procedure/engine.hpp"
#include "rivet/records/run.hpp"
#include "rivet/records/store.hpp"
#include "rivet/session/library.hpp"
#include "rivet/session/work_orders.hpp"

namespace rivet::session {

enum class Stage { Login, Choose, Running, Done };
const char* toString(Stage stage);

// What the last user action did, for the screen and the run log.
struct ActionResult {
  bool accepted = false;
  std::string outcome;       // engine outcome ("advanced", "gate_blocked", …) or "login", "pin_wrong", …
  core::Text message;        // shown to the user (why refused, what happened)
  std::optional<records::Ack> ack;  // the journal row that made it durable
  std::string from_step, to_step;
};

struct TechnicianOptions {
  std::string pack_hash;             // session::hashPack of the pack the procedures came from
  std::string device_id = "rivet";   // prefix of the start ids (idempotent session starts)
};

class TechnicianSession {
 public:
  TechnicianSession(records::Store& store, const ProcedureLibrary& library, std::vector<WorkOrder> orders,
                    TechnicianOptions options);

  [[nodiscard]] Stage stage() const { return stage_; }
  [[nodiscard]] std::vector<records::User> users() const { return store_->listUsers(); }
  [[nodiscard]] const std::vector<WorkOrder>& orders() const { return orders_; }
  [[nodiscard]] const ProcedureLibrary& library() const { return *library_; }
  [[nodiscard]] const std::optional<records::User>& user() const { return user_; }

  // PIN check through the store (lockout after repeated failures is the store's). On success the user's open
  // session, if any, is resumed at its step; otherwise the user chooses a work order or a procedure.
  ActionResult login(const std::string& name, const std::string& pin, std::int64_t now_ns);
  // Login with the text of a badge QR code seen by the camera (records::Store::loginBadge): on success the same as
  // login(), outcome "login" (or "resumed"); refused with outcome "badge_refused" and only "badge not valid" or
  // "account locked" said. The same refused payload shown again within kBadgeRetryNs is refused without asking
  // the store, so a badge held in front of the camera for many frames counts as one failed attempt, not one per
  // frame (which would lock the account in a second).
  ActionResult loginBadge(const std::string& payload, std::int64_t now_ns);
  static constexpr std::int64_t kBadgeRetryNs = 5'000'000'000;
  // Leaves the run open in the journal (resumed at the next login).
  void logout();

  ActionResult startOrder(const std::string& number, std::int64_t now_ns);
  ActionResult startProcedure(const std::string& procedure_id, std::int64_t now_ns);
  // After a finished or aborted run: back to the choice.
  void newSession();

  // A user action on the current step (Confirm, Value, Choose, Answer, Hint, Back, Skip, Abort). The step id and
  // time are filled in; live values the step's conditions use are journaled first. Durable before it returns.
  ActionResult act(procedure::Event event, std::int64_t now_ns);
  // Sign-off: `signer` must hold a role the step accepts and give their PIN (checked by the store).
  ActionResult signOff(const std::string& signer, const std::string& pin, std::int64_t now_ns);
  // A live tag update (kept for gates, not journaled by itself).
  void observe(const procedure::TagSample& sample, std::int64_t now_ns);

  [[nodiscard]] const records::RecordedRun* run() const { return run_ ? &*run_ : nullptr; }
  [[nodiscard]] const procedure::Engine* engine() const { return run_ ? &run_->engine() : nullptr; }
  [[nodiscard]] const std::string& workOrder() const { return work_order_; }
  // Users who may sign the current sign-off step (the logged-in user first when allowed).
  [[nodiscard]] std::vector<records::User> signers() const;
  [[nodiscard]] bool resumed() const { return resumed_; }

 private:
  ActionResult loggedIn(const records::User& user, std::int64_t now_ns);
  ActionResult begin(const procedure::Procedure& procedure, const std::string& work_order, const std::string& asset,
                     std::int64_t now_ns);
  core::Status journalConditionTags(std::int64_t now_ns);
  ActionResult fromApplied(const core::Result<records::AppliedEvent>& applied);

  records::Store* store_;
  const ProcedureLibrary* library_;
  std::vector<WorkOrder> orders_;
  TechnicianOptions options_;
  Stage stage_ = Stage::Login;
  std::optional<records::User> user_;
  std::optional<records::RecordedRun> run_;
  std::string work_order_;
  bool resumed_ = false;
  std::map<std::string, procedure::TagSample> latest_;    // live values by tag
  std::map<std::string, std::int64_t> journaled_time_;    // source time of the last journaled sample per tag
  int action_counter_ = 0;
  std::string refused_badge_;          // SHA-256 of the last refused badge payload (never the payload itself)
  std::int64_t refused_badge_ns_ = 0;  // when it was last refused
  ActionResult refused_badge_result_;
};

}  // namespace rivet::session
