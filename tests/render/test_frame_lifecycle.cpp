// Frame lifecycle on lavapipe with sync validation: beginFrame/renderFrame/endFrame with two frames in flight.
#include <gtest/gtest.h>
#include <imgui.h>

#include <string>

#include "render_test_util.hpp"
#include "validated_renderer_test.hpp"
#include "rivet/render/renderer.hpp"

namespace rivet::render {
namespace {

constexpr int kWidth = 160;
constexpr int kHeight = 120;

core::Image solid(int width, int height, std::uint8_t r, std::uint8_t g, std::uint8_t b) {
  core::Image image(width, height, core::PixelFormat::Rgba8);
  for (size_t i = 0; i < image.pixels.size(); i += 4) {
    image.pixels[i] = r;
    image.pixels[i + 1] = g;
    image.pixels[i + 2] = b;
    image.pixels[i + 3] = 255;
  }
  return image;
}

class FrameLifecycleTest : public test::ValidatedRendererTest {
 protected:
  FrameDesc frameFor(std::initializer_list<int> targets) const {
    FrameDesc frame;
    for (const int t : targets) {
      frame.views.push_back(test::makeView(test::testCamera(kWidth, kHeight), test::lookAtOrigin(0.45, 30, 20), t));
    }
    return frame;
  }
};

TEST_F(FrameLifecycleTest, FramesInFlightGiveTheSamePicturesAsRenderFrameAlone) {
  ASSERT_TRUE(renderer_->setModel(test::makeBoxes({{"cube", {0, 0, 0}, {0.04, 0.04, 0.04}}})).ok());
  auto a = renderer_->createOffscreenTarget(kWidth, kHeight);
  auto b = renderer_->createOffscreenTarget(kWidth, kHeight);
  ASSERT_TRUE(a.ok() && b.ok());
  std::uint64_t last_index = 0;
  for (int i = 0; i < 6; ++i) {
    const auto shade = static_cast<std::uint8_t>(30 * i + 20);
    ASSERT_TRUE(renderer_->setBackground(*a, solid(kWidth, kHeight, shade, 10, 200)).ok());
    ASSERT_TRUE(renderer_->setBackground(*b, solid(32 + i, 24, 200, shade, 10)).ok());  // size changes each frame
    auto begun = renderer_->beginFrame();
    ASSERT_TRUE(begun.ok()) << begun.error().describe();
    EXPECT_GT(begun->frame_index, last_index);
    last_index = begun->frame_index;
    ASSERT_EQ(begun->targets.size(), 2u);
    for (const auto& t : begun->targets) {
      EXPECT_TRUE(t.acquired);
      EXPECT_EQ(t.width, kWidth);
      EXPECT_EQ(t.height, kHeight);
    }
    FrameDesc frame = frameFor({*a, *b});
    frame.part_styles = {i % 2 == 0 ? PartStyle::Highlight : PartStyle::Normal};
    ASSERT_TRUE(renderer_->renderFrame(frame).ok());
    ASSERT_TRUE(renderer_->endFrame().ok());
    if (i == 2 || i == 5) {  // readback waits for the frame's work
      auto image = renderer_->readback(*a);
      ASSERT_TRUE(image.ok());
      EXPECT_NEAR(test::pixel(*image, 3, 3)[0], shade, 1);
      EXPECT_NEAR(test::pixel(*image, 3, 3)[2], 200, 1);
      auto other = renderer_->readback(*b);
      ASSERT_TRUE(other.ok());
      EXPECT_NEAR(test::pixel(*other, 3, 3)[1], shade, 1);
      // The same frame on its own (submit and wait) gives the same pixels.
      ASSERT_TRUE(renderer_->setBackground(*a, solid(kWidth, kHeight, shade, 10, 200)).ok());
      ASSERT_TRUE(renderer_->renderFrame(frameFor({*a})).ok());
      FrameDesc alone = frameFor({*a});
      alone.part_styles = frame.part_styles;
      ASSERT_TRUE(renderer_->renderFrame(alone).ok());
      auto reference = renderer_->readback(*a);
      ASSERT_TRUE(reference.ok());
      EXPECT_EQ(test::maxChannelDifference(*reference, *image), 0);
    }
  }
  const FrameStats stats = renderer_->lastFrameStats();
  EXPECT_GT(stats.record_ms, 0.0);
  EXPECT_GE(stats.total_ms, stats.record_ms);
}

TEST_F(FrameLifecycleTest, BackgroundSetAfterRenderFrameAppliesToTheNextFrame) {
  auto target = renderer_->createOffscreenTarget(kWidth, kHeight);
  ASSERT_TRUE(target.ok());
  ASSERT_TRUE(renderer_->setBackground(*target, solid(kWidth, kHeight, 250, 0, 0)).ok());
  ASSERT_TRUE(renderer_->beginFrame().ok());
  ASSERT_TRUE(renderer_->renderFrame(frameFor({*target})).ok());
  ASSERT_TRUE(renderer_->setBackground(*target, solid(kWidth, kHeight, 0, 250, 0)).ok());
  ASSERT_TRUE(renderer_->endFrame().ok());
  auto first = renderer_->readback(*target);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(test::pixel(*first, 5, 5)[0], 250);
  ASSERT_TRUE(renderer_->beginFrame().ok());
  ASSERT_TRUE(renderer_->renderFrame(frameFor({*target})).ok());
  ASSERT_TRUE(renderer_->endFrame().ok());
  auto second = renderer_->readback(*target);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(test::pixel(*second, 5, 5)[1], 250);
}

TEST_F(FrameLifecycleTest, MisuseGetsClearErrors) {
  auto target = renderer_->createOffscreenTarget(kWidth, kHeight);
  ASSERT_TRUE(target.ok());
  EXPECT_FALSE(renderer_->endFrame().ok());  // no frame begun
  ASSERT_TRUE(renderer_->beginFrame().ok());
  const auto twice = renderer_->beginFrame();
  ASSERT_FALSE(twice.ok());
  EXPECT_NE(twice.error().message.find("twice"), std::string::npos);
  ASSERT_TRUE(renderer_->renderFrame(frameFor({*target})).ok());
  const auto again = renderer_->renderFrame(frameFor({*target}));
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.error().message.find("already"), std::string::npos);
  const auto early = renderer_->readback(*target);
  ASSERT_FALSE(early.ok());
  EXPECT_NE(early.error().hint.find("endFrame"), std::string::npos);
  ASSERT_TRUE(renderer_->endFrame().ok());
  EXPECT_TRUE(renderer_->readback(*target).ok());
  // Without VK_KHR_surface there are no swapchains; the error says what to request.
  const auto swapchain = renderer_->createSwapchainTarget(0x1234, 64, 64, true);
  ASSERT_FALSE(swapchain.ok());
  EXPECT_NE(swapchain.error().message.find("VK_KHR_surface"), std::string::npos) << swapchain.error().describe();
  EXPECT_FALSE(renderer_->supportsPresent(0x1234));
  EXPECT_FALSE(renderer_->resizeSwapchain(*target, 10, 10).ok());  // not a swapchain
}

TEST_F(FrameLifecycleTest, DestroyedTargetsAreFreedAfterTheirFrameAndIdsReused) {
  auto keep = renderer_->createOffscreenTarget(kWidth, kHeight);
  auto drop = renderer_->createOffscreenTarget(kWidth, kHeight);
  ASSERT_TRUE(keep.ok() && drop.ok());
  ASSERT_TRUE(renderer_->beginFrame().ok());
  ASSERT_TRUE(renderer_->renderFrame(frameFor({*keep, *drop})).ok());
  renderer_->destroyTarget(*drop);  // still in this frame's commands: freed once they have run
  EXPECT_FALSE(renderer_->readback(*drop).ok());
  ASSERT_TRUE(renderer_->endFrame().ok());
  auto begun = renderer_->beginFrame();
  ASSERT_TRUE(begun.ok());
  ASSERT_EQ(begun->targets.size(), 1u);
  EXPECT_EQ(begun->targets[0].target, *keep);
  EXPECT_FALSE(renderer_->renderFrame(frameFor({*keep, *drop})).ok());  // gone
  ASSERT_TRUE(renderer_->renderFrame(frameFor({*keep})).ok());
  ASSERT_TRUE(renderer_->endFrame().ok());
  auto reused = renderer_->createOffscreenTarget(64, 48);
  ASSERT_TRUE(reused.ok());
  EXPECT_EQ(*reused, *drop);
  ASSERT_TRUE(renderer_->renderFrame(frameFor({*reused})).ok());
  renderer_->destroyTarget(*reused);
  renderer_->destroyTarget(*reused);  // unknown by now: ignored
  // Many targets made and destroyed do not run out of ids or descriptor sets.
  for (int i = 0; i < 200; ++i) {
    auto t = renderer_->createOffscreenTarget(16, 16);
    ASSERT_TRUE(t.ok()) << i << ": " << t.error().describe();
    ASSERT_TRUE(renderer_->beginFrame().ok());
    ASSERT_TRUE(renderer_->renderFrame(frameFor({*t})).ok());
    ASSERT_TRUE(renderer_->endFrame().ok());
    renderer_->destroyTarget(*t);
  }
}

TEST_F(FrameLifecycleTest, UiInFramesInFlightMatchesUiDrawnAlone) {
  auto a = renderer_->createOffscreenTarget(kWidth, kHeight);
  auto b = renderer_->createOffscreenTarget(kWidth, kHeight);
  ASSERT_TRUE(a.ok() && b.ok());
  ImGui::CreateContext();
  ImGui::GetIO().DisplaySize = ImVec2(kWidth, kHeight);
  ImGui::GetIO().IniFilename = nullptr;
  ASSERT_TRUE(renderer_->initUi().ok());
  auto drawUi = [](int i) {
    ImGui::NewFrame();
    ImGui::GetForegroundDrawList()->AddRectFilled(ImVec2(10.0f + 10.0f * static_cast<float>(i), 10), ImVec2(60, 50),
                                                  IM_COL32(200, 100, 50, 255));
    ImGui::Render();
  };
  for (int i = 0; i < 5; ++i) {
    drawUi(i);
    FrameDesc frame = frameFor({*a, *b});
    frame.draw_ui = true;
    ASSERT_TRUE(renderer_->beginFrame().ok());
    ASSERT_TRUE(renderer_->renderFrame(frame).ok());
    ASSERT_TRUE(renderer_->endFrame().ok());
  }
  auto in_flight = renderer_->readback(*b);
  ASSERT_TRUE(in_flight.ok());
  FrameDesc alone = frameFor({*a});
  alone.draw_ui = true;
  ASSERT_TRUE(renderer_->renderFrame(alone).ok());  // the same (last) draw data, submitted and waited for
  auto reference = renderer_->readback(*a);
  ASSERT_TRUE(reference.ok());
  EXPECT_EQ(test::maxChannelDifference(*reference, *in_flight), 0);
  EXPECT_EQ(test::pixel(*in_flight, 55, 45)[0], 200);
  EXPECT_EQ(test::pixel(*in_flight, 45, 45)[0], 40);  // left of the last rectangle (x from 50)
  renderer_->shutdownUi();
  ImGui::DestroyContext();
}

TEST_F(FrameLifecycleTest, DestroyingTheRendererInsideAFrameIsClean) {
  auto target = renderer_->createOffscreenTarget(kWidth, kHeight);
  ASSERT_TRUE(target.ok());
  ASSERT_TRUE(renderer_->beginFrame().ok());
  ASSERT_TRUE(renderer_->renderFrame(frameFor({*target})).ok());
  renderer_.reset();  // finishes the frame first
}

}  // namespace
}  // namespace rivet::render
