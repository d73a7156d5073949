// Uniform-grid point-to-mesh distance used to check that every LOD stays within its error bound.
#include "rivet/import/deviation.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

namespace rivet::import {
namespace {

using P3 = std::array<double, 3>;
P3 sub(const P3& a, const P3& b) { return {a[0] - b[0], a[1] - b[1], a[2] - b[2]}; }
double dot(const P3& a, const P3& b) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }

// Squared distance from p to triangle abc (closest-point regions, Ericson 5.1.5).
double distance2(const P3& p, const P3& a, const P3& b, const P3& c) {
  const P3 ab = sub(b, a), ac = sub(c, a), ap = sub(p, a);
  const double d1 = dot(ab, ap), d2 = dot(ac, ap);
  P3 q;
  if (d1 <= 0 && d2 <= 0) {
    q = a;
  } else {
    const P3 bp = sub(p, b);
    const double d3 = dot(ab, bp), d4 = dot(ac, bp);
    const P3 cp = sub(p, c);
    const double d5 = dot(ab, cp), d6 = dot(ac, cp);
    const double vc = d1 * d4 - d3 * d2, vb = d5 * d2 - d1 * d6, va = d3 * d6 - d5 * d4;
    if (d3 >= 0 && d4 <= d3) {
      q = b;
    } else if (vc <= 0 && d1 >= 0 && d3 <= 0) {
      const double v = d1 / (d1 - d3);
      q = {a[0] + v * ab[0], a[1] + v * ab[1], a[2] + v * ab[2]};
    } else if (d6 >= 0 && d5 <= d6) {
      q = c;
    } else if (vb <= 0 && d2 >= 0 && d6 <= 0) {
      const double w = d2 / (d2 - d6);
      q = {a[0] + w * ac[0], a[1] + w * ac[1], a[2] + w * ac[2]};
    } else if (va <= 0 && (d4 - d3) >= 0 && (d5 - d6) >= 0) {
      const double w = (d4 - d3) / ((d4 - d3) + (d5 - d6));
      q = {b[0] + w * (c[0] - b[0]), b[1] + w * (c[1] - b[1]), b[2] + w * (c[2] - b[2])};
    } else {
      const double denom = 1.0 / (va + vb + vc);
      const double v = vb * denom, w = vc * denom;
      q = {a[0] + ab[0] * v + ac[0] * w, a[1] + ab[1] * v + ac[1] * w, a[2] + ab[2] * v + ac[2] * w};
    }
  }
  const P3 d = sub(p, q);
  return dot(d, d);
}

// Triangles binned in a uniform grid (sorted (cell, triangle) pairs; cells found by binary search).
class Grid {
 public:
  Grid(const std::vector<content::Vertex>& v, const std::vector<std::uint32_t>& idx) : v_(v), idx_(idx) {
    // Cell: about the mean triangle size, so each triangle spans few cells and each cell holds few triangles.
    double extent_sum = 0;
    P3 lo_all{1e300, 1e300, 1e300};
    for (std::size_t t = 0; t + 2 < idx.size(); t += 3) {
      P3 lo, hi;
      box(t, lo, hi);
      extent_sum += std::max({hi[0] - lo[0], hi[1] - lo[1], hi[2] - lo[2]});
      for (std::size_t a = 0; a < 3; ++a) lo_all[a] = std::min(lo_all[a], lo[a]);
    }
    const double mean = idx.empty() ? 0 : extent_sum / static_cast<double>(idx.size() / 3);
    cell_ = std::max(mean, 1e-7);
    origin_ = lo_all;
    for (std::size_t t = 0; t + 2 < idx.size(); t += 3) {
      P3 lo, hi;
      box(t, lo, hi);
      const long x0 = key(lo[0], 0), x1 = key(hi[0], 0), y0 = key(lo[1], 1), y1 = key(hi[1], 1);
      const long z0 = key(lo[2], 2), z1 = key(hi[2], 2);
      for (long x = x0; x <= x1; ++x)
        for (long y = y0; y <= y1; ++y)
          for (long z = z0; z <= z1; ++z) entries_.push_back({pack(x, y, z), static_cast<std::uint32_t>(t)});
    }
    std::sort(entries_.begin(), entries_.end());
  }

  // Smallest squared distance from p to a triangle, searching rings of cells outwards and stopping as soon as
  // nothing unvisited can be closer; returns +inf when nothing lies within r.
  double nearest2(const P3& p, double r) const {
    double best2 = std::numeric_limits<double>::infinity();
    const long cx = key(p[0], 0), cy = key(p[1], 1), cz = key(p[2], 2);
    const long max_ring = static_cast<long>(std::ceil(r / cell_)) + 1;
    for (long k = 0; k <= max_ring; ++k) {
      for (long dx = -k; dx <= k; ++dx)
        for (long dy = -k; dy <= k; ++dy)
          for (long dz = -k; dz <= k; ++dz) {
            if (std::max({std::labs(dx), std::labs(dy), std::labs(dz)}) != k) continue;
            const std::uint64_t c = pack(cx + dx, cy + dy, cz + dz);
            auto it = std::lower_bound(entries_.begin(), entries_.end(), std::pair<std::uint64_t, std::uint32_t>{c, 0});
            for (; it != entries_.end() && it->first == c; ++it) {
              const std::uint32_t t = it->second;
              best2 = std::min(best2, distance2(p, at(idx_[t]), at(idx_[t + 1]), at(idx_[t + 2])));
            }
          }
      // Everything not visited yet lies outside the cube of rings 0..k: at least `reach` away from p.
      double reach = 1e300;
      for (std::size_t a = 0; a < 3; ++a) {
        const long c = a == 0 ? cx : a == 1 ? cy : cz;
        const double lo = origin_[a] + static_cast<double>(c - k) * cell_;
        const double hi = origin_[a] + static_cast<double>(c + k + 1) * cell_;
        reach = std::min({reach, p[a] - lo, hi - p[a]});
      }
      if (best2 <= reach * reach) break;
    }
    return best2 <= r * r ? best2 : std::numeric_limits<double>::infinity();
  }

 private:
  P3 at(std::uint32_t i) const { return {v_[i].position[0], v_[i].position[1], v_[i].position[2]}; }
  void box(std::size_t t, P3& lo, P3& hi) const {
    lo = hi = at(idx_[t]);
    for (std::size_t k = 1; k < 3; ++k) {
      const P3 p = at(idx_[t + k]);
      for (std::size_t a = 0; a < 3; ++a) lo[a] = std::min(lo[a], p[a]), hi[a] = std::max(hi[a], p[a]);
    }
  }
  long key(double x, std::size_t axis) const { return static_cast<long>(std::floor((x - origin_[axis]) / cell_)); }
  static std::uint64_t pack(long x, long y, long z) {
    const auto f = [](long v) { return static_cast<std::uint64_t>(v + (1L << 20)) & ((1ULL << 21) - 1); };
    return (f(x) << 42) | (f(y) << 21) | f(z);
  }
  const std::vector<content::Vertex>& v_;
  const std::vector<std::uint32_t>& idx_;
  double cell_ = 1;
  P3 origin_{};
  std::vector<std::pair<std::uint64_t, std::uint32_t>> entries_;
};

}  // namespace

namespace {

using Samples = std::vector<P3>;

// Vertices (once each), triangle centroids and edge midpoints; when there are more than max_triangles triangles,
// an evenly spaced subset of them (dense meshes: neighbouring samples are a fraction of the bound apart anyway).
Samples samplesOf(const std::vector<content::Vertex>& vertices, const std::vector<std::uint32_t>& idx,
                  std::size_t max_triangles) {
  const auto pos = [&](std::uint32_t i) {
    return P3{vertices[i].position[0], vertices[i].position[1], vertices[i].position[2]};
  };
  const std::size_t tris = idx.size() / 3;
  const std::size_t stride = tris <= max_triangles ? 1 : (tris + max_triangles - 1) / max_triangles;
  Samples out;
  out.reserve(tris / stride * 7 + 8);
  std::vector<char> seen(vertices.size(), 0);
  for (std::size_t t = 0; t < tris; t += stride) {
    const P3 a = pos(idx[3 * t]), b = pos(idx[3 * t + 1]), c = pos(idx[3 * t + 2]);
    out.push_back({(a[0] + b[0] + c[0]) / 3, (a[1] + b[1] + c[1]) / 3, (a[2] + b[2] + c[2]) / 3});
    out.push_back({(a[0] + b[0]) / 2, (a[1] + b[1]) / 2, (a[2] + b[2]) / 2});
    out.push_back({(b[0] + c[0]) / 2, (b[1] + c[1]) / 2, (b[2] + c[2]) / 2});
    out.push_back({(a[0] + c[0]) / 2, (a[1] + c[1]) / 2, (a[2] + c[2]) / 2});
    for (std::size_t k = 0; k < 3; ++k)
      if (!seen[idx[3 * t + k]]) {
        seen[idx[3 * t + k]] = 1;
        out.push_back(pos(idx[3 * t + k]));
      }
  }
  return out;
}

constexpr std::size_t kMaxSampledTriangles = 60000;

}  // namespace

struct DeviationMeter::Impl {
  const std::vector<content::Vertex>& vertices;
  Grid original_grid;
  Samples original_samples;
};

DeviationMeter::DeviationMeter(const std::vector<content::Vertex>& vertices, const std::vector<std::uint32_t>& original)
    : impl_(std::make_unique<Impl>(Impl{vertices, Grid(vertices, original),
                                        samplesOf(vertices, original, kMaxSampledTriangles)})) {}

DeviationMeter::~DeviationMeter() = default;

double DeviationMeter::measure(const std::vector<std::uint32_t>& simplified, double limit_m) const {
  if (simplified.empty()) return std::numeric_limits<double>::infinity();
  double worst2 = 0;
  const Grid to_simplified(impl_->vertices, simplified);
  for (const auto& p : impl_->original_samples) {
    const double d2 = to_simplified.nearest2(p, limit_m);
    if (std::isinf(d2)) return d2;
    worst2 = std::max(worst2, d2);
  }
  for (const auto& p : samplesOf(impl_->vertices, simplified, kMaxSampledTriangles)) {
    const double d2 = impl_->original_grid.nearest2(p, limit_m);
    if (std::isinf(d2)) return d2;
    worst2 = std::max(worst2, d2);
  }
  return std::sqrt(worst2);
}

double measuredDeviation(const std::vector<content::Vertex>& vertices, const std::vector<std::uint32_t>& original,
                         const std::vector<std::uint32_t>& simplified, double limit_m) {
  return DeviationMeter(vertices, original).measure(simplified, limit_m);
}

DeviationReport measureEverySample(const std::vector<content::Vertex>& vertices,
                                   const std::vector<std::uint32_t>& original,
                                   const std::vector<std::uint32_t>& simplified, double limit_m) {
  DeviationReport r;
  const auto check = [&](const Grid& to, const Samples& samples) {
    for (const auto& p : samples) {
      const double d2 = to.nearest2(p, limit_m);
      ++r.samples;
      if (std::isinf(d2)) {
        ++r.beyond;
      } else {
        r.max_m = std::max(r.max_m, std::sqrt(d2));
      }
    }
  };
  const std::size_t all = std::numeric_limits<std::size_t>::max();
  check(Grid(vertices, simplified), samplesOf(vertices, original, all));
  check(Grid(vertices, original), samplesOf(vertices, simplified, all));
  return r;
}

}  // namespace rivet::import
