// Content pack: manifest (pack.yaml), marker map (markers.yaml), model and procedure/tag file locations.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

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

struct Pack {
  std::filesystem::path root;
  PackManifest manifest;
  core::MarkerMap marker_map;                          // from markers.yaml (size in mm in the file -> metres here)
  std::filesystem::path model_path;                    // absolute
  std::vector<std::filesystem::path> procedure_files;  // procedures/*.yaml (and .yml), sorted, absolute
  std::filesystem::path tags_file;                     // tags.yaml; empty path when the pack has none
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

// Marker dictionaries the tracking module can detect (ArUco DICT_* names and AprilTag families).
bool isKnownMarkerDictionary(std::string_view name);

}  // namespace rivet::content
