// Unit tests for the T_A_B pose algebra and the OpenCV-consistent Vulkan projection.
#include <gtest/gtest.h>
#include <cmath>

#include "rivet/core/camera.hpp"
#include "rivet/core/pose.hpp"

using namespace rivet::core;

namespace {
Pose makePose(Vec3d rvec, Vec3d t) { return {Mat3d::fromRotationVector(rvec), t}; }
}  // namespace

TEST(Pose, ComposeAndInverseGiveIdentity) {
  const Pose T_a_b = makePose({0.3, -0.2, 1.1}, {0.1, 0.2, 0.3});
  const Pose I = T_a_b * T_a_b.inverse();
  EXPECT_NEAR(rotationDifferenceDeg(I, Pose::identity()), 0.0, 1e-6);
  EXPECT_NEAR(I.t.norm(), 0.0, 1e-12);
}

TEST(Pose, CompositionMapsPointsThroughFrames) {
  const Pose T_a_b = makePose({0, 0, M_PI / 2}, {1, 0, 0});
  const Pose T_b_c = makePose({0, 0, 0}, {0, 2, 0});
  const Vec3d p_c{1, 0, 0};
  const Vec3d p_a = (T_a_b * T_b_c) * p_c;
  const Vec3d expected = T_a_b * (T_b_c * p_c);
  EXPECT_NEAR(p_a.x, expected.x, 1e-12);
  EXPECT_NEAR(p_a.y, expected.y, 1e-12);
  // rotate (1,2,0) by 90 deg about z -> (-2,1,0), plus (1,0,0)
  EXPECT_NEAR(p_a.x, -1.0, 1e-12);
  EXPECT_NEAR(p_a.y, 1.0, 1e-12);
}

TEST(Pose, RotationVectorRoundTrip) {
  for (const Vec3d r : {Vec3d{0.1, 0.2, 0.3}, Vec3d{-1.0, 0.5, 2.0}, Vec3d{0, 0, 3.1}, Vec3d{3.14159, 0, 0}}) {
    const Vec3d back = Mat3d::fromRotationVector(r).toRotationVector();
    const double diff = rotationDifferenceDeg({Mat3d::fromRotationVector(r), {}}, {Mat3d::fromRotationVector(back), {}});
    EXPECT_LT(diff, 1e-4) << r.x << " " << r.y << " " << r.z;
  }
}

TEST(Pose, RowMajorRoundTrip) {
  const Pose p = makePose({0.4, 0.1, -0.7}, {0.5, -0.25, 2.0});
  const auto m = p.toRowMajor();
  EXPECT_DOUBLE_EQ(m[3], 0.5);
  EXPECT_DOUBLE_EQ(m[15], 1.0);
  const Pose q = Pose::fromRowMajor(m);
  EXPECT_NEAR(rotationDifferenceDeg(p, q), 0.0, 1e-9);
  EXPECT_NEAR(translationDifferenceM(p, q), 0.0, 1e-15);
}

TEST(Camera, VulkanProjectionMatchesOpenCvPixels) {
  CameraModel cam{1280, 720, 900, 910, 640.5, 359.25, {}, -1};
  const Mat4f P = vulkanProjection(cam, 0.05, 20.0);
  for (const Vec3d p : {Vec3d{0.1, -0.2, 1.5}, Vec3d{-0.3, 0.25, 0.7}}) {
    const Vec2d uv = cam.projectUndistorted(p);
    const float x = P.at(0, 0) * float(p.x) + P.at(0, 2) * float(p.z);
    const float y = P.at(1, 1) * float(p.y) + P.at(1, 2) * float(p.z);
    const float w = P.at(3, 2) * float(p.z);
    const double u_vk = ((x / w) + 1) * 0.5 * cam.width - 0.5;
    const double v_vk = ((y / w) + 1) * 0.5 * cam.height - 0.5;
    EXPECT_NEAR(u_vk, uv.x, 1e-3);
    EXPECT_NEAR(v_vk, uv.y, 1e-3);
  }
  // near plane -> depth 0, far plane -> depth 1
  const float zn = P.at(2, 2) * 0.05f + P.at(2, 3);
  EXPECT_NEAR(zn / 0.05f, 0.0f, 1e-5);
  const float zf = P.at(2, 2) * 20.0f + P.at(2, 3);
  EXPECT_NEAR(zf / 20.0f, 1.0f, 1e-5);
}

// An XR view's field of view: its four edges land on the NDC borders (up is -y in the OpenCV view frame, and
// Vulkan's NDC y points down, so the top edge is y = -1); a symmetric FOV equals the matching pinhole camera.
TEST(Camera, FovProjectionPutsTheEdgesOnTheBorders) {
  const double l = -0.75, r = 0.70, u = 0.72, d = -0.80;  // radians, as a headset reports them (asymmetric)
  const Mat4f P = fovProjection(l, r, u, d, 0.05, 20.0);
  auto ndc = [&](Vec3d p) {
    const float w = P.at(3, 2) * float(p.z);
    return Vec2d{(P.at(0, 0) * float(p.x) + P.at(0, 2) * float(p.z)) / w,
                 (P.at(1, 1) * float(p.y) + P.at(1, 2) * float(p.z)) / w};
  };
  const double z = 2.0;
  EXPECT_NEAR(ndc({std::tan(l) * z, 0, z}).x, -1.0, 1e-5);
  EXPECT_NEAR(ndc({std::tan(r) * z, 0, z}).x, 1.0, 1e-5);
  EXPECT_NEAR(ndc({0, -std::tan(u) * z, z}).y, -1.0, 1e-5);  // up: top of the image
  EXPECT_NEAR(ndc({0, -std::tan(d) * z, z}).y, 1.0, 1e-5);
  // Symmetric 90 x 60 degrees equals a 1280 x 720 pinhole with the same angles.
  const double hx = 0.25 * M_PI, hy = M_PI / 6;
  CameraModel cam{1280, 720, 640 / std::tan(hx), 360 / std::tan(hy), 639.5, 359.5, {}, -1};
  const Mat4f Q = vulkanProjection(cam, 0.05, 20.0);
  const Mat4f S = fovProjection(-hx, hx, hy, -hy, 0.05, 20.0);
  for (int i = 0; i < 16; ++i) EXPECT_NEAR(S.m[static_cast<size_t>(i)], Q.m[static_cast<size_t>(i)], 1e-5) << i;
}
