// Records store: SQLite (WAL, synchronous=FULL) journal with a SHA-256 hash chain, users (scrypt PINs, badges), sessions, training.
#include "rivet/records/store.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cinttypes>
#include <cstdio>
#include <map>

#include "rivet/records/journal.hpp"
#include "sqlite.hpp"

namespace rivet::records {

using procedure::Role;

const char* toString(SessionStatus status) {
  switch (status) {
    case SessionStatus::Open: return "open";
    case SessionStatus::Finished: return "finished";
    case SessionStatus::Aborted: return "aborted";
  }
  return "?";
}

std::string sha256Hex(std::string_view bytes) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  EVP_Digest(bytes.data(), bytes.size(), md.data(), &len, EVP_sha256(), nullptr);
  static const char* kHex = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(kHex[md[i] >> 4]);
    out.push_back(kHex[md[i] & 15]);
  }
  return out;
}

namespace {

const std::string kGenesis(64, '0');

std::string hex(const unsigned char* p, std::size_t n) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(kHex[p[i] >> 4]);
    out.push_back(kHex[p[i] & 15]);
  }
  return out;
}

// A version-4 UUID from RAND_bytes, lowercase.
std::optional<std::string> randomUuid() {
  std::array<unsigned char, 16> b{};
  if (RAND_bytes(b.data(), static_cast<int>(b.size())) != 1) return std::nullopt;
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);
  const std::string h = hex(b.data(), b.size());
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" + h.substr(20);
}

std::optional<std::string> unhex(const std::string& s) {
  if (s.size() % 2) return std::nullopt;
  std::string out;
  for (std::size_t i = 0; i < s.size(); i += 2) {
    auto v = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      return -1;
    };
    const int hi = v(s[i]), lo = v(s[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

std::optional<std::string> scrypt(const std::string& secret, const std::string& salt, const KdfParams& k) {
  std::array<unsigned char, 32> key{};
  const std::uint64_t maxmem = 128ULL * k.r * k.n * k.p + 64ULL * 1024 * 1024;
  if (EVP_PBE_scrypt(secret.data(), secret.size(), reinterpret_cast<const unsigned char*>(salt.data()), salt.size(),
                     k.n, k.r, k.p, maxmem, key.data(), key.size()) != 1) {
    return std::nullopt;
  }
  return std::string(reinterpret_cast<const char*>(key.data()), key.size());
}

// "scrypt$N$r$p$salt$hash" (hex).
std::optional<std::string> hashSecret(const std::string& secret, const KdfParams& k) {
  std::array<unsigned char, 16> salt{};
  if (RAND_bytes(salt.data(), static_cast<int>(salt.size())) != 1) return std::nullopt;
  const std::string salt_s(reinterpret_cast<const char*>(salt.data()), salt.size());
  auto key = scrypt(secret, salt_s, k);
  if (!key) return std::nullopt;
  return "scrypt$" + std::to_string(k.n) + "$" + std::to_string(k.r) + "$" + std::to_string(k.p) + "$" +
         hex(salt.data(), salt.size()) + "$" + hex(reinterpret_cast<const unsigned char*>(key->data()), key->size());
}

bool checkSecret(const std::string& secret, const std::string& stored) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= stored.size(); ++i) {
    if (i == stored.size() || stored[i] == '$') {
      parts.push_back(stored.substr(start, i - start));
      start = i + 1;
    }
  }
  if (parts.size() != 6 || parts[0] != "scrypt") return false;
  KdfParams k;
  try {
    k.n = std::stoull(parts[1]);
    k.r = static_cast<std::uint32_t>(std::stoul(parts[2]));
    k.p = static_cast<std::uint32_t>(std::stoul(parts[3]));
  } catch (const std::exception&) {
    return false;
  }
  auto salt = unhex(parts[4]);
  auto expected = unhex(parts[5]);
  if (!salt || !expected) return false;
  auto key = scrypt(secret, *salt, k);
  return key && key->size() == expected->size() && CRYPTO_memcmp(key->data(), expected->data(), key->size()) == 0;
}

std::string shortNum(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

std::string isoUtc(std::int64_t ns) {
  if (ns <= 0) return {};
  const std::time_t s = static_cast<std::time_t>(ns / 1'000'000'000);
  std::tm tm{};
  gmtime_r(&s, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>((ns / 1'000'000) % 1000));
  return buf;
}

std::string num(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

using Row = JournalRow;

std::optional<std::string> opt(const std::string& s) { return s.empty() ? std::nullopt : std::optional<std::string>(s); }

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS users(
  id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL, role TEXT NOT NULL, secret TEXT NOT NULL,
  failures INTEGER NOT NULL DEFAULT 0, locked_until_ns INTEGER NOT NULL DEFAULT 0, created_ns INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS sessions(
  id INTEGER PRIMARY KEY, user TEXT NOT NULL, procedure_id TEXT NOT NULL, procedure_version TEXT NOT NULL,
  pack_hash TEXT NOT NULL, asset_id TEXT NOT NULL, work_order TEXT NOT NULL, mode TEXT NOT NULL,
  faults TEXT NOT NULL, start_ns INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS journal(
  seq INTEGER PRIMARY KEY, kind TEXT NOT NULL, session_id INTEGER, client_id TEXT, time_ns INTEGER NOT NULL,
  user TEXT, step_id TEXT, event_type TEXT, outcome TEXT, to_step TEXT, value REAL, unit TEXT,
  payload TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS journal_client ON journal(session_id, client_id) WHERE client_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS journal_session ON journal(session_id, seq);
CREATE TABLE IF NOT EXISTS chain_head(id INTEGER PRIMARY KEY CHECK (id = 1), count INTEGER NOT NULL, hash TEXT NOT NULL);
INSERT OR IGNORE INTO chain_head(id, count, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
CREATE TABLE IF NOT EXISTS training(
  session_id INTEGER PRIMARY KEY, user TEXT NOT NULL, procedure_id TEXT NOT NULL, time_ns INTEGER NOT NULL,
  score REAL NOT NULL, passed INTEGER NOT NULL, errors INTEGER NOT NULL, wrong_answers INTEGER NOT NULL,
  gate_attempts INTEGER NOT NULL, hints INTEGER NOT NULL, total_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS badges(
  id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id), token_hash TEXT NOT NULL,
  issued_ns INTEGER NOT NULL, revoked_ns INTEGER NOT NULL DEFAULT 0);
CREATE UNIQUE INDEX IF NOT EXISTS badges_active ON badges(user_id) WHERE revoked_ns = 0;
CREATE TABLE IF NOT EXISTS sync_state(
  server_id TEXT PRIMARY KEY, server TEXT NOT NULL, acked_seq INTEGER NOT NULL, acked_hash TEXT NOT NULL,
  acked_ns INTEGER NOT NULL, last_error TEXT NOT NULL DEFAULT '', error_ns INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS pack_pins(
  pack_id TEXT PRIMARY KEY, version TEXT NOT NULL, key_fingerprint TEXT NOT NULL, pinned_ns INTEGER NOT NULL);
CREATE TRIGGER IF NOT EXISTS journal_no_update BEFORE UPDATE ON journal BEGIN SELECT RAISE(ABORT, 'journal is append-only'); END;
CREATE TRIGGER IF NOT EXISTS journal_no_delete BEFORE DELETE ON journal BEGIN SELECT RAISE(ABORT, 'journal is append-only'); END;
CREATE TRIGGER IF NOT EXISTS sessions_no_update BEFORE UPDATE ON sessions BEGIN SELECT RAISE(ABORT, 'sessions are append-only'); END;
CREATE TRIGGER IF NOT EXISTS sessions_no_delete BEFORE DELETE ON sessions BEGIN SELECT RAISE(ABORT, 'sessions are append-only'); END;
)sql";

}  // namespace

std::optional<std::string> JournalRow::valueText() const {
  if (!value) return std::nullopt;
  return num(*value);
}

std::string JournalRow::canonical() const {
  std::string s;
  auto add = [&](const std::optional<std::string>& f) {
    if (!f) {
      s += "-1:";
      return;
    }
    s += std::to_string(f->size()) + ":" + *f;
  };
  add(std::to_string(seq));
  add(kind);
  add(session_id ? std::optional<std::string>(std::to_string(*session_id)) : std::nullopt);
  add(client_id);
  add(std::to_string(time_ns));
  add(user);
  add(step_id);
  add(event_type);
  add(outcome);
  add(to_step);
  add(valueText());
  add(unit);
  add(payload);
  add(prev_hash);
  return s;
}

std::string JournalRow::computeHash() const { return sha256Hex(canonical()); }

struct Store::Impl {
  sqlite3* db = nullptr;
  std::string path;
  StoreOptions options;
  db::Stmt head, insert_row, set_head, find_client, user_by_name;

  ~Impl() {
    head = {};
    insert_row = {};
    set_head = {};
    find_client = {};
    user_by_name = {};
    if (db) sqlite3_close(db);
  }

  core::Error err(const std::string& what, const std::string& hint = {}) const {
    return core::makeError(what + ": " + sqlite3_errmsg(db), path, hint);
  }
  bool exec(const char* sql) { return sqlite3_exec(db, sql, nullptr, nullptr, nullptr) == SQLITE_OK; }

  // RAII write transaction: BEGIN IMMEDIATE ... COMMIT (durable: WAL fsync with synchronous=FULL).
  struct Tx {
    Impl& impl;
    bool open = false;
    explicit Tx(Impl& i) : impl(i) { open = impl.exec("BEGIN IMMEDIATE"); }
    bool commit() {
      if (!open) return false;
      open = false;
      if (impl.exec("COMMIT")) return true;
      impl.exec("ROLLBACK");
      return false;
    }
    ~Tx() {
      if (open) impl.exec("ROLLBACK");
    }
  };

  // Appends a journal row inside an open transaction; fills seq, prev_hash, hash.
  bool append(Row& row) {
    head.reset();
    if (head.step() != SQLITE_ROW) return false;
    row.seq = head.i64(0) + 1;
    row.prev_hash = head.text(1);
    head.reset();
    row.hash = row.computeHash();
    auto& s = insert_row.reset();
    s.bind(1, row.seq).bind(2, std::string_view(row.kind));
    if (row.session_id) s.bind(3, *row.session_id); else s.bindNull(3);
    s.bind(4, row.client_id).bind(5, row.time_ns).bind(6, row.user).bind(7, row.step_id).bind(8, row.event_type);
    s.bind(9, row.outcome).bind(10, row.to_step).bind(11, row.value).bind(12, row.unit);
    s.bind(13, std::string_view(row.payload)).bind(14, std::string_view(row.prev_hash)).bind(15, std::string_view(row.hash));
    const int rc = s.step();
    s.reset();
    if (rc != SQLITE_DONE) return false;
    set_head.reset().bind(1, row.seq).bind(2, std::string_view(row.hash));
    const int rc2 = set_head.step();
    set_head.reset();
    return rc2 == SQLITE_DONE;
  }

  // After a PIN or badge check: updates the failure count shared by both (lockout after max_failures in a row,
  // reset by a success) and journals the attempt. Returns the lock time set by this failure (0 when none).
  core::Result<std::int64_t> settleLogin(std::int64_t user_id, std::int64_t failures, bool good, Row& row,
                                         const char* ok_payload, const char* fail_payload, std::int64_t now_ns) {
    Tx tx(*this);
    if (!tx.open) return err("cannot start a write transaction");
    db::Stmt upd(db, "UPDATE users SET failures = ?1, locked_until_ns = ?2 WHERE id = ?3");
    std::int64_t new_failures = good ? 0 : failures + 1;
    std::int64_t new_lock = 0;
    if (!good && new_failures >= options.max_failures) {
      new_lock = now_ns + options.lockout_ns;
      new_failures = 0;
    }
    upd.bind(1, new_failures).bind(2, new_lock).bind(3, user_id);
    if (upd.step() != SQLITE_DONE) return err("cannot update the login counters");
    row.kind = good ? "login_ok" : new_lock ? "user_locked" : "login_failed";
    row.payload = good ? ok_payload : fail_payload;
    if (!append(row) || !tx.commit()) return err("cannot journal the login");
    return new_lock;
  }

  core::Result<Row> commitRow(Row row, const std::string& what) {
    Tx tx(*this);
    if (!tx.open) return err("cannot start a write transaction for " + what, "is another program holding the database?");
    if (!append(row)) return err("cannot append " + what + " to the journal");
    if (!tx.commit()) return err("cannot commit " + what, "check free disk space and permissions");
    return row;
  }
};

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::Store(Store&&) noexcept = default;
Store& Store::operator=(Store&&) noexcept = default;
Store::~Store() = default;

core::Result<Store> Store::open(const std::string& path, StoreOptions options) {
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  impl->options = options;
  if (sqlite3_open_v2(path.c_str(), &impl->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                      nullptr) != SQLITE_OK) {
    return core::makeError(std::string("cannot open the records database: ") +
                               (impl->db ? sqlite3_errmsg(impl->db) : "out of memory"),
                           path, "check the path and that its folder exists and is writable");
  }
  sqlite3_busy_timeout(impl->db, 5000);
  sqlite3_extended_result_codes(impl->db, 1);
  {
    db::Stmt mode(impl->db, "PRAGMA journal_mode=WAL");
    if (!mode.valid() || mode.step() != SQLITE_ROW || mode.text(0) != "wal") {
      return core::makeError("the records database is not a usable SQLite file or cannot use WAL mode", path,
                             "give a new file name, or restore the file from a backup");
    }
  }
  if (!impl->exec(options.durable ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=OFF") || !impl->exec("PRAGMA foreign_keys=ON")) return impl->err("cannot set pragmas");
  if (!impl->exec("BEGIN IMMEDIATE")) return impl->err("cannot lock the database to create tables");
  if (!impl->exec(kSchema)) {
    auto e = impl->err("cannot create the records tables", "is this a Rivet records database?");
    impl->exec("ROLLBACK");
    return e;
  }
  // Schema 2 added the badges table, schema 3 the fleet tables (sync_state, pack_pins) and the device id; an older
  // database gets them from kSchema above and keeps its rows. The device id is drawn once, when first missing.
  {
    db::Stmt id(impl->db, "INSERT OR IGNORE INTO meta(key, value) VALUES ('device_id', ?1)");
    auto uuid = randomUuid();
    if (!uuid || !id.valid()) {
      impl->exec("ROLLBACK");
      return core::makeError("cannot draw a random device id (RAND_bytes failed)", path, "check OpenSSL");
    }
    id.bind(1, std::string_view(*uuid));
    if (id.step() != SQLITE_DONE) {
      auto e = impl->err("cannot store the device id");
      impl->exec("ROLLBACK");
      return e;
    }
  }
  if (!impl->exec("INSERT OR IGNORE INTO meta(key, value) VALUES ('schema', 'rivet-records 3')") ||
      !impl->exec("UPDATE meta SET value = 'rivet-records 3' WHERE key = 'schema' AND value IN "
                  "('rivet-records 1', 'rivet-records 2')") ||
      !impl->exec("COMMIT")) {
    return impl->err("cannot initialise the records database");
  }
  impl->head = db::Stmt(impl->db, "SELECT count, hash FROM chain_head WHERE id = 1");
  impl->insert_row = db::Stmt(impl->db,
                              "INSERT INTO journal(seq, kind, session_id, client_id, time_ns, user, step_id, event_type, "
                              "outcome, to_step, value, unit, payload, prev_hash, hash) VALUES "
                              "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)");
  impl->set_head = db::Stmt(impl->db, "UPDATE chain_head SET count = ?1, hash = ?2 WHERE id = 1");
  impl->find_client = db::Stmt(impl->db, "SELECT seq, hash FROM journal WHERE session_id = ?1 AND client_id = ?2");
  impl->user_by_name =
      db::Stmt(impl->db, "SELECT id, name, role, secret, failures, locked_until_ns FROM users WHERE name = ?1");
  for (const db::Stmt* s : {&impl->head, &impl->insert_row, &impl->set_head, &impl->find_client, &impl->user_by_name}) {
    if (!s->valid()) return core::makeError("cannot prepare a statement: " + s->error(), path, "is this a Rivet records database?");
  }
  return Store(std::move(impl));
}

core::Result<User> Store::addUser(const std::string& name, Role role, const std::string& secret, std::int64_t now_ns) {
  if (name.empty()) return core::makeError("a user needs a name", "records", "give a login name");
  if (secret.size() < 8) return core::makeError("the secret of '" + name + "' is shorter than 8 characters", "records",
                                                "choose a longer password or PIN phrase");
  auto hashed = hashSecret(secret, impl_->options.kdf);
  if (!hashed) return core::makeError("cannot hash the secret (scrypt failed)", "records", "check OpenSSL and free memory");
  Impl::Tx tx(*impl_);
  if (!tx.open) return impl_->err("cannot start a write transaction");
  db::Stmt ins(impl_->db, "INSERT INTO users(name, role, secret, created_ns) VALUES (?1, ?2, ?3, ?4)");
  ins.bind(1, std::string_view(name)).bind(2, std::string_view(toString(role))).bind(3, std::string_view(*hashed)).bind(4, now_ns);
  if (ins.step() != SQLITE_DONE) {
    return core::makeError("cannot add user '" + name + "': " + sqlite3_errmsg(impl_->db), impl_->path,
                           "user names must be unique");
  }
  User user{sqlite3_last_insert_rowid(impl_->db), name, role};
  Row row;
  row.kind = "user_added";
  row.time_ns = now_ns;
  row.user = name;
  row.payload = nlohmann::json{{"user", name}, {"role", toString(role)}}.dump();
  if (!impl_->append(row)) return impl_->err("cannot journal the new user");
  if (!tx.commit()) return impl_->err("cannot commit the new user");
  return user;
}

std::optional<User> Store::findUser(const std::string& name) const {
  auto& s = impl_->user_by_name.reset();
  s.bind(1, std::string_view(name));
  std::optional<User> out;
  if (s.step() == SQLITE_ROW) {
    auto role = procedure::roleFromString(s.text(2));
    out = User{s.i64(0), s.text(1), role.value_or(Role::Technician)};
  }
  s.reset();
  return out;
}

std::vector<User> Store::listUsers() const {
  std::vector<User> out;
  db::Stmt s(impl_->db, "SELECT id, name, role FROM users ORDER BY name");
  while (s.step() == SQLITE_ROW) {
    auto role = procedure::roleFromString(s.text(2));
    out.push_back(User{s.i64(0), s.text(1), role.value_or(Role::Technician)});
  }
  return out;
}

core::Result<User> Store::login(const std::string& name, const std::string& secret, std::int64_t now_ns) {
  auto& s = impl_->user_by_name.reset();
  s.bind(1, std::string_view(name));
  if (s.step() != SQLITE_ROW) {
    s.reset();
    (void)checkSecret(secret, "scrypt$" + std::to_string(impl_->options.kdf.n) + "$" +
                                  std::to_string(impl_->options.kdf.r) + "$1$00$00");  // same cost as a real check
    Row row;
    row.kind = "login_failed";
    row.time_ns = now_ns;
    row.user = name;
    row.payload = R"({"reason":"unknown user"})";
    (void)impl_->commitRow(row, "a failed login");
    return core::makeError("unknown user or wrong secret", "login", "check the name and the secret");
  }
  User user{s.i64(0), s.text(1), procedure::roleFromString(s.text(2)).value_or(Role::Technician)};
  const std::string stored = s.text(3);
  const std::int64_t failures = s.i64(4);
  const std::int64_t locked_until = s.i64(5);
  s.reset();
  Row row;
  row.time_ns = now_ns;
  row.user = name;
  if (locked_until > now_ns) {
    row.kind = "login_refused_locked";
    row.payload = R"({"reason":"locked"})";
    (void)impl_->commitRow(row, "a refused login");
    return core::makeError("account '" + name + "' is locked after " + std::to_string(impl_->options.max_failures) +
                               " failed logins until " + isoUtc(locked_until),
                           "login", "wait, or ask an admin to unlock it");
  }
  const bool good = checkSecret(secret, stored);
  auto settled = impl_->settleLogin(user.id, failures, good, row, R"({"result":"ok"})", R"({"reason":"wrong secret"})", now_ns);
  if (!settled) return settled.error();
  const std::int64_t new_lock = *settled;
  if (!good) {
    if (new_lock) {
      return core::makeError("wrong secret; account '" + name + "' is now locked until " + isoUtc(new_lock), "login",
                             "ask an admin to unlock it");
    }
    return core::makeError("unknown user or wrong secret", "login", "check the name and the secret");
  }
  return user;
}

core::Status Store::unlockUser(const std::string& name, std::int64_t now_ns) {
  auto user = findUser(name);
  if (!user) return core::makeError("unknown user '" + name + "'", "records", "check the name");
  Impl::Tx tx(*impl_);
  if (!tx.open) return impl_->err("cannot start a write transaction");
  db::Stmt upd(impl_->db, "UPDATE users SET failures = 0, locked_until_ns = 0 WHERE id = ?1");
  upd.bind(1, user->id);
  if (upd.step() != SQLITE_DONE) return impl_->err("cannot unlock");
  Row row;
  row.kind = "user_unlocked";
  row.time_ns = now_ns;
  row.user = name;
  row.payload = "{}";
  if (!impl_->append(row) || !tx.commit()) return impl_->err("cannot journal the unlock");
  return {};
}

namespace {

constexpr std::string_view kBadgePrefix = "RIVET-BADGE:1:";
constexpr std::size_t kBadgeTokenBytes = 16;  // 128 random bits

// The badge token is 128 bits from RAND_bytes, so a fast hash is enough: guessing a preimage means searching
// 2^128 tokens, which no cost factor would make harder in practice. scrypt protects low-entropy secrets (PINs,
// phrases); spent on every badge shown to the camera it would cost 32 MiB and tens of milliseconds for nothing.
std::string badgeHash(const std::string& token) { return "sha256$" + sha256Hex(token); }

struct BadgePayload {
  std::string user;
  std::string token;  // raw bytes
};

// "RIVET-BADGE:1:<user>:<32 hex digits>"; the user name may itself hold ':' (the token is after the last one).
// Trailing white space (scanners add line ends) is ignored; hex digits may be upper or lower case.
std::optional<BadgePayload> parseBadge(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ' || text.back() == '\t')) {
    text.pop_back();
  }
  if (text.size() <= kBadgePrefix.size() || text.compare(0, kBadgePrefix.size(), kBadgePrefix) != 0) return std::nullopt;
  const std::size_t colon = text.rfind(':');
  if (colon < kBadgePrefix.size() + 1) return std::nullopt;  // empty user name
  std::string hex_token = text.substr(colon + 1);
  if (hex_token.size() != 2 * kBadgeTokenBytes) return std::nullopt;
  for (char& c : hex_token) {
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
  }
  auto token = unhex(hex_token);
  if (!token) return std::nullopt;
  return BadgePayload{text.substr(kBadgePrefix.size(), colon - kBadgePrefix.size()), *token};
}

}  // namespace

core::Result<std::string> Store::issueBadge(const std::string& name, std::int64_t now_ns) {
  auto user = findUser(name);
  if (!user) return core::makeError("unknown user '" + name + "'", "records", "add the user first (rivet-records add-user)");
  std::array<unsigned char, kBadgeTokenBytes> token{};
  if (RAND_bytes(token.data(), static_cast<int>(token.size())) != 1) {
    return core::makeError("cannot draw a random badge token (RAND_bytes failed)", "records", "check OpenSSL");
  }
  const std::string token_s(reinterpret_cast<const char*>(token.data()), token.size());
  Impl::Tx tx(*impl_);
  if (!tx.open) return impl_->err("cannot start a write transaction");
  db::Stmt revoke(impl_->db, "UPDATE badges SET revoked_ns = ?1 WHERE user_id = ?2 AND revoked_ns = 0");
  revoke.bind(1, std::max<std::int64_t>(now_ns, 1)).bind(2, user->id);
  if (revoke.step() != SQLITE_DONE) return impl_->err("cannot revoke the previous badge");
  const int revoked = sqlite3_changes(impl_->db);
  db::Stmt ins(impl_->db, "INSERT INTO badges(user_id, token_hash, issued_ns) VALUES (?1, ?2, ?3)");
  ins.bind(1, user->id).bind(2, std::string_view(badgeHash(token_s))).bind(3, now_ns);
  if (ins.step() != SQLITE_DONE) return impl_->err("cannot store the badge");
  const std::int64_t badge_id = sqlite3_last_insert_rowid(impl_->db);
  Row row;
  row.kind = "badge_issued";
  row.time_ns = now_ns;
  row.user = name;
  row.payload = nlohmann::json{{"badge", badge_id}, {"replaced", revoked > 0}}.dump();
  if (!impl_->append(row)) return impl_->err("cannot journal the badge");
  if (!tx.commit()) return impl_->err("cannot commit the badge", "check free disk space");
  return std::string(kBadgePrefix) + name + ":" + hex(token.data(), token.size());
}

core::Status Store::revokeBadge(const std::string& name, std::int64_t now_ns) {
  auto user = findUser(name);
  if (!user) return core::makeError("unknown user '" + name + "'", "records", "check the name");
  Impl::Tx tx(*impl_);
  if (!tx.open) return impl_->err("cannot start a write transaction");
  db::Stmt revoke(impl_->db, "UPDATE badges SET revoked_ns = ?1 WHERE user_id = ?2 AND revoked_ns = 0");
  revoke.bind(1, std::max<std::int64_t>(now_ns, 1)).bind(2, user->id);
  if (revoke.step() != SQLITE_DONE) return impl_->err("cannot revoke the badge");
  if (sqlite3_changes(impl_->db) == 0) {
    return core::makeError("user '" + name + "' has no badge to revoke", "records", "issue one with issue-badge");
  }
  Row row;
  row.kind = "badge_revoked";
  row.time_ns = now_ns;
  row.user = name;
  row.payload = "{}";
  if (!impl_->append(row) || !tx.commit()) return impl_->err("cannot journal the revocation");
  return {};
}

core::Result<User> Store::loginBadge(const std::string& payload, std::int64_t now_ns) {
  auto badge = parseBadge(payload);
  if (!badge) {
    return core::makeError("not a Rivet badge (expected RIVET-BADGE:1:<user>:<32 hex digits>)", "badge login",
                           "show a badge printed by rivet-records issue-badge");
  }
  Row row;
  row.time_ns = now_ns;
  row.user = badge->user;
  auto& s = impl_->user_by_name.reset();
  s.bind(1, std::string_view(badge->user));
  if (s.step() != SQLITE_ROW) {
    s.reset();
    row.kind = "login_failed";
    row.payload = R"({"reason":"unknown user","method":"badge"})";
    (void)impl_->commitRow(row, "a failed badge login");
    return core::makeError("the badge names an unknown user", "badge login", "ask an admin for a new badge");
  }
  User user{s.i64(0), s.text(1), procedure::roleFromString(s.text(2)).value_or(Role::Technician)};
  const std::int64_t failures = s.i64(4);
  const std::int64_t locked_until = s.i64(5);
  s.reset();
  if (locked_until > now_ns) {
    row.kind = "login_refused_locked";
    row.payload = R"({"reason":"locked","method":"badge"})";
    (void)impl_->commitRow(row, "a refused badge login");
    return core::makeError("account '" + badge->user + "' is locked after " + std::to_string(impl_->options.max_failures) +
                               " failed logins until " + isoUtc(locked_until),
                           "badge login", "wait, or ask an admin to unlock it");
  }
  // Every badge the user ever had is compared (in constant time each) so a revoked one is named as such.
  const std::string presented = badgeHash(badge->token);
  bool good = false;
  std::int64_t revoked_at = 0;
  db::Stmt q(impl_->db, "SELECT token_hash, revoked_ns FROM badges WHERE user_id = ?1");
  q.bind(1, user.id);
  while (q.step() == SQLITE_ROW) {
    const std::string stored = q.text(0);
    if (stored.size() != presented.size() || CRYPTO_memcmp(stored.data(), presented.data(), stored.size()) != 0) continue;
    if (q.i64(1) == 0) {
      good = true;
    } else {
      revoked_at = q.i64(1);
    }
  }
  const char* fail = revoked_at ? R"({"reason":"revoked badge","method":"badge"})" : R"({"reason":"wrong badge","method":"badge"})";
  auto settled = impl_->settleLogin(user.id, failures, good, row, R"({"result":"ok","method":"badge"})", fail, now_ns);
  if (!settled) return settled.error();
  if (good) return user;
  if (*settled) {
    return core::makeError("badge not valid; account '" + badge->user + "' is now locked until " + isoUtc(*settled),
                           "badge login", "ask an admin to unlock it");
  }
  if (revoked_at) {
    return core::makeError("this badge was revoked on " + isoUtc(revoked_at), "badge login",
                           "use the newest badge, or ask an admin for a new one");
  }
  return core::makeError("badge not valid (wrong token, or no badge issued for this user)", "badge login",
                         "ask an admin for a new badge");
}

namespace {
std::string joinFaults(const std::vector<std::string>& faults) {
  std::string s;
  for (const auto& f : faults) s += (s.empty() ? "" : ",") + f;
  return s;
}
std::vector<std::string> splitFaults(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < s.size()) {
    const auto comma = s.find(',', start);
    out.push_back(s.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}
std::string sessionPayload(const SessionStart& s, std::int64_t id, std::int64_t start_ns) {
  return nlohmann::ordered_json{{"session", id},
                                {"user", s.user},
                                {"procedure_id", s.procedure_id},
                                {"procedure_version", s.procedure_version},
                                {"pack_hash", s.pack_hash},
                                {"asset_id", s.asset_id},
                                {"work_order", s.work_order},
                                {"mode", s.mode == procedure::Mode::Training ? "training" : "normal"},
                                {"faults", joinFaults(s.faults)},
                                {"start_ns", start_ns}}
      .dump();
}
constexpr const char* kSessionColumns =
    "SELECT s.id, s.user, s.procedure_id, s.procedure_version, s.pack_hash, s.asset_id, s.work_order, s.mode, "
    "s.faults, s.start_ns, (SELECT j.outcome FROM journal j WHERE j.session_id = s.id AND j.kind = 'session_end' "
    "ORDER BY j.seq DESC LIMIT 1), (SELECT j.time_ns FROM journal j WHERE j.session_id = s.id AND j.kind = "
    "'session_end' ORDER BY j.seq DESC LIMIT 1) FROM sessions s ";
Session readSession(const db::Stmt& s) {
  Session out;
  out.id = s.i64(0);
  out.info.user = s.text(1);
  out.info.procedure_id = s.text(2);
  out.info.procedure_version = s.text(3);
  out.info.pack_hash = s.text(4);
  out.info.asset_id = s.text(5);
  out.info.work_order = s.text(6);
  out.info.mode = s.text(7) == "training" ? procedure::Mode::Training : procedure::Mode::Normal;
  out.info.faults = splitFaults(s.text(8));
  out.start_ns = s.i64(9);
  const std::string end = s.text(10);
  out.status = end == "finished" ? SessionStatus::Finished : end == "aborted" ? SessionStatus::Aborted : SessionStatus::Open;
  out.end_ns = s.isNull(11) ? 0 : s.i64(11);
  return out;
}
}  // namespace

core::Result<Session> Store::startSession(const SessionStart& start, std::int64_t now_ns) {
  if (!findUser(start.user)) return core::makeError("unknown user '" + start.user + "'", "records", "log in first");
  if (start.procedure_id.empty()) return core::makeError("a session needs a procedure id", "records");
  Impl::Tx tx(*impl_);
  if (!tx.open) return impl_->err("cannot start a write transaction");
  db::Stmt ins(impl_->db,
               "INSERT INTO sessions(user, procedure_id, procedure_version, pack_hash, asset_id, work_order, mode, "
               "faults, start_ns) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
  ins.bind(1, std::string_view(start.user)).bind(2, std::string_view(start.procedure_id));
  ins.bind(3, std::string_view(start.procedure_version)).bind(4, std::string_view(start.pack_hash));
  ins.bind(5, std::string_view(start.asset_id)).bind(6, std::string_view(start.work_order));
  ins.bind(7, std::string_view(start.mode == procedure::Mode::Training ? "training" : "normal"));
  ins.bind(8, std::string_view(joinFaults(start.faults))).bind(9, now_ns);
  if (ins.step() != SQLITE_DONE) return impl_->err("cannot create the session");
  Session session;
  session.id = sqlite3_last_insert_rowid(impl_->db);
  session.info = start;
  session.start_ns = now_ns;
  Row row;
  row.kind = "session_start";
  row.session_id = session.id;
  row.client_id = opt(start.start_id);
  row.time_ns = now_ns;
  row.user = start.user;
  row.payload = sessionPayload(start, session.id, now_ns);
  if (!impl_->append(row)) return impl_->err("cannot journal the session start");
  if (!tx.commit()) return impl_->err("cannot commit the session start", "check free disk space");
  return session;
}

std::optional<Session> Store::findOpenSession(const std::string& user, const std::string& procedure_id) const {
  db::Stmt s(impl_->db, std::string(kSessionColumns) +
                            "WHERE s.user = ?1 AND s.procedure_id = ?2 AND NOT EXISTS (SELECT 1 FROM journal j WHERE "
                            "j.session_id = s.id AND j.kind = 'session_end') ORDER BY s.id DESC LIMIT 1");
  s.bind(1, std::string_view(user)).bind(2, std::string_view(procedure_id));
  if (s.step() != SQLITE_ROW) return std::nullopt;
  return readSession(s);
}

std::optional<Session> Store::findSessionByStartId(const std::string& user, const std::string& start_id) const {
  if (start_id.empty()) return std::nullopt;
  db::Stmt s(impl_->db, std::string(kSessionColumns) +
                            "WHERE s.user = ?1 AND s.id IN (SELECT j.session_id FROM journal j WHERE j.kind = "
                            "'session_start' AND j.client_id = ?2) ORDER BY s.id DESC LIMIT 1");
  s.bind(1, std::string_view(user)).bind(2, std::string_view(start_id));
  if (s.step() != SQLITE_ROW) return std::nullopt;
  auto out = readSession(s);
  out.info.start_id = start_id;
  return out;
}

std::optional<Session> Store::session(std::int64_t id) const {
  db::Stmt s(impl_->db, std::string(kSessionColumns) + "WHERE s.id = ?1");
  s.bind(1, id);
  if (s.step() != SQLITE_ROW) return std::nullopt;
  return readSession(s);
}

core::Result<Ack> Store::appendEvent(std::int64_t session_id, const EventRecord& record) {
  Impl::Tx tx(*impl_);
  if (!tx.open) return impl_->err("cannot start a write transaction", "is another program holding the database?");
  if (!record.client_id.empty()) {
    auto& f = impl_->find_client.reset();
    f.bind(1, session_id).bind(2, std::string_view(record.client_id));
    if (f.step() == SQLITE_ROW) {
      Ack ack{f.i64(0), f.text(1), true};
      f.reset();
      return ack;
    }
    f.reset();
  }
  const procedure::Event& e = record.event;
  Row row;
  row.kind = "event";
  row.session_id = session_id;
  row.client_id = opt(record.client_id);
  row.time_ns = e.time_ns;
  row.user = opt(e.user);
  row.step_id = opt(record.from_step);
  row.event_type = procedure::toString(e.type);
  row.outcome = opt(record.outcome);
  row.to_step = opt(record.to_step);
  if (e.type == procedure::EventType::Value) row.value = e.value;
  if (e.type == procedure::EventType::Tag) row.value = e.tag.value;
  row.unit = opt(record.unit);
  row.payload = procedure::toJson(e);
  if (!impl_->append(row)) return impl_->err("cannot append the event to the journal");
  if (!tx.commit()) return impl_->err("cannot commit the event", "check free disk space; the step was not recorded");
  return Ack{row.seq, row.hash, false};
}

core::Status Store::endSession(std::int64_t session_id, SessionStatus status, std::int64_t now_ns) {
  Row row;
  row.kind = "session_end";
  row.session_id = session_id;
  row.time_ns = now_ns;
  row.outcome = toString(status);
  row.payload = "{}";
  auto r = impl_->commitRow(row, "the session end");
  if (!r) return r.error();
  return {};
}

core::Result<std::vector<StoredEvent>> Store::events(std::int64_t session_id) const {
  db::Stmt s(impl_->db,
             "SELECT seq, client_id, step_id, outcome, to_step, unit, payload, hash FROM journal "
             "WHERE session_id = ?1 AND kind = 'event' ORDER BY seq");
  s.bind(1, session_id);
  std::vector<StoredEvent> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) {
    StoredEvent ev;
    ev.seq = s.i64(0);
    ev.record.client_id = s.text(1);
    ev.record.from_step = s.text(2);
    ev.record.outcome = s.text(3);
    ev.record.to_step = s.text(4);
    ev.record.unit = s.text(5);
    auto parsed = procedure::eventFromJson(s.text(6), impl_->path + ": journal row " + std::to_string(ev.seq));
    if (!parsed) return parsed.error();
    ev.record.event = parsed.value();
    ev.hash = s.text(7);
    out.push_back(std::move(ev));
  }
  if (rc != SQLITE_DONE) return impl_->err("cannot read the session's events");
  return out;
}

core::Status Store::recordTraining(std::int64_t session_id, const procedure::Score& score, std::int64_t now_ns) {
  auto session = this->session(session_id);
  if (!session) return core::makeError("unknown session " + std::to_string(session_id), impl_->path);
  Impl::Tx tx(*impl_);
  if (!tx.open) return impl_->err("cannot start a write transaction");
  db::Stmt ins(impl_->db,
               "INSERT INTO training(session_id, user, procedure_id, time_ns, score, passed, errors, wrong_answers, "
               "gate_attempts, hints, total_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
  ins.bind(1, session_id).bind(2, std::string_view(session->info.user)).bind(3, std::string_view(session->info.procedure_id));
  ins.bind(4, now_ns).bind(5, score.score).bind(6, std::int64_t{score.passed}).bind(7, std::int64_t{score.errors});
  ins.bind(8, std::int64_t{score.wrong_answers}).bind(9, std::int64_t{score.gate_attempts});
  ins.bind(10, std::int64_t{score.hints}).bind(11, score.total_ms);
  if (ins.step() != SQLITE_DONE) return impl_->err("cannot store the training result (already stored for this session?)");
  Row row;
  row.kind = "training_result";
  row.session_id = session_id;
  row.time_ns = now_ns;
  row.user = session->info.user;
  row.outcome = score.passed ? "passed" : "failed";
  row.value = score.score;
  row.payload = nlohmann::ordered_json{{"score", score.score},           {"passed", score.passed},
                                       {"errors", score.errors},         {"wrong_answers", score.wrong_answers},
                                       {"gate_attempts", score.gate_attempts}, {"hints", score.hints},
                                       {"skips", score.skips},           {"total_ms", score.total_ms}}
                    .dump();
  if (!impl_->append(row) || !tx.commit()) return impl_->err("cannot journal the training result");
  return {};
}

core::Result<TrainingHistory> Store::trainingHistory(const std::string& user, const std::string& procedure_id) const {
  db::Stmt s(impl_->db,
             "SELECT session_id, time_ns, score, passed, errors, wrong_answers, gate_attempts, hints, total_ms "
             "FROM training WHERE user = ?1 AND procedure_id = ?2 ORDER BY time_ns, session_id");
  s.bind(1, std::string_view(user)).bind(2, std::string_view(procedure_id));
  TrainingHistory h;
  int passed = 0;
  while (s.step() == SQLITE_ROW) {
    TrainingAttempt a;
    a.session_id = s.i64(0);
    a.time_ns = s.i64(1);
    a.score = s.f64(2);
    a.passed = s.i64(3) != 0;
    a.errors = static_cast<int>(s.i64(4));
    a.wrong_answers = static_cast<int>(s.i64(5));
    a.gate_attempts = static_cast<int>(s.i64(6));
    a.hints = static_cast<int>(s.i64(7));
    a.total_ms = s.i64(8);
    passed += a.passed ? 1 : 0;
    h.attempts.push_back(a);
  }
  if (!h.attempts.empty()) {
    h.skill_transfer = h.attempts.back().score - h.attempts.front().score;
    h.pass_rate = static_cast<double>(passed) / static_cast<double>(h.attempts.size());
  }
  return h;
}

core::Result<VerifyReport> Store::verify() const {
  VerifyReport report;
  db::Stmt s(impl_->db,
             "SELECT seq, kind, session_id, client_id, time_ns, user, step_id, event_type, outcome, to_step, value, "
             "unit, payload, prev_hash, hash FROM journal ORDER BY seq");
  if (!s.valid()) return core::makeError("not a Rivet records database (no journal): " + s.error(), impl_->path);
  std::string prev = kGenesis;
  std::int64_t expected_seq = 1;
  std::map<std::int64_t, std::string> session_payloads;
  auto problem = [&](std::string p) {
    if (report.problems.size() < 100) report.problems.push_back(std::move(p));
  };
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) {
    Row row;
    row.seq = s.i64(0);
    row.kind = s.text(1);
    if (!s.isNull(2)) row.session_id = s.i64(2);
    row.client_id = s.optText(3);
    row.time_ns = s.i64(4);
    row.user = s.optText(5);
    row.step_id = s.optText(6);
    row.event_type = s.optText(7);
    row.outcome = s.optText(8);
    row.to_step = s.optText(9);
    row.value = s.optF64(10);
    row.unit = s.optText(11);
    row.payload = s.text(12);
    row.prev_hash = s.text(13);
    row.hash = s.text(14);
    ++report.rows;
    const std::string at = "row " + std::to_string(row.seq) + " (" + row.kind + ")";
    if (row.seq != expected_seq) {
      problem(at + ": expected row " + std::to_string(expected_seq) + " here: rows " + std::to_string(expected_seq) +
              (row.seq > expected_seq + 1 ? "-" + std::to_string(row.seq - 1) : "") + " were deleted");
    }
    if (row.prev_hash != prev) problem(at + ": does not follow the previous row (deleted, inserted or reordered rows)");
    if (row.computeHash() != row.hash) problem(at + ": content does not match its hash (edited)");
    if (row.kind == "session_start" && row.session_id) session_payloads[*row.session_id] = row.payload;
    prev = row.hash;
    expected_seq = row.seq + 1;
  }
  if (rc != SQLITE_DONE) return impl_->err("cannot read the journal");
  db::Stmt h(impl_->db, "SELECT count, hash FROM chain_head WHERE id = 1");
  if (h.step() != SQLITE_ROW) {
    problem("the chain head is missing");
  } else if (h.i64(0) != expected_seq - 1 || h.text(1) != prev) {
    problem("the journal ends at row " + std::to_string(expected_seq - 1) + " but the chain head records " +
            std::to_string(h.i64(0)) + " rows: rows were deleted from or added to the end");
  }
  db::Stmt ss(impl_->db,
              "SELECT id, user, procedure_id, procedure_version, pack_hash, asset_id, work_order, mode, faults, start_ns "
              "FROM sessions ORDER BY id");
  while (ss.step() == SQLITE_ROW) {
    SessionStart st;
    const std::int64_t id = ss.i64(0);
    st.user = ss.text(1);
    st.procedure_id = ss.text(2);
    st.procedure_version = ss.text(3);
    st.pack_hash = ss.text(4);
    st.asset_id = ss.text(5);
    st.work_order = ss.text(6);
    st.mode = ss.text(7) == "training" ? procedure::Mode::Training : procedure::Mode::Normal;
    st.faults = splitFaults(ss.text(8));
    auto it = session_payloads.find(id);
    if (it == session_payloads.end()) {
      problem("session " + std::to_string(id) + " has no start row in the journal (inserted or journal rows deleted)");
    } else if (it->second != sessionPayload(st, id, ss.i64(9))) {
      problem("session " + std::to_string(id) + " differs from its journaled start (edited)");
    }
    session_payloads.erase(id);
  }
  for (const auto& [id, payload] : session_payloads) problem("session " + std::to_string(id) + " was deleted from the sessions table");
  return report;
}

namespace {
std::string csvField(const std::string& s) {
  if (s.find_first_of(",\"\n\r;") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}
}  // namespace

core::Result<std::string> Store::exportSessions(ExportFormat format) const {
  struct Rec {
    Session session;
    std::string last_hash;
    std::int64_t last_time = 0;
    nlohmann::ordered_json values = nlohmann::ordered_json::array();
    nlohmann::ordered_json results = nlohmann::ordered_json::array();
    nlohmann::ordered_json sign_offs = nlohmann::ordered_json::array();
    std::string values_csv, results_csv, sign_csv;
  };
  std::vector<Rec> recs;
  std::map<std::int64_t, std::size_t> index;
  {
    db::Stmt s(impl_->db, std::string(kSessionColumns) + "ORDER BY s.id");
    while (s.step() == SQLITE_ROW) {
      Rec r;
      r.session = readSession(s);
      index[r.session.id] = recs.size();
      recs.push_back(std::move(r));
    }
  }
  db::Stmt j(impl_->db,
             "SELECT session_id, kind, time_ns, user, step_id, event_type, outcome, value, unit, hash, payload "
             "FROM journal WHERE session_id IS NOT NULL ORDER BY session_id, seq");
  int rc;
  while ((rc = j.step()) == SQLITE_ROW) {
    auto it = index.find(j.i64(0));
    if (it == index.end()) continue;
    Rec& r = recs[it->second];
    r.last_hash = j.text(9);
    r.last_time = std::max(r.last_time, j.i64(2));
    if (j.text(1) != "event") continue;
    const std::string type = j.text(5);
    const std::string outcome = j.text(6);
    const std::string step = j.text(4);
    const std::string when = isoUtc(j.i64(2));
    if (type == "value" && (outcome == "in_tolerance" || outcome == "out_of_tolerance")) {
      const double v = j.f64(7);
      const std::string unit = j.text(8);
      r.values.push_back({{"step", step}, {"value", v}, {"unit", unit}, {"result", outcome}, {"time", when}});
      r.values_csv += (r.values_csv.empty() ? "" : "; ") + step + "=" + shortNum(v) + " " + unit + " (" + outcome + ")";
    } else if (type == "sign_off" && outcome == "signed") {
      const auto ev = nlohmann::json::parse(j.text(10), nullptr, false);
      const std::string role = ev.is_object() && ev.contains("role") ? ev["role"].get<std::string>() : "";
      r.sign_offs.push_back({{"step", step}, {"user", j.text(3)}, {"role", role}, {"time", when}});
      r.sign_csv += (r.sign_csv.empty() ? "" : "; ") + step + "=" + j.text(3) + " (" + role + ") " + when;
    } else if (outcome == "pass" || outcome == "fail" || outcome == "gate_ok" || outcome == "gate_blocked" ||
               outcome == "chosen" || outcome == "skipped" || outcome == "aborted") {
      r.results.push_back({{"step", step}, {"result", outcome}, {"time", when}});
      r.results_csv += (r.results_csv.empty() ? "" : "; ") + step + "=" + outcome;
    }
  }
  if (rc != SQLITE_DONE) return impl_->err("cannot read the journal for export");

  std::string out;
  if (format == ExportFormat::Csv) {
    out = "session_id,work_order,asset_id,procedure_id,procedure_version,pack_hash,technician,mode,start_utc,end_utc,"
          "status,values,results,sign_offs,record_hash\n";
    for (const Rec& r : recs) {
      const Session& s = r.session;
      const std::string end = isoUtc(s.end_ns ? s.end_ns : 0);
      out += std::to_string(s.id) + "," + csvField(s.info.work_order) + "," + csvField(s.info.asset_id) + "," +
             csvField(s.info.procedure_id) + "," + csvField(s.info.procedure_version) + "," + s.info.pack_hash + "," +
             csvField(s.info.user) + "," + (s.info.mode == procedure::Mode::Training ? "training" : "normal") + "," +
             isoUtc(s.start_ns) + "," + end + "," + toString(s.status) + "," + csvField(r.values_csv) + "," +
             csvField(r.results_csv) + "," + csvField(r.sign_csv) + "," + r.last_hash + "\n";
    }
    return out;
  }
  out = "[\n";  // one session record per line: compact, and diff/grep friendly
  bool first = true;
  for (Rec& r : recs) {
    const Session& s = r.session;
    const nlohmann::ordered_json record{{"session_id", s.id},
                   {"work_order", s.info.work_order},
                   {"asset_id", s.info.asset_id},
                   {"procedure", {{"id", s.info.procedure_id}, {"version", s.info.procedure_version}, {"pack_hash", s.info.pack_hash}}},
                   {"technician", s.info.user},
                   {"mode", s.info.mode == procedure::Mode::Training ? "training" : "normal"},
                   {"start_utc", isoUtc(s.start_ns)},
                   {"end_utc", s.end_ns ? isoUtc(s.end_ns) : ""},
                   {"status", toString(s.status)},
                   {"values", std::move(r.values)},
                   {"results", std::move(r.results)},
                   {"sign_offs", std::move(r.sign_offs)},
                   {"record_hash", r.last_hash}};
    out += first ? "" : ",\n";
    first = false;
    out += record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  return out + "\n]\n";
}

// ---- Fleet: device identity, the journal as an outbox, sync marks, pack pins ----

namespace {
std::string metaValue(sqlite3* db, const char* key) {
  db::Stmt s(db, "SELECT value FROM meta WHERE key = ?1");
  s.bind(1, std::string_view(key));
  return s.step() == SQLITE_ROW ? s.text(0) : std::string();
}
}  // namespace

const std::string& Store::path() const { return impl_->path; }

DeviceInfo Store::device() const {
  return DeviceInfo{metaValue(impl_->db, "device_id"), metaValue(impl_->db, "device_name"),
                    metaValue(impl_->db, "device_site")};
}

core::Status Store::setDeviceLabels(const std::string& name, const std::string& site, std::int64_t now_ns) {
  for (const std::string* label : {&name, &site}) {
    if (label->size() > 200 || label->find_first_of("\r\n\t") != std::string::npos) {
      return core::makeError("a device name or site must be one line of at most 200 characters", impl_->path,
                             "give a short label such as headset-07 or lyon");
    }
  }
  Impl::Tx tx(*impl_);
  if (!tx.open) return impl_->err("cannot start a write transaction", "is another program holding the database?");
  db::Stmt set(impl_->db, "INSERT INTO meta(key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = ?2");
  for (const auto& [key, value] : {std::pair<const char*, const std::string*>{"device_name", &name}, {"device_site", &site}}) {
    set.reset().bind(1, std::string_view(key)).bind(2, std::string_view(*value));
    if (set.step() != SQLITE_DONE) return impl_->err("cannot store the device labels");
  }
  Row row;
  row.kind = "device_labelled";
  row.time_ns = now_ns;
  row.payload = nlohmann::ordered_json{{"name", name}, {"site", site}}.dump();
  if (!impl_->append(row) || !tx.commit()) return impl_->err("cannot journal the device labels");
  return {};
}

core::Result<JournalHead> Store::journalHead() const {
  db::Stmt h(impl_->db, "SELECT count, hash FROM chain_head WHERE id = 1");
  if (h.step() != SQLITE_ROW) return impl_->err("cannot read the journal head");
  return JournalHead{h.i64(0), h.text(1)};
}

core::Result<std::vector<JournalRow>> Store::journalRows(std::int64_t after_seq, std::size_t limit) const {
  db::Stmt s(impl_->db,
             "SELECT seq, kind, session_id, client_id, time_ns, user, step_id, event_type, outcome, to_step, value, "
             "unit, payload, prev_hash, hash FROM journal WHERE seq > ?1 ORDER BY seq LIMIT ?2");
  if (!s.valid()) return core::makeError("not a Rivet records database (no journal): " + s.error(), impl_->path);
  s.bind(1, after_seq).bind(2, static_cast<std::int64_t>(limit));
  std::vector<JournalRow> out;
  out.reserve(std::min<std::size_t>(limit, 4096));
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) {
    JournalRow row;
    row.seq = s.i64(0);
    row.kind = s.text(1);
    if (!s.isNull(2)) row.session_id = s.i64(2);
    row.client_id = s.optText(3);
    row.time_ns = s.i64(4);
    row.user = s.optText(5);
    row.step_id = s.optText(6);
    row.event_type = s.optText(7);
    row.outcome = s.optText(8);
    row.to_step = s.optText(9);
    row.value = s.optF64(10);
    row.unit = s.optText(11);
    row.payload = s.text(12);
    row.prev_hash = s.text(13);
    row.hash = s.text(14);
    out.push_back(std::move(row));
  }
  if (rc != SQLITE_DONE) return impl_->err("cannot read the journal");
  return out;
}

std::vector<SyncMark> Store::syncMarks() const {
  std::vector<SyncMark> out;
  db::Stmt s(impl_->db,
             "SELECT server_id, server, acked_seq, acked_hash, acked_ns, last_error, error_ns FROM sync_state "
             "ORDER BY acked_ns DESC, server_id");
  while (s.step() == SQLITE_ROW) {
    out.push_back(SyncMark{s.text(0), s.text(1), s.i64(2), s.text(3), s.i64(4), s.text(5), s.i64(6)});
  }
  return out;
}

core::Status Store::saveSyncMark(const SyncMark& mark) {
  if (mark.server_id.empty()) return core::makeError("a sync mark needs the server's id", impl_->path);
  Impl::Tx tx(*impl_);
  if (!tx.open) return impl_->err("cannot start a write transaction", "is another program holding the database?");
  db::Stmt s(impl_->db,
             "INSERT INTO sync_state(server_id, server, acked_seq, acked_hash, acked_ns, last_error, error_ns) "
             "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(server_id) DO UPDATE SET server = ?2, acked_seq = ?3, "
             "acked_hash = ?4, acked_ns = ?5, last_error = ?6, error_ns = ?7");
  s.bind(1, std::string_view(mark.server_id)).bind(2, std::string_view(mark.server)).bind(3, mark.acked_seq);
  s.bind(4, std::string_view(mark.acked_hash)).bind(5, mark.acked_ns).bind(6, std::string_view(mark.last_error));
  s.bind(7, mark.error_ns);
  if (s.step() != SQLITE_DONE) return impl_->err("cannot store the sync mark");
  if (!tx.commit()) return impl_->err("cannot commit the sync mark");
  return {};
}

core::Status Store::pinPack(const PackPin& pin) {
  if (pin.pack_id.empty() || pin.version.empty() || pin.key_fingerprint.empty()) {
    return core::makeError("a pack pin needs the pack id, its version and the signing key's fingerprint", impl_->path);
  }
  Impl::Tx tx(*impl_);
  if (!tx.open) return impl_->err("cannot start a write transaction", "is another program holding the database?");
  db::Stmt s(impl_->db,
             "INSERT INTO pack_pins(pack_id, version, key_fingerprint, pinned_ns) VALUES (?1, ?2, ?3, ?4) "
             "ON CONFLICT(pack_id) DO UPDATE SET version = ?2, key_fingerprint = ?3, pinned_ns = ?4");
  s.bind(1, std::string_view(pin.pack_id)).bind(2, std::string_view(pin.version));
  s.bind(3, std::string_view(pin.key_fingerprint)).bind(4, pin.pinned_ns);
  if (s.step() != SQLITE_DONE) return impl_->err("cannot store the pack pin");
  Row row;
  row.kind = "pack_pinned";
  row.time_ns = pin.pinned_ns;
  row.payload = nlohmann::ordered_json{{"pack", pin.pack_id}, {"version", pin.version},
                                       {"key_fingerprint", pin.key_fingerprint}}.dump();
  if (!impl_->append(row) || !tx.commit()) return impl_->err("cannot journal the pack pin");
  return {};
}

core::Status Store::unpinPack(const std::string& pack_id, std::int64_t now_ns) {
  Impl::Tx tx(*impl_);
  if (!tx.open) return impl_->err("cannot start a write transaction", "is another program holding the database?");
  db::Stmt s(impl_->db, "DELETE FROM pack_pins WHERE pack_id = ?1");
  s.bind(1, std::string_view(pack_id));
  if (s.step() != SQLITE_DONE) return impl_->err("cannot remove the pack pin");
  if (sqlite3_changes(impl_->db) == 0) {
    return core::makeError("pack '" + pack_id + "' is not pinned on this device", impl_->path,
                           "list the pins with 'rivet-sync pins --db " + impl_->path + "'");
  }
  Row row;
  row.kind = "pack_unpinned";
  row.time_ns = now_ns;
  row.payload = nlohmann::ordered_json{{"pack", pack_id}}.dump();
  if (!impl_->append(row) || !tx.commit()) return impl_->err("cannot journal the pack unpin");
  return {};
}

std::vector<PackPin> Store::packPins() const {
  std::vector<PackPin> out;
  db::Stmt s(impl_->db, "SELECT pack_id, version, key_fingerprint, pinned_ns FROM pack_pins ORDER BY pack_id");
  while (s.step() == SQLITE_ROW) out.push_back(PackPin{s.text(0), s.text(1), s.text(2), s.i64(3)});
  return out;
}

std::optional<PackPin> Store::findPackPin(const std::string& pack_id) const {
  db::Stmt s(impl_->db, "SELECT pack_id, version, key_fingerprint, pinned_ns FROM pack_pins WHERE pack_id = ?1");
  s.bind(1, std::string_view(pack_id));
  if (s.step() != SQLITE_ROW) return std::nullopt;
  return PackPin{s.text(0), s.text(1), s.text(2), s.i64(3)};
}

}  // namespace rivet::records
