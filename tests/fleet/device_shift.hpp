// Test and benchmark helper: a technician's shift on one headset, journaled as the app journals it (sessions, steps
// every 10-30 s, live tag samples before each gate decision, measurements, sign-off, training results).
#pragma once

#include <cstdint>
#include <random>
#include <string>

#include "rivet/records/store.hpp"

namespace rivet::fleet::testing {

struct ShiftOptions {
  std::int64_t start_ns = 1'780'000'000LL * 1'000'000'000LL;
  std::int64_t duration_ns = 3600LL * 1'000'000'000LL;  // one hour
  unsigned seed = 1;
  std::string user = "jdupont";
  int steps_per_session = 24;
};

struct ShiftStats {
  std::int64_t rows = 0;  // journal rows appended
  int sessions = 0;
  int step_events = 0;
  int tag_samples = 0;
};

// Appends a shift to `store` (the user must exist). Steps come every 10-30 s of the shift's time line; one step in
// three is gated on live data: the three tag samples the gate decides on are journaled first (as the app does).
// Every fourth session is a training run whose score is recorded.
inline ShiftStats journalShift(records::Store& store, const ShiftOptions& o) {
  std::mt19937 rng(o.seed);
  std::uniform_int_distribution<int> gap_s(10, 30);
  std::uniform_real_distribution<double> noise(-0.5, 0.5);
  ShiftStats st;
  const auto before = store.journalHead();
  std::int64_t t = o.start_ns;
  const std::int64_t end = o.start_ns + o.duration_ns;
  int session_no = 0;
  while (t < end) {
    ++session_no;
    records::SessionStart start;
    start.user = o.user;
    start.procedure_id = "robot-cell3-gripper-fingers";
    start.procedure_version = "1.2.0";
    start.pack_hash = "5f0c3e1a9d2b7c4e8f6a1b3d5c7e9f0a2b4c6d8e0f1a3b5c7d9e1f2a4b6c8d0e";
    start.asset_id = "cell3-robot";
    start.work_order = "OT-" + std::to_string(24000 + session_no);
    start.mode = session_no % 4 == 0 ? procedure::Mode::Training : procedure::Mode::Normal;
    start.start_id = "shift-" + std::to_string(o.seed) + "-" + std::to_string(session_no);
    auto session = store.startSession(start, t);
    if (!session) return st;
    ++st.sessions;
    for (int step = 0; step < o.steps_per_session && t < end; ++step) {
      t += static_cast<std::int64_t>(gap_s(rng)) * 1'000'000'000LL;
      const std::string step_id = "step-" + std::to_string(step + 1);
      if (step % 3 == 2) {  // a gate on live data: the samples it decides on come first
        for (const char* tag : {"robot.axis_speed", "cell.main_contactor", "cell.air_pressure"}) {
          records::EventRecord rec;
          rec.event.type = procedure::EventType::Tag;
          rec.event.time_ns = t;
          rec.event.tag = {tag, std::abs(noise(rng)) * 0.01, procedure::Quality::Good, t - 40'000'000};
          rec.outcome = "observed";
          rec.from_step = step_id;
          rec.to_step = step_id;
          if (!store.appendEvent(session->id, rec)) return st;
          ++st.tag_samples;
        }
      }
      records::EventRecord rec;
      rec.client_id = "c" + std::to_string(step + 1);
      rec.event.time_ns = t;
      rec.event.user = o.user;
      rec.from_step = step_id;
      rec.to_step = "step-" + std::to_string(step + 2);
      if (step % 3 == 2) {
        rec.event.type = procedure::EventType::Confirm;
        rec.outcome = "gate_ok";
      } else if (step % 5 == 1) {
        rec.event.type = procedure::EventType::Value;
        rec.event.value = 25.0 + noise(rng);
        rec.unit = "N·m";
        rec.outcome = "in_tolerance";
      } else if (step + 1 == o.steps_per_session) {
        rec.event.type = procedure::EventType::SignOff;
        rec.event.role = procedure::Role::Technician;
        rec.outcome = "signed";
      } else {
        rec.event.type = procedure::EventType::Confirm;
        rec.outcome = "done";
      }
      if (!store.appendEvent(session->id, rec)) return st;
      ++st.step_events;
    }
    t += 60'000'000'000LL;
    if (start.mode == procedure::Mode::Training) {
      procedure::Score score;
      score.score = 70 + 30 * std::abs(noise(rng));
      score.passed = score.score >= 80;
      score.total_ms = 600'000;
      if (!store.recordTraining(session->id, score, t)) return st;
    }
    if (!store.endSession(session->id, records::SessionStatus::Finished, t)) return st;
    t += static_cast<std::int64_t>(gap_s(rng)) * 4'000'000'000LL;  // walking to the next machine
  }
  const auto after = store.journalHead();
  if (before && after) st.rows = after->seq - before->seq;
  return st;
}

}  // namespace rivet::fleet::testing
