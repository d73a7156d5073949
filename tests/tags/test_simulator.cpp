// Simulated robot cell through the sample pack's bindings: plausible values, determinism, and each fault scenario.
#include <gtest/gtest.h>

#include "rivet/tags/alarms.hpp"
#include "rivet/tags/simulator.hpp"

using namespace rivet::tags;

namespace {
constexpr std::int64_t kMs = 1'000'000;
constexpr std::int64_t kT0 = 1'700'000'000'000 * kMs;

TagBindings pack() {
  auto r = loadBindings(std::string(RIVET_SOURCE_DIR) + "/content/samples/robot-cell");
  EXPECT_TRUE(r.ok()) << r.error().describe();
  return *r;
}

double num(const TagStore& s, const char* id) { return std::get<double>(s.get(id)->value); }

// Steps the source every 100 ms from `from` for `seconds`, evaluating alarms; returns the end time.
std::int64_t run(SimulatedSource& sim, TagStore& store, std::int64_t from, double seconds, AlarmEngine* alarms = nullptr) {
  std::int64_t t = from;
  const std::int64_t end = from + static_cast<std::int64_t>(seconds * 1000) * kMs;
  for (; t <= end; t += 100 * kMs) {
    sim.step(store, t);
    if (alarms) (void)alarms->evaluate(store, t);
  }
  return t - 100 * kMs;
}
}  // namespace

TEST(Simulator, NormalCellIsPlausibleAndEveryTagIsFed) {
  const auto b = pack();
  TagStore store(b);
  SimulatedSource sim(b);
  EXPECT_TRUE(sim.unboundTags().empty());
  double min_speed = 1e9, max_speed = -1e9, max_current = 0;
  std::int64_t t = kT0;
  for (int i = 0; i < 200; ++i, t += 100 * kMs) {  // 20 s = 2.5 cycles
    EXPECT_EQ(sim.step(store, t), b.tags.size());
    min_speed = std::min(min_speed, num(store, "robot.axis_speed"));
    max_speed = std::max(max_speed, num(store, "robot.axis_speed"));
    max_current = std::max(max_current, num(store, "robot.motor_current"));
    for (const auto& tag : b.tags) ASSERT_TRUE(store.usableForGate(tag.id, t)) << tag.id << " at step " << i;
  }
  EXPECT_GT(max_speed, 140);
  EXPECT_LT(min_speed, -140);
  EXPECT_LT(max_speed, 160);
  EXPECT_GT(max_current, 3.0);
  EXPECT_LT(max_current, 8.0);  // below the alarm limit in normal running
  EXPECT_NEAR(num(store, "cell.air_pressure"), 6.1, 0.4);
  EXPECT_TRUE(std::get<bool>(store.get("cell.main_contactor")->value));
  EXPECT_NEAR(num(store, "robot.bearing_temp"), 43, 4);
  EXPECT_GE(num(store, "robot.cycle_count"), 2);
  EXPECT_EQ(std::get<std::string>(store.get("robot.mode")->value), "AUTO");
  // period: a step 50 ms later updates nothing
  EXPECT_EQ(sim.step(store, t - 50 * kMs), 0u);  // t is one period past the last step
}

TEST(Simulator, DeterministicForASeed) {
  const auto b = pack();
  TagStore s1(b), s2(b), s3(b);
  SimulatedSource a(b, {.seed = 7}), c(b, {.seed = 7}), d(b, {.seed = 8});
  run(a, s1, kT0, 5);
  run(c, s2, kT0, 5);
  run(d, s3, kT0, 5);
  for (const auto& tag : b.tags) EXPECT_EQ(s1.get(tag.id)->value, s2.get(tag.id)->value) << tag.id;
  EXPECT_NE(num(s1, "robot.motor_current"), num(s3, "robot.motor_current"));
}

TEST(Simulator, LockoutProvesZeroEnergy) {
  const auto b = pack();
  TagStore store(b);
  SimulatedSource sim(b);
  std::int64_t t = run(sim, store, kT0, 5);
  sim.setScenario(Scenario::Lockout, t);
  t = run(sim, store, t + 100 * kMs, 15);
  EXPECT_EQ(num(store, "robot.axis_speed"), 0.0);
  EXPECT_FALSE(std::get<bool>(store.get("cell.main_contactor")->value));
  EXPECT_LT(num(store, "cell.air_pressure"), 0.05);
  EXPECT_LT(num(store, "robot.motor_current"), 0.05);
  EXPECT_LT(num(store, "cell.oil_pressure"), 0.01);
  EXPECT_EQ(std::get<std::string>(store.get("robot.mode")->value), "LOCKED_OUT");
  EXPECT_TRUE(store.usableForGate("robot.axis_speed", t));
  // back to normal: the robot restarts
  sim.setScenario(Scenario::Normal, t);
  run(sim, store, t + 100 * kMs, 10);
  EXPECT_TRUE(std::get<bool>(store.get("cell.main_contactor")->value));
  EXPECT_GT(num(store, "cell.air_pressure"), 5.5);
}

TEST(Simulator, BearingOverheatingRaisesWarningThenCritical) {
  const auto b = pack();
  TagStore store(b);
  SimulatedSource sim(b);
  AlarmEngine alarms(b);
  std::int64_t t = run(sim, store, kT0, 5, &alarms);
  EXPECT_TRUE(alarms.shown().empty());
  sim.setScenario(Scenario::BearingOverheating, t);
  run(sim, store, t + 100 * kMs, 240, &alarms);
  EXPECT_GT(num(store, "robot.bearing_temp"), 85);
  EXPECT_GT(num(store, "robot.vibration_rms"), 3.0);
  std::vector<std::string> keys;
  for (const auto& e : alarms.takeEvents())
    if (e.kind == AlarmEventKind::Raised) keys.push_back(e.alarm.key);
  ASSERT_GE(keys.size(), 2u);
  EXPECT_EQ(keys[0], "robot.bearing_temp/high");
  EXPECT_NE(std::find(keys.begin(), keys.end(), "robot.bearing_temp/high_high"), keys.end());
}

TEST(Simulator, PressureDropRaisesLowLow) {
  const auto b = pack();
  TagStore store(b);
  SimulatedSource sim(b);
  AlarmEngine alarms(b);
  std::int64_t t = run(sim, store, kT0, 3, &alarms);
  sim.setScenario(Scenario::PressureDrop, t);
  run(sim, store, t + 100 * kMs, 60, &alarms);
  EXPECT_LT(num(store, "cell.air_pressure"), 4.0);
  EXPECT_GT(num(store, "cell.air_pressure"), 2.0);
  const auto shown = alarms.shown();
  ASSERT_FALSE(shown.empty());
  EXPECT_EQ(shown[0].key, "cell.air_pressure/low_low");
}

TEST(Simulator, StuckSensorBecomesUncertainAndFailsGates) {
  const auto b = pack();
  TagStore store(b);
  SimulatedSource sim(b);
  std::int64_t t = run(sim, store, kT0, 3);
  sim.setScenario(Scenario::StuckSensor, t);
  t = run(sim, store, t + 100 * kMs, 10);
  EXPECT_EQ(store.get("robot.bearing_temp")->quality, Quality::Good);  // not yet past flatline_ms (30 s)
  t = run(sim, store, t + 100 * kMs, 25);
  EXPECT_EQ(store.get("robot.bearing_temp")->quality, Quality::Uncertain);
  EXPECT_EQ(store.freshness("robot.bearing_temp", t), Freshness::Fresh);  // still arriving...
  EXPECT_FALSE(store.usableForGate("robot.bearing_temp", t));              // ...but never unlocks a step
  EXPECT_TRUE(store.usableForGate("robot.motor_current", t));
}

TEST(Simulator, DropoutAndPublisherDeathTurnTagsStale) {
  const auto b = pack();
  TagStore store(b);
  SimulatedSource sim(b);
  std::int64_t t = run(sim, store, kT0, 2);
  sim.setScenario(Scenario::SensorDropout, t);
  t = run(sim, store, t + 100 * kMs, 4);
  EXPECT_EQ(store.freshness("robot.bearing_temp", t), Freshness::Stale);
  EXPECT_EQ(store.freshness("robot.vibration_rms", t), Freshness::Stale);
  EXPECT_EQ(store.freshness("robot.axis_speed", t), Freshness::Fresh);
  sim.setScenario(Scenario::PublisherDeath, t);
  t = run(sim, store, t + 100 * kMs, 6);
  for (const auto& tag : b.tags) EXPECT_EQ(store.freshness(tag.id, t), Freshness::Stale) << tag.id;
  sim.setScenario(Scenario::Normal, t);
  t = run(sim, store, t + 100 * kMs, 1);
  for (const auto& tag : b.tags) EXPECT_EQ(store.freshness(tag.id, t), Freshness::Fresh) << tag.id;
}

TEST(Simulator, ScenarioNamesRoundTrip) {
  for (auto s : {Scenario::Normal, Scenario::BearingOverheating, Scenario::PressureDrop, Scenario::StuckSensor,
                 Scenario::SensorDropout, Scenario::PublisherDeath, Scenario::Lockout})
    EXPECT_EQ(parseScenario(toString(s)), s);
  EXPECT_FALSE(parseScenario("meltdown"));
}
