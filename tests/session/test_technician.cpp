// Unit tests for the technician session (login by PIN or badge, work orders, gates journaled with their values, resume, sign-off).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "rivet/session/library.hpp"
#include "rivet/session/technician.hpp"
#include "rivet/session/work_orders.hpp"

namespace fs = std::filesystem;
using namespace rivet;
using procedure::EventType;
using session::Stage;

namespace {

constexpr std::int64_t kT0 = 1'790'000'000'000'000'000;
constexpr std::int64_t kSecond = 1'000'000'000;

const fs::path kPack = fs::path(RIVET_SOURCE_DIR) / "content/samples/robot-cell";

struct Fixture : ::testing::Test {
  fs::path dir;
  session::ProcedureLibrary library;
  std::string pack_hash;

  void SetUp() override {
    dir = fs::temp_directory_path() / ("rivet-session-" + std::to_string(::getpid()) + "-" +
                                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
    fs::create_directories(dir);
    auto lib = session::ProcedureLibrary::load(kPack);
    ASSERT_TRUE(lib.ok()) << lib.error().describe();
    library = std::move(*lib);
    auto h = session::hashPack(kPack);
    ASSERT_TRUE(h.ok());
    pack_hash = *h;
    auto s = open();
    ASSERT_TRUE(s.addUser("jdupont", procedure::Role::Technician, "24681357", kT0).ok());
    ASSERT_TRUE(s.addUser("mmartin", procedure::Role::Trainer, "86427531", kT0).ok());
    ASSERT_TRUE(s.addUser("admin", procedure::Role::Admin, "99990000", kT0).ok());
  }
  void TearDown() override { fs::remove_all(dir); }

  records::Store open() {
    records::StoreOptions o;
    o.kdf.n = 1u << 10;
    auto s = records::Store::open((dir / "records.db").string(), o);
    EXPECT_TRUE(s.ok()) << s.error().describe();
    return std::move(*s);
  }
  session::TechnicianSession make(records::Store& store, std::vector<session::WorkOrder> orders = {}) {
    return session::TechnicianSession(store, library, std::move(orders), session::TechnicianOptions{pack_hash, "test"});
  }
  static procedure::Event ev(EventType type, std::string target = {}) {
    procedure::Event e;
    e.type = type;
    e.target = std::move(target);
    return e;
  }
  static procedure::TagSample tag(const std::string& id, double v, std::int64_t t) {
    return procedure::TagSample{id, v, procedure::Quality::Good, t};
  }
};

TEST(WorkOrders, CsvWithQuotesAndSemicolons) {
  auto o = session::parseWorkOrders(
      "Number;Asset;Procedure;Title\nOT-1;RC3;robot-cell3-loto;\"Lock out; then check\"\n\nOT-2;RC3;robot-cell3-gripper-fingers;x\n",
      "orders.csv");
  ASSERT_TRUE(o.ok()) << o.error().describe();
  ASSERT_EQ(o->size(), 2u);
  EXPECT_EQ((*o)[0].title, "Lock out; then check");
  EXPECT_EQ((*o)[1].procedure_id, "robot-cell3-gripper-fingers");
}

TEST(WorkOrders, JsonAndErrorsNameThePlace) {
  auto o = session::parseWorkOrders(R"({"work_orders":[{"number":"OT-9","asset":"RC3","procedure":"p","due":"2026-12-05"}]})",
                                    "orders.json");
  ASSERT_TRUE(o.ok()) << o.error().describe();
  EXPECT_EQ((*o)[0].due, "2026-12-05");
  auto bad = session::parseWorkOrders("number,asset,procedure\nOT-1,RC3,\n", "orders.csv");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().where, "orders.csv:2");
  auto nohead = session::parseWorkOrders("id,asset\n1,2\n", "o.csv");
  ASSERT_FALSE(nohead.ok());
  EXPECT_NE(nohead.error().message.find("number"), std::string::npos);
  auto dup = session::parseWorkOrders("number,procedure\n1,a\n1,b\n", "o.csv");
  EXPECT_FALSE(dup.ok());
  EXPECT_FALSE(session::parseWorkOrders("[{\"number\": 1", "o.json").ok());
}

TEST_F(Fixture, LoginRefusesWrongPinAndListsUsers) {
  auto store = open();
  auto s = make(store);
  EXPECT_EQ(s.users().size(), 3u);
  auto bad = s.login("jdupont", "0000", kT0);
  EXPECT_FALSE(bad.accepted);
  EXPECT_EQ(bad.outcome, "pin_wrong");
  EXPECT_EQ(s.stage(), Stage::Login);
  auto ok = s.login("jdupont", "24681357", kT0);
  EXPECT_TRUE(ok.accepted);
  EXPECT_EQ(s.stage(), Stage::Choose);
  EXPECT_EQ(s.user()->role, procedure::Role::Technician);
}

TEST_F(Fixture, GateDecidesOnJournaledValuesAndResumesAfterRestart) {
  std::int64_t t = kT0;
  {
    auto store = open();
    auto s = make(store, {{"OT-42", "RC3", "robot-cell3-loto", "", "", ""}});
    ASSERT_TRUE(s.login("jdupont", "24681357", t).accepted);
    auto started = s.startOrder("OT-42", t);
    ASSERT_TRUE(started.accepted) << started.message.en;
    EXPECT_EQ(s.workOrder(), "OT-42");
    EXPECT_EQ(s.engine()->currentStepId(), "notify");
    auto r = s.act(ev(EventType::Confirm), t += kSecond);
    ASSERT_TRUE(r.accepted);
    ASSERT_TRUE(r.ack.has_value());
    EXPECT_GT(r.ack->seq, 0);
    EXPECT_EQ(s.engine()->currentStepId(), "isolate");
    EXPECT_TRUE(s.act(ev(EventType::Confirm, "Q1"), t += kSecond).accepted);
    EXPECT_TRUE(s.act(ev(EventType::Confirm, "V3"), t += kSecond).accepted);
    ASSERT_EQ(s.engine()->currentStepId(), "zero-energy");
    // Air still up: the gate refuses, and the refusal is recorded.
    t += kSecond;
    s.observe(tag("robot.axis_speed", 0, t), t);
    s.observe(tag("cell.main_contactor", 0, t), t);
    s.observe(tag("cell.air_pressure", 6.0, t), t);
    auto blocked = s.act(ev(EventType::Confirm), t);
    EXPECT_TRUE(blocked.accepted);  // journaled: a refused gate attempt is part of the record
    EXPECT_EQ(blocked.outcome, "gate_blocked");
    EXPECT_EQ(s.engine()->currentStepId(), "zero-energy");
  }
  // Restart (as after a kill): logging in again resumes the open session at the same step.
  {
    auto store = open();
    auto s = make(store, {{"OT-42", "RC3", "robot-cell3-loto", "", "", ""}});
    auto r = s.login("jdupont", "24681357", t += kSecond);
    ASSERT_TRUE(r.accepted);
    EXPECT_EQ(r.outcome, "resumed");
    EXPECT_TRUE(s.resumed());
    EXPECT_EQ(s.stage(), Stage::Running);
    EXPECT_EQ(s.engine()->currentStepId(), "zero-energy");
    EXPECT_EQ(s.workOrder(), "OT-42");
    t += kSecond;
    s.observe(tag("robot.axis_speed", 0, t), t);
    s.observe(tag("cell.main_contactor", 0, t), t);
    s.observe(tag("cell.air_pressure", 0.02, t), t);
    auto open_gate = s.act(ev(EventType::Confirm), t);
    EXPECT_TRUE(open_gate.accepted) << open_gate.message.en;
    EXPECT_EQ(s.engine()->currentStepId(), "tryout");
    // The journal holds the values the gate decided on, before each decision.
    auto events = store.events(s.run()->session().id);
    ASSERT_TRUE(events.ok());
    int air_rows = 0;
    double last_air = -1;
    for (const auto& e : *events) {
      if (e.record.event.type == EventType::Tag && e.record.event.tag.tag == "cell.air_pressure") {
        ++air_rows;
        last_air = e.record.event.tag.value;
      }
    }
    EXPECT_EQ(air_rows, 2);
    EXPECT_DOUBLE_EQ(last_air, 0.02);
    // Stale values close the gate again on a later gate step: a value 10 s old is refused.
    EXPECT_TRUE(store.verify()->ok());
  }
}

TEST_F(Fixture, BadgeLoginLikePinLoginAndRefusalsSayLittle) {
  std::int64_t t = kT0;
  std::string badge;
  {
    auto store = open();
    auto issued = store.issueBadge("jdupont", t);
    ASSERT_TRUE(issued.ok()) << issued.error().describe();
    badge = *issued;
    auto s = make(store, {{"OT-42", "RC3", "robot-cell3-loto", "", "", ""}});
    auto ok = s.loginBadge(badge, t += kSecond);
    ASSERT_TRUE(ok.accepted) << ok.message.en;
    EXPECT_EQ(ok.outcome, "login");
    EXPECT_EQ(s.stage(), Stage::Choose);
    EXPECT_EQ(s.user()->name, "jdupont");
    EXPECT_EQ(s.loginBadge(badge, t).outcome, "rejected");  // someone is already logged in
    ASSERT_TRUE(s.startOrder("OT-42", t += kSecond).accepted);
    ASSERT_TRUE(s.act(ev(EventType::Confirm), t += kSecond).accepted);
    ASSERT_EQ(s.engine()->currentStepId(), "isolate");
    s.logout();

    // A wrong token (a forged or mistyped badge): refused, saying only that the badge is not valid.
    std::string forged = badge;
    forged.back() = forged.back() == '0' ? '1' : '0';
    auto wrong = s.loginBadge(forged, t += kSecond);
    EXPECT_FALSE(wrong.accepted);
    EXPECT_EQ(wrong.outcome, "badge_refused");
    EXPECT_EQ(wrong.message.en, "Badge not valid");
    EXPECT_EQ(wrong.message.fr, "Badge non valide");
    EXPECT_EQ(s.stage(), Stage::Login);
    // Other QR codes and badges of unknown users get the same words.
    EXPECT_EQ(s.loginBadge("https://example.com/", t += kSecond).message.en, "Badge not valid");
    EXPECT_EQ(s.loginBadge("RIVET-BADGE:1:nobody:" + badge.substr(badge.size() - 32), t += kSecond).message.en,
              "Badge not valid");
  }
  // After a restart, the badge resumes the open session like the PIN does.
  {
    auto store = open();
    auto s = make(store, {{"OT-42", "RC3", "robot-cell3-loto", "", "", ""}});
    auto r = s.loginBadge(badge, t += kSecond);
    ASSERT_TRUE(r.accepted) << r.message.en;
    EXPECT_EQ(r.outcome, "resumed");
    EXPECT_EQ(s.stage(), Stage::Running);
    EXPECT_EQ(s.engine()->currentStepId(), "isolate");
    s.logout();
    // Revoked (lost badge): refused the same way; the PIN still works.
    ASSERT_TRUE(store.revokeBadge("jdupont", t += kSecond).ok());
    auto revoked = s.loginBadge(badge, t += kSecond);
    EXPECT_FALSE(revoked.accepted);
    EXPECT_EQ(revoked.outcome, "badge_refused");
    EXPECT_EQ(revoked.message.en, "Badge not valid");
    EXPECT_TRUE(s.login("jdupont", "24681357", t += kSecond).accepted);
  }
}

TEST_F(Fixture, BadgeHeldToTheCameraCountsOnceAndLockoutIsSaid) {
  auto store = open();
  auto issued = store.issueBadge("mmartin", kT0);
  ASSERT_TRUE(issued.ok());
  std::string forged = *issued;
  forged.back() = forged.back() == 'a' ? 'b' : 'a';
  auto s = make(store);
  // The same wrong badge seen in 60 frames over two seconds is one failed attempt, not a lockout.
  std::int64_t t = kT0;
  for (int frame = 0; frame < 60; ++frame) EXPECT_EQ(s.loginBadge(forged, t += kSecond / 30).outcome, "badge_refused");
  auto good = s.loginBadge(*issued, t += kSecond / 30);
  ASSERT_TRUE(good.accepted) << good.message.en;
  s.logout();
  // Shown again after it was taken away, each showing counts: five lock the account, and the screen says so.
  for (int i = 0; i < 5; ++i) {
    t += session::TechnicianSession::kBadgeRetryNs + kSecond;
    (void)s.loginBadge(forged, t);
  }
  auto locked = s.loginBadge(*issued, t += kSecond);
  EXPECT_FALSE(locked.accepted);
  EXPECT_EQ(locked.outcome, "badge_refused");
  EXPECT_NE(locked.message.en.find("locked"), std::string::npos) << locked.message.en;
  EXPECT_NE(locked.message.fr.find("verrouillé"), std::string::npos);
  EXPECT_EQ(s.login("mmartin", "86427531", t += kSecond).outcome, "locked");
}

TEST_F(Fixture, SignOffNeedsAnAllowedSignerAndTheirPin) {
  auto store = open();
  auto s = make(store);
  ASSERT_TRUE(s.login("mmartin", "86427531", kT0).accepted);
  ASSERT_TRUE(s.startProcedure("robot-cell3-gripper-fingers", kT0).accepted);
  // Walk to the sign-off step by skipping through the engine with the actions each step needs.
  std::int64_t t = kT0;
  for (int guard = 0; guard < 60 && s.engine()->procedure().steps[static_cast<size_t>(s.engine()->currentIndex())].kind !=
                                        procedure::StepKind::SignOff;
       ++guard) {
    t += kSecond;
    const auto v = s.engine()->view(t);
    procedure::Event e;
    switch (v.kind) {
      case procedure::StepKind::Lockout:
        for (const auto& p : v.isolation_points) {
          if (!p.confirmed) {
            e.target = p.point.id;  // in the procedure's order
            break;
          }
        }
        break;
      case procedure::StepKind::Measurement:
        e.type = EventType::Value;
        e.value = v.measurement->nominal;
        break;
      case procedure::StepKind::TagGate:
        for (const auto& c : v.conditions) {
          const double value = c.condition.op == procedure::CompareOp::Le || c.condition.op == procedure::CompareOp::Lt
                                   ? c.condition.value - 0.05
                                   : c.condition.op == procedure::CompareOp::Eq ? c.condition.value : c.condition.value + 0.5;
          s.observe(tag(c.condition.tag, value, t), t);
        }
        break;
      default:
        break;
    }
    auto r = s.act(e, t);
    ASSERT_TRUE(r.accepted) << v.step_id << ": " << r.message.en;
  }
  // Trainer role may not sign this step (technician, admin); a technician with a wrong PIN is refused.
  const auto signers = s.signers();
  ASSERT_EQ(signers.size(), 2u);
  EXPECT_EQ(s.signOff("mmartin", "86427531", t).outcome, "rejected");
  EXPECT_EQ(s.signOff("jdupont", "0000", t).outcome, "pin_wrong");
  auto signed_ = s.signOff("jdupont", "24681357", t);
  EXPECT_TRUE(signed_.accepted) << signed_.message.en;
  EXPECT_NE(s.engine()->currentStepId(), "sign-off");
}

}  // namespace
