// Tests requires_registration_mm: parsed and checked, and a step that needs the overlay is gated on the verdict.
#include "test_support.hpp"

namespace rivet::procedure::test {
namespace {

constexpr std::int64_t kT0 = 1'780'000'000LL * kSecond;

// The main sample with `requires_registration_mm: <mm>` added to its "remove-fingers" step.
std::string withRequirement(const std::string& value, const std::string& extra = {}) {
  std::string text = readFile(samplePath("robot-cell3-gripper-fingers"));
  const std::string anchor = "  - id: remove-fingers\n    kind: instruction\n";
  const auto at = text.find(anchor);
  EXPECT_NE(at, std::string::npos);
  text.insert(at + anchor.size(), "    requires_registration_mm: " + value + "\n" + extra);
  return text;
}

Procedure overlayProcedure(double mm = 10) {
  auto p = parseProcedure(withRequirement(std::to_string(mm)), "test.yaml");
  EXPECT_TRUE(p.ok()) << (p.ok() ? "" : p.error().describe());
  auto r = resolveCalls(p.value(), {loadSample("robot-cell3-loto")});
  EXPECT_TRUE(r.ok());
  return r.value();
}

Event registration(std::int64_t t, double mm, Quality q = Quality::Good) { return tag(t, kRegistrationTag, mm, q); }

TEST(RegistrationGate, ParsedAndValidated) {
  const Procedure p = overlayProcedure(12.5);
  const Step& s = p.steps[static_cast<std::size_t>(p.indexOf("remove-fingers"))];
  ASSERT_TRUE(s.requires_registration_mm.has_value());
  EXPECT_DOUBLE_EQ(*s.requires_registration_mm, 12.5);
  const auto c = registrationCondition(s);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->tag, kRegistrationTag);
  EXPECT_EQ(c->op, CompareOp::Le);
  EXPECT_FALSE(registrationCondition(p.steps.front()).has_value());
  for (const char* bad : {"0", "-3", "abc", "5000"}) {
    auto r = parseProcedure(withRequirement(bad), "test.yaml");
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.error().describe().find("requires_registration_mm"), std::string::npos) << r.error().describe();
  }
  auto skippable = parseProcedure(withRequirement("10", "    skippable: true\n"), "test.yaml");
  ASSERT_FALSE(skippable.ok());
  EXPECT_NE(skippable.error().describe().find("cannot be skippable"), std::string::npos);
}

// Drives the engine to the step that needs the overlay.
Engine atRemoveFingers(std::int64_t& t) {
  Engine e(overlayProcedure(10));
  auto next = [&]() { return t += kSecond; };
  e.apply(confirm(next()));
  e.apply(confirm(next()));
  e.apply(confirm(next()));
  e.apply(confirm(next()));
  e.apply(confirm(next(), "Q1"));
  e.apply(confirm(next(), "V3"));
  zeroEnergy(e, next());
  EXPECT_EQ(e.apply(confirm(t)).outcome, "gate_ok");
  e.apply(check(next(), true));
  EXPECT_EQ(e.currentStepId(), "remove-fingers");
  return e;
}

bool allows(const StepView& v, Action a) { return std::find(v.allowed.begin(), v.allowed.end(), a) != v.allowed.end(); }

TEST(RegistrationGate, RefusedUnderABadVerdictAcceptedUnderAGoodOne) {
  std::int64_t t = kT0;
  Engine e = atRemoveFingers(t);

  // No verdict yet: fails closed.
  EXPECT_EQ(e.view(t).gate, GateState::Failed);
  EXPECT_FALSE(allows(e.view(t), Action::Confirm));
  Transition r = e.apply(confirm(t += kSecond));
  EXPECT_TRUE(r.accepted);
  EXPECT_EQ(r.outcome, "gate_blocked");
  EXPECT_EQ(e.currentStepId(), "remove-fingers");
  EXPECT_NE(r.reason.en.find("no tracking verdict"), std::string::npos) << r.reason.en;

  // Not tracked (quality bad): refused with the reason in words.
  e.apply(registration(t += kSecond, 796, Quality::Bad));
  r = e.apply(confirm(t));
  EXPECT_EQ(r.outcome, "gate_blocked");
  EXPECT_NE(r.reason.en.find("not tracked"), std::string::npos) << r.reason.en;
  EXPECT_FALSE(r.reason.fr.empty());

  // Degraded because a marker disagrees with the map (quality uncertain): refused whatever the figure.
  e.apply(registration(t += kSecond, 2.0, Quality::Uncertain));
  r = e.apply(confirm(t));
  EXPECT_EQ(r.outcome, "gate_blocked");
  EXPECT_NE(r.reason.en.find("markers disagree with the map"), std::string::npos) << r.reason.en;

  // Degraded: tracked, but 24 mm off and the step needs 10 mm.
  e.apply(registration(t += kSecond, 24.2));
  EXPECT_EQ(e.view(t).gate, GateState::Failed);
  EXPECT_NE(e.view(t).gate_reason.en.find("24 mm"), std::string::npos) << e.view(t).gate_reason.en;
  r = e.apply(confirm(t));
  EXPECT_EQ(r.outcome, "gate_blocked");
  EXPECT_EQ(r.reason.en, "registration error 24 mm; this step needs at most 10 mm");
  EXPECT_EQ(r.reason.fr, "erreur de recalage 24 mm ; cette étape exige au plus 10 mm");

  // Good, but the verdict is stale (1 s limit).
  e.apply(registration(t += kSecond, 3.0));
  EXPECT_EQ(e.view(t + 1500 * 1'000'000LL).gate, GateState::Stale);
  r = e.apply(confirm(t + 1500 * 1'000'000LL));
  EXPECT_EQ(r.outcome, "gate_blocked");
  EXPECT_NE(r.reason.en.find("stale"), std::string::npos);
  EXPECT_EQ(e.score().gate_attempts, 5);

  // Good and fresh: confirmed.
  e.apply(registration(t += 2 * kSecond, 3.0));
  EXPECT_EQ(e.view(t).gate, GateState::Ok);
  EXPECT_TRUE(allows(e.view(t), Action::Confirm));
  r = e.apply(confirm(t));
  EXPECT_EQ(r.outcome, "advanced");
  EXPECT_EQ(e.currentStepId(), "inspect-guides");
}

TEST(RegistrationGate, ExactLimitPassesAndOtherStepsAreUnaffected) {
  std::int64_t t = kT0;
  Engine e(overlayProcedure(10));
  EXPECT_EQ(e.view(t).gate, GateState::None);  // "prepare" does not need the overlay
  EXPECT_EQ(e.apply(confirm(t += kSecond)).outcome, "advanced");
  Engine at = atRemoveFingers(t);
  at.apply(registration(t += kSecond, 10.0));
  EXPECT_EQ(at.apply(confirm(t)).outcome, "advanced");
}

TEST(RegistrationGate, ReplayGivesTheSameRefusals) {
  std::int64_t t = kT0;
  std::vector<Event> log;
  Engine e(overlayProcedure(10));
  auto apply = [&](const Event& ev) {
    log.push_back(ev);
    return e.apply(ev);
  };
  auto next = [&]() { return t += kSecond; };
  apply(confirm(next()));
  apply(confirm(next()));
  apply(confirm(next()));
  apply(confirm(next()));
  apply(confirm(next(), "Q1"));
  apply(confirm(next(), "V3"));
  for (const auto& tg : {"robot.axis_speed", "cell.main_contactor", "cell.air_pressure"}) apply(tag(next(), tg, 0.0));
  apply(confirm(t));
  apply(check(next(), true));
  ASSERT_EQ(e.currentStepId(), "remove-fingers");
  apply(registration(next(), 40));
  EXPECT_EQ(apply(confirm(t)).outcome, "gate_blocked");
  const Engine replayed = Engine::replay(overlayProcedure(10), Mode::Normal, {}, log);
  EXPECT_EQ(replayed.currentStepId(), "remove-fingers");
  EXPECT_EQ(replayed.score().gate_attempts, e.score().gate_attempts);
}

}  // namespace
}  // namespace rivet::procedure::test
