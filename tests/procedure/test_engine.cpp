// Engine tests: every step kind and branch, gates failing closed (missing, stale, bad, wrong), roles, training.
#include "test_support.hpp"

namespace rivet::procedure::test {
namespace {

constexpr std::int64_t kT0 = 1'780'000'000LL * kSecond;

// Drives the main sample from the start up to (not including) the given step, the normal way.
struct Runner {
  Engine engine{resolvedSample()};
  std::int64_t t = kT0;
  Transition last;

  Transition step(const Event& e) {
    last = engine.apply(e);
    return last;
  }
  std::int64_t tick() { return t += kSecond; }
  void throughLockout() {
    ASSERT_EQ(engine.currentStepId(), "prepare");
    step(confirm(tick()));
    step(confirm(tick()));
    ASSERT_EQ(engine.currentStepId(), "loto");
    step(confirm(tick()));
    step(confirm(tick()));  // notify
    ASSERT_EQ(engine.currentStepId(), "loto/isolate");
    step(confirm(tick(), "Q1"));
    step(confirm(tick(), "V3"));
    ASSERT_EQ(engine.currentStepId(), "loto/zero-energy");
    zeroEnergy(engine, tick());
    ASSERT_TRUE(step(confirm(t)).accepted);
    ASSERT_EQ(last.outcome, "gate_ok");
    step(check(tick(), true));
    ASSERT_EQ(engine.currentStepId(), "remove-fingers");
  }
};

TEST(Engine, HappyPathThroughEveryMainStep) {
  Runner r;
  r.throughLockout();
  r.step(confirm(r.tick()));
  r.step(check(r.tick(), true));
  EXPECT_EQ(r.engine.currentStepId(), "fit-fingers");
  r.step(confirm(r.tick()));
  EXPECT_EQ(r.step(value(r.tick(), 1.21)).outcome, "in_tolerance");
  EXPECT_EQ(r.step(value(r.tick(), 80.1)).outcome, "in_tolerance");
  EXPECT_EQ(r.engine.currentStepId(), "area-clear");  // skipped adjust-fingers
  r.step(check(r.tick(), true));
  r.step(confirm(r.tick(), "V3"));
  r.step(confirm(r.tick(), "Q1"));
  EXPECT_EQ(r.engine.currentStepId(), "energy-back");
  r.engine.apply(tag(r.tick(), "cell.air_pressure", 6.2));
  r.engine.apply(tag(r.t, "cell.main_contactor", 1.0));
  EXPECT_EQ(r.step(confirm(r.t)).outcome, "gate_ok");
  r.step(check(r.tick(), true));
  const StepView v = r.engine.view();
  EXPECT_EQ(v.kind, StepKind::SignOff);
  EXPECT_EQ(v.title.fr, "Viser l'ordre de travail");
  EXPECT_EQ(r.step(signOff(r.tick(), "jdupont", Role::Technician)).outcome, "signed");
  EXPECT_TRUE(r.engine.finished());
  EXPECT_TRUE(r.last.finished);
  EXPECT_TRUE(r.engine.view().finished);
  EXPECT_FALSE(r.step(confirm(r.tick())).accepted);
  EXPECT_EQ(r.engine.score().errors, 0);
}

TEST(Engine, ViewShowsWhatTheUiNeeds) {
  Runner r;
  StepView v = r.engine.view();
  EXPECT_EQ(v.index, 0);
  EXPECT_EQ(v.count, 21);
  EXPECT_EQ(v.highlight_parts, std::vector<std::string>{"robot/hand"});
  EXPECT_EQ(v.title.get(Language::Fr), "Préparer l'outillage et les pièces");
  EXPECT_EQ(v.title.get(Language::En), "Prepare tools and parts");
  EXPECT_NE(std::find(v.allowed.begin(), v.allowed.end(), Action::Confirm), v.allowed.end());
  EXPECT_EQ(std::find(v.allowed.begin(), v.allowed.end(), Action::Back), v.allowed.end());
  r.step(confirm(r.tick()));
  v = r.engine.view();
  EXPECT_NE(std::find(v.allowed.begin(), v.allowed.end(), Action::Back), v.allowed.end());
}

TEST(Engine, GateFailsClosedWhenMissingStaleBadOrWrong) {
  Runner r;
  for (int i = 0; i < 4; ++i) r.step(confirm(r.tick()));
  r.step(confirm(r.tick(), "Q1"));
  r.step(confirm(r.tick(), "V3"));
  ASSERT_EQ(r.engine.currentStepId(), "loto/zero-energy");

  // Missing: nothing received yet.
  EXPECT_EQ(r.engine.view().gate, GateState::Failed);
  EXPECT_EQ(r.step(confirm(r.tick())).outcome, "gate_blocked");
  EXPECT_EQ(r.engine.currentStepId(), "loto/zero-energy");
  EXPECT_NE(r.last.reason.en.find("no value"), std::string::npos);

  // Wrong value: air still under pressure.
  r.engine.apply(tag(r.tick(), "robot.axis_speed", 0.0));
  r.engine.apply(tag(r.t, "cell.main_contactor", 0.0));
  r.engine.apply(tag(r.t, "cell.air_pressure", 2.5));
  EXPECT_EQ(r.step(confirm(r.t)).outcome, "gate_blocked");
  EXPECT_NE(r.last.reason.en.find("cell.air_pressure = 2.5"), std::string::npos) << r.last.reason.en;
  EXPECT_NE(r.last.reason.fr.find("2,5"), std::string::npos) << r.last.reason.fr;

  // Bad quality: right value, but not trusted.
  r.engine.apply(tag(r.tick(), "cell.air_pressure", 0.0, Quality::Bad));
  EXPECT_EQ(r.step(confirm(r.t)).outcome, "gate_blocked");
  r.engine.apply(tag(r.t, "cell.air_pressure", 0.0, Quality::Uncertain));
  EXPECT_EQ(r.step(confirm(r.t)).outcome, "gate_blocked");

  // Stale: good values, but 2.5 s old with a 2 s limit.
  zeroEnergy(r.engine, r.tick());
  EXPECT_EQ(r.engine.view(r.t).gate, GateState::Ok);
  EXPECT_EQ(r.engine.view(r.t + 2500 * 1'000'000LL).gate, GateState::Stale);
  EXPECT_EQ(r.step(confirm(r.t + 2500 * 1'000'000LL)).outcome, "gate_blocked");
  EXPECT_NE(r.last.reason.en.find("stale"), std::string::npos);
  EXPECT_EQ(r.engine.currentStepId(), "loto/zero-energy");

  // An older sample arriving late never replaces a newer one.
  r.tick();
  r.engine.apply(tag(r.t, "cell.air_pressure", 0.0, Quality::Good, r.t));
  r.engine.apply(tag(r.t, "cell.air_pressure", 3.0, Quality::Good, r.t - kSecond));
  r.engine.apply(tag(r.t, "robot.axis_speed", 0.0));
  r.engine.apply(tag(r.t, "cell.main_contactor", 0.0));
  EXPECT_EQ(r.step(confirm(r.t)).outcome, "gate_ok");
  EXPECT_EQ(r.engine.score().gate_attempts, 5);
}

TEST(Engine, LockoutConfirmsPointsOneByOneInOrder) {
  Runner r;
  for (int i = 0; i < 4; ++i) r.step(confirm(r.tick()));
  ASSERT_EQ(r.engine.currentStepId(), "loto/isolate");
  EXPECT_FALSE(r.step(confirm(r.tick())).accepted);         // no point named
  EXPECT_FALSE(r.step(confirm(r.tick(), "V3")).accepted);   // out of order
  EXPECT_FALSE(r.step(confirm(r.tick(), "Q9")).accepted);   // unknown
  EXPECT_EQ(r.step(confirm(r.tick(), "Q1")).outcome, "point_confirmed");
  EXPECT_TRUE(r.engine.view().isolation_points[0].confirmed);
  EXPECT_FALSE(r.engine.view().isolation_points[1].confirmed);
  EXPECT_FALSE(r.step(confirm(r.tick(), "Q1")).accepted);   // twice
  EXPECT_EQ(r.step(confirm(r.tick(), "V3")).outcome, "advanced");
  EXPECT_EQ(r.engine.currentStepId(), "loto/zero-energy");
}

TEST(Engine, FailedTryoutBranchesBackToIsolation) {
  Runner r;
  r.throughLockout();
  // Re-run with a failing try-out in a fresh engine.
  Runner f;
  for (int i = 0; i < 4; ++i) f.step(confirm(f.tick()));
  f.step(confirm(f.tick(), "Q1"));
  f.step(confirm(f.tick(), "V3"));
  zeroEnergy(f.engine, f.tick());
  f.step(confirm(f.t));
  ASSERT_EQ(f.engine.currentStepId(), "loto/tryout");
  EXPECT_EQ(f.step(check(f.tick(), false)).outcome, "fail");
  EXPECT_EQ(f.engine.currentStepId(), "loto/isolate");
  EXPECT_FALSE(f.engine.view().isolation_points[0].confirmed);  // must be confirmed again
}

TEST(Engine, CheckWithoutBranchBlocksUntilPassed) {
  Runner r;
  r.throughLockout();
  r.step(confirm(r.tick()));
  r.step(check(r.tick(), true));
  r.step(confirm(r.tick()));
  r.step(value(r.tick(), 1.2));
  r.step(value(r.tick(), 80.0));
  ASSERT_EQ(r.engine.currentStepId(), "area-clear");
  EXPECT_EQ(r.step(check(r.tick(), false)).outcome, "fail");
  EXPECT_EQ(r.engine.currentStepId(), "area-clear");
  EXPECT_EQ(r.engine.view().gate, GateState::Failed);
  EXPECT_EQ(r.step(check(r.tick(), true)).outcome, "pass");
  EXPECT_EQ(r.engine.currentStepId(), "loto-remove");
}

TEST(Engine, MeasurementOutOfToleranceBlocksOrBranches) {
  Runner r;
  r.throughLockout();
  r.step(confirm(r.tick()));
  r.step(check(r.tick(), true));
  r.step(confirm(r.tick()));
  ASSERT_EQ(r.engine.currentStepId(), "torque");
  // No branch: blocks until a value within 1.08..1.32 N·m.
  EXPECT_EQ(r.step(value(r.tick(), 1.5)).outcome, "out_of_tolerance");
  EXPECT_EQ(r.engine.currentStepId(), "torque");
  EXPECT_EQ(r.engine.view().last_value, 1.5);
  EXPECT_NE(r.last.reason.fr.find("1,5 N·m hors tolérance 1,08–1,32"), std::string::npos) << r.last.reason.fr;
  EXPECT_FALSE(r.step(confirm(r.tick())).accepted);  // a confirm is not a value
  EXPECT_EQ(r.step(value(r.tick(), 1.08)).outcome, "in_tolerance");  // bound inclusive
  // Branch: opening out of tolerance goes to adjust-fingers, which loops back.
  EXPECT_EQ(r.step(value(r.tick(), 79.2)).outcome, "out_of_tolerance");
  EXPECT_EQ(r.engine.currentStepId(), "adjust-fingers");
  r.step(confirm(r.tick()));
  EXPECT_EQ(r.engine.currentStepId(), "opening");
  r.step(value(r.tick(), 80.0));
  EXPECT_EQ(r.engine.currentStepId(), "area-clear");
}

TEST(Engine, DecisionBranches) {
  Runner r;
  r.throughLockout();
  r.step(confirm(r.tick()));
  EXPECT_EQ(r.step(check(r.tick(), false)).outcome, "fail");
  ASSERT_EQ(r.engine.currentStepId(), "guides-worn");
  EXPECT_FALSE(r.step(choose(r.tick(), "maybe")).accepted);
  EXPECT_EQ(r.step(choose(r.tick(), "stop")).outcome, "chosen");
  EXPECT_EQ(r.engine.currentStepId(), "stopped-sign-off");
  r.step(signOff(r.tick(), "jdupont", Role::Technician));
  EXPECT_TRUE(r.engine.finished());
}

TEST(Engine, SignOffRestrictedToRole) {
  Engine e(resolvedSample("robot-cell3-gripper-fingers-training"), Mode::Training);
  std::int64_t t = kT0;
  e.apply(answer(t += kSecond, 1));
  for (int i = 0; i < 2; ++i) e.apply(confirm(t += kSecond));
  e.apply(confirm(t += kSecond, "Q1"));
  e.apply(confirm(t += kSecond, "V3"));
  zeroEnergy(e, t += kSecond);
  e.apply(confirm(t));
  e.apply(check(t += kSecond, true));
  e.apply(confirm(t += kSecond));
  e.apply(value(t += kSecond, 1.2));
  ASSERT_EQ(e.currentStepId(), "trainer-sign-off");
  Transition denied = e.apply(signOff(t += kSecond, "trainee1", Role::Technician));
  EXPECT_FALSE(denied.accepted);
  EXPECT_NE(denied.reason.en.find("needs trainer"), std::string::npos);
  EXPECT_FALSE(e.apply(signOff(t += kSecond, "", Role::Trainer)).accepted);
  EXPECT_TRUE(e.apply(signOff(t += kSecond, "mmartin", Role::Trainer)).accepted);
  EXPECT_TRUE(e.finished());
}

TEST(Engine, BackSkipAbortAndStaleStepEvents) {
  Runner r;
  EXPECT_FALSE(r.step(simple(EventType::Back, r.tick())).accepted);
  r.step(confirm(r.tick()));
  EXPECT_EQ(r.step(simple(EventType::Back, r.tick())).outcome, "back");
  EXPECT_EQ(r.engine.currentStepId(), "prepare");
  EXPECT_FALSE(r.step(simple(EventType::Skip, r.tick(), "not needed")).accepted);  // not skippable
  Event wrong_step = confirm(r.tick());
  wrong_step.step_id = "park";  // a late tap from a UI that showed another step
  EXPECT_FALSE(r.step(wrong_step).accepted);
  EXPECT_EQ(r.engine.currentStepId(), "prepare");
  EXPECT_FALSE(r.step(simple(EventType::Abort, r.tick())).accepted);  // needs a reason
  EXPECT_EQ(r.step(simple(EventType::Abort, r.tick(), "fire alarm")).outcome, "aborted");
  EXPECT_TRUE(r.engine.aborted());
  EXPECT_TRUE(r.engine.view().aborted);
  EXPECT_FALSE(r.step(confirm(r.tick())).accepted);

  const char* yaml = "id: s\nversion: '1'\ntitle: {en: S, fr: S}\nsteps:\n"
                     "  - {id: a, kind: instruction, skippable: true, title: {en: A, fr: A}, text: {en: A, fr: A}}\n"
                     "  - {id: b, kind: instruction, title: {en: B, fr: B}, text: {en: B, fr: B}}\n";
  auto p = parseProcedure(yaml, "s.yaml");
  ASSERT_TRUE(p.ok());
  Engine e(p.value());
  EXPECT_FALSE(e.apply(simple(EventType::Skip, 1)).accepted);
  EXPECT_EQ(e.apply(simple(EventType::Skip, 2, "option not fitted")).outcome, "skipped");
  EXPECT_EQ(e.currentStepId(), "b");
  EXPECT_EQ(e.score().skips, 1);
}

TEST(Engine, UnresolvedCallBlocks) {
  Engine e(loadSample("robot-cell3-gripper-fingers"));
  e.apply(confirm(1));
  e.apply(confirm(2));
  ASSERT_EQ(e.currentStepId(), "loto");
  Transition t = e.apply(confirm(3));
  EXPECT_FALSE(t.accepted);
  EXPECT_NE(t.reason.en.find("not loaded"), std::string::npos);
  EXPECT_EQ(e.currentStepId(), "loto");
}

TEST(Engine, QuizOnlyInTrainingWithScoreHintsAndFaults) {
  Engine normal(resolvedSample("robot-cell3-gripper-fingers-training"));
  EXPECT_EQ(normal.currentStepId(), "loto");  // the quiz is passed over outside training

  Engine e(resolvedSample("robot-cell3-gripper-fingers-training"), Mode::Training, {"air-not-bled"});
  std::int64_t t = kT0;
  ASSERT_EQ(e.currentStepId(), "quiz-energy-order");
  EXPECT_EQ(e.view().hint.en, "");
  EXPECT_EQ(e.apply(simple(EventType::Hint, t += kSecond)).outcome, "hint");
  EXPECT_EQ(e.view().hint.fr, "Pensez à ce qui pourrait réouvrir les vannes d'air.");
  EXPECT_EQ(e.apply(answer(t += kSecond, 0)).outcome, "answer_wrong");
  Transition correct = e.apply(answer(t += kSecond, 1));
  EXPECT_EQ(correct.outcome, "answer_correct");
  EXPECT_EQ(correct.activate_faults, std::vector<std::string>{"air-not-bled"});  // entering "loto"
  e.apply(confirm(t += kSecond));
  e.apply(confirm(t += kSecond));
  e.apply(confirm(t += kSecond, "Q1"));
  e.apply(confirm(t += kSecond, "V3"));
  // The simulator (driven by the fault) reports 2.5 bar: the trainee must not get through.
  e.apply(tag(t += kSecond, "robot.axis_speed", 0.0));
  e.apply(tag(t, "cell.main_contactor", 0.0));
  e.apply(tag(t, "cell.air_pressure", 2.5));
  EXPECT_EQ(e.apply(confirm(t)).outcome, "gate_blocked");
  e.apply(tag(t += kSecond, "cell.air_pressure", 0.0));
  EXPECT_EQ(e.apply(confirm(t)).outcome, "gate_ok");
  e.apply(check(t += 10 * kSecond, true));
  e.apply(confirm(t += 60 * kSecond));
  e.apply(value(t += kSecond, 1.6));
  e.apply(value(t += kSecond, 1.25));
  e.apply(signOff(t += kSecond, "mmartin", Role::Trainer));
  ASSERT_TRUE(e.finished());
  const Score s = e.score();
  EXPECT_EQ(s.hints, 1);
  EXPECT_EQ(s.wrong_answers, 1);
  EXPECT_EQ(s.gate_attempts, 1);
  EXPECT_EQ(s.errors, 1);  // the out-of-tolerance torque
  EXPECT_DOUBLE_EQ(s.score, 100.0 - 2 - 10 - 10 - 5);
  EXPECT_FALSE(s.passed);  // 73 < 80
  EXPECT_EQ(s.total_ms, (t - kT0 - kSecond) / 1'000'000);
  ASSERT_FALSE(s.steps.empty());
  auto swap = std::find_if(s.steps.begin(), s.steps.end(), [](const StepTiming& st) { return st.step_id == "swap-fingers"; });
  ASSERT_NE(swap, s.steps.end());
  EXPECT_EQ(swap->duration_ms, 60'000);
}

TEST(Engine, ReplayRebuildsTheSameState) {
  Runner r;
  std::vector<Event> log;
  auto rec = [&](const Event& e) {
    log.push_back(e);
    r.step(e);
  };
  rec(confirm(r.tick()));
  rec(confirm(r.tick()));
  rec(confirm(r.tick()));
  rec(confirm(r.tick()));
  rec(confirm(r.tick(), "Q1"));
  rec(simple(EventType::Back, r.tick()));
  rec(confirm(r.tick()));
  rec(confirm(r.tick(), "Q1"));
  const StepView before = r.engine.view();
  Engine rebuilt = Engine::replay(resolvedSample(), Mode::Normal, {}, log);
  const StepView after = rebuilt.view();
  EXPECT_EQ(after.step_id, before.step_id);
  EXPECT_EQ(after.step_id, "loto/isolate");
  EXPECT_TRUE(after.isolation_points[0].confirmed);
  EXPECT_EQ(rebuilt.score().errors, r.engine.score().errors);
  EXPECT_EQ(rebuilt.eventCount(), log.size());
}

}  // namespace
}  // namespace rivet::procedure::test
