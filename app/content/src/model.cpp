// Model helpers: owning construction (vertex quantisation), vertex encode/decode, part lookup.
#include "rivet/content/model.hpp"

#include <algorithm>
#include <cmath>
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

constexpr float kUnormMax = 65535.0f;
constexpr float kSnormMax = 32767.0f;

struct OwnedArrays {
  std::vector<PackedVertex> vertices;
  std::vector<std::uint32_t> indices;
};

Bounds emptyBounds() {
  constexpr float kInf = std::numeric_limits<float>::infinity();
  return Bounds{{kInf, kInf, kInf}, {-kInf, -kInf, -kInf}};
}

void grow(Bounds& b, const std::array<float, 3>& p) {
  for (std::size_t a = 0; a < 3; ++a) {
    b.min[a] = std::min(b.min[a], p[a]);
    b.max[a] = std::max(b.max[a], p[a]);
  }
}

Bounds boundsOf(const Model& m, std::span<const std::uint32_t> idx) {
  Bounds b = emptyBounds();
  for (auto i : idx) {
    if (i >= m.vertices.size()) continue;  // out-of-range indices are the loader's and the renderer's to reject
    grow(b, decodePosition(m, i));
  }
  if (idx.empty()) b = Bounds{};
  return b;
}

std::int16_t snorm16(float v) {
  return static_cast<std::int16_t>(std::lround(std::clamp(v, -1.0f, 1.0f) * kSnormMax));
}

std::array<float, 3> octDecode(std::int16_t qx, std::int16_t qy) {
  const float ex = std::max(static_cast<float>(qx) / kSnormMax, -1.0f);
  const float ey = std::max(static_cast<float>(qy) / kSnormMax, -1.0f);
  float x = ex, y = ey;
  const float z = 1.0f - std::abs(ex) - std::abs(ey);
  const float t = std::max(-z, 0.0f);
  x += x >= 0 ? -t : t;
  y += y >= 0 ? -t : t;
  const float l = std::sqrt(x * x + y * y + z * z);
  return {x / l, y / l, z / l};
}

// Octahedral encoding; of the four neighbouring 16-bit codes, keeps the one that decodes closest to n.
std::array<std::int16_t, 2> octEncode(const std::array<float, 3>& n) {
  const float l1 = std::abs(n[0]) + std::abs(n[1]) + std::abs(n[2]);
  if (!(l1 > 0) || !std::isfinite(l1)) return {0, 0};  // decodes to +z; importers never store such normals
  float u = n[0] / l1, v = n[1] / l1;
  if (n[2] < 0) {
    const float pu = u, pv = v;
    u = (1 - std::abs(pv)) * (pu >= 0 ? 1.0f : -1.0f);
    v = (1 - std::abs(pu)) * (pv >= 0 ? 1.0f : -1.0f);
  }
  const float fu = std::floor(std::clamp(u, -1.0f, 1.0f) * kSnormMax);
  const float fv = std::floor(std::clamp(v, -1.0f, 1.0f) * kSnormMax);
  std::array<std::int16_t, 2> best{snorm16(u), snorm16(v)};
  float best_dot = -2;
  for (int du = 0; du < 2; ++du)
    for (int dv = 0; dv < 2; ++dv) {
      const auto cu = static_cast<std::int16_t>(std::clamp(fu + static_cast<float>(du), -kSnormMax, kSnormMax));
      const auto cv = static_cast<std::int16_t>(std::clamp(fv + static_cast<float>(dv), -kSnormMax, kSnormMax));
      const auto d = octDecode(cu, cv);
      const float dot = d[0] * n[0] + d[1] * n[1] + d[2] * n[2];
      if (dot > best_dot) best_dot = dot, best = {cu, cv};
    }
  return best;
}

}  // namespace

double Quantization::maxErrorM() const {
  double s = 0;
  for (std::size_t a = 0; a < 3; ++a) {
    // Half a step, plus the float rounding of encoding and decoding (a few ulps of the largest coordinate).
    const double largest = std::max(std::abs(double{offset_m[a]}), std::abs(double{offset_m[a]} + scale_m[a]));
    const double e = 0.5 * static_cast<double>(scale_m[a]) / 65535.0 + 4 * largest * 0x1p-24;
    s += e * e;
  }
  return std::sqrt(s);
}

Quantization quantizationFor(const std::array<float, 3>& lo, const std::array<float, 3>& hi) {
  Quantization q;
  for (std::size_t a = 0; a < 3; ++a) {
    const bool finite = std::isfinite(lo[a]) && std::isfinite(hi[a]);
    q.offset_m[a] = finite ? lo[a] : 0.0f;
    const float extent = finite ? hi[a] - lo[a] : 0.0f;
    q.scale_m[a] = extent > 0 && std::isfinite(extent) ? extent : 1.0f;
  }
  return q;
}

PackedVertex encodeVertex(const Quantization& q, const Vertex& v) {
  PackedVertex p{};
  for (std::size_t a = 0; a < 3; ++a) {
    const float t = (v.position[a] - q.offset_m[a]) / q.scale_m[a] * kUnormMax;
    p.position[a] = static_cast<std::uint16_t>(std::isfinite(t) ? std::lround(std::clamp(t, 0.0f, kUnormMax)) : 0);
  }
  p.position[3] = 0;
  p.normal = octEncode(v.normal);
  return p;
}

std::array<float, 3> decodePosition(const Quantization& q, const PackedVertex& v) {
  return {q.offset_m[0] + q.scale_m[0] * (static_cast<float>(v.position[0]) / kUnormMax),
          q.offset_m[1] + q.scale_m[1] * (static_cast<float>(v.position[1]) / kUnormMax),
          q.offset_m[2] + q.scale_m[2] * (static_cast<float>(v.position[2]) / kUnormMax)};
}

std::array<float, 3> decodeNormal(const PackedVertex& v) { return octDecode(v.normal[0], v.normal[1]); }

std::vector<Vertex> decodeVertices(const Model& m) {
  std::vector<Vertex> out(m.vertices.size());
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = decodeVertex(m, i);
  return out;
}

Bounds vertexBounds(const Model& m) {
  if (m.vertices.empty()) return Bounds{};
  Bounds b = emptyBounds();
  for (std::size_t i = 0; i < m.vertices.size(); ++i) grow(b, decodePosition(m, i));
  return b;
}

Model makeModel(std::vector<Vertex> vertices, std::vector<std::uint32_t> indices, std::vector<Part> parts) {
  Bounds b = emptyBounds();
  for (const auto& v : vertices) grow(b, v.position);
  return makeModel(std::move(vertices), std::move(indices), std::move(parts), quantizationFor(b.min, b.max));
}

Model makeModel(std::vector<Vertex> vertices, std::vector<std::uint32_t> indices, std::vector<Part> parts,
                const Quantization& box) {
  auto owned = std::make_shared<OwnedArrays>();
  owned->vertices.resize(vertices.size());
  for (std::size_t i = 0; i < vertices.size(); ++i) owned->vertices[i] = encodeVertex(box, vertices[i]);
  vertices = {};
  owned->indices = std::move(indices);
  Model m;
  m.vertices = owned->vertices;
  m.quantization = box;
  m.indices = owned->indices;
  m.parts = std::move(parts);
  for (auto& p : m.parts) {
    // A range outside the indices is validated (and rejected) by saveModel and the renderer, not here.
    const bool inside = std::uint64_t{p.first_index} + p.index_count <= m.indices.size();
    p.bounds = inside ? boundsOf(m, m.indices.subspan(p.first_index, p.index_count)) : Bounds{};
  }
  m.bounds = boundsOf(m, m.indices);
  m.storage = std::move(owned);
  return m;
}

}  // namespace rivet::content
