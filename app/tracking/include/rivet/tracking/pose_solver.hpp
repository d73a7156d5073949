// Pose from markers: single-marker IPPE with the ambiguity resolved, and one robust PnP over a whole marker map.
#pragma once

#include <array>
#include <optional>
#include <vector>

#include "rivet/core/camera.hpp"
#include "rivet/core/marker_map.hpp"
#include "rivet/core/pose.hpp"
#include "rivet/core/result.hpp"
#include "rivet/tracking/detector.hpp"

namespace rivet::tracking {

// Corners of a marker of side `size_m` in its own frame (origin at the centre, x right, y up, z out of the face),
// in Detection order: (-s/2, s/2, 0), (s/2, s/2, 0), (s/2, -s/2, 0), (-s/2, -s/2, 0).
std::array<core::Vec3d, 4> markerCorners(double size_m);

// Projects a point given in the camera frame with the camera's distortion (OpenCV model, pixel centres at integers).
core::Vec2d projectPoint(const core::CameraModel& camera, const core::Vec3d& p_camera);

struct MarkerPose {
  core::Pose T_camera_marker;
  double reprojection_rms_px = 0;
  // Reprojection error of the chosen IPPE solution over that of the other one (< 1 when the choice is clear;
  // near 1 when the two flips explain the corners equally well).
  double ambiguity_ratio = 0;
  bool chose_by_prior = false;  // the prior pose, not the error ratio, picked the solution
  // No prior decided and the other IPPE solution, rotated away by more than a few degrees, also explains the
  // corners within their noise: the orientation cannot be told from this view alone (small, far or face-on
  // marker). Callers must not show this pose as tracked; see SingleMarkerOptions.
  bool ambiguous = false;
};

struct SingleMarkerOptions {
  // With a prior, the solution closer to it wins unless the other explains the corners this many times better AND
  // by this many pixels (RMS): both flips fit within the corner noise when the marker is small or far.
  double prior_override_ratio = 4.0;
  double prior_override_px = 1.0;
  // Without a prior, the pose is ambiguous when the two solutions differ by more than `ambiguity_min_deg` and the
  // other one's RMS is within `ambiguity_max_ratio` of the chosen one's or below `ambiguity_min_alt_rms_px`
  // (corner noise of small or blurred markers). Measured on the benchmark scenes (tests/bench/tracking): every
  // wrong pick had ratio > 0.6 or alternative RMS < 0.2 px.
  double ambiguity_min_deg = 5.0;
  double ambiguity_max_ratio = 0.5;
  double ambiguity_min_alt_rms_px = 0.2;
};

// IPPE_SQUARE on one marker; of its two solutions, the one nearest `prior_T_camera_marker` (when given) wins,
// else the one with the lower reprojection error.
core::Result<MarkerPose> solveMarkerPose(const Detection& detection, double size_m, const core::CameraModel& camera,
                                         const std::optional<core::Pose>& prior_T_camera_marker = std::nullopt,
                                         const SingleMarkerOptions& options = {});

struct MapSolveOptions {
  double outlier_rms_px = 2.0;     // above this overall RMS, the worst marker is dropped and the pose re-solved
  double marker_outlier_px = 3.0;  // a marker whose own RMS exceeds this (and 3x the others') is dropped
  // Points at the model's extent (model coordinates) for registration_error_mm; empty: the map's marker corners.
  std::vector<core::Vec3d> extent_points;
  double min_pixel_sigma_px = 0.05; // floor of the corner noise used in the error estimate
};

struct MapPose {
  core::Pose T_camera_machine;
  double reprojection_rms_px = 0;
  double registration_error_mm = 0;   // 1-sigma 3D error at the worst extent point, from the pose covariance
  double translation_sigma_m = 0;     // 1-sigma per-axis noise of T_camera_machine's translation (covariance)
  double rotation_sigma_rad = 0;      // 1-sigma per-axis noise of its rotation
  std::vector<int> used_ids;          // map markers the pose is solved from (sorted)
  std::vector<int> rejected_ids;      // map markers dropped as outliers
  double ambiguity_ratio = 0;         // single-marker solves only (0 otherwise)
  bool ambiguous = false;             // single-marker solve whose flip the view cannot decide (MarkerPose::ambiguous)
};

// One PnP over all corners of the visible map markers (detections of ids not in the map are ignored; duplicates of
// an id are ignored as unreliable). Robust to one outlier marker when 3 or more are visible. Fails when no map marker
// is visible.
core::Result<MapPose> solveMapPose(const std::vector<Detection>& detections, const core::MarkerMap& map,
                                   const core::CameraModel& camera, const MapSolveOptions& options = {},
                                   const std::optional<core::Pose>& prior_T_camera_machine = std::nullopt);

// RMS reprojection error (px) of `T_camera_object` for object points and their observed pixels.
double reprojectionRmsPx(const core::CameraModel& camera, const core::Pose& T_camera_object,
                         const std::vector<core::Vec3d>& object_points, const std::vector<core::Vec2d>& pixels);

}  // namespace rivet::tracking
