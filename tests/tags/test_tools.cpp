// rivet-tagsim and rivet-tags as a user runs them: simulator on a real broker, diagnostic JSON lines, scenario
// switched at run time over MQTT (lockout, publisher death), exit codes.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cstdio>
#include <map>

#include "broker_fixture.hpp"
#include "rivet/tags/mqtt.hpp"

using rivet::tags::livetest::Broker;

namespace {
struct ToolRun {
  int exit_code = -1;
  std::map<std::string, nlohmann::json> tags;  // id -> line
  nlohmann::json summary;
};

ToolRun rivetTags(const std::string& args) {
  ToolRun r;
  const std::string cmd = std::string(RIVET_TAGS_EXE) + " " + args + " 2>/dev/null";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  char line[8192];
  while (std::fgets(line, sizeof line, p) != nullptr) {
    const auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded()) continue;
    if (j.contains("id")) r.tags[j["id"].get<std::string>()] = j;
    else if (j.value("event", "") == "summary") r.summary = j;
  }
  const int status = ::pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

const std::string kPack = std::string(RIVET_SOURCE_DIR) + "/content/samples/robot-cell";
}  // namespace

TEST(Tools, TagsimFeedsRivetTagsAndScenariosSwitchAtRunTime) {
  const auto dir = rivet::tags::livetest::makeTempDir("rivet-tags-tools");
  Broker broker(dir);
  const pid_t sim = ::fork();
  if (sim == 0) {
    const std::string url = broker.url();
    ::execl(RIVET_TAGSIM_EXE, "rivet-tagsim", "--broker", url.c_str(), "--rate", "20", "--duration", "30", "--quiet",
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  const std::string base = "--broker " + broker.url() + " --pack " + kPack;

  ToolRun normal = rivetTags(base + " --timeout 10");
  EXPECT_EQ(normal.exit_code, 0);
  ASSERT_EQ(normal.tags.size(), 11u);
  for (const auto& [id, j] : normal.tags) {
    EXPECT_EQ(j["state"], "fresh") << id;
    EXPECT_EQ(j["quality"], "good") << id;
    EXPECT_LT(j["age_ms"].get<int>(), 2000) << id;
  }
  EXPECT_EQ(normal.tags["cell.main_contactor"]["value"], true);
  EXPECT_NEAR(normal.tags["cell.air_pressure"]["value"].get<double>(), 6.1, 0.5);
  EXPECT_EQ(normal.summary["connected"], true);

  // a trainer switches the scenario over MQTT
  rivet::tags::MqttOptions po;
  po.broker_url = broker.url();
  auto pub = rivet::tags::MqttPublisher::start(po);
  ASSERT_TRUE(pub.ok());
  ASSERT_TRUE((*pub)->waitConnected(5000));
  ASSERT_TRUE((*pub)->publish("rivet/tagsim/Plant1/Cell3/scenario", "lockout", 1));
  std::this_thread::sleep_for(std::chrono::seconds(5));  // the dump valve vents the air (tau 0.7 s)
  ToolRun locked = rivetTags(base + " --timeout 5 --lang fr");
  EXPECT_EQ(locked.tags["robot.axis_speed"]["value"], 0.0);
  EXPECT_EQ(locked.tags["cell.main_contactor"]["value"], false);
  EXPECT_EQ(locked.tags["cell.main_contactor"]["text"], "Ouvert (consigné)");
  EXPECT_LT(locked.tags["cell.air_pressure"]["value"].get<double>(), 0.1);

  ASSERT_TRUE((*pub)->publish("rivet/tagsim/Plant1/Cell3/scenario", "publisher_death", 1));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  ToolRun dead = rivetTags(base + " --timeout 1");
  EXPECT_EQ(dead.exit_code, 2);  // not every tag usable
  EXPECT_EQ(dead.summary["usable"], 0);

  // bad pack: one clear error, exit 1
  ToolRun bad = rivetTags("--broker " + broker.url() + " --pack /nonexistent");
  EXPECT_EQ(bad.exit_code, 1);

  ::kill(sim, SIGTERM);
  int status = 0;
  ::waitpid(sim, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  std::filesystem::remove_all(dir);
}

TEST(Tools, RivetTagsSimulateNeedsNoBroker) {
  ToolRun r = rivetTags("--simulate --pack " + kPack + " --timeout 3");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.tags.size(), 11u);
  EXPECT_EQ(r.summary["simulated"], "normal");
}
