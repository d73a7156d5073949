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

}  // namespace rivet::pack
