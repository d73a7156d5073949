// RecordedRun: a procedure engine bound to a records session; every event is durable before the engine moves on.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>

#include "rivet/core/result.hpp"
#include "rivet/procedure/engine.hpp"
#include "rivet/records/store.hpp"

namespace rivet::records {

struct AppliedEvent {
  procedure::Transition transition;
  Ack ack;
  bool session_ended = false;                // this event finished or aborted the procedure; the session is closed
  std::optional<procedure::Score> score;     // training mode: the score stored when the session ended
};

class RecordedRun {
 public:
  // Starts a session for `start.user` (already authenticated) or resumes: first the session created with the same
  // start id, else this user's open session of this procedure. A session started on another procedure version or
  // pack hash is refused (a changed torque value must not load silently). `procedure` must be resolveCalls()'d.
  static core::Result<RecordedRun> startOrResume(Store& store, const procedure::Procedure& procedure,
                                                 const SessionStart& start, std::int64_t now_ns);

  // Applies one event: the engine's transition is computed on a copy, committed, and only then adopted.
  // A client id already stored returns its earlier ack with duplicate=true and changes nothing.
  // Sign-off events must carry the authenticated user and role (the caller sets them, never the input).
  core::Result<AppliedEvent> apply(const procedure::Event& event, const std::string& client_id = {});

  // A live tag update the engine keeps for its gates but the journal does not store (values arrive many times a
  // second). Callers journal the samples a decision relies on through apply() before the user event that uses them,
  // so a replay after a crash sees the same values at the same events.
  void observe(const procedure::Event& tag_event);

  [[nodiscard]] const procedure::Engine& engine() const { return engine_; }
  [[nodiscard]] const Session& session() const { return session_; }
  [[nodiscard]] bool resumed() const { return resumed_; }
  [[nodiscard]] std::size_t replayedEvents() const { return replayed_; }
  // Set when startOrResume found a finished/aborted engine whose session was still open (crash before the end
  // row) and closed it.
  [[nodiscard]] const std::optional<AppliedEvent>& closedOnResume() const { return closed_on_resume_; }

 private:
  RecordedRun(Store& store, procedure::Engine engine, Session session)
      : store_(&store), engine_(std::move(engine)), session_(std::move(session)) {}
  core::Status endIfDone(std::int64_t time_ns, AppliedEvent& out);

  Store* store_;
  procedure::Engine engine_;
  Session session_;
  std::set<std::string> stored_ids_;
  bool resumed_ = false;
  std::size_t replayed_ = 0;
  std::optional<AppliedEvent> closed_on_resume_;
};

}  // namespace rivet::records
