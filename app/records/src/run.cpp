// RecordedRun: start/resume a session, apply events durably (commit before the engine moves on), close sessions.
#include "rivet/records/run.hpp"

namespace rivet::records {

core::Result<RecordedRun> RecordedRun::startOrResume(Store& store, const procedure::Procedure& procedure,
                                                     const SessionStart& start, std::int64_t now_ns) {
  std::optional<Session> open = store.findSessionByStartId(start.user, start.start_id);
  if (!open) open = store.findOpenSession(start.user, procedure.id);
  if (open) {
    if (open->info.procedure_id != procedure.id || open->info.procedure_version != procedure.version ||
        open->info.pack_hash != start.pack_hash) {
      return core::makeError("session " + std::to_string(open->id) + " was started with version " +
                                 open->info.procedure_version + " of '" + open->info.procedure_id + "' from another pack (hash " +
                                 open->info.pack_hash.substr(0, 12) + "…); it cannot resume on this pack",
                             procedure.source, "finish it with the original pack, or abort it");
    }
    auto events = store.events(open->id);
    if (!events) return events.error();
    std::vector<procedure::Event> log;
    std::set<std::string> ids;
    for (const auto& e : events.value()) {
      log.push_back(e.record.event);
      if (!e.record.client_id.empty()) ids.insert(e.record.client_id);
    }
    RecordedRun run(store, procedure::Engine::replay(procedure, open->info.mode, open->info.faults, log), *open);
    run.stored_ids_ = std::move(ids);
    run.resumed_ = true;
    run.replayed_ = log.size();
    if (open->status == SessionStatus::Open) {
      AppliedEvent closed;
      if (auto s = run.endIfDone(log.empty() ? now_ns : log.back().time_ns, closed); !s) return s.error();
      if (closed.session_ended) run.closed_on_resume_ = closed;
    }
    return run;
  }
  if (start.mode == procedure::Mode::Normal && !start.faults.empty()) {
    return core::makeError("faults can only be injected in training mode", procedure.source, "start in training mode");
  }
  for (const auto& f : start.faults) {
    bool found = false;
    for (const auto& known : procedure.training.faults) found |= known.id == f;
    if (!found) {
      return core::makeError("procedure '" + procedure.id + "' has no fault scenario '" + f + "'", procedure.source,
                             "use one of the ids under training.faults");
    }
  }
  SessionStart st = start;
  st.procedure_id = procedure.id;
  st.procedure_version = procedure.version;
  if (st.asset_id.empty()) st.asset_id = procedure.asset_id;
  auto session = store.startSession(st, now_ns);
  if (!session) return session.error();
  return RecordedRun(store, procedure::Engine(procedure, st.mode, st.faults), session.value());
}

core::Result<AppliedEvent> RecordedRun::apply(const procedure::Event& event, const std::string& client_id) {
  AppliedEvent out;
  if (!client_id.empty() && stored_ids_.count(client_id)) {
    auto ack = store_->appendEvent(session_.id, EventRecord{client_id, event, {}, {}, {}, {}});  // returns the first ack
    if (!ack) return ack.error();
    out.ack = ack.value();
    out.transition.accepted = true;
    out.transition.outcome = "duplicate";
    return out;
  }
  procedure::Engine next = engine_;
  out.transition = next.apply(event);
  EventRecord rec;
  rec.client_id = client_id;
  rec.event = event;
  rec.outcome = out.transition.outcome;
  rec.from_step = out.transition.from_step;
  rec.to_step = out.transition.to_step;
  if (event.type == procedure::EventType::Value) {
    const int idx = engine_.procedure().indexOf(out.transition.from_step);
    if (idx >= 0 && engine_.procedure().steps[static_cast<std::size_t>(idx)].measurement) {
      rec.unit = engine_.procedure().steps[static_cast<std::size_t>(idx)].measurement->unit;
    }
  }
  auto ack = store_->appendEvent(session_.id, rec);
  if (!ack) return ack.error();  // not durable: the engine stays where it was
  out.ack = ack.value();
  if (ack->duplicate) {  // stored by another writer meanwhile: not applied twice
    out.transition.outcome = "duplicate";
    return out;
  }
  engine_ = std::move(next);
  if (!client_id.empty()) stored_ids_.insert(client_id);
  if (auto s = endIfDone(event.time_ns, out); !s) return s.error();
  return out;
}

void RecordedRun::observe(const procedure::Event& tag_event) {
  if (tag_event.type != procedure::EventType::Tag) return;
  (void)engine_.apply(tag_event);
}

core::Status RecordedRun::endIfDone(std::int64_t time_ns, AppliedEvent& out) {
  if (session_.status != SessionStatus::Open || !(engine_.finished() || engine_.aborted())) return {};
  const auto status = engine_.aborted() ? SessionStatus::Aborted : SessionStatus::Finished;
  if (engine_.mode() == procedure::Mode::Training) {
    const procedure::Score score = engine_.score();
    auto history = store_->trainingHistory(session_.info.user, session_.info.procedure_id);
    bool stored = false;
    if (history) {
      for (const auto& a : history->attempts) stored |= a.session_id == session_.id;
    }
    if (!stored) {
      if (auto s = store_->recordTraining(session_.id, score, time_ns); !s) return s;
    }
    out.score = score;
  }
  if (auto s = store_->endSession(session_.id, status, time_ns); !s) return s;
  session_.status = status;
  session_.end_ns = time_ns;
  out.session_ended = true;
  return {};
}

}  // namespace rivet::records
