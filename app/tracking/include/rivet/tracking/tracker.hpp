// Per-frame marker-map tracker: detection (with region-of-interest tracking), map pose, quality and filtering.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "rivet/core/camera.hpp"
#include "rivet/core/image.hpp"
#include "rivet/core/marker_map.hpp"
#include "rivet/core/pose.hpp"
#include "rivet/core/result.hpp"
#include "rivet/tracking/detector.hpp"
#include "rivet/tracking/pose_filter.hpp"
#include "rivet/tracking/pose_solver.hpp"
#include "rivet/tracking/registration.hpp"

namespace rivet::tracking {

struct TrackerOptions {
  bool enable_filter = true;
  PoseFilterOptions filter{};
  DetectorOptions detector{};
  MapSolveOptions solve{};
  RegistrationLimits registration{};  // verdict limits (per pack: markers.yaml `registration:`)
  // Region-of-interest tracking: while tracked, each map marker predicted in view is first re-fitted directly from
  // its predicted corners (edge fit + check of all its bit cells: no search), else searched in a region around its
  // prediction; the full frame is scanned every `full_scan_interval` frames, when a predicted marker was missed
  // (next frame) and when tracking is lost (same frame).
  bool enable_roi = true;
  bool enable_edge_tracking = true;  // the direct re-fit above (off: regions only)
  int full_scan_interval = 30;
  double roi_margin = 0.35;   // ROI grows by this fraction of the marker's size on each side (+ 8 px)
};

struct TrackResult {
  // T_camera_machine valid this frame AND the registration verdict is Tracked (good). A Degraded verdict has
  // tracked = false but a current pose (draw it ghosted); NotTracked keeps the last good pose.
  bool tracked = false;
  std::vector<int> marker_ids;             // ids of map markers seen this frame (sorted)
  std::vector<Detection> detections;       // all detections of the map's dictionary
  core::Pose T_camera_machine;             // metres, OpenCV camera frame (last good pose while lost)
  double reprojection_rms_px = 0;          // quality
  double registration_error_mm = 0;        // estimated error at the model's extent
  int frames_since_seen = 0;               // 0 when tracked
  // Beyond the foundation contract:
  core::Pose T_camera_machine_raw;         // unfiltered solve of this frame (equals T_camera_machine w/o filter)
  std::vector<int> rejected_ids;           // map markers dropped as outliers this frame
  bool reacquired = false;                 // first tracked frame after a loss (filter restarted)
  bool full_scan = true;                   // this frame was searched in full (false: ROI only)
  int edge_tracked = 0;                    // markers re-fitted from their prediction (no search) this frame
  double ambiguity_ratio = 0;              // single-marker frames: IPPE error ratio (near 1 = ambiguous)
  // One map marker seen, no previous pose, and its two IPPE orientations fit the corners equally well: not tracked
  // rather than a possibly flipped overlay (the UI asks the user to look at it from an angle or see a second one).
  bool ambiguous = false;
  RegistrationVerdict registration{};      // state, figures, outliers and their diagnosis (every frame)
};

class Tracker {
 public:
  // Fails on an unknown dictionary, an empty map, a marker with size <= 0, or an invalid camera.
  static core::Result<Tracker> create(const core::MarkerMap& map, const core::CameraModel& camera,
                                      TrackerOptions options = {});

  Tracker(Tracker&&) noexcept;
  Tracker& operator=(Tracker&&) noexcept;
  ~Tracker();

  // One camera frame (Gray8, Bgr8 or Rgba8, the camera's size) captured at `capture_time_ns` (monotonic).
  // A frame of the wrong size or an empty frame gives tracked = false (and logs a warning once).
  TrackResult process(const core::Image& frame, std::int64_t capture_time_ns);
  void reset();  // forget the past (filter, ROI, previous pose)

  [[nodiscard]] const core::MarkerMap& map() const;
  [[nodiscard]] const core::CameraModel& camera() const;

 private:
  struct Impl;
  explicit Tracker(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Undistorted copy of a camera image (same size and intrinsics, distortion removed) so the Vulkan overlay (pinhole
// projection) lines up with the background. Returns the input unchanged if distortion is zero.
core::Image undistortImage(const core::Image& image, const core::CameraModel& camera);

}  // namespace rivet::tracking
