// Records store tests: roles and lockout, badges (issue, revoke, shared lockout, migration), durability and idempotence, tamper detection by verify, CMMS export.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <algorithm>
#include <cctype>
#include <random>
#include <sstream>

#include "rivet/records/run.hpp"
#include "rivet/records/store.hpp"

namespace rivet::records {
namespace {

using procedure::Event;
using procedure::EventType;
using procedure::Role;

constexpr std::int64_t kT0 = 1'780'000'000LL * 1'000'000'000LL;

StoreOptions fastKdf() {
  StoreOptions o;
  o.kdf.n = 1u << 10;  // keep unit tests fast; the default cost is tested once below
  return o;
}

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("rivet_records_" + std::to_string(::getpid()) + "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "records.db").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  Store open() {
    auto s = Store::open(path_, fastKdf());
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().describe());
    return std::move(s.value());
  }
  // Raw SQL as an attacker with file access would run it.
  void raw(const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    char* msg = nullptr;
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &msg);
    EXPECT_EQ(rc, SQLITE_OK) << (msg ? msg : "") << " in " << sql;
    sqlite3_free(msg);
    sqlite3_close(db);
  }
  int rawCount(const std::string& sql) {
    sqlite3* db = nullptr;
    sqlite3_open(path_.c_str(), &db);
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr);
    int n = -1;
    if (sqlite3_step(st) == SQLITE_ROW) n = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
  }

  // A finished session with a value, a check and a sign-off.
  std::int64_t seedSession(Store& store, const std::string& wo = "OT-2026-0042") {
    if (!store.findUser("jdupont")) {
      EXPECT_TRUE(store.addUser("jdupont", Role::Technician, "correct horse battery", kT0).ok());
    }
    SessionStart start{"jdupont", "robot-cell3-gripper-fingers", "2.0.1", std::string(64, 'a'), "RC3-ROB-01", wo, {}, {}, "start-" + wo};
    auto session = store.startSession(start, kT0 + 1);
    EXPECT_TRUE(session.ok());
    const std::int64_t id = session->id;
    Event v;
    v.type = EventType::Value;
    v.time_ns = kT0 + 2'000'000'000;
    v.value = 1.21;
    EXPECT_TRUE(store.appendEvent(id, {"e1", v, "in_tolerance", "torque", "opening", "N·m"}).ok());
    Event c;
    c.type = EventType::Confirm;
    c.time_ns = kT0 + 3'000'000'000;
    c.passed = false;
    EXPECT_TRUE(store.appendEvent(id, {"e2", c, "fail", "inspect-guides", "guides-worn", ""}).ok());
    Event s;
    s.type = EventType::SignOff;
    s.time_ns = kT0 + 4'000'000'000;
    s.user = "jdupont";
    s.role = Role::Technician;
    EXPECT_TRUE(store.appendEvent(id, {"e3", s, "signed", "sign-off", "", ""}).ok());
    EXPECT_TRUE(store.endSession(id, SessionStatus::Finished, kT0 + 5'000'000'000).ok());
    return id;
  }

  std::filesystem::path dir_;
  std::string path_;
};

TEST_F(StoreTest, UsersRolesAndHashedSecrets) {
  Store store = open();
  auto u = store.addUser("mmartin", Role::Trainer, "s3cret-phrase", kT0);
  ASSERT_TRUE(u.ok());
  EXPECT_FALSE(store.addUser("mmartin", Role::Admin, "another-phrase", kT0).ok());  // unique names
  EXPECT_FALSE(store.addUser("short", Role::Technician, "1234", kT0).ok());
  auto in = store.login("mmartin", "s3cret-phrase", kT0 + 1);
  ASSERT_TRUE(in.ok()) << in.error().describe();
  EXPECT_EQ(in->role, Role::Trainer);
  EXPECT_FALSE(store.login("mmartin", "S3cret-phrase", kT0 + 2).ok());
  EXPECT_FALSE(store.login("nobody", "s3cret-phrase", kT0 + 3).ok());
  // The secret is stored only as an scrypt hash.
  EXPECT_EQ(rawCount("SELECT count(*) FROM users WHERE secret LIKE '%s3cret%'"), 0);
  EXPECT_EQ(rawCount("SELECT count(*) FROM users WHERE secret LIKE 'scrypt$1024$8$1$%'"), 1);
}

TEST_F(StoreTest, LockoutAfterRepeatedFailures) {
  Store store = open();
  ASSERT_TRUE(store.addUser("trainee1", Role::Technician, "right-secret", kT0).ok());
  for (int i = 0; i < 4; ++i) EXPECT_FALSE(store.login("trainee1", "wrong-secret", kT0 + i).ok());
  EXPECT_TRUE(store.login("trainee1", "right-secret", kT0 + 10).ok());  // success resets the count
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(store.login("trainee1", "wrong-secret", kT0 + 20 + i).ok());
  auto locked = store.login("trainee1", "right-secret", kT0 + 30);
  ASSERT_FALSE(locked.ok());
  EXPECT_NE(locked.error().message.find("locked"), std::string::npos);
  // Still locked 14 minutes later, free after 15.
  EXPECT_FALSE(store.login("trainee1", "right-secret", kT0 + 24 + 14LL * 60 * 1'000'000'000).ok());
  EXPECT_TRUE(store.login("trainee1", "right-secret", kT0 + 25 + 15LL * 60 * 1'000'000'000).ok());
  for (int i = 0; i < 5; ++i) (void)store.login("trainee1", "wrong-secret", kT0 + 2'000'000'000'000 + i);
  EXPECT_FALSE(store.login("trainee1", "right-secret", kT0 + 2'000'000'000'100).ok());
  ASSERT_TRUE(store.unlockUser("trainee1", kT0 + 2'000'000'000'200).ok());
  EXPECT_TRUE(store.login("trainee1", "right-secret", kT0 + 2'000'000'000'300).ok());
  EXPECT_GE(rawCount("SELECT count(*) FROM journal WHERE kind = 'user_locked'"), 2);
}

TEST_F(StoreTest, DefaultKdfIsMemoryHardAndWorks) {
  auto s = Store::open(path_);
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE(s->addUser("admin", Role::Admin, "a long admin phrase", kT0).ok());
  EXPECT_TRUE(s->login("admin", "a long admin phrase", kT0 + 1).ok());
  EXPECT_EQ(rawCount("SELECT count(*) FROM users WHERE secret LIKE 'scrypt$32768$8$1$%'"), 1);
}

TEST_F(StoreTest, EventsAreIdempotentAndSurviveReopen) {
  std::int64_t id = 0;
  {
    Store store = open();
    id = seedSession(store);
    Event again;
    again.type = EventType::Confirm;
    auto dup = store.appendEvent(id, {"e2", again, "pass", "x", "y", ""});
    ASSERT_TRUE(dup.ok());
    EXPECT_TRUE(dup->duplicate);
  }
  Store store = open();
  auto events = store.events(id);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 3u);
  EXPECT_EQ((*events)[0].record.client_id, "e1");
  EXPECT_DOUBLE_EQ((*events)[0].record.event.value, 1.21);
  EXPECT_EQ((*events)[1].record.outcome, "fail");
  EXPECT_FALSE((*events)[1].record.event.passed);
  auto session = store.session(id);
  ASSERT_TRUE(session.has_value());
  EXPECT_EQ(session->status, SessionStatus::Finished);
  EXPECT_FALSE(store.findOpenSession("jdupont", "robot-cell3-gripper-fingers").has_value());
  SessionStart start{"jdupont", "robot-cell3-gripper-fingers", "2.0.1", "h", "RC3-ROB-01", "OT-2", {}, {}, ""};
  auto open_session = store.startSession(start, kT0 + 100);
  ASSERT_TRUE(open_session.ok());
  auto found = store.findOpenSession("jdupont", "robot-cell3-gripper-fingers");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->id, open_session->id);
  EXPECT_TRUE(store.verify()->ok());
}

TEST_F(StoreTest, JournalIsAppendOnlyInTheDatabase) {
  Store store = open();
  seedSession(store);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  EXPECT_NE(sqlite3_exec(db, "UPDATE journal SET value = 9 WHERE kind = 'event'", nullptr, nullptr, nullptr), SQLITE_OK);
  EXPECT_NE(sqlite3_exec(db, "DELETE FROM journal WHERE seq = 3", nullptr, nullptr, nullptr), SQLITE_OK);
  EXPECT_NE(sqlite3_exec(db, "UPDATE sessions SET work_order = 'x'", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  EXPECT_TRUE(store.verify()->ok());
}

// Tampering with the triggers dropped, as someone with the file and the sqlite3 shell could.
struct Tamper {
  const char* name;
  const char* sql;
  const char* expect;
};

class TamperTest : public StoreTest, public ::testing::WithParamInterface<Tamper> {};

TEST_P(TamperTest, VerifyDetects) {
  {
    Store store = open();
    seedSession(store, "OT-1");
    seedSession(store, "OT-2");
    auto clean = store.verify();
    ASSERT_TRUE(clean.ok());
    ASSERT_TRUE(clean->ok()) << clean->problems.front();
  }
  raw("DROP TRIGGER journal_no_update; DROP TRIGGER journal_no_delete; DROP TRIGGER sessions_no_update; "
      "DROP TRIGGER sessions_no_delete;");
  raw(GetParam().sql);
  Store store = open();
  auto report = store.verify();
  ASSERT_TRUE(report.ok());
  ASSERT_FALSE(report->ok()) << GetParam().name << " went unnoticed";
  std::string all;
  for (const auto& p : report->problems) all += p + "\n";
  EXPECT_NE(all.find(GetParam().expect), std::string::npos) << all;
}

INSTANTIATE_TEST_SUITE_P(
    Records, TamperTest,
    ::testing::Values(
        Tamper{"edited value", "UPDATE journal SET value = 1.25 WHERE client_id = 'e1' AND session_id = 1", "edited"},
        Tamper{"edited outcome", "UPDATE journal SET outcome = 'pass' WHERE client_id = 'e2' AND session_id = 2", "edited"},
        Tamper{"edited payload", "UPDATE journal SET payload = replace(payload, 'jdupont', 'boss') WHERE kind = 'event' AND event_type = 'sign_off'", "edited"},
        Tamper{"deleted middle row", "DELETE FROM journal WHERE client_id = 'e2' AND session_id = 1", "deleted"},
        Tamper{"deleted last row", "DELETE FROM journal WHERE seq = (SELECT max(seq) FROM journal)", "chain head"},
        Tamper{"reordered rows",
               "CREATE TEMP TABLE s AS SELECT seq, client_id FROM journal WHERE session_id = 1 AND client_id IN ('e1', 'e2');"
               "UPDATE journal SET seq = -seq WHERE session_id = 1 AND client_id IN ('e1', 'e2');"
               "UPDATE journal SET seq = (SELECT seq FROM s WHERE client_id = 'e2') WHERE session_id = 1 AND client_id = 'e1';"
               "UPDATE journal SET seq = (SELECT seq FROM s WHERE client_id = 'e1') WHERE session_id = 1 AND client_id = 'e2';",
               "previous row"},
        Tamper{"re-hashed edit",
               "UPDATE journal SET value = 1.25, hash = '0000' || substr(hash, 5) WHERE client_id = 'e1' AND session_id = 1",
               "previous row"},
        Tamper{"edited session", "UPDATE sessions SET work_order = 'OT-9' WHERE id = 1", "session 1 differs"},
        Tamper{"deleted session", "DELETE FROM sessions WHERE id = 2", "session 2 was deleted"},
        Tamper{"forged row appended",
               "INSERT INTO journal(seq, kind, session_id, client_id, time_ns, payload, prev_hash, hash) SELECT max(seq) + 1, "
               "'event', 1, 'forged', 0, '{}', (SELECT hash FROM journal ORDER BY seq DESC LIMIT 1), 'x' FROM journal",
               "edited"}));

TEST_F(StoreTest, ExportGivesOneRecordPerSession) {
  Store store = open();
  seedSession(store, "OT-2026-0042");
  seedSession(store, "OT, with comma");
  auto csv = store.exportSessions(ExportFormat::Csv);
  ASSERT_TRUE(csv.ok());
  std::istringstream lines(*csv);
  std::string header, first, second, extra;
  std::getline(lines, header);
  std::getline(lines, first);
  std::getline(lines, second);
  EXPECT_FALSE(std::getline(lines, extra));
  EXPECT_EQ(header.rfind("session_id,work_order,asset_id,procedure_id,procedure_version,pack_hash,technician", 0), 0u);
  EXPECT_NE(first.find("OT-2026-0042,RC3-ROB-01,robot-cell3-gripper-fingers,2.0.1"), std::string::npos) << first;
  EXPECT_NE(first.find("torque=1.21 N·m (in_tolerance)"), std::string::npos) << first;
  EXPECT_NE(first.find("inspect-guides=fail"), std::string::npos) << first;
  EXPECT_NE(first.find("sign-off=jdupont (technician)"), std::string::npos) << first;
  EXPECT_NE(first.find(",finished,"), std::string::npos) << first;
  EXPECT_NE(second.find("\"OT, with comma\""), std::string::npos) << second;

  auto json = store.exportSessions(ExportFormat::Json);
  ASSERT_TRUE(json.ok());
  EXPECT_NE(json->find("\"pack_hash\":\"" + std::string(64, 'a') + "\""), std::string::npos);
  EXPECT_NE(json->find("\"start_utc\":\"2026-05-28T"), std::string::npos) << json->substr(0, 600);
  EXPECT_NE(json->find("\"role\":\"technician\""), std::string::npos);
  EXPECT_EQ(std::count(json->begin(), json->end(), '\n'), 4);  // "[", two records, "]"
}

TEST_F(StoreTest, TrainingHistoryShowsSkillTransfer) {
  Store store = open();
  ASSERT_TRUE(store.addUser("trainee1", Role::Technician, "trainee-secret", kT0).ok());
  const double scores[] = {55, 73, 91};
  for (int i = 0; i < 3; ++i) {
    SessionStart st{"trainee1", "robot-cell3-gripper-fingers-training", "1.0.0", "h", "RC3-ROB-01", "", procedure::Mode::Training, {"air-not-bled"}, ""};
    auto s = store.startSession(st, kT0 + i * 1000);
    ASSERT_TRUE(s.ok());
    procedure::Score score;
    score.score = scores[i];
    score.passed = scores[i] >= 80;
    ASSERT_TRUE(store.recordTraining(s->id, score, kT0 + i * 1000 + 500).ok());
    EXPECT_FALSE(store.recordTraining(s->id, score, kT0 + i * 1000 + 600).ok());  // once per attempt
  }
  auto h = store.trainingHistory("trainee1", "robot-cell3-gripper-fingers-training");
  ASSERT_TRUE(h.ok());
  ASSERT_EQ(h->attempts.size(), 3u);
  EXPECT_DOUBLE_EQ(h->skill_transfer, 36.0);
  EXPECT_NEAR(h->pass_rate, 1.0 / 3.0, 1e-12);
  EXPECT_EQ(store.session(h->attempts[0].session_id)->info.faults, std::vector<std::string>{"air-not-bled"});
  EXPECT_TRUE(store.verify()->ok());
}

TEST_F(StoreTest, RandomAppendsAreNeverLostOrDuplicated) {
  std::mt19937_64 rng(7);
  std::vector<std::pair<std::string, double>> acked;
  std::int64_t id = 0;
  {
    Store store = open();
    ASSERT_TRUE(store.addUser("u1", Role::Technician, "password-1", kT0).ok());
    id = store.startSession({"u1", "p", "1", "h", "a", "", {}, {}, ""}, kT0)->id;
  }
  for (int round = 0; round < 5; ++round) {
    Store store = open();
    for (int i = 0; i < 40; ++i) {
      // Sometimes resend an already acknowledged id, as a restarted driver does.
      const bool resend = !acked.empty() && rng() % 4 == 0;
      const std::string cid = resend ? acked[rng() % acked.size()].first : "c" + std::to_string(acked.size());
      Event e;
      e.type = EventType::Value;
      e.time_ns = kT0 + static_cast<std::int64_t>(acked.size());
      e.value = static_cast<double>(rng() % 1000) / 10.0;
      auto ack = store.appendEvent(id, {cid, e, "in_tolerance", "s", "t", "mm"});
      ASSERT_TRUE(ack.ok());
      EXPECT_EQ(ack->duplicate, resend);
      if (!resend) acked.emplace_back(cid, e.value);
    }
  }
  Store store = open();
  auto events = store.events(id);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), acked.size());
  for (std::size_t i = 0; i < acked.size(); ++i) {
    EXPECT_EQ((*events)[i].record.client_id, acked[i].first);
    EXPECT_DOUBLE_EQ((*events)[i].record.event.value, acked[i].second);
  }
  EXPECT_TRUE(store.verify()->ok());
}

TEST_F(StoreTest, RecordedRunResumesAndClosesTheSession) {
  const char* yaml = "id: mini\nversion: '1'\ntitle: {en: M, fr: M}\nsteps:\n"
                     "  - {id: a, kind: instruction, title: {en: A, fr: A}, text: {en: A, fr: A}}\n"
                     "  - {id: m, kind: measurement, title: {en: M, fr: M}, text: {en: M, fr: M},"
                     " measurement: {unit: mm, nominal: 10, min: 9, max: 11}}\n"
                     "  - {id: s, kind: sign_off, roles: [technician], title: {en: S, fr: S}, text: {en: S, fr: S}}\n";
  auto p = procedure::parseProcedure(yaml, "mini.yaml");
  ASSERT_TRUE(p.ok());
  Store store = open();
  ASSERT_TRUE(store.addUser("jdupont", Role::Technician, "correct horse battery", kT0).ok());
  SessionStart start{"jdupont", "", "", "hash-1", "", "OT-7", {}, {}, "start-1"};
  Event confirm;
  confirm.type = EventType::Confirm;
  confirm.time_ns = kT0 + 1;
  {
    auto run = RecordedRun::startOrResume(store, p.value(), start, kT0);
    ASSERT_TRUE(run.ok()) << run.error().describe();
    EXPECT_FALSE(run->resumed());
    auto a = run->apply(confirm, "c1");
    ASSERT_TRUE(a.ok());
    EXPECT_EQ(a->transition.to_step, "m");
    EXPECT_TRUE(run->apply(confirm, "c1")->ack.duplicate);
    EXPECT_EQ(run->engine().currentStepId(), "m");
  }
  // Another pack (hash) must not resume this session.
  SessionStart other = start;
  other.pack_hash = "hash-2";
  EXPECT_FALSE(RecordedRun::startOrResume(store, p.value(), other, kT0 + 2).ok());
  auto run = RecordedRun::startOrResume(store, p.value(), start, kT0 + 3);
  ASSERT_TRUE(run.ok());
  EXPECT_TRUE(run->resumed());
  EXPECT_EQ(run->replayedEvents(), 1u);
  EXPECT_EQ(run->engine().currentStepId(), "m");
  EXPECT_TRUE(run->apply(confirm, "c1")->ack.duplicate);
  Event v;
  v.type = EventType::Value;
  v.time_ns = kT0 + 4;
  v.value = 10.2;
  EXPECT_EQ(run->apply(v, "v1")->transition.outcome, "in_tolerance");
  Event sign;
  sign.type = EventType::SignOff;
  sign.time_ns = kT0 + 5;
  sign.user = "jdupont";
  auto last = run->apply(sign, "s1");
  ASSERT_TRUE(last.ok());
  EXPECT_TRUE(last->session_ended);
  EXPECT_EQ(store.session(run->session().id)->status, SessionStatus::Finished);
  auto events = store.events(run->session().id);
  ASSERT_EQ(events->size(), 3u);
  EXPECT_EQ((*events)[1].record.unit, "mm");
  EXPECT_TRUE(store.verify()->ok());
}

TEST_F(StoreTest, BadgeLoginIssueReissueAndRevoke) {
  Store store = open();
  ASSERT_TRUE(store.addUser("jdupont", Role::Technician, "correct horse battery", kT0).ok());
  EXPECT_FALSE(store.issueBadge("nobody", kT0).ok());
  auto badge = store.issueBadge("jdupont", kT0 + 1);
  ASSERT_TRUE(badge.ok()) << badge.error().describe();
  const std::string prefix = "RIVET-BADGE:1:jdupont:";
  ASSERT_EQ(badge->rfind(prefix, 0), 0u) << *badge;
  const std::string token = badge->substr(prefix.size());
  ASSERT_EQ(token.size(), 32u);
  EXPECT_EQ(token.find_first_not_of("0123456789abcdef"), std::string::npos);
  auto in = store.loginBadge(*badge, kT0 + 2);
  ASSERT_TRUE(in.ok()) << in.error().describe();
  EXPECT_EQ(in->name, "jdupont");
  EXPECT_EQ(in->role, Role::Technician);
  // Scanners may add a line end; hex case does not matter.
  EXPECT_TRUE(store.loginBadge(*badge + "\r\n", kT0 + 3).ok());
  std::string upper = *badge;
  std::transform(upper.begin() + static_cast<std::ptrdiff_t>(prefix.size()), upper.end(),
                 upper.begin() + static_cast<std::ptrdiff_t>(prefix.size()), [](unsigned char c) { return std::toupper(c); });
  EXPECT_TRUE(store.loginBadge(upper, kT0 + 4).ok());
  // Only a hash of the token is stored, and the badge is not the PIN (nor the PIN a badge).
  EXPECT_EQ(rawCount("SELECT count(*) FROM badges WHERE token_hash LIKE '%" + token + "%'"), 0);
  EXPECT_EQ(rawCount("SELECT count(*) FROM badges WHERE token_hash LIKE 'sha256$%' AND revoked_ns = 0"), 1);
  EXPECT_FALSE(store.login("jdupont", token, kT0 + 5).ok());
  EXPECT_FALSE(store.login("jdupont", *badge, kT0 + 6).ok());
  EXPECT_TRUE(store.login("jdupont", "correct horse battery", kT0 + 7).ok());  // resets the failure count

  // Malformed payloads: a clear error, nothing journaled (there is no user to count against).
  const int rows = rawCount("SELECT count(*) FROM journal");
  for (const std::string& bad : {std::string(), std::string("hello"), std::string("RIVET-BADGE:1:"), "RIVET-BADGE:1::" + token,
                                "RIVET-BADGE:2:jdupont:" + token, prefix + token.substr(1), prefix + token + "00",
                                prefix + "zz" + token.substr(2), "rivet-badge:1:jdupont:" + token}) {
    auto r = store.loginBadge(bad, kT0 + 10);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.error().message.find("not a Rivet badge"), std::string::npos) << bad << ": " << r.error().message;
  }
  EXPECT_EQ(rawCount("SELECT count(*) FROM journal"), rows);
  auto unknown = store.loginBadge("RIVET-BADGE:1:nobody:" + token, kT0 + 11);
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message.find("unknown user"), std::string::npos);
  std::string forged = *badge;
  forged.back() = forged.back() == '0' ? '1' : '0';
  auto wrong = store.loginBadge(forged, kT0 + 12);
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.error().message.find("badge not valid"), std::string::npos);

  // A new badge revokes the previous one.
  auto second = store.issueBadge("jdupont", kT0 + 20);
  ASSERT_TRUE(second.ok());
  EXPECT_NE(*second, *badge);
  auto old = store.loginBadge(*badge, kT0 + 21);
  ASSERT_FALSE(old.ok());
  EXPECT_NE(old.error().message.find("revoked"), std::string::npos) << old.error().message;
  EXPECT_TRUE(store.loginBadge(*second, kT0 + 22).ok());
  EXPECT_EQ(rawCount("SELECT count(*) FROM badges"), 2);
  EXPECT_EQ(rawCount("SELECT count(*) FROM badges WHERE revoked_ns = 0"), 1);
  // Revocation (lost badge), once.
  ASSERT_TRUE(store.revokeBadge("jdupont", kT0 + 30).ok());
  auto revoked = store.loginBadge(*second, kT0 + 31);
  ASSERT_FALSE(revoked.ok());
  EXPECT_NE(revoked.error().message.find("revoked"), std::string::npos);
  auto again = store.revokeBadge("jdupont", kT0 + 32);
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.error().message.find("no badge"), std::string::npos);
  EXPECT_FALSE(store.revokeBadge("nobody", kT0 + 33).ok());
  EXPECT_TRUE(store.login("jdupont", "correct horse battery", kT0 + 34).ok());  // the PIN is untouched

  // A user name may hold ':' (the token follows the last one).
  ASSERT_TRUE(store.addUser("site:a", Role::Trainer, "another phrase", kT0 + 40).ok());
  auto colon = store.issueBadge("site:a", kT0 + 41);
  ASSERT_TRUE(colon.ok());
  auto colon_in = store.loginBadge(*colon, kT0 + 42);
  ASSERT_TRUE(colon_in.ok()) << colon_in.error().describe();
  EXPECT_EQ(colon_in->name, "site:a");

  EXPECT_EQ(rawCount("SELECT count(*) FROM journal WHERE kind = 'badge_issued'"), 3);
  EXPECT_EQ(rawCount("SELECT count(*) FROM journal WHERE kind = 'badge_revoked'"), 1);
  EXPECT_EQ(rawCount("SELECT count(*) FROM journal WHERE payload LIKE '%" + token + "%'"), 0);
  EXPECT_TRUE(store.verify()->ok());
}

TEST_F(StoreTest, BadgeAndPinFailuresShareTheLockout) {
  Store store = open();
  ASSERT_TRUE(store.addUser("trainee1", Role::Technician, "right-secret", kT0).ok());
  auto badge = store.issueBadge("trainee1", kT0);
  ASSERT_TRUE(badge.ok());
  std::string forged = *badge;
  forged.back() = forged.back() == 'a' ? 'b' : 'a';
  // A good badge resets the count like a good PIN.
  for (int i = 0; i < 4; ++i) EXPECT_FALSE(store.login("trainee1", "wrong-secret", kT0 + 1 + i).ok());
  EXPECT_TRUE(store.loginBadge(*badge, kT0 + 10).ok());
  for (int i = 0; i < 4; ++i) EXPECT_FALSE(store.loginBadge(forged, kT0 + 11 + i).ok());
  EXPECT_TRUE(store.login("trainee1", "right-secret", kT0 + 20).ok());
  // Three wrong PINs and two wrong badges lock the account for both ways in.
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(store.login("trainee1", "wrong-secret", kT0 + 30 + i).ok());
  EXPECT_FALSE(store.loginBadge(forged, kT0 + 40).ok());
  auto now_locked = store.loginBadge(forged, kT0 + 41);
  ASSERT_FALSE(now_locked.ok());
  EXPECT_NE(now_locked.error().message.find("now locked"), std::string::npos) << now_locked.error().message;
  auto locked = store.loginBadge(*badge, kT0 + 50);
  ASSERT_FALSE(locked.ok());
  EXPECT_NE(locked.error().message.find("locked"), std::string::npos);
  EXPECT_FALSE(store.login("trainee1", "right-secret", kT0 + 51).ok());
  // Revoked badges count too.
  ASSERT_TRUE(store.unlockUser("trainee1", kT0 + 60).ok());
  auto fresh = store.issueBadge("trainee1", kT0 + 61);
  ASSERT_TRUE(fresh.ok());
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(store.loginBadge(*badge, kT0 + 70 + i).ok());
  EXPECT_FALSE(store.loginBadge(*fresh, kT0 + 80).ok());
  EXPECT_TRUE(store.loginBadge(*fresh, kT0 + 81 + 15LL * 60 * 1'000'000'000).ok());  // free after 15 minutes
  EXPECT_GE(rawCount("SELECT count(*) FROM journal WHERE kind = 'user_locked'"), 2);
  EXPECT_GE(rawCount("SELECT count(*) FROM journal WHERE kind = 'login_refused_locked' AND payload LIKE '%badge%'"), 2);
  EXPECT_TRUE(store.verify()->ok());
}

TEST_F(StoreTest, DatabaseFromBeforeBadgesIsMigratedOnOpen) {
  {
    Store store = open();
    ASSERT_TRUE(store.addUser("jdupont", Role::Technician, "correct horse battery", kT0).ok());
    seedSession(store);
  }
  // Back to schema 1, as written by a build without badges.
  raw("DROP TABLE badges; UPDATE meta SET value = 'rivet-records 1' WHERE key = 'schema'");
  ASSERT_EQ(rawCount("SELECT count(*) FROM sqlite_master WHERE name = 'badges'"), 0);
  Store store = open();
  EXPECT_EQ(rawCount("SELECT count(*) FROM meta WHERE key = 'schema' AND value = 'rivet-records 3'"), 1);
  EXPECT_EQ(store.device().id.size(), 36u);  // schema 3: the fleet device id, drawn on the first open
  EXPECT_TRUE(store.login("jdupont", "correct horse battery", kT0 + 100).ok());
  auto badge = store.issueBadge("jdupont", kT0 + 101);
  ASSERT_TRUE(badge.ok()) << badge.error().describe();
  EXPECT_TRUE(store.loginBadge(*badge, kT0 + 102).ok());
  EXPECT_EQ(store.exportSessions(ExportFormat::Json)->find("OT-2026-0042") != std::string::npos, true);
  EXPECT_TRUE(store.verify()->ok());
}

TEST_F(StoreTest, DeviceIdentityPinsAndTheJournalAsOutbox) {
  std::string id;
  {
    Store store = open();
    id = store.device().id;
    ASSERT_EQ(id.size(), 36u);
    EXPECT_EQ(id[14], '4');  // UUID version 4
    ASSERT_TRUE(store.addUser("jdupont", Role::Technician, "correct horse battery", kT0).ok());
    seedSession(store);
    ASSERT_TRUE(store.setDeviceLabels("headset-07", "lyon", kT0 + 10).ok());
    EXPECT_FALSE(store.setDeviceLabels("two\nlines", "lyon", kT0 + 11).ok());
    ASSERT_TRUE(store.pinPack(PackPin{"robot-cell", "1.2.0", "sha256:" + std::string(64, 'a'), kT0 + 20}).ok());
    ASSERT_TRUE(store.pinPack(PackPin{"robot-cell", "1.3.0", "sha256:" + std::string(64, 'b'), kT0 + 21}).ok());
    EXPECT_FALSE(store.pinPack(PackPin{"robot-cell", "", "x", kT0}).ok());
  }
  // The id stays with the database; another database gets another one.
  Store store = open();
  EXPECT_EQ(store.device().id, id);
  EXPECT_EQ(store.device().name, "headset-07");
  EXPECT_EQ(store.device().site, "lyon");
  auto other = Store::open((dir_ / "other.db").string(), fastKdf());
  ASSERT_TRUE(other.ok());
  EXPECT_NE(other->device().id, id);

  // One pin per pack id (the latest); every change is a journal row, so it reaches the server with the rest.
  ASSERT_EQ(store.packPins().size(), 1u);
  EXPECT_EQ(store.findPackPin("robot-cell")->version, "1.3.0");
  EXPECT_FALSE(store.findPackPin("other").has_value());
  EXPECT_FALSE(store.unpinPack("other", kT0 + 30).ok());
  ASSERT_TRUE(store.unpinPack("robot-cell", kT0 + 31).ok());
  EXPECT_TRUE(store.packPins().empty());
  EXPECT_EQ(rawCount("SELECT count(*) FROM journal WHERE kind IN ('pack_pinned', 'pack_unpinned', 'device_labelled')"), 4);

  // The journal read back for sync: contiguous sequence, each row chaining on the one before and hashing to its hash.
  auto head = store.journalHead();
  ASSERT_TRUE(head.ok());
  auto rows = store.journalRows(0, 1000);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(static_cast<std::int64_t>(rows->size()), head->seq);
  std::string prev(kGenesisHash);
  for (std::size_t i = 0; i < rows->size(); ++i) {
    const auto& r = (*rows)[i];
    EXPECT_EQ(r.seq, static_cast<std::int64_t>(i + 1));
    EXPECT_EQ(r.prev_hash, prev);
    EXPECT_EQ(r.computeHash(), r.hash);
    prev = r.hash;
  }
  EXPECT_EQ(prev, head->hash);
  auto tail = store.journalRows(head->seq - 2, 10);
  ASSERT_EQ(tail->size(), 2u);
  EXPECT_EQ(tail->back().seq, head->seq);
  EXPECT_TRUE(store.journalRows(head->seq, 10)->empty());
  // A measured value is hashed as its %.17g text.
  bool saw_value = false;
  for (const auto& r : *rows) {
    if (r.value) {
      saw_value = true;
      EXPECT_NE(r.canonical().find(std::to_string(r.valueText()->size()) + ":" + *r.valueText()), std::string::npos);
    }
  }
  EXPECT_TRUE(saw_value);

  // The acknowledged mark per server: a cache, updated in place.
  EXPECT_TRUE(store.syncMarks().empty());
  ASSERT_TRUE(store.saveSyncMark(SyncMark{"fleet-1", "u@h:5432/rivet", 5, "abc", kT0, "", 0}).ok());
  ASSERT_TRUE(store.saveSyncMark(SyncMark{"fleet-1", "u@h:5432/rivet", 9, "def", kT0 + 1, "", 0}).ok());
  ASSERT_EQ(store.syncMarks().size(), 1u);
  EXPECT_EQ(store.syncMarks()[0].acked_seq, 9);
  EXPECT_FALSE(store.saveSyncMark(SyncMark{}).ok());
  EXPECT_TRUE(store.verify()->ok());
}

TEST_F(StoreTest, BadFilesGetClearErrors) {
  {
    std::ofstream f(path_);
    f << "this is not a database, just text that is long enough to be read as a header..........................";
  }
  auto s = Store::open(path_);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().where, path_);
  auto missing = Store::open((dir_ / "no/such/dir/r.db").string());
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().hint.find("folder"), std::string::npos);
}

}  // namespace
}  // namespace rivet::records
