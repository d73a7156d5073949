// Training records: per trainee x procedure attempts with time per step (from the journal), cohort figures and the
// skill-transfer measures a training plan reports.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "rivet/core/result.hpp"
#include "rivet/records/store.hpp"

namespace rivet::records {

// Time and trouble on one step during one attempt, from the session's journaled events: the step is entered by the
// event that moved to it (or the session start) and left by the event that moved away; every visit counts.
struct StepTime {
  std::string step_id;  // as the engine names it ("loto/isolate" for a step of a called procedure)
  std::int64_t duration_ms = 0;
  int visits = 0;
  int errors = 0;         // failed checks, out-of-tolerance values, wrong answers, refused actions, blocked gates
  int gate_attempts = 0;  // confirmations refused because the gate was not satisfied
  int hints = 0;
};

// One training attempt: a training-mode session with its stored result.
struct TrainingRecord {
  std::string trainee;
  int attempt = 0;  // 1-based, per trainee, in time order
  Session session;
  TrainingAttempt result;
  std::vector<StepTime> steps;  // in the order first entered
};

struct TrainingQuery {
  std::string procedure_id;           // required
  std::vector<std::string> trainees;  // empty: every user with attempts
  std::int64_t from_ns = 0;           // sessions started at or after (0: no lower bound)
  std::int64_t to_ns = 0;             // sessions started before (0: no upper bound)
};

// The attempts at `query.procedure_id`, trainee by trainee (by name), oldest first. Attempt numbers count every
// attempt of the trainee at the procedure, also those outside the period, so "attempt 3" means the same everywhere.
core::Result<std::vector<TrainingRecord>> loadTrainingRecords(const Store& store, const TrainingQuery& query);

struct TraineeSummary {
  std::string trainee;
  int attempts = 0;
  double first_score = 0, last_score = 0, best_score = 0;
  bool passed_last = false;
  int first_pass_attempt = 0;        // attempt number of the first pass; 0 = never passed
  bool transferred = false;          // last attempt passed unaided (no hint): counts towards the skill transfer
  std::optional<double> normalised_gain;  // (last - first) / (100 - first); none when the first score was 100
  double mean_total_s = 0;
  int errors = 0, wrong_answers = 0, gate_attempts = 0, hints = 0;  // over all attempts
};

struct StepSummary {
  std::string step_id;
  int attempts = 0;          // attempts that entered the step
  double mean_time_s = 0;    // over those attempts
  int errors = 0, gate_attempts = 0, hints = 0;  // over all attempts
};

struct CohortSummary {
  int trainees = 0, attempts = 0, passed_attempts = 0;
  double pass_rate = 0;                // passed attempts / attempts, 0..1
  double first_attempt_pass_rate = 0;  // trainees who passed their first attempt / trainees, 0..1
  double mean_first_score = 0, mean_last_score = 0;
  double median_total_s = 0;           // median attempt duration
  int transferred = 0;                 // trainees whose last attempt passed unaided
  double skill_transfer_pct = 0;       // transferred / trainees x 100
  std::optional<double> mean_normalised_gain;  // over the trainees that have one (Hake's <g>)
  std::vector<StepSummary> steps;      // in procedure order (first entered)
  std::string most_errors_step;        // the step with most errors (ties: most time); empty when none has any
  std::string most_time_step;          // the step with the longest mean time
};

struct TrainingSummary {
  std::vector<TraineeSummary> trainees;  // by name
  CohortSummary cohort;
};

// Figures of a set of attempts (as loadTrainingRecords returns them). Definitions (also printed in the report):
// - skill transfer % = share of trainees whose LAST attempt passed (score at or above the pass mark, finished)
//   without asking for a hint: what they can now do unaided after training;
// - normalised gain g = (last score - first score) / (100 - first score), the share of the possible improvement
//   achieved (Hake); the cohort's is the mean over trainees whose first score was below 100.
TrainingSummary summarizeTraining(const std::vector<TrainingRecord>& records);

}  // namespace rivet::records
