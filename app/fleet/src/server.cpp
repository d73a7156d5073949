// Fleet server administration: schema creation/migration, fleet status, independent recomputation of every chain.
#include "rivet/fleet/server.hpp"

#include <cstdlib>
#include <map>

#include "pg.hpp"
#include "rivet/records/journal.hpp"

namespace rivet::fleet {
namespace {

constexpr int kSchemaVersion = 1;

// server_schema.sql, embedded at build time.
constexpr const char* kServerSchema =
#include "server_schema.inc"
    ;

}  // namespace

bool ServerVerifyReport::ok() const {
  for (const auto& d : devices) {
    if (!d.problems.empty()) return false;
  }
  return true;
}

core::Result<InitReport> initServer(const ServerOptions& server) {
  auto conn = pg::Connection::open(server);
  if (!conn) return conn.error();
  auto version = conn->exec("SELECT current_setting('server_version_num')::integer");
  if (!version) return version.error();
  if (version->i64(0, 0) < 130000) {
    return core::makeError("the fleet server runs PostgreSQL " + std::to_string(version->i64(0, 0) / 10000) +
                               "; Rivet needs 13 or newer",
                           conn->where(), "use Debian 12's postgresql (15)");
  }
  auto existing = conn->exec("SELECT to_regclass('rivet_fleet.meta') IS NOT NULL");
  if (!existing) return existing.error();
  InitReport report;
  report.created = existing->text(0, 0) != "t";
  if (!report.created) {
    auto v = conn->exec("SELECT value FROM rivet_fleet.meta WHERE key = 'schema'");
    if (!v) return v.error();
    const int found = v->size() > 0 ? std::atoi(v->text(0, 0).c_str()) : 0;
    if (found > kSchemaVersion) {
      return core::makeError("the fleet schema on the server is version " + std::to_string(found) +
                                 ", newer than this program's " + std::to_string(kSchemaVersion),
                             conn->where(), "use the rivet-sync that created it (a newer Rivet)");
    }
  }
  if (auto st = conn->execScript(std::string("BEGIN;\n") + kServerSchema + "\nCOMMIT;"); !st) {
    (void)conn->execScript("ROLLBACK");
    return core::makeError(st.error().message, st.error().where,
                           st.error().hint.empty()
                               ? "run it as the database's owner with CREATEROLE (the rivet_device and "
                                 "rivet_fleet_reader roles are created once per server)"
                               : st.error().hint);
  }
  auto id = conn->exec("SELECT value FROM rivet_fleet.meta WHERE key = 'fleet_id'");
  if (!id) return id.error();
  report.fleet_id = id->text(0, 0);
  report.schema = kSchemaVersion;
  return report;
}

namespace {

// Every device with its head, flag and pins, read on `conn` (inside the caller's snapshot when it has one).
core::Result<std::vector<DeviceReport>> readDevices(pg::Connection& conn) {
  auto rows = conn.exec(
      "SELECT d.device_id, d.name, d.site, d.owner_role, d.app_version, d.head_seq, "
      "coalesce(to_char(d.last_push AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), ''), "
      "coalesce(d.flag_reason, ''), "
      "coalesce((SELECT string_agg(p.pack_id || '@' || p.version || ' ' || p.key_fingerprint, E'\\n' "
      "ORDER BY p.pack_id) FROM rivet_fleet.device_pins p WHERE p.device_id = d.device_id), ''), d.head_hash "
      "FROM rivet_fleet.devices d ORDER BY d.site, d.name, d.device_id");
  if (!rows) return rows.error();
  std::vector<DeviceReport> out;
  for (int i = 0; i < rows->size(); ++i) {
    DeviceReport d;
    d.device_id = rows->text(i, 0);
    d.name = rows->text(i, 1);
    d.site = rows->text(i, 2);
    d.owner_role = rows->text(i, 3);
    d.app_version = rows->text(i, 4);
    d.head_seq = rows->i64(i, 5);
    d.rows = d.head_seq;
    d.last_push = rows->text(i, 6);
    d.flag_reason = rows->text(i, 7);
    const std::string pins = rows->text(i, 8);
    std::size_t start = 0;
    while (start < pins.size()) {
      const auto nl = pins.find('\n', start);
      d.pins.push_back(pins.substr(start, nl == std::string::npos ? std::string::npos : nl - start));
      if (nl == std::string::npos) break;
      start = nl + 1;
    }
    d.head_hash = rows->text(i, 9);
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace

core::Result<std::vector<DeviceReport>> fleetStatus(const ServerOptions& server) {
  auto conn = pg::Connection::open(server);
  if (!conn) return conn.error();
  return readDevices(*conn);
}

core::Result<ServerVerifyReport> verifyServer(const ServerOptions& server) {
  auto conn = pg::Connection::open(server);
  if (!conn) return conn.error();
  // One snapshot for the devices, their heads and their rows (pushes may go on meanwhile).
  if (auto st = conn->execScript("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"); !st) return st.error();
  auto devices = readDevices(*conn);
  if (!devices) return devices.error();
  std::map<std::string, std::pair<std::int64_t, std::string>> head_of;
  for (const auto& d : *devices) head_of[d.device_id] = {d.head_seq, d.head_hash};
  if (auto st = conn->execScript(
          "DECLARE rows NO SCROLL CURSOR FOR SELECT device_id, device_seq, kind, session_id, client_id, time_ns, "
          "\"user\", step_id, event_type, outcome, to_step, value_text, unit, payload, prev_hash, hash "
          "FROM rivet_fleet.journal ORDER BY device_id, device_seq");
      !st) {
    return st.error();
  }
  ServerVerifyReport report;
  std::vector<std::string> order;
  std::map<std::string, DeviceReport> by_id;
  for (auto& d : *devices) {
    d.rows = 0;
    order.push_back(d.device_id);
    by_id[d.device_id] = std::move(d);
  }
  struct Walk {
    std::int64_t expected = 1;
    std::string prev = std::string(records::kGenesisHash);
  };
  std::map<std::string, Walk> walks;
  auto problem = [](DeviceReport& d, std::string p) {
    if (d.problems.size() < 20) d.problems.push_back(std::move(p));
  };
  for (;;) {
    auto batch = conn->exec("FETCH 5000 FROM rows");
    if (!batch) return batch.error();
    if (batch->size() == 0) break;
    for (int i = 0; i < batch->size(); ++i) {
      const std::string device = batch->text(i, 0);
      auto it = by_id.find(device);
      if (it == by_id.end()) {  // rows of a device the devices table does not list
        DeviceReport orphan;
        orphan.device_id = device;
        problem(orphan, "journal rows of a device the devices table does not list");
        order.push_back(device);
        it = by_id.emplace(device, std::move(orphan)).first;
      }
      DeviceReport& d = it->second;
      Walk& w = walks[device];
      records::JournalRow row;
      row.seq = batch->i64(i, 1);
      row.kind = batch->text(i, 2);
      if (!batch->null(i, 3)) row.session_id = batch->i64(i, 3);
      row.client_id = batch->optText(i, 4);
      row.time_ns = batch->i64(i, 5);
      row.user = batch->optText(i, 6);
      row.step_id = batch->optText(i, 7);
      row.event_type = batch->optText(i, 8);
      row.outcome = batch->optText(i, 9);
      row.to_step = batch->optText(i, 10);
      const auto value_text = batch->optText(i, 11);
      if (value_text) row.value = std::strtod(value_text->c_str(), nullptr);
      row.unit = batch->optText(i, 12);
      row.payload = batch->text(i, 13);
      row.prev_hash = batch->text(i, 14);
      row.hash = batch->text(i, 15);
      ++d.rows;
      ++report.rows;
      const std::string at = "row " + std::to_string(row.seq) + " (" + row.kind + ")";
      if (row.seq != w.expected) {
        problem(d, at + ": expected row " + std::to_string(w.expected) + " here (rows missing)");
      }
      if (row.prev_hash != w.prev) problem(d, at + ": does not chain on the previous row");
      if (value_text && row.valueText() != value_text) {
        problem(d, at + ": value '" + *value_text + "' is not in the device's number format");
      } else if (row.computeHash() != row.hash) {
        problem(d, at + ": content does not match its hash (altered on the server)");
      }
      w.expected = row.seq + 1;
      w.prev = row.hash;
    }
  }
  (void)conn->execScript("COMMIT");
  for (const auto& id : order) {
    DeviceReport& d = by_id[id];
    const auto h = head_of.find(d.device_id);
    const Walk& w = walks[d.device_id];
    if (h != head_of.end() && (h->second.first != w.expected - 1 || h->second.second != w.prev)) {
      problem(d, "the device's head says row " + std::to_string(h->second.first) + " but its journal ends at row " +
                     std::to_string(w.expected - 1) + " (rows deleted from the end, or the head was edited)");
    }
  }
  for (const auto& id : order) report.devices.push_back(std::move(by_id[id]));
  return report;
}

core::Result<ServerMark> serverMark(const ServerOptions& server, const std::string& device_id) {
  auto conn = pg::Connection::open(server);
  if (!conn) return conn.error();
  auto r = conn->exec(
      "SELECT fleet_id, head_seq, head_hash, coalesce(flag_reason, ''), "
      "coalesce(to_char(last_push AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '') "
      "FROM rivet_fleet.device_status($1::uuid)",
      {device_id});
  if (!r) return r.error();
  ServerMark m;
  if (r->size() == 0) return m;
  m.known = true;
  m.fleet_id = r->text(0, 0);
  m.head_seq = r->i64(0, 1);
  m.head_hash = r->text(0, 2);
  m.flag_reason = r->text(0, 3);
  m.last_push = r->text(0, 4);
  return m;
}

core::Status clearFlag(const ServerOptions& server, const std::string& device_id, const std::string& reason) {
  if (reason.empty()) {
    return core::makeError("clearing a flag needs a reason", "clear-flag", "say what was checked, e.g. --reason \"...\"");
  }
  auto conn = pg::Connection::open(server);
  if (!conn) return conn.error();
  auto r = conn->exec("SELECT rivet_fleet.clear_flag($1::uuid, $2)", {device_id, reason});
  if (!r) return r.error();
  return {};
}

}  // namespace rivet::fleet
