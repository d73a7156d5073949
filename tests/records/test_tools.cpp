// End-to-end tests of rivet-run-procedure and rivet-records: bad input, login lockout, role-checked sign-off
// from the logged-in user, training faults and score, verify exit codes after tampering, exports, history, badges.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/objdetect.hpp>
#include <opencv2/wechat_qrcode.hpp>
#include <sstream>

#include "rivet/records/store.hpp"

namespace rivet::records {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
constexpr std::int64_t kT0 = 1'780'000'000LL * 1'000'000'000LL;

class Tools : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("rivet_tools_" + std::to_string(::getpid()) + "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    db_ = (dir_ / "r.db").string();
    fs::create_directories(dir_ / "pack" / "procedures");  // private copy: the pack hash stays put
    for (const auto& f : fs::directory_iterator(std::string(RIVET_SOURCE_DIR) + "/content/samples/robot-cell/procedures")) {
      fs::copy_file(f.path(), dir_ / "pack" / "procedures" / f.path().filename());
    }
    StoreOptions o;
    o.kdf.n = 1u << 10;
    auto s = Store::open(db_, o);
    ASSERT_TRUE(s.ok());
    ASSERT_TRUE(s->addUser("jdupont", procedure::Role::Technician, "technician-secret", kT0).ok());
    ASSERT_TRUE(s->addUser("mmartin", procedure::Role::Trainer, "trainer-secret", kT0).ok());
  }
  void TearDown() override { fs::remove_all(dir_); }

  struct Out {
    int code = -1;
    std::vector<json> lines;
    std::string text;
  };
  Out run(const std::string& cmd) {
    const std::string out = (dir_ / "out.txt").string();
    const int status = std::system((cmd + " > " + out + " 2> " + (dir_ / "err.txt").string()).c_str());
    Out r;
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    std::ifstream in(out);
    std::stringstream ss;
    ss << in.rdbuf();
    r.text = ss.str();
    std::istringstream lines(r.text);
    std::string line;
    while (std::getline(lines, line)) {
      auto j = json::parse(line, nullptr, false);
      if (!j.is_discarded()) r.lines.push_back(j);
    }
    return r;
  }
  Out drive(const std::string& procedure, const std::vector<json>& events, const std::string& extra = {}) {
    const std::string path = (dir_ / "events.jsonl").string();
    std::ofstream f(path);
    for (const auto& e : events) f << e.dump() << "\n";
    f.close();
    return run(std::string(RIVET_RUN_PROCEDURE) + " --pack " + (dir_ / "pack").string() + " --procedure " +
               procedure + " --db " + db_ + " --events " + path + " " + extra);
  }
  std::string records(const std::string& args) { return std::string(RIVET_RECORDS) + " " + args; }
  int rawBadges() {
    sqlite3* db = nullptr;
    sqlite3_open(db_.c_str(), &db);
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db, "SELECT count(*) FROM badges", -1, &st, nullptr);
    int n = -1;
    if (sqlite3_step(st) == SQLITE_ROW) n = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
  }

  fs::path dir_;
  std::string db_;
};

json ev(const std::string& id, const std::string& type, std::int64_t t, json extra = json::object()) {
  extra["id"] = id;
  extra["type"] = type;
  extra["time_ns"] = t;
  return extra;
}

TEST_F(Tools, BadInputGetsOneClearError) {
  auto r = drive("robot-cell3-gripper-fingers", {ev("l", "login", kT0, {{"user", "jdupont"}, {"secret", "technician-secret"}})});
  EXPECT_EQ(r.code, 0);
  const std::string path = (dir_ / "events.jsonl").string();
  {
    std::ofstream f(path);
    f << ev("l", "login", kT0, {{"user", "jdupont"}, {"secret", "technician-secret"}}).dump() << "\n\n{not json\n";
  }
  r = run(std::string(RIVET_RUN_PROCEDURE) + " --pack " + (dir_ / "pack").string() +
          " --procedure robot-cell3-gripper-fingers --db " + db_ + " --events " + path);
  EXPECT_EQ(r.code, 2);
  ASSERT_FALSE(r.lines.empty());
  EXPECT_EQ(r.lines.back()["where"], path + ":3");
  r = drive("no-such-procedure", {});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.lines.back()["hint"].get<std::string>().find("robot-cell3-gripper-fingers"), std::string::npos);
  r = drive("robot-cell3-gripper-fingers", {ev("x", "confirm", kT0)});
  EXPECT_EQ(r.code, 3);  // event before login/start
}

TEST_F(Tools, LockedOutUserCannotLogIn) {
  std::vector<json> bad;
  for (int i = 0; i < 5; ++i) {
    auto r = drive("robot-cell3-gripper-fingers", {ev("l", "login", kT0 + i, {{"user", "jdupont"}, {"secret", "guess"}})});
    EXPECT_EQ(r.code, 3);
  }
  auto r = drive("robot-cell3-gripper-fingers", {ev("l", "login", kT0 + 10, {{"user", "jdupont"}, {"secret", "technician-secret"}})});
  EXPECT_EQ(r.code, 3);
  EXPECT_NE(r.lines.back()["error"].get<std::string>().find("locked"), std::string::npos);
  ASSERT_EQ(run(records("unlock " + db_ + " --name jdupont")).code, 0);
  r = drive("robot-cell3-gripper-fingers", {ev("l", "login", kT0 + 20, {{"user", "jdupont"}, {"secret", "technician-secret"}})});
  EXPECT_EQ(r.code, 0);
}

// issue-badge writes a printable QR PNG that OpenCV's own readers find (cv::QRCodeDetector) and decode
// (cv::wechat_qrcode: Debian's objdetect has no quirc to decode with) to the payload, which logs in until
// revoke-badge (or a newer badge) revokes it.
TEST_F(Tools, IssueBadgeWritesAQrThatDecodesAndLogsIn) {
  const std::string png = (dir_ / "jdupont-badge.png").string();
  const std::string payload_file = (dir_ / "jdupont-badge.txt").string();
  auto r = run(records("issue-badge " + db_ + " --name jdupont -o " + png + " --payload-out " + payload_file));
  ASSERT_EQ(r.code, 0) << r.text;
  EXPECT_NE(r.text.find("jdupont"), std::string::npos);
  // Both files hold the login token: owner-only.
  EXPECT_EQ(fs::status(png).permissions() & (fs::perms::group_all | fs::perms::others_all), fs::perms::none);
  EXPECT_EQ(fs::status(payload_file).permissions() & (fs::perms::group_all | fs::perms::others_all), fs::perms::none);
  std::string payload;
  {
    std::ifstream in(payload_file);
    std::getline(in, payload);
  }
  ASSERT_EQ(payload.rfind("RIVET-BADGE:1:jdupont:", 0), 0u) << payload;
  const cv::Mat image = cv::imread(png, cv::IMREAD_GRAYSCALE);
  ASSERT_FALSE(image.empty());
  EXPECT_GT(image.rows, image.cols);  // the name is printed under the code
  std::vector<cv::Point2f> corners;
  EXPECT_TRUE(cv::QRCodeDetector().detect(image, corners));
  EXPECT_EQ(corners.size(), 4u);
  const auto texts = cv::wechat_qrcode::WeChatQRCode().detectAndDecode(image);
  ASSERT_EQ(texts.size(), 1u);
  EXPECT_EQ(texts[0], payload);

  StoreOptions o;
  o.kdf.n = 1u << 10;
  {
    auto store = Store::open(db_, o);
    ASSERT_TRUE(store.ok());
    auto in = store->loginBadge(payload, kT0 + 1);
    ASSERT_TRUE(in.ok()) << in.error().describe();
    EXPECT_EQ(in->name, "jdupont");
  }
  ASSERT_EQ(run(records("revoke-badge " + db_ + " --name jdupont")).code, 0);
  {
    auto store = Store::open(db_, o);
    ASSERT_TRUE(store.ok());
    EXPECT_FALSE(store->loginBadge(payload, kT0 + 2).ok());
  }
  // Errors: nothing to revoke, unknown user, not a PNG (checked before a badge is issued).
  EXPECT_EQ(run(records("revoke-badge " + db_ + " --name jdupont")).code, 2);
  EXPECT_EQ(run(records("issue-badge " + db_ + " --name nobody -o " + png)).code, 2);
  EXPECT_EQ(run(records("issue-badge " + db_ + " --name mmartin -o " + (dir_ / "badge.txt").string())).code, 2);
  EXPECT_EQ(run(records("issue-badge " + db_ + " --name mmartin -o " + (dir_ / "no/such/badge.png").string())).code, 2);
  EXPECT_EQ(rawBadges(), 1);
}

// The training variant: quiz, fault injection, gate refused by the fault, trainer-only sign-off.
std::vector<json> trainingRun(const std::string& user, const std::string& secret, bool wrong_first) {
  std::int64_t t = kT0;
  const std::int64_t s = 1'000'000'000;
  std::vector<json> e = {ev("l", "login", t, {{"user", user}, {"secret", secret}}),
                         ev("s", "start", t, {{"mode", "training"}, {"faults", {"air-not-bled"}}})};
  if (wrong_first) e.push_back(ev("a0", "answer", t += s, {{"answer", 0}}));
  e.push_back(ev("a1", "answer", t += s, {{"answer", 1}}));
  e.push_back(ev("c1", "confirm", t += s));
  e.push_back(ev("c2", "confirm", t += s));
  e.push_back(ev("q1", "confirm", t += s, {{"target", "Q1"}}));
  e.push_back(ev("v3", "confirm", t += s, {{"target", "V3"}}));
  t += s;
  e.push_back(ev("t1", "tag", t, {{"tag", "robot.axis_speed"}, {"value", 0}}));
  e.push_back(ev("t2", "tag", t, {{"tag", "cell.main_contactor"}, {"value", false}}));
  e.push_back(ev("t3", "tag", t, {{"tag", "cell.air_pressure"}, {"value", wrong_first ? 2.5 : 0.0}}));
  e.push_back(ev("g1", "confirm", t));
  if (wrong_first) {
    e.push_back(ev("t4", "tag", t += s, {{"tag", "cell.air_pressure"}, {"value", 0.0}}));
    e.push_back(ev("t5", "tag", t, {{"tag", "robot.axis_speed"}, {"value", 0}}));
    e.push_back(ev("t6", "tag", t, {{"tag", "cell.main_contactor"}, {"value", false}}));
    e.push_back(ev("g2", "confirm", t));
  }
  e.push_back(ev("try", "confirm", t += s));
  e.push_back(ev("swap", "confirm", t += s));
  e.push_back(ev("tq", "value", t += s, {{"value", 1.22}}));
  e.push_back(ev("so1", "sign_off", t += s, {{"user", "mmartin"}, {"role", "trainer"}}));  // claims are ignored
  return e;
}

TEST_F(Tools, TrainingFaultsScoresRolesAndHistory) {
  // The trainee's own sign-off is refused (trainer-only step) even though the file claims to be the trainer.
  auto r = drive("robot-cell3-gripper-fingers-training", trainingRun("jdupont", "technician-secret", true));
  ASSERT_EQ(r.code, 0) << r.text;
  bool fault_seen = false, gate_refused = false;
  for (const auto& l : r.lines) {
    if (l.contains("fault") && l["fault"] == "air-not-bled") fault_seen = true;
    if (l.contains("ack") && l["ack"] == "g1") gate_refused = l["outcome"] == "gate_blocked";
    if (l.contains("ack") && l["ack"] == "so1") {
      EXPECT_FALSE(l["accepted"].get<bool>());
      EXPECT_NE(l["reason"].get<std::string>().find("needs trainer"), std::string::npos);
    }
  }
  EXPECT_TRUE(fault_seen);
  EXPECT_TRUE(gate_refused);
  EXPECT_FALSE(r.lines.back()["finished"].get<bool>());
  // A trainer running the same procedure (a dry run) may sign it; no fault injected, no error: score 100.
  r = drive("robot-cell3-gripper-fingers-training", trainingRun("mmartin", "trainer-secret", false));
  ASSERT_EQ(r.code, 0) << r.text;
  json end;
  for (const auto& l : r.lines) {
    if (l.contains("session_end")) end = l;
  }
  ASSERT_FALSE(end.is_null()) << r.text;
  EXPECT_EQ(end["status"], "finished");
  EXPECT_DOUBLE_EQ(end["score"].get<double>(), 100.0);
  EXPECT_TRUE(end["passed"].get<bool>());
  auto h = run(records("history " + db_ + " --user mmartin --procedure robot-cell3-gripper-fingers-training"));
  EXPECT_EQ(h.code, 0);
  EXPECT_NE(h.text.find("1,"), std::string::npos) << h.text;
  EXPECT_NE(h.text.find("pass rate 100 %"), std::string::npos) << h.text;
}

TEST_F(Tools, VerifyAndExportFromTheCommandLine) {
  auto r = drive("robot-cell3-gripper-fingers-training", trainingRun("mmartin", "trainer-secret", false));
  ASSERT_EQ(r.code, 0);
  auto v = run(records("verify " + db_));
  EXPECT_EQ(v.code, 0) << v.text;
  EXPECT_NE(v.text.find("hash chain intact"), std::string::npos);
  auto csv = run(records("export " + db_ + " --format csv"));
  EXPECT_EQ(csv.code, 0);
  EXPECT_NE(csv.text.find("torque=1.22 N·m (in_tolerance)"), std::string::npos) << csv.text;
  EXPECT_NE(csv.text.find("trainer-sign-off=mmartin (trainer)"), std::string::npos) << csv.text;
  auto js = run(records("export " + db_ + " --format json --out " + (dir_ / "x.json").string()));
  EXPECT_EQ(js.code, 0);
  std::ifstream in(dir_ / "x.json");
  const json exported = json::parse(in);
  ASSERT_EQ(exported.size(), 1u);
  EXPECT_EQ(exported[0]["procedure"]["id"], "robot-cell3-gripper-fingers-training");
  EXPECT_EQ(exported[0]["status"], "finished");

  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(db_.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "DROP TRIGGER journal_no_update; UPDATE journal SET value = 1.20 WHERE client_id = 'tq'",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  v = run(records("verify " + db_));
  EXPECT_EQ(v.code, 1);
  EXPECT_NE(v.text.find("TAMPERED"), std::string::npos);
  EXPECT_NE(v.text.find("edited"), std::string::npos) << v.text;
  EXPECT_EQ(run(records("verify " + (dir_ / "missing.db").string())).code, 105);  // CLI11: file does not exist
}

TEST_F(Tools, ResumeRefusedWhenTheProcedureChanged) {
  std::vector<json> events = {ev("l", "login", kT0, {{"user", "jdupont"}, {"secret", "technician-secret"}}),
                              ev("s", "start", kT0), ev("c1", "confirm", kT0 + 1)};
  auto r = drive("robot-cell3-gripper-fingers", events);
  ASSERT_EQ(r.code, 0) << r.text;
  // Someone changes a torque value in the pack (even without a version bump): the open session must not resume.
  const fs::path file = dir_ / "pack" / "procedures" / "robot-cell3-gripper-fingers.yaml";
  std::stringstream ss;
  ss << std::ifstream(file).rdbuf();
  std::string text = ss.str();
  const auto pos = text.find("nominal: 1.2");
  ASSERT_NE(pos, std::string::npos);
  text.replace(pos, 12, "nominal: 1.5");
  std::ofstream(file) << text;
  events.push_back(ev("c2", "confirm", kT0 + 2));
  r = drive("robot-cell3-gripper-fingers", events);
  EXPECT_EQ(r.code, 4);
  ASSERT_FALSE(r.lines.empty());
  EXPECT_NE(r.lines.back()["error"].get<std::string>().find("cannot resume"), std::string::npos) << r.text;
}

}  // namespace
}  // namespace rivet::records
