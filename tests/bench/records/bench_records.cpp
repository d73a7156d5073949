// Benchmark: event durable-and-acknowledged latency (engine + hash-chained SQLite commit) against raw SQLite
// inserts (WAL and rollback journal, synchronous=FULL) and a raw fdatasync'd file append; export of 10 000 sessions.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "rivet/procedure/engine.hpp"
#include "rivet/records/run.hpp"
#include "rivet/records/store.hpp"

namespace rivet::records {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
constexpr std::int64_t kT0 = 1'780'000'000LL * 1'000'000'000LL;

struct Stats {
  double median_ms, p90_ms, p99_ms;
};
Stats stats(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  auto at = [&](double q) { return v[static_cast<std::size_t>(q * static_cast<double>(v.size() - 1))]; };
  return {at(0.5), at(0.9), at(0.99)};
}
double ms(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double, std::milli>(b - a).count(); }

fs::path benchDir() {
  // On the same disk as the build (the records file lives in the user's data dir in the field).
  fs::path d = fs::path(RIVET_BINARY_DIR) / "bench_records_tmp";
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

procedure::Procedure loadSample() {
  const std::string dir = std::string(RIVET_SOURCE_DIR) + "/content/samples/robot-cell/procedures/";
  auto read = [](const std::string& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  };
  auto main = procedure::parseProcedure(read(dir + "robot-cell3-gripper-fingers.yaml"), "main");
  auto loto = procedure::parseProcedure(read(dir + "robot-cell3-loto.yaml"), "loto");
  EXPECT_TRUE(main.ok() && loto.ok());
  return procedure::resolveCalls(main.value(), {loto.value()}).value();
}

// A full normal run of the sample: 24 events (with the session start and end, 26 journal rows).
std::vector<procedure::Event> sampleRun(std::int64_t t0) {
  using procedure::Event;
  using procedure::EventType;
  std::vector<Event> ev;
  std::int64_t t = t0;
  auto add = [&](EventType type, std::string target = {}, double value = 0, bool same = false) {
    if (!same) t += 1'000'000'000;
    Event e;
    e.type = type;
    e.time_ns = t;
    e.target = std::move(target);
    e.value = value;
    ev.push_back(e);
  };
  auto tag = [&](const char* id, double v) {
    Event e;
    e.type = EventType::Tag;
    e.time_ns = t;
    e.tag = {id, v, procedure::Quality::Good, t};
    ev.push_back(e);
  };
  for (int i = 0; i < 4; ++i) add(EventType::Confirm);
  add(EventType::Confirm, "Q1");
  add(EventType::Confirm, "V3");
  t += 1'000'000'000;
  tag("robot.axis_speed", 0);
  tag("cell.main_contactor", 0);
  tag("cell.air_pressure", 0.02);
  add(EventType::Confirm, {}, 0, true);
  for (int i = 0; i < 4; ++i) add(EventType::Confirm);
  add(EventType::Value, {}, 1.21);
  add(EventType::Value, {}, 80.1);
  add(EventType::Confirm);
  add(EventType::Confirm, "V3");
  add(EventType::Confirm, "Q1");
  t += 1'000'000'000;
  tag("cell.air_pressure", 6.1);
  tag("cell.main_contactor", 1);
  add(EventType::Confirm, {}, 0, true);
  add(EventType::Confirm);
  Event s;
  s.type = EventType::SignOff;
  s.time_ns = t + 1'000'000'000;
  s.user = "jdupont";
  s.role = procedure::Role::Technician;
  ev.push_back(s);
  return ev;
}

// RecordedRun::apply (engine step + durable commit), exactly what rivet-run-procedure does before printing an ack.
std::vector<double> rivetAckLatencies(const fs::path& db, int n, bool durable) {
  StoreOptions o;
  o.kdf.n = 1u << 10;
  o.durable = durable;
  auto store = Store::open(db.string(), o);
  EXPECT_TRUE(store.ok());
  if (!store->findUser("jdupont")) {
    EXPECT_TRUE(store->addUser("jdupont", procedure::Role::Technician, "correct horse battery", kT0).ok());
  }
  const procedure::Procedure p = loadSample();
  std::vector<double> lat;
  static int id = 0;
  static int session_no = 0;
  while (static_cast<int>(lat.size()) < n) {
    std::string sid = std::to_string(++session_no);
    sid.insert(0, 1, 's');
    SessionStart start{"jdupont", p.id, p.version, "h", p.asset_id, "OT", {}, {}, sid};
    auto run = RecordedRun::startOrResume(*store, p, start, kT0);
    EXPECT_TRUE(run.ok());
    for (const auto& e : sampleRun(kT0)) {
      const auto t0 = Clock::now();
      std::string cid = std::to_string(++id);
      cid.insert(0, 1, 'e');  // not "e" + ...: GCC 12 -O3 false -Wrestrict (PR 105651)
      auto applied = run->apply(e, cid);  // engine step on a copy, commit, adopt
      EXPECT_TRUE(applied.ok());
      lat.push_back(ms(t0, Clock::now()));
    }
    EXPECT_TRUE(run->engine().finished());
  }
  return lat;
}

std::vector<double> rawSqlite(const fs::path& db, int n, const char* journal_mode) {
  sqlite3* h = nullptr;
  sqlite3_open(db.string().c_str(), &h);
  sqlite3_exec(h, (std::string("PRAGMA journal_mode=") + journal_mode).c_str(), nullptr, nullptr, nullptr);
  sqlite3_exec(h, "PRAGMA synchronous=FULL", nullptr, nullptr, nullptr);
  sqlite3_exec(h, "CREATE TABLE IF NOT EXISTS e(seq INTEGER PRIMARY KEY, payload TEXT)", nullptr, nullptr, nullptr);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(h, "INSERT INTO e(payload) VALUES (?1)", -1, &st, nullptr);
  const std::string payload(120, 'x');
  std::vector<double> lat;
  for (int i = 0; i < n; ++i) {
    const auto t0 = Clock::now();
    sqlite3_bind_text(st, 1, payload.c_str(), static_cast<int>(payload.size()), SQLITE_STATIC);
    EXPECT_EQ(sqlite3_step(st), SQLITE_DONE);
    sqlite3_reset(st);
    lat.push_back(ms(t0, Clock::now()));
  }
  sqlite3_finalize(st);
  sqlite3_close(h);
  return lat;
}

std::vector<double> rawFdatasync(const fs::path& file, int n) {
  const int fd = ::open(file.string().c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  const std::string line(160, 'x');
  std::vector<double> lat;
  for (int i = 0; i < n; ++i) {
    const auto t0 = Clock::now();
    EXPECT_EQ(::write(fd, line.data(), line.size()), static_cast<ssize_t>(line.size()));
    ::fdatasync(fd);
    lat.push_back(ms(t0, Clock::now()));
  }
  ::close(fd);
  return lat;
}

TEST(BenchRecords, DurableAckLatency) {
  const fs::path dir = benchDir();
  constexpr int kN = 1200;  // 50 complete sessions of 24 events
  // Interleaved in 10 rounds so that disk contention from other processes hits every variant alike.
  std::vector<double> l_rivet, l_wal, l_del, l_sync;
  auto append = [](std::vector<double>& to, const std::vector<double>& from) { to.insert(to.end(), from.begin(), from.end()); };
  for (int round = 0; round < 10; ++round) {
    append(l_rivet, rivetAckLatencies(dir / "rivet.db", kN / 10, true));
    append(l_wal, rawSqlite(dir / "wal.db", kN / 10, "WAL"));
    append(l_del, rawSqlite(dir / "delete.db", kN / 10, "DELETE"));
    append(l_sync, rawFdatasync(dir / "append.log", kN / 10));
  }
  const Stats rivet = stats(l_rivet), wal = stats(l_wal), del = stats(l_del), sync = stats(l_sync);
  std::printf("durable ack latency over %zu events (ms)          median   p90    p99\n", l_rivet.size());
  std::printf("  rivet: engine + hash chain + WAL FULL commit   %6.3f %6.3f %6.3f\n", rivet.median_ms, rivet.p90_ms, rivet.p99_ms);
  std::printf("  raw SQLite INSERT, WAL, synchronous=FULL       %6.3f %6.3f %6.3f\n", wal.median_ms, wal.p90_ms, wal.p99_ms);
  std::printf("  raw SQLite INSERT, rollback journal, FULL      %6.3f %6.3f %6.3f\n", del.median_ms, del.p90_ms, del.p99_ms);
  std::printf("  raw write + fdatasync (physical floor)         %6.3f %6.3f %6.3f\n", sync.median_ms, sync.p90_ms, sync.p99_ms);
  EXPECT_LE(rivet.median_ms, 5.0) << "target: event durable and acknowledged, median <= 5 ms";
  fs::remove_all(dir);
}

TEST(BenchRecords, Export10000Sessions) {
  const fs::path dir = benchDir();
  constexpr int kSessions = 10000;
  StoreOptions o;
  o.kdf.n = 1u << 10;
  o.durable = false;  // set-up only: populating 260 000 rows with an fsync each would take minutes
  const auto fill0 = Clock::now();
  {
    auto store = Store::open((dir / "big.db").string(), o);
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE(store->addUser("jdupont", procedure::Role::Technician, "correct horse battery", kT0).ok());
    const procedure::Procedure p = loadSample();
    for (int s = 0; s < kSessions; ++s) {
      const std::int64_t t0 = kT0 + static_cast<std::int64_t>(s) * 3600LL * 1'000'000'000;
      auto session = store->startSession({"jdupont", p.id, p.version, std::string(64, 'a'), p.asset_id,
                                          "OT-" + std::to_string(100000 + s), {}, {}, ""},
                                         t0);
      ASSERT_TRUE(session.ok());
      procedure::Engine engine(p);
      int i = 0;
      for (const auto& e : sampleRun(t0)) {
        const procedure::Transition t = engine.apply(e);
        const std::string unit = e.type == procedure::EventType::Value ? (e.value > 10 ? "mm" : "N·m") : "";
        ASSERT_TRUE(store->appendEvent(session->id, {"e" + std::to_string(++i), e, t.outcome, t.from_step, t.to_step, unit}).ok());
      }
      ASSERT_TRUE(store->endSession(session->id, SessionStatus::Finished, t0 + 40LL * 1'000'000'000).ok());
    }
  }
  const double fill_s = ms(fill0, Clock::now()) / 1000;
  auto store = Store::open((dir / "big.db").string(), o);
  ASSERT_TRUE(store.ok());
  double csv_s = 0, json_s = 0, raw_s = 0;
  std::size_t csv_bytes = 0, json_bytes = 0, raw_rows = 0;
  {
    const auto t0 = Clock::now();
    auto csv = store->exportSessions(ExportFormat::Csv);
    csv_s = ms(t0, Clock::now()) / 1000;
    ASSERT_TRUE(csv.ok());
    csv_bytes = csv->size();
    EXPECT_EQ(std::count(csv->begin(), csv->end(), '\n'), kSessions + 1);
  }
  {
    const auto t0 = Clock::now();
    auto json = store->exportSessions(ExportFormat::Json);
    json_s = ms(t0, Clock::now()) / 1000;
    ASSERT_TRUE(json.ok());
    json_bytes = json->size();
  }
  {
    // Floor: reading every journal row once with the raw SQLite API and nothing else.
    sqlite3* h = nullptr;
    sqlite3_open((dir / "big.db").string().c_str(), &h);
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(h, "SELECT * FROM journal ORDER BY session_id, seq", -1, &st, nullptr);
    const auto t0 = Clock::now();
    std::size_t bytes = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
      ++raw_rows;
      bytes += static_cast<std::size_t>(sqlite3_column_bytes(st, 12));
    }
    raw_s = ms(t0, Clock::now()) / 1000;
    sqlite3_finalize(st);
    sqlite3_close(h);
    EXPECT_GT(bytes, 0u);
  }
  auto verify0 = Clock::now();
  auto report = store->verify();
  const double verify_s = ms(verify0, Clock::now()) / 1000;
  ASSERT_TRUE(report.ok() && report->ok());
  std::printf("export of %d sessions (%zu journal rows; set-up %.1f s)\n", kSessions, raw_rows, fill_s);
  std::printf("  rivet export CSV   %.3f s (%zu bytes)\n", csv_s, csv_bytes);
  std::printf("  rivet export JSON  %.3f s (%zu bytes)\n", json_s, json_bytes);
  std::printf("  raw SQLite scan    %.3f s (floor)\n", raw_s);
  std::printf("  rivet verify chain %.3f s\n", verify_s);
  EXPECT_LE(csv_s, 2.0) << "target: exporting 10 000 sessions <= 2 s";
  EXPECT_LE(json_s, 2.0) << "target: exporting 10 000 sessions <= 2 s";
  fs::remove_all(dir);
}

}  // namespace
}  // namespace rivet::records
