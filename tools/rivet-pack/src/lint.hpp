// rivet-pack lint: JSON Schema (subset of draft 2020-12) validation of pack YAML files with line numbers, plus the
// cross-file checks (parts in the model, tag bindings, procedure calls, media, fr/en texts).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include "rivet/core/result.hpp"

namespace rivet::pack {

struct Problem {
  std::string file;
  int line = 0;  // 1-based; 0 when the problem is about the whole file
  std::string message;
  [[nodiscard]] std::string describe() const;  // "file:line: message"
};

// Validates YAML documents against a JSON Schema. Supports type, enum, const, properties, required,
// additionalProperties, patternProperties, items, minItems, maxItems, minimum, maximum, exclusiveMinimum,
// exclusiveMaximum, minLength, maxLength, pattern, $ref (local), allOf, anyOf, oneOf, not, if/then/else.
class SchemaValidator {
 public:
  static core::Result<SchemaValidator> load(const std::filesystem::path& schema_file);
  static core::Result<SchemaValidator> fromJson(nlohmann::json schema, std::string name);
  void validate(const YAML::Node& doc, const std::string& file, std::vector<Problem>& out) const;

 private:
  void check(const nlohmann::json& schema, const YAML::Node& n, const std::string& path, const std::string& file,
             std::vector<Problem>& out, int depth) const;
  const nlohmann::json* resolve(const std::string& ref) const;
  nlohmann::json root_;
  std::string name_;
};

struct LintOptions {
  std::filesystem::path dir;
  std::filesystem::path schemas;  // folder with pack/markers/procedure/tags .schema.json
  std::filesystem::path model;    // optional: use this model instead of the one pack.yaml names
};

// Every problem of the pack, sorted by file and line. Empty = clean.
std::vector<Problem> lintPack(const LintOptions& options);

// What --check-map saw: frames, the verdicts of those with map markers, and the diagnosis texts reported.
struct MapCheckSummary {
  int frames = 0;
  int frames_with_markers = 0;
  int tracked = 0, degraded = 0, not_tracked = 0;
  std::vector<std::string> findings;
};

// Tracks field photos (an image or a folder) or a recording with the pack's markers.yaml and `calib` (camera.yaml):
// each marker the registration verdict finds at odds with the map (turned, wrong size, swapped or unknown id,
// moved) is a problem at its markers.yaml line, with how many frames showed it; so is a map that never fits.
std::vector<Problem> checkMap(const std::filesystem::path& pack_dir, const std::filesystem::path& video,
                              const std::filesystem::path& calib, MapCheckSummary* summary = nullptr);

}  // namespace rivet::pack
