// Tiny CPU orthographic rasteriser for tests: renders a Model (and marker squares) to a grey image and PGM file.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "rivet/content/model.hpp"
#include "rivet/core/marker_map.hpp"

namespace rivet::test {

struct Preview {
  int width = 0, height = 0;
  std::vector<std::uint8_t> pixels;  // 255 = background
  std::vector<float> depth;
  [[nodiscard]] std::size_t covered() const {
    return static_cast<std::size_t>(std::count_if(pixels.begin(), pixels.end(), [](auto p) { return p != 255; }));
  }
  bool writePgm(const std::string& path) const {
    std::ofstream out(path, std::ios::binary);
    out << "P5\n" << width << " " << height << "\n255\n";
    out.write(reinterpret_cast<const char*>(pixels.data()), static_cast<std::streamsize>(pixels.size()));
    return static_cast<bool>(out);
  }
};

using V3 = std::array<double, 3>;
inline V3 cross(const V3& a, const V3& b) {
  return {a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]};
}
inline double dot(const V3& a, const V3& b) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }
inline V3 unit(V3 a) {
  const double l = std::sqrt(dot(a, a));
  return {a[0] / l, a[1] / l, a[2] / l};
}

// Orthographic view looking along `forward` with `up` on screen; the region [lo, hi] (model metres) fills the image.
class Rasteriser {
 public:
  Rasteriser(int w, int h, V3 forward, V3 up, const V3& lo, const V3& hi) {
    img_.width = w;
    img_.height = h;
    img_.pixels.assign(static_cast<std::size_t>(w * h), 255);
    img_.depth.assign(static_cast<std::size_t>(w * h), std::numeric_limits<float>::infinity());
    f_ = unit(forward);
    r_ = unit(cross(f_, up));
    u_ = cross(r_, f_);
    // Fit the 8 corners of the region.
    double min_x = 1e30, max_x = -1e30, min_y = 1e30, max_y = -1e30;
    for (int c = 0; c < 8; ++c) {
      const V3 p = {(c & 1) ? hi[0] : lo[0], (c & 2) ? hi[1] : lo[1], (c & 4) ? hi[2] : lo[2]};
      min_x = std::min(min_x, dot(p, r_)), max_x = std::max(max_x, dot(p, r_));
      min_y = std::min(min_y, dot(p, u_)), max_y = std::max(max_y, dot(p, u_));
    }
    scale_ = 0.95 * std::min(w / (max_x - min_x), h / (max_y - min_y));
    cx_ = (min_x + max_x) / 2;
    cy_ = (min_y + max_y) / 2;
  }

  void triangle(const V3& a, const V3& b, const V3& c, std::uint8_t shade_max) {
    const V3 n = unit(cross({b[0] - a[0], b[1] - a[1], b[2] - a[2]}, {c[0] - a[0], c[1] - a[1], c[2] - a[2]}));
    if (!std::isfinite(n[0])) return;
    const double lambert = std::abs(dot(n, f_));
    const auto shade = static_cast<std::uint8_t>(std::clamp(20.0 + lambert * (shade_max - 20.0), 0.0, 254.0));
    double sx[3], sy[3], sz[3];
    const V3* p[3] = {&a, &b, &c};
    for (int i = 0; i < 3; ++i) {
      sx[i] = (dot(*p[i], r_) - cx_) * scale_ + img_.width / 2.0;
      sy[i] = img_.height / 2.0 - (dot(*p[i], u_) - cy_) * scale_;
      sz[i] = dot(*p[i], f_);
    }
    const int x0 = std::max(0, static_cast<int>(std::floor(std::min({sx[0], sx[1], sx[2]}))));
    const int x1 = std::min(img_.width - 1, static_cast<int>(std::ceil(std::max({sx[0], sx[1], sx[2]}))));
    const int y0 = std::max(0, static_cast<int>(std::floor(std::min({sy[0], sy[1], sy[2]}))));
    const int y1 = std::min(img_.height - 1, static_cast<int>(std::ceil(std::max({sy[0], sy[1], sy[2]}))));
    const double area = (sx[1] - sx[0]) * (sy[2] - sy[0]) - (sx[2] - sx[0]) * (sy[1] - sy[0]);
    if (std::abs(area) < 1e-12) return;
    for (int y = y0; y <= y1; ++y)
      for (int x = x0; x <= x1; ++x) {
        const double px = x + 0.5, py = y + 0.5;
        const double w0 = ((sx[1] - px) * (sy[2] - py) - (sx[2] - px) * (sy[1] - py)) / area;
        const double w1 = ((sx[2] - px) * (sy[0] - py) - (sx[0] - px) * (sy[2] - py)) / area;
        const double w2 = 1 - w0 - w1;
        if (w0 < 0 || w1 < 0 || w2 < 0) continue;
        const auto z = static_cast<float>(w0 * sz[0] + w1 * sz[1] + w2 * sz[2]);
        const auto i = static_cast<std::size_t>(y * img_.width + x);
        if (z < img_.depth[i]) {
          img_.depth[i] = z;
          img_.pixels[i] = shade;
        }
      }
  }

  void model(const content::Model& m) {
    for (const auto& part : m.parts)
      for (std::uint32_t k = part.first_index; k + 2 < part.first_index + part.index_count; k += 3) {
        const auto a = content::decodePosition(m, m.indices[k]);
        const auto b = content::decodePosition(m, m.indices[k + 1]);
        const auto c = content::decodePosition(m, m.indices[k + 2]);
        triangle({a[0], a[1], a[2]}, {b[0], b[1], b[2]}, {c[0], c[1], c[2]}, 230);
      }
  }

  // Black square with a small white notch at the top edge so orientation is visible.
  void markers(const core::MarkerMap& map) {
    for (const auto& mk : map.markers) {
      const double h = mk.size_m / 2;
      const auto corner = [&](double x, double y) {
        const core::Vec3d p = mk.T_machine_marker * core::Vec3d{x, y, 0.001};
        return V3{p.x, p.y, p.z};
      };
      triangle(corner(-h, -h), corner(h, -h), corner(h, h), 40);
      triangle(corner(-h, -h), corner(h, h), corner(-h, h), 40);
      const core::Vec3d top = mk.T_machine_marker * core::Vec3d{0, h * 0.8, 0.002};
      const core::Vec3d l = mk.T_machine_marker * core::Vec3d{-h * 0.2, h * 0.5, 0.002};
      const core::Vec3d r = mk.T_machine_marker * core::Vec3d{h * 0.2, h * 0.5, 0.002};
      triangle({l.x, l.y, l.z}, {r.x, r.y, r.z}, {top.x, top.y, top.z}, 250);
    }
  }

  [[nodiscard]] const Preview& image() const { return img_; }

 private:
  Preview img_;
  V3 f_{}, r_{}, u_{};
  double scale_ = 1, cx_ = 0, cy_ = 0;
};

}  // namespace rivet::test
