// libpq wrappers: connection options from a URL (no password allowed, keepalives, TLS with a CA), errors in words.
#include "pg.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>

#include "rivet/core/log.hpp"

namespace rivet::fleet {
namespace {

struct Conninfo {
  std::vector<std::string> keys, values;
  std::map<std::string, std::string> given;  // what the URL said
  std::string shown;                         // user@host:port/db (TLS ...)
};

bool isLoopback(const std::string& host) {
  return host.empty() || host == "localhost" || host.rfind("127.", 0) == 0 || host == "::1" || host[0] == '/';
}

std::string tlsWords(const std::string& sslmode, const std::string& host) {
  if (sslmode == "verify-full") return "TLS, server verified";
  if (sslmode == "verify-ca") return "TLS, CA checked but not the host name";
  if (sslmode == "require") return "TLS, server NOT verified";
  if (sslmode == "disable") return isLoopback(host) ? "local, no TLS" : "no TLS";
  return isLoopback(host) ? "local" : "TLS if offered, server NOT verified";
}

core::Result<Conninfo> parseConninfo(const ServerOptions& s) {
  if (s.url.empty()) {
    return core::makeError("no server given", "fleet", "give a PostgreSQL URL such as postgresql://headset07@fleet.plant:5432/rivet");
  }
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(s.url.c_str(), &err);
  if (opts == nullptr) {
    std::string msg = err ? err : "out of memory";
    PQfreemem(err);
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    return core::makeError("not a PostgreSQL server URL: " + msg, "server URL",
                           "write postgresql://USER@HOST:PORT/DATABASE[?sslmode=verify-full&sslrootcert=ca.pem]");
  }
  Conninfo ci;
  for (PQconninfoOption* o = opts; o->keyword != nullptr; ++o) {
    if (o->val != nullptr && *o->val != '\0') ci.given[o->keyword] = o->val;
  }
  PQconninfoFree(opts);
  if (ci.given.count("password")) {
    return core::makeError("the server URL holds a password", "server URL",
                           "remove it from the URL (it would show in the process list and the shell history) and put "
                           "it in a password file named by PGPASSFILE (default ~/.pgpass, mode 0600: "
                           "host:port:database:user:password) or in PGPASSWORD");
  }
  auto setDefault = [&](const std::string& key, const std::string& value) {
    if (!ci.given.count(key)) ci.given[key] = value;
  };
  if (!s.ca_file.empty()) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(s.ca_file, ec)) {
      return core::makeError("the CA certificate file does not exist", s.ca_file,
                             "give the PEM file of the CA that signed the PostgreSQL server's certificate");
    }
    const auto mode = ci.given.find("sslmode");
    if (mode != ci.given.end() && mode->second != "verify-full" && mode->second != "verify-ca") {
      return core::makeError("--ca asks for a verified TLS connection but the URL says sslmode=" + mode->second,
                             "server URL", "remove sslmode from the URL or set it to verify-full");
    }
    ci.given["sslrootcert"] = s.ca_file;
    setDefault("sslmode", "verify-full");
  }
  setDefault("connect_timeout", std::to_string(s.connect_timeout_s));
  setDefault("application_name", s.application_name);
  // A server that vanishes without closing the connection (cable cut, host frozen) is noticed within ~30 s.
  setDefault("keepalives", "1");
  setDefault("keepalives_idle", "15");
  setDefault("keepalives_interval", "5");
  setDefault("keepalives_count", "3");
  setDefault("tcp_user_timeout", "30000");
  for (const auto& [k, v] : ci.given) {
    ci.keys.push_back(k);
    ci.values.push_back(v);
  }
  auto get = [&](const char* key, const char* env, const char* fallback) {
    if (auto it = ci.given.find(key); it != ci.given.end()) return it->second;
    if (const char* e = std::getenv(env); e != nullptr && *e != '\0') return std::string(e);
    return std::string(fallback);
  };
  const std::string host = get("host", "PGHOST", "localhost");
  const std::string user = get("user", "PGUSER", std::getenv("USER") ? std::getenv("USER") : "");
  const std::string sslmode = get("sslmode", "PGSSLMODE", "prefer");
  ci.shown = user + "@" + host + ":" + get("port", "PGPORT", "5432") + "/" + get("dbname", "PGDATABASE", user.c_str()) +
             " (" + tlsWords(sslmode, host) + ")";
  return ci;
}

bool transientState(const std::string& sqlstate) {
  return sqlstate.rfind("08", 0) == 0 || sqlstate.rfind("53", 0) == 0 || sqlstate == "57P01" || sqlstate == "57P02" ||
         sqlstate == "57P03" || sqlstate == "40001" || sqlstate == "40P01" || sqlstate == "55P03" || sqlstate == "57014";
}

// libpq's multi-line messages ("FATAL:  ...\nserver closed the connection unexpectedly\n\tThis probably...") on one line.
std::string trimmed(const std::string& s) {
  std::string out, line;
  auto flush = [&] {
    std::size_t b = line.find_first_not_of(" \t");
    if (b == std::string::npos) return line.clear();
    line = line.substr(b);
    for (const char* prefix : {"FATAL:  ", "ERROR:  ", "FATAL: ", "ERROR: "}) {
      if (line.rfind(prefix, 0) == 0) line = line.substr(std::string(prefix).size());
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    if (!line.empty()) out += (out.empty() ? "" : "; ") + line;
    line.clear();
  };
  for (char c : s) {
    if (c == '\n') flush();
    else line += c;
  }
  flush();
  return out;
}

}  // namespace

core::Result<std::string> describeServer(const ServerOptions& server) {
  auto ci = parseConninfo(server);
  if (!ci) return ci.error();
  return ci->shown;
}

namespace pg {

std::int64_t Rows::i64(int row, int col) const {
  if (null(row, col)) return 0;
  return std::strtoll(PQgetvalue(r_.get(), row, col), nullptr, 10);
}

core::Result<Connection> Connection::open(const ServerOptions& server, bool* transient) {
  if (transient != nullptr) *transient = false;
  auto ci = parseConninfo(server);
  if (!ci) return ci.error();
  std::vector<const char*> keys, values;
  for (std::size_t i = 0; i < ci->keys.size(); ++i) {
    keys.push_back(ci->keys[i].c_str());
    values.push_back(ci->values[i].c_str());
  }
  keys.push_back(nullptr);
  values.push_back(nullptr);
  Connection c;
  c.where_ = ci->shown;
  c.c_.reset(PQconnectdbParams(keys.data(), values.data(), 0));
  if (!c.c_) return core::makeError("cannot connect: out of memory", c.where_);
  if (PQstatus(c.c_.get()) != CONNECTION_OK) {
    const std::string msg = trimmed(PQerrorMessage(c.c_.get()));
    const bool permanent = msg.find("authentication failed") != std::string::npos ||
                           msg.find("no password supplied") != std::string::npos ||
                           msg.find("does not exist") != std::string::npos ||
                           msg.find("certificate") != std::string::npos || msg.find("SSL") != std::string::npos ||
                           msg.find("pg_hba.conf") != std::string::npos;
    std::string hint = "check that the server runs and can be reached; the records wait on the device meanwhile";
    if (msg.find("authentication") != std::string::npos || msg.find("password") != std::string::npos) {
      hint = "put the password in the file PGPASSFILE names (default ~/.pgpass, mode 0600) or in PGPASSWORD";
    } else if (msg.find("certificate") != std::string::npos || msg.find("SSL") != std::string::npos) {
      hint = "give the CA that signed the server's certificate (--ca) and the host name the certificate names";
    }
    if (transient != nullptr) *transient = !permanent;
    return core::makeError("cannot connect to the fleet server: " + msg, c.where_, hint);
  }
  // Server notices ("relation already exists, skipping" when init-server migrates) are not for the user.
  PQsetNoticeProcessor(c.c_.get(), [](void*, const char*) {}, nullptr);
  const std::string encoding = PQparameterStatus(c.c_.get(), "server_encoding") ? PQparameterStatus(c.c_.get(), "server_encoding") : "";
  if (!encoding.empty() && encoding != "UTF8") {
    return core::makeError("the fleet database is encoded in " + encoding + ", not UTF8", c.where_,
                           "create the database with ENCODING 'UTF8' (hashes are computed over UTF-8 bytes)");
  }
  const char* mode = nullptr;
  if (auto it = std::find(ci->keys.begin(), ci->keys.end(), "sslmode"); it != ci->keys.end()) {
    mode = ci->values[static_cast<std::size_t>(it - ci->keys.begin())].c_str();
  }
  if (!isLoopback(PQhost(c.c_.get()) ? PQhost(c.c_.get()) : "") &&
      (mode == nullptr || (std::string(mode) != "verify-full" && std::string(mode) != "verify-ca"))) {
    core::log::warn("fleet: the connection to " + c.where_ +
                    " is not authenticated by TLS; use sslmode=verify-full with the server's CA (--ca)");
  }
  return c;
}

std::string Connection::role() const { return c_ && PQuser(c_.get()) ? PQuser(c_.get()) : ""; }

core::Error Connection::failure(PGresult* r, const std::string& what) {
  std::string sqlstate, primary, detail, hint;
  if (r != nullptr) {
    if (const char* f = PQresultErrorField(r, PG_DIAG_SQLSTATE)) sqlstate = f;
    if (const char* f = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY)) primary = f;
    if (const char* f = PQresultErrorField(r, PG_DIAG_MESSAGE_DETAIL)) detail = f;
    if (const char* f = PQresultErrorField(r, PG_DIAG_MESSAGE_HINT)) hint = f;
  }
  if (primary.empty()) primary = trimmed(c_ ? PQerrorMessage(c_.get()) : "no connection");
  last_transient_ = broken() || transientState(sqlstate);
  if (hint.empty()) {
    if (sqlstate == "3F000" || sqlstate == "42883" || sqlstate == "42P01") {
      hint = "run 'rivet-sync init-server URL' as the fleet database's owner first";
    } else if (sqlstate == "42501") {
      hint = "an administrator grants the device role: GRANT rivet_device TO \"" + role() + "\"";
    } else if (last_transient_) {
      hint = "the server or the network is gone; the records wait on the device and sync resumes when it is back";
    }
  }
  std::string message = what + ": " + primary;
  if (!detail.empty()) message += " (" + detail + ")";
  return core::makeError(message, where_, hint);
}

core::Result<Rows> Connection::exec(const std::string& sql, const std::vector<Param>& params) {
  last_transient_ = false;
  if (!c_) return core::makeError("not connected", where_);
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  PGresult* r = PQexecParams(c_.get(), sql.c_str(), static_cast<int>(params.size()), nullptr, values.data(), nullptr,
                             nullptr, 0);
  const ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
    auto e = failure(r, "the fleet server refused the request");
    PQclear(r);
    return e;
  }
  return Rows(r);
}

core::Status Connection::execScript(const std::string& sql) {
  last_transient_ = false;
  if (!c_) return core::makeError("not connected", where_);
  PGresult* r = PQexec(c_.get(), sql.c_str());
  const ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
    auto e = failure(r, "the fleet server refused the script");
    PQclear(r);
    return e;
  }
  PQclear(r);
  return {};
}

}  // namespace pg
}  // namespace rivet::fleet
