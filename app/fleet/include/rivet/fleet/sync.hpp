// Fleet sync client: pushes a device's journal (its outbox) to the central PostgreSQL, resumes, backs off, never blocks.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "rivet/core/result.hpp"
#include "rivet/fleet/server.hpp"
#include "rivet/records/store.hpp"

namespace rivet::fleet {

struct SyncOptions {
  ServerOptions server;
  std::size_t batch_rows = 1000;  // journal rows per push() call (one server transaction each)
  std::string app_version;        // reported to the server with the device's labels and pins
};

struct PushReport {
  std::string fleet_id;            // the server's id
  std::int64_t local_head = 0;     // journal rows on the device when the push ended
  std::int64_t server_head = 0;    // rows the server holds (acknowledged) when it ended
  std::int64_t accepted = 0;       // rows the server stored during this push
  std::int64_t duplicates = 0;     // rows it already held (an acknowledgement lost earlier)
  int batches = 0;
};

// One device database and one server. Opens its own connection to the records database (reads the journal, writes
// only the acknowledged mark), so the app's own connection is never held up by it. Not thread-safe: one thread.
class Syncer {
 public:
  static core::Result<Syncer> open(const std::filesystem::path& db, const SyncOptions& options);
  Syncer(Syncer&&) noexcept;
  Syncer& operator=(Syncer&&) noexcept;
  ~Syncer();

  // Sends every journal row the server does not hold yet, in batches: connects and says hello first when needed
  // (the server's acknowledged mark is where it resumes), and stops early when `stop` becomes true. After a failure
  // nothing is lost: the rows stay in the journal and the next push starts from the server's mark again.
  // A refusal by the server's chain check is an error that names the row and the reason.
  core::Result<PushReport> push(const std::atomic<bool>* stop = nullptr);
  // Whether the last failure may pass by itself (server down, network gone) rather than needing a fix.
  [[nodiscard]] bool lastTransient() const;
  [[nodiscard]] const records::DeviceInfo& device() const;
  [[nodiscard]] const std::string& server() const;  // as shown to people
  void disconnect();
  // Writes the acknowledged mark to the device database now (pushes write it at most every 2 s, to spare the
  // device's storage one more fsync per event; it is a cache of the server's mark, so a stale one loses nothing).
  void flush();

  struct Impl;

 private:
  explicit Syncer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

struct SyncWorkerOptions {
  SyncOptions sync;
  std::chrono::milliseconds poll{500};          // how often the journal is checked for new rows when synced
  std::chrono::milliseconds backoff_min{250};   // first wait after a failure, doubled each failure in a row...
  std::chrono::milliseconds backoff_max{30000}; // ...up to this (with +-25 % jitter so devices spread out)
};

struct SyncState {
  enum class Phase { Starting, Synced, Sending, Retrying, Stopped };
  Phase phase = Phase::Starting;
  std::int64_t local_head = 0;
  std::int64_t server_head = 0;
  std::int64_t accepted = 0;       // rows stored by the server since the worker started
  int failures = 0;                // failures in a row (0 when the last attempt worked)
  std::int64_t total_failures = 0;
  std::string last_error;          // the last failure, also after a later success (empty when none yet)
  bool last_error_transient = false;
};
const char* toString(SyncState::Phase phase);

// A Syncer on its own thread (rivet --sync, rivet-sync push --follow): pushes, then polls the journal for new rows;
// after a failure waits with exponential backoff and tries again, forever, until stopped.
class SyncWorker {
 public:
  static core::Result<std::unique_ptr<SyncWorker>> start(const std::filesystem::path& db, SyncWorkerOptions options);
  ~SyncWorker();  // stops and joins
  SyncWorker(const SyncWorker&) = delete;
  SyncWorker& operator=(const SyncWorker&) = delete;

  // New rows were journaled: push now rather than at the next poll (ignored while backing off).
  void wake();
  [[nodiscard]] SyncState state() const;
  // Waits until a push that started after this call found the server holding every row: true when synced in time.
  bool waitSynced(std::chrono::milliseconds timeout);
  void stop();

 private:
  SyncWorker(Syncer syncer, SyncWorkerOptions options);
  void run();

  Syncer syncer_;
  SyncWorkerOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable wake_cv_, state_cv_;
  std::atomic<bool> stop_{false};
  bool woken_ = false;
  std::uint64_t started_pass_ = 0, synced_pass_ = 0;
  SyncState state_;
  std::thread thread_;
};

}  // namespace rivet::fleet
