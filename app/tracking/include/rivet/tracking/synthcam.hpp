// Synthetic camera (rivet::tracking_synth): marker map on a grey Lambert-shaded machine along a camera path, with truth.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "rivet/content/model.hpp"
#include "rivet/core/camera.hpp"
#include "rivet/core/image.hpp"
#include "rivet/core/marker_map.hpp"
#include "rivet/core/pose.hpp"
#include "rivet/core/result.hpp"

namespace rivet::tracking {

struct SynthOptions {
  bool clutter = true;         // background shapes
  double blur_px = 0;          // linear motion blur length (pixels); 0 = none
  double noise_sigma = 0;      // gaussian noise (8-bit grey levels)
  bool lighting = false;       // lighting gradient across the frame and per-marker shading
  int quiet_zone_modules = 1;  // white margin printed around each marker, in bit cells
  std::uint64_t seed = 1;
};

struct SynthFrame {
  core::Image image;                  // Bgr8, the camera's size, with the camera's distortion
  std::vector<int> visible_markers;   // map markers fully inside the image and facing the camera (sorted)
};

// Renders one frame. `model` may be null (no machine drawn). `frame_index` varies clutter/noise with the seed.
core::Result<SynthFrame> renderSynthFrame(const core::MarkerMap& map, const content::Model* model,
                                          const core::CameraModel& camera, const core::Pose& T_camera_machine,
                                          const SynthOptions& options, int frame_index);

enum class SynthPath { Orbit, Static, Walk };

struct SynthPathOptions {
  SynthPath path = SynthPath::Orbit;
  int frames = 30;
  double min_dist_m = 0.5;     // camera distance to the looked-at point
  double max_dist_m = 1.5;
  double max_tilt_deg = 50;    // angle between the view direction and the markers' mean normal
  double fps = 30;             // for the walk's speed
  std::uint64_t seed = 1;
  std::optional<core::Vec3d> look_at;  // model point the camera aims at (default: the markers' centroid)
};

// T_camera_machine for each frame of a path that looks at the map's markers from their front side.
std::vector<core::Pose> synthCameraPath(const core::MarkerMap& map, const SynthPathOptions& options);

// Camera whose view direction is `target - eye` (model coordinates) with `up` roughly up in the image.
core::Pose lookAt(const core::Vec3d& eye, const core::Vec3d& target, const core::Vec3d& up);

// A simple box "machine" the markers sit on (used when no model is given).
content::Model makeBoxModel(const core::MarkerMap& map);

// Pinhole camera of width x height with the given horizontal field of view (no distortion).
core::CameraModel cameraFromFov(int width, int height, double hfov_deg);

}  // namespace rivet::tracking
