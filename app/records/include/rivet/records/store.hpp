// Records store: users and roles, sessions and step events in an append-only, hash-chained SQLite journal.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "rivet/core/result.hpp"
#include "rivet/procedure/engine.hpp"
#include "rivet/procedure/event.hpp"
#include "rivet/records/journal.hpp"

namespace rivet::records {

// scrypt cost: N = 2^15, r = 8 needs 32 MiB per hash (memory-hard); tests may lower it.
struct KdfParams {
  std::uint64_t n = 1u << 15;
  std::uint32_t r = 8;
  std::uint32_t p = 1;
};

struct StoreOptions {
  KdfParams kdf;
  int max_failures = 5;                                 // consecutive failed logins before lockout
  std::int64_t lockout_ns = 15LL * 60 * 1'000'000'000;  // how long a locked account stays locked
  bool durable = true;  // false = commits are not fsync'd (bulk imports and benchmark set-up only, never in the field)
};

struct User {
  std::int64_t id = 0;
  std::string name;
  procedure::Role role = procedure::Role::Technician;
};

enum class SessionStatus { Open, Finished, Aborted };
const char* toString(SessionStatus status);

struct SessionStart {
  std::string user;  // must be logged in by the caller
  std::string procedure_id;
  std::string procedure_version;
  std::string pack_hash;  // SHA-256 of the content pack the procedure came from
  std::string asset_id;
  std::string work_order;  // CMMS work order number (ordre de travail), may be empty
  procedure::Mode mode = procedure::Mode::Normal;
  std::vector<std::string> faults;  // training fault scenarios selected by the trainer
  std::string start_id;  // idempotency key of the start request (a restarted driver finds its session by it)
};

struct Session {
  std::int64_t id = 0;
  SessionStart info;
  std::int64_t start_ns = 0;
  std::int64_t end_ns = 0;  // 0 while open
  SessionStatus status = SessionStatus::Open;
};

// One step event as persisted, with what the engine made of it.
struct EventRecord {
  std::string client_id;  // idempotency key from the caller (unique per session); may be empty
  procedure::Event event;
  std::string outcome;    // Transition::outcome
  std::string from_step;
  std::string to_step;
  std::string unit;       // for measurement values
};

struct StoredEvent {
  std::int64_t seq = 0;  // position in the journal (global)
  EventRecord record;
  std::string hash;      // hex SHA-256 of this journal row
};

// Acknowledgement of a durable append: the row is committed (fsync'd WAL) when this is returned.
struct Ack {
  std::int64_t seq = 0;
  std::string hash;
  bool duplicate = false;  // the client id was already stored: nothing was written
};

struct VerifyReport {
  std::int64_t rows = 0;
  std::vector<std::string> problems;  // empty when the journal is intact
  [[nodiscard]] bool ok() const { return problems.empty(); }
};

struct TrainingAttempt {
  std::int64_t session_id = 0;
  std::int64_t time_ns = 0;
  double score = 0.0;
  bool passed = false;
  int errors = 0, wrong_answers = 0, gate_attempts = 0, hints = 0;
  std::int64_t total_ms = 0;
};

struct TrainingHistory {
  std::vector<TrainingAttempt> attempts;  // oldest first
  double skill_transfer = 0.0;            // progress: last score - first score, in points (the cohort's
                                          // skill-transfer % is records::summarizeTraining's, training.hpp)
  double pass_rate = 0.0;                 // share of attempts passed, 0..1
};

enum class ExportFormat { Csv, Json };

// This database's identity in a fleet: a random id made when the database is created (never reused, so two
// databases never share a device sequence) and the labels an administrator gave it.
struct DeviceInfo {
  std::string id;    // UUID (lowercase hex)
  std::string name;  // e.g. "headset-07"; may be empty
  std::string site;  // e.g. "lyon"; may be empty
};

struct JournalHead {
  std::int64_t seq = 0;  // number of journal rows = sequence of the last one
  std::string hash;      // hash of the last row (kGenesisHash when empty)
};

// How far a fleet server has acknowledged this device's journal. The outbox is the journal itself: every row after
// acked_seq is still to send (nothing needs writing twice, and nothing can be appended that is not in it).
struct SyncMark {
  std::string server_id;  // the fleet server's id (it survives URL changes)
  std::string server;     // where it was reached (no password), for people
  std::int64_t acked_seq = 0;
  std::string acked_hash;
  std::int64_t acked_ns = 0;  // when the server last acknowledged (0 = never)
  std::string last_error;     // the last failure since then; empty after a success
  std::int64_t error_ns = 0;
};

// A content pack pinned on this device: only this version, signed with this key, may be loaded.
struct PackPin {
  std::string pack_id;
  std::string version;
  std::string key_fingerprint;  // "sha256:<64 hex>" of the signing public key (DER SubjectPublicKeyInfo)
  std::int64_t pinned_ns = 0;
};

class Store {
 public:
  // Opens (creating if needed) the database in WAL mode with synchronous=FULL.
  static core::Result<Store> open(const std::string& path, StoreOptions options = {});
  Store(Store&&) noexcept;
  Store& operator=(Store&&) noexcept;
  ~Store();

  core::Result<User> addUser(const std::string& name, procedure::Role role, const std::string& secret,
                             std::int64_t now_ns);
  // Fails for unknown users, wrong secrets and locked accounts (locked after max_failures in a row).
  core::Result<User> login(const std::string& name, const std::string& secret, std::int64_t now_ns);
  core::Status unlockUser(const std::string& name, std::int64_t now_ns);

  // Badge credential, separate from the PIN: a random 128-bit token of which only a hash is stored. Issuing
  // revokes the user's previous badge and returns the QR payload text "RIVET-BADGE:1:<user>:<token-hex>" (the
  // only time the token is seen: print it, do not keep it).
  core::Result<std::string> issueBadge(const std::string& user, std::int64_t now_ns);
  // Logs in with a badge payload. Fails for a malformed payload (not journaled, no user to count against), an
  // unknown user, a revoked or wrong token and a locked account; wrong and revoked tokens count towards the same
  // lockout as wrong PINs, and a good badge resets the count like a good PIN.
  core::Result<User> loginBadge(const std::string& payload, std::int64_t now_ns);
  // Revokes the user's badge (fails when the user has none to revoke).
  core::Status revokeBadge(const std::string& user, std::int64_t now_ns);
  [[nodiscard]] std::optional<User> findUser(const std::string& name) const;
  // Every user, by name (the login screen lists them; secrets never leave the store).
  [[nodiscard]] std::vector<User> listUsers() const;

  core::Result<Session> startSession(const SessionStart& start, std::int64_t now_ns);
  // The most recent session of this user and procedure that is still open (to resume after a crash).
  [[nodiscard]] std::optional<Session> findOpenSession(const std::string& user, const std::string& procedure_id) const;
  [[nodiscard]] std::optional<Session> session(std::int64_t id) const;
  // The session whose start carried this start id (finished or not).
  [[nodiscard]] std::optional<Session> findSessionByStartId(const std::string& user, const std::string& start_id) const;
  // Appends one event, durable on return. A repeated client id returns the first ack with duplicate=true.
  core::Result<Ack> appendEvent(std::int64_t session_id, const EventRecord& record);
  core::Status endSession(std::int64_t session_id, SessionStatus status, std::int64_t now_ns);
  core::Result<std::vector<StoredEvent>> events(std::int64_t session_id) const;

  core::Status recordTraining(std::int64_t session_id, const procedure::Score& score, std::int64_t now_ns);
  core::Result<TrainingHistory> trainingHistory(const std::string& user, const std::string& procedure_id) const;

  // Recomputes the hash chain; reports any edited, deleted, inserted or reordered row.
  core::Result<VerifyReport> verify() const;
  // One work-order completion record per session (CMMS import).
  core::Result<std::string> exportSessions(ExportFormat format) const;

  // Fleet: this device's identity and labels (the labels change is journaled).
  [[nodiscard]] DeviceInfo device() const;
  core::Status setDeviceLabels(const std::string& name, const std::string& site, std::int64_t now_ns);
  // The journal as it is hashed, for sync: the head, and up to `limit` rows after `after_seq`, in order.
  core::Result<JournalHead> journalHead() const;
  core::Result<std::vector<JournalRow>> journalRows(std::int64_t after_seq, std::size_t limit) const;
  // What each fleet server has acknowledged (a cache of the server's own mark, for status while offline).
  [[nodiscard]] std::vector<SyncMark> syncMarks() const;
  core::Status saveSyncMark(const SyncMark& mark);
  // Pack pins (each change is journaled, so the server learns the history too).
  core::Status pinPack(const PackPin& pin);
  core::Status unpinPack(const std::string& pack_id, std::int64_t now_ns);
  [[nodiscard]] std::vector<PackPin> packPins() const;
  [[nodiscard]] std::optional<PackPin> findPackPin(const std::string& pack_id) const;
  [[nodiscard]] const std::string& path() const;

  struct Impl;

 private:
  explicit Store(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Hex SHA-256 of bytes (used for pack hashes too).
std::string sha256Hex(std::string_view bytes);

}  // namespace rivet::records
