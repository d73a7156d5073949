// Content packs pinned on a device by version and signing key: making pins from a verified pack, checking a loaded one.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>

#include "rivet/content/pack.hpp"
#include "rivet/core/result.hpp"
#include "rivet/records/store.hpp"

namespace rivet::fleet {

// A pin for the pack in `pack_dir`: verifies its signature and every file against `public_key_pem` first, then
// takes its id and version from pack.yaml and the key's fingerprint (what `rivet-sync pin` stores).
core::Result<records::PackPin> pinFromPack(const std::filesystem::path& pack_dir,
                                           const std::filesystem::path& public_key_pem, std::int64_t now_ns);

// Checks a loaded pack against the pin the device holds for its id (none: nothing to check, the result is empty).
// A pinned pack must have been verified on load with the --key `public_key_pem`, whose fingerprint must be the
// pinned one, and carry the pinned version; otherwise the error says which and what to do.
core::Result<std::optional<records::PackPin>> checkPackPin(const records::Store& store, const content::Pack& pack,
                                                           const std::filesystem::path& public_key_pem);

// The same, reading the pins of the records database at `db` (no database yet: no pins, nothing to check).
core::Result<std::optional<records::PackPin>> checkPackPin(const std::filesystem::path& db, const content::Pack& pack,
                                                           const std::filesystem::path& public_key_pem);

}  // namespace rivet::fleet
