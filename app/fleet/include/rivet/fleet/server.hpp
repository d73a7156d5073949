// Fleet server side: how to reach the central PostgreSQL, create/migrate its schema, recompute every device's chain.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "rivet/core/result.hpp"

namespace rivet::fleet {

// Where the central records live. The URL is a libpq URI (postgresql://user@host:5432/db?sslmode=verify-full&...)
// or a key=value connection string. It must not hold a password: libpq reads it from PGPASSFILE (~/.pgpass by
// default) or PGPASSWORD, so it never shows in a process list or a shell history.
struct ServerOptions {
  std::string url;
  std::string ca_file;           // TLS: check the server's certificate and host name against this CA (verify-full)
  int connect_timeout_s = 10;    // unless the URL sets connect_timeout
  std::string application_name = "rivet-sync";
};

// "user@host:port/db (TLS verify-full)" — the server as shown to people (never a password).
core::Result<std::string> describeServer(const ServerOptions& server);

struct InitReport {
  std::string fleet_id;  // the server's id (devices key their acknowledged mark by it)
  int schema = 0;
  bool created = false;  // false: an existing schema was checked and migrated
};

// Creates or migrates the rivet_fleet schema (tables, append-only triggers, hello/push functions, the rivet_device
// and rivet_fleet_reader roles, privileges) in one transaction. Needs an administrator (owner of the database,
// CREATEROLE for the two roles). Refuses a database that is not UTF-8 and a schema newer than this program.
core::Result<InitReport> initServer(const ServerOptions& server);

struct DeviceReport {
  std::string device_id, name, site, owner_role, app_version;
  std::int64_t rows = 0;          // journal rows the server holds
  std::int64_t head_seq = 0;      // the device's acknowledged mark
  std::string head_hash;
  std::string last_push;          // ISO time, empty when never
  std::string flag_reason;        // empty when not flagged
  std::vector<std::string> pins;  // "pack@version key-fingerprint"
  std::vector<std::string> problems;  // verifyServer only: what does not verify
};

struct ServerVerifyReport {
  std::vector<DeviceReport> devices;
  std::int64_t rows = 0;
  [[nodiscard]] bool ok() const;
};

// Every device, with its head, flag and pins (reader or administrator).
core::Result<std::vector<DeviceReport>> fleetStatus(const ServerOptions& server);

// Recomputes every device's chain from the rows the server holds, in this program (independently of the server's
// own check): sequence 1..N with no gap, each row chaining on the previous one's hash, each hash matching the row's
// content, and the device's head matching its last row.
core::Result<ServerVerifyReport> verifyServer(const ServerOptions& server);

// What the server holds of one device, asked by the role that registered it (nothing is registered or updated).
struct ServerMark {
  bool known = false;  // false: the server has no such device for this role (never synced, or another role's)
  std::string fleet_id;
  std::int64_t head_seq = 0;
  std::string head_hash;
  std::string flag_reason;
  std::string last_push;  // ISO time, empty when never
};
core::Result<ServerMark> serverMark(const ServerOptions& server, const std::string& device_id);

// An administrator clears a device's flag after looking into it; the flag history keeps both.
core::Status clearFlag(const ServerOptions& server, const std::string& device_id, const std::string& reason);

}  // namespace rivet::fleet
