// Benchmark: fleet sync throughput (verified, batched pushes) against plain libpq single-row INSERTs and COPY of the
// same rows, and the catch-up time of 5 headsets after one hour offline. PostgreSQL 15 with fsync on, loopback.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <thread>

#include "../../fleet/device_shift.hpp"
#include "../../fleet/pg_fixture.hpp"
#include "rivet/fleet/server.hpp"
#include "rivet/fleet/sync.hpp"

namespace rivet::fleet {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using pgtest::PgClient;
using pgtest::PgServer;

constexpr std::int64_t kT0 = 1'780'000'000LL * 1'000'000'000LL;

ServerOptions at(const std::string& url) {
  ServerOptions o;
  o.url = url;
  return o;
}
constexpr std::int64_t kHourNs = 3600LL * 1'000'000'000LL;

// "prefix" + number without `const char* + std::string&&`, which GCC 12 -O3 warns about wrongly (PR 105651).
std::string named(const char* prefix, long long number) {
  std::string s(prefix);
  s.append(std::to_string(number));
  return s;
}

double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// The peer's table: the same columns as the fleet journal, the same key, no chain check, no projections.
const char* kPlainTable =
    "CREATE TABLE plain_journal(device_id uuid NOT NULL, device_seq bigint NOT NULL, kind text NOT NULL, "
    "session_id bigint, client_id text, time_ns bigint NOT NULL, \"user\" text, step_id text, event_type text, "
    "outcome text, to_step text, value_text text, unit text, payload text NOT NULL, prev_hash text NOT NULL, "
    "hash text NOT NULL, PRIMARY KEY (device_id, device_seq))";
const char* kPlainInsert =
    "INSERT INTO plain_journal VALUES ($1::uuid, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)";

std::vector<std::optional<std::string>> params(const std::string& device, const records::JournalRow& r) {
  auto num = [](const std::optional<std::int64_t>& v) { return v ? std::optional<std::string>(std::to_string(*v)) : std::nullopt; };
  return {device, std::to_string(r.seq), r.kind, num(r.session_id), r.client_id, std::to_string(r.time_ns), r.user,
          r.step_id, r.event_type, r.outcome, r.to_step, r.valueText(), r.unit, r.payload, r.prev_hash, r.hash};
}

// Plain libpq, one prepared single-row INSERT per event; `rows_per_tx` = 1 is autocommit (a transaction per row).
double plainInserts(const std::string& url, const std::string& device, const std::vector<records::JournalRow>& rows,
                    std::size_t rows_per_tx) {
  std::unique_ptr<PGconn, void (*)(PGconn*)> c(PQconnectdb(url.c_str()), &PQfinish);
  EXPECT_EQ(PQstatus(c.get()), CONNECTION_OK);
  PQclear(PQprepare(c.get(), "ins", kPlainInsert, 16, nullptr));
  const auto t0 = Clock::now();
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (rows_per_tx > 1 && i % rows_per_tx == 0) PQclear(PQexec(c.get(), "BEGIN"));
    const auto p = params(device, rows[i]);
    std::vector<const char*> v;
    for (const auto& x : p) v.push_back(x ? x->c_str() : nullptr);
    PGresult* r = PQexecPrepared(c.get(), "ins", 16, v.data(), nullptr, nullptr, 0);
    EXPECT_EQ(PQresultStatus(r), PGRES_COMMAND_OK) << PQerrorMessage(c.get());
    PQclear(r);
    if (rows_per_tx > 1 && (i % rows_per_tx == rows_per_tx - 1 || i + 1 == rows.size())) PQclear(PQexec(c.get(), "COMMIT"));
  }
  return since(t0);
}

// COPY FROM STDIN (text format) of every row in one transaction: PostgreSQL's own bulk ingest, the ceiling.
double plainCopy(const std::string& url, const std::string& device, const std::vector<records::JournalRow>& rows) {
  std::unique_ptr<PGconn, void (*)(PGconn*)> c(PQconnectdb(url.c_str()), &PQfinish);
  EXPECT_EQ(PQstatus(c.get()), CONNECTION_OK);
  auto esc = [](const std::optional<std::string>& s) {
    if (!s) return std::string("\\N");
    std::string o;
    for (char ch : *s) {
      if (ch == '\\') o += "\\\\";
      else if (ch == '\t') o += "\\t";
      else if (ch == '\n') o += "\\n";
      else if (ch == '\r') o += "\\r";
      else o += ch;
    }
    return o;
  };
  const auto t0 = Clock::now();
  PGresult* r = PQexec(c.get(), "COPY plain_journal FROM STDIN");
  EXPECT_EQ(PQresultStatus(r), PGRES_COPY_IN);
  PQclear(r);
  std::string buf;
  for (const auto& row : rows) {
    const auto p = params(device, row);
    for (std::size_t i = 0; i < p.size(); ++i) {
      if (i) buf += '\t';
      buf.append(esc(p[i]));
    }
    buf += '\n';
    if (buf.size() > (1u << 20)) {
      PQputCopyData(c.get(), buf.data(), static_cast<int>(buf.size()));
      buf.clear();
    }
  }
  PQputCopyData(c.get(), buf.data(), static_cast<int>(buf.size()));
  PQputCopyEnd(c.get(), nullptr);
  r = PQgetResult(c.get());
  EXPECT_EQ(PQresultStatus(r), PGRES_COMMAND_OK) << PQerrorMessage(c.get());
  PQclear(r);
  return since(t0);
}

class BenchFleet : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(pgtest::makeTempDir("rivet-bench-fleet"));
    server_ = new PgServer(*dir_, {"-c", "fsync=on", "-c", "shared_buffers=128MB"});
    std::printf("PostgreSQL %s, fsync on, synchronous_commit on, loopback TCP\n",
                PgClient(server_->adminUrl()).one("SHOW server_version").c_str());
  }
  static void TearDownTestSuite() {
    delete server_;
    fs::remove_all(*dir_);
    delete dir_;
  }
  // A fresh database with the fleet schema (so each measurement starts empty) and a device role for it.
  static std::string freshDatabase(const std::string& name) {
    PgClient(server_->url("rivet_admin", "postgres")).exec("CREATE DATABASE " + name);
    const std::string admin = server_->url("rivet_admin", name);
    auto init = initServer(at(admin));
    EXPECT_TRUE(init.ok()) << init.error().describe();
    PgClient(admin).exec(kPlainTable);
    static bool role = false;
    if (!role) {
      server_->addDeviceRole("bench_device", "bench-pw");
      role = true;
    }
    return name;
  }
  static fs::path device(const std::string& name, std::int64_t duration_ns, unsigned seed, testing::ShiftStats* stats) {
    const fs::path db = *dir_ / (name + ".db");
    records::StoreOptions o;
    o.kdf.n = 1u << 10;
    o.durable = false;  // set-up only
    auto store = records::Store::open(db.string(), o);
    EXPECT_TRUE(store.ok());
    EXPECT_TRUE(store->addUser("jdupont", procedure::Role::Technician, "24681357", kT0).ok());
    testing::ShiftOptions shift;
    shift.duration_ns = duration_ns;
    shift.seed = seed;
    *stats = testing::journalShift(*store, shift);
    return db;
  }

  static fs::path* dir_;
  static PgServer* server_;
};
fs::path* BenchFleet::dir_ = nullptr;
PgServer* BenchFleet::server_ = nullptr;

TEST_F(BenchFleet, SyncThroughputAgainstPlainInsertsAndCopy) {
  testing::ShiftStats stats;
  const fs::path db = device("throughput", 64 * kHourNs, 7, &stats);  // 64 hours of one headset's work
  auto store = records::Store::open(db.string()).value();
  const auto rows = store.journalRows(0, 1'000'000).value();
  const std::string id = store.device().id;
  std::printf("\nsync throughput: one device, %zu journal rows (%d sessions, %d step events, %d tag samples; 64 h of "
              "work), median of 3 runs each\n", rows.size(), stats.sessions, stats.step_events, stats.tag_samples);
  std::printf("  %-62s %8s %10s %8s\n", "method", "rows", "rows/s", "vs rivet");

  auto median3 = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  int n = 0;
  std::map<std::size_t, double> rivet_s;
  for (std::size_t batch : {100u, 1000u, 5000u}) {
    std::vector<double> runs;
    for (int run = 0; run < 3; ++run) {
      const std::string name = freshDatabase(named("tp", ++n));
      SyncOptions o;
      o.server.url = server_->url("bench_device", name);
      o.batch_rows = batch;
      auto syncer = Syncer::open(db, o);
      ASSERT_TRUE(syncer.ok()) << syncer.error().describe();
      const auto t0 = Clock::now();
      auto r = syncer->push();
      runs.push_back(since(t0));
      ASSERT_TRUE(r.ok()) << r.error().describe();
      ASSERT_EQ(r->server_head, static_cast<std::int64_t>(rows.size()));
    }
    rivet_s[batch] = median3(runs);
  }
  const double ref = static_cast<double>(rows.size()) / rivet_s[1000];
  for (const auto& [batch, s] : rivet_s) {
    const double rate = static_cast<double>(rows.size()) / s;
    std::printf("  %-62s %8zu %10.0f %7.2fx\n",
                ("rivet-sync push, verified chain, batches of " + std::to_string(batch)).c_str(), rows.size(), rate, rate / ref);
  }
  // The peers store the same rows (same columns and key) without any check.
  auto peer = [&](const std::string& label, std::size_t count, auto&& fn) {
    std::vector<double> runs;
    for (int run = 0; run < 3; ++run) {
      const std::string name = freshDatabase(named("tp", ++n));
      const std::vector<records::JournalRow> subset(rows.begin(), rows.begin() + static_cast<std::ptrdiff_t>(count));
      runs.push_back(fn(server_->url("rivet_admin", name), subset));
      EXPECT_EQ(PgClient(server_->url("rivet_admin", name)).one("SELECT count(*) FROM plain_journal"), std::to_string(count));
    }
    const double rate = static_cast<double>(count) / median3(runs);
    std::printf("  %-62s %8zu %10.0f %7.2fx\n", label.c_str(), count, rate, rate / ref);
  };
  const std::size_t autocommit_rows = std::min<std::size_t>(rows.size(), 3000);
  peer("peer: libpq prepared single-row INSERT, autocommit (row = tx)", autocommit_rows,
       [&](const std::string& url, const auto& r) { return plainInserts(url, id, r, 1); });
  peer("peer: libpq prepared single-row INSERT, 1000 rows per tx", rows.size(),
       [&](const std::string& url, const auto& r) { return plainInserts(url, id, r, 1000); });
  peer("peer: COPY FROM STDIN, one tx (no check: the ingest ceiling)", rows.size(),
       [&](const std::string& url, const auto& r) { return plainCopy(url, id, r); });
}

TEST_F(BenchFleet, CatchUpOfFiveHeadsetsAfterOneHourOffline) {
  constexpr int kHeadsets = 5;
  const std::string name = freshDatabase("catchup");
  std::vector<fs::path> dbs;
  testing::ShiftStats total;
  for (int i = 0; i < kHeadsets; ++i) {
    testing::ShiftStats s;
    dbs.push_back(device(named("offline-", i), kHourNs, 100 + static_cast<unsigned>(i), &s));
    total.rows += s.rows;
    total.sessions += s.sessions;
    total.step_events += s.step_events;
    total.tag_samples += s.tag_samples;
  }
  std::printf("\ncatch-up after one hour offline: %d headsets, %lld journal rows in all (%d sessions, %d step events "
              "every 10-30 s, %d tag samples journaled with the gate decisions), median of 3 runs\n",
              kHeadsets, static_cast<long long>(total.rows), total.sessions, total.step_events, total.tag_samples);

  // rivet: the 5 devices push at once, each from its own thread, from the moment the server answers again.
  std::vector<double> runs;
  for (int run = 0; run < 3; ++run) {
    const std::string db_name = freshDatabase(named("catchup_r", run));
    std::vector<std::optional<Syncer>> syncers;
    for (const auto& db : dbs) {
      SyncOptions o;
      o.server.url = server_->url("bench_device", db_name);
      auto s = Syncer::open(db, o);
      ASSERT_TRUE(s.ok());
      syncers.emplace_back(std::move(*s));
    }
    const auto t0 = Clock::now();
    std::vector<std::thread> threads;
    for (auto& s : syncers) {
      threads.emplace_back([&s] {
        auto r = s->push();
        EXPECT_TRUE(r.ok() && r->server_head == r->local_head);
      });
    }
    for (auto& t : threads) t.join();
    runs.push_back(since(t0));
  }
  std::sort(runs.begin(), runs.end());
  const double rivet_s = runs[1];

  // Peer: 5 clients at once, each storing its device's hour as plain single-row autocommit INSERTs.
  runs.clear();
  for (int run = 0; run < 3; ++run) {
    const std::string db_name = freshDatabase(named("catchup_p", run));
    std::vector<std::vector<records::JournalRow>> rows;
    std::vector<std::string> ids;
    for (const auto& db : dbs) {
      auto store = records::Store::open(db.string()).value();
      rows.push_back(store.journalRows(0, 1'000'000).value());
      ids.push_back(store.device().id);
    }
    const auto t0 = Clock::now();
    std::vector<std::thread> threads;
    for (int i = 0; i < kHeadsets; ++i) {
      threads.emplace_back([&, i] { plainInserts(server_->url("rivet_admin", db_name), ids[i], rows[i], 1); });
    }
    for (auto& t : threads) t.join();
    runs.push_back(since(t0));
  }
  std::sort(runs.begin(), runs.end());
  const double peer_s = runs[1];

  // End to end with the worker: the server comes back while the workers are backing off.
  const std::string db_name = freshDatabase("catchup_w");
  server_->stop();
  std::vector<std::unique_ptr<SyncWorker>> workers;
  for (const auto& db : dbs) {
    SyncWorkerOptions wo;
    wo.sync.server.url = server_->url("bench_device", db_name);
    auto w = SyncWorker::start(db, wo);  // default backoff: 0.25 s doubling to 30 s, +-25 % jitter
    ASSERT_TRUE(w.ok());
    workers.push_back(std::move(*w));
  }
  std::this_thread::sleep_for(std::chrono::seconds(3));
  server_->start();
  const auto t0 = Clock::now();
  for (auto& w : workers) ASSERT_TRUE(w->waitSynced(std::chrono::seconds(120)));
  const double worker_s = since(t0);
  workers.clear();

  std::printf("  %-72s %8.3f s  %7.0f rows/s\n", "rivet-sync: 5 devices push in parallel (verified, batches of 1000)",
              rivet_s, static_cast<double>(total.rows) / rivet_s);
  std::printf("  %-72s %8.3f s  %7.0f rows/s  (%.1fx rivet's time)\n",
              "peer: 5 clients, plain single-row INSERT, autocommit", peer_s, static_cast<double>(total.rows) / peer_s,
              peer_s / rivet_s);
  std::printf("  %-72s %8.3f s\n", "rivet sync workers, server back after 3 s down (includes the backoff wait)", worker_s);
  std::printf("  (after a real hour offline the workers retry every 30 s +-25 %%: the server is noticed at most 37.5 s "
              "after it is back, then the catch-up above)\n");
}

// What the technician's UI thread waits for per step (a durable append) with and without a sync worker pushing the
// same database to the server at the same time: the sync has its own SQLite connection and thread.
TEST_F(BenchFleet, AppendLatencyWhileSyncing) {
  const std::string name = freshDatabase("latency");
  auto measure = [&](const std::string& label, bool with_sync) {
    const fs::path db = *dir_ / (label + ".db");
    records::StoreOptions o;
    o.kdf.n = 1u << 10;  // durable (synchronous=FULL), as in the field
    auto store = records::Store::open(db.string(), o);
    EXPECT_TRUE(store.ok());
    EXPECT_TRUE(store->addUser("jdupont", procedure::Role::Technician, "24681357", kT0).ok());
    records::SessionStart start{"jdupont", "p", "1", "h", "a", "OT", {}, {}, label};
    auto session = store->startSession(start, kT0);
    std::unique_ptr<SyncWorker> worker;
    if (with_sync) {
      SyncWorkerOptions wo;
      wo.sync.server.url = server_->url("bench_device", name);
      wo.poll = std::chrono::milliseconds(20);
      auto w = SyncWorker::start(db, wo);
      EXPECT_TRUE(w.ok());
      worker = std::move(*w);
    }
    std::vector<double> ms;
    for (int i = 0; i < 1000; ++i) {
      records::EventRecord rec;
      rec.client_id = named("e", i);
      rec.event.type = procedure::EventType::Value;
      rec.event.value = 25.0 + i * 0.001;
      rec.event.time_ns = kT0 + i * 1'000'000'000LL;
      rec.outcome = "in_tolerance";
      rec.from_step = "torque";
      const auto t0 = Clock::now();
      EXPECT_TRUE(store->appendEvent(session->id, rec).ok());
      ms.push_back(since(t0) * 1e3);
      if (worker && i % 10 == 0) worker->wake();
    }
    if (worker) {
      EXPECT_TRUE(worker->waitSynced(std::chrono::seconds(60)));
      EXPECT_GT(worker->state().server_head, 1000);
    }
    std::sort(ms.begin(), ms.end());
    std::printf("  %-56s %8.3f %8.3f %8.3f\n", label.c_str(), ms[ms.size() / 2], ms[ms.size() * 9 / 10], ms[ms.size() * 99 / 100]);
  };
  std::printf("\ndurable append latency of 1000 step events (ms), the UI thread's wait   median      p90      p99\n");
  measure("no sync", false);
  measure("sync worker pushing the same database meanwhile", true);
}

}  // namespace
}  // namespace rivet::fleet
