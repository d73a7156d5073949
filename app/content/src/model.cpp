// Model helpers: owning construction and part lookup.
#include "rivet/content/model.hpp"

#include <algorithm>
#include <limits>

namespace rivet::content {

int Model::findPart(std::string_view id_or_name) const {
  for (size_t i = 0; i < parts.size(); ++i)
    if (parts[i].id == id_or_name) return static_cast<int>(i);
  for (size_t i = 0; i < parts.size(); ++i)
    if (parts[i].name == id_or_name) return static_cast<int>(i);
  return -1;
}

namespace {
struct OwnedArrays {
  std::vector<Vertex> vertices;
  std::vector<std::uint32_t> indices;
};

Bounds boundsOf(std::span<const Vertex> v, std::span<const std::uint32_t> idx) {
  Bounds b;
  constexpr float kInf = std::numeric_limits<float>::infinity();
  b.min = {kInf, kInf, kInf};
  b.max = {-kInf, -kInf, -kInf};
  for (auto i : idx) {
    if (i >= v.size()) continue;  // out-of-range indices are the loader's and the renderer's to reject
    for (int a = 0; a < 3; ++a) {
      b.min[static_cast<size_t>(a)] = std::min(b.min[static_cast<size_t>(a)], v[i].position[static_cast<size_t>(a)]);
      b.max[static_cast<size_t>(a)] = std::max(b.max[static_cast<size_t>(a)], v[i].position[static_cast<size_t>(a)]);
    }
  }
  if (idx.empty()) b = Bounds{};
  return b;
}
}  // namespace

Model makeModel(std::vector<Vertex> vertices, std::vector<std::uint32_t> indices, std::vector<Part> parts) {
  auto owned = std::make_shared<OwnedArrays>(OwnedArrays{std::move(vertices), std::move(indices)});
  Model m;
  m.vertices = owned->vertices;
  m.indices = owned->indices;
  m.parts = std::move(parts);
  for (auto& p : m.parts) p.bounds = boundsOf(m.vertices, m.indices.subspan(p.first_index, p.index_count));
  m.bounds = boundsOf(m.vertices, m.indices);
  m.storage = std::move(owned);
  return m;
}

}  // namespace rivet::content
