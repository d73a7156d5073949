// Synthetic camera frames: background clutter, a Lambert-shaded machine model, markers warped onto their poses
// (supersampled), lighting, motion blur, noise and lens distortion; plus camera paths around a marker map.
#include "rivet/tracking/synthcam.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>
#include <numeric>
#include <opencv2/calib3d.hpp>
#include <opencv2/imgproc.hpp>
#include <random>

#include "cv_convert.hpp"
#include "rivet/tracking/detector.hpp"
#include "rivet/tracking/pose_solver.hpp"

namespace rivet::tracking {
namespace {

using core::Pose;
using core::Vec3d;

constexpr int kSuper = 4;        // marker supersampling factor
constexpr double kInk = 28.0;    // printed black
constexpr double kPaper = 228.0; // printed white

Vec3d normalized(const Vec3d& v) {
  const double n = v.norm();
  return n > 1e-15 ? v * (1.0 / n) : Vec3d{0, 0, 0};
}

// Where each pixel of the distorted image comes from in an undistorted "ideal" canvas (larger, shifted).
struct DistortionMaps {
  core::CameraModel ideal;   // pinhole camera of the canvas
  cv::Mat map_x, map_y;      // CV_32F, camera size
};

std::shared_ptr<const DistortionMaps> distortionMaps(const core::CameraModel& cam) {
  static std::mutex mutex;
  static std::vector<std::pair<core::CameraModel, std::shared_ptr<const DistortionMaps>>> cache;
  std::lock_guard<std::mutex> lock(mutex);
  for (const auto& [c, m] : cache) {
    if (c.width == cam.width && c.height == cam.height && c.fx == cam.fx && c.fy == cam.fy && c.cx == cam.cx &&
        c.cy == cam.cy && c.distortion == cam.distortion) {
      return m;
    }
  }
  std::vector<cv::Point2f> pix;
  pix.reserve(static_cast<size_t>(cam.width) * static_cast<size_t>(cam.height));
  for (int y = 0; y < cam.height; ++y)
    for (int x = 0; x < cam.width; ++x) pix.emplace_back(static_cast<float>(x), static_cast<float>(y));
  std::vector<cv::Point2f> und;
  cv::undistortPoints(pix, und, detail::cameraMatrix(cam), detail::distCoeffs(cam), cv::noArray(),
                      detail::cameraMatrix(cam),
                      cv::TermCriteria(cv::TermCriteria::COUNT | cv::TermCriteria::EPS, 20, 1e-6));
  float x0 = 1e9f, y0 = 1e9f, x1 = -1e9f, y1 = -1e9f;
  for (const auto& p : und) {
    x0 = std::min(x0, p.x);
    y0 = std::min(y0, p.y);
    x1 = std::max(x1, p.x);
    y1 = std::max(y1, p.y);
  }
  // Keep the canvas bounded (extreme distortion would blow it up).
  x0 = std::max(x0, -static_cast<float>(cam.width));
  y0 = std::max(y0, -static_cast<float>(cam.height));
  x1 = std::min(x1, 2.0f * static_cast<float>(cam.width));
  y1 = std::min(y1, 2.0f * static_cast<float>(cam.height));
  const int ox = static_cast<int>(std::ceil(-x0)) + 2, oy = static_cast<int>(std::ceil(-y0)) + 2;
  auto m = std::make_shared<DistortionMaps>();
  m->ideal = cam;
  m->ideal.distortion = {0, 0, 0, 0, 0};
  m->ideal.cx += ox;
  m->ideal.cy += oy;
  m->ideal.width = static_cast<int>(std::ceil(x1)) + ox + 3;
  m->ideal.height = static_cast<int>(std::ceil(y1)) + oy + 3;
  m->map_x.create(cam.height, cam.width, CV_32F);
  m->map_y.create(cam.height, cam.width, CV_32F);
  for (int y = 0; y < cam.height; ++y) {
    for (int x = 0; x < cam.width; ++x) {
      const auto& p = und[static_cast<size_t>(y) * static_cast<size_t>(cam.width) + static_cast<size_t>(x)];
      m->map_x.at<float>(y, x) = p.x + static_cast<float>(ox);
      m->map_y.at<float>(y, x) = p.y + static_cast<float>(oy);
    }
  }
  cache.emplace_back(cam, m);
  if (cache.size() > 4) cache.erase(cache.begin());
  return m;
}

cv::Point2d pinhole(const core::CameraModel& c, const Vec3d& p) {
  return {c.fx * p.x / p.z + c.cx, c.fy * p.y / p.z + c.cy};
}

void drawBackground(cv::Mat& img, std::mt19937_64& rng, bool clutter) {
  std::uniform_real_distribution<double> u(0, 1);
  const double top = 90 + 80 * u(rng), bottom = 60 + 90 * u(rng);
  const cv::Vec3d tint(0.9 + 0.2 * u(rng), 0.9 + 0.2 * u(rng), 0.9 + 0.2 * u(rng));
  for (int y = 0; y < img.rows; ++y) {
    const double v = top + (bottom - top) * y / std::max(1, img.rows - 1);
    const cv::Vec3b c(cv::saturate_cast<uchar>(v * tint[0]), cv::saturate_cast<uchar>(v * tint[1]),
                      cv::saturate_cast<uchar>(v * tint[2]));
    img.row(y).setTo(c);
  }
  if (!clutter) return;
  const int n = 40;
  for (int i = 0; i < n; ++i) {
    const cv::Scalar col(255 * u(rng), 255 * u(rng), 255 * u(rng));
    const cv::Point p(static_cast<int>(u(rng) * img.cols), static_cast<int>(u(rng) * img.rows));
    const int s = 10 + static_cast<int>(u(rng) * img.cols * 0.12);
    switch (i % 4) {
      case 0:
        cv::rectangle(img, p, p + cv::Point(s, static_cast<int>(s * (0.3 + u(rng)))), col, cv::FILLED, cv::LINE_AA);
        break;
      case 1: cv::circle(img, p, s / 2, col, cv::FILLED, cv::LINE_AA); break;
      case 2:
        cv::line(img, p, p + cv::Point(static_cast<int>((u(rng) - 0.5) * 4 * s), static_cast<int>((u(rng) - 0.5) * 4 * s)),
                 col, 1 + static_cast<int>(u(rng) * 6), cv::LINE_AA);
        break;
      default:
        cv::ellipse(img, p, cv::Size(s / 2, s / 4), u(rng) * 180, 0, 360, col, 2, cv::LINE_AA);
        break;
    }
  }
}

void drawModel(cv::Mat& img, const content::Model& model, const core::CameraModel& cam, const Pose& T) {
  const size_t nv = model.vertices.size();
  std::vector<Vec3d> pc(nv);
  std::vector<cv::Point> pp(nv);
  constexpr int kShift = 4;
  for (size_t i = 0; i < nv; ++i) {
    const auto p = content::decodePosition(model, i);
    pc[i] = T * Vec3d{p[0], p[1], p[2]};
    if (pc[i].z > 0.02) {
      const cv::Point2d q = pinhole(cam, pc[i]);
      const double lim = 1e6;
      pp[i] = {static_cast<int>(std::lround(std::clamp(q.x, -lim, lim) * (1 << kShift))),
               static_cast<int>(std::lround(std::clamp(q.y, -lim, lim) * (1 << kShift)))};
    }
  }
  struct Tri {
    double depth;
    std::uint32_t a, b, c;
    double shade;
  };
  std::vector<Tri> tris;
  const Vec3d light = normalized({-0.4, -0.6, -1.0});  // towards the light, camera frame (upper left, behind camera)
  for (size_t i = 0; i + 2 < model.indices.size(); i += 3) {
    const std::uint32_t a = model.indices[i], b = model.indices[i + 1], c = model.indices[i + 2];
    if (a >= nv || b >= nv || c >= nv) continue;
    if (pc[a].z <= 0.02 || pc[b].z <= 0.02 || pc[c].z <= 0.02) continue;
    Vec3d n = normalized((pc[b] - pc[a]).cross(pc[c] - pc[a]));
    if (n.dot(pc[a]) > 0) n = n * -1.0;  // two-sided: face the camera
    const double lambert = std::max(0.0, n.dot(light));
    tris.push_back({std::max({pc[a].z, pc[b].z, pc[c].z}), a, b, c, 0.25 + 0.75 * lambert});
  }
  std::sort(tris.begin(), tris.end(), [](const Tri& x, const Tri& y) { return x.depth > y.depth; });
  for (const Tri& t : tris) {
    const cv::Point poly[3] = {pp[t.a], pp[t.b], pp[t.c]};
    const double g = 175 * t.shade;
    cv::fillConvexPoly(img, poly, 3, cv::Scalar(g, g * 1.02, g * 1.05), cv::LINE_8, kShift);
  }
}

// Composites one marker (paper with quiet zone) onto the ideal canvas; supersampled for exact edge positions.
void drawMarker(cv::Mat& img, const core::MarkerMap& map, const core::MapMarker& m, const core::CameraModel& cam,
                const Pose& T_cm, bool lighting, int quiet_modules) {
  auto probe = drawMarkerImage(map.dictionary, m.id, 1, quiet_modules);
  if (!probe) return;
  const double cell = m.size_m / probe->black_square_modules;
  const double half = probe->total_modules * cell / 2;
  const Vec3d local[4] = {{-half, half, 0}, {half, half, 0}, {half, -half, 0}, {-half, -half, 0}};
  cv::Point2d q[4];
  double x0 = 1e9, y0 = 1e9, x1 = -1e9, y1 = -1e9, side = 0;
  for (int k = 0; k < 4; ++k) {
    const Vec3d p = T_cm * local[k];
    if (p.z < 0.02) return;
    q[k] = pinhole(cam, p);
    x0 = std::min(x0, q[k].x);
    y0 = std::min(y0, q[k].y);
    x1 = std::max(x1, q[k].x);
    y1 = std::max(y1, q[k].y);
  }
  for (int k = 0; k < 4; ++k) side = std::max(side, cv::norm(q[(k + 1) % 4] - q[k]));
  const int bx = std::max(0, static_cast<int>(std::floor(x0)) - 1), by = std::max(0, static_cast<int>(std::floor(y0)) - 1);
  const int ex = std::min(img.cols, static_cast<int>(std::ceil(x1)) + 2),
            ey = std::min(img.rows, static_cast<int>(std::ceil(y1)) + 2);
  if (ex <= bx || ey <= by) return;
  const int ppm = std::clamp(static_cast<int>(std::ceil(side * kSuper / probe->total_modules)), 1, 48);
  auto tex = drawMarkerImage(map.dictionary, m.id, ppm, quiet_modules);
  if (!tex) return;
  cv::Mat tex8 = detail::asMat(tex->image), texf;
  double shade = 1.0;
  if (lighting) {
    const Vec3d normal{T_cm.R(0, 2), T_cm.R(1, 2), T_cm.R(2, 2)};
    shade = 0.6 + 0.4 * std::abs(normal.dot(normalized(T_cm.t)));
  }
  tex8.convertTo(texf, CV_32F, (kPaper - kInk) / 255.0 * shade, kInk * shade);
  const float tw = static_cast<float>(tex8.cols);
  const cv::Point2f src[4] = {{-0.5f, -0.5f}, {tw - 0.5f, -0.5f}, {tw - 0.5f, tw - 0.5f}, {-0.5f, tw - 0.5f}};
  cv::Point2f dst[4];
  for (int k = 0; k < 4; ++k) {
    dst[k] = {static_cast<float>(kSuper * (q[k].x - bx + 0.5) - 0.5), static_cast<float>(kSuper * (q[k].y - by + 0.5) - 0.5)};
  }
  const cv::Mat H = cv::getPerspectiveTransform(src, dst);
  const cv::Size ps((ex - bx) * kSuper, (ey - by) * kSuper);
  cv::Mat val, cov;
  cv::warpPerspective(texf, val, H, ps, cv::INTER_LINEAR, cv::BORDER_CONSTANT, 0);
  cv::warpPerspective(cv::Mat(texf.size(), CV_32F, cv::Scalar(1.0)), cov, H, ps, cv::INTER_LINEAR, cv::BORDER_CONSTANT, 0);
  cv::Mat vs, cs;
  cv::resize(val, vs, cv::Size(ex - bx, ey - by), 0, 0, cv::INTER_AREA);
  cv::resize(cov, cs, cv::Size(ex - bx, ey - by), 0, 0, cv::INTER_AREA);
  cv::Mat roi = img(cv::Rect(bx, by, ex - bx, ey - by));
  for (int y = 0; y < roi.rows; ++y) {
    auto* row = roi.ptr<cv::Vec3b>(y);
    const float* v = vs.ptr<float>(y);
    const float* c = cs.ptr<float>(y);
    for (int x = 0; x < roi.cols; ++x) {
      const float a = std::clamp(c[x], 0.0f, 1.0f);
      if (a <= 0) continue;
      for (int ch = 0; ch < 3; ++ch) {
        row[x][ch] = cv::saturate_cast<uchar>(row[x][ch] * (1 - a) + v[x]);
      }
    }
  }
}

}  // namespace

core::CameraModel cameraFromFov(int width, int height, double hfov_deg) {
  core::CameraModel c;
  c.width = width;
  c.height = height;
  c.fx = c.fy = (width / 2.0) / std::tan(hfov_deg * M_PI / 360.0);
  c.cx = (width - 1) / 2.0;
  c.cy = (height - 1) / 2.0;
  return c;
}

core::Result<SynthFrame> renderSynthFrame(const core::MarkerMap& map, const content::Model* model,
                                          const core::CameraModel& camera, const Pose& T, const SynthOptions& opt,
                                          int frame_index) {
  if (!camera.valid()) return core::makeError("camera model is invalid", "synthcam");
  if (auto probe = drawMarkerImage(map.dictionary, map.markers.empty() ? 0 : map.markers.front().id, 1, 1); !probe) {
    return probe.error();
  }
  const bool distorted = detail::hasDistortion(camera);
  std::shared_ptr<const DistortionMaps> maps;
  core::CameraModel ideal = camera;
  if (distorted) {
    maps = distortionMaps(camera);
    ideal = maps->ideal;
  }
  std::mt19937_64 rng(opt.seed * 0x9E3779B97F4A7C15ull + 17);
  cv::Mat img(ideal.height, ideal.width, CV_8UC3);
  drawBackground(img, rng, opt.clutter);
  if (model != nullptr) drawModel(img, *model, ideal, T);
  SynthFrame out;
  for (const auto& m : map.markers) {
    const Pose T_cm = T * m.T_machine_marker;
    const Vec3d normal{T_cm.R(0, 2), T_cm.R(1, 2), T_cm.R(2, 2)};
    const double facing = -normal.dot(normalized(T_cm.t));
    if (facing <= 0.05) continue;
    drawMarker(img, map, m, ideal, T_cm, opt.lighting, std::max(0, opt.quiet_zone_modules));
    bool inside = facing > 0.17;
    for (const auto& c : markerCorners(m.size_m)) {
      const Vec3d p = T_cm * c;
      if (p.z < 0.02) {
        inside = false;
        break;
      }
      const core::Vec2d px = projectPoint(camera, p);
      if (px.x < 2 || px.y < 2 || px.x > camera.width - 3 || px.y > camera.height - 3) inside = false;
    }
    if (inside) out.visible_markers.push_back(m.id);
  }
  std::sort(out.visible_markers.begin(), out.visible_markers.end());

  std::uniform_real_distribution<double> u(0, 1);
  cv::Mat f;
  img.convertTo(f, CV_32FC3);
  if (opt.lighting) {
    const double ang = u(rng) * 2 * M_PI, g0 = 0.65 + 0.15 * u(rng), g1 = 1.05 + 0.15 * u(rng);
    const double dx = std::cos(ang), dy = std::sin(ang);
    const double span = std::abs(dx) * f.cols + std::abs(dy) * f.rows;
    const double base = std::min(0.0, dx * f.cols) + std::min(0.0, dy * f.rows);
    for (int y = 0; y < f.rows; ++y) {
      auto* row = f.ptr<cv::Vec3f>(y);
      for (int x = 0; x < f.cols; ++x) {
        const double s = (dx * x + dy * y - base) / span;
        row[x] *= static_cast<float>(g0 + (g1 - g0) * s);
      }
    }
  }
  if (opt.blur_px > 0.5) {
    std::mt19937_64 brng(opt.seed * 31 + static_cast<std::uint64_t>(frame_index));
    const double ang = std::uniform_real_distribution<double>(0, M_PI)(brng);
    const int k = static_cast<int>(std::ceil(opt.blur_px)) | 1;
    cv::Mat kernel = cv::Mat::zeros(k + 2, k + 2, CV_32F);
    const cv::Point2d c((k + 1) / 2.0, (k + 1) / 2.0), d(std::cos(ang) * opt.blur_px / 2, std::sin(ang) * opt.blur_px / 2);
    constexpr int kShift = 4;
    const cv::Point a(static_cast<int>(std::lround((c.x - d.x) * 16)), static_cast<int>(std::lround((c.y - d.y) * 16)));
    const cv::Point b(static_cast<int>(std::lround((c.x + d.x) * 16)), static_cast<int>(std::lround((c.y + d.y) * 16)));
    cv::line(kernel, a, b, cv::Scalar(1.0), 1, cv::LINE_AA, kShift);
    const double s = cv::sum(kernel)[0];
    if (s > 0) {
      kernel /= s;
      cv::filter2D(f, f, -1, kernel, cv::Point(-1, -1), 0, cv::BORDER_REFLECT);
    }
  }
  cv::Mat out8;
  if (distorted) {
    cv::Mat r;
    cv::remap(f, r, maps->map_x, maps->map_y, cv::INTER_LINEAR, cv::BORDER_REPLICATE);
    f = r;
  }
  if (opt.noise_sigma > 0) {
    cv::RNG nrng(opt.seed * 1000003ull + static_cast<std::uint64_t>(frame_index) * 7919ull + 1);
    cv::Mat noise(f.size(), CV_32FC3);
    nrng.fill(noise, cv::RNG::NORMAL, 0.0, opt.noise_sigma);
    f += noise;
  }
  f.convertTo(out8, CV_8UC3);
  out.image = detail::fromMat(out8);
  return out;
}

Pose lookAt(const Vec3d& eye, const Vec3d& target, const Vec3d& up) {
  const Vec3d z = normalized(target - eye);
  Vec3d x = z.cross(up);
  if (x.norm() < 1e-3) x = z.cross(std::abs(z.x) < 0.9 ? Vec3d{1, 0, 0} : Vec3d{0, 0, 1});
  x = normalized(x);
  const Vec3d y = z.cross(x);
  Pose T_machine_camera;
  for (int r = 0; r < 3; ++r) {
    T_machine_camera.R(r, 0) = r == 0 ? x.x : (r == 1 ? x.y : x.z);
    T_machine_camera.R(r, 1) = r == 0 ? y.x : (r == 1 ? y.y : y.z);
    T_machine_camera.R(r, 2) = r == 0 ? z.x : (r == 1 ? z.y : z.z);
  }
  T_machine_camera.t = eye;
  return T_machine_camera.inverse();
}

std::vector<Pose> synthCameraPath(const core::MarkerMap& map, const SynthPathOptions& o) {
  std::vector<Pose> out;
  if (map.markers.empty() || o.frames <= 0) return out;
  Vec3d c{}, nsum{};
  for (const auto& m : map.markers) {
    c = c + m.T_machine_marker.t;
    nsum = nsum + Vec3d{m.T_machine_marker.R(0, 2), m.T_machine_marker.R(1, 2), m.T_machine_marker.R(2, 2)};
  }
  c = c * (1.0 / static_cast<double>(map.markers.size()));
  Vec3d n = normalized(nsum);
  if (n.norm() < 0.5) n = {0, 0, 1};
  double radius = 0;
  for (const auto& m : map.markers) radius = std::max(radius, (m.T_machine_marker.t - c).norm());
  // Basis around the mean normal.
  const Vec3d a = normalized(n.cross(std::abs(n.y) < 0.9 ? Vec3d{0, 1, 0} : Vec3d{1, 0, 0}));
  const Vec3d b = n.cross(a);
  const Vec3d up = std::abs(n.y) < 0.9 ? Vec3d{0, 1, 0} : b;
  std::mt19937_64 rng(o.seed * 0x2545F4914F6CDD1Dull + 3);
  std::uniform_real_distribution<double> u(0, 1);
  const double phase = u(rng) * 2 * M_PI;
  double f[6], ph[6];
  for (int i = 0; i < 6; ++i) {
    f[i] = 0.05 + 0.2 * u(rng);  // Hz
    ph[i] = u(rng) * 2 * M_PI;
  }
  const double tilt_max = o.max_tilt_deg * M_PI / 180.0;
  const double mid = (o.min_dist_m + o.max_dist_m) / 2, amp = (o.max_dist_m - o.min_dist_m) / 2;
  for (int i = 0; i < o.frames; ++i) {
    double az = phase, tilt = 0.6 * tilt_max, dist = mid;
    Vec3d wobble{};
    if (o.path == SynthPath::Orbit) {
      const double s = static_cast<double>(i) / std::max(1, o.frames);
      az = phase + 2 * M_PI * s;
      dist = mid + amp * std::sin(2 * M_PI * 2 * s + ph[0]);
      tilt = tilt_max * (0.45 + 0.35 * std::sin(2 * M_PI * 3 * s + ph[1]));
    } else if (o.path == SynthPath::Walk) {
      const double t = i / o.fps;
      az = phase + 1.2 * std::sin(2 * M_PI * f[0] * t + ph[0]);
      tilt = tilt_max * (0.5 + 0.4 * std::sin(2 * M_PI * f[1] * t + ph[1]));
      dist = mid + amp * std::sin(2 * M_PI * f[2] * t + ph[2]);
      wobble = (a * std::sin(2 * M_PI * f[3] * t + ph[3]) + b * std::sin(2 * M_PI * f[4] * t + ph[4])) * 0.05;
    } else {
      dist = o.min_dist_m;
    }
    const Vec3d dir = n * std::cos(tilt) + (a * std::cos(az) + b * std::sin(az)) * std::sin(tilt);
    // Close up (the map does not fit in the view), look towards the markers on the camera's side so that some stay
    // in view; smooth in the azimuth so that walks have no jumps.
    const double fits_radius = 0.24 * dist;  // about 80 % of the half height of a 60 degree 16:9 view
    const double s = radius > 0 ? std::clamp((radius + 0.08 - fits_radius) / radius, 0.0, 1.0) : 0.0;
    const Vec3d lateral = a * std::cos(az) + b * std::sin(az);
    Vec3d focus{};
    double wsum = 0;
    for (const auto& m : map.markers) {
      const double w = std::exp(8.0 * (m.T_machine_marker.t - c).dot(lateral) / std::max(radius, 1e-6));
      focus = focus + m.T_machine_marker.t * w;
      wsum += w;
    }
    focus = focus * (1.0 / wsum);
    Vec3d target = o.look_at ? *o.look_at : c + (focus - c) * s;
    target = target + wobble;
    out.push_back(lookAt(target + dir * dist, target, up));
  }
  return out;
}

content::Model makeBoxModel(const core::MarkerMap& map) {
  Vec3d lo{1e9, 1e9, 1e9}, hi{-1e9, -1e9, -1e9}, nsum{};
  for (const auto& m : map.markers) {
    for (const auto& c : markerCorners(m.size_m)) {
      const Vec3d p = m.T_machine_marker * c;
      lo = {std::min(lo.x, p.x), std::min(lo.y, p.y), std::min(lo.z, p.z)};
      hi = {std::max(hi.x, p.x), std::max(hi.y, p.y), std::max(hi.z, p.z)};
    }
    nsum = nsum + Vec3d{m.T_machine_marker.R(0, 2), m.T_machine_marker.R(1, 2), m.T_machine_marker.R(2, 2)};
  }
  if (map.markers.empty()) lo = hi = {};
  // The box sits behind the markers along the dominant axis of their mean normal, 2 mm below their face.
  double lo_a[3] = {lo.x - 0.05, lo.y - 0.05, lo.z - 0.05}, hi_a[3] = {hi.x + 0.05, hi.y + 0.05, hi.z + 0.05};
  const double nv[3] = {nsum.x, nsum.y, nsum.z};
  int axis = 0;
  for (int i = 1; i < 3; ++i) {
    if (std::abs(nv[i]) > std::abs(nv[axis])) axis = i;
  }
  if (nv[axis] >= 0) {
    hi_a[axis] = (axis == 0 ? lo.x : axis == 1 ? lo.y : lo.z) - 0.002;
    lo_a[axis] = hi_a[axis] - 0.3;
  } else {
    lo_a[axis] = (axis == 0 ? hi.x : axis == 1 ? hi.y : hi.z) + 0.002;
    hi_a[axis] = lo_a[axis] + 0.3;
  }
  std::vector<content::Vertex> v;
  std::vector<std::uint32_t> idx;
  const int faces[6][4] = {{0, 1, 3, 2}, {4, 6, 7, 5}, {0, 4, 5, 1}, {2, 3, 7, 6}, {0, 2, 6, 4}, {1, 5, 7, 3}};
  const float normals[6][3] = {{-1, 0, 0}, {1, 0, 0}, {0, -1, 0}, {0, 1, 0}, {0, 0, -1}, {0, 0, 1}};
  for (int f = 0; f < 6; ++f) {
    const auto base = static_cast<std::uint32_t>(v.size());
    for (int k = 0; k < 4; ++k) {
      const int c = faces[f][k];
      // Corner c of the box: bit 2 selects max x, bit 1 max y, bit 0 max z.
      const float x = static_cast<float>((c & 4) ? hi_a[0] : lo_a[0]);
      const float y = static_cast<float>((c & 2) ? hi_a[1] : lo_a[1]);
      const float z = static_cast<float>((c & 1) ? hi_a[2] : lo_a[2]);
      v.push_back({{x, y, z}, {normals[f][0], normals[f][1], normals[f][2]}});
    }
    for (std::uint32_t t : {0u, 1u, 2u, 0u, 2u, 3u}) idx.push_back(base + t);
  }
  content::Part part;
  part.id = "box";
  part.name = "Box";
  part.first_index = 0;
  part.index_count = static_cast<std::uint32_t>(idx.size());
  return content::makeModel(std::move(v), std::move(idx), {part});
}

}  // namespace rivet::tracking
