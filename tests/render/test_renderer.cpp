// Renderer tests on lavapipe with validation on: pixel-exact background, model coverage, styles, views, import, UI.
#include <gtest/gtest.h>
#include <imgui.h>
#include <stb/stb_image.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>

#include "render_test_util.hpp"
#include "validated_renderer_test.hpp"
#include "rivet/content/model_file.hpp"
#include "rivet/core/clock.hpp"
#include "rivet/render/png.hpp"
#include "rivet/render/renderer.hpp"

namespace rivet::render {
namespace {

using test::Box;

constexpr int kWidth = 320;
constexpr int kHeight = 240;
// VkFormat values (the public API takes them as integers; Vulkan headers stay inside app/render).
constexpr std::uint32_t kFormatR8G8B8A8Unorm = 37;
constexpr std::uint32_t kFormatR8G8B8A8Srgb = 43;
constexpr std::uint32_t kFormatB8G8R8A8Unorm = 44;
constexpr std::uint32_t kFormatB8G8R8A8Srgb = 50;
constexpr std::array<int, 3> kDarkGrey{40, 40, 40};

class RendererTest : public test::ValidatedRendererTest {
 protected:

  int newTarget(int width = kWidth, int height = kHeight) {
    auto target = renderer_->createOffscreenTarget(width, height);
    EXPECT_TRUE(target.ok()) << (target.ok() ? "" : target.error().describe());
    return target.ok() ? *target : -1;
  }

  core::Image render(const FrameDesc& frame, int target) {
    const auto rendered = renderer_->renderFrame(frame);
    EXPECT_TRUE(rendered.ok()) << (rendered.ok() ? "" : rendered.error().describe());
    auto image = renderer_->readback(target);
    EXPECT_TRUE(image.ok()) << (image.ok() ? "" : image.error().describe());
    return image.ok() ? std::move(*image) : core::Image();
  }

};

bool isBackground(const std::array<int, 4>& p, const std::array<int, 3>& bg, int tolerance = 1) {
  for (size_t c = 0; c < 3; ++c) {
    if (std::abs(p[c] - bg[c]) > tolerance) return false;
  }
  return true;
}

core::Vec2d lerp(const core::Vec2d& a, const core::Vec2d& b, double t) {
  return {a.x + (b.x - a.x) * t, a.y + (b.y - a.y) * t};
}

core::Vec2d centroid(const std::vector<core::Vec2d>& polygon) {
  core::Vec2d c;
  for (const auto& p : polygon) c = {c.x + p.x / static_cast<double>(polygon.size()), c.y + p.y / static_cast<double>(polygon.size())};
  return c;
}

TEST_F(RendererTest, ReportsDeviceAndMultisampling) {
  EXPECT_FALSE(renderer_->deviceName().empty());
  EXPECT_NE(renderer_->deviceName().find("llvmpipe"), std::string::npos) << renderer_->deviceName();
  EXPECT_EQ(renderer_->msaaSamples(), 4);
}

TEST_F(RendererTest, BackgroundRoundTripsExactly) {
  const int target = newTarget();
  for (const auto format : {core::PixelFormat::Rgba8, core::PixelFormat::Bgr8}) {
    const core::Image photo = test::makeGradientImage(kWidth, kHeight, format);
    ASSERT_TRUE(renderer_->setBackground(target, photo).ok());
    FrameDesc frame;
    frame.views.push_back(test::makeView(test::testCamera(kWidth, kHeight), test::lookAtOrigin(0.5, 0, 0), target));
    const core::Image out = render(frame, target);
    ASSERT_EQ(out.width, kWidth);
    EXPECT_LE(test::maxChannelDifference(out, photo), 1);
    EXPECT_EQ(test::pixel(out, 5, 5)[3], 255);
  }
}

TEST_F(RendererTest, NoBackgroundIsDarkGreyAndModelHiddenWhenNotVisible) {
  const int target = newTarget();
  const Box cube{"cube", {0, 0, 0}, {0.05, 0.05, 0.05}};
  ASSERT_TRUE(renderer_->setModel(test::makeBoxes({cube})).ok());
  FrameDesc frame;
  frame.model_visible = false;
  frame.views.push_back(test::makeView(test::testCamera(kWidth, kHeight), test::lookAtOrigin(0.5, 30, 20), target));
  const core::Image out = render(frame, target);
  for (int y = 0; y < kHeight; y += 7) {
    for (int x = 0; x < kWidth; x += 7) ASSERT_TRUE(isBackground(test::pixel(out, x, y), kDarkGrey, 0)) << x << "," << y;
  }
  // For alpha-blended XR passthrough: no background image => fully transparent, the model stays opaque-ish.
  frame.transparent_background = true;
  frame.model_visible = true;
  const core::Image clear = render(frame, target);
  EXPECT_EQ(test::pixel(clear, 2, 2)[3], 0);
  EXPECT_EQ(test::pixel(clear, 2, 2)[0], 0);
  const auto centre = test::pixel(clear, kWidth / 2 + 3, kHeight / 2 - 2);
  EXPECT_GE(centre[3], 130);  // model_opacity 0.55
  // A background set and then cleared is gone again.
  ASSERT_TRUE(renderer_->setBackground(target, test::makeGradientImage(kWidth, kHeight, core::PixelFormat::Rgba8)).ok());
  renderer_->clearBackground(target);
  frame.transparent_background = false;
  frame.model_visible = false;
  const core::Image cleared = render(frame, target);
  EXPECT_TRUE(isBackground(test::pixel(cleared, kWidth - 3, kHeight - 3), kDarkGrey, 0));
}

TEST_F(RendererTest, CubeCoversItsProjectedCorners) {
  const int target = newTarget();
  const auto camera = test::testCamera(kWidth, kHeight);
  const Box cube{"cube", {0, 0, 0}, {0.05, 0.05, 0.05}};
  ASSERT_TRUE(renderer_->setModel(test::makeBoxes({cube})).ok());
  const core::Pose pose = test::lookAtOrigin(0.45, 35, 25);
  FrameDesc frame;
  frame.views.push_back(test::makeView(camera, pose, target));
  const core::Image out = render(frame, target);
  test::writeTestPng("cube_normal", out);

  const auto hull = test::projectedHull(camera, pose, cube);
  ASSERT_GE(hull.size(), 6u);  // three faces visible
  const core::Vec2d centre = centroid(hull);
  int inside_checked = 0;
  for (const auto& corner : hull) {
    // 80% of the way from the centre to each silhouette corner: model, not background.
    const auto in = lerp(centre, corner, 0.8);
    const auto p = test::pixel(out, static_cast<int>(std::lround(in.x)), static_cast<int>(std::lround(in.y)));
    EXPECT_FALSE(isBackground(p, kDarkGrey, 3)) << "inside point " << in.x << "," << in.y;
    // Outside the silhouette and its 2 px outline: untouched background.
    const auto out_pt = lerp(centre, corner, 1.0) ;
    const double dx = out_pt.x - centre.x, dy = out_pt.y - centre.y, len = std::hypot(dx, dy);
    const core::Vec2d away{out_pt.x + dx / len * 5.0, out_pt.y + dy / len * 5.0};
    const auto q = test::pixel(out, static_cast<int>(std::lround(away.x)), static_cast<int>(std::lround(away.y)));
    EXPECT_TRUE(isBackground(q, kDarkGrey, 0)) << "outside point " << away.x << "," << away.y;
    ++inside_checked;
  }
  EXPECT_EQ(inside_checked, static_cast<int>(hull.size()));
  // Steel blue: the model tints the dark background towards blue.
  const auto c = test::pixel(out, static_cast<int>(centre.x), static_cast<int>(centre.y));
  EXPECT_GT(c[2], c[0]);
  EXPECT_GT(c[2], 80);
  // The silhouette carries a light outline: just inside each corner the pixel is brighter than the face.
  const auto edge = lerp(centre, hull[0], 0.995);
  const auto e = test::pixel(out, static_cast<int>(std::lround(edge.x)), static_cast<int>(std::lround(edge.y)));
  EXPECT_GT(e[0] + e[1] + e[2], 450) << "outline at " << edge.x << "," << edge.y;
}

TEST_F(RendererTest, SingleSampleModeMatchesMultisampledAwayFromEdges) {
  const auto camera = test::testCamera(kWidth, kHeight);
  const Box cube{"cube", {0, 0, 0}, {0.05, 0.05, 0.05}};
  const content::Model model = test::makeBoxes({cube});
  const core::Pose pose = test::lookAtOrigin(0.45, 35, 25);
  ASSERT_TRUE(renderer_->setModel(model).ok());
  const int target = newTarget();
  FrameDesc frame;
  frame.views.push_back(test::makeView(camera, pose, target));
  const core::Image msaa = render(frame, target);

  RendererOptions options;
  options.prefer_software = true;
  options.enable_sync_validation = true;
  options.msaa_samples = 1;
  auto single = Renderer::create(options);
  ASSERT_TRUE(single.ok()) << single.error().describe();
  EXPECT_EQ((*single)->msaaSamples(), 1);
  ASSERT_TRUE((*single)->setModel(model).ok());
  auto single_target = (*single)->createOffscreenTarget(kWidth, kHeight);
  ASSERT_TRUE(single_target.ok());
  frame.views[0].target = *single_target;
  ASSERT_TRUE((*single)->renderFrame(frame).ok());
  auto aliased = (*single)->readback(*single_target);
  ASSERT_TRUE(aliased.ok());
  test::writeTestPng("cube_msaa1", *aliased);
  int differing = 0;
  for (int y = 0; y < kHeight; ++y) {
    for (int x = 0; x < kWidth; ++x) {
      const auto a = test::pixel(msaa, x, y);
      const auto b = test::pixel(*aliased, x, y);
      if (std::abs(a[0] - b[0]) + std::abs(a[1] - b[1]) + std::abs(a[2] - b[2]) > 30) ++differing;
    }
  }
  // Outlines cover the silhouettes in both modes, so the images agree almost everywhere.
  std::printf("pixels differing by more than 30 between 1x and 4x MSAA: %d of %d\n", differing, kWidth * kHeight);
  EXPECT_LT(differing, kWidth * kHeight / 100) << "1x and 4x differ beyond anti-aliased edges";
  EXPECT_FALSE(isBackground(test::pixel(*aliased, kWidth / 2 + 3, kHeight / 2 - 2), kDarkGrey, 3));
  EXPECT_EQ((*single)->validationMessageCount(), 0u);
}

TEST_F(RendererTest, HighlightIsAmberAndHiddenPartIsAbsent) {
  const int target = newTarget();
  const auto camera = test::testCamera(kWidth, kHeight);
  const Box left{"left", {-0.07, 0, 0}, {0.04, 0.04, 0.04}};
  const Box right{"right", {0.07, 0, 0}, {0.04, 0.04, 0.04}};
  ASSERT_TRUE(renderer_->setModel(test::makeBoxes({left, right})).ok());
  const core::Pose pose = test::lookAtOrigin(0.5, 10, 15);
  const auto left_centre = centroid(test::projectedHull(camera, pose, left));
  const auto right_centre = centroid(test::projectedHull(camera, pose, right));
  FrameDesc frame;
  frame.views.push_back(test::makeView(camera, pose, target));
  frame.part_styles = {PartStyle::Highlight, PartStyle::Normal};
  const core::Image highlighted = render(frame, target);
  test::writeTestPng("highlight_left", highlighted);
  // The hatching alternates two ambers; look at a small neighbourhood for the bright one.
  int amber = 0, dark_amber = 0;
  for (int dy = -4; dy <= 4; ++dy) {
    for (int dx = -4; dx <= 4; ++dx) {
      const auto p = test::pixel(highlighted, static_cast<int>(left_centre.x) + dx, static_cast<int>(left_centre.y) + dy);
      if (p[0] > 200 && p[1] > 100 && p[1] < 200 && p[2] < 60) ++amber;
      if (p[0] > 100 && p[0] < 200 && p[1] < p[0] - 40 && p[2] < 40) ++dark_amber;
    }
  }
  EXPECT_GT(amber, 10) << "no bright amber on the highlighted part";
  EXPECT_GT(dark_amber, 10) << "no hatching on the highlighted part";
  // Without colour vision: the highlight still differs by its hatching (luminance contrast inside the part)
  // and by a thicker outline; measured on luma only.
  auto lumaSpread = [&](const core::Vec2d& c) {
    double lo = 1e9, hi = -1e9;
    for (int dy = -6; dy <= 6; ++dy) {
      for (int dx = -6; dx <= 6; ++dx) {
        const auto p = test::pixel(highlighted, static_cast<int>(c.x) + dx, static_cast<int>(c.y) + dy);
        const double y = 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2];
        lo = std::min(lo, y);
        hi = std::max(hi, y);
      }
    }
    return hi - lo;
  };
  EXPECT_GT(lumaSpread(left_centre), 50.0) << "highlight hatching invisible in grey";
  EXPECT_LT(lumaSpread(right_centre), 25.0);
  const auto r = test::pixel(highlighted, static_cast<int>(right_centre.x), static_cast<int>(right_centre.y));
  EXPECT_GT(r[2], r[0]) << "normal part should stay steel blue";

  frame.part_styles = {PartStyle::Normal, PartStyle::Hidden};
  const core::Image hidden = render(frame, target);
  test::writeTestPng("hidden_right", hidden);
  const auto right_hull = test::projectedHull(camera, pose, right);
  for (const auto& corner : right_hull) {
    const auto in = lerp(right_centre, corner, 0.9);
    EXPECT_TRUE(isBackground(test::pixel(hidden, static_cast<int>(in.x), static_cast<int>(in.y)), kDarkGrey, 0));
  }
  const auto l = test::pixel(hidden, static_cast<int>(left_centre.x), static_cast<int>(left_centre.y));
  EXPECT_FALSE(isBackground(l, kDarkGrey, 3));
}

TEST_F(RendererTest, OccludedHighlightShowsThroughXray) {
  const int target = newTarget();
  const auto camera = test::testCamera(kWidth, kHeight);
  const Box front{"front", {0, 0, 0.06}, {0.06, 0.06, 0.01}};   // a plate in front...
  const Box behind{"behind", {0, 0, -0.03}, {0.02, 0.02, 0.02}};  // ...hiding a small box
  ASSERT_TRUE(renderer_->setModel(test::makeBoxes({front, behind})).ok());
  const core::Pose pose = test::lookAtOrigin(0.45, 0, 0);
  FrameDesc frame;
  frame.views.push_back(test::makeView(camera, pose, target));
  frame.part_styles = {PartStyle::Normal, PartStyle::Normal};
  const core::Image plain = render(frame, target);
  frame.part_styles = {PartStyle::Normal, PartStyle::Highlight};
  const core::Image xray = render(frame, target);
  test::writeTestPng("xray_behind_plate", xray);
  const auto c = centroid(test::projectedHull(camera, pose, behind));
  int warmer = 0;
  for (int dy = -4; dy <= 4; ++dy) {
    for (int dx = -4; dx <= 4; ++dx) {
      const auto a = test::pixel(plain, static_cast<int>(c.x) + dx, static_cast<int>(c.y) + dy);
      const auto b = test::pixel(xray, static_cast<int>(c.x) + dx, static_cast<int>(c.y) + dy);
      if (b[0] - b[2] > a[0] - a[2] + 30) ++warmer;
    }
  }
  EXPECT_GT(warmer, 20) << "occluded highlighted part does not show through";
}

TEST_F(RendererTest, TwoViewsIntoTwoTargets) {
  const int a = newTarget();
  const int b = newTarget(200, 150);
  const auto camera_a = test::testCamera(kWidth, kHeight);
  const auto camera_b = test::testCamera(200, 150);
  const Box cube{"cube", {0, 0, 0}, {0.04, 0.04, 0.04}};
  ASSERT_TRUE(renderer_->setModel(test::makeBoxes({cube})).ok());
  core::Pose pose_a = test::lookAtOrigin(0.5, 20, 10);
  pose_a.t.x = -0.08;  // cube on the left in view A
  core::Pose pose_b = test::lookAtOrigin(0.5, -20, 10);
  pose_b.t.x = 0.08;   // and on the right in view B
  FrameDesc frame;
  frame.views.push_back(test::makeView(camera_a, pose_a, a));
  frame.views.push_back(test::makeView(camera_b, pose_b, b));
  ASSERT_TRUE(renderer_->renderFrame(frame).ok());
  auto image_a = renderer_->readback(a);
  auto image_b = renderer_->readback(b);
  ASSERT_TRUE(image_a.ok() && image_b.ok());
  test::writeTestPng("two_views_a", *image_a);
  test::writeTestPng("two_views_b", *image_b);
  const auto ca = centroid(test::projectedHull(camera_a, pose_a, cube));
  const auto cb = centroid(test::projectedHull(camera_b, pose_b, cube));
  EXPECT_LT(ca.x, kWidth / 2.0);
  EXPECT_GT(cb.x, 200 / 2.0);
  EXPECT_FALSE(isBackground(test::pixel(*image_a, static_cast<int>(ca.x), static_cast<int>(ca.y)), kDarkGrey, 3));
  EXPECT_FALSE(isBackground(test::pixel(*image_b, static_cast<int>(cb.x), static_cast<int>(cb.y)), kDarkGrey, 3));
  // Mirror positions are empty in each view.
  EXPECT_TRUE(isBackground(test::pixel(*image_a, kWidth - 1 - static_cast<int>(ca.x), static_cast<int>(ca.y)), kDarkGrey, 0));
  EXPECT_TRUE(isBackground(test::pixel(*image_b, 200 - 1 - static_cast<int>(cb.x), static_cast<int>(cb.y)), kDarkGrey, 0));
  // Same views rendered one at a time give the same pixels (targets do not leak into each other).
  FrameDesc single;
  single.views.push_back(test::makeView(camera_a, pose_a, a));
  const core::Image alone = render(single, a);
  EXPECT_EQ(test::maxChannelDifference(alone, *image_a), 0);
}

TEST_F(RendererTest, ImportedTargetsReceiveTheFrame) {
  const auto camera = test::testCamera(kWidth, kHeight);
  const Box cube{"cube", {0, 0, 0}, {0.05, 0.05, 0.05}};
  ASSERT_TRUE(renderer_->setModel(test::makeBoxes({cube})).ok());
  const core::Pose pose = test::lookAtOrigin(0.45, 35, 25);
  const core::Image photo = test::makeGradientImage(kWidth, kHeight, core::PixelFormat::Rgba8);
  const int owned = newTarget();
  ASSERT_TRUE(renderer_->setBackground(owned, photo).ok());
  FrameDesc reference_frame;
  reference_frame.views.push_back(test::makeView(camera, pose, owned));
  const core::Image reference = render(reference_frame, owned);

  for (const std::uint32_t format : {kFormatB8G8R8A8Srgb, kFormatR8G8B8A8Srgb, kFormatB8G8R8A8Unorm, kFormatR8G8B8A8Unorm}) {
    SCOPED_TRACE("VkFormat " + std::to_string(format));
    auto image = renderer_->createExternalImageForTest(kWidth, kHeight, format);
    ASSERT_TRUE(image.ok()) << image.error().describe();
    auto target = renderer_->importTarget(*image, format, kWidth, kHeight);
    ASSERT_TRUE(target.ok()) << target.error().describe();
    ASSERT_TRUE(renderer_->setBackground(*target, photo).ok());
    FrameDesc frame;
    frame.views.push_back(test::makeView(camera, pose, *target));
    const core::Image out = render(frame, *target);
    const bool srgb = format == kFormatB8G8R8A8Srgb || format == kFormatR8G8B8A8Srgb;
    if (srgb) {
      EXPECT_LE(test::maxChannelDifference(out, reference), 1);
    } else {
      // UNORM holds linear values: 8-bit linear loses precision in the darks; compare the bright half only.
      int worst = 0;
      for (int y = 0; y < kHeight; ++y) {
        for (int x = 0; x < kWidth; ++x) {
          const auto p = test::pixel(out, x, y);
          const auto q = test::pixel(reference, x, y);
          for (size_t ch = 0; ch < 3; ++ch) {
            if (q[ch] >= 128) worst = std::max(worst, std::abs(p[ch] - q[ch]));
          }
        }
      }
      EXPECT_LE(worst, 3);
    }
    if (format == kFormatB8G8R8A8Srgb) test::writeTestPng("imported_bgra_srgb", out);
  }
}

TEST_F(RendererTest, MaskMatchesAnalyticSilhouette) {
  const auto camera = test::testCamera(kWidth, kHeight);
  const Box cube{"cube", {0.01, -0.005, 0.0}, {0.05, 0.035, 0.045}};
  ASSERT_TRUE(renderer_->setModel(test::makeBoxes({cube})).ok());
  for (const auto& [yaw, pitch] : std::vector<std::pair<double, double>>{{35, 25}, {-50, -10}, {5, 60}}) {
    const core::Pose pose = test::lookAtOrigin(0.4, yaw, pitch);
    auto mask = renderer_->renderMask(test::makeView(camera, pose, 0), kWidth, kHeight);
    ASSERT_TRUE(mask.ok()) << mask.error().describe();
    const core::Image expected = test::rasterizePolygon(test::projectedHull(camera, pose, cube), kWidth, kHeight);
    const double iou = test::maskIoU(*mask, expected);
    EXPECT_GE(iou, 0.98) << "yaw " << yaw << " pitch " << pitch;
    std::printf("mask IoU yaw %.0f pitch %.0f: %.4f\n", yaw, pitch, iou);
    // A pose 3 mm off to the side must measurably lower the IoU (the check can fail).
    core::Pose shifted = pose;
    shifted.t.x += 0.003;
    const core::Image wrong = test::rasterizePolygon(test::projectedHull(camera, shifted, cube), kWidth, kHeight);
    EXPECT_LT(test::maskIoU(*mask, wrong), iou - 0.01);
    if (yaw == 35) {
      test::writeTestPng("mask", *mask);
    }
  }
}

TEST_F(RendererTest, UiColoursComeOutAsImGuiSpecifiesThem) {
  const int target = newTarget();
  const int second = newTarget();
  ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  io.DisplaySize = ImVec2(static_cast<float>(kWidth), static_cast<float>(kHeight));
  io.IniFilename = nullptr;
  auto ui = renderer_->initUi();
  ASSERT_TRUE(ui.ok()) << ui.error().describe();
  ImGui::NewFrame();
  ImDrawList* draw = ImGui::GetForegroundDrawList();
  draw->AddRectFilled(ImVec2(40, 40), ImVec2(120, 100), IM_COL32(200, 100, 50, 255));
  draw->AddRectFilled(ImVec2(160, 40), ImVec2(240, 100), IM_COL32(255, 255, 255, 128));  // half white over grey
  ImGui::SetNextWindowPos(ImVec2(20, 130));
  ImGui::SetNextWindowSize(ImVec2(200, 80));
  ImGui::Begin("Step 3 of 7");
  ImGui::TextUnformatted("Loosen the drain plug");
  ImGui::End();
  ImGui::Render();
  FrameDesc frame;
  frame.draw_ui = true;
  frame.views.push_back(test::makeView(test::testCamera(kWidth, kHeight), test::lookAtOrigin(0.5, 0, 0), target));
  const core::Image out = render(frame, target);
  test::writeTestPng("ui", out);
  const auto solid = test::pixel(out, 80, 70);
  EXPECT_NEAR(solid[0], 200, 2);
  EXPECT_NEAR(solid[1], 100, 2);
  EXPECT_NEAR(solid[2], 50, 2);
  // ImGui blends in sRGB space: 40 + (255 - 40) * 128/255 = 148.
  const auto blended = test::pixel(out, 200, 70);
  EXPECT_NEAR(blended[0], 148, 2);
  EXPECT_NEAR(blended[1], 148, 2);
  // The same UI into two targets in one frame (stereo): both get it.
  frame.views.push_back(test::makeView(test::testCamera(kWidth, kHeight), test::lookAtOrigin(0.5, 0, 0), second));
  ASSERT_TRUE(renderer_->renderFrame(frame).ok());
  for (const int t : {target, second}) {
    auto image = renderer_->readback(t);
    ASSERT_TRUE(image.ok());
    EXPECT_EQ(test::maxChannelDifference(*image, out), 0) << "target " << t;
  }
  renderer_->shutdownUi();
  ImGui::DestroyContext();
}

TEST_F(RendererTest, BadInputGetsClearErrors) {
  const int target = newTarget();
  EXPECT_FALSE(renderer_->createOffscreenTarget(0, 10).ok());
  EXPECT_FALSE(renderer_->importTarget(0, kFormatR8G8B8A8Srgb, 10, 10).ok());
  const auto bad_format = renderer_->importTarget(0x1234, 124 /* D32 */, 10, 10);
  ASSERT_FALSE(bad_format.ok());
  EXPECT_NE(bad_format.error().message.find("not supported"), std::string::npos);
  EXPECT_FALSE(renderer_->setBackground(target, core::Image(4, 4, core::PixelFormat::Gray8)).ok());
  EXPECT_FALSE(renderer_->setBackground(target + 5, core::Image(4, 4, core::PixelFormat::Rgba8)).ok());
  EXPECT_FALSE(renderer_->readback(target).ok());  // not rendered yet

  content::Model broken = test::makeBoxes({Box{"cube", {0, 0, 0}, {0.1, 0.1, 0.1}}});
  std::vector<std::uint32_t> indices(broken.indices.begin(), broken.indices.end());
  indices[4] = 999;
  content::Model corrupt = broken;  // spans replaced by hand: makeModel would read through the bad index
  corrupt.indices = indices;
  const auto bad_model = renderer_->setModel(corrupt);
  ASSERT_FALSE(bad_model.ok());
  EXPECT_NE(bad_model.error().message.find("999"), std::string::npos) << bad_model.error().describe();

  ASSERT_TRUE(renderer_->setModel(broken).ok());
  FrameDesc frame;
  EXPECT_FALSE(renderer_->renderFrame(frame).ok());  // no views
  frame.views.push_back(test::makeView(test::testCamera(kWidth, kHeight), test::lookAtOrigin(0.5, 0, 0), target + 3));
  EXPECT_FALSE(renderer_->renderFrame(frame).ok());  // no such target
  frame.views[0].target = target;
  frame.part_styles = {PartStyle::Normal, PartStyle::Normal};
  const auto too_many = renderer_->renderFrame(frame);
  ASSERT_FALSE(too_many.ok());
  EXPECT_NE(too_many.error().message.find("2 part styles"), std::string::npos);
  frame.part_styles.clear();
  frame.draw_ui = true;
  EXPECT_FALSE(renderer_->renderFrame(frame).ok());  // UI not initialised
  EXPECT_FALSE(renderer_->renderMask(frame.views[0], -1, 5).ok());
  EXPECT_FALSE(writePng("/nonexistent-dir/x.png", core::Image(2, 2, core::PixelFormat::Rgba8)).ok());
}

TEST_F(RendererTest, StylingAnAssemblyStylesItsChildren) {
  const int target = newTarget();
  const auto camera = test::testCamera(kWidth, kHeight);
  const Box left{"left", {-0.07, 0, 0}, {0.04, 0.04, 0.04}};
  const Box right{"right", {0.07, 0, 0}, {0.04, 0.04, 0.04}};
  content::Model boxes = test::makeBoxes({left, right});
  // Part 0: an assembly node without triangles; parts 1 and 2 (the boxes) are its children.
  std::vector<content::Part> parts;
  content::Part assembly;
  assembly.id = "gearbox";
  parts.push_back(assembly);
  for (auto part : boxes.parts) {
    part.parent = 0;
    parts.push_back(part);
  }
  content::Model model = boxes;
  model.parts = parts;
  ASSERT_TRUE(renderer_->setModel(model).ok());
  const core::Pose pose = test::lookAtOrigin(0.5, 10, 15);
  FrameDesc frame;
  frame.views.push_back(test::makeView(camera, pose, target));
  frame.part_styles = {PartStyle::Highlight, PartStyle::Normal, PartStyle::Ghost};  // right box overrides
  const core::Image out = render(frame, target);
  test::writeTestPng("assembly_highlight_child_ghost", out);
  const auto l = centroid(test::projectedHull(camera, pose, left));
  const auto r = centroid(test::projectedHull(camera, pose, right));
  int warm = 0;
  for (int dx = -4; dx <= 4; ++dx) {
    const auto p = test::pixel(out, static_cast<int>(l.x) + dx, static_cast<int>(l.y));
    if (p[0] > p[2] + 60) ++warm;
  }
  EXPECT_GT(warm, 6) << "child of a highlighted assembly is not highlighted";
  // The ghost box is visible but much fainter than the same box drawn Normal.
  frame.part_styles = {PartStyle::Highlight, PartStyle::Normal, PartStyle::Normal};
  const core::Image normal = render(frame, target);
  auto lift = [&](const core::Image& image) {
    const auto p = test::pixel(image, static_cast<int>(r.x), static_cast<int>(r.y));
    return std::abs(p[0] - kDarkGrey[0]) + std::abs(p[1] - kDarkGrey[1]) + std::abs(p[2] - kDarkGrey[2]);
  };
  EXPECT_GT(lift(out), 10) << "ghost part invisible";
  EXPECT_LT(lift(out) * 3, lift(normal)) << "ghost is not faint: " << lift(out) << " vs normal " << lift(normal);

  // A part with triangles of its own does not pass its style to its children (kinematic chains).
  content::Model chain = boxes;
  chain.parts[1].parent = 0;
  ASSERT_TRUE(renderer_->setModel(chain).ok());
  frame.part_styles = {PartStyle::Highlight};
  const core::Image chained = render(frame, target);
  const auto child = test::pixel(chained, static_cast<int>(r.x), static_cast<int>(r.y));
  EXPECT_GT(child[2], child[0]) << "child of a highlighted part with geometry got highlighted";

  content::Model cyclic = model;
  cyclic.parts[0].parent = 7;
  EXPECT_FALSE(renderer_->setModel(cyclic).ok());
}

TEST_F(RendererTest, CameraInsideOrBehindTheModelIsHandled) {
  const int target = newTarget();
  const auto camera = test::testCamera(kWidth, kHeight);
  const Box cube{"cube", {0, 0, 0}, {0.05, 0.05, 0.05}};
  ASSERT_TRUE(renderer_->setModel(test::makeBoxes({cube})).ok());
  for (const double distance : {0.0, 0.03, -0.5, 0.051}) {  // inside, inside, behind, crossing the near plane
    FrameDesc frame;
    frame.views.push_back(test::makeView(camera, test::lookAtOrigin(distance, 20, 10), target));
    frame.part_styles = {PartStyle::Highlight};
    const core::Image out = render(frame, target);
    EXPECT_EQ(out.width, kWidth) << distance;
  }
  FrameDesc bad;
  bad.views.push_back(test::makeView(camera, test::lookAtOrigin(0.5, 0, 0), target));
  bad.views[0].T_view_model.at(0, 3) = std::nanf("");
  const auto refused = renderer_->renderFrame(bad);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("NaN"), std::string::npos);
}

// A sample overlay on a real photo (opencv_contrib ArUco tutorial image), for people to look at.
TEST_F(RendererTest, SampleOverlayOnPhoto) {
  const char* data = std::getenv("RIVET_SHARED_DATA");
  const std::filesystem::path photo_path =
      std::filesystem::path(data != nullptr ? data : "") / "markers/opencv_contrib_aruco_tutorial/singlemarkersoriginal.jpg";
  if (data == nullptr || !std::filesystem::exists(photo_path)) GTEST_SKIP() << "no photo at " << photo_path;
  int w = 0, h = 0, channels = 0;
  unsigned char* pixels = stbi_load(photo_path.c_str(), &w, &h, &channels, 4);
  ASSERT_NE(pixels, nullptr) << photo_path;
  core::Image photo(w, h, core::PixelFormat::Rgba8);
  std::copy(pixels, pixels + photo.pixels.size(), photo.pixels.begin());
  stbi_image_free(pixels);

  const int target = newTarget(w, h);
  ASSERT_TRUE(renderer_->setBackground(target, photo).ok());
  // A small "machine": base plate, housing, a cover, and a drain plug the current step is about.
  const std::vector<Box> boxes{{"base", {0, -0.045, 0}, {0.11, 0.01, 0.08}},
                               {"housing", {-0.02, 0.0, 0}, {0.06, 0.035, 0.05}},
                               {"cover", {0.07, -0.01, 0.02}, {0.025, 0.025, 0.025}},
                               {"drain_plug", {-0.02, -0.015, 0.055}, {0.012, 0.012, 0.008}},
                               {"sensor", {-0.02, 0.005, -0.06}, {0.015, 0.015, 0.012}}};
  ASSERT_TRUE(renderer_->setModel(test::makeBoxes(boxes)).ok());
  const auto camera = test::testCamera(w, h);
  FrameDesc frame;
  frame.views.push_back(test::makeView(camera, test::lookAtOrigin(0.42, 30, 28), target));
  frame.part_styles = {PartStyle::Normal, PartStyle::Normal, PartStyle::Ghost, PartStyle::Highlight,
                       PartStyle::Highlight};
  const core::Image out = render(frame, target);
  const std::string path = test::writeTestPng("sample_overlay", out);
  EXPECT_FALSE(path.empty());
  std::printf("sample overlay: %s\n", path.c_str());
}

// Opt-in look check on a real imported model: RIVET_RENDER_SAMPLE_MODEL=path/to/model.rmdl (e.g. the robot-cell
// pack's models/robot.rmdl built by target sample_packs); highlights the part named by RIVET_RENDER_SAMPLE_PART.
TEST_F(RendererTest, SampleOfImportedModel) {
  const char* path = std::getenv("RIVET_RENDER_SAMPLE_MODEL");
  if (path == nullptr) GTEST_SKIP() << "set RIVET_RENDER_SAMPLE_MODEL to a .rmdl file";
  auto model = content::loadModel(path);
  ASSERT_TRUE(model.ok()) << model.error().describe();
  ASSERT_TRUE(renderer_->setModel(*model).ok());
  const auto& b = model->bounds;
  const core::Vec3d centre{(b.min[0] + b.max[0]) / 2.0, (b.min[1] + b.max[1]) / 2.0, (b.min[2] + b.max[2]) / 2.0};
  const double radius = 0.5 * core::Vec3d{b.max[0] - b.min[0], b.max[1] - b.min[1], b.max[2] - b.min[2]}.norm();
  constexpr int kW = 640, kH = 480;
  const auto camera = test::testCamera(kW, kH);
  core::Pose pose = test::lookAtOrigin(2.0 * radius, 35, 20);
  pose.t = pose.t - pose.R * centre;
  const int target = newTarget(kW, kH);
  FrameDesc frame;
  frame.views.push_back(test::makeView(camera, pose, target));
  frame.part_styles.assign(model->parts.size(), PartStyle::Normal);
  const char* part = std::getenv("RIVET_RENDER_SAMPLE_PART");
  if (part != nullptr && model->findPart(part) >= 0) {
    frame.part_styles[static_cast<size_t>(model->findPart(part))] = PartStyle::Highlight;
  }
  const core::Image out = render(frame, target);
  std::printf("imported model sample: %s (%zu parts, %zu triangles)\n",
              test::writeTestPng("sample_imported_model", out).c_str(), model->parts.size(), model->indices.size() / 3);
  auto mask = renderer_->renderMask(frame.views[0], kW, kH);
  ASSERT_TRUE(mask.ok());
  EXPECT_GT(std::count(mask->pixels.begin(), mask->pixels.end(), 255), kW * kH / 50);
}

}  // namespace
}  // namespace rivet::render
