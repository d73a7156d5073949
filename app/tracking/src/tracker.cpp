// Tracker: full-frame or region-of-interest detection, one map solve per frame, lost/re-acquired state, filtering.
#include "rivet/tracking/tracker.hpp"

#include <algorithm>
#include <cmath>
#include <mutex>
#include <opencv2/calib3d.hpp>
#include <opencv2/imgproc.hpp>

#include "cv_convert.hpp"
#include "rivet/core/log.hpp"

namespace rivet::tracking {

struct Tracker::Impl {
  core::MarkerMap map;
  core::CameraModel camera;
  TrackerOptions options;
  MarkerDetector detector;
  PoseFilter filter;

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
      : map(std::move(m)), camera(c), options(std::move(o)), detector(std::move(d)), filter(options.filter) {}

  // Map markers predicted fully inside the image and facing the camera, as ROIs.
  std::vector<PixelRect> predictRois(const core::Pose& T_camera_machine, size_t& predicted) const {
    std::vector<PixelRect> rois;
    predicted = 0;
    for (const auto& m : map.markers) {
      const core::Pose T_cm = T_camera_machine * m.T_machine_marker;
      const core::Vec3d normal{T_cm.R(0, 2), T_cm.R(1, 2), T_cm.R(2, 2)};
      if (normal.dot(T_cm.t) >= 0) continue;  // seen from behind
      double x0 = 1e9, y0 = 1e9, x1 = -1e9, y1 = -1e9;
      bool ok = true;
      for (const auto& c : markerCorners(m.size_m)) {
        const core::Vec3d pc = T_cm * c;
        if (pc.z < 0.02) {
          ok = false;
          break;
        }
        const core::Vec2d p = projectPoint(camera, pc);
        x0 = std::min(x0, p.x);
        y0 = std::min(y0, p.y);
        x1 = std::max(x1, p.x);
        y1 = std::max(y1, p.y);
      }
      if (!ok || x1 < 0 || y1 < 0 || x0 > camera.width - 1 || y0 > camera.height - 1) continue;
      if (x0 >= 0 && y0 >= 0 && x1 <= camera.width - 1 && y1 <= camera.height - 1) ++predicted;
      const double side = std::max(x1 - x0, y1 - y0);
      const double margin = options.roi_margin * side + 8.0;
      PixelRect r;
      r.x = static_cast<int>(std::floor(x0 - margin));
      r.y = static_cast<int>(std::floor(y0 - margin));
      r.width = static_cast<int>(std::ceil(x1 + margin)) - r.x + 1;
      r.height = static_cast<int>(std::ceil(y1 + margin)) - r.y + 1;
      rois.push_back(r);
    }
    return rois;
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

  // Predicted pose for this frame (constant velocity in the camera frame).
  std::optional<core::Pose> predicted;
  if (s.have_pose && s.tracked_last) {
    predicted = s.have_prev ? (s.last_raw * s.prev_raw.inverse()) * s.last_raw : s.last_raw;
  }

  bool full = !s.options.enable_roi || !predicted || s.force_full ||
              s.frames_since_full + 1 >= s.options.full_scan_interval;
  size_t predicted_count = 0;
  std::vector<Detection> dets;
  if (!full) {
    const auto rois = s.predictRois(*predicted, predicted_count);
    double area = 0;
    for (const auto& r : rois) area += static_cast<double>(r.width) * r.height;
    if (rois.empty() || area > 0.5 * s.camera.width * s.camera.height) {
      full = true;
    } else {
      dets = s.detector.detect(frame, rois);
      size_t found = 0;
      for (const auto& d : dets) found += s.map.find(d.id) != nullptr ? 1 : 0;
      if (found == 0) full = true;                     // lost in the ROIs: re-acquire from the full frame now
      s.force_full = found < predicted_count;          // a predicted marker was missed: full scan next frame
    }
  }
  if (full) {
    dets = s.detector.detect(frame);
    s.frames_since_full = 0;
    s.force_full = false;
  } else {
    ++s.frames_since_full;
  }
  out.full_scan = full;
  out.detections = dets;

  auto solved = solveMapPose(dets, s.map, s.camera, s.options.solve, predicted ? predicted : std::optional<core::Pose>{});
  if (!solved) return lost(std::move(out));

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

  out.tracked = true;
  out.marker_ids = solved->used_ids;
  out.rejected_ids = solved->rejected_ids;
  out.T_camera_machine_raw = solved->T_camera_machine;
  out.T_camera_machine = s.options.enable_filter ? s.filter.update(solved->T_camera_machine, capture_time_ns)
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
