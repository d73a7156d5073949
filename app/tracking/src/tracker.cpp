// Tracker: full-frame scans, region-of-interest and direct edge-fit tracking of predicted markers, one map solve per
// frame, lost/re-acquired state, filtering.
#include "rivet/tracking/tracker.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>
#include <opencv2/calib3d.hpp>
#include <opencv2/imgproc.hpp>

#include "cv_convert.hpp"
#include "edge_refine.hpp"
#include "rivet/core/log.hpp"

namespace rivet::tracking {
namespace {

// The printed cells of one marker, to verify a re-fitted quad without decoding.
struct MarkerCode {
  int cells = 0;       // cells across the tag image (without quiet zone)
  int offset = 0;      // cells from the tag image edge to the black square
  int black = 0;       // cells across the black square
  std::vector<std::uint8_t> dark;  // cells x cells, 1 = printed black
  bool white_surround = false;     // the ring just outside the black square is white (edge fit valid)
};

std::optional<MarkerCode> makeCode(const std::string& dict, int id) {
  auto tag = drawMarkerImage(dict, id, 1, 1);
  if (!tag) return std::nullopt;
  MarkerCode c;
  const int q = 1;
  c.cells = tag->total_modules - 2 * q;
  c.offset = tag->black_offset_modules - q;
  c.black = tag->black_square_modules;
  const core::Image& im = tag->image;
  c.dark.resize(static_cast<size_t>(c.cells * c.cells));
  for (int y = 0; y < c.cells; ++y)
    for (int x = 0; x < c.cells; ++x) c.dark[static_cast<size_t>(y * c.cells + x)] = im.row(y + q)[x + q] < 128 ? 1 : 0;
  // Ring of cells just outside the black square (in the image with one quiet cell).
  c.white_surround = true;
  const int lo = tag->black_offset_modules - 1, hi = tag->black_offset_modules + tag->black_square_modules;
  for (int i = lo; i <= hi; ++i) {
    for (int k : {lo, hi}) {
      if (im.row(k)[i] < 128 || im.row(i)[k] < 128) c.white_surround = false;
    }
  }
  return c;
}

inline double sampleGray(const cv::Mat& g, double x, double y) {
  x = std::clamp(x, 0.0, g.cols - 1.001);
  y = std::clamp(y, 0.0, g.rows - 1.001);
  const int x0 = static_cast<int>(x), y0 = static_cast<int>(y);
  const double ax = x - x0, ay = y - y0;
  const std::uint8_t* r0 = g.ptr<std::uint8_t>(y0) + x0;
  const std::uint8_t* r1 = g.ptr<std::uint8_t>(y0 + 1) + x0;
  return (1 - ay) * ((1 - ax) * r0[0] + ax * r0[1]) + ay * ((1 - ax) * r1[0] + ax * r1[1]);
}

// True when every cell of `code` reads as printed (midpoint threshold between the expected black and white cells).
bool verifyCells(const cv::Mat& gray, const std::array<cv::Point2d, 4>& quad, const MarkerCode& code) {
  const cv::Point2f src[4] = {{0, 0}, {1, 0}, {1, 1}, {0, 1}};
  const cv::Point2f dst[4] = {quad[0], quad[1], quad[2], quad[3]};
  const cv::Matx33d H = cv::getPerspectiveTransform(src, dst);
  std::vector<double> v(code.dark.size());
  double sum_dark = 0, sum_light = 0;
  int n_dark = 0, n_light = 0;
  for (int y = 0; y < code.cells; ++y) {
    for (int x = 0; x < code.cells; ++x) {
      double acc = 0;
      for (const auto& [dx, dy] : {std::pair{0.0, 0.0}, {-0.2, -0.2}, {0.2, -0.2}, {0.2, 0.2}, {-0.2, 0.2}}) {
        const double u = (x + 0.5 + dx - code.offset) / code.black, w = (y + 0.5 + dy - code.offset) / code.black;
        const cv::Vec3d p = H * cv::Vec3d(u, w, 1);
        acc += sampleGray(gray, p[0] / p[2], p[1] / p[2]);
      }
      const size_t i = static_cast<size_t>(y * code.cells + x);
      v[i] = acc / 5;
      if (code.dark[i] != 0) {
        sum_dark += v[i];
        ++n_dark;
      } else {
        sum_light += v[i];
        ++n_light;
      }
    }
  }
  if (n_dark == 0 || n_light == 0) return false;
  const double dark = sum_dark / n_dark, light = sum_light / n_light;
  if (light - dark < 20) return false;
  const double mid = (dark + light) / 2;
  int wrong = 0;
  for (size_t i = 0; i < v.size(); ++i) wrong += ((v[i] < mid) != (code.dark[i] != 0)) ? 1 : 0;
  // One misread cell (blur, a specular spot) is tolerated: codes differ in many more cells than that.
  return wrong <= 1;
}

struct Predicted {
  const core::MapMarker* marker;
  std::array<cv::Point2d, 4> corners;
  bool inside;   // fully inside the image (with margin)
  double side_px;
};

}  // namespace

struct Tracker::Impl {
  core::MarkerMap map;
  core::CameraModel camera;
  TrackerOptions options;
  MarkerDetector detector;
  PoseFilter filter;
  std::map<int, MarkerCode> codes;

  bool have_pose = false;       // a raw pose from the last tracked frame exists
  bool tracked_last = false;    // the previous frame was tracked
  core::Pose last_raw{};
  core::Pose prev_raw{};
  bool have_prev = false;
  core::Pose last_output{};
  int frames_since_seen = 0;
  int frames_since_full = 0;
  bool force_full = true;
  bool warned_size = false;

  Impl(core::MarkerMap m, core::CameraModel c, TrackerOptions o, MarkerDetector d)
      : map(std::move(m)), camera(c), options(std::move(o)), detector(std::move(d)), filter(options.filter) {
    for (const auto& mk : map.markers) {
      if (auto code = makeCode(map.dictionary, mk.id)) codes[mk.id] = *code;
    }
  }

  // Map markers that face the camera and project at least partly into the image under pose T.
  std::vector<Predicted> predict(const core::Pose& T_camera_machine) const {
    std::vector<Predicted> out;
    for (const auto& m : map.markers) {
      const core::Pose T_cm = T_camera_machine * m.T_machine_marker;
      const core::Vec3d normal{T_cm.R(0, 2), T_cm.R(1, 2), T_cm.R(2, 2)};
      if (normal.dot(T_cm.t) >= 0) continue;  // seen from behind
      Predicted p{&m, {}, true, 0};
      bool ok = true;
      const auto corners = markerCorners(m.size_m);
      for (size_t k = 0; k < 4; ++k) {
        const core::Vec3d pc = T_cm * corners[k];
        if (pc.z < 0.02) {
          ok = false;
          break;
        }
        const core::Vec2d q = projectPoint(camera, pc);
        p.corners[k] = {q.x, q.y};
        if (q.x < 4 || q.y < 4 || q.x > camera.width - 5 || q.y > camera.height - 5) p.inside = false;
      }
      if (!ok) continue;
      double x0 = 1e9, y0 = 1e9, x1 = -1e9, y1 = -1e9;
      for (const auto& c : p.corners) {
        x0 = std::min(x0, c.x);
        y0 = std::min(y0, c.y);
        x1 = std::max(x1, c.x);
        y1 = std::max(y1, c.y);
      }
      if (x1 < 0 || y1 < 0 || x0 > camera.width - 1 || y0 > camera.height - 1) continue;
      p.side_px = std::max(x1 - x0, y1 - y0);
      out.push_back(p);
    }
    return out;
  }

  PixelRect roiOf(const Predicted& p) const {
    double x0 = 1e9, y0 = 1e9, x1 = -1e9, y1 = -1e9;
    for (const auto& c : p.corners) {
      x0 = std::min(x0, c.x);
      y0 = std::min(y0, c.y);
      x1 = std::max(x1, c.x);
      y1 = std::max(y1, c.y);
    }
    const double margin = options.roi_margin * p.side_px + 8.0;
    PixelRect r;
    r.x = static_cast<int>(std::floor(x0 - margin));
    r.y = static_cast<int>(std::floor(y0 - margin));
    r.width = static_cast<int>(std::ceil(x1 + margin)) - r.x + 1;
    r.height = static_cast<int>(std::ceil(y1 + margin)) - r.y + 1;
    return r;
  }

  // Direct re-fit of a predicted marker: edge fit from the predicted corners, then every cell checked.
  bool edgeTrack(const cv::Mat& gray, const Predicted& p, Detection& out) const {
    const auto it = codes.find(p.marker->id);
    if (it == codes.end() || !it->second.white_surround || !p.inside || p.side_px < 14) return false;
    std::array<cv::Point2d, 4> c = p.corners;
    const double max_move = std::max(3.0, 0.25 * p.side_px);
    if (!detail::refineQuadEdges(gray, c, it->second.black, max_move, 3)) return false;
    if (!verifyCells(gray, c, it->second)) return false;
    out.id = p.marker->id;
    for (size_t k = 0; k < 4; ++k) out.corners_px[k] = {c[k].x, c[k].y};
    return true;
  }
};

Tracker::Tracker(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Tracker::Tracker(Tracker&&) noexcept = default;
Tracker& Tracker::operator=(Tracker&&) noexcept = default;
Tracker::~Tracker() = default;

core::Result<Tracker> Tracker::create(const core::MarkerMap& map, const core::CameraModel& camera,
                                      TrackerOptions options) {
  if (!camera.valid()) {
    return core::makeError("camera model has no image size or focal length", "tracker",
                           "load a camera.yaml and call adaptCameraToImage() with the frame size");
  }
  if (map.markers.empty()) return core::makeError("marker map has no markers", "tracker", "check markers.yaml");
  for (const auto& m : map.markers) {
    if (!(m.size_m > 0)) {
      return core::makeError("marker " + std::to_string(m.id) + " has size <= 0", "tracker",
                             "give each marker its black-square side length");
    }
  }
  auto det = MarkerDetector::create(map.dictionary, options.detector);
  if (!det) return det.error();
  options.full_scan_interval = std::max(1, options.full_scan_interval);
  options.registration = registrationLimitsFor(map, options.registration);
  return Tracker(std::make_unique<Impl>(map, camera, std::move(options), std::move(det.value())));
}

void Tracker::reset() {
  impl_->have_pose = false;
  impl_->tracked_last = false;
  impl_->have_prev = false;
  impl_->frames_since_seen = 0;
  impl_->force_full = true;
  impl_->filter.reset();
}

const core::MarkerMap& Tracker::map() const { return impl_->map; }
const core::CameraModel& Tracker::camera() const { return impl_->camera; }

TrackResult Tracker::process(const core::Image& frame, std::int64_t capture_time_ns) {
  Impl& s = *impl_;
  TrackResult out;
  auto lost = [&](TrackResult r) {
    s.tracked_last = false;
    s.have_prev = false;
    s.force_full = true;
    ++s.frames_since_seen;
    r.tracked = false;
    r.frames_since_seen = s.frames_since_seen;
    r.T_camera_machine = s.last_output;
    r.T_camera_machine_raw = s.last_raw;
    return r;
  };
  if (frame.empty() || frame.width != s.camera.width || frame.height != s.camera.height) {
    if (!s.warned_size) {
      core::log::warn("tracking: frame is " + std::to_string(frame.width) + "x" + std::to_string(frame.height) +
                      " but the camera model is " + std::to_string(s.camera.width) + "x" +
                      std::to_string(s.camera.height) + "; frames of the wrong size are not tracked");
      s.warned_size = true;
    }
    return lost(out);
  }
  // One gray conversion per frame, shared by every search below.
  core::Image gray_image;
  if (frame.format == core::PixelFormat::Gray8) {
    gray_image = frame;
  } else {
    gray_image = core::Image(frame.width, frame.height, core::PixelFormat::Gray8);
    cv::Mat dst = detail::asMat(gray_image);
    cv::cvtColor(detail::asMat(frame), dst,
                 frame.format == core::PixelFormat::Bgr8 ? cv::COLOR_BGR2GRAY : cv::COLOR_RGBA2GRAY);
  }
  const cv::Mat gray = detail::asMat(gray_image);

  // Predicted pose for this frame (constant velocity in the camera frame).
  std::optional<core::Pose> predicted;
  if (s.have_pose && s.tracked_last) {
    predicted = s.have_prev ? (s.last_raw * s.prev_raw.inverse()) * s.last_raw : s.last_raw;
  }

  bool full = !s.options.enable_roi || !predicted || s.force_full ||
              s.frames_since_full + 1 >= s.options.full_scan_interval;
  std::vector<Detection> dets;
  if (!full) {
    const auto pred = s.predict(*predicted);
    size_t predicted_inside = 0;
    std::vector<PixelRect> rois;
    for (const auto& p : pred) {
      if (p.inside) ++predicted_inside;
      Detection d;
      if (s.options.enable_edge_tracking && s.edgeTrack(gray, p, d)) {
        dets.push_back(d);
        ++out.edge_tracked;
      } else {
        rois.push_back(s.roiOf(p));
      }
    }
    double area = 0;
    for (const auto& r : rois) area += static_cast<double>(r.width) * r.height;
    if (area > 0.5 * s.camera.width * s.camera.height) {
      full = true;
    } else {
      if (!rois.empty()) {
        for (const auto& d : s.detector.detect(gray_image, rois)) {
          const bool have = std::any_of(dets.begin(), dets.end(), [&](const Detection& e) { return e.id == d.id; });
          if (!have) dets.push_back(d);
        }
      }
      size_t found = 0;
      for (const auto& d : dets) found += s.map.find(d.id) != nullptr ? 1 : 0;
      if (found == 0) full = true;                     // lost in the ROIs: re-acquire from the full frame now
      s.force_full = found < predicted_inside;         // a predicted marker was missed: full scan next frame
    }
  }
  if (full) {
    dets = s.detector.detect(gray_image);
    out.edge_tracked = 0;
    s.frames_since_full = 0;
    s.force_full = false;
  } else {
    ++s.frames_since_full;
    std::sort(dets.begin(), dets.end(), [](const Detection& a, const Detection& b) { return a.id < b.id; });
  }
  out.full_scan = full;
  out.detections = dets;

  auto solved = solveMapPose(dets, s.map, s.camera, s.options.solve, predicted ? predicted : std::optional<core::Pose>{});
  // The verdict on every frame's observations: a pose the markers do not agree on is never shown as tracked.
  out.registration = judgeRegistration(dets, s.map, s.camera, solved ? std::optional<MapPose>(*solved) : std::nullopt,
                                       s.options.registration, s.options.solve);
  if (!solved) return lost(std::move(out));
  if (solved->ambiguous) {
    out.ambiguous = true;
    out.ambiguity_ratio = solved->ambiguity_ratio;
    out.marker_ids = solved->used_ids;
    return lost(std::move(out));
  }
  if (out.registration.state == RegistrationState::NotTracked) {
    out.marker_ids = solved->used_ids;
    out.rejected_ids = solved->rejected_ids;
    out.reprojection_rms_px = solved->reprojection_rms_px;
    out.registration_error_mm = solved->registration_error_mm;
    return lost(std::move(out));
  }

  const bool was_lost = !s.tracked_last;
  out.reacquired = was_lost && s.have_pose;
  if (s.tracked_last) {
    s.prev_raw = s.last_raw;
    s.have_prev = true;
  }
  s.last_raw = solved->T_camera_machine;
  s.have_pose = true;
  s.tracked_last = true;
  s.frames_since_seen = 0;
  if (was_lost) s.filter.reset();

  out.tracked = out.registration.good();  // Degraded: a current pose, shown ghosted, but not "tracked"
  out.marker_ids = solved->used_ids;
  out.rejected_ids = solved->rejected_ids;
  out.T_camera_machine_raw = solved->T_camera_machine;
  out.T_camera_machine = s.options.enable_filter ? s.filter.update(solved->T_camera_machine, capture_time_ns,
                                                                  solved->translation_sigma_m, solved->rotation_sigma_rad)
                                                  : solved->T_camera_machine;
  s.last_output = out.T_camera_machine;
  out.reprojection_rms_px = solved->reprojection_rms_px;
  out.registration_error_mm = solved->registration_error_mm;
  out.ambiguity_ratio = solved->ambiguity_ratio;
  out.frames_since_seen = 0;
  return out;
}

core::Image undistortImage(const core::Image& image, const core::CameraModel& camera) {
  if (!detail::hasDistortion(camera) || image.empty()) return image;
  static std::mutex mutex;
  static core::CameraModel cached_camera;
  static int cached_w = 0, cached_h = 0;
  static cv::Mat map1, map2;
  cv::Mat m1, m2;
  {
    std::lock_guard<std::mutex> lock(mutex);
    const bool same = cached_w == image.width && cached_h == image.height && cached_camera.fx == camera.fx &&
                      cached_camera.fy == camera.fy && cached_camera.cx == camera.cx &&
                      cached_camera.cy == camera.cy && cached_camera.distortion == camera.distortion;
    if (!same) {
      cv::initUndistortRectifyMap(detail::cameraMatrix(camera), detail::distCoeffs(camera), cv::noArray(),
                                  detail::cameraMatrix(camera), cv::Size(image.width, image.height), CV_16SC2, map1,
                                  map2);
      cached_camera = camera;
      cached_w = image.width;
      cached_h = image.height;
    }
    m1 = map1;
    m2 = map2;
  }
  core::Image out(image.width, image.height, image.format);
  cv::Mat dst = detail::asMat(out);
  cv::remap(detail::asMat(image), dst, m1, m2, cv::INTER_LINEAR, cv::BORDER_CONSTANT);
  return out;
}

}  // namespace rivet::tracking
