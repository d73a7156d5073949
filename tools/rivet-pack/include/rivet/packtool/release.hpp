// Pack release: lint, version bump in pack.yaml (comments and order kept), CHANGELOG.md entry, signed build, atomically.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rivet/core/result.hpp"
#include "rivet/core/text.hpp"
#include "rivet/packtool/diff.hpp"

namespace rivet::packtool {

// One lint problem ("file:line: message"), as `rivet-pack lint` prints it.
struct LintFinding {
  std::string file;
  int line = 0;  // 0 = the whole file
  std::string message;
  [[nodiscard]] std::string describe() const;
};

// Every problem of the pack folder against the JSON Schemas in `schemas` (content/schemas) and the cross-file checks.
std::vector<LintFinding> lintPack(const std::filesystem::path& pack_dir, const std::filesystem::path& schemas);

enum class Bump { Major, Minor, Patch };
std::optional<Bump> bumpFromString(std::string_view text);  // "major" | "minor" | "patch"

// MAJOR.MINOR[.PATCH][-pre][+build] -> the next version: major 1.4.2 -> 2.0.0, minor -> 1.5.0, patch -> 1.4.3.
// The suffixes are dropped; a pre-release of the version the bump leads to becomes that release (minor of
// 1.5.0-rc.1 gives 1.5.0, as npm's semver does). Errors on anything else.
core::Result<std::string> bumpVersion(std::string_view version, Bump bump);
// -1, 0, 1 as a < b, a == b, a > b by MAJOR.MINOR.PATCH (a missing PATCH is 0; a pre-release sorts before its
// release). Returns nullopt when either is not a version.
std::optional<int> compareVersions(std::string_view a, std::string_view b);

// pack.yaml text with its top-level `version:` scalar replaced by `new_version`: a minimal edit of that scalar's
// characters (quoting kept), every other byte unchanged; re-parsed to check that only the version changed.
// `file` names the file in errors ("pack.yaml:4: ...").
core::Result<std::string> setManifestVersion(std::string_view pack_yaml, std::string_view new_version,
                                             const std::string& file);

// CHANGELOG.md text with `entry` inserted as the newest entry (before the first "## " heading, after the file's
// header); a missing changelog (empty `changelog`) starts with a header naming the pack.
std::string prependChangelog(std::string_view changelog, std::string_view entry, std::string_view pack_id);

struct ReleaseOptions {
  std::filesystem::path pack;     // the authoring folder (holds pack.yaml); a signed pack is refused
  std::filesystem::path schemas;  // content/schemas, for lint
  Bump bump = Bump::Patch;
  std::string note;               // what this release is for (required, one paragraph)
  std::string author;             // who releases; empty = the login name ($USER)
  std::filesystem::path previous;  // optional: the previous release (folder or signed pack) to diff against
  DiffOptions diff;                // key and thresholds for that diff
  std::filesystem::path key;       // optional: Ed25519 private key (PEM); then `output` is required
  std::filesystem::path output;    // the signed pack to write (replaced if it is one rivet-pack built)
  std::string date;                // YYYY-MM-DD for the entry; empty = today (UTC; SOURCE_DATE_EPOCH when set)
  core::Language language = core::Language::En;  // of the diff lines in the changelog entry
  bool dry_run = false;            // compute everything (lint, bump, entry, diff) and write nothing
};

struct ReleaseReport {
  std::string pack_id;
  std::string old_version, new_version;
  std::string changelog_entry;     // the Markdown entry prepended to CHANGELOG.md
  std::optional<PackDiff> diff;    // against ReleaseOptions::previous when given
  std::filesystem::path output;    // the signed pack written (empty when not signing)
  std::size_t signed_files = 0;    // files hashed into its manifest
};

// Lints (a pack with any problem is refused, the problems go to `lint_problems`), bumps the version, prepends the
// changelog entry, and signs into `output` when a key is given. All-or-nothing: every file is prepared and the
// signed pack built and verified in temporary places first; on any error the pack folder and `output` are left as
// they were.
core::Result<ReleaseReport> releasePack(const ReleaseOptions& options,
                                        std::vector<LintFinding>* lint_problems = nullptr);

// Lints `pack_dir` and builds the signed pack `output` (MANIFEST.sha256 + MANIFEST.sig) in a temporary folder
// beside it, fsync'd, then moved into place (an existing `output` is replaced only if rivet-pack built it).
// assembly.yaml (the import recipe) and any earlier MANIFEST.* are left out. Returns the number of files signed.
core::Result<std::size_t> buildSignedPack(const std::filesystem::path& pack_dir, const std::filesystem::path& output,
                                          const std::filesystem::path& private_key,
                                          const std::filesystem::path& schemas,
                                          std::vector<LintFinding>* lint_problems = nullptr);

// Writes `bytes` to `path` through a temporary file in the same folder, fsync'd, then renamed over it.
core::Status writeFileAtomically(const std::filesystem::path& path, std::string_view bytes);

}  // namespace rivet::packtool
