// Test helpers for app/render: box models, camera/pose setup, analytic silhouettes, pixel access and PNG output.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "rivet/content/model.hpp"
#include "rivet/core/camera.hpp"
#include "rivet/core/image.hpp"
#include "rivet/core/pose.hpp"
#include "rivet/render/renderer.hpp"

namespace rivet::render::test {

struct Box {
  std::string id;
  core::Vec3d center;     // model coordinates, metres
  core::Vec3d half_size;  // metres
};

// A model with one part per box; each face has its own 4 vertices (flat normals), triangles wound CCW seen
// from outside.
content::Model makeBoxes(const std::vector<Box>& boxes);

std::array<core::Vec3d, 8> boxCorners(const Box& box);

core::CameraModel testCamera(int width, int height);
// Camera looking at the model origin from `distance_m`, turned by yaw/pitch so three faces of a box show.
core::Pose lookAtOrigin(double distance_m, double yaw_deg, double pitch_deg);
ViewSetup makeView(const core::CameraModel& camera, const core::Pose& T_camera_model, int target);

// Pixel centre (x, y) projected for a model point (OpenCV convention, as the tracking module would predict).
core::Vec2d project(const core::CameraModel& camera, const core::Pose& T_camera_model, const core::Vec3d& p_model);
// Convex hull (counter-clockwise in image coordinates) of the box corners' projections.
std::vector<core::Vec2d> projectedHull(const core::CameraModel& camera, const core::Pose& T_camera_model,
                                       const Box& box);
bool insidePolygon(const std::vector<core::Vec2d>& polygon, const core::Vec2d& p);
// Gray8 mask with 255 at pixel centres inside the polygon.
core::Image rasterizePolygon(const std::vector<core::Vec2d>& polygon, int width, int height);
double maskIoU(const core::Image& a, const core::Image& b);

std::array<int, 4> pixel(const core::Image& image, int x, int y);  // RGBA (Gray8: g,g,g,255)
int maxChannelDifference(const core::Image& a, const core::Image& b);

// Writes to <build>/test-output/render/<name>.png and returns the path.
std::string writeTestPng(const std::string& name, const core::Image& image);

core::Image makeGradientImage(int width, int height, core::PixelFormat format);

}  // namespace rivet::render::test
