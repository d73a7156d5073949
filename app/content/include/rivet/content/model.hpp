// Runtime model: quantised vertex array + index array in model coordinates (metres, Y-up) split into named parts.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace rivet::content {

// A vertex as importers and tests build it and as CPU code reads it back (decodeVertex): full floats.
struct Vertex {
  std::array<float, 3> position;  // model coordinates, metres, Y-up
  std::array<float, 3> normal;    // unit length
};

// A vertex as the model stores it and the GPU reads it (12 bytes, no conversion at load):
// position: 3 x 16-bit unorm inside the model's quantisation box (Quantization) + one zero pad (R16G16B16A16_UNORM);
// normal: octahedral encoding, 2 x 16-bit snorm (R16G16_SNORM).
struct PackedVertex {
  std::array<std::uint16_t, 4> position;
  std::array<std::int16_t, 2> normal;
};

// Maps a PackedVertex position to model coordinates: position_m[a] = offset_m[a] + scale_m[a] * q[a] / 65535.
struct Quantization {
  std::array<float, 3> offset_m{0, 0, 0};
  std::array<float, 3> scale_m{1, 1, 1};  // always > 0 (a flat axis gets 1)

  // Largest distance between a position and its quantised value: half a step on each axis, combined (metres).
  [[nodiscard]] double maxErrorM() const;
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
  std::span<const PackedVertex> vertices;  // decode with decodePosition/decodeVertex/decodeVertices
  Quantization quantization;
  std::span<const std::uint32_t> indices;
  std::vector<Part> parts;
  Bounds bounds;
  std::shared_ptr<const void> storage;  // keeps what the spans point into alive (owned vectors or a file mapping)

  // Index of the part whose id (or, failing that, name) matches; -1 when none.
  [[nodiscard]] int findPart(std::string_view id_or_name) const;
};

// Builds a Model that owns its arrays: quantises the vertices into the box of all vertex positions (or into `box`,
// clamping positions outside it), then computes part and model bounds from the quantised positions.
Model makeModel(std::vector<Vertex> vertices, std::vector<std::uint32_t> indices, std::vector<Part> parts);
Model makeModel(std::vector<Vertex> vertices, std::vector<std::uint32_t> indices, std::vector<Part> parts,
                const Quantization& box);

// The quantisation box of positions from lo to hi (per axis; a flat or empty axis gets scale 1).
Quantization quantizationFor(const std::array<float, 3>& lo, const std::array<float, 3>& hi);

// Encoding/decoding of one vertex. decodePosition is what the vertex shader (shaders/model.vert) computes.
PackedVertex encodeVertex(const Quantization& q, const Vertex& v);
std::array<float, 3> decodePosition(const Quantization& q, const PackedVertex& v);
std::array<float, 3> decodeNormal(const PackedVertex& v);
inline std::array<float, 3> decodePosition(const Model& m, std::size_t i) {
  return decodePosition(m.quantization, m.vertices[i]);
}
inline Vertex decodeVertex(const Model& m, std::size_t i) {
  return Vertex{decodePosition(m.quantization, m.vertices[i]), decodeNormal(m.vertices[i])};
}
// All vertices decoded (a copy: for tools and tests, not for the per-frame path).
std::vector<Vertex> decodeVertices(const Model& m);
// Bounds of the decoded positions of all vertices (not only the referenced ones); zero bounds when there are none.
Bounds vertexBounds(const Model& m);

}  // namespace rivet::content
