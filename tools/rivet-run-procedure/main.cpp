// rivet-run-procedure: applies JSON-line events to a procedure, persists each one durably, prints each transition.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>

#include "rivet/core/clock.hpp"
#include "rivet/procedure/engine.hpp"
#include "rivet/procedure/training.hpp"
#include "rivet/records/run.hpp"
#include "rivet/records/store.hpp"
#include "rivet/session/library.hpp"

namespace {

using namespace rivet;
using nlohmann::ordered_json;

void emit(const ordered_json& j) {
  // One line per record, flushed: a reader sees an ack only once the event is committed.
  std::fputs((j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n").c_str(), stdout);
  std::fflush(stdout);
}

int fail(const core::Error& e, int code, const std::string& id = {}) {
  ordered_json j{{"error", e.message}, {"where", e.where}, {"hint", e.hint}};
  if (!id.empty()) j["event"] = id;
  emit(j);
  std::fprintf(stderr, "rivet-run-procedure: %s\n", e.describe().c_str());
  return code;
}

// The headless side of training faults: prints what the tag simulator must do.
class JsonLineFaultInjector final : public procedure::FaultInjector {
 public:
  core::Status activate(const procedure::FaultScenario& fault) override {
    ordered_json tags = ordered_json::array();
    for (const auto& o : fault.overrides) {
      tags.push_back({{"tag", o.tag}, {"value", o.value}, {"quality", o.quality}, {"stuck", o.stuck}});
    }
    emit({{"fault", fault.id}, {"title", fault.title.en}, {"tags", tags}});
    return {};
  }
  core::Status clearAll() override {
    emit({{"fault", nullptr}, {"cleared", true}});
    return {};
  }
};

ordered_json viewJson(const procedure::Engine& engine) {
  const procedure::StepView v = engine.view();
  ordered_json j{{"step", v.step_id}, {"index", v.index}, {"count", v.count}, {"kind", procedure::toString(v.kind)},
                 {"finished", v.finished}, {"aborted", v.aborted}};
  return j;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Run a procedure headless: apply events (JSON lines), persist each durably, print each transition."};
  std::string pack_dir, procedure_id, db_path, events_path, mode_name = "normal";
  std::vector<std::string> faults;
  app.add_option("--pack", pack_dir, "content pack folder (with procedures/*.yaml)")->required();
  app.add_option("--procedure", procedure_id, "procedure id to run")->required();
  app.add_option("--db", db_path, "records database (SQLite, created if missing)")->required();
  app.add_option("--events", events_path, "events, one JSON object per line ('-' = stdin)")->required();
  app.add_option("--mode", mode_name, "normal or training (a start event may also say it)")
      ->check(CLI::IsMember({"normal", "training"}));
  app.add_option("--fault", faults, "training fault scenario id (repeatable)");
  CLI11_PARSE(app, argc, argv);

  auto library = session::ProcedureLibrary::load(pack_dir);
  if (!library) return fail(library.error(), 2);
  if (library->find(procedure_id) == nullptr) {
    return fail(core::makeError("no procedure '" + procedure_id + "' in the pack", pack_dir,
                                "available: " + library->ids()), 2);
  }
  auto resolved = library->resolved(procedure_id);
  if (!resolved) return fail(resolved.error(), 2);
  auto pack_hash = session::hashPack(pack_dir);
  if (!pack_hash) return fail(pack_hash.error(), 2);
  auto store_r = records::Store::open(db_path);
  if (!store_r) return fail(store_r.error(), 2);
  records::Store& store = store_r.value();

  std::ifstream file;
  std::istream* in = &std::cin;
  if (events_path != "-") {
    file.open(events_path);
    if (!file) return fail(core::makeError("cannot read the events file", events_path, "check the path"), 2);
    in = &file;
  }

  std::optional<records::User> user;
  std::optional<records::RecordedRun> run;
  JsonLineFaultInjector injector;

  auto emitEnd = [&](const records::AppliedEvent& applied) {
    if (!applied.session_ended) return;
    ordered_json end{{"session_end", run->session().id}, {"status", records::toString(run->session().status)}};
    if (applied.score) {
      const procedure::Score& score = *applied.score;
      if (!run->engine().faults().empty()) (void)injector.clearAll();
      end["score"] = score.score;
      end["passed"] = score.passed;
      end["errors"] = score.errors;
      end["wrong_answers"] = score.wrong_answers;
      end["gate_attempts"] = score.gate_attempts;
      end["hints"] = score.hints;
      end["total_ms"] = score.total_ms;
      ordered_json steps = ordered_json::array();
      for (const auto& st : score.steps) steps.push_back({{"step", st.step_id}, {"ms", st.duration_ms}, {"errors", st.errors}});
      end["steps"] = steps;
    }
    emit(end);
  };

  std::string line;
  int line_no = 0;
  while (std::getline(*in, line)) {
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string where = events_path + ":" + std::to_string(line_no);
    const auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("type") || !j["type"].is_string()) {
      return fail(core::makeError("not a JSON event object", where, "write {\"id\":\"e1\",\"type\":\"confirm\"}"), 2);
    }
    if (!j.contains("id") || !j["id"].is_string() || j["id"].get<std::string>().empty()) {
      return fail(core::makeError("event without an \"id\"", where, "give every event a unique \"id\" (used to resume)"), 2);
    }
    const std::string id = j["id"].get<std::string>();
    const std::string type = j["type"].get<std::string>();
    const std::int64_t now = j.contains("time_ns") && j["time_ns"].is_number_integer() ? j["time_ns"].get<std::int64_t>()
                                                                                      : core::wallClockNs();

    if (type == "login") {
      const std::string name = j.value("user", "");
      const std::string secret = j.value("secret", "");
      auto u = store.login(name, secret, now);
      if (!u) return fail(u.error(), 3, id);
      user = u.value();
      emit({{"login", user->name}, {"role", procedure::toString(user->role)}, {"event", id}});
      continue;
    }
    if (type == "start") {
      if (!user) return fail(core::makeError("start before login", where, "put a login event first"), 3, id);
      if (run) return fail(core::makeError("a session is already running", where, "one start per run"), 2, id);
      records::SessionStart st;
      st.user = user->name;
      st.pack_hash = pack_hash.value();
      st.asset_id = j.value("asset", resolved->asset_id);
      st.work_order = j.value("work_order", "");
      st.mode = j.value("mode", mode_name) == "training" ? procedure::Mode::Training : procedure::Mode::Normal;
      st.faults = faults;
      if (j.contains("faults") && j["faults"].is_array()) {
        for (const auto& f : j["faults"]) {
          if (f.is_string()) st.faults.push_back(f.get<std::string>());
        }
      }
      st.start_id = id;
      auto r = records::RecordedRun::startOrResume(store, resolved.value(), st, now);
      if (!r) return fail(r.error(), r.error().message.find("cannot resume") != std::string::npos ? 4 : 2, id);
      run.emplace(std::move(r.value()));
      ordered_json out{{run->resumed() ? "resumed" : "started", true}, {"session", run->session().id}};
      if (run->resumed()) out["events"] = run->replayedEvents();
      else out["pack_hash"] = st.pack_hash;
      out["event"] = id;
      out.update(viewJson(run->engine()));
      emit(out);
      if (run->closedOnResume()) emitEnd(*run->closedOnResume());
      continue;
    }

    // An engine event.
    if (!run) return fail(core::makeError("event before start", where, "put login and start events first"), 3, id);
    nlohmann::json ej = j;
    ej.erase("id");
    ej.erase("user");  // who signs is the logged-in user, never what the file says
    ej.erase("role");
    if (!ej.contains("time_ns")) ej["time_ns"] = now;
    auto event = procedure::eventFromJson(ej.dump(), where);
    if (!event) return fail(event.error(), 2, id);
    procedure::Event e = event.value();
    if (e.type == procedure::EventType::SignOff) {
      e.user = user->name;
      e.role = user->role;
    }
    auto applied = run->apply(e, id);
    if (!applied) return fail(applied.error(), 4, id);
    if (applied->ack.duplicate) {
      emit({{"ack", id}, {"duplicate", true}});
      continue;
    }
    const procedure::Transition& t = applied->transition;
    ordered_json out{{"ack", id},           {"seq", applied->ack.seq},   {"accepted", t.accepted},
                     {"outcome", t.outcome}, {"from", t.from_step},       {"to", t.to_step},
                     {"index", t.to_index},  {"count", static_cast<int>(resolved->steps.size())},
                     {"finished", t.finished}, {"aborted", t.aborted}};
    if (!t.reason.empty()) out["reason"] = t.reason.en;
    emit(out);
    for (const auto& f : t.activate_faults) {
      if (const auto* fault = procedure::findFault(resolved.value(), f)) (void)injector.activate(*fault);
    }
    emitEnd(applied.value());
  }
  ordered_json done{{"done", true}};
  if (run) done.update(viewJson(run->engine()));
  emit(done);
  return 0;
}
