// Fleet sync against a real PostgreSQL of the test's own: idempotent re-push, resume after kill -9 mid-batch, chain
// refusals (tampered row, gap, fork) with the device flagged, append-only server, TLS verify-full, pack pins.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "../common/run_command.hpp"
#include "../tags/broker_fixture.hpp"
#include "device_shift.hpp"
#include "pg_fixture.hpp"
#include "rivet/content/model_file.hpp"
#include "rivet/content/pack_signature.hpp"
#include "rivet/fleet/pins.hpp"
#include "rivet/fleet/server.hpp"
#include "rivet/fleet/sync.hpp"

namespace rivet::fleet {
namespace {

namespace fs = std::filesystem;
using pgtest::PgClient;
using pgtest::PgServer;
using test::runCommand;

constexpr std::int64_t kT0 = 1'780'000'000LL * 1'000'000'000LL;

ServerOptions at(const std::string& url) {
  ServerOptions o;
  o.url = url;
  return o;
}
const char* kPin = "24681357";

std::string sh(const std::string& s) { return "'" + s + "'"; }

class Fleet : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(pgtest::makeTempDir("rivet-fleet"));
    pki_ = new tags::livetest::TestPki([] {
      fs::create_directories(*dir_ / "pki");
      return *dir_ / "pki";
    }());
    server_ = new PgServer(*dir_, {"-c", "ssl=on", "-c", "ssl_cert_file=" + pki_->server_cert.string(), "-c",
                                   "ssl_key_file=" + pki_->server_key.string()});
    auto init = initServer(at(server_->adminUrl()));
    ASSERT_TRUE(init.ok()) << init.error().describe();
    server_->addDeviceRole("site_lyon", "lyon-secret");
    server_->addDeviceRole("site_lille", "lille-secret");
  }
  static void TearDownTestSuite() {
    delete server_;
    delete pki_;
    fs::remove_all(*dir_);
    delete dir_;
  }

  // A new device database with a user (PIN + badge) and `hours` of journaled work.
  fs::path makeDevice(const std::string& name, double hours = 0.25, unsigned seed = 1) {
    const fs::path db = *dir_ / (name + ".db");
    records::StoreOptions o;
    o.kdf.n = 1u << 10;
    o.durable = false;
    auto store = records::Store::open(db.string(), o);
    EXPECT_TRUE(store.ok());
    EXPECT_TRUE(store->addUser("jdupont", procedure::Role::Technician, kPin, kT0).ok());
    auto badge = store->issueBadge("jdupont", kT0);
    EXPECT_TRUE(badge.ok());
    badge_ = *badge;
    EXPECT_TRUE(store->setDeviceLabels(name, "lyon", kT0).ok());
    testing::ShiftOptions shift;
    shift.duration_ns = static_cast<std::int64_t>(hours * 3600e9);
    shift.seed = seed;
    testing::journalShift(*store, shift);
    return db;
  }
  static records::Store openDb(const fs::path& db) {
    auto s = records::Store::open(db.string());
    EXPECT_TRUE(s.ok());
    return std::move(*s);
  }
  static SyncOptions options(const std::string& role = "site_lyon", std::size_t batch = 1000) {
    SyncOptions o;
    o.server.url = server_->url(role);
    o.batch_rows = batch;
    o.app_version = "test";
    return o;
  }
  // Every row of the device on the server equals the device's own, exactly once.
  static void expectServerHolds(const fs::path& db) {
    auto store = openDb(db);
    const auto head = store.journalHead().value();
    const auto rows = store.journalRows(0, static_cast<std::size_t>(head.seq) + 1).value();
    PgClient admin(server_->adminUrl());
    auto r = admin.exec("SELECT device_seq, hash FROM rivet_fleet.journal WHERE device_id = $1 ORDER BY device_seq",
                        {store.device().id});
    ASSERT_EQ(r.rows(), static_cast<int>(rows.size()));
    for (int i = 0; i < r.rows(); ++i) {
      ASSERT_EQ(r.at(i, 0), std::to_string(rows[static_cast<std::size_t>(i)].seq));
      ASSERT_EQ(r.at(i, 1), rows[static_cast<std::size_t>(i)].hash);
    }
    EXPECT_EQ(admin.one("SELECT head_seq FROM rivet_fleet.devices WHERE device_id = $1", {store.device().id}),
              std::to_string(head.seq));
  }
  static std::string rowsJson(const std::vector<records::JournalRow>& rows) {
    std::string out = "[";
    for (const auto& r : rows) {
      auto q = [](const std::optional<std::string>& s) {
        if (!s) return std::string("null");
        std::string o = "\"";
        for (char c : *s) {
          if (c == '"' || c == '\\') o += '\\';
          o += c;
        }
        return o + "\"";
      };
      out += std::string(out.size() > 1 ? "," : "") + "{\"seq\":" + std::to_string(r.seq) + ",\"kind\":" + q(r.kind) +
             ",\"session_id\":" + (r.session_id ? std::to_string(*r.session_id) : "null") +
             ",\"client_id\":" + q(r.client_id) + ",\"time_ns\":" + std::to_string(r.time_ns) + ",\"user\":" + q(r.user) +
             ",\"step_id\":" + q(r.step_id) + ",\"event_type\":" + q(r.event_type) + ",\"outcome\":" + q(r.outcome) +
             ",\"to_step\":" + q(r.to_step) + ",\"value\":" + q(r.valueText()) + ",\"unit\":" + q(r.unit) +
             ",\"payload\":" + q(r.payload) + ",\"prev_hash\":" + q(r.prev_hash) + ",\"hash\":" + q(r.hash) + "}";
    }
    return out + "]";
  }
  static std::string cli() { return RIVET_SYNC; }

  static fs::path* dir_;
  static tags::livetest::TestPki* pki_;
  static PgServer* server_;
  std::string badge_;
};
fs::path* Fleet::dir_ = nullptr;
tags::livetest::TestPki* Fleet::pki_ = nullptr;
PgServer* Fleet::server_ = nullptr;

TEST_F(Fleet, InitServerIsIdempotentAndUrlsNeverHoldPasswords) {
  auto again = initServer(at(server_->adminUrl()));
  ASSERT_TRUE(again.ok()) << again.error().describe();
  EXPECT_FALSE(again->created);
  auto cmd = runCommand(cli() + " init-server " + sh(server_->adminUrl()));
  EXPECT_EQ(cmd.code, 0) << cmd.out;
  EXPECT_NE(cmd.out.find("checked and migrated the fleet schema 1"), std::string::npos) << cmd.out;
  EXPECT_NE(cmd.out.find(again->fleet_id), std::string::npos);

  // A password in the URL is refused before anything is sent, by the library and the CLI.
  const std::string with_pw = "postgresql://site_lyon:lyon-secret@127.0.0.1:" + std::to_string(server_->port()) + "/rivet";
  auto shown = describeServer(at(with_pw));
  ASSERT_FALSE(shown.ok());
  EXPECT_NE(shown.error().message.find("holds a password"), std::string::npos);
  EXPECT_NE(shown.error().hint.find("PGPASSFILE"), std::string::npos);
  const fs::path db = makeDevice("pw-check", 0.01);
  cmd = runCommand(cli() + " push --db " + sh(db) + " --server " + sh(with_pw));
  EXPECT_EQ(cmd.code, 2) << cmd.out;
  EXPECT_NE(cmd.out.find("holds a password"), std::string::npos) << cmd.out;
  cmd = runCommand(cli() + " push --db " + sh(db) + " --server " + sh("host=127.0.0.1 password=x dbname=rivet"));
  EXPECT_EQ(cmd.code, 2) << cmd.out;

  // A wrong password (from the password file) is named as such, not retried as if the server were down.
  PgClient(server_->adminUrl()).exec("CREATE ROLE no_pass_role LOGIN PASSWORD 'the-real-one' IN ROLE rivet_device");
  cmd = runCommand(cli() + " push --db " + sh(db) + " --server " + sh(server_->url("no_pass_role")));
  EXPECT_EQ(cmd.code, 2) << cmd.out;
  EXPECT_NE(cmd.out.find("PGPASSFILE"), std::string::npos) << cmd.out;
}

TEST_F(Fleet, PushIsIdempotentResumableAndSendsNoSecret) {
  const fs::path db = makeDevice("headset-01", 1.0, 11);  // one training session in four
  const auto head = openDb(db).journalHead().value();
  ASSERT_GT(head.seq, 100);

  // Small batches, so the push is several server transactions.
  auto syncer = Syncer::open(db, options("site_lyon", 37));
  ASSERT_TRUE(syncer.ok()) << syncer.error().describe();
  auto r = syncer->push();
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_EQ(r->accepted, head.seq);
  EXPECT_EQ(r->server_head, head.seq);
  EXPECT_EQ(r->batches, static_cast<int>((head.seq + 36) / 37));
  expectServerHolds(db);

  // Nothing new: nothing sent. A new syncer (no memory of the last push) resumes from the server's mark.
  r = syncer->push();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->accepted, 0);
  EXPECT_EQ(r->batches, 0);
  auto fresh = Syncer::open(db, options());
  ASSERT_TRUE(fresh.ok());
  r = fresh->push();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->accepted, 0);

  // An acknowledgement lost on the way: the device sends rows the server already holds. They are recognised by
  // (device, sequence) and hash, stored once, and the device is not flagged.
  auto store = openDb(db);
  const std::string device = store.device().id;
  const auto rows = store.journalRows(0, 500).value();
  PgClient lyon(server_->url("site_lyon"));
  auto again = lyon.exec("SELECT head_seq, accepted, duplicates, refused FROM rivet_fleet.push($1::uuid, $2::jsonb)",
                         {device, rowsJson(rows)});
  EXPECT_EQ(again.at(0, 0), std::to_string(head.seq));
  EXPECT_EQ(again.at(0, 1), "0");
  EXPECT_EQ(again.at(0, 2), std::to_string(rows.size()));
  EXPECT_TRUE(again.null(0, 3));
  expectServerHolds(db);

  // New work after the push goes out with the next one.
  testing::ShiftOptions more;
  more.start_ns = kT0 + 7200LL * 1'000'000'000LL;
  more.duration_ns = 600LL * 1'000'000'000LL;
  more.seed = 99;
  const auto added = testing::journalShift(store, more);
  ASSERT_GT(added.rows, 0);
  r = syncer->push();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->accepted, added.rows);
  expectServerHolds(db);

  // The server's projections: the device's user (no secret), its sessions, training results.
  PgClient admin(server_->adminUrl());
  EXPECT_EQ(admin.one("SELECT role FROM rivet_fleet.users WHERE device_id = $1 AND name = 'jdupont'", {device}), "technician");
  EXPECT_EQ(admin.one("SELECT count(*) FROM rivet_fleet.session_status WHERE device_id = $1 AND status = 'finished'", {device}),
            admin.one("SELECT count(*) FROM rivet_fleet.journal WHERE device_id = $1 AND kind = 'session_end'", {device}));
  EXPECT_NE(admin.one("SELECT count(*) FROM rivet_fleet.training WHERE device_id = $1 AND procedure_id <> ''", {device}), "0");
  EXPECT_EQ(admin.one("SELECT name || '/' || site FROM rivet_fleet.devices WHERE device_id = $1", {device}), "headset-01/lyon");

  // Never a PIN hash or a badge token on the server: the whole database, dumped, holds neither.
  auto dump = runCommand((server_->binDir() / "pg_dump").string() + " --data-only " + sh(server_->adminUrl()), false);
  ASSERT_EQ(dump.code, 0);
  EXPECT_NE(dump.out.find(device), std::string::npos);
  EXPECT_EQ(dump.out.find("scrypt$"), std::string::npos);
  EXPECT_EQ(dump.out.find("sha256$"), std::string::npos);
  const std::string token = badge_.substr(badge_.rfind(':') + 1);
  ASSERT_EQ(token.size(), 32u);
  EXPECT_EQ(dump.out.find(token), std::string::npos);
  EXPECT_EQ(dump.out.find(kPin), std::string::npos);

  // The device's own view: its acknowledged mark, and the CLI status.
  syncer->flush();
  const auto marks = openDb(db).syncMarks();
  ASSERT_EQ(marks.size(), 1u);
  EXPECT_EQ(marks[0].acked_seq, openDb(db).journalHead()->seq);
  auto st = runCommand(cli() + " status --db " + sh(db) + " --server " + sh(server_->url("site_lyon")));
  EXPECT_EQ(st.code, 0) << st.out;
  EXPECT_NE(st.out.find("outbox   0 rows not yet acknowledged"), std::string::npos) << st.out;
  EXPECT_NE(st.out.find("(0 to send)"), std::string::npos) << st.out;
}

TEST_F(Fleet, ResumesAfterTheServerIsKilledMidBatch) {
  const fs::path db = makeDevice("headset-02", 4, 12);  // about 1150 rows: 3 batches of 500
  const auto head = openDb(db).journalHead().value();
  ASSERT_GT(head.seq, 1000);
  // Hold the second batch inside its server transaction long enough to kill the server there.
  PgClient admin(server_->adminUrl());
  admin.exec(R"(CREATE FUNCTION public.slow_second_batch() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN IF (SELECT count(*) FROM rivet_fleet.journal j JOIN rivet_fleet.devices d USING (device_id)
                          WHERE d.name = 'headset-02') > 500 THEN PERFORM pg_sleep(30); END IF; RETURN NULL; END $$)");
  admin.exec("CREATE TRIGGER slow_second_batch AFTER INSERT ON rivet_fleet.journal FOR EACH STATEMENT "
             "EXECUTE FUNCTION public.slow_second_batch()");

  test::CommandResult pushed;
  std::thread push([&] {
    pushed = runCommand(cli() + " push --once --batch 500 --db " + sh(db) + " --server " + sh(server_->url("site_lyon")));
  });
  // Wait until the second batch is inserted and sleeping inside its transaction, then crash the server.
  bool in_flight = false;
  for (int i = 0; i < 400 && !in_flight; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    in_flight = admin.one("SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'PgSleep' AND query LIKE '%rivet_fleet.push%'") == "1";
  }
  ASSERT_TRUE(in_flight);
  server_->kill9();
  push.join();
  EXPECT_EQ(pushed.code, 3) << pushed.out;  // transient: try again later
  EXPECT_NE(pushed.out.find("records wait on the device"), std::string::npos) << pushed.out;

  server_->start();
  PgClient admin2(server_->adminUrl());
  // Nothing half-written: the first batch is stored whole, the second not at all.
  const std::string device = openDb(db).device().id;
  EXPECT_EQ(admin2.one("SELECT count(*) FROM rivet_fleet.journal WHERE device_id = $1", {device}), "500");
  EXPECT_EQ(admin2.one("SELECT head_seq FROM rivet_fleet.devices WHERE device_id = $1", {device}), "500");
  admin2.exec("DROP TRIGGER slow_second_batch ON rivet_fleet.journal");
  admin2.exec("DROP FUNCTION public.slow_second_batch()");

  auto again = runCommand(cli() + " push --db " + sh(db) + " --server " + sh(server_->url("site_lyon")));
  EXPECT_EQ(again.code, 0) << again.out;
  EXPECT_NE(again.out.find(std::to_string(head.seq - 500) + " rows sent"), std::string::npos) << again.out;
  expectServerHolds(db);
  auto verified = verifyServer(at(server_->adminUrl()));
  ASSERT_TRUE(verified.ok()) << verified.error().describe();
  EXPECT_TRUE(verified->ok());
}

TEST_F(Fleet, TamperedRowIsRefusedAndTheDeviceFlagged) {
  const fs::path db = makeDevice("headset-03", 0.25, 13);
  auto syncer = Syncer::open(db, options());
  ASSERT_TRUE(syncer.ok());
  ASSERT_TRUE(syncer->push().ok());
  const std::int64_t synced = openDb(db).journalHead()->seq;
  {
    auto store = openDb(db);
    testing::ShiftOptions more;
    more.start_ns = kT0 + 7200LL * 1'000'000'000LL;
    more.duration_ns = 300LL * 1'000'000'000LL;
    testing::journalShift(store, more);
  }
  // Someone with the file edits a measured value that was not synced yet (dropping the local trigger first).
  const std::int64_t victim = synced + 6;
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &raw), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(raw, ("DROP TRIGGER journal_no_update; UPDATE journal SET payload = replace(payload, '\"', '\"') || ' ' "
                               "WHERE seq = " + std::to_string(victim)).c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(raw);

  auto r = syncer->push();
  ASSERT_FALSE(r.ok());
  EXPECT_FALSE(syncer->lastTransient());
  EXPECT_NE(r.error().message.find("row " + std::to_string(victim)), std::string::npos) << r.error().describe();
  EXPECT_NE(r.error().message.find("does not match its hash"), std::string::npos) << r.error().describe();
  PgClient admin(server_->adminUrl());
  const std::string device = openDb(db).device().id;
  // The rows before it are kept, the row and the ones after are not, and the device is flagged with the reason.
  EXPECT_EQ(admin.one("SELECT max(device_seq) FROM rivet_fleet.journal WHERE device_id = $1", {device}),
            std::to_string(victim - 1));
  EXPECT_NE(admin.one("SELECT flag_reason FROM rivet_fleet.devices WHERE device_id = $1", {device}).find("altered"),
            std::string::npos);
  EXPECT_EQ(admin.one("SELECT device_seq FROM rivet_fleet.device_flags WHERE device_id = $1 AND action = 'flagged'", {device}),
            std::to_string(victim));
  auto st = runCommand(cli() + " status --server " + sh(server_->adminUrl()));
  EXPECT_EQ(st.code, 1) << st.out;
  EXPECT_NE(st.out.find("FLAGGED"), std::string::npos) << st.out;

  // The administrator clears the flag once looked into; the history keeps both.
  auto cleared = runCommand(cli() + " clear-flag " + sh(server_->adminUrl()) + " --device " + device +
                            " --reason " + sh("edited on purpose by the test"));
  EXPECT_EQ(cleared.code, 0) << cleared.out;
  EXPECT_EQ(admin.one("SELECT count(*) FROM rivet_fleet.device_flags WHERE device_id = $1", {device}), "2");
  EXPECT_EQ(admin.one("SELECT flagged_at IS NULL FROM rivet_fleet.devices WHERE device_id = $1", {device}), "t");
  // Refused rows never reached the table: the server's chains all verify.
  auto verified = verifyServer(at(server_->adminUrl()));
  ASSERT_TRUE(verified.ok());
  EXPECT_TRUE(verified->ok());
}

TEST_F(Fleet, GapsForksAndOtherRolesAreRefused) {
  const fs::path db = makeDevice("headset-04", 0.1, 14);
  auto syncer = Syncer::open(db, options());
  ASSERT_TRUE(syncer.ok());
  ASSERT_TRUE(syncer->push().ok());
  auto store = openDb(db);
  const std::string device = store.device().id;
  testing::ShiftOptions more;
  more.start_ns = kT0 + 7200LL * 1'000'000'000LL;
  more.duration_ns = 300LL * 1'000'000'000LL;
  testing::journalShift(store, more);
  const std::int64_t acked = syncer->push().ok() ? 0 : -1;
  ASSERT_EQ(acked, 0);
  const std::int64_t head = store.journalHead()->seq;

  // A gap: a client that skips rows (here: sends only the rows after the next one).
  testing::journalShift(store, [] {
    testing::ShiftOptions o;
    o.start_ns = kT0 + 9000LL * 1'000'000'000LL;
    o.duration_ns = 200LL * 1'000'000'000LL;
    return o;
  }());
  auto rows = store.journalRows(head + 1, 20).value();
  PgClient lyon(server_->url("site_lyon"));
  auto gap = lyon.exec("SELECT head_seq, refused FROM rivet_fleet.push($1::uuid, $2::jsonb)", {device, rowsJson(rows)});
  EXPECT_EQ(gap.at(0, 0), std::to_string(head));
  EXPECT_NE(gap.at(0, 1).find("gap in the device sequence: row " + std::to_string(head + 2)), std::string::npos) << gap.at(0, 1);
  PgClient admin(server_->adminUrl());
  EXPECT_NE(admin.one("SELECT flag_reason FROM rivet_fleet.devices WHERE device_id = $1", {device}).find("gap"), std::string::npos);
  admin.exec("SELECT rivet_fleet.clear_flag($1::uuid, 'test')", {device});

  // A fork: a row the server already holds, sent again with other content (a journal rewritten after sync).
  auto old = store.journalRows(4, 1).value();
  old[0].payload += " ";
  old[0].hash = old[0].computeHash();
  auto fork = lyon.exec("SELECT refused FROM rivet_fleet.push($1::uuid, $2::jsonb)", {device, rowsJson(old)});
  EXPECT_NE(fork.at(0, 0).find("differs from the row 5 the server already holds"), std::string::npos) << fork.at(0, 0);
  admin.exec("SELECT rivet_fleet.clear_flag($1::uuid, 'test')", {device});

  // The real client notices a fork itself at hello, before sending anything.
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &raw), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(raw, ("DROP TRIGGER journal_no_update; UPDATE journal SET hash = '" + std::string(64, 'a') +
                               "' WHERE seq = " + std::to_string(head)).c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(raw);
  auto fresh = Syncer::open(db, options());
  ASSERT_TRUE(fresh.ok());
  auto r = fresh->push();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("differs from the one the fleet server holds"), std::string::npos) << r.error().describe();

  // Another site's role cannot push for (or impersonate) this device.
  PgClient lille(server_->url("site_lille"));
  std::string error;
  EXPECT_FALSE(lille.tryExec("SELECT * FROM rivet_fleet.push($1::uuid, $2::jsonb)", {device, "[]"}, &error));
  EXPECT_NE(error.find("registered to database role \"site_lyon\""), std::string::npos) << error;
  EXPECT_FALSE(lille.tryExec("SELECT * FROM rivet_fleet.hello($1::uuid, 'x', 'y', 'z', '[]')", {device}, &error));
  auto other = lille.exec("SELECT count(*) FROM rivet_fleet.device_status($1::uuid)", {device});
  EXPECT_EQ(other.at(0, 0), "0");
}

TEST_F(Fleet, ServerIsAppendOnlyAndVerifyServerFindsEdits) {
  const fs::path db = makeDevice("headset-05", 0.1, 15);
  auto syncer = Syncer::open(db, options());
  ASSERT_TRUE(syncer.ok());
  ASSERT_TRUE(syncer->push().ok());
  const std::string device = openDb(db).device().id;
  PgClient admin(server_->adminUrl());
  std::string error;
  // Not even the owner may change or remove journal rows.
  EXPECT_FALSE(admin.tryExec("UPDATE rivet_fleet.journal SET payload = '{}' WHERE device_id = $1", {device}, &error));
  EXPECT_NE(error.find("append-only"), std::string::npos) << error;
  EXPECT_FALSE(admin.tryExec("DELETE FROM rivet_fleet.journal WHERE device_id = $1", {device}, &error));
  EXPECT_NE(error.find("append-only"), std::string::npos) << error;
  EXPECT_FALSE(admin.tryExec("TRUNCATE rivet_fleet.journal", {}, &error));
  EXPECT_FALSE(admin.tryExec("DELETE FROM rivet_fleet.sessions", {}, &error));
  // A device role has no table privilege at all: rows come in through push() only.
  PgClient lyon(server_->url("site_lyon"));
  EXPECT_FALSE(lyon.tryExec("INSERT INTO rivet_fleet.journal(device_id, device_seq, kind, time_ns, payload, prev_hash, hash) "
                            "VALUES ($1::uuid, 100000, 'x', 0, '{}', '', '')", {device}, &error));
  EXPECT_NE(error.find("permission denied"), std::string::npos) << error;
  EXPECT_FALSE(lyon.tryExec("SELECT count(*) FROM rivet_fleet.journal", {}, &error));

  // A superuser can still disable the triggers: verify-server recomputes every chain and names the edited row.
  admin.exec("ALTER TABLE rivet_fleet.journal DISABLE TRIGGER journal_append_only");
  const std::string original = admin.one("SELECT payload FROM rivet_fleet.journal WHERE device_id = $1 AND device_seq = 7", {device});
  admin.exec("UPDATE rivet_fleet.journal SET payload = '{\"edited\":true}' WHERE device_id = $1 AND device_seq = 7", {device});
  auto cmd = runCommand(cli() + " verify-server " + sh(server_->adminUrl()));
  EXPECT_EQ(cmd.code, 1) << cmd.out;
  EXPECT_NE(cmd.out.find("TAMPERED " + device), std::string::npos) << cmd.out;
  EXPECT_NE(cmd.out.find("row 7 (") , std::string::npos) << cmd.out;
  admin.exec("UPDATE rivet_fleet.journal SET payload = $2 WHERE device_id = $1 AND device_seq = 7", {device, original});
  admin.exec("ALTER TABLE rivet_fleet.journal ENABLE TRIGGER journal_append_only");
  cmd = runCommand(cli() + " verify-server " + sh(server_->adminUrl()));
  EXPECT_EQ(cmd.code, 0) << cmd.out;
  EXPECT_NE(cmd.out.find("OK: "), std::string::npos) << cmd.out;
}

TEST_F(Fleet, TlsVerifyFullWithTheServersCaOnly) {
  const fs::path db = makeDevice("headset-06", 0.05, 16);
  SyncOptions o = options();
  o.server.url = server_->url("site_lyon", "rivet", "localhost");
  o.server.ca_file = pki_->ca.string();
  auto syncer = Syncer::open(db, o);
  ASSERT_TRUE(syncer.ok()) << syncer.error().describe();
  EXPECT_NE(syncer->server().find("TLS, server verified"), std::string::npos) << syncer->server();
  auto r = syncer->push();
  ASSERT_TRUE(r.ok()) << r.error().describe();
  expectServerHolds(db);
  PgClient admin(server_->adminUrl());
  EXPECT_NE(admin.one("SELECT count(*) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) "
                      "WHERE s.ssl AND a.usename = 'site_lyon'"), "0");

  // A server whose certificate another CA signed is refused, and no retry would help.
  auto cmd = runCommand(cli() + " push --once --db " + sh(db) + " --server " + sh(o.server.url) + " --ca " +
                        sh(pki_->other_ca.string()));
  EXPECT_EQ(cmd.code, 2) << cmd.out;
  EXPECT_NE(cmd.out.find("certificate"), std::string::npos) << cmd.out;
  // --ca conflicts with a weaker sslmode in the URL.
  cmd = runCommand(cli() + " push --db " + sh(db) + " --server " + sh(o.server.url + "?sslmode=require") + " --ca " +
                   sh(pki_->ca.string()));
  EXPECT_EQ(cmd.code, 2) << cmd.out;
  EXPECT_NE(cmd.out.find("sslmode=require"), std::string::npos) << cmd.out;
}

// A small signed pack (the layout of tests/content) for pin tests.
fs::path makeSignedPack(const fs::path& dir, const std::string& version, const fs::path& private_key) {
  fs::remove_all(dir);
  auto write = [](const fs::path& p, const std::string& text) {
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary | std::ios::trunc) << text;
  };
  write(dir / "pack.yaml", "id: test-cell\nversion: " + version +
                               "\ntitle: {fr: \"Cellule\", en: \"Cell\"}\nauthor: tests\nrequires_app: \">=0.1.0\"\n"
                               "model: models/cell.rmdl\n");
  write(dir / "markers.yaml", "dictionary: DICT_6X6_250\nmarkers:\n  - id: 3\n    size_mm: 100\n    position_m: [0, 0, 0]\n"
                              "    rotation_deg: [0, 0, 0]\n");
  write(dir / "procedures" / "a.yaml", "id: a\n");
  std::vector<content::Vertex> v = {{{0, 0, 0}, {0, 0, 1}}, {{1, 0, 0}, {0, 0, 1}}, {{0, 1, 0}, {0, 0, 1}}};
  std::vector<content::Part> parts(1);
  parts[0].id = "frame";
  parts[0].name = "Frame";
  parts[0].index_count = 3;
  fs::create_directories(dir / "models");
  EXPECT_TRUE(content::saveModel((dir / "models" / "cell.rmdl").string(), content::makeModel(v, {0, 1, 2}, parts)).ok());
  EXPECT_TRUE(content::signPackDir(dir, private_key).ok());
  return dir;
}

TEST_F(Fleet, PackPinsAreCheckedAndReportedToTheServer) {
  const fs::path keys = *dir_ / "keys";
  fs::create_directories(keys);
  ASSERT_TRUE(content::generateSigningKey(keys / "site.pem", keys / "site.pub.pem").ok());
  ASSERT_TRUE(content::generateSigningKey(keys / "other.pem", keys / "other.pub.pem").ok());
  const fs::path v12 = makeSignedPack(*dir_ / "pack-1.2", "1.2.0", keys / "site.pem");
  const fs::path v13 = makeSignedPack(*dir_ / "pack-1.3", "1.3.0", keys / "site.pem");
  const fs::path forged = makeSignedPack(*dir_ / "pack-forged", "1.2.0", keys / "other.pem");
  const fs::path db = makeDevice("headset-07", 0.02, 17);

  // The fingerprint is the one openssl prints for the key.
  auto fp = content::publicKeyFingerprint(keys / "site.pub.pem");
  ASSERT_TRUE(fp.ok());
  auto ossl = runCommand("openssl pkey -pubin -in " + sh((keys / "site.pub.pem").string()) + " -outform DER | sha256sum", false);
  EXPECT_EQ("sha256:" + ossl.out.substr(0, 64), *fp);

  // Pinning verifies the pack with the key first.
  auto cmd = runCommand(cli() + " pin --db " + sh(db) + " --pack " + sh(forged) + " --key " + sh(keys / "site.pub.pem"));
  EXPECT_EQ(cmd.code, 2) << cmd.out;
  EXPECT_NE(cmd.out.find("signature"), std::string::npos) << cmd.out;
  cmd = runCommand(cli() + " pin --db " + sh(db) + " --pack " + sh(v12) + " --key " + sh(keys / "site.pub.pem"));
  EXPECT_EQ(cmd.code, 0) << cmd.out;
  EXPECT_NE(cmd.out.find("pinned test-cell@1.2.0 signed by " + *fp), std::string::npos) << cmd.out;

  auto load = [](const fs::path& dir, const fs::path& key) {
    content::PackLoadOptions o;
    o.public_key_pem = key;
    o.require_signature = !key.empty();
    return content::loadPack(dir.string(), o);
  };
  auto store = openDb(db);
  auto ok = checkPackPin(store, load(v12, keys / "site.pub.pem").value(), keys / "site.pub.pem");
  ASSERT_TRUE(ok.ok()) << ok.error().describe();
  ASSERT_TRUE(ok->has_value());
  EXPECT_EQ((*ok)->version, "1.2.0");
  // Another version, even signed by the same publisher: refused, naming both versions.
  auto newer = checkPackPin(store, load(v13, keys / "site.pub.pem").value(), keys / "site.pub.pem");
  ASSERT_FALSE(newer.ok());
  EXPECT_NE(newer.error().message.find("pinned on this device"), std::string::npos);
  EXPECT_NE(newer.error().message.find("this pack is version 1.3.0"), std::string::npos) << newer.error().describe();
  // Signed by another key (verified with that key): refused.
  auto other = checkPackPin(store, load(forged, keys / "other.pub.pem").value(), keys / "other.pub.pem");
  ASSERT_FALSE(other.ok());
  EXPECT_NE(other.error().message.find("another key"), std::string::npos) << other.error().describe();
  // Loaded without a key: refused.
  auto unchecked = checkPackPin(store, load(v12, {}).value(), {});
  ASSERT_FALSE(unchecked.ok());
  EXPECT_NE(unchecked.error().hint.find("--key"), std::string::npos);
  // A pack id with no pin loads as before; a database that does not exist yet has no pins.
  ASSERT_TRUE(store.unpinPack("test-cell", kT0).ok());
  auto unpinned = checkPackPin(store, load(v13, {}).value(), {});
  ASSERT_TRUE(unpinned.ok());
  EXPECT_FALSE(unpinned->has_value());
  EXPECT_TRUE(checkPackPin(*dir_ / "no-such.db", load(v13, {}).value(), {}).ok());
  EXPECT_FALSE(fs::exists(*dir_ / "no-such.db"));
  ASSERT_TRUE(store.pinPack(fleet::pinFromPack(v12, keys / "site.pub.pem", kT0).value()).ok());

  // The pin travels with each sync: the current pins, and their history in the journal.
  auto syncer = Syncer::open(db, options());
  ASSERT_TRUE(syncer.ok());
  ASSERT_TRUE(syncer->push().ok());
  PgClient admin(server_->adminUrl());
  const std::string device = store.device().id;
  EXPECT_EQ(admin.one("SELECT version || ' ' || key_fingerprint FROM rivet_fleet.device_pins WHERE device_id = $1 AND "
                      "pack_id = 'test-cell'", {device}), "1.2.0 " + *fp);
  EXPECT_EQ(admin.one("SELECT count(*) FROM rivet_fleet.journal WHERE device_id = $1 AND kind IN ('pack_pinned', "
                      "'pack_unpinned')", {device}), "3");
  auto st = runCommand(cli() + " status --server " + sh(server_->adminUrl()));
  EXPECT_NE(st.out.find("pin test-cell@1.2.0 " + *fp), std::string::npos) << st.out;
  auto pins = runCommand(cli() + " pins --db " + sh(db));
  EXPECT_NE(pins.out.find("test-cell@1.2.0"), std::string::npos) << pins.out;
}

}  // namespace
}  // namespace rivet::fleet
