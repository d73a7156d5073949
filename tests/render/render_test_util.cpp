// Test helpers for app/render: box models, camera/pose setup, analytic silhouettes, pixel access and PNG output.
#include "render_test_util.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "rivet/render/png.hpp"

namespace rivet::render::test {

std::array<core::Vec3d, 8> boxCorners(const Box& box) {
  std::array<core::Vec3d, 8> corners;
  for (int i = 0; i < 8; ++i) {
    corners[static_cast<size_t>(i)] = {box.center.x + ((i & 1) != 0 ? box.half_size.x : -box.half_size.x),
                                       box.center.y + ((i & 2) != 0 ? box.half_size.y : -box.half_size.y),
                                       box.center.z + ((i & 4) != 0 ? box.half_size.z : -box.half_size.z)};
  }
  return corners;
}

content::Model makeBoxes(const std::vector<Box>& boxes) {
  std::vector<content::Vertex> vertices;
  std::vector<std::uint32_t> indices;
  std::vector<content::Part> parts;
  for (const Box& box : boxes) {
    content::Part part;
    part.id = box.id;
    part.name = box.id;
    part.first_index = static_cast<std::uint32_t>(indices.size());
    // Each face: normal axis, sign; corners chosen so (b-a) x (c-a) points along the outward normal.
    for (int axis = 0; axis < 3; ++axis) {
      for (int sign = -1; sign <= 1; sign += 2) {
        std::array<double, 3> n{0, 0, 0};
        n[static_cast<size_t>(axis)] = sign;
        const int u = (axis + 1) % 3;
        const int v = (axis + 2) % 3;
        const std::array<double, 3> c{box.center.x, box.center.y, box.center.z};
        const std::array<double, 3> h{box.half_size.x, box.half_size.y, box.half_size.z};
        auto corner = [&](double su, double sv) {
          std::array<float, 3> p{};
          p[static_cast<size_t>(axis)] = static_cast<float>(c[static_cast<size_t>(axis)] + sign * h[static_cast<size_t>(axis)]);
          p[static_cast<size_t>(u)] = static_cast<float>(c[static_cast<size_t>(u)] + su * h[static_cast<size_t>(u)]);
          p[static_cast<size_t>(v)] = static_cast<float>(c[static_cast<size_t>(v)] + sv * h[static_cast<size_t>(v)]);
          return p;
        };
        const auto base = static_cast<std::uint32_t>(vertices.size());
        const std::array<float, 3> normal{static_cast<float>(n[0]), static_cast<float>(n[1]), static_cast<float>(n[2])};
        // (u, v, axis) is a right-handed cycle, so u x v = +axis: CCW order (-,-), (+,-), (+,+), (-,+) faces +axis.
        const std::array<std::array<double, 2>, 4> uv{{{-1, -1}, {1, -1}, {1, 1}, {-1, 1}}};
        for (const auto& q : uv) vertices.push_back({corner(q[0], q[1]), normal});
        if (sign > 0) {
          indices.insert(indices.end(), {base, base + 1, base + 2, base, base + 2, base + 3});
        } else {
          indices.insert(indices.end(), {base, base + 2, base + 1, base, base + 3, base + 2});
        }
      }
    }
    part.index_count = static_cast<std::uint32_t>(indices.size()) - part.first_index;
    parts.push_back(part);
  }
  return content::makeModel(std::move(vertices), std::move(indices), std::move(parts));
}

core::CameraModel testCamera(int width, int height) {
  core::CameraModel camera;
  camera.width = width;
  camera.height = height;
  camera.fx = camera.fy = 0.95 * width;
  camera.cx = 0.5 * width - 0.5 + 3.0;  // slightly off-centre principal point, as real calibrations are
  camera.cy = 0.5 * height - 0.5 - 2.0;
  return camera;
}

core::Pose lookAtOrigin(double distance_m, double yaw_deg, double pitch_deg) {
  const double kDeg = M_PI / 180.0;
  // Model Y-up to OpenCV camera (y down, z forward): rotate 180 degrees about x, then yaw/pitch the model.
  const core::Mat3d flip = core::Mat3d::fromAxisAngle({1, 0, 0}, M_PI);
  const core::Mat3d yaw = core::Mat3d::fromAxisAngle({0, 1, 0}, yaw_deg * kDeg);
  const core::Mat3d pitch = core::Mat3d::fromAxisAngle({1, 0, 0}, pitch_deg * kDeg);
  core::Pose pose;
  pose.R = flip * pitch * yaw;
  pose.t = {0, 0, distance_m};
  return pose;
}

ViewSetup makeView(const core::CameraModel& camera, const core::Pose& T_camera_model, int target) {
  ViewSetup view;
  view.T_view_model = core::Mat4f::fromPose(T_camera_model);
  view.projection = core::vulkanProjection(camera, 0.05, 20.0);
  view.target = target;
  return view;
}

core::Vec2d project(const core::CameraModel& camera, const core::Pose& T_camera_model, const core::Vec3d& p_model) {
  return camera.projectUndistorted(T_camera_model * p_model);
}

std::vector<core::Vec2d> projectedHull(const core::CameraModel& camera, const core::Pose& T_camera_model,
                                       const Box& box) {
  std::vector<core::Vec2d> points;
  for (const auto& c : boxCorners(box)) points.push_back(project(camera, T_camera_model, c));
  std::sort(points.begin(), points.end(), [](const core::Vec2d& a, const core::Vec2d& b) {
    return a.x < b.x || (a.x == b.x && a.y < b.y);
  });
  auto cross = [](const core::Vec2d& o, const core::Vec2d& a, const core::Vec2d& b) {
    return (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x);
  };
  std::vector<core::Vec2d> hull(points.size() * 2);
  size_t k = 0;
  for (const auto& p : points) {  // Andrew's monotone chain
    while (k >= 2 && cross(hull[k - 2], hull[k - 1], p) <= 0) --k;
    hull[k++] = p;
  }
  for (size_t i = points.size() - 1, lower = k + 1; i-- > 0;) {
    while (k >= lower && cross(hull[k - 2], hull[k - 1], points[i]) <= 0) --k;
    hull[k++] = points[i];
  }
  hull.resize(k - 1);
  return hull;
}

bool insidePolygon(const std::vector<core::Vec2d>& polygon, const core::Vec2d& p) {
  bool inside = false;
  for (size_t i = 0, j = polygon.size() - 1; i < polygon.size(); j = i++) {
    const auto& a = polygon[i];
    const auto& b = polygon[j];
    if ((a.y > p.y) != (b.y > p.y) && p.x < (b.x - a.x) * (p.y - a.y) / (b.y - a.y) + a.x) inside = !inside;
  }
  return inside;
}

core::Image rasterizePolygon(const std::vector<core::Vec2d>& polygon, int width, int height) {
  core::Image mask(width, height, core::PixelFormat::Gray8);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      mask.row(y)[x] = insidePolygon(polygon, {static_cast<double>(x), static_cast<double>(y)}) ? 255 : 0;
    }
  }
  return mask;
}

double maskIoU(const core::Image& a, const core::Image& b) {
  size_t both = 0, either = 0;
  for (size_t i = 0; i < a.pixels.size() && i < b.pixels.size(); ++i) {
    const bool pa = a.pixels[i] != 0, pb = b.pixels[i] != 0;
    both += (pa && pb) ? 1 : 0;
    either += (pa || pb) ? 1 : 0;
  }
  return either == 0 ? 0.0 : static_cast<double>(both) / static_cast<double>(either);
}

std::array<int, 4> pixel(const core::Image& image, int x, int y) {
  const std::uint8_t* p = image.row(y) + static_cast<size_t>(x) * static_cast<size_t>(image.channels());
  switch (image.format) {
    case core::PixelFormat::Gray8: return {p[0], p[0], p[0], 255};
    case core::PixelFormat::Bgr8: return {p[2], p[1], p[0], 255};
    case core::PixelFormat::Rgba8: return {p[0], p[1], p[2], p[3]};
  }
  return {0, 0, 0, 0};
}

int maxChannelDifference(const core::Image& a, const core::Image& b) {
  int worst = 0;
  for (int y = 0; y < a.height; ++y) {
    for (int x = 0; x < a.width; ++x) {
      const auto pa = pixel(a, x, y);
      const auto pb = pixel(b, x, y);
      for (int c = 0; c < 3; ++c) worst = std::max(worst, std::abs(pa[static_cast<size_t>(c)] - pb[static_cast<size_t>(c)]));
    }
  }
  return worst;
}

std::string writeTestPng(const std::string& name, const core::Image& image) {
  const std::filesystem::path dir = std::filesystem::path(RIVET_BINARY_DIR) / "test-output" / "render";
  std::filesystem::create_directories(dir);
  const std::string path = (dir / (name + ".png")).string();
  const auto written = writePng(path, image);
  return written ? path : std::string();
}

core::Image makeGradientImage(int width, int height, core::PixelFormat format) {
  core::Image image(width, height, format);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      // Every 8-bit value shows up somewhere, including near-black where sRGB conversions are least forgiving.
      const auto r = static_cast<std::uint8_t>((x * 255) / std::max(1, width - 1));
      const auto g = static_cast<std::uint8_t>((y * 255) / std::max(1, height - 1));
      const auto b = static_cast<std::uint8_t>((x * 7 + y * 13) & 255);
      std::uint8_t* p = image.row(y) + static_cast<size_t>(x) * static_cast<size_t>(image.channels());
      if (format == core::PixelFormat::Rgba8) {
        p[0] = r; p[1] = g; p[2] = b; p[3] = 255;
      } else if (format == core::PixelFormat::Bgr8) {
        p[0] = b; p[1] = g; p[2] = r;
      } else {
        p[0] = r;
      }
    }
  }
  return image;
}

}  // namespace rivet::render::test
