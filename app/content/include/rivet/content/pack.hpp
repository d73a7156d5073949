// Content pack: manifest (pack.yaml), marker map (markers.yaml), part display names (parts.yaml), model and
// procedure/tag file locations.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "rivet/content/model.hpp"
#include "rivet/core/marker_map.hpp"
#include "rivet/core/result.hpp"

namespace rivet::content {

struct PackManifest {
  std::string id;            // e.g. "robot-cell"; lowercase letters, digits, '-', '_', '.'
  std::string version;       // e.g. "1.2.0"
  std::string title_fr, title_en;
  std::string author;
  std::string requires_app;  // app version the pack needs, e.g. ">=0.1.0"
  std::string model;         // path of the main runtime model relative to the pack root, under models/
};

// A part's name as the user sees it, in both languages of the UI.
struct PartName {
  std::string fr, en;
};
// Display names by part id (parts.yaml: `parts: {<part id>: {fr: ..., en: ...}}`).
using PartNames = std::map<std::string, PartName, std::less<>>;

struct Pack {
  std::filesystem::path root;
  PackManifest manifest;
  core::MarkerMap marker_map;                          // from markers.yaml (size in mm in the file -> metres here)
  std::filesystem::path model_path;                    // absolute
  std::vector<std::filesystem::path> procedure_files;  // procedures/*.yaml (and .yml), sorted, absolute
  std::filesystem::path tags_file;                     // tags.yaml; empty path when the pack has none
  PartNames part_names;                                // from parts.yaml; empty when the pack has none
  bool signature_verified = false;                     // true when loadPack checked MANIFEST.sig and every hash
};

struct PackLoadOptions {
  // PEM file of the Ed25519 public key the pack must be signed with (rivet-pack keygen writes it). When set,
  // loadPack verifies MANIFEST.sig and the SHA-256 of every file before reading anything else.
  std::filesystem::path public_key_pem;
  // Refuse a pack that is not signed (no MANIFEST.sig) or when no key is given.
  bool require_signature = false;
};

// Loads a pack folder. Every error names file:line and what to do.
core::Result<Pack> loadPack(const std::string& dir);
core::Result<Pack> loadPack(const std::string& dir, const PackLoadOptions& options);

// Reads a whole text file (procedures, tags, ...): clear error when missing, unreadable, a folder or over 64 MiB.
core::Result<std::string> readTextFile(const std::filesystem::path& path);

// Parsers behind loadPack, exposed for tools (rivet-pack lint), tests and fuzzers. `file` is only used in
// messages ("file:line: ..."). They never throw.
core::Result<PackManifest> parsePackManifest(std::string_view yaml_text, const std::string& file);
core::Result<core::MarkerMap> parseMarkerMap(std::string_view yaml_text, const std::string& file);
core::Result<PartNames> parsePartNames(std::string_view yaml_text, const std::string& file);

// The name to show for a part that a procedure names by id or CAD name, in `lang` ("fr" or "en"): the pack's
// translation (parts.yaml) when it has one, else the CAD name from the model, else the reference itself.
std::string partDisplayName(const PartNames& names, const Model& model, std::string_view id_or_name,
                            std::string_view lang);

// Marker dictionaries the tracking module can detect (ArUco DICT_* names and AprilTag families).
bool isKnownMarkerDictionary(std::string_view name);

}  // namespace rivet::content
