// rivet-sync: fleet sync of a device's records to a central PostgreSQL (push once or follow), server set-up and checks, pack pins.
#include <CLI/CLI.hpp>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <thread>

#include "rivet/core/clock.hpp"
#include "rivet/core/log.hpp"
#include "rivet/fleet/pins.hpp"
#include "rivet/fleet/server.hpp"
#include "rivet/fleet/sync.hpp"
#include "rivet/records/store.hpp"

namespace {

using namespace rivet;

std::atomic<bool> g_stop{false};
void onStop(int) { g_stop = true; }

int report(const core::Error& e, int code = 2) {
  std::fprintf(stderr, "rivet-sync: %s\n", e.describe().c_str());
  return code;
}

std::string isoUtc(std::int64_t ns) {
  if (ns <= 0) return "never";
  const std::time_t s = static_cast<std::time_t>(ns / 1'000'000'000);
  std::tm tm{};
  gmtime_r(&s, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

core::Result<records::Store> openDb(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return core::makeError("the records database does not exist", path, "give the --db the app writes");
  }
  return records::Store::open(path);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Rivet fleet sync: each device's records journal, pushed to a central PostgreSQL.\n"
               "The server URL is a libpq URL without a password (PGPASSFILE or PGPASSWORD hold it), e.g.\n"
               "postgresql://headset07@fleet.plant:5432/rivet?sslmode=verify-full&sslrootcert=plant-ca.pem"};
  app.require_subcommand(1);
  fleet::ServerOptions server;
  std::string db_path;
  auto addCa = [&](CLI::App* cmd) {
    cmd->add_option("--ca", server.ca_file, "CA certificate (PEM) of the server: TLS with sslmode=verify-full")
        ->check(CLI::ExistingFile);
  };

  auto* init = app.add_subcommand("init-server", "create or migrate the fleet schema (run once, as the database owner)");
  init->add_option("URL", server.url, "server URL")->required();
  addCa(init);

  auto* device = app.add_subcommand("device", "show this device's id, or set its name and site");
  std::string name, site;
  device->add_option("--db", db_path, "records database")->required();
  auto* name_opt = device->add_option("--name", name, "device name, e.g. headset-07");
  auto* site_opt = device->add_option("--site", site, "site, e.g. lyon");

  auto* push = app.add_subcommand("push", "send the journal rows the server does not hold yet");
  bool once = false, follow = false;
  std::size_t batch = 1000;
  int poll_ms = 500, backoff_max_s = 30;
  push->add_option("--db", db_path, "records database")->required();
  push->add_option("--server", server.url, "server URL")->required();
  addCa(push);
  push->add_flag("--once", once, "push until the server holds every row, then exit (default)");
  push->add_flag("--follow", follow, "keep running: push new rows as they come, retry with backoff when offline");
  push->add_option("--batch", batch, "rows per server transaction (default 1000)")->check(CLI::Range(1, 100000));
  push->add_option("--poll-ms", poll_ms, "follow: how often to look for new rows (default 500)")->check(CLI::Range(20, 600000));
  push->add_option("--backoff-max-s", backoff_max_s, "follow: longest wait between retries (default 30)")
      ->check(CLI::Range(1, 3600));

  auto* status = app.add_subcommand("status", "this device's outbox (--db), and/or the fleet as the server sees it");
  status->add_option("--db", db_path, "records database");
  status->add_option("--server", server.url, "server URL");
  addCa(status);

  auto* verify = app.add_subcommand("verify-server", "recompute every device's hash chain on the server; exit 1 on a problem");
  verify->add_option("URL", server.url, "server URL")->required();
  addCa(verify);

  auto* clear = app.add_subcommand("clear-flag", "clear a device's flag after looking into it (administrator)");
  std::string device_id, reason;
  clear->add_option("URL", server.url, "server URL")->required();
  clear->add_option("--device", device_id, "device id (rivet-sync status --server lists them)")->required();
  clear->add_option("--reason", reason, "what was checked")->required();
  addCa(clear);

  auto* pin = app.add_subcommand("pin", "pin a content pack on this device: only this version, signed with this key");
  std::string pack_dir, key_file;
  pin->add_option("--db", db_path, "records database")->required();
  pin->add_option("--pack", pack_dir, "the signed pack folder to pin (its id and version)")->required()->check(CLI::ExistingDirectory);
  pin->add_option("--key", key_file, "the publisher's public key (PEM) the pack is verified with")->required()->check(CLI::ExistingFile);

  auto* unpin = app.add_subcommand("unpin", "remove a pack's pin from this device");
  std::string pack_id;
  unpin->add_option("--db", db_path, "records database")->required();
  unpin->add_option("--pack-id", pack_id, "pack id")->required();

  auto* pins = app.add_subcommand("pins", "list the packs pinned on this device");
  pins->add_option("--db", db_path, "records database")->required();

  CLI11_PARSE(app, argc, argv);
  core::log::setLevel(core::log::Level::Info);
  const std::int64_t now = core::wallClockNs();

  if (init->parsed()) {
    auto r = fleet::initServer(server);
    if (!r) return report(r.error());
    std::printf("%s the fleet schema %d on %s (fleet id %s)\n", r->created ? "created" : "checked and migrated",
                r->schema, fleet::describeServer(server).value().c_str(), r->fleet_id.c_str());
    std::printf("next: create a login role per headset or site and GRANT rivet_device TO it (docs/FLEET.md)\n");
    return 0;
  }

  if (device->parsed()) {
    auto store = openDb(db_path);
    if (!store) return report(store.error());
    if (name_opt->count() || site_opt->count()) {
      const auto current = store->device();
      if (auto st = store->setDeviceLabels(name_opt->count() ? name : current.name, site_opt->count() ? site : current.site, now); !st) {
        return report(st.error());
      }
    }
    const auto d = store->device();
    std::printf("device %s\nname   %s\nsite   %s\n", d.id.c_str(), d.name.empty() ? "-" : d.name.c_str(),
                d.site.empty() ? "-" : d.site.c_str());
    return 0;
  }

  if (push->parsed()) {
    if (once && follow) return report(core::makeError("--once and --follow both given", "push", "pick one"));
    fleet::SyncOptions options;
    options.server = server;
    options.batch_rows = batch;
    options.app_version = std::string("rivet-sync ") + RIVET_VERSION;
    if (!follow) {
      auto syncer = fleet::Syncer::open(db_path, options);
      if (!syncer) return report(syncer.error());
      const auto t0 = std::chrono::steady_clock::now();
      auto r = syncer->push();
      if (!r) return report(r.error(), syncer->lastTransient() ? 3 : 2);
      const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      std::printf("device %s: %lld rows sent in %d batch(es) (%lld already there) in %.2f s; the server holds %lld of %lld "
                  "rows\n",
                  syncer->device().id.c_str(), static_cast<long long>(r->accepted), r->batches,
                  static_cast<long long>(r->duplicates), s, static_cast<long long>(r->server_head),
                  static_cast<long long>(r->local_head));
      return r->server_head == r->local_head ? 0 : 1;
    }
    struct sigaction sa {};
    sa.sa_handler = onStop;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    fleet::SyncWorkerOptions wo;
    wo.sync = options;
    wo.poll = std::chrono::milliseconds(poll_ms);
    wo.backoff_max = std::chrono::seconds(backoff_max_s);
    auto worker = fleet::SyncWorker::start(db_path, wo);
    if (!worker) return report(worker.error());
    std::printf("following %s -> %s (Ctrl-C stops)\n", db_path.c_str(), fleet::describeServer(server).value().c_str());
    std::fflush(stdout);
    fleet::SyncState shown;
    shown.phase = fleet::SyncState::Phase::Stopped;
    while (!g_stop) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      const auto s = (*worker)->state();
      if (s.phase != shown.phase || s.server_head != shown.server_head) {
        std::printf("%s  %s: server holds %lld of %lld rows%s%s\n", isoUtc(core::wallClockNs()).c_str(),
                    fleet::toString(s.phase), static_cast<long long>(s.server_head),
                    static_cast<long long>(s.local_head), s.phase == fleet::SyncState::Phase::Retrying ? "; " : "",
                    s.phase == fleet::SyncState::Phase::Retrying ? s.last_error.c_str() : "");
        std::fflush(stdout);
        shown = s;
      }
    }
    (*worker)->stop();
    std::printf("stopped\n");
    return 0;
  }

  if (status->parsed()) {
    if (db_path.empty() && server.url.empty()) {
      return report(core::makeError("status needs --db, --server or both", "status"));
    }
    int code = 0;
    if (!db_path.empty()) {
      auto store = openDb(db_path);
      if (!store) return report(store.error());
      const auto d = store->device();
      auto head = store->journalHead();
      if (!head) return report(head.error());
      std::printf("device   %s  name %s  site %s\njournal  %lld rows\n", d.id.c_str(), d.name.empty() ? "-" : d.name.c_str(),
                  d.site.empty() ? "-" : d.site.c_str(), static_cast<long long>(head->seq));
      const auto marks = store->syncMarks();
      if (marks.empty()) std::printf("outbox   %lld rows, never synced\n", static_cast<long long>(head->seq));
      for (const auto& m : marks) {
        std::printf("outbox   %lld rows not yet acknowledged by fleet %s (%s); last acknowledged %s%s%s\n",
                    static_cast<long long>(head->seq - m.acked_seq), m.server_id.c_str(), m.server.c_str(),
                    isoUtc(m.acked_ns).c_str(), m.last_error.empty() ? "" : "; last error: ", m.last_error.c_str());
      }
      for (const auto& p : store->packPins()) {
        std::printf("pin      %s@%s  key %s  since %s\n", p.pack_id.c_str(), p.version.c_str(), p.key_fingerprint.c_str(),
                    isoUtc(p.pinned_ns).c_str());
      }
      if (!server.url.empty()) {
        auto m = fleet::serverMark(server, d.id);
        if (!m) return report(m.error());
        if (!m->known) {
          std::printf("server   does not know this device (not synced yet, or registered by another role)\n");
        } else {
          std::printf("server   holds %lld rows (%lld to send), last push %s%s%s\n", static_cast<long long>(m->head_seq),
                      static_cast<long long>(head->seq - m->head_seq), m->last_push.empty() ? "never" : m->last_push.c_str(),
                      m->flag_reason.empty() ? "" : "\nFLAGGED  ", m->flag_reason.c_str());
          if (!m->flag_reason.empty()) code = 1;
        }
      }
      return code;
    }
    auto devices = fleet::fleetStatus(server);
    if (!devices) return report(devices.error());
    std::printf("%-36s  %-12s  %-14s  %8s  %-20s  %s\n", "device", "site", "name", "rows", "last push", "flag / pins");
    for (const auto& dv : *devices) {
      std::printf("%-36s  %-12s  %-14s  %8lld  %-20s  %s\n", dv.device_id.c_str(), dv.site.c_str(), dv.name.c_str(),
                  static_cast<long long>(dv.head_seq), dv.last_push.empty() ? "never" : dv.last_push.c_str(),
                  dv.flag_reason.empty() ? "" : ("FLAGGED: " + dv.flag_reason).c_str());
      for (const auto& p : dv.pins) std::printf("%-36s  %-12s  %-14s  %8s  %-20s  pin %s\n", "", "", "", "", "", p.c_str());
      if (!dv.flag_reason.empty()) code = 1;
    }
    std::printf("%zu devices\n", devices->size());
    return code;
  }

  if (verify->parsed()) {
    auto r = fleet::verifyServer(server);
    if (!r) return report(r.error());
    for (const auto& d : r->devices) {
      std::printf("%s %s  %s/%s  %lld rows%s%s\n", d.problems.empty() ? "OK      " : "TAMPERED", d.device_id.c_str(),
                  d.site.empty() ? "-" : d.site.c_str(), d.name.empty() ? "-" : d.name.c_str(),
                  static_cast<long long>(d.rows), d.flag_reason.empty() ? "" : "  flagged: ", d.flag_reason.c_str());
      for (const auto& p : d.problems) std::printf("         %s\n", p.c_str());
    }
    std::printf("%s: %zu devices, %lld journal rows, every chain recomputed\n", r->ok() ? "OK" : "PROBLEMS",
                r->devices.size(), static_cast<long long>(r->rows));
    return r->ok() ? 0 : 1;
  }

  if (clear->parsed()) {
    if (auto st = fleet::clearFlag(server, device_id, reason); !st) return report(st.error());
    std::printf("cleared the flag of device %s\n", device_id.c_str());
    return 0;
  }

  if (pin->parsed()) {
    auto store = openDb(db_path);
    if (!store) return report(store.error());
    auto p = fleet::pinFromPack(pack_dir, key_file, now);
    if (!p) return report(p.error());
    if (auto st = store->pinPack(*p); !st) return report(st.error());
    std::printf("pinned %s@%s signed by %s on device %s\n", p->pack_id.c_str(), p->version.c_str(),
                p->key_fingerprint.c_str(), store->device().id.c_str());
    return 0;
  }

  if (unpin->parsed()) {
    auto store = openDb(db_path);
    if (!store) return report(store.error());
    if (auto st = store->unpinPack(pack_id, now); !st) return report(st.error());
    std::printf("unpinned %s\n", pack_id.c_str());
    return 0;
  }

  if (pins->parsed()) {
    auto store = openDb(db_path);
    if (!store) return report(store.error());
    const auto list = store->packPins();
    for (const auto& p : list) {
      std::printf("%s@%s  key %s  since %s\n", p.pack_id.c_str(), p.version.c_str(), p.key_fingerprint.c_str(),
                  isoUtc(p.pinned_ns).c_str());
    }
    if (list.empty()) std::printf("no pack is pinned on this device\n");
    return 0;
  }
  return 0;
}
