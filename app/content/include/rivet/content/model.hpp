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

// A named piece of the machine that procedures refer to (highlight, ghost). Geometry is the index range
// [first_index, first_index + index_count) of Model::indices, already placed in model coordinates.
struct Part {
  std::string id;       // stable id authors use in procedures (e.g. "gearbox/drain_plug")
  std::string name;     // human name from the CAD file
  int parent = -1;      // index into Model::parts, -1 for a root
  std::uint32_t first_index = 0;
  std::uint32_t index_count = 0;
  Bounds bounds;
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
