// Sub-pixel marker corners: edge positions from the area under each intensity profile across the black border
// (unbiased for any symmetric blur), a robust line per edge, corners where adjacent lines meet.
#include "edge_refine.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace rivet::tracking::detail {
namespace {

// Bilinear sample, pixel centres at integer coordinates; false outside the image.
inline bool sample(const cv::Mat& g, double x, double y, double& v) {
  if (x < 0 || y < 0 || x > g.cols - 1.001 || y > g.rows - 1.001) return false;
  const int x0 = static_cast<int>(x), y0 = static_cast<int>(y);
  const double ax = x - x0, ay = y - y0;
  const std::uint8_t* r0 = g.ptr<std::uint8_t>(y0) + x0;
  const std::uint8_t* r1 = g.ptr<std::uint8_t>(y0 + 1) + x0;
  v = (1 - ay) * ((1 - ax) * r0[0] + ax * r0[1]) + ay * ((1 - ax) * r1[0] + ax * r1[1]);
  return true;
}

struct Line {
  cv::Point2d point;  // a point on the line
  cv::Point2d dir;    // unit direction
};

struct EdgePoint {
  cv::Point2d p;
  double w;
};

bool fitLine(const std::vector<EdgePoint>& pts, Line& line) {
  double sw = 0, mx = 0, my = 0;
  for (const auto& e : pts) {
    sw += e.w;
    mx += e.w * e.p.x;
    my += e.w * e.p.y;
  }
  if (sw <= 0) return false;
  mx /= sw;
  my /= sw;
  double sxx = 0, sxy = 0, syy = 0;
  for (const auto& e : pts) {
    const double dx = e.p.x - mx, dy = e.p.y - my;
    sxx += e.w * dx * dx;
    sxy += e.w * dx * dy;
    syy += e.w * dy * dy;
  }
  // Principal direction of the 2x2 scatter matrix.
  const double theta = 0.5 * std::atan2(2 * sxy, sxx - syy);
  line.point = {mx, my};
  line.dir = {std::cos(theta), std::sin(theta)};
  return true;
}

bool intersect(const Line& a, const Line& b, cv::Point2d& out) {
  const double den = a.dir.x * b.dir.y - a.dir.y * b.dir.x;
  if (std::abs(den) < 1e-6) return false;
  const cv::Point2d d = b.point - a.point;
  const double t = (d.x * b.dir.y - d.y * b.dir.x) / den;
  out = a.point + t * a.dir;
  return true;
}

// Edge line of side a->b, `outward` the unit normal pointing away from the square.
bool refineEdge(const cv::Mat& g, cv::Point2d a, cv::Point2d b, cv::Point2d outward, double module_px, Line& line) {
  const cv::Point2d d = b - a;
  const double len = std::hypot(d.x, d.y);
  const cv::Point2d u = d / len;
  const double w = std::clamp(0.75 * module_px, 1.5, 6.0);  // half-width of the profile across the edge
  const double step = 0.25;
  const int nprof = static_cast<int>(std::lround(2 * w / step)) + 1;
  const double t0 = std::max(w + 1.0, 0.12 * len), t1 = len - t0;
  if (t1 <= t0) return false;
  const int nsamp = std::clamp(static_cast<int>((t1 - t0) / 1.0), 3, 48);
  std::vector<EdgePoint> pts;
  pts.reserve(static_cast<size_t>(nsamp));
  std::vector<double> prof(static_cast<size_t>(nprof));
  for (int i = 0; i < nsamp; ++i) {
    const double t = t0 + (t1 - t0) * (nsamp == 1 ? 0.5 : static_cast<double>(i) / (nsamp - 1));
    const cv::Point2d p = a + t * u;
    bool ok = true;
    for (int k = 0; k < nprof && ok; ++k) {
      const double s = -w + k * step;
      ok = sample(g, p.x + s * outward.x, p.y + s * outward.y, prof[static_cast<size_t>(k)]);
    }
    if (!ok) continue;
    // Plateaus from the outer quarters of the profile.
    double dark = 0, light = 0;
    int nd = 0, nl = 0;
    for (int k = 0; k < nprof; ++k) {
      const double s = -w + k * step;
      if (s <= -w / 2) {
        dark += prof[static_cast<size_t>(k)];
        ++nd;
      } else if (s >= w / 2) {
        light += prof[static_cast<size_t>(k)];
        ++nl;
      }
    }
    dark /= nd;
    light /= nl;
    const double contrast = light - dark;
    if (contrast < 12) continue;
    // Area method: for a step from dark to light at e, integral over [-w, w] of (light - I) / contrast = e + w.
    double area = 0;
    for (int k = 0; k + 1 < nprof; ++k) {
      const double v0 = std::clamp((light - prof[static_cast<size_t>(k)]) / contrast, 0.0, 1.0);
      const double v1 = std::clamp((light - prof[static_cast<size_t>(k + 1)]) / contrast, 0.0, 1.0);
      area += 0.5 * (v0 + v1) * step;
    }
    const double e = area - w;
    if (std::abs(e) > w * 0.8) continue;
    pts.push_back({p + e * outward, contrast});
  }
  if (pts.size() < 3) return false;
  if (!fitLine(pts, line)) return false;
  // One pass of outlier removal (clutter touching the edge, specular spots).
  std::vector<double> res;
  res.reserve(pts.size());
  const cv::Point2d nrm{-line.dir.y, line.dir.x};
  for (const auto& e : pts) res.push_back(std::abs((e.p - line.point).dot(nrm)));
  std::vector<double> sorted = res;
  std::nth_element(sorted.begin(), sorted.begin() + static_cast<long>(sorted.size() / 2), sorted.end());
  const double thr = std::max(0.3, 3.0 * sorted[sorted.size() / 2]);
  std::vector<EdgePoint> kept;
  for (size_t i = 0; i < pts.size(); ++i) {
    if (res[i] <= thr) kept.push_back(pts[i]);
  }
  if (kept.size() < 3) return false;
  return fitLine(kept, line);
}

}  // namespace

bool refineQuadEdges(const cv::Mat& gray, std::array<cv::Point2d, 4>& corners, int black_square_modules,
                     double max_move_px, int iterations) {
  std::array<cv::Point2d, 4> c = corners;
  for (int iter = 0; iter < iterations; ++iter) {
    const cv::Point2d centre = (c[0] + c[1] + c[2] + c[3]) / 4.0;
    std::array<Line, 4> lines;
    for (int i = 0; i < 4; ++i) {
      const cv::Point2d a = c[static_cast<size_t>(i)], b = c[static_cast<size_t>((i + 1) % 4)];
      const cv::Point2d d = b - a;
      const double len = std::hypot(d.x, d.y);
      if (len < 6) return false;
      cv::Point2d n{-d.y / len, d.x / len};
      if (n.dot((a + b) / 2.0 - centre) < 0) n = -n;
      if (!refineEdge(gray, a, b, n, len / black_square_modules, lines[static_cast<size_t>(i)])) return false;
    }
    std::array<cv::Point2d, 4> next;
    for (int i = 0; i < 4; ++i) {
      // Corner i joins edge i-1 (c[i-1] -> c[i]) and edge i (c[i] -> c[i+1]).
      if (!intersect(lines[static_cast<size_t>((i + 3) % 4)], lines[static_cast<size_t>(i)],
                     next[static_cast<size_t>(i)])) {
        return false;
      }
    }
    c = next;
  }
  // Reject refinements that moved a corner far from the detector's estimate.
  double side = 0;
  for (int i = 0; i < 4; ++i) {
    const cv::Point2d d = corners[static_cast<size_t>((i + 1) % 4)] - corners[static_cast<size_t>(i)];
    side += std::hypot(d.x, d.y) / 4;
  }
  const double max_move = max_move_px > 0 ? max_move_px : std::max(2.0, 0.08 * side);
  for (int i = 0; i < 4; ++i) {
    const cv::Point2d d = c[static_cast<size_t>(i)] - corners[static_cast<size_t>(i)];
    if (std::hypot(d.x, d.y) > max_move) return false;
  }
  corners = c;
  return true;
}

}  // namespace rivet::tracking::detail
