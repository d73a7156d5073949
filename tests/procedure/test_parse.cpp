// Parser tests: the sample procedures load; every malformed input gets one message naming file:line and a fix.
#include <random>

#include "test_support.hpp"

namespace rivet::procedure::test {
namespace {

TEST(Parse, SamplesLoadWithBothLanguages) {
  for (const char* name : {"robot-cell3-gripper-fingers", "robot-cell3-loto", "robot-cell3-gripper-fingers-training"}) {
    Procedure p = loadSample(name);
    ASSERT_FALSE(p.steps.empty()) << name;
    EXPECT_FALSE(p.title.en.empty());
    EXPECT_FALSE(p.title.fr.empty());
    for (const Step& s : p.steps) {
      EXPECT_FALSE(s.title.fr.empty()) << s.id;
      EXPECT_GT(s.line, 0) << s.id;
    }
  }
  Procedure p = loadSample("robot-cell3-gripper-fingers");
  EXPECT_EQ(p.id, "robot-cell3-gripper-fingers");
  EXPECT_EQ(p.asset_id, "RC3-ROB-01");
  EXPECT_EQ(p.estimated_minutes, 45);
  ASSERT_EQ(p.spare_parts.size(), 3u);
  EXPECT_EQ(p.spare_parts[2].quantity, 4.0);
  const Step& torque = p.steps[static_cast<std::size_t>(p.indexOf("torque"))];
  ASSERT_TRUE(torque.measurement.has_value());
  EXPECT_NEAR(torque.measurement->min, 1.08, 1e-9);
  EXPECT_NEAR(torque.measurement->max, 1.32, 1e-9);
  EXPECT_EQ(torque.measurement->unit, "N·m");
}

TEST(Parse, ResolveCallsExpandsSubProcedure) {
  Procedure p = resolvedSample();
  const int call = p.indexOf("loto");
  ASSERT_GE(call, 0);
  EXPECT_EQ(p.steps[static_cast<std::size_t>(call)].kind, StepKind::Call);
  EXPECT_EQ(p.steps[static_cast<std::size_t>(call + 1)].id, "loto/notify");
  const Step& gate = p.steps[static_cast<std::size_t>(p.indexOf("loto/zero-energy"))];
  EXPECT_EQ(gate.kind, StepKind::TagGate);
  ASSERT_EQ(gate.conditions.size(), 3u);
  EXPECT_EQ(gate.conditions[0].tag, "robot.axis_speed");
  const Step& tryout = p.steps[static_cast<std::size_t>(p.indexOf("loto/tryout"))];
  EXPECT_EQ(tryout.on_fail, "loto/isolate");
  EXPECT_EQ(tryout.next, "remove-fingers");  // falls through to the step after the call
}

TEST(Parse, ResolveCallsFailsOnMissingAndCycle) {
  auto missing = resolveCalls(loadSample("robot-cell3-gripper-fingers"), {});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("robot-cell3-loto"), std::string::npos);
  EXPECT_NE(missing.error().where.find("robot-cell3-gripper-fingers.yaml:"), std::string::npos);

  const char* a = "id: a\nversion: '1'\ntitle: {en: A, fr: A}\nsteps:\n"
                  "  - {id: c, kind: call, title: {en: B, fr: B}, procedure: b}\n";
  const char* b = "id: b\nversion: '1'\ntitle: {en: B, fr: B}\nsteps:\n"
                  "  - {id: c, kind: call, title: {en: A, fr: A}, procedure: a}\n";
  auto pa = parseProcedure(a, "a.yaml");
  auto pb = parseProcedure(b, "b.yaml");
  ASSERT_TRUE(pa.ok() && pb.ok());
  auto cycle = resolveCalls(pa.value(), {pa.value(), pb.value()});
  ASSERT_FALSE(cycle.ok());
  EXPECT_NE(cycle.error().message.find("cycle"), std::string::npos);
}

struct BadCase {
  const char* name;
  const char* yaml;
  const char* expect_message;
  const char* expect_where;
};

constexpr const char* kHead = "id: p\nversion: '1'\ntitle: {en: T, fr: T}\nsteps:\n";

class ParseErrors : public ::testing::TestWithParam<BadCase> {};

TEST_P(ParseErrors, NamesFileLineAndProblem) {
  const BadCase& c = GetParam();
  auto r = parseProcedure(c.yaml, "bad.yaml");
  ASSERT_FALSE(r.ok()) << c.name;
  EXPECT_NE(r.error().message.find(c.expect_message), std::string::npos) << r.error().describe();
  EXPECT_EQ(r.error().where, c.expect_where) << r.error().describe();
}

const std::string kUnknownKey = std::string(kHead) + "  - id: a\n    kind: instruction\n    title: {en: A, fr: A}\n"
                                "    text: {en: A, fr: A}\n    hihglight: [x]\n";
const std::string kMissingFr = std::string(kHead) + "  - id: a\n    kind: instruction\n    title: {en: A}\n"
                               "    text: {en: A, fr: A}\n";
const std::string kBadTarget = std::string(kHead) + "  - id: a\n    kind: check\n    title: {en: A, fr: A}\n"
                               "    text: {en: A, fr: A}\n    on_fail: nowhere\n";
const std::string kTolerance = std::string(kHead) + "  - id: a\n    kind: measurement\n    title: {en: A, fr: A}\n"
                               "    text: {en: A, fr: A}\n    measurement: {unit: mm, nominal: 5, min: 6, max: 7}\n";
const std::string kSkipGate = std::string(kHead) + "  - id: a\n    kind: tag_gate\n    title: {en: A, fr: A}\n"
                              "    text: {en: A, fr: A}\n    skippable: true\n"
                              "    gate: {conditions: [{tag: x, op: '==', value: 0}]}\n";
const std::string kBadKind = std::string(kHead) + "  - id: a\n    kind: instrucion\n    title: {en: A, fr: A}\n";
const std::string kSyntax = std::string(kHead) + "  - id: a\n    kind: [instruction\n";
const std::string kNoCorrect = "id: p\nversion: '1'\ntype: training\ntitle: {en: T, fr: T}\nsteps:\n"
                               "  - id: q\n    kind: quiz\n    title: {en: Q, fr: Q}\n    text: {en: Q, fr: Q}\n"
                               "    options: [{text: {en: a, fr: a}}, {text: {en: b, fr: b}}]\n";
const std::string kDuplicate = std::string(kHead) + "  - {id: a, kind: instruction, title: {en: A, fr: A}, text: {en: A, fr: A}}\n"
                               "  - {id: a, kind: instruction, title: {en: A, fr: A}, text: {en: A, fr: A}}\n";
const std::string kBadRole = std::string(kHead) + "  - id: s\n    kind: sign_off\n    title: {en: S, fr: S}\n"
                             "    text: {en: S, fr: S}\n    roles: [boss]\n";
const std::string kBadOp = std::string(kHead) + "  - id: g\n    kind: tag_gate\n    title: {en: G, fr: G}\n"
                           "    text: {en: G, fr: G}\n    gate:\n      conditions:\n        - {tag: x, op: '=<', value: 1}\n";
const std::string kNotNumber = std::string(kHead) + "  - id: a\n    kind: measurement\n    title: {en: A, fr: A}\n"
                               "    text: {en: A, fr: A}\n    measurement: {unit: mm, nominal: twelve, min: 1, max: 2}\n";

INSTANTIATE_TEST_SUITE_P(
    Procedure, ParseErrors,
    ::testing::Values(BadCase{"unknown key", kUnknownKey.c_str(), "unknown key 'hihglight'", "bad.yaml:9"},
                      BadCase{"missing fr", kMissingFr.c_str(), "missing 'fr'", "bad.yaml:7"},
                      BadCase{"bad target", kBadTarget.c_str(), "unknown step 'nowhere'", "bad.yaml:9"},
                      BadCase{"tolerance", kTolerance.c_str(), "min <= nominal <= max", "bad.yaml:9"},
                      BadCase{"skippable gate", kSkipGate.c_str(), "cannot be skippable", "bad.yaml:9"},
                      BadCase{"bad kind", kBadKind.c_str(), "unknown step kind 'instrucion'", "bad.yaml:6"},
                      BadCase{"syntax", kSyntax.c_str(), "YAML syntax error", "bad.yaml:7"},
                      BadCase{"no correct", kNoCorrect.c_str(), "no correct answer", "bad.yaml:10"},
                      BadCase{"duplicate", kDuplicate.c_str(), "used twice", "bad.yaml:6"},
                      BadCase{"bad role", kBadRole.c_str(), "unknown role 'boss'", "bad.yaml:9"},
                      BadCase{"bad op", kBadOp.c_str(), "unknown comparison '=<'", "bad.yaml:11"},
                      BadCase{"not a number", kNotNumber.c_str(), "must be a number", "bad.yaml:9"}));

TEST(Parse, EmptyAndNonMappingInput) {
  EXPECT_FALSE(parseProcedure("", "e.yaml").ok());
  EXPECT_FALSE(parseProcedure("- a\n- b\n", "l.yaml").ok());
  EXPECT_FALSE(parseProcedure("id: x\n", "x.yaml").ok());
  auto r = parseProcedure("id: x\n", "x.yaml");
  EXPECT_NE(r.error().message.find("version"), std::string::npos);
}

TEST(EventJson, RoundTripsEveryType) {
  std::vector<Event> events = {confirm(1, "Q1"), check(2, false), value(3, 1.25), tag(4, "cell.air_pressure", 6.1, Quality::Uncertain, 3),
                               simple(EventType::Back, 5), simple(EventType::Abort, 6, "fire alarm"),
                               simple(EventType::Skip, 7, "not fitted"), signOff(8, "alice", Role::Trainer),
                               choose(9, "stop"), answer(10, 2), simple(EventType::Hint, 11)};
  for (const Event& e : events) {
    const std::string json = toJson(e);
    auto back = eventFromJson(json, "t");
    ASSERT_TRUE(back.ok()) << json;
    EXPECT_EQ(toJson(back.value()), json);
  }
  EXPECT_FALSE(eventFromJson("{\"type\":\"teleport\"}", "x").ok());
  EXPECT_FALSE(eventFromJson("{\"type\":\"value\"}", "x").ok());
  EXPECT_FALSE(eventFromJson("not json", "x").ok());
  auto bad = eventFromJson("{\"type\":\"tag\",\"tag\":\"a\",\"value\":1,\"quality\":\"meh\"}", "f.jsonl:3");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().where, "f.jsonl:3");
}

// Random byte edits of the real samples: every result is a procedure or one error with a place; never a crash.
TEST(Parse, MutatedSamplesNeverCrash) {
  std::mt19937 rng(1234);
  const std::string original = readFile(samplePath("robot-cell3-gripper-fingers"));
  const char alphabet[] = " :-[]{}'\"#\n\t&*!|>%@`0123456789abcdefgh,.?";
  int errors = 0, parsed = 0;
  for (int i = 0; i < 1500; ++i) {
    std::string text = original;
    const int edits = 1 + static_cast<int>(rng() % 8);
    for (int k = 0; k < edits; ++k) {
      const std::size_t pos = rng() % text.size();
      switch (rng() % 3) {
        case 0: text.erase(pos, 1 + rng() % 20); break;
        case 1: text.insert(pos, 1, alphabet[rng() % (sizeof alphabet - 1)]); break;
        default: text[pos] = alphabet[rng() % (sizeof alphabet - 1)]; break;
      }
    }
    auto r = parseProcedure(text, "mutated.yaml");
    if (r.ok()) {
      ++parsed;
      auto resolved = resolveCalls(r.value(), {loadSample("robot-cell3-loto")});
      if (resolved.ok()) {
        Engine e(resolved.value());
        for (int n = 0; n < 30; ++n) e.apply(confirm(n));
      }
    } else {
      ++errors;
      EXPECT_EQ(r.error().where.rfind("mutated.yaml", 0), 0u) << r.error().describe();
      EXPECT_FALSE(r.error().message.empty());
    }
  }
  EXPECT_GT(errors, 500);  // the mutations do break files
  EXPECT_GT(parsed, 10);   // and some survive (comments, text edits)
}

}  // namespace
}  // namespace rivet::procedure::test
