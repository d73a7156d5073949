// One journal row as stored and hashed on a device (its sequence, fields and chain hashes): what fleet sync sends.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rivet::records {

// The previous-hash of a device's first journal row.
inline constexpr std::string_view kGenesisHash = "0000000000000000000000000000000000000000000000000000000000000000";

struct JournalRow {
  std::int64_t seq = 0;  // device-scoped sequence: 1, 2, 3... with no gap (one journal per device)
  std::string kind;      // event, session_start, session_end, user_added, login_ok, pack_pinned...
  std::optional<std::int64_t> session_id;
  std::optional<std::string> client_id;
  std::int64_t time_ns = 0;
  std::optional<std::string> user, step_id, event_type, outcome, to_step;
  std::optional<double> value;
  std::optional<std::string> unit;
  std::string payload;    // JSON
  std::string prev_hash;  // hash of row seq-1 (kGenesisHash for row 1)
  std::string hash;       // hex SHA-256 of canonical()

  // The value as it is hashed: printf "%.17g" (round-trips every double), or nothing.
  [[nodiscard]] std::optional<std::string> valueText() const;
  // Every field length-prefixed ("<bytes>:<text>", "-1:" when absent) so no two rows serialise alike.
  [[nodiscard]] std::string canonical() const;
  // Hex SHA-256 of canonical(): what `hash` must hold.
  [[nodiscard]] std::string computeHash() const;
};

}  // namespace rivet::records
