// Unit tests for the technician session (login, work orders, gates journaled with their values, resume, sign-off).
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
