// Training records: attempts per trainee with time per step rebuilt from the journal, cohort and skill-transfer figures.
#include "rivet/records/training.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace rivet::records {
namespace {

// Outcomes that leave the engine on the same step whatever to_step says.
bool staysPut(const std::string& outcome) {
  return outcome == "rejected" || outcome == "tag" || outcome == "duplicate" || outcome.empty();
}

bool isError(const std::string& outcome) {
  return outcome == "fail" || outcome == "out_of_tolerance" || outcome == "rejected" || outcome == "gate_blocked" ||
         outcome == "answer_wrong";
}

std::vector<StepTime> stepTimes(const Session& session, const std::vector<StoredEvent>& events) {
  std::vector<StepTime> steps;
  auto at = [&](const std::string& id) -> StepTime& {
    for (auto& s : steps)
      if (s.step_id == id) return s;
    steps.push_back(StepTime{id, 0, 0, 0, 0, 0});
    return steps.back();
  };
  std::string current;
  std::int64_t entered_ns = session.start_ns;
  for (const StoredEvent& e : events) {
    const EventRecord& r = e.record;
    const std::int64_t t = r.event.time_ns;
    if (current.empty() && !r.from_step.empty()) {
      current = r.from_step;  // the step the session started on
      at(current).visits += 1;
    }
    if (r.from_step.empty()) continue;
    StepTime& from = at(r.from_step);
    if (isError(r.outcome)) from.errors += 1;
    if (r.outcome == "gate_blocked") from.gate_attempts += 1;
    if (r.outcome == "hint") from.hints += 1;
    if (staysPut(r.outcome) || r.to_step == r.from_step) continue;
    at(current).duration_ms += std::max<std::int64_t>(0, (t - entered_ns) / 1'000'000);
    entered_ns = t;
    current = r.to_step;
    if (current.empty()) break;  // finished or aborted
    at(current).visits += 1;
  }
  if (!current.empty() && session.end_ns > 0)
    at(current).duration_ms += std::max<std::int64_t>(0, (session.end_ns - entered_ns) / 1'000'000);
  return steps;
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

}  // namespace

core::Result<std::vector<TrainingRecord>> loadTrainingRecords(const Store& store, const TrainingQuery& query) {
  if (query.procedure_id.empty())
    return core::makeError("which procedure? a training report is per procedure", "records",
                           "give the procedure id (--procedure)");
  std::vector<std::string> names;
  if (query.trainees.empty()) {
    for (const User& u : store.listUsers()) names.push_back(u.name);
  } else {
    for (const auto& n : query.trainees) {
      if (!store.findUser(n))
        return core::makeError("no user '" + n + "' in the records", "records",
                               "check the name (rivet-records lists users with add-user)");
      names.push_back(n);
    }
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
  }
  std::vector<TrainingRecord> out;
  for (const auto& name : names) {
    auto history = store.trainingHistory(name, query.procedure_id);
    if (!history) return history.error();
    int number = 0;
    for (const TrainingAttempt& a : history->attempts) {
      ++number;
      auto session = store.session(a.session_id);
      if (!session)
        return core::makeError("training result of session " + std::to_string(a.session_id) + " has no session",
                               "records", "run rivet-records verify on the database");
      if (query.from_ns && session->start_ns < query.from_ns) continue;
      if (query.to_ns && session->start_ns >= query.to_ns) continue;
      auto events = store.events(a.session_id);
      if (!events) return events.error();
      TrainingRecord r;
      r.trainee = name;
      r.attempt = number;
      r.session = *session;
      r.result = a;
      r.steps = stepTimes(*session, *events);
      out.push_back(std::move(r));
    }
  }
  return out;
}

TrainingSummary summarizeTraining(const std::vector<TrainingRecord>& records) {
  TrainingSummary s;
  CohortSummary& c = s.cohort;
  std::map<std::string, std::vector<const TrainingRecord*>> by_trainee;
  for (const auto& r : records) by_trainee[r.trainee].push_back(&r);
  std::vector<double> totals_s, gains;
  int first_passes = 0;
  double first_sum = 0, last_sum = 0;
  for (auto& [name, list] : by_trainee) {
    std::sort(list.begin(), list.end(), [](const TrainingRecord* a, const TrainingRecord* b) {
      return a->attempt < b->attempt;
    });
    TraineeSummary t;
    t.trainee = name;
    t.attempts = static_cast<int>(list.size());
    t.first_score = list.front()->result.score;
    t.last_score = list.back()->result.score;
    t.passed_last = list.back()->result.passed;
    t.transferred = t.passed_last && list.back()->result.hints == 0;
    double total_s = 0;
    for (const TrainingRecord* r : list) {
      const TrainingAttempt& a = r->result;
      t.best_score = std::max(t.best_score, a.score);
      if (a.passed && t.first_pass_attempt == 0) t.first_pass_attempt = r->attempt;
      t.errors += a.errors, t.wrong_answers += a.wrong_answers, t.gate_attempts += a.gate_attempts, t.hints += a.hints;
      total_s += static_cast<double>(a.total_ms) / 1000.0;
      totals_s.push_back(static_cast<double>(a.total_ms) / 1000.0);
      c.passed_attempts += a.passed ? 1 : 0;
    }
    t.mean_total_s = total_s / static_cast<double>(list.size());
    if (t.first_score < 100.0) {
      t.normalised_gain = (t.last_score - t.first_score) / (100.0 - t.first_score);
      gains.push_back(*t.normalised_gain);
    }
    first_passes += list.front()->result.passed ? 1 : 0;
    first_sum += t.first_score;
    last_sum += t.last_score;
    c.transferred += t.transferred ? 1 : 0;
    c.attempts += t.attempts;
    s.trainees.push_back(std::move(t));
  }
  c.trainees = static_cast<int>(s.trainees.size());
  if (c.trainees > 0) {
    const double n = c.trainees;
    c.pass_rate = static_cast<double>(c.passed_attempts) / c.attempts;
    c.first_attempt_pass_rate = first_passes / n;
    c.mean_first_score = first_sum / n;
    c.mean_last_score = last_sum / n;
    c.skill_transfer_pct = 100.0 * c.transferred / n;
    c.median_total_s = median(totals_s);
  }
  if (!gains.empty()) {
    double sum = 0;
    for (double g : gains) sum += g;
    c.mean_normalised_gain = sum / static_cast<double>(gains.size());
  }

  // Steps in the order the attempts first entered them (the procedure's order for a normal run).
  std::map<std::string, double> time_sum;
  for (const auto& r : records) {
    for (const StepTime& st : r.steps) {
      auto it = std::find_if(c.steps.begin(), c.steps.end(), [&](const StepSummary& x) { return x.step_id == st.step_id; });
      if (it == c.steps.end()) {
        c.steps.push_back(StepSummary{st.step_id, 0, 0, 0, 0, 0});
        it = c.steps.end() - 1;
      }
      it->attempts += 1;
      it->errors += st.errors, it->gate_attempts += st.gate_attempts, it->hints += st.hints;
      time_sum[st.step_id] += static_cast<double>(st.duration_ms) / 1000.0;
    }
  }
  const StepSummary* most_errors = nullptr;
  const StepSummary* most_time = nullptr;
  for (StepSummary& st : c.steps) {
    st.mean_time_s = st.attempts ? time_sum[st.step_id] / st.attempts : 0;
    if (st.errors > 0 && (!most_errors || st.errors > most_errors->errors ||
                          (st.errors == most_errors->errors && st.mean_time_s > most_errors->mean_time_s)))
      most_errors = &st;
    if (!most_time || st.mean_time_s > most_time->mean_time_s) most_time = &st;
  }
  if (most_errors) c.most_errors_step = most_errors->step_id;
  if (most_time) c.most_time_step = most_time->step_id;
  return s;
}

}  // namespace rivet::records
