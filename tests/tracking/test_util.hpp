// Shared helpers for the tracking tests: synthetic cameras, maps, detections projected from known poses.
#pragma once

#include <random>

#include "rivet/core/camera.hpp"
#include "rivet/core/marker_map.hpp"
#include "rivet/tracking/pose_solver.hpp"

namespace rivet::test {

inline core::CameraModel testCamera() {
  core::CameraModel c;
  c.width = 1280;
  c.height = 720;
  c.fx = c.fy = 1108.5;
  c.cx = 639.5;
  c.cy = 359.5;
  return c;
}

inline core::Pose poseFrom(core::Vec3d rvec, core::Vec3d t) {
  core::Pose p;
  p.R = core::Mat3d::fromRotationVector(rvec);
  p.t = t;
  return p;
}

// Four 100 mm markers on the y = 0 plane (facing +y, Y-up model), 0.3 m apart.
// A pose whose object z axis points back at the camera (a marker facing it), turned by `rvec` and at `t`.
inline core::Pose facingPose(core::Vec3d rvec, core::Vec3d t) {
  core::Pose p;
  p.R = core::Mat3d::fromRotationVector(rvec) * core::Mat3d::fromAxisAngle({1, 0, 0}, M_PI);
  p.t = t;
  return p;
}

inline core::MarkerMap planarMap(const std::string& dict = "DICT_6X6_250") {
  core::MarkerMap map;
  map.dictionary = dict;
  // Marker z (face normal) = +y model; marker x = +x model; marker y = -z model.
  core::Pose base;
  base.R = core::Mat3d::fromAxisAngle({1, 0, 0}, -M_PI / 2);
  const double xs[4] = {-0.15, 0.15, -0.15, 0.15}, zs[4] = {-0.15, -0.15, 0.15, 0.15};
  for (int i = 0; i < 4; ++i) {
    core::MapMarker m;
    m.id = 10 + i;
    m.size_m = 0.1;
    m.T_machine_marker = base;
    m.T_machine_marker.t = {xs[i], 0, zs[i]};
    map.markers.push_back(m);
  }
  return map;
}

inline tracking::Detection project(const core::CameraModel& cam, const core::Pose& T_camera_marker, int id,
                                   double size_m, double noise_px = 0, std::mt19937* rng = nullptr) {
  tracking::Detection d;
  d.id = id;
  const auto corners = tracking::markerCorners(size_m);
  std::normal_distribution<double> n(0, noise_px > 0 ? noise_px : 1);
  for (size_t k = 0; k < 4; ++k) {
    d.corners_px[k] = tracking::projectPoint(cam, T_camera_marker * corners[k]);
    if (noise_px > 0 && rng != nullptr) {
      d.corners_px[k].x += n(*rng);
      d.corners_px[k].y += n(*rng);
    }
  }
  return d;
}

}  // namespace rivet::test
