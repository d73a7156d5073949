// Pinhole camera model with OpenCV's distortion coefficients: the value shared by tracking, render and tools.
#pragma once

#include <array>

#include "rivet/core/pose.hpp"

namespace rivet::core {

struct CameraModel {
  int width = 0;
  int height = 0;
  double fx = 0, fy = 0, cx = 0, cy = 0;          // pixels; pixel centres at integer coordinates (OpenCV)
  std::array<double, 5> distortion{0, 0, 0, 0, 0};  // k1 k2 p1 p2 k3
  double calibration_rms_px = -1;                  // < 0 when unknown

  [[nodiscard]] bool valid() const { return width > 0 && height > 0 && fx > 0 && fy > 0; }
  // Pinhole projection without distortion; `p_camera` in the OpenCV camera frame (x right, y down, z forward).
  [[nodiscard]] Vec2d projectUndistorted(const Vec3d& p_camera) const {
    return {fx * p_camera.x / p_camera.z + cx, fy * p_camera.y / p_camera.z + cy};
  }
  // The same camera seen through an image stretched to width x height (pixel centres stay at integers:
  // u' + 0.5 = s (u + 0.5)); distortion coefficients are unchanged (they act on normalised coordinates).
  [[nodiscard]] CameraModel scaledTo(int new_width, int new_height) const {
    CameraModel c = *this;
    const double sx = static_cast<double>(new_width) / width, sy = static_cast<double>(new_height) / height;
    c.fx *= sx;
    c.fy *= sy;
    c.cx = (cx + 0.5) * sx - 0.5;
    c.cy = (cy + 0.5) * sy - 0.5;
    c.width = new_width;
    c.height = new_height;
    return c;
  }
};

}  // namespace rivet::core

namespace rivet::core {

// Vulkan clip-space projection for a camera in OpenCV convention (x right, y down, z forward) such that a
// point drawn with Mat4f::fromPose(T_camera_model) lands on the pixel OpenCV would project it to
// (pixel centres at integer coordinates; Vulkan NDC y points down). Depth maps near->0, far->1.
Mat4f vulkanProjection(const CameraModel& camera, double near_m, double far_m);

// The same projection from a field of view given as four angles (radians) in OpenXR's XrFovf convention
// (angle_left and angle_down negative, angle_right and angle_up positive, measured from the view direction), for
// a view in OpenCV convention (x right, y down, z forward): the four edges of the FOV land on the NDC borders.
Mat4f fovProjection(double angle_left, double angle_right, double angle_up, double angle_down, double near_m,
                    double far_m);

}  // namespace rivet::core
