// Acceptance test of a technician's session: rivet --headless driven by an input script against a real mosquitto
// broker (TLS) fed by rivet-tagsim; degraded modes (broker stopped mid-gate), records verified, kill and resume.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "../tags/broker_fixture.hpp"
#include "app_harness.hpp"
#include "rivet/records/store.hpp"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace rivet;
using tags::livetest::Broker;
using tags::livetest::TestPki;
using namespace rivet::apptest;

namespace {

// Login with user + PIN on the on-screen keypad, the work order, the first steps up to the first lock.
const std::string kToFirstLock = R"({"click":"user:jdupont"}
{"type":"24681357"}
{"click":"key:ok"}
{"wait":{"screen":"orders"}}
{"click":"order:OT-1001"}
{"wait":{"step":"prepare"}}
{"click":"confirm"}
{"wait":{"step":"park"}}
{"click":"confirm"}
{"wait":{"step":"loto"}}
{"click":"confirm"}
{"wait":{"step":"loto/notify"}}
{"click":"confirm"}
{"wait":{"step":"loto/isolate"}}
{"click":"point:Q1"}
)";

// The technician's clicks for the gripper-finger procedure of the sample pack, from login to sign-off.
const std::string kFullScript = "{\"wait\":{\"screen\":\"login\"}}\n" + kToFirstLock + R"({"click":"point:V3"}
{"wait":{"step":"loto/zero-energy"}}
# air still up: Confirm is greyed out on screen, and a spoken/keyboard "confirm" does nothing
{"command":"confirm"}
{"wait":{"gate":"ok"},"timeout_s":90}
{"wait":{"gate":"stale"},"timeout_s":90}
{"wait":{"gate":"ok"},"timeout_s":90}
{"click":"confirm"}
{"wait":{"step":"loto/tryout"}}
{"click":"pass"}
{"wait":{"step":"remove-fingers"}}
{"click":"confirm"}
{"wait":{"step":"inspect-guides"}}
{"click":"pass"}
{"wait":{"step":"fit-fingers"}}
{"click":"confirm"}
{"wait":{"step":"torque"}}
{"type":"1,5"}
{"click":"key:ok"}
{"wait":{"frames":2}}
{"type":"1,2"}
{"click":"key:ok"}
{"wait":{"step":"opening"}}
{"type":"80.1"}
{"key":"Enter"}
{"wait":{"step":"area-clear"}}
{"click":"pass"}
{"wait":{"step":"loto-remove"}}
{"click":"point:V3"}
{"click":"point:Q1"}
{"wait":{"step":"energy-back"}}
{"wait":{"gate":"ok"},"timeout_s":90}
{"click":"confirm"}
{"wait":{"step":"functional-test"}}
{"click":"pass"}
{"wait":{"step":"sign-off"}}
{"click":"sign_off"}
{"type":"24681357"}
{"click":"key:ok"}
{"wait":{"screen":"step","step":""}}
)";

class Acceptance : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = tags::livetest::makeTempDir("rivet-accept");
    camera_ = dir_ / "camera";
    int code = 0;
    const std::string out = sh(std::string(RIVET_SYNTHCAM) + " --pack " RIVET_SAMPLE_PACK " --out " + camera_.string() +
                               " --frames 4 --width 1280 --height 720 --path orbit --min-dist 0.8 --max-dist 1.2 --seed 3", &code);
    ASSERT_EQ(code, 0) << out;
    db_ = dir_ / "records.db";
    sh("RIVET_SECRET=24681357 " + std::string(RIVET_RECORDS) + " add-user " + db_.string() +
       " --name jdupont --role technician --kdf-n 1024", &code);
    ASSERT_EQ(code, 0);
    sh("RIVET_SECRET=86427531 " + std::string(RIVET_RECORDS) + " add-user " + db_.string() +
       " --name mleroy --role trainer --kdf-n 1024", &code);
    ASSERT_EQ(code, 0);
    orders_ = dir_ / "orders.csv";
    writeFile(orders_, "number,asset,procedure,title,priority\n"
                       "OT-1001,RC3-ROB-01,robot-cell3-gripper-fingers,Replace the gripper fingers,2\n"
                       "OT-1002,RC3,robot-cell3-loto,Lock out for the electrician,3\n");
  }
  void TearDown() override {
    if (!HasFailure()) fs::remove_all(dir_);
  }
  std::vector<std::string> appArgs(const fs::path& out, const fs::path& script, std::vector<std::string> extra) const {
    std::vector<std::string> a = {RIVET_APP, "--headless", "--validation", "--pack", RIVET_SAMPLE_PACK, "--camera",
                                  camera_.string(), "--calib", (camera_ / "camera.yaml").string(), "--out", out.string(),
                                  "--fps", "5", "--loop", "--save-every", "0", "--db", db_.string(), "--work-orders",
                                  orders_.string(), "--input", script.string(), "--lang", "en", "--log-widgets"};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }

  fs::path dir_, camera_, db_, orders_;
};

TEST_F(Acceptance, WholeSessionAgainstTheBrokerWithDegradedModes) {
  TestPki pki(dir_);
  const std::string tls = "cafile " + pki.ca.string() + "\ncertfile " + pki.server_cert.string() + "\nkeyfile " +
                          pki.server_key.string() + "\n";
  Broker broker(dir_, tls);
  Child sim = Child::spawn({RIVET_TAGSIM, "--broker", broker.tlsUrl(), "--ca", pki.ca.string(), "--rate", "10", "--quiet"},
                           dir_ / "tagsim.log", true);
  const fs::path script = dir_ / "session.jsonl";
  writeFile(script, kFullScript);
  const fs::path out = dir_ / "out";
  Child app = Child::spawn(appArgs(out, script, {"--broker", broker.tlsUrl(), "--ca", pki.ca.string()}), dir_ / "app.log");
  const fs::path log = out / "run.jsonl";
  auto at = [](const std::string& step, const std::string& gate = "") {
    return [=](const json& l) { return l.value("step", "") == step && (gate.empty() || l.value("gate", "") == gate); };
  };

  // Zero-energy gate: waits while the air is up; the plant vents it once the technician has locked V3.
  ASSERT_TRUE(waitLog(log, at("loto/zero-energy", "failed"), 180, &app)) << app.output();
  std::this_thread::sleep_for(std::chrono::seconds(2));
  sim.say("lockout");
  ASSERT_TRUE(waitLog(log, at("loto/zero-energy", "ok"), 60, &app)) << app.output();
  // Broker lost mid-gate (crash or cut network, so no death certificate arrives): values age, the gate closes on
  // stale data and the banner says so. (A clean broker shutdown sends NDEATH instead: Bad quality, gate failed.)
  broker.crash();
  ASSERT_TRUE(waitLog(log, at("loto/zero-energy", "stale"), 60, &app)) << app.output();
  ASSERT_TRUE(waitLog(log, [](const json& l) { return !l.value("source_connected", true); }, 30, &app));
  // The banner tells the technician while the broker is away.
  ASSERT_TRUE(waitLog(log, [](const json& l) {
    return !l.value("source_connected", true) && l.contains("panels") && l["panels"].contains("data_banner");
  }, 30, &app));
  broker.start();
  ASSERT_TRUE(waitLog(log, [](const json& l) { return l.value("step", "") == "loto/zero-energy" && l.value("gate", "") == "ok" &&
                                                      l.value("source_connected", false) && !l["panels"].contains("data_banner"); },
                      60, &app));
  ASSERT_TRUE(waitLog(log, at("energy-back"), 240, &app)) << app.output();
  sim.say("normal");
  const int code = app.wait(240);
  ASSERT_EQ(code, 0) << app.output();

  // The run log: the step/gate sequence and the durable acknowledgement of every accepted action.
  const auto lines = readLog(log);
  std::vector<std::string> steps;
  std::vector<std::string> zero_gates;
  std::vector<json> commands;
  for (const auto& l : lines) {
    const std::string s = l.value("step", "");
    if (!s.empty() && (steps.empty() || steps.back() != s)) steps.push_back(s);
    if (s == "loto/zero-energy" && (zero_gates.empty() || zero_gates.back() != l.value("gate", ""))) zero_gates.push_back(l["gate"]);
    if (l.contains("commands")) {
      for (const auto& c : l["commands"]) commands.push_back(c);
    }
    for (const char* key : {"frame", "tracked", "T_camera_machine", "tracking_ms", "render_ms", "screen", "gate"}) {
      ASSERT_TRUE(l.contains(key)) << key;
    }
  }
  const std::vector<std::string> expected_steps = {"prepare", "park", "loto", "loto/notify", "loto/isolate",
                                                   "loto/zero-energy", "loto/tryout",
                                                   "remove-fingers", "inspect-guides", "fit-fingers", "torque", "opening",
                                                   "area-clear", "loto-remove", "energy-back", "functional-test", "sign-off"};
  EXPECT_EQ(steps, expected_steps);
  // failed (air up) → ok → stale → ok (and nothing else) while on the zero-energy step.
  ASSERT_GE(zero_gates.size(), 4u);
  EXPECT_EQ(zero_gates[0], "failed");  // conditions not met yet (air up)
  auto ok1 = std::find(zero_gates.begin(), zero_gates.end(), "ok");
  ASSERT_NE(ok1, zero_gates.end());
  auto stale = std::find(ok1, zero_gates.end(), "stale");
  ASSERT_NE(stale, zero_gates.end());
  EXPECT_NE(std::find(stale, zero_gates.end(), "ok"), zero_gates.end());
  int blocked = 0, out_of_tol = 0, in_tol = 0, signed_ = 0;
  std::int64_t last_seq = 0;
  for (const auto& c : commands) {
    if (c.value("outcome", "") == "gate_blocked") ++blocked;
    if (c.value("outcome", "") == "out_of_tolerance") ++out_of_tol;
    if (c.value("outcome", "") == "in_tolerance") ++in_tol;
    if (c.value("outcome", "") == "signed") ++signed_;
    if (c.contains("seq")) {
      EXPECT_GT(c["seq"].get<std::int64_t>(), last_seq) << c.dump();
      last_seq = c["seq"].get<std::int64_t>();
    }
    static const std::set<std::string> kStepActions = {"confirm", "pass", "fail", "point", "value", "choose",
                                                       "answer", "sign_off", "skip", "abort", "back", "hint"};
    // Every step action that was accepted or refused by the engine is in the journal (durable before the UI moved).
    if (kStepActions.count(c.value("command", "")) && c.value("outcome", "") != "rejected") {
      EXPECT_TRUE(c.contains("seq")) << c.dump();
    }
  }
  EXPECT_EQ(blocked, 0);  // the closed gate never let a confirm through to the engine
  EXPECT_EQ(out_of_tol, 1);
  EXPECT_EQ(in_tol, 2);
  EXPECT_EQ(signed_, 1);

  // The records: intact chain, and the export holds the values entered, with their unit and verdict.
  int rc = 0;
  const std::string verify = sh(std::string(RIVET_RECORDS) + " verify " + db_.string(), &rc);
  EXPECT_EQ(rc, 0) << verify;
  const std::string exported = sh(std::string(RIVET_RECORDS) + " export " + db_.string() + " --format json", &rc);
  ASSERT_EQ(rc, 0) << exported;
  EXPECT_NE(exported.find("OT-1001"), std::string::npos) << exported;
  EXPECT_NE(exported.find("1.5"), std::string::npos) << exported;
  EXPECT_NE(exported.find("out_of_tolerance"), std::string::npos) << exported;
  EXPECT_NE(exported.find("80.1"), std::string::npos) << exported;
  EXPECT_NE(exported.find("jdupont"), std::string::npos) << exported;
  const json summary = json::parse(std::ifstream(out / "summary.json"));
  EXPECT_EQ(summary.at("validation_messages").get<int>(), 0);
}

TEST_F(Acceptance, KilledMidSessionResumesAtTheSameStepWithNothingLostOrDoubled) {
  const fs::path script1 = dir_ / "first.jsonl";
  writeFile(script1, kToFirstLock + R"({"wait":{"step":"never"},"timeout_s":300}
)");
  const fs::path out1 = dir_ / "out1";
  Child first = Child::spawn(appArgs(out1, script1, {"--simulate", "normal"}), dir_ / "app1.log");
  // Killed right after the first isolation point is locked: that action is in the journal before the screen moved.
  ASSERT_TRUE(waitLog(out1 / "run.jsonl", [](const json& l) {
    if (!l.contains("commands")) return false;
    for (const auto& c : l["commands"]) {
      if (c.value("command", "") == "point" && c.value("accepted", false)) return true;
    }
    return false;
  }, 240, &first)) << first.output();
  first.kill(SIGKILL);

  const fs::path script2 = dir_ / "second.jsonl";
  writeFile(script2, R"({"click":"user:jdupont"}
{"type":"24681357"}
{"click":"key:ok"}
{"wait":{"step":"loto/isolate"}}
{"click":"point:V3"}
{"wait":{"step":"loto/zero-energy"}}
)");
  const fs::path out2 = dir_ / "out2";
  Child second = Child::spawn(appArgs(out2, script2, {"--simulate", "normal"}), dir_ / "app2.log");
  ASSERT_EQ(second.wait(240), 0) << second.output();
  // It never showed the orders screen after login: it resumed the open session.
  for (const auto& l : readLog(out2 / "run.jsonl")) EXPECT_NE(l.value("screen", ""), "orders");

  records::StoreOptions o;
  auto store = records::Store::open(db_.string(), o);
  ASSERT_TRUE(store.ok()) << store.error().describe();
  auto session = store->findOpenSession("jdupont", "robot-cell3-gripper-fingers");
  ASSERT_TRUE(session.has_value());
  EXPECT_EQ(session->info.work_order, "OT-1001");
  auto events = store->events(session->id);
  ASSERT_TRUE(events.ok());
  std::map<std::string, int> by_step;
  for (const auto& e : *events) {
    if (e.record.event.type == procedure::EventType::Tag) continue;
    by_step[e.record.from_step + "/" + e.record.event.target]++;
  }
  const std::map<std::string, int> expected = {{"prepare/", 1},          {"park/", 1},
                                               {"loto/", 1},             {"loto/notify/", 1},
                                               {"loto/isolate/Q1", 1},   {"loto/isolate/V3", 1}};
  EXPECT_EQ(by_step, expected);
  int rc = 0;
  EXPECT_EQ((sh(std::string(RIVET_RECORDS) + " verify " + db_.string(), &rc), rc), 0);
}

TEST_F(Acceptance, ScriptErrorsNameTheLine) {
  const fs::path script = dir_ / "bad.jsonl";
  writeFile(script, "{\"click\":\"user:jdupont\"}\n{\"press\":\"x\"}\n");
  int rc = 0;
  std::string cmd;
  for (const auto& a : appArgs(dir_ / "o", script, {})) cmd += "'" + a + "' ";
  const std::string out = sh(cmd, &rc);
  EXPECT_EQ(rc, 1);
  EXPECT_NE(out.find("bad.jsonl:2"), std::string::npos) << out;
  // A script waiting for something that never comes stops with the line and the current state.
  writeFile(script, "{\"wait\":{\"step\":\"torque\"},\"timeout_s\":2}\n");
  const std::string timeout = sh(cmd, &rc);
  EXPECT_EQ(rc, 3);
  EXPECT_NE(timeout.find("bad.jsonl:1"), std::string::npos) << timeout;
  EXPECT_NE(timeout.find("screen login"), std::string::npos) << timeout;
}

}  // namespace

namespace {

// A badge QR code held in front of the camera: the badge printed by rivet-records, pasted into a camera picture.
TEST_F(Acceptance, BadgeShownToTheCameraLogsInAndARevokedOneDoesNot) {
  int rc = 0;
  const fs::path badge = dir_ / "badge.png";
  std::string out = sh(std::string(RIVET_RECORDS) + " issue-badge " + db_.string() + " --name jdupont -o " + badge.string(), &rc);
  ASSERT_EQ(rc, 0) << out;
  const fs::path cam = dir_ / "badge-camera";
  fs::create_directories(cam);
  fs::copy_file(camera_ / "camera.yaml", cam / "camera.yaml");
  out = sh("convert " + (camera_ / "frame-00000.png").string() + " \\( " + badge.string() +
               " -resize 360x360 -rotate 8 \\) -geometry +460+150 -composite " + (cam / "frame-00000.png").string(), &rc);
  ASSERT_EQ(rc, 0) << out;

  const fs::path script = dir_ / "badge.jsonl";
  writeFile(script, "{\"wait\":{\"screen\":\"orders\"},\"timeout_s\":60}\n{\"wait\":{\"frames\":1}}\n");
  auto args = [&](const fs::path& o) {
    std::vector<std::string> a = appArgs(o, script, {"--simulate", "normal"});
    for (auto& s : a) if (s == camera_.string()) s = cam.string();
    for (auto& s : a) if (s == (camera_ / "camera.yaml").string()) s = (cam / "camera.yaml").string();
    return a;
  };
  Child app = Child::spawn(args(dir_ / "badge-out"), dir_ / "badge.log");
  ASSERT_EQ(app.wait(120), 0) << app.output();
  bool badge_login = false;
  for (const auto& l : readLog(dir_ / "badge-out" / "run.jsonl")) {
    for (const auto& c : l.value("commands", json::array())) {
      badge_login |= c.value("command", "") == "badge" && c.value("accepted", false) && c.value("outcome", "") == "login";
    }
    if (l.value("screen", "") == "orders") {
      EXPECT_EQ(l.value("user", ""), "jdupont");
    }
  }
  EXPECT_TRUE(badge_login);

  // Revoked: the same badge is refused, the login screen stays and says so.
  out = sh(std::string(RIVET_RECORDS) + " revoke-badge " + db_.string() + " --name jdupont", &rc);
  ASSERT_EQ(rc, 0) << out;
  writeFile(script, "{\"wait\":{\"screen\":\"orders\"},\"timeout_s\":8}\n");
  Child again = Child::spawn(args(dir_ / "revoked-out"), dir_ / "revoked.log");
  EXPECT_EQ(again.wait(120), 3) << again.output();
  bool refused = false;
  for (const auto& l : readLog(dir_ / "revoked-out" / "run.jsonl")) {
    for (const auto& c : l.value("commands", json::array())) refused |= c.value("outcome", "") == "badge_refused";
    EXPECT_NE(l.value("screen", ""), "orders");
  }
  EXPECT_TRUE(refused);
}

}  // namespace
