// Camera-model helpers: the projection that makes Vulkan renders line up with OpenCV pixel coordinates.
#include "rivet/core/camera.hpp"

#include <cmath>

namespace rivet::core {

Mat4f vulkanProjection(const CameraModel& c, double near_m, double far_m) {
  // NDC_x = 2 (u + 0.5) / W - 1 with u = fx x / z + cx (OpenCV pixel centres at integers).
  const double w = c.width, h = c.height;
  Mat4f p;
  p.m.fill(0);
  p.at(0, 0) = static_cast<float>(2 * c.fx / w);
  p.at(0, 2) = static_cast<float>((2 * c.cx + 1) / w - 1);
  p.at(1, 1) = static_cast<float>(2 * c.fy / h);
  p.at(1, 2) = static_cast<float>((2 * c.cy + 1) / h - 1);
  p.at(2, 2) = static_cast<float>(far_m / (far_m - near_m));
  p.at(2, 3) = static_cast<float>(-far_m * near_m / (far_m - near_m));
  p.at(3, 2) = 1.0f;
  return p;
}

Mat4f fovProjection(double angle_left, double angle_right, double angle_up, double angle_down, double near_m,
                    double far_m) {
  // Tangents of the edges in the OpenCV view frame: x grows to the right, y grows downwards (up is -y).
  const double l = std::tan(angle_left), r = std::tan(angle_right);
  const double t = -std::tan(angle_up), b = -std::tan(angle_down);
  Mat4f p;
  p.m.fill(0);
  p.at(0, 0) = static_cast<float>(2 / (r - l));
  p.at(0, 2) = static_cast<float>(-(r + l) / (r - l));
  p.at(1, 1) = static_cast<float>(2 / (b - t));
  p.at(1, 2) = static_cast<float>(-(b + t) / (b - t));
  p.at(2, 2) = static_cast<float>(far_m / (far_m - near_m));
  p.at(2, 3) = static_cast<float>(-far_m * near_m / (far_m - near_m));
  p.at(3, 2) = 1.0f;
  return p;
}

}  // namespace rivet::core
