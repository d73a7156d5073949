// tags.yaml parsing: the sample pack loads with the expected bindings; every kind of mistake names file:line.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "rivet/tags/bindings.hpp"

using namespace rivet::tags;

namespace {
const std::string kSamplePack = std::string(RIVET_SOURCE_DIR) + "/content/samples/robot-cell";

std::string errorOf(std::string_view yaml) {
  auto r = parseBindings(yaml, "pack/tags.yaml");
  EXPECT_FALSE(r.ok()) << "accepted:\n" << yaml;
  return r.ok() ? std::string() : r.error().describe();
}
}  // namespace

TEST(Bindings, SamplePackHasTheIdsProceduresGateOn) {
  auto r = loadBindings(kSamplePack);
  ASSERT_TRUE(r.ok()) << r.error().describe();
  const TagBindings& b = *r;
  for (const char* id : {"robot.axis_speed", "cell.main_contactor", "cell.air_pressure", "robot.motor_current",
                         "robot.gripper_temp"})
    EXPECT_NE(b.find(id), nullptr) << id;

  const TagBinding* air = b.find("cell.air_pressure");
  ASSERT_NE(air, nullptr);
  EXPECT_EQ(air->unit, "bar");
  EXPECT_DOUBLE_EQ(air->scale, 0.01);
  EXPECT_EQ(air->source_ref.kind, SourceKind::Sparkplug);
  EXPECT_EQ(air->source_ref.sparkplug.group, "Plant1");  // from defaults
  EXPECT_EQ(air->source_ref.sparkplug.node, "Cell3");
  EXPECT_EQ(air->source_ref.sparkplug.device, "Cell");
  EXPECT_EQ(air->source_ref.sparkplug.metric, "Air/Pressure");
  EXPECT_EQ(air->source, "Plant1/Cell3/Cell/Air/Pressure");
  EXPECT_EQ(air->label_fr, "Pression d'air comprimé");
  ASSERT_EQ(air->alarms.size(), 2u);
  EXPECT_EQ(air->alarms[1].severity, Severity::Critical);
  EXPECT_EQ(air->alarms[0].ack_roles, (std::vector<std::string>{"technician", "trainer", "admin"}));
  ASSERT_TRUE(air->min && air->max);
  EXPECT_EQ(*air->min, 0.0);

  const TagBinding* contactor = b.find("cell.main_contactor");
  ASSERT_NE(contactor, nullptr);
  EXPECT_EQ(contactor->type, ValueType::Bool);
  EXPECT_EQ(contactor->false_fr, "Ouvert (consigné)");
  EXPECT_EQ(contactor->max_age_ms, 2000);
  EXPECT_EQ(b.find("robot.motor_current")->max_age_ms, 3000);  // default
  EXPECT_EQ(b.find("robot.bearing_temp")->alarms[1].ack_roles, std::vector<std::string>{"admin"});
}

TEST(Bindings, JsonTopicSource) {
  auto r = parseBindings(R"(
tags:
  - id: line.flow
    label: {en: Flow, fr: Débit}
    unit: "l/min"
    source: {topic: "plant1/line2/flow"}
)", "x.yaml");
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_EQ(r->tags[0].source_ref.kind, SourceKind::Json);
  EXPECT_EQ(r->tags[0].source, "plant1/line2/flow");
}

TEST(Bindings, ErrorsNameFileLineAndWhatToDo) {
  // YAML syntax
  EXPECT_NE(errorOf("tags:\n  - id: a\n    label: {en: x\n").find("pack/tags.yaml:"), std::string::npos);
  // unknown key, with line number of the key
  const std::string unknown = errorOf(R"(tags:
  - id: a.b
    label: {en: A, fr: A}
    unti: bar
    source: {topic: t}
)");
  EXPECT_NE(unknown.find("pack/tags.yaml:4:"), std::string::npos) << unknown;
  EXPECT_NE(unknown.find("unti"), std::string::npos);
  EXPECT_NE(unknown.find("allowed keys"), std::string::npos);
  // missing French label
  EXPECT_NE(errorOf("tags:\n  - id: a\n    label: {en: A}\n    source: {topic: t}\n").find("French"),
            std::string::npos);
  // duplicate ids
  EXPECT_NE(errorOf(R"(tags:
  - {id: a, label: {en: A, fr: A}, source: {topic: t1}}
  - {id: a, label: {en: A, fr: A}, source: {topic: t2}}
)").find("used twice"), std::string::npos);
  // same source twice
  EXPECT_NE(errorOf(R"(tags:
  - {id: a, label: {en: A, fr: A}, source: {topic: t1}}
  - {id: b, label: {en: A, fr: A}, source: {topic: t1}}
)").find("bound to two tags"), std::string::npos);
  // bad number
  const std::string bad_num = errorOf(R"(tags:
  - id: a
    label: {en: A, fr: A}
    source: {topic: t}
    scale: fast
)");
  EXPECT_NE(bad_num.find(":5:"), std::string::npos) << bad_num;
  EXPECT_NE(bad_num.find("'fast'"), std::string::npos);
  // range inverted, sparkplug without node, wildcard topic, bad severity, bad id, scale on bool
  EXPECT_NE(errorOf("tags:\n  - {id: a, label: {en: A, fr: A}, source: {topic: t}, range: {min: 5, max: 1}}\n")
                .find("range.min"), std::string::npos);
  EXPECT_NE(errorOf("tags:\n  - {id: a, label: {en: A, fr: A}, source: {sparkplug: {group: G, metric: m}}}\n")
                .find("edge node"), std::string::npos);
  EXPECT_NE(errorOf("tags:\n  - {id: a, label: {en: A, fr: A}, source: {topic: 'a/#'}}\n").find("wildcards"),
            std::string::npos);
  EXPECT_NE(errorOf(R"(tags:
  - id: a
    label: {en: A, fr: A}
    source: {topic: t}
    alarms: [{id: h, kind: high, limit: 1, severity: loud, message: {en: a, fr: a}}]
)").find("severity must be"), std::string::npos);
  EXPECT_NE(errorOf("tags:\n  - {id: A-Tag, label: {en: A, fr: A}, source: {topic: t}}\n").find("not valid"),
            std::string::npos);
  EXPECT_NE(errorOf("tags:\n  - {id: a, type: bool, scale: 2, label: {en: A, fr: A}, source: {topic: t}}\n")
                .find("number tags only"), std::string::npos);
  EXPECT_NE(errorOf("").find("empty"), std::string::npos);
  EXPECT_NE(errorOf("- just\n- a list\n").find("mapping"), std::string::npos);
  EXPECT_NE(errorOf("version: 2\ntags: []\n").find("version"), std::string::npos);
}

TEST(Bindings, MissingFileSaysWhatToGive) {
  auto r = loadBindings("/nonexistent/pack");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().where.find("/nonexistent/pack"), std::string::npos);
  EXPECT_FALSE(r.error().hint.empty());
}

// The JSON Schema authors get completion from must not offer a key the parser rejects as unknown.
TEST(Bindings, SchemaKeysAreKnownToTheParser) {
  std::ifstream in(std::string(RIVET_SOURCE_DIR) + "/content/schemas/tags.schema.json");
  ASSERT_TRUE(in.good());
  const auto schema = nlohmann::json::parse(in);
  const auto& defs = schema["$defs"];
  auto check = [](const std::string& yaml, const std::string& key) {
    auto r = parseBindings(yaml, "schema.yaml");
    if (!r.ok()) {
      EXPECT_EQ(r.error().message.find("unknown key"), std::string::npos) << key << ": " << r.error().describe();
    }
  };
  for (const auto& [key, _] : defs["tag"]["properties"].items())
    check("tags:\n  - {id: a, label: {en: A, fr: A}, source: {topic: t}, " + key + ": 1}\n", key);
  for (const auto& [key, _] : defs["alarm"]["properties"].items())
    check("tags:\n  - {id: a, label: {en: A, fr: A}, source: {topic: t}, alarms: [{id: h, kind: high, limit: 1, "
          "severity: info, message: {en: a, fr: a}, " + key + ": 1}]}\n", key);
  for (const auto& [key, _] : schema["properties"]["defaults"]["properties"].items())
    check("defaults: {" + key + ": 1}\ntags: []\n", key);
  for (const auto& [key, _] : defs["source"]["properties"]["sparkplug"]["properties"].items())
    check("tags:\n  - {id: a, label: {en: A, fr: A}, source: {sparkplug: {group: G, node: N, metric: m, " + key +
          ": x}}}\n", key);
}
