// Fleet simulation on loopback: 6 headsets x 3 sites journal work from their own threads while their sync workers
// (in-process, and rivet-sync --follow processes for one site) push through repeated kill -9 of the server.
// At the end the server holds every row exactly once and every chain verifies.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <thread>

#include "pg_fixture.hpp"
#include "rivet/fleet/server.hpp"
#include "rivet/fleet/sync.hpp"

namespace rivet::fleet {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using pgtest::PgClient;
using pgtest::PgServer;

constexpr int kSites = 3;
constexpr int kHeadsetsPerSite = 6;
constexpr std::int64_t kT0 = 1'780'000'000LL * 1'000'000'000LL;

ServerOptions at(const std::string& url) {
  ServerOptions o;
  o.url = url;
  return o;
}
const char* kSiteNames[kSites] = {"lyon", "lille", "nantes"};

struct Headset {
  std::string name, site, role;
  fs::path db;
  std::unique_ptr<SyncWorker> worker;  // sites 0 and 1: in-process
  pid_t follower = -1;                 // site 2: a rivet-sync push --follow process
  std::int64_t appended = 0;
};

// A technician's work at a fast pace: sessions of steps, tag samples before gates, each durable on return.
void work(records::Store& store, Headset& h, unsigned seed, const std::atomic<bool>& stop) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> pause_ms(2, 12);
  std::int64_t t = kT0;
  int session_no = 0;
  while (!stop) {
    records::SessionStart start{"tech-" + h.name, "robot-cell3-gripper-fingers", "1.2.0", std::string(64, 'c'),
                                "cell3-robot", "OT-" + std::to_string(++session_no), procedure::Mode::Normal, {},
                                h.name + "-s" + std::to_string(session_no)};
    auto session = store.startSession(start, t += 1'000'000'000);
    ASSERT_TRUE(session.ok()) << session.error().describe();
    for (int step = 0; step < 12 && !stop; ++step) {
      records::EventRecord rec;
      rec.client_id = "e" + std::to_string(step);
      rec.event.type = step % 4 == 3 ? procedure::EventType::Value : procedure::EventType::Confirm;
      rec.event.value = 25.0 + step * 0.125;
      rec.event.time_ns = t += 15'000'000'000;
      rec.from_step = "s" + std::to_string(step);
      rec.to_step = "s" + std::to_string(step + 1);
      rec.outcome = step % 4 == 3 ? "in_tolerance" : "done";
      if (step % 4 == 3) rec.unit = "N·m";
      auto ack = store.appendEvent(session->id, rec);
      ASSERT_TRUE(ack.ok()) << ack.error().describe();
      std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms(rng)));
    }
    ASSERT_TRUE(store.endSession(session->id, records::SessionStatus::Finished, t += 1'000'000'000).ok());
  }
}

TEST(FleetSimulation, SixHeadsetsTimesThreeSitesLoseNothingThroughServerCrashes) {
  const fs::path dir = pgtest::makeTempDir("rivet-fleet-sim");
  PgServer server(dir);
  auto init = initServer(at(server.adminUrl()));
  ASSERT_TRUE(init.ok()) << init.error().describe();
  std::vector<Headset> headsets;
  // Whatever happens below, no rivet-sync follower outlives the test.
  struct Reaper {
    std::vector<Headset>& hs;
    ~Reaper() {
      for (auto& h : hs) {
        if (h.follower > 0) {
          ::kill(h.follower, SIGKILL);
          ::waitpid(h.follower, nullptr, 0);
        }
      }
    }
  } reaper{headsets};
  for (int s = 0; s < kSites; ++s) {
    const std::string role = std::string("site_") + kSiteNames[s];
    server.addDeviceRole(role, role + "-pw");
    for (int i = 0; i < kHeadsetsPerSite; ++i) {
      Headset h;
      h.site = kSiteNames[s];
      h.role = role;
      h.name = h.site + "-hs" + std::to_string(i + 1);
      h.db = dir / (h.name + ".db");
      records::StoreOptions o;
      o.kdf.n = 1u << 10;
      auto store = records::Store::open(h.db.string(), o);
      ASSERT_TRUE(store.ok());
      ASSERT_TRUE(store->addUser("tech-" + h.name, procedure::Role::Technician, "24681357", kT0).ok());
      ASSERT_TRUE(store->setDeviceLabels(h.name, h.site, kT0).ok());
      headsets.push_back(std::move(h));
    }
  }

  // Sync: sites 1-2 through in-process workers, site 3 through rivet-sync --follow processes.
  for (auto& h : headsets) {
    if (h.site != kSiteNames[2]) {
      SyncWorkerOptions wo;
      wo.sync.server.url = server.url(h.role);
      wo.sync.batch_rows = 64;
      wo.poll = std::chrono::milliseconds(100);
      wo.backoff_min = std::chrono::milliseconds(100);
      wo.backoff_max = std::chrono::milliseconds(800);
      auto w = SyncWorker::start(h.db, wo);
      ASSERT_TRUE(w.ok()) << w.error().describe();
      h.worker = std::move(*w);
    } else {
      const std::string url = server.url(h.role);
      const std::string log = (dir / (h.name + ".sync.log")).string();
      std::vector<std::string> args = {RIVET_SYNC, "push", "--follow", "--db", h.db.string(), "--server", url,
                                       "--batch", "64", "--poll-ms", "100", "--backoff-max-s", "1"};
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      h.follower = ::fork();
      if (h.follower == 0) {
        FILE* f = std::freopen(log.c_str(), "w", stdout);
        (void)f;
        ::dup2(1, 2);
        ::execv(argv[0], argv.data());
        ::_exit(127);
      }
    }
  }

  // Technicians at work on every headset, each on its own thread with its own connection to its database.
  std::atomic<bool> stop_work{false};
  std::vector<std::thread> workers;
  std::vector<records::Store> stores;
  records::StoreOptions fast;
  fast.durable = false;  // the devices' own fsync is not what this test is about (spares the CI disk 18 writers)
  for (auto& h : headsets) stores.push_back(records::Store::open(h.db.string(), fast).value());
  for (std::size_t i = 0; i < headsets.size(); ++i) {
    workers.emplace_back([&, i] { work(stores[i], headsets[i], static_cast<unsigned>(i + 1), stop_work); });
  }

  // Three crashes of the server while the work and the sync go on; the last one during the busiest time.
  const auto t_start = Clock::now();
  int crashes = 0;
  for (int cut = 0; cut < 3; ++cut) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1200));
    server.kill9();
    ++crashes;
    std::this_thread::sleep_for(std::chrono::milliseconds(800 + 400 * cut));  // offline: the outboxes fill up
    server.start();
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  stop_work = true;
  for (auto& t : workers) t.join();
  const auto t_stop = Clock::now();

  // Every headset catches up.
  std::int64_t total = 0;
  std::int64_t failures_seen = 0;
  for (std::size_t i = 0; i < headsets.size(); ++i) {
    headsets[i].appended = stores[i].journalHead()->seq;
    total += headsets[i].appended;
    if (headsets[i].worker) {
      ASSERT_TRUE(headsets[i].worker->waitSynced(std::chrono::seconds(60))) << headsets[i].name;
      failures_seen += headsets[i].worker->state().total_failures;
    }
  }
  PgClient admin(server.adminUrl());
  const auto deadline = Clock::now() + std::chrono::seconds(60);
  for (auto& h : headsets) {
    if (h.follower <= 0) continue;
    const std::string id = records::Store::open(h.db.string())->device().id;
    while (admin.one("SELECT coalesce((SELECT head_seq FROM rivet_fleet.devices WHERE device_id = $1), 0)", {id}) !=
               std::to_string(h.appended) &&
           Clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ::kill(h.follower, SIGTERM);
    int status = 0;
    ::waitpid(h.follower, &status, 0);
    h.follower = -1;
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << h.name << " follower exit " << status;
  }
  const double catch_up_s = std::chrono::duration<double>(Clock::now() - t_stop).count();
  for (auto& h : headsets) h.worker.reset();

  // The server holds every row of every headset exactly once, equal to the device's, and every chain verifies.
  for (std::size_t i = 0; i < headsets.size(); ++i) {
    const auto& h = headsets[i];
    const std::string id = stores[i].device().id;
    auto r = admin.exec("SELECT count(*), count(DISTINCT device_seq), coalesce(max(device_seq), 0), "
                        "(SELECT name || '/' || site FROM rivet_fleet.devices WHERE device_id = $1), "
                        "(SELECT flag_reason IS NULL FROM rivet_fleet.devices WHERE device_id = $1) "
                        "FROM rivet_fleet.journal WHERE device_id = $1",
                        {id});
    EXPECT_EQ(r.at(0, 0), std::to_string(h.appended)) << h.name;
    EXPECT_EQ(r.at(0, 1), std::to_string(h.appended)) << h.name;
    EXPECT_EQ(r.at(0, 2), std::to_string(h.appended)) << h.name;
    EXPECT_EQ(r.at(0, 3), h.name + "/" + h.site);
    EXPECT_EQ(r.at(0, 4), "t") << h.name << " was flagged";
    const auto local = stores[i].journalRows(0, static_cast<std::size_t>(h.appended)).value();
    auto hashes = admin.exec("SELECT hash FROM rivet_fleet.journal WHERE device_id = $1 ORDER BY device_seq", {id});
    ASSERT_EQ(hashes.rows(), static_cast<int>(local.size()));
    for (int k = 0; k < hashes.rows(); ++k) ASSERT_EQ(hashes.at(k, 0), local[static_cast<std::size_t>(k)].hash) << h.name;
  }
  auto verified = verifyServer(at(server.adminUrl()));
  ASSERT_TRUE(verified.ok()) << verified.error().describe();
  EXPECT_TRUE(verified->ok());
  EXPECT_EQ(verified->devices.size(), headsets.size());
  EXPECT_EQ(verified->rows, total);
  EXPECT_GT(failures_seen, 0) << "the crashes should have cut some pushes";
  std::printf("simulation: %zu headsets (%d sites x %d), %lld journal rows in %.1f s of work, %d server crashes, "
              "%lld failed pushes retried, caught up %.2f s after the work stopped; every chain verified\n",
              headsets.size(), kSites, kHeadsetsPerSite, static_cast<long long>(total),
              std::chrono::duration<double>(t_stop - t_start).count(), crashes, static_cast<long long>(failures_seen),
              catch_up_s);
  stores.clear();
  server.stop();
  fs::remove_all(dir);
}

}  // namespace
}  // namespace rivet::fleet
