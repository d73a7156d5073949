// Crash test: SIGKILL rivet-run-procedure at random points (>= 100 times); every acknowledged event must be
// stored exactly once, nothing unacknowledged beyond the one in flight, and each restart resumes at the right step.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <algorithm>
#include <random>
#include <set>

#include "rivet/records/store.hpp"

namespace rivet::records {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr std::int64_t kT0 = 1'780'000'000LL * 1'000'000'000LL;
constexpr std::int64_t kS = 1'000'000'000LL;

// The gripper-finger procedure with detours: a refused gate, a failed try-out, out-of-tolerance values.
std::vector<json> scenario() {
  std::vector<json> ev;
  std::int64_t t = kT0;
  int n = 0;
  auto add = [&](json j, bool same_time = false) {
    if (!same_time) t += kS;
    j["time_ns"] = t;
    if (!j.contains("id")) {
      std::string id = std::to_string(++n);
      id.insert(0, 1, 'e');  // not "e" + ...: GCC 12 -O3 raises a false -Wrestrict on that (PR 105651)
      j["id"] = id;
    }
    ev.push_back(std::move(j));
  };
  auto zero = [&]() {
    add({{"type", "tag"}, {"tag", "robot.axis_speed"}, {"value", 0.0}});
    add({{"type", "tag"}, {"tag", "cell.main_contactor"}, {"value", false}}, true);
    add({{"type", "tag"}, {"tag", "cell.air_pressure"}, {"value", 0.03}}, true);
  };
  add({{"id", "login"}, {"type", "login"}, {"user", "jdupont"}, {"secret", "correct horse battery"}});
  add({{"id", "start"}, {"type", "start"}, {"work_order", "OT-2026-0042"}});
  for (int i = 0; i < 4; ++i) add({{"type", "confirm"}});
  add({{"type", "confirm"}, {"target", "Q1"}});
  add({{"type", "confirm"}, {"target", "V3"}});
  add({{"type", "confirm"}});  // gate refused: no values yet
  zero();
  add({{"type", "confirm"}}, true);
  add({{"type", "confirm"}, {"passed", false}});  // try-out failed: back to isolation
  add({{"type", "confirm"}, {"target", "Q1"}});
  add({{"type", "confirm"}, {"target", "V3"}});
  zero();
  add({{"type", "confirm"}}, true);
  add({{"type", "confirm"}, {"passed", true}});
  add({{"type", "confirm"}});
  add({{"type", "confirm"}, {"passed", true}});
  add({{"type", "confirm"}});
  add({{"type", "value"}, {"value", 1.5}});  // out of tolerance: blocks
  add({{"type", "value"}, {"value", 1.19}});
  add({{"type", "value"}, {"value", 79.1}});  // out of tolerance: re-seat
  add({{"type", "confirm"}});
  add({{"type", "value"}, {"value", 80.05}});
  add({{"type", "confirm"}, {"passed", true}});
  add({{"type", "confirm"}, {"target", "V3"}});
  add({{"type", "confirm"}, {"target", "Q1"}});
  add({{"type", "tag"}, {"tag", "cell.air_pressure"}, {"value", 6.2}});
  add({{"type", "tag"}, {"tag", "cell.main_contactor"}, {"value", true}}, true);
  add({{"type", "confirm"}}, true);
  add({{"type", "confirm"}, {"passed", true}});
  add({{"type", "sign_off"}});
  return ev;
}

struct RunResult {
  std::vector<json> lines;
  bool killed = false;
  int exit_code = -1;
  double seconds = 0;
};

// Runs the driver; kills it with SIGKILL after `kill_after_us` (if >= 0). Collects every complete output line.
RunResult runDriver(const std::vector<std::string>& args, long kill_after_us) {
  int fds[2];
  EXPECT_EQ(pipe(fds), 0);
  const auto start = std::chrono::steady_clock::now();
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], 1);
    const int devnull = open("/dev/null", O_WRONLY);
    dup2(devnull, 2);
    close(fds[0]);
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(fds[1]);
  RunResult r;
  std::string buffer;
  auto drain = [&](int timeout_ms) {
    pollfd p{fds[0], POLLIN, 0};
    if (poll(&p, 1, timeout_ms) <= 0) return false;
    char chunk[4096];
    const ssize_t n = read(fds[0], chunk, sizeof chunk);
    if (n <= 0) return false;
    buffer.append(chunk, static_cast<std::size_t>(n));
    return true;
  };
  const auto deadline = start + std::chrono::microseconds(kill_after_us);
  bool eof = false;
  while (!eof) {
    int wait_ms = 1000;
    if (kill_after_us >= 0) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      wait_ms = static_cast<int>(std::max<long>(1, left.count()));
      if (left.count() < 2) {  // fine-grained: spin to the deadline
        while (std::chrono::steady_clock::now() < deadline) {
        }
        break;
      }
    }
    pollfd p{fds[0], POLLIN, 0};
    const int rc = poll(&p, 1, wait_ms);
    if (rc > 0) {
      char chunk[4096];
      const ssize_t n = read(fds[0], chunk, sizeof chunk);
      if (n <= 0) eof = true;
      else buffer.append(chunk, static_cast<std::size_t>(n));
    }
  }
  if (kill_after_us >= 0 && !eof) r.killed = kill(pid, SIGKILL) == 0;
  int status = 0;
  waitpid(pid, &status, 0);
  while (drain(0)) {
  }
  close(fds[0]);
  if (WIFSIGNALED(status)) r.killed = WTERMSIG(status) == SIGKILL;
  else r.killed = false;
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::size_t pos = 0, nl;
  while ((nl = buffer.find('\n', pos)) != std::string::npos) {  // a partial last line is not an ack
    r.lines.push_back(json::parse(buffer.substr(pos, nl - pos)));
    pos = nl + 1;
  }
  return r;
}

TEST(Crash, SigkillAtRandomPointsLosesNoAcknowledgedEvent) {
  const fs::path dir = fs::temp_directory_path() / ("rivet_crash_" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::vector<json> events = scenario();
  {
    std::ofstream f(dir / "events.jsonl");
    for (const auto& e : events) f << e.dump() << "\n";
  }
  // A private copy of the sample procedures: the pack hash must not change under the test when authors edit the pack.
  fs::create_directories(dir / "pack" / "procedures");
  for (const auto& f : fs::directory_iterator(std::string(RIVET_SOURCE_DIR) + "/content/samples/robot-cell/procedures")) {
    fs::copy_file(f.path(), dir / "pack" / "procedures" / f.path().filename());
  }
  std::vector<std::string> engine_ids;
  for (const auto& e : events) {
    if (e["type"] != "login" && e["type"] != "start") engine_ids.push_back(e["id"]);
  }
  auto prepareDb = [&](const fs::path& db) {
    fs::remove(db);
    StoreOptions o;
    o.kdf.n = 1u << 10;
    auto s = Store::open(db.string(), o);
    ASSERT_TRUE(s.ok());
    ASSERT_TRUE(s->addUser("jdupont", procedure::Role::Technician, "correct horse battery", kT0).ok());
  };
  auto args = [&](const fs::path& db) {
    return std::vector<std::string>{RIVET_RUN_PROCEDURE, "--pack", (dir / "pack").string(),
                                    "--procedure", "robot-cell3-gripper-fingers", "--db", db.string(), "--events",
                                    (dir / "events.jsonl").string()};
  };

  // Reference run, never killed: the step after each event.
  const fs::path ref_db = dir / "ref.db";
  prepareDb(ref_db);
  const RunResult ref = runDriver(args(ref_db), -1);
  ASSERT_EQ(ref.exit_code, 0);
  std::vector<std::string> step_after;  // step_after[k] = current step after k engine events
  for (const auto& l : ref.lines) {
    if (l.contains("started")) step_after.push_back(l["step"]);
    if (l.contains("ack")) step_after.push_back(l["to"]);
  }
  ASSERT_EQ(step_after.size(), engine_ids.size() + 1);
  ASSERT_EQ(step_after.back(), "");  // finished
  const double full_us = ref.seconds * 1e6;

  std::mt19937_64 rng(42);
  int kills = 0, cycles = 0, resumes_checked = 0, mid_event_gaps = 0;
  const fs::path db = dir / "crash.db";
  // At least 100 kills, and go on (bounded) until enough of them landed mid-session to check resumes: how many kills
  // land before the session exists depends on the machine's load, so a fixed count could check too few resumes.
  constexpr int kMinResumes = 50, kMaxKills = 400;
  while ((kills < 100 || resumes_checked <= kMinResumes) && kills < kMaxKills) {
    ++cycles;
    prepareDb(db);
    std::set<std::string> acked;
    for (int attempt = 0; attempt < 200; ++attempt) {
      // Stored state before this run.
      std::size_t stored_before = 0;
      {
        auto s = Store::open(db.string());
        ASSERT_TRUE(s.ok());
        auto session = s->findSessionByStartId("jdupont", "start");
        if (session) {
          auto rows = s->events(session->id);
          ASSERT_TRUE(rows.ok());
          stored_before = rows.value().size();
        }
      }
      const long kill_us = static_cast<long>(std::uniform_real_distribution<double>(0.0, full_us * 1.1)(rng));
      const RunResult run = runDriver(args(db), kill_us);
      for (const auto& l : run.lines) {
        if (l.contains("resumed")) {
          EXPECT_EQ(l["step"], step_after[stored_before]) << "resumed at the wrong step after " << stored_before << " events";
          EXPECT_EQ(l["events"], stored_before);
          ++resumes_checked;
        }
        if (l.contains("ack") && !l.contains("duplicate")) {
          EXPECT_TRUE(acked.insert(l["ack"].get<std::string>()).second) << "applied twice: " << l["ack"];
        }
        if (l.contains("duplicate")) {
          // A resent event that was durable before: acknowledged, not applied again.
          const std::string id = l["ack"].get<std::string>();
          EXPECT_LT(std::find(engine_ids.begin(), engine_ids.end(), id) - engine_ids.begin(),
                    static_cast<long>(stored_before));
          acked.insert(id);
        }
      }
      // After every run: stored events are exactly a prefix of the scenario, each once, and include all acks.
      auto s = Store::open(db.string());
      ASSERT_TRUE(s.ok());
      auto session = s->findSessionByStartId("jdupont", "start");
      std::vector<std::string> stored;
      if (session) {
        auto rows = s->events(session->id);
        ASSERT_TRUE(rows.ok());
        const std::vector<StoredEvent>& list = rows.value();
        for (const auto& e : list) stored.push_back(e.record.client_id);
      }
      ASSERT_LE(stored.size(), engine_ids.size());
      for (std::size_t i = 0; i < stored.size(); ++i) ASSERT_EQ(stored[i], engine_ids[i]) << "at " << i;
      const std::set<std::string> stored_set(stored.begin(), stored.end());
      for (const auto& a : acked) ASSERT_TRUE(stored_set.count(a)) << "acknowledged event lost: " << a;
      // At most one event can be durable without its ack (committed, killed before printing).
      ASSERT_LE(stored.size(), acked.size() + 1);
      if (stored.size() == acked.size() + 1) ++mid_event_gaps;
      ASSERT_TRUE(s->verify()->ok());
      if (run.killed) {
        ++kills;
        continue;
      }
      ASSERT_EQ(run.exit_code, 0);
      ASSERT_EQ(stored.size(), engine_ids.size());
      ASSERT_EQ(s->session(session->id)->status, SessionStatus::Finished);
      break;
    }
  }
  std::printf("crash test: %d SIGKILLs over %d complete sessions, %d resumes checked, %d commits caught between "
              "commit and ack, reference run %.0f ms\n",
              kills, cycles, resumes_checked, mid_event_gaps, ref.seconds * 1e3);
  EXPECT_GE(kills, 100);
  EXPECT_GT(resumes_checked, kMinResumes);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace rivet::records
