// Pack diff: what changed between two versions of a content pack (folders or signed packs), safety flags, fr/en text, JSON.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "rivet/core/result.hpp"
#include "rivet/core/text.hpp"

namespace rivet::packtool {

// What a change is about.
enum class DiffArea {
  Pack,       // pack.yaml: id, version, titles, author, required app, model path
  Procedure,  // a procedure file as a whole or its header (version, title, tools, PPE, training, ...)
  Step,       // one step of a procedure, by step id
  Tag,        // tags.yaml: a tag binding (units, ranges, alarm limits, labels, source), or its defaults
  Marker,     // markers.yaml: dictionary, a marker (id, size, pose), registration limits
  Part,       // parts.yaml: a part's display names
  Model,      // a file under models/ (by SHA-256)
  File,       // any other file of the pack (media, licences, ...) by SHA-256
};
enum class DiffChange { Added, Removed, Changed, Moved };

const char* toString(DiffArea area);      // "pack", "procedure", "step", "tag", "marker", "part", "model", "file"
const char* toString(DiffChange change);  // "added", "removed", "changed", "moved"

// One difference. The JSON form has every field on every entry (null when absent), so its schema never varies.
struct DiffEntry {
  DiffArea area = DiffArea::Pack;
  DiffChange change = DiffChange::Changed;
  std::string file;       // pack-relative path, e.g. "procedures/robot-cell3-gripper-fingers.yaml"
  int line = 0;           // 1-based line in the new file (in the old one for removals); 0 = not known
  std::string procedure;  // procedure id (Procedure and Step areas), else empty
  std::string subject;    // step id, tag id, marker id, part id or file path; empty for the pack/procedure itself
  // What changed inside the subject, as a stable dotted path: "measurement.nominal", "title.fr",
  // "gate.conditions[cell.air_pressure].value", "isolation_points[Q1].lock", "alarms[low].limit", "size_mm",
  // "pose". Empty when the whole subject was added, removed or moved.
  std::string field;
  std::optional<std::string> before, after;  // the values as written in the files (absent for an addition/removal)
  bool safety = false;  // a torque value/tolerance, a gate threshold, an isolation point, an alarm limit, a marker...
  core::Text text;      // one line for people, e.g. "Step torque: torque 25 → 28 N·m (tolerance ±10 % unchanged)"
};

// A side of the diff.
struct PackSide {
  std::filesystem::path path;
  std::string id, version;
  bool signed_pack = false;         // has MANIFEST.sig
  bool signature_verified = false;  // MANIFEST.sig and every hash checked against DiffOptions' key
};

struct PackDiff {
  PackSide old_pack, new_pack;
  std::vector<DiffEntry> entries;  // in pack order: pack.yaml, procedures (steps in the new order), tags, markers, parts, files
  std::vector<core::Text> warnings;  // e.g. a procedure changed but kept its version
  [[nodiscard]] std::size_t safetyCount() const;
  [[nodiscard]] bool empty() const { return entries.empty(); }
};

struct DiffOptions {
  // When set, a signed side (MANIFEST.sig) is verified with this Ed25519 public key first; a side that fails is an
  // error. Unset: signatures are not checked (the text and JSON say so).
  std::filesystem::path public_key;
  // A marker pose change is reported when it moves the marker by more than this or turns it by more than this.
  double marker_threshold_mm = 1.0;
  double marker_threshold_deg = 0.5;
};

// Compares two packs. Errors (unreadable folder, YAML syntax error, bad signature) name the file and line.
core::Result<PackDiff> diffPacks(const std::filesystem::path& old_pack, const std::filesystem::path& new_pack,
                                 const DiffOptions& options = {});

// Human text: a header line, the entries grouped by file (procedure), "[safety]" / "[sécurité]" marks, a summary.
std::string formatDiffText(const PackDiff& diff, core::Language language);
// One entry as a self-contained line (with its procedure), as the changelog lists them.
std::string describeEntry(const DiffEntry& entry, core::Language language);
// JSON document "rivet-pack-diff/1" (see tools/rivet-pack/README.md), pretty-printed, UTF-8, ending in a newline.
std::string formatDiffJson(const PackDiff& diff);

}  // namespace rivet::packtool
