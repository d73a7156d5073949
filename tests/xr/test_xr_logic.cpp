// Unit tests of the headset logic: blend-mode choice, panel ray hits, lazy panel follow, world anchor, gaze dwell.
#include <gtest/gtest.h>

#include <array>
#include <cmath>

#include "rivet/xr/logic.hpp"
#include "rivet/xr/runtime.hpp"

namespace rivet::xr {
namespace {

constexpr double kPi = 3.14159265358979323846;

TEST(BlendMode, PrefersAlphaBlendWhenListed) {
  const std::array<BlendMode, 3> listed{BlendMode::Opaque, BlendMode::Additive, BlendMode::AlphaBlend};
  const BlendChoice c = chooseBlendMode(listed, true);
  EXPECT_EQ(c.mode, BlendMode::AlphaBlend);
  EXPECT_FALSE(c.camera_background);
  EXPECT_FALSE(c.fb_passthrough);
}

TEST(BlendMode, PassthroughUnderOpaqueBeatsAdditive) {
  const std::array<BlendMode, 2> listed{BlendMode::Opaque, BlendMode::Additive};
  const BlendChoice c = chooseBlendMode(listed, true);
  EXPECT_EQ(c.mode, BlendMode::Opaque);
  EXPECT_TRUE(c.fb_passthrough);
  EXPECT_FALSE(c.camera_background);
}

TEST(BlendMode, OpaqueAndAdditiveOnlyPicksAdditiveWithBrightShading) {
  // A runtime listing only OPAQUE and ADDITIVE (optical see-through such as HoloLens or Magic Leap).
  const std::vector<std::int32_t> xr_modes{1, 2};  // XR_ENVIRONMENT_BLEND_MODE_OPAQUE, _ADDITIVE
  const auto listed = blendModesFromXr(xr_modes);
  ASSERT_EQ(listed.size(), 2u);
  const BlendChoice c = chooseBlendMode(listed, false);
  EXPECT_EQ(c.mode, BlendMode::Additive);
  EXPECT_TRUE(c.dark_is_clear);
  EXPECT_FALSE(c.camera_background);
  EXPECT_NE(c.reason.find("ADDITIVE"), std::string::npos);
}

TEST(BlendMode, OpaqueOnlyDrawsTheCameraImage) {
  const std::vector<std::int32_t> xr_modes{1, 99};  // unknown values are ignored
  const auto listed = blendModesFromXr(xr_modes);
  const BlendChoice c = chooseBlendMode(listed, false);
  EXPECT_EQ(c.mode, BlendMode::Opaque);
  EXPECT_TRUE(c.camera_background);
  EXPECT_EQ(chooseBlendMode({}, false).mode, BlendMode::Opaque);
}

Panel panelAt(const core::Pose& pose) {
  Panel p;
  p.T_world_panel = pose;
  p.width_m = 0.6;
  p.height_m = 0.4;
  p.ui_width = 1200;
  p.ui_height = 800;
  return p;
}

TEST(PanelHit, CentreCornersAndMisses) {
  const Panel panel = panelAt(core::Pose{{}, {0, 1.5, -1}});  // facing +z, towards a user at the origin
  auto centre = hitPanel({{0, 1.5, 0}, {0, 0, -1}}, panel);
  ASSERT_TRUE(centre);
  EXPECT_NEAR(centre->x, 600, 1e-6);
  EXPECT_NEAR(centre->y, 400, 1e-6);
  // Top-left corner region: left (-x) and up (+y) in the world.
  auto tl = hitPanel({{-0.29, 1.69, 0}, {0, 0, -1}}, panel);
  ASSERT_TRUE(tl);
  EXPECT_NEAR(tl->x, 20, 1e-6);
  EXPECT_NEAR(tl->y, 20, 1e-6);
  EXPECT_FALSE(hitPanel({{0.31, 1.5, 0}, {0, 0, -1}}, panel));   // beside it
  EXPECT_FALSE(hitPanel({{0, 1.5, 0}, {0, 0, 1}}, panel));       // looking away
  EXPECT_FALSE(hitPanel({{0, 1.5, -2}, {0, 0, 1}}, panel));      // from behind
}

TEST(PanelHit, PanelPointRoundTripsOnARotatedPanel) {
  core::Pose pose;
  pose.R = core::Mat3d::fromAxisAngle({0, 1, 0}, 0.6) * core::Mat3d::fromAxisAngle({1, 0, 0}, -0.3);
  pose.t = {0.4, 1.2, -0.9};
  const Panel panel = panelAt(pose);
  const core::Vec3d eye{0.1, 1.6, 0.2};
  for (const auto& [x, y] : std::array<std::pair<double, double>, 4>{{{10, 10}, {600, 400}, {1190, 20}, {333, 777}}}) {
    const core::Vec3d p = panelPoint(panel, x, y);
    const core::Vec3d d = p - eye;
    auto hit = hitPanel({eye, d * (1 / d.norm())}, panel);
    ASSERT_TRUE(hit) << x << "," << y;
    EXPECT_NEAR(hit->x, x, 1e-6);
    EXPECT_NEAR(hit->y, y, 1e-6);
  }
}

core::Pose headYaw(double yaw_deg, core::Vec3d t = {0, 1.6, 0}) {
  return core::Pose{core::Mat3d::fromAxisAngle({0, 1, 0}, yaw_deg * kPi / 180), t};
}

TEST(PanelFollow, StaysPutForSmallTurnsAndFollowsBigOnesLazily) {
  PanelFollower f;
  const core::Pose first = f.update(headYaw(0), 0.016);
  EXPECT_NEAR(first.t.z, -0.9, 1e-9);
  EXPECT_NEAR(first.t.y, 1.6 - 0.15, 1e-9);
  // A 20° glance does not move the panel.
  const core::Pose glance = f.update(headYaw(20), 0.016);
  EXPECT_LT(core::translationDifferenceM(glance, first), 1e-9);
  // Turning 90° away: it starts easing over (not jumping) and ends in front of the new heading.
  const core::Pose step = f.update(headYaw(90), 0.016);
  EXPECT_GT(core::translationDifferenceM(step, first), 1e-4);
  EXPECT_LT(core::translationDifferenceM(step, first), 0.2);
  core::Pose p = step;
  for (int i = 0; i < 300; ++i) p = f.update(headYaw(90), 0.016);
  EXPECT_NEAR(p.t.x, -0.9, 0.02);  // yaw +90° about y turns -z forward into -x
  EXPECT_NEAR(p.t.z, 0.0, 0.02);
  // Every placement stays readable (0.7-1.5 m) and upright (no roll).
  const core::Vec3d x_axis = p.R * core::Vec3d{1, 0, 0};
  EXPECT_NEAR(x_axis.y, 0.0, 1e-6);
}

TEST(PanelFollow, PinnedPanelIgnoresTheHead) {
  PanelFollower f;
  const core::Pose pin{{}, {1, 1.2, -0.5}};
  f.pin(pin);
  EXPECT_TRUE(f.pinned());
  EXPECT_LT(core::translationDifferenceM(f.update(headYaw(170), 0.1), pin), 1e-12);
  f.unpin();
  for (int i = 0; i < 400; ++i) f.update(headYaw(170), 0.016);
  EXPECT_GT(core::translationDifferenceM(f.update(headYaw(170), 0.016), pin), 0.5);
}

TEST(WorldAnchor, SmoothsNoiseRejectsOneJumpAndFollowsAMove) {
  WorldAnchor a;
  EXPECT_FALSE(a.valid());
  const core::Pose truth{core::Mat3d::fromAxisAngle({0, 1, 0}, 0.3), {0.2, 0.9, -0.8}};
  a.measure(truth);
  ASSERT_TRUE(a.valid());
  // Noise of ±4 mm: the anchor stays within it and converges back.
  for (int i = 0; i < 20; ++i) {
    core::Pose n = truth;
    n.t.x += (i % 2 ? 0.004 : -0.004);
    a.measure(n);
    EXPECT_LT(core::translationDifferenceM(a.pose(), truth), 0.004);
  }
  // One wild measurement (a wrong detection) never drags it.
  core::Pose wild = truth;
  wild.t.z += 0.3;
  a.measure(wild);
  EXPECT_LT(core::translationDifferenceM(a.pose(), truth), 0.004);
  // The machine really moved: followed after a few frames in a row.
  a.measure(wild);
  a.measure(wild);
  EXPECT_LT(core::translationDifferenceM(a.pose(), wild), 1e-9);
}

TEST(WorldAnchor, BlendsRotations) {
  WorldAnchor a(AnchorOptions{0.5, 0.05, 5, 3});
  a.measure(core::Pose{});
  a.measure(core::Pose{core::Mat3d::fromAxisAngle({0, 0, 1}, 2 * kPi / 180), {}});
  EXPECT_NEAR(core::rotationDifferenceDeg(a.pose(), core::Pose{}), 1.0, 1e-6);
}

TEST(Dwell, ClicksOnceAfterHoldingStill) {
  DwellClicker d(1.0, 20);
  EXPECT_FALSE(d.update(core::Vec2d{100, 100}, 0.1));
  int clicks = 0;
  for (int i = 0; i < 30; ++i) clicks += d.update(core::Vec2d{100.0 + (i % 3), 100}, 0.1) ? 1 : 0;
  EXPECT_EQ(clicks, 1);  // once, not every frame after
  // Moving away re-arms; leaving the panel resets.
  EXPECT_FALSE(d.update(core::Vec2d{300, 100}, 0.1));
  EXPECT_GT(d.update(core::Vec2d{300, 100}, 0.5) ? 1 : d.progress(), 0.4);
  EXPECT_FALSE(d.update(std::nullopt, 0.1));
  EXPECT_EQ(d.progress(), 0.0);
}

TEST(Frames, CvCameraLooksDownXrForward) {
  const core::Pose R = xrFromCvCamera();
  const core::Vec3d fwd = R.R * core::Vec3d{0, 0, 1};  // OpenCV forward in the XR view frame
  EXPECT_NEAR(fwd.z, -1, 1e-12);
  const core::Vec3d down = R.R * core::Vec3d{0, 1, 0};
  EXPECT_NEAR(down.y, -1, 1e-12);
}

}  // namespace
}  // namespace rivet::xr
