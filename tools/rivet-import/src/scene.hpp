// Intermediate scene handed from a reader (run in a child process) to the importer: nodes with baked triangles.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "rivet/core/result.hpp"

namespace rivet::import {

// One node of the source file's tree. Geometry is already in the input's root frame (file units, file axes).
struct SceneNode {
  std::string name;                  // human name from the file (product name for STEP), may be empty
  int parent = -1;                   // index of an earlier node, -1 for a root
  std::vector<float> positions;      // x y z per vertex
  std::vector<float> normals;        // x y z per vertex, or empty (generated later)
  std::vector<std::uint32_t> indices;  // triangles
  std::array<float, 4> color{0.7f, 0.7f, 0.7f, 1.0f};
  bool has_color = false;
  int instance_of = -1;              // first node that shares this node's source geometry (instancing), -1 if none
};

struct ImportedScene {
  std::vector<SceneNode> nodes;      // parents before children
  std::string format;                // e.g. "STEP (AP214)", "glTF 2.0", "COLLADA"
  double metres_per_unit = 0;        // what the file says its unit is, 0 when it does not say
  std::string unit_note;             // where that came from, e.g. "STEP header: INCH (converted to mm by OCCT)"
  char up = 0;                       // 'y' or 'z' when the file/format says, 0 when unknown
  std::vector<std::string> warnings;
  std::vector<std::string> notes;    // what the reader did (tolerances, ...)
};

// Binary hand-over between the child and the parent. deserializeScene checks every count and index.
std::string serializeScene(const ImportedScene& scene);
core::Result<ImportedScene> deserializeScene(const std::string& bytes, const std::string& source);

}  // namespace rivet::import
