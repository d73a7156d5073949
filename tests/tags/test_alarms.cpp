// AlarmEngine: raise on crossing, clear only past the hysteresis band, stale data never judged, role-checked acks.
#include <gtest/gtest.h>

#include "rivet/tags/alarms.hpp"

using namespace rivet::tags;

namespace {
constexpr std::int64_t kMs = 1'000'000;
constexpr std::int64_t kT0 = 1'700'000'000'000 * kMs;

TagBindings bindings() {
  auto r = parseBindings(R"(
defaults: {ack_roles: [technician, admin]}
tags:
  - id: temp
    label: {en: Temperature, fr: Température}
    unit: "°C"
    source: {topic: t}
    max_age_ms: 1000
    alarms:
      - {id: high, kind: high, limit: 70, hysteresis: 3, severity: warning, message: {en: Hot, fr: Chaud}}
      - {id: high_high, kind: high, limit: 85, hysteresis: 3, severity: critical, message: {en: Too hot, fr: Trop chaud},
         ack_roles: [admin]}
  - id: air
    label: {en: Air, fr: Air}
    unit: bar
    source: {topic: a}
    alarms:
      - {id: low, kind: low, limit: 5, hysteresis: 0.2, severity: warning, message: {en: Low, fr: Basse}}
)", "alarms.yaml");
  EXPECT_TRUE(r.ok()) << r.error().describe();
  return *r;
}

void set(TagStore& s, const std::string& id, double v, std::int64_t t) {
  s.update(id, TagValue{v, Quality::Good, t, t, true});
}
}  // namespace

TEST(Alarms, HysteresisRaiseAndClear) {
  const auto b = bindings();
  TagStore store(b);
  AlarmEngine alarms(b);
  set(store, "temp", 69.9, kT0);
  EXPECT_TRUE(alarms.evaluate(store, kT0).empty());
  set(store, "temp", 70.5, kT0 + 1);
  auto ev = alarms.evaluate(store, kT0 + 1);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, AlarmEventKind::Raised);
  EXPECT_EQ(ev[0].alarm.key, "temp/high");
  EXPECT_DOUBLE_EQ(ev[0].alarm.value, 70.5);
  // back under the limit but inside the band: still active, no event
  set(store, "temp", 68.0, kT0 + 2);
  EXPECT_TRUE(alarms.evaluate(store, kT0 + 2).empty());
  set(store, "temp", 71.0, kT0 + 3);
  EXPECT_TRUE(alarms.evaluate(store, kT0 + 3).empty());  // no re-raise while active
  set(store, "temp", 66.9, kT0 + 4);
  ev = alarms.evaluate(store, kT0 + 4);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, AlarmEventKind::Cleared);
  // cleared but unacknowledged: still shown
  ASSERT_EQ(alarms.shown().size(), 1u);
  EXPECT_FALSE(alarms.shown()[0].active);

  // low limit
  set(store, "air", 4.9, kT0 + 5);
  ev = alarms.evaluate(store, kT0 + 5);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].alarm.key, "air/low");
  set(store, "air", 5.1, kT0 + 6);
  EXPECT_TRUE(alarms.evaluate(store, kT0 + 6).empty());
  set(store, "air", 5.3, kT0 + 7);
  EXPECT_EQ(alarms.evaluate(store, kT0 + 7).size(), 1u);
}

TEST(Alarms, StaleOrBadDataChangesNothing) {
  const auto b = bindings();
  TagStore store(b);
  AlarmEngine alarms(b);
  set(store, "temp", 90, kT0);
  EXPECT_EQ(alarms.evaluate(store, kT0).size(), 2u);  // high and high_high
  EXPECT_TRUE(alarms.evaluate(store, kT0 + 5000 * kMs).empty());  // stale: keep state
  EXPECT_EQ(alarms.shown().size(), 2u);
  store.update("temp", TagValue{20.0, Quality::Bad, kT0 + 6000 * kMs, kT0 + 6000 * kMs, true});
  EXPECT_TRUE(alarms.evaluate(store, kT0 + 6000 * kMs).empty());  // bad: keep state
  EXPECT_TRUE(alarms.shown()[0].active);
  EXPECT_EQ(alarms.shown()[0].severity, Severity::Critical);  // most severe first
}

TEST(Alarms, AcknowledgementIsRestrictedByRole) {
  const auto b = bindings();
  TagStore store(b);
  AlarmEngine alarms(b);
  set(store, "temp", 90, kT0);
  (void)alarms.evaluate(store, kT0);
  auto denied = alarms.acknowledge("temp/high_high", "alice", "technician", kT0 + 1);
  ASSERT_FALSE(denied.ok());
  EXPECT_NE(denied.error().hint.find("admin"), std::string::npos);
  EXPECT_TRUE(alarms.acknowledge("temp/high", "alice", "technician", kT0 + 1).ok());
  EXPECT_FALSE(alarms.acknowledge("temp/high", "alice", "technician", kT0 + 2).ok());  // already
  EXPECT_TRUE(alarms.acknowledge("temp/high_high", "bob", "admin", kT0 + 3).ok());
  EXPECT_FALSE(alarms.acknowledge("temp/nope", "bob", "admin", kT0 + 3).ok());
  // both still active (condition holds), both acknowledged
  auto shown = alarms.shown();
  ASSERT_EQ(shown.size(), 2u);
  EXPECT_TRUE(shown[0].acknowledged && shown[1].acknowledged);
  EXPECT_EQ(shown[0].acknowledged_by, "bob");
  // clearing an acknowledged alarm removes it from the panel
  set(store, "temp", 20, kT0 + 10);
  (void)alarms.evaluate(store, kT0 + 10);
  EXPECT_TRUE(alarms.shown().empty());
  // the records get every transition in order
  auto events = alarms.takeEvents();
  ASSERT_EQ(events.size(), 6u);
  EXPECT_EQ(events[2].kind, AlarmEventKind::Acknowledged);
  EXPECT_EQ(events[2].alarm.acknowledged_role, "technician");
  EXPECT_EQ(events[5].kind, AlarmEventKind::Cleared);
  EXPECT_TRUE(alarms.takeEvents().empty());
}
