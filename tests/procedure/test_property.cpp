// Property test: random event sequences never get past a failed or stale gate, and replay is exact.
#include <cmath>
#include <map>
#include <random>

#include "test_support.hpp"

namespace rivet::procedure::test {
namespace {

// Independent oracle of the gate rule (not the engine's code): newest sample per tag by source time;
// a condition holds only for a good-quality, finite value no older than max_age_ms that compares true.
struct Oracle {
  std::map<std::string, TagSample> latest;
  void see(const Event& e) {
    if (e.type != EventType::Tag) return;
    auto it = latest.find(e.tag.tag);
    if (it == latest.end() || it->second.source_time_ns <= e.tag.source_time_ns) latest[e.tag.tag] = e.tag;
  }
  bool holds(const Step& gate, std::int64_t now_ns) const {
    for (const TagCondition& c : gate.conditions) {
      auto it = latest.find(c.tag);
      if (it == latest.end()) return false;
      const TagSample& s = it->second;
      if (s.quality != Quality::Good || !std::isfinite(s.value)) return false;
      const std::int64_t age_ns = now_ns - s.source_time_ns;
      if (age_ns > c.max_age_ms * 1'000'000 || age_ns < -c.max_age_ms * 1'000'000) return false;
      const double d = s.value - c.value;
      bool ok = false;
      switch (c.op) {
        case CompareOp::Lt: ok = d < 0; break;
        case CompareOp::Le: ok = d <= 1e-9; break;
        case CompareOp::Gt: ok = d > 0; break;
        case CompareOp::Ge: ok = d >= -1e-9; break;
        case CompareOp::Eq: ok = std::abs(d) <= 1e-9; break;
        case CompareOp::Ne: ok = std::abs(d) > 1e-9; break;
      }
      if (!ok) return false;
    }
    return true;
  }
};

TEST(Property, RandomEventsNeverPassAFailedOrStaleGate) {
  const Procedure p = resolvedSample();
  const char* tags[] = {"robot.axis_speed", "cell.main_contactor", "cell.air_pressure"};
  std::mt19937_64 rng(20261128);
  int gate_passes = 0, gate_refusals = 0;
  for (int run = 0; run < 400; ++run) {
    Engine engine(p);
    Oracle oracle;
    std::vector<Event> log;
    std::int64_t t = 1'780'000'000LL * kSecond;
    for (int i = 0; i < 250 && !engine.finished() && !engine.aborted(); ++i) {
      t += static_cast<std::int64_t>(rng() % 3000) * 1'000'000;  // 0-3 s between events
      const StepView v = engine.view(t);
      if (v.kind == StepKind::TagGate && rng() % 3 == 0) {
        // A burst of values for this gate's tags: mostly at the threshold (satisfying), sometimes off,
        // sometimes bad quality, with random ages around the limit.
        for (const ConditionView& c : v.conditions) {
          const double off = rng() % 4 == 0 ? (rng() % 2 ? 0.5 : -0.5) : 0.0;
          const Quality q = rng() % 8 == 0 ? Quality::Bad : Quality::Good;
          const std::int64_t age_ms = static_cast<std::int64_t>(rng() % 2600);
          Event burst = tag(t, c.condition.tag, c.condition.value + off, q, t - age_ms * 1'000'000);
          engine.apply(burst);
          oracle.see(burst);
          log.push_back(burst);
        }
      }
      Event e;
      switch (rng() % 10) {
        case 0:
        case 1: {  // tag update: random value near the gate thresholds, random quality, random age
          const char* id = tags[rng() % 3];
          const double values[] = {0.0, 0.05, 0.1, 0.2, 1.0, 2.5, 6.0};
          const Quality q = rng() % 5 == 0 ? Quality::Bad : rng() % 7 == 0 ? Quality::Uncertain : Quality::Good;
          e = tag(t, id, values[rng() % 7], q, t - static_cast<std::int64_t>(rng() % 4000) * 1'000'000);
          break;
        }
        case 2: {
          std::string target;
          if (!v.isolation_points.empty()) target = v.isolation_points[rng() % v.isolation_points.size()].point.id;
          e = confirm(t, target);
          break;
        }
        case 3: e = check(t, rng() % 3 != 0); break;
        case 4: e = value(t, 75.0 + static_cast<double>(rng() % 100) / 10.0 * (rng() % 2 ? 1 : 0.1)); break;
        case 5: e = choose(t, rng() % 2 ? "continue" : "stop"); break;
        case 6: e = signOff(t, "u", static_cast<Role>(rng() % 4)); break;
        case 7: e = simple(EventType::Back, t); break;
        case 8: e = confirm(t); break;
        default: e = rng() % 40 == 0 ? simple(EventType::Abort, t, "test") : confirm(t); break;
      }
      const int before = engine.currentIndex();
      const Step* gate = before < static_cast<int>(p.steps.size()) &&
                                 p.steps[static_cast<std::size_t>(before)].kind == StepKind::TagGate
                             ? &p.steps[static_cast<std::size_t>(before)]
                             : nullptr;
      const bool satisfied = gate && oracle.holds(*gate, e.time_ns);
      const Transition tr = engine.apply(e);
      oracle.see(e);
      log.push_back(e);
      if (gate && e.type != EventType::Tag && e.type != EventType::Back && e.type != EventType::Abort) {
        const bool moved = engine.currentIndex() != before || engine.finished();
        if (moved) {
          ASSERT_TRUE(satisfied) << "run " << run << ": left gate " << gate->id << " unsatisfied";
          ++gate_passes;
        } else if (e.type == EventType::Confirm) {
          ++gate_refusals;
        }
        // The outcome matches the independent check of the same conditions.
        if (e.type == EventType::Confirm && e.step_id.empty()) {
          EXPECT_EQ(tr.outcome == "gate_ok", satisfied);
        }
      }
    }
    // The log rebuilds exactly the same state.
    Engine rebuilt = Engine::replay(p, Mode::Normal, {}, log);
    ASSERT_EQ(rebuilt.currentIndex(), engine.currentIndex());
    ASSERT_EQ(rebuilt.finished(), engine.finished());
    ASSERT_EQ(rebuilt.aborted(), engine.aborted());
    ASSERT_EQ(rebuilt.score().errors, engine.score().errors);
  }
  // The random walk must actually exercise both sides of the gates for the test to mean something.
  EXPECT_GT(gate_passes, 20);
  EXPECT_GT(gate_refusals, 100);
}

}  // namespace
}  // namespace rivet::procedure::test
