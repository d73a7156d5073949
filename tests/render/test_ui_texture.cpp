// UI texture tests (lavapipe, sync validation on): screen overlay looks as direct drawing did, world quad, resizing.
#include <gtest/gtest.h>
#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <functional>

#include "render_test_util.hpp"
#include "validated_renderer_test.hpp"
#include "rivet/render/renderer.hpp"

namespace rivet::render {
namespace {

constexpr int kWidth = 320;
constexpr int kHeight = 240;
constexpr int kGrey = 40;  // the dark grey of a target without background (sRGB)

class UiTextureTest : public test::ValidatedRendererTest {
 protected:
  void SetUp() override {
    ValidatedRendererTest::SetUp();
    if (HasFatalFailure()) return;
    ImGui::CreateContext();
    ImGui::GetIO().IniFilename = nullptr;
    ImGui::GetIO().DisplaySize = ImVec2(kWidth, kHeight);
    auto ui = renderer_->initUi();
    ASSERT_TRUE(ui.ok()) << ui.error().describe();
  }
  void beforeDestroy() override { renderer_->shutdownUi(); }
  void afterDestroy() override { ImGui::DestroyContext(); }

  int newTarget(int width = kWidth, int height = kHeight) {
    auto target = renderer_->createOffscreenTarget(width, height);
    EXPECT_TRUE(target.ok()) << (target.ok() ? "" : target.error().describe());
    return target.ok() ? *target : -1;
  }

  // One ImGui frame of the given display size built by `build`, ending in ImGui::Render().
  static void buildUi(int width, int height, const std::function<void()>& build) {
    ImGui::GetIO().DisplaySize = ImVec2(static_cast<float>(width), static_cast<float>(height));
    ImGui::NewFrame();
    build();
    ImGui::Render();
  }
  // The whole UI one opaque colour: shows exactly where the UI texture lands.
  static void fillUi(int width, int height, ImU32 colour) {
    buildUi(width, height, [&] {
      ImGui::GetBackgroundDrawList()->AddRectFilled(ImVec2(0, 0), ImVec2(static_cast<float>(width),
                                                                        static_cast<float>(height)), colour);
    });
  }

  core::Image render(const FrameDesc& frame, int target) {
    const auto rendered = renderer_->renderFrame(frame);
    EXPECT_TRUE(rendered.ok()) << (rendered.ok() ? "" : rendered.error().describe());
    auto image = renderer_->readback(target);
    EXPECT_TRUE(image.ok()) << (image.ok() ? "" : image.error().describe());
    return image.ok() ? std::move(*image) : core::Image();
  }

};

// What ImGui's blending (in sRGB space, onto the picture) gives for an 8-bit colour `src` with alpha `a` over `dst`.
double over(int src, int a, double dst) { return src * a / 255.0 + dst * (1.0 - a / 255.0); }

void expectRgb(const std::array<int, 4>& p, double r, double g, double b, double tolerance, const char* what) {
  EXPECT_NEAR(p[0], r, tolerance) << what;
  EXPECT_NEAR(p[1], g, tolerance) << what;
  EXPECT_NEAR(p[2], b, tolerance) << what;
}

bool isColour(const std::array<int, 4>& p, int r, int g, int b, int tolerance = 2) {
  return std::abs(p[0] - r) <= tolerance && std::abs(p[1] - g) <= tolerance && std::abs(p[2] - b) <= tolerance;
}

TEST_F(UiTextureTest, ScreenOverlayLooksLikeDrawingStraightOntoTheTarget) {
  const int target = newTarget();
  const ImGuiWindowFlags flags = ImGuiWindowFlags_NoTitleBar | ImGuiWindowFlags_NoResize |
                                 ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoScrollbar;
  buildUi(kWidth, kHeight, [&] {
    ImDrawList* draw = ImGui::GetForegroundDrawList();
    draw->AddRectFilled(ImVec2(40, 40), ImVec2(120, 100), IM_COL32(200, 100, 50, 255));
    draw->AddRectFilled(ImVec2(160, 40), ImVec2(240, 100), IM_COL32(255, 255, 255, 128));
    // Two translucent layers: the texture must accumulate them as blending onto the picture would.
    draw->AddRectFilled(ImVec2(20, 120), ImVec2(80, 160), IM_COL32(255, 0, 0, 128));
    draw->AddRectFilled(ImVec2(50, 120), ImVec2(110, 160), IM_COL32(0, 0, 255, 128));
    ImGui::SetNextWindowPos(ImVec2(150, 130));
    ImGui::SetNextWindowSize(ImVec2(160, 90));
    ImGui::Begin("Step 3 of 7", nullptr, flags);
    ImGui::TextUnformatted("Loosen the plug");
    ImGui::End();
  });
  FrameDesc frame;
  frame.draw_ui = true;  // ScreenOverlay, UI size = the target's
  frame.views.push_back(test::makeView(test::testCamera(kWidth, kHeight), test::lookAtOrigin(0.5, 0, 0), target));
  const core::Image out = render(frame, target);
  test::writeTestPng("ui_texture_overlay", out);
  EXPECT_EQ(renderer_->lastFrameStats().ui_width, kWidth);
  EXPECT_EQ(renderer_->lastFrameStats().ui_height, kHeight);

  expectRgb(test::pixel(out, 80, 70), 200, 100, 50, 1, "opaque rectangle");
  expectRgb(test::pixel(out, 200, 70), over(255, 128, kGrey), over(255, 128, kGrey), over(255, 128, kGrey), 2,
            "half white over grey");
  const double red = over(255, 128, kGrey);
  const double other = over(0, 128, kGrey);
  expectRgb(test::pixel(out, 30, 140), red, other, other, 2, "red layer");
  expectRgb(test::pixel(out, 65, 140), over(0, 128, red), over(0, 128, other), over(255, 128, other), 2,
            "blue over red over grey");
  const ImVec4 bg = ImGui::GetStyleColorVec4(ImGuiCol_WindowBg);
  const auto byte = [](float v) { return static_cast<int>(std::clamp(v, 0.0f, 1.0f) * 255.0f + 0.5f); };
  const int a = byte(bg.w);
  expectRgb(test::pixel(out, 290, 200), over(byte(bg.x), a, kGrey), over(byte(bg.y), a, kGrey),
            over(byte(bg.z), a, kGrey), 2, "window background");
  expectRgb(test::pixel(out, 300, 20), kGrey, kGrey, kGrey, 0, "no UI: untouched");
  expectRgb(test::pixel(out, 5, 235), kGrey, kGrey, kGrey, 0, "no UI: untouched");

  // Two targets in one frame (stereo) get the same overlay from the one UI texture.
  const int second = newTarget();
  frame.views.push_back(test::makeView(test::testCamera(kWidth, kHeight), test::lookAtOrigin(0.5, 0, 0), second));
  ASSERT_TRUE(renderer_->renderFrame(frame).ok());
  for (const int t : {target, second}) {
    auto image = renderer_->readback(t);
    ASSERT_TRUE(image.ok());
    EXPECT_EQ(test::maxChannelDifference(*image, out), 0) << "target " << t;
  }
}

TEST_F(UiTextureTest, ScreenOverlayOfASmallerUiIsStretchedOverTheTarget) {
  const int target = newTarget();
  buildUi(80, 60, [] {
    ImGui::GetForegroundDrawList()->AddRectFilled(ImVec2(10, 10), ImVec2(30, 20), IM_COL32(30, 200, 120, 255));
  });
  FrameDesc frame;
  frame.draw_ui = true;
  frame.ui_width = 80;
  frame.ui_height = 60;
  frame.views.push_back(test::makeView(test::testCamera(kWidth, kHeight), test::lookAtOrigin(0.5, 0, 0), target));
  const core::Image out = render(frame, target);
  EXPECT_EQ(renderer_->lastFrameStats().ui_width, 80);
  EXPECT_EQ(renderer_->lastFrameStats().ui_height, 60);
  // x4 in both directions: the rectangle covers (40, 40)-(120, 80) of the target.
  EXPECT_TRUE(isColour(test::pixel(out, 80, 60), 30, 200, 120, 1));
  EXPECT_TRUE(isColour(test::pixel(out, 44, 44), 30, 200, 120, 1));
  EXPECT_TRUE(isColour(test::pixel(out, 115, 75), 30, 200, 120, 1));
  EXPECT_TRUE(isColour(test::pixel(out, 34, 60), kGrey, kGrey, kGrey, 0));
  EXPECT_TRUE(isColour(test::pixel(out, 126, 60), kGrey, kGrey, kGrey, 0));
  EXPECT_TRUE(isColour(test::pixel(out, 80, 86), kGrey, kGrey, kGrey, 0));
}

// A quad d metres in front of the camera `T_camera_model`, upright and readable, width_m x height_m.
UiQuad quadInFrontOf(const core::Pose& T_camera_model, double d, float width_m, float height_m) {
  core::Pose ahead;
  ahead.t = {0, 0, d};
  UiQuad quad;
  quad.T_world_quad = core::Mat4f::fromPose(T_camera_model.inverse() * ahead);
  quad.width_m = width_m;
  quad.height_m = height_m;
  return quad;
}

TEST_F(UiTextureTest, WorldQuadAppearsWhereItProjectsAndBehindTheModel) {
  const auto camera = test::testCamera(kWidth, kHeight);
  const test::Box cube{"cube", {0, 0, 0}, {0.04, 0.04, 0.04}};
  ASSERT_TRUE(renderer_->setModel(test::makeBoxes({cube})).ok());
  const core::Pose centre_pose = test::lookAtOrigin(0.5, 0, 0);
  // Two eyes 6 cm apart, as a headset's views: each its own target and T_view.
  core::Pose left_eye;
  left_eye.t = {0.03, 0, 0};
  core::Pose right_eye;
  right_eye.t = {-0.03, 0, 0};
  const std::array<core::Pose, 2> eyes{left_eye * centre_pose, right_eye * centre_pose};
  const std::array<int, 2> targets{newTarget(), newTarget()};

  constexpr int kUiW = 200, kUiH = 150;
  constexpr float kQuadW = 0.2f, kQuadH = 0.15f;
  fillUi(kUiW, kUiH, IM_COL32(30, 200, 120, 255));
  FrameDesc frame;
  frame.draw_ui = true;
  frame.ui_width = kUiW;
  frame.ui_height = kUiH;
  frame.ui_placement = UiPlacement::WorldQuad;
  for (size_t e = 0; e < eyes.size(); ++e) frame.views.push_back(test::makeView(camera, eyes[e], targets[e]));

  FrameDesc no_ui = frame;
  no_ui.draw_ui = false;
  ASSERT_TRUE(renderer_->renderFrame(no_ui).ok());
  std::array<core::Image, 2> plain;
  for (size_t e = 0; e < eyes.size(); ++e) {
    auto image = renderer_->readback(targets[e]);
    ASSERT_TRUE(image.ok());
    plain[e] = std::move(*image);
  }

  for (const double d : {0.6, 0.3}) {  // behind the cube's front face (0.46 m), then in front of the whole cube
    frame.ui_quad = quadInFrontOf(centre_pose, d, kQuadW, kQuadH);
    ASSERT_TRUE(renderer_->renderFrame(frame).ok());
    for (size_t e = 0; e < eyes.size(); ++e) {
      auto image = renderer_->readback(targets[e]);
      ASSERT_TRUE(image.ok());
      const core::Image& out = *image;
      test::writeTestPng("ui_texture_quad_" + std::to_string(static_cast<int>(d * 100)) + "cm_eye" +
                             std::to_string(e),
                         out);
      // The quad's corners (quad x right, y down) through this eye.
      const core::Pose T_model_centre = centre_pose.inverse();
      auto corner = [&](double sx, double sy) {
        return test::project(camera, eyes[e], T_model_centre * core::Vec3d{sx * kQuadW / 2, sy * kQuadH / 2, d});
      };
      const core::Vec2d tl = corner(-1, -1);
      const core::Vec2d br = corner(1, 1);
      const core::Vec2d mid = corner(0, 0);
      const std::string where = "d " + std::to_string(d) + " eye " + std::to_string(e);
      ASSERT_GT(tl.x, 3) << where;
      ASSERT_LT(br.x, kWidth - 4) << where;
      // Inside the quad, away from the cube (which spans about +-30 px around the middle): the UI.
      for (const core::Vec2d& p : {core::Vec2d{tl.x + 3, tl.y + 3}, core::Vec2d{br.x - 3, br.y - 3},
                                   core::Vec2d{tl.x + 3, mid.y}, core::Vec2d{br.x - 3, mid.y}}) {
        const auto px = test::pixel(out, static_cast<int>(std::lround(p.x)), static_cast<int>(std::lround(p.y)));
        EXPECT_TRUE(isColour(px, 30, 200, 120)) << where << " at " << p.x << "," << p.y << ": " << px[0] << " "
                                                << px[1] << " " << px[2];
      }
      // Just outside the quad: the picture without UI.
      for (const core::Vec2d& p : {core::Vec2d{tl.x - 3, mid.y}, core::Vec2d{br.x + 3, mid.y},
                                   core::Vec2d{mid.x, tl.y - 3}, core::Vec2d{mid.x, br.y + 3}}) {
        const int x = static_cast<int>(std::lround(p.x));
        const int y = static_cast<int>(std::lround(p.y));
        EXPECT_EQ(test::pixel(out, x, y), test::pixel(plain[e], x, y)) << where << " at " << x << "," << y;
      }
      // Where the cube is: hidden by it when behind, covering it when in front.
      const core::Vec2d cube_centre = test::project(camera, eyes[e], {0, 0, 0});
      const int cx = static_cast<int>(std::lround(cube_centre.x));
      const int cy = static_cast<int>(std::lround(cube_centre.y));
      ASSERT_FALSE(isColour(test::pixel(plain[e], cx, cy), 30, 200, 120, 30));
      if (d > 0.5) {
        EXPECT_EQ(test::pixel(out, cx, cy), test::pixel(plain[e], cx, cy)) << where << ": the cube hides the UI";
      } else {
        EXPECT_TRUE(isColour(test::pixel(out, cx, cy), 30, 200, 120)) << where << ": the UI covers the cube";
      }
    }
  }
  // The two eyes see the quad at different places (parallax), so the pictures differ.
  auto left = renderer_->readback(targets[0]);
  auto right = renderer_->readback(targets[1]);
  ASSERT_TRUE(left.ok() && right.ok());
  EXPECT_GT(test::maxChannelDifference(*left, *right), 100);
}

TEST_F(UiTextureTest, WorldQuadWithoutModelAndTransparentUi) {
  const auto camera = test::testCamera(kWidth, kHeight);
  const core::Pose pose = test::lookAtOrigin(0.5, 0, 0);
  const int target = newTarget();
  // Only a small rectangle in the middle of a 100 x 100 UI: the rest of the quad is transparent.
  buildUi(100, 100, [] {
    ImGui::GetForegroundDrawList()->AddRectFilled(ImVec2(40, 40), ImVec2(60, 60), IM_COL32(250, 250, 0, 255));
  });
  FrameDesc frame;
  frame.draw_ui = true;
  frame.model_visible = false;  // tracking lost (and no model set): the ID pass has nothing in it
  frame.ui_width = 100;
  frame.ui_height = 100;
  frame.ui_placement = UiPlacement::WorldQuad;
  frame.ui_quad = quadInFrontOf(pose, 0.5, 0.2f, 0.2f);
  frame.views.push_back(test::makeView(camera, pose, target));
  const core::Image out = render(frame, target);
  const core::Vec2d mid = test::project(camera, pose, pose.inverse() * core::Vec3d{0, 0, 0.5});
  const core::Vec2d corner = test::project(camera, pose, pose.inverse() * core::Vec3d{0.09, 0.09, 0.5});
  EXPECT_TRUE(isColour(test::pixel(out, static_cast<int>(std::lround(mid.x)), static_cast<int>(std::lround(mid.y))),
                       250, 250, 0));
  EXPECT_TRUE(isColour(test::pixel(out, static_cast<int>(std::lround(corner.x)),
                                   static_cast<int>(std::lround(corner.y))),
                       kGrey, kGrey, kGrey, 0));
}

TEST_F(UiTextureTest, UiInFramesInFlightMatchesUiDrawnAlone) {
  ASSERT_TRUE(renderer_->setModel(test::makeBoxes({{"cube", {0, 0, 0}, {0.04, 0.04, 0.04}}})).ok());
  const auto camera = test::testCamera(kWidth, kHeight);
  const core::Pose pose = test::lookAtOrigin(0.5, 30, 20);
  const int a = newTarget();
  const int b = newTarget();
  auto drawUi = [](int i) {
    buildUi(kWidth, kHeight, [i] {
      ImGui::GetForegroundDrawList()->AddRectFilled(ImVec2(10.0f + 10.0f * static_cast<float>(i), 10),
                                                    ImVec2(200, 150), IM_COL32(200, 100, 50, 200));
    });
  };
  for (const UiPlacement placement : {UiPlacement::ScreenOverlay, UiPlacement::WorldQuad}) {
    FrameDesc frame;
    frame.draw_ui = true;
    frame.ui_placement = placement;
    frame.ui_quad = quadInFrontOf(pose, 0.45, 0.2f, 0.15f);
    frame.views = {test::makeView(camera, pose, a), test::makeView(camera, pose, b)};
    for (int i = 0; i < 6; ++i) {  // the UI changes every frame while the frame before is still in flight
      drawUi(i);
      ASSERT_TRUE(renderer_->beginFrame().ok());
      ASSERT_TRUE(renderer_->renderFrame(frame).ok());
      ASSERT_TRUE(renderer_->endFrame().ok());
    }
    auto in_flight = renderer_->readback(b);
    ASSERT_TRUE(in_flight.ok());
    frame.views.pop_back();
    ASSERT_TRUE(renderer_->renderFrame(frame).ok());  // the same (last) draw data, submitted and waited for
    auto reference = renderer_->readback(a);
    ASSERT_TRUE(reference.ok());
    EXPECT_EQ(test::maxChannelDifference(*reference, *in_flight), 0) << static_cast<int>(placement);
  }
}

TEST_F(UiTextureTest, UiTextureFollowsTheUiSizeWithoutLeaking) {
  const int target = newTarget(160, 120);
  struct Size {
    int w, h;
  };
  // 0 x 0 = the target's size (160 x 120).
  const std::array<Size, 3> sizes{{{0, 0}, {80, 60}, {200, 100}}};
  std::array<Size, 2> slot_size{{{-1, -1}, {-1, -1}}};  // what each frame slot's texture should be (serial % 2)
  std::uint64_t expected_created = renderer_->lastFrameStats().ui_textures_created;
  for (int i = 0; i < 100; ++i) {
    const Size requested = sizes[static_cast<size_t>((i / 7) % 3)];  // a new size every 7 frames
    const Size actual = requested.w == 0 ? Size{160, 120} : requested;
    fillUi(actual.w, actual.h, IM_COL32(30, 200, 120, 255));
    FrameDesc frame;
    frame.draw_ui = true;
    frame.ui_width = requested.w;
    frame.ui_height = requested.h;
    frame.views.push_back(test::makeView(test::testCamera(160, 120), test::lookAtOrigin(0.5, 0, 0), target));
    auto begun = renderer_->beginFrame();
    ASSERT_TRUE(begun.ok());
    ASSERT_TRUE(renderer_->renderFrame(frame).ok());
    ASSERT_TRUE(renderer_->endFrame().ok());
    Size& slot = slot_size[begun->frame_index % 2];
    if (slot.w != actual.w || slot.h != actual.h) {
      ++expected_created;
      slot = actual;
    }
    const FrameStats stats = renderer_->lastFrameStats();
    ASSERT_EQ(stats.ui_width, actual.w) << "frame " << i;
    ASSERT_EQ(stats.ui_height, actual.h) << "frame " << i;
    ASSERT_EQ(stats.ui_textures_created, expected_created) << "frame " << i << ": recreated only on size change";
    if (i % 10 == 9) {  // the whole target is UI, whatever the UI size
      auto image = renderer_->readback(target);
      ASSERT_TRUE(image.ok());
      EXPECT_TRUE(isColour(test::pixel(*image, 1, 1), 30, 200, 120, 1)) << "frame " << i;
      EXPECT_TRUE(isColour(test::pixel(*image, 158, 118), 30, 200, 120, 1)) << "frame " << i;
    }
  }
  // 15 size runs over 100 frames, two slots each: bounded by the changes, not the frame count.
  EXPECT_LE(renderer_->lastFrameStats().ui_textures_created, 2u * 15u);
  // A frame without UI reports no UI texture.
  FrameDesc plain;
  plain.views.push_back(test::makeView(test::testCamera(160, 120), test::lookAtOrigin(0.5, 0, 0), target));
  ASSERT_TRUE(renderer_->renderFrame(plain).ok());
  EXPECT_EQ(renderer_->lastFrameStats().ui_width, 0);
  // Leaks: textures not freed would be reported by the validation layer at vkDestroyDevice (TearDown checks).
}

TEST_F(UiTextureTest, BadUiSettingsGetClearErrors) {
  const int target = newTarget();
  fillUi(kWidth, kHeight, IM_COL32(30, 200, 120, 255));
  FrameDesc frame;
  frame.draw_ui = true;
  frame.views.push_back(test::makeView(test::testCamera(kWidth, kHeight), test::lookAtOrigin(0.5, 0, 0), target));
  frame.ui_width = -5;
  frame.ui_height = 10;
  EXPECT_FALSE(renderer_->renderFrame(frame).ok());
  frame.ui_width = 100;
  frame.ui_height = 0;
  EXPECT_FALSE(renderer_->renderFrame(frame).ok());
  frame.ui_height = 100;
  frame.ui_placement = UiPlacement::WorldQuad;
  frame.ui_quad.width_m = 0;
  const auto zero = renderer_->renderFrame(frame);
  ASSERT_FALSE(zero.ok());
  EXPECT_NE(zero.error().message.find("quad"), std::string::npos) << zero.error().describe();
  frame.ui_quad.width_m = 0.3f;
  frame.ui_quad.T_world_quad.at(0, 3) = NAN;
  EXPECT_FALSE(renderer_->renderFrame(frame).ok());
  frame.ui_quad.T_world_quad.at(0, 3) = 0;
  EXPECT_TRUE(renderer_->renderFrame(frame).ok());
}

}  // namespace
}  // namespace rivet::render
