// Runtime model: flat vertex/index arrays in model coordinates (metres, Y-up) split into named parts.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace rivet::content {

struct Vertex {
  std::array<float, 3> position;  // model coordinates, metres, Y-up
  std::array<float, 3> normal;    // unit length
};

struct Bounds {
  std::array<float, 3> min{0, 0, 0};
  std::array<float, 3> max{0, 0, 0};
};

// A simplified version of a part's triangles: index range in Model::indices (after the LOD0 ranges) and its
// measured deviation from the part's full-detail triangles, in metres (rivet-import samples both surfaces and only
// keeps a level whose deviation is within the bound it was made for).
struct PartLod {
  std::uint32_t first_index = 0;
  std::uint32_t index_count = 0;
  float error_m = 0;
};

// A named piece of the machine that procedures refer to (highlight, ghost). Geometry is the index range
// [first_index, first_index + index_count) of Model::indices, already placed in model coordinates.
struct Part {
  std::string id;       // stable id authors use in procedures (e.g. "gearbox/drain_plug")
  std::string name;     // human name from the CAD file
  int parent = -1;      // index into Model::parts, -1 for a root
  std::uint32_t first_index = 0;
  std::uint32_t index_count = 0;
  Bounds bounds;
  std::array<float, 4> color{0.7f, 0.7f, 0.7f, 1.0f};  // linear RGBA from the CAD file (grey when it has none)
  std::vector<PartLod> lods;  // coarser levels, coarsest last; empty when the model has no LODs
};

struct Model {
  std::span<const Vertex> vertices;
  std::span<const std::uint32_t> indices;
  std::vector<Part> parts;
  Bounds bounds;
  std::shared_ptr<const void> storage;  // keeps what the spans point into alive (owned vectors or a file mapping)

  // Index of the part whose id (or, failing that, name) matches; -1 when none.
  [[nodiscard]] int findPart(std::string_view id_or_name) const;
};

// Builds a Model that owns its arrays; computes part and model bounds.
Model makeModel(std::vector<Vertex> vertices, std::vector<std::uint32_t> indices, std::vector<Part> parts);

}  // namespace rivet::content
