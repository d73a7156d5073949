// Fleet sync client: hello (resume point, labels, pins), batched idempotent pushes of journal rows, worker thread.
#include "rivet/fleet/sync.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <functional>
#include <optional>
#include <random>

#include "pg.hpp"
#include "rivet/core/clock.hpp"
#include "rivet/core/log.hpp"

namespace rivet::fleet {
namespace {

constexpr std::int64_t kHelloEveryNs = 60'000'000'000;    // labels, pins and last-seen refreshed once a minute
constexpr std::int64_t kMarkEveryNs = 2'000'000'000;      // the acknowledged mark cache is written at most this often
constexpr std::int64_t kErrorMarkEveryNs = 10'000'000'000;

nlohmann::json optJson(const std::optional<std::string>& s) { return s ? nlohmann::json(*s) : nlohmann::json(nullptr); }

nlohmann::json rowJson(const records::JournalRow& r) {
  return nlohmann::json{{"seq", r.seq},
                        {"kind", r.kind},
                        {"session_id", r.session_id ? nlohmann::json(*r.session_id) : nlohmann::json(nullptr)},
                        {"client_id", optJson(r.client_id)},
                        {"time_ns", r.time_ns},
                        {"user", optJson(r.user)},
                        {"step_id", optJson(r.step_id)},
                        {"event_type", optJson(r.event_type)},
                        {"outcome", optJson(r.outcome)},
                        {"to_step", optJson(r.to_step)},
                        {"value", optJson(r.valueText())},
                        {"unit", optJson(r.unit)},
                        {"payload", r.payload},
                        {"prev_hash", r.prev_hash},
                        {"hash", r.hash}};
}

}  // namespace

const char* toString(SyncState::Phase phase) {
  switch (phase) {
    case SyncState::Phase::Starting: return "starting";
    case SyncState::Phase::Synced: return "synced";
    case SyncState::Phase::Sending: return "sending";
    case SyncState::Phase::Retrying: return "retrying";
    case SyncState::Phase::Stopped: return "stopped";
  }
  return "?";
}

struct Syncer::Impl {
  records::Store store;
  SyncOptions options;
  records::DeviceInfo device;
  std::string shown;
  std::optional<pg::Connection> conn;
  std::string fleet_id;
  std::int64_t server_head = 0;
  std::string server_head_hash;
  std::int64_t hello_ns = 0;
  bool transient = false;
  records::SyncMark saved;  // what the device database last recorded
  std::int64_t mark_saved_ns = 0, error_saved_ns = 0;

  explicit Impl(records::Store s) : store(std::move(s)) {}
  ~Impl() { saveMark(true); }

  core::Error fail(core::Error e, bool is_transient) {
    transient = is_transient;
    if (is_transient && conn && conn->broken()) conn.reset();
    return e;
  }

  void saveMark(bool force, const std::string& error = {}) {
    if (fleet_id.empty()) return;
    const std::int64_t now = core::wallClockNs();
    records::SyncMark m = saved;
    m.server_id = fleet_id;
    m.server = shown;
    if (error.empty()) {
      if (saved.server_id == fleet_id && saved.acked_seq == server_head && saved.last_error.empty()) return;
      if (!force && now - mark_saved_ns < kMarkEveryNs) return;
      m.acked_seq = server_head;
      m.acked_hash = server_head_hash;
      m.acked_ns = now;
      m.last_error.clear();
      m.error_ns = 0;
      mark_saved_ns = now;
    } else {
      if (error == saved.last_error && now - error_saved_ns < kErrorMarkEveryNs) return;
      m.last_error = error;
      m.error_ns = now;
      error_saved_ns = now;
    }
    // The mark is a cache of the server's own; failing to write it loses nothing (the next hello says where to go).
    if (store.saveSyncMark(m)) saved = m;
  }

  core::Status hello() {
    nlohmann::json pins = nlohmann::json::array();
    for (const auto& p : store.packPins()) {
      pins.push_back({{"pack_id", p.pack_id}, {"version", p.version}, {"key_fingerprint", p.key_fingerprint},
                      {"pinned_ns", p.pinned_ns}});
    }
    device = store.device();
    auto r = conn->exec("SELECT fleet_id, head_seq, head_hash, flag_reason FROM rivet_fleet.hello($1::uuid, $2, $3, $4, $5::jsonb)",
                        {device.id, device.name, device.site, options.app_version, pins.dump()});
    if (!r) return fail(r.error(), conn->lastTransient());
    fleet_id = r->text(0, 0);
    server_head = r->i64(0, 1);
    server_head_hash = r->text(0, 2);
    hello_ns = core::wallClockNs();
    if (!r->null(0, 3)) {
      core::log::warn("fleet: the server has flagged this device (" + device.id + "): " + r->text(0, 3));
    }
    // The server's mark must be a row of this journal: else this is not the database that was synced.
    auto head = store.journalHead();
    if (!head) return fail(head.error(), false);
    if (server_head > head->seq) {
      return fail(core::makeError("the fleet server holds " + std::to_string(server_head) + " rows of device " +
                                      device.id + " but this database has only " + std::to_string(head->seq),
                                  store.path(),
                                  "this is not the database that was synced (restored from an old backup?); keep it "
                                  "aside and ask an administrator"),
                  false);
    }
    if (server_head > 0) {
      auto row = store.journalRows(server_head - 1, 1);
      if (!row) return fail(row.error(), false);
      if (row->empty() || row->front().hash != server_head_hash) {
        return fail(core::makeError("row " + std::to_string(server_head) + " of this database differs from the one the "
                                        "fleet server holds for device " + device.id,
                                    store.path(),
                                    "the journal was edited or replaced after it was synced; run 'rivet-records "
                                    "verify' and ask an administrator"),
                    false);
      }
    }
    return {};
  }
};

Syncer::Syncer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Syncer::Syncer(Syncer&&) noexcept = default;
Syncer& Syncer::operator=(Syncer&&) noexcept = default;
Syncer::~Syncer() = default;

core::Result<Syncer> Syncer::open(const std::filesystem::path& db, const SyncOptions& options) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(db, ec)) {
    return core::makeError("the records database does not exist", db.string(), "give the --db the app writes");
  }
  if (options.batch_rows == 0) return core::makeError("the batch size must be at least 1 row", "fleet sync");
  auto shown = describeServer(options.server);
  if (!shown) return shown.error();
  auto store = records::Store::open(db.string());
  if (!store) return store.error();
  auto impl = std::make_unique<Impl>(std::move(*store));
  impl->options = options;
  impl->shown = *shown;
  impl->device = impl->store.device();
  auto marks = impl->store.syncMarks();
  if (!marks.empty()) impl->saved = marks.front();
  return Syncer(std::move(impl));
}

bool Syncer::lastTransient() const { return impl_->transient; }
const records::DeviceInfo& Syncer::device() const { return impl_->device; }
const std::string& Syncer::server() const { return impl_->shown; }
void Syncer::disconnect() { impl_->conn.reset(); }
void Syncer::flush() { impl_->saveMark(true); }

core::Result<PushReport> Syncer::push(const std::atomic<bool>* stop) {
  Impl& m = *impl_;
  m.transient = false;
  PushReport report;
  auto failed = [&](core::Error e) -> core::Error {
    m.saveMark(false, e.describe());
    return e;
  };
  if (!m.conn || m.conn->broken()) {
    m.conn.reset();
    bool transient = false;
    auto c = pg::Connection::open(m.options.server, &transient);
    if (!c) return failed(m.fail(c.error(), transient));
    m.conn.emplace(std::move(*c));
    m.hello_ns = 0;
  }
  if (m.hello_ns == 0 || core::wallClockNs() - m.hello_ns > kHelloEveryNs) {
    if (auto st = m.hello(); !st) return failed(st.error());
  }
  report.fleet_id = m.fleet_id;
  for (;;) {
    if (stop != nullptr && stop->load()) break;
    auto rows = m.store.journalRows(m.server_head, m.options.batch_rows);
    if (!rows) return failed(m.fail(rows.error(), false));
    if (rows->empty()) break;
    std::string body;
    try {
      nlohmann::json batch = nlohmann::json::array();
      for (const auto& r : *rows) batch.push_back(rowJson(r));
      body = batch.dump();
    } catch (const nlohmann::json::exception& e) {
      return failed(m.fail(core::makeError("journal rows " + std::to_string(rows->front().seq) + "-" +
                                               std::to_string(rows->back().seq) + " hold text that is not UTF-8: " +
                                               e.what(),
                                           m.store.path(), "the server stores UTF-8 text only"),
                           false));
    }
    auto r = m.conn->exec("SELECT head_seq, head_hash, accepted, duplicates, refused FROM rivet_fleet.push($1::uuid, $2::jsonb)",
                          {m.device.id, body});
    if (!r) return failed(m.fail(r.error(), m.conn->lastTransient()));
    ++report.batches;
    m.server_head = r->i64(0, 0);
    m.server_head_hash = r->text(0, 1);
    report.accepted += r->i64(0, 2);
    report.duplicates += r->i64(0, 3);
    if (!r->null(0, 4)) {
      m.saveMark(true);
      return failed(m.fail(core::makeError("the fleet server refused this device's journal: " + r->text(0, 4),
                                           m.shown,
                                           "the device is flagged on the server; check the device's journal "
                                           "('rivet-records verify') and have an administrator look into it "
                                           "('rivet-sync verify-server', then 'rivet-sync clear-flag')"),
                           false));
    }
    m.saveMark(false);
    if (rows->size() < m.options.batch_rows) break;
  }
  auto head = m.store.journalHead();
  if (!head) return failed(m.fail(head.error(), false));
  report.local_head = head->seq;
  report.server_head = m.server_head;
  m.saveMark(false);
  return report;
}

// ---- SyncWorker ----

SyncWorker::SyncWorker(Syncer syncer, SyncWorkerOptions options)
    : syncer_(std::move(syncer)), options_(std::move(options)) {}

core::Result<std::unique_ptr<SyncWorker>> SyncWorker::start(const std::filesystem::path& db, SyncWorkerOptions options) {
  if (options.backoff_min.count() <= 0 || options.backoff_max < options.backoff_min) {
    return core::makeError("the sync backoff needs 0 < min <= max", "fleet sync");
  }
  auto syncer = Syncer::open(db, options.sync);
  if (!syncer) return syncer.error();
  std::unique_ptr<SyncWorker> w(new SyncWorker(std::move(*syncer), std::move(options)));
  w->thread_ = std::thread([p = w.get()] { p->run(); });
  return w;
}

SyncWorker::~SyncWorker() { stop(); }

void SyncWorker::stop() {
  stop_ = true;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    woken_ = true;
  }
  wake_cv_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
    syncer_.flush();
  }
  std::lock_guard<std::mutex> lock(mutex_);
  state_.phase = SyncState::Phase::Stopped;
  state_cv_.notify_all();
}

void SyncWorker::wake() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    woken_ = true;
  }
  wake_cv_.notify_all();
}

SyncState SyncWorker::state() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return state_;
}

bool SyncWorker::waitSynced(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mutex_);
  const std::uint64_t want = started_pass_ + 1;
  woken_ = true;
  wake_cv_.notify_all();
  return state_cv_.wait_for(lock, timeout, [&] { return synced_pass_ >= want || stop_; }) && synced_pass_ >= want;
}

void SyncWorker::run() {
  // Jitter from the device id, so that devices cut off together do not all come back at the same instant.
  std::minstd_rand rng(static_cast<unsigned>(std::hash<std::string>{}(syncer_.device().id)));
  std::uniform_real_distribution<double> jitter(0.75, 1.25);
  bool was_failing = false;
  while (!stop_) {
    std::uint64_t pass = 0;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      pass = ++started_pass_;
      woken_ = false;
      if (state_.phase != SyncState::Phase::Retrying) state_.phase = SyncState::Phase::Sending;
    }
    auto r = syncer_.push(&stop_);
    std::chrono::milliseconds delay = options_.poll;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (r) {
        state_.local_head = r->local_head;
        state_.server_head = r->server_head;
        state_.accepted += r->accepted;
        state_.failures = 0;
        const bool synced = r->server_head == r->local_head;
        state_.phase = synced ? SyncState::Phase::Synced : SyncState::Phase::Sending;
        if (synced) synced_pass_ = pass;
        if (!synced) delay = std::chrono::milliseconds(0);
      } else {
        ++state_.failures;
        ++state_.total_failures;
        state_.last_error = r.error().describe();
        state_.last_error_transient = syncer_.lastTransient();
        state_.phase = SyncState::Phase::Retrying;
        const int doublings = std::min(state_.failures - 1, 20);
        const double base = std::min(static_cast<double>(options_.backoff_max.count()),
                                     static_cast<double>(options_.backoff_min.count()) * static_cast<double>(1u << doublings));
        delay = std::chrono::milliseconds(static_cast<std::int64_t>(base * jitter(rng)));
      }
      state_cv_.notify_all();
    }
    if (r && was_failing) {
      core::log::info("fleet: " + syncer_.server() + " reachable again; " + std::to_string(r->server_head) +
                      " rows acknowledged");
    } else if (!r && !was_failing) {
      core::log::warn("fleet: " + r.error().describe() + "; trying again with backoff");
    }
    was_failing = !r;
    std::unique_lock<std::mutex> lock(mutex_);
    if (r) {
      wake_cv_.wait_for(lock, delay, [&] { return stop_ || woken_; });
    } else {
      wake_cv_.wait_for(lock, delay, [&] { return stop_.load(); });
    }
  }
}

}  // namespace rivet::fleet
