// Desktop window tests on a private Xvfb: a real GLFW window, a lavapipe swapchain with (sync) validation, screenshots
// taken with ImageMagick's import, and real pointer and key input through xdotool.
#include <gtest/gtest.h>
#include <stb/stb_image.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <unistd.h>

#include "../common/run_command.hpp"
#include "../common/xvfb.hpp"
#include "rivet/core/image.hpp"
#include "rivet/platform/window.hpp"
#include "rivet/render/renderer.hpp"

namespace rivet {
namespace {

constexpr std::array<int, 3> kColour{200, 60, 30};  // sRGB-encoded background

core::Image solid(int width, int height, const std::array<int, 3>& rgb) {
  core::Image image(width, height, core::PixelFormat::Rgba8);
  for (size_t i = 0; i < image.pixels.size(); i += 4) {
    for (size_t c = 0; c < 3; ++c) image.pixels[i + c] = static_cast<std::uint8_t>(rgb[c]);
    image.pixels[i + 3] = 255;
  }
  return image;
}

std::string outputPath(const std::string& name) {
  const std::filesystem::path dir = std::filesystem::path(RIVET_BINARY_DIR) / "test-output" / "platform";
  std::filesystem::create_directories(dir);
  return (dir / (name + ".png")).string();
}

// The X window id of the window titled `title` (xdotool), "" when there is none.
std::string windowId(const std::string& title) {
  const auto found = test::runCommand("xdotool search --name '^" + title + "$'", false);
  const std::string id = found.out.substr(0, found.out.find('\n'));
  return found.code == 0 ? id : std::string();
}

// A screenshot with ImageMagick's import of one window (its size) or of the whole screen ("root"), as Rgba8.
std::optional<core::Image> screenshot(const std::string& window, const std::string& name) {
  const std::string path = outputPath(name);
  const auto taken = test::runCommand("import -window " + window + " " + path);
  if (taken.code != 0) {
    ADD_FAILURE() << "import failed: " << taken.out;
    return std::nullopt;
  }
  int w = 0, h = 0, channels = 0;
  unsigned char* pixels = stbi_load(path.c_str(), &w, &h, &channels, 4);
  if (pixels == nullptr) {
    ADD_FAILURE() << "cannot read " << path;
    return std::nullopt;
  }
  core::Image image(w, h, core::PixelFormat::Rgba8);
  std::copy(pixels, pixels + image.pixels.size(), image.pixels.begin());
  stbi_image_free(pixels);
  std::printf("screenshot: %s (%dx%d)\n", path.c_str(), w, h);
  return image;
}

bool near(const core::Image& image, int x, int y, const std::array<int, 3>& rgb, int tolerance) {
  const std::uint8_t* p = image.row(y) + 4 * x;
  for (size_t c = 0; c < 3; ++c) {
    if (std::abs(p[c] - rgb[c]) > tolerance) return false;
  }
  return true;
}

std::string describePixel(const core::Image& image, int x, int y) {
  const std::uint8_t* p = image.row(y) + 4 * x;
  return std::to_string(p[0]) + "," + std::to_string(p[1]) + "," + std::to_string(p[2]);
}

void settle() { std::this_thread::sleep_for(std::chrono::milliseconds(300)); }

class WindowTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string error;
    xvfb_ = test::Xvfb::start(&error);
    if (!xvfb_) start_error_ = error;
  }
  static void TearDownTestSuite() { xvfb_.reset(); }
  void SetUp() override { ASSERT_TRUE(xvfb_ != nullptr) << start_error_; }
  void TearDown() override {
    // After each test every renderer is gone: this count includes messages raised while destroying them.
    EXPECT_EQ(render::processValidationMessageCount(), 0u) << "Vulkan validation reported problems (see log)";
  }

  static std::string uniqueTitle(const std::string& what) {
    return "rivet-test-" + what + "-" + std::to_string(getpid());
  }

  static std::unique_ptr<platform::Window> makeWindow(const std::string& title, int width, int height) {
    auto window = platform::Window::create(title, width, height, false);
    EXPECT_TRUE(window.ok()) << (window.ok() ? "" : window.error().describe());
    return window.ok() ? std::move(*window) : nullptr;
  }

  static std::unique_ptr<render::Renderer> makeRenderer() {
    render::RendererOptions options;
    options.enable_validation = true;
    options.enable_sync_validation = true;
    options.prefer_software = true;
    options.requirements.instance_extensions = platform::Window::requiredInstanceExtensions();
    EXPECT_FALSE(options.requirements.instance_extensions.empty());
    auto renderer = render::Renderer::create(options);
    EXPECT_TRUE(renderer.ok()) << (renderer.ok() ? "" : renderer.error().describe());
    return renderer.ok() ? std::move(*renderer) : nullptr;
  }

  // Polls and renders `count` frames (background only, no UI); returns the last frame's view of `target`.
  static render::AcquiredTarget renderFrames(render::Renderer& renderer, platform::Window& window, int target,
                                             int count) {
    render::AcquiredTarget last;
    for (int i = 0; i < count; ++i) {
      window.pollEvents();
      auto begun = renderer.beginFrame();
      EXPECT_TRUE(begun.ok()) << (begun.ok() ? "" : begun.error().describe());
      if (!begun.ok()) return last;
      render::FrameDesc frame;
      frame.model_visible = false;
      for (const auto& t : begun->targets) {
        if (t.target == target) last = t;
        if (!t.acquired) continue;
        render::ViewSetup view;
        view.T_view_model = core::Mat4f::identity();
        view.projection = core::Mat4f::identity();
        view.target = t.target;
        frame.views.push_back(view);
      }
      if (!frame.views.empty()) {
        const auto rendered = renderer.renderFrame(frame);
        EXPECT_TRUE(rendered.ok()) << (rendered.ok() ? "" : rendered.error().describe());
      }
      const auto ended = renderer.endFrame();
      EXPECT_TRUE(ended.ok()) << (ended.ok() ? "" : ended.error().describe());
    }
    return last;
  }

  static inline std::unique_ptr<test::Xvfb> xvfb_;
  static inline std::string start_error_;
};

TEST_F(WindowTest, WithoutADisplayTheErrorSaysSoAndWhatToDo) {
  const std::string display = std::getenv("DISPLAY") != nullptr ? std::getenv("DISPLAY") : "";
  unsetenv("DISPLAY");
  auto none = platform::Window::create("no display", 320, 240, false);
  EXPECT_TRUE(platform::Window::requiredInstanceExtensions().empty());
  setenv("DISPLAY", ":4242", 1);  // set, but no X server there
  auto absent = platform::Window::create("no server", 320, 240, false);
  setenv("DISPLAY", display.c_str(), 1);
  ASSERT_FALSE(none.ok());
  const std::string text = none.error().describe();
  EXPECT_NE(none.error().message.find("DISPLAY is not set"), std::string::npos) << text;
  EXPECT_NE(none.error().hint.find("--headless"), std::string::npos) << text;
  EXPECT_NE(none.error().hint.find("Xvfb"), std::string::npos) << text;
  ASSERT_FALSE(absent.ok());
  EXPECT_NE(absent.error().message.find("':4242'"), std::string::npos) << absent.error().describe();
  EXPECT_NE(absent.error().hint.find("--headless"), std::string::npos);
  std::printf("no display: %s\nno server: %s\n", text.c_str(), absent.error().describe().c_str());
}

TEST_F(WindowTest, SwapchainShowsTheBackgroundAndFollowsResizes) {
  const std::string title = uniqueTitle("swapchain");
  auto window = makeWindow(title, 320, 240);
  ASSERT_TRUE(window);
  {
    auto renderer = makeRenderer();
    ASSERT_TRUE(renderer);
    auto surface = window->createSurface(renderer->nativeHandles().instance);
    ASSERT_TRUE(surface.ok()) << surface.error().describe();
    EXPECT_TRUE(renderer->supportsPresent(*surface));
    const auto [fb_w, fb_h] = window->framebufferSize();
    EXPECT_EQ(fb_w, 320);
    EXPECT_EQ(fb_h, 240);
    auto target = renderer->createSwapchainTarget(*surface, fb_w, fb_h, true);
    ASSERT_TRUE(target.ok()) << target.error().describe();
    ASSERT_TRUE(renderer->setBackground(*target, solid(64, 48, kColour)).ok());
    auto seen = renderFrames(*renderer, *window, *target, 4);
    EXPECT_TRUE(seen.acquired);
    EXPECT_EQ(seen.width, 320);
    EXPECT_EQ(seen.height, 240);
    // What the renderer drew (sRGB-encoded) is what the screen shows.
    auto drawn = renderer->readback(*target);
    ASSERT_TRUE(drawn.ok()) << drawn.error().describe();
    EXPECT_TRUE(near(*drawn, 160, 120, kColour, 1)) << describePixel(*drawn, 160, 120);
    settle();
    const std::string id = windowId(title);
    ASSERT_FALSE(id.empty()) << "xdotool cannot find the window";
    auto shot = screenshot(id, "swapchain_320x240");
    ASSERT_TRUE(shot);
    EXPECT_EQ(shot->width, 320);
    EXPECT_EQ(shot->height, 240);
    for (const auto& [x, y] : std::vector<std::pair<int, int>>{{5, 5}, {160, 120}, {314, 234}}) {
      EXPECT_TRUE(near(*shot, x, y, kColour, 2)) << x << "," << y << ": " << describePixel(*shot, x, y);
    }
    auto root = screenshot("root", "swapchain_root");
    ASSERT_TRUE(root);
    EXPECT_EQ(root->width, 1280);
    EXPECT_TRUE(near(*root, 160, 120, kColour, 2)) << describePixel(*root, 160, 120);  // window at the origin

    // Resize: the window reports it, the swapchain follows, frames still render at the new size.
    window->resize(480, 300);
    bool resized = false;
    for (int i = 0; i < 40 && !resized; ++i) {
      const auto events = window->pollEvents();
      resized = events.resized && events.framebuffer_width == 480 && events.framebuffer_height == 300;
      if (!resized) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ASSERT_TRUE(resized) << "no resize event";
    ASSERT_TRUE(renderer->resizeSwapchain(*target, 480, 300).ok());
    seen = renderFrames(*renderer, *window, *target, 3);
    EXPECT_TRUE(seen.acquired);
    EXPECT_EQ(seen.width, 480);
    EXPECT_EQ(seen.height, 300);
    settle();
    shot = screenshot(id, "swapchain_480x300");
    ASSERT_TRUE(shot);
    EXPECT_EQ(shot->width, 480);
    EXPECT_EQ(shot->height, 300);
    for (const auto& [x, y] : std::vector<std::pair<int, int>>{{5, 5}, {240, 150}, {474, 294}}) {
      EXPECT_TRUE(near(*shot, x, y, kColour, 2)) << x << "," << y << ": " << describePixel(*shot, x, y);
    }

    // Minimised (0x0): not acquired, the frame still goes through; back to a real size and it draws again.
    ASSERT_TRUE(renderer->resizeSwapchain(*target, 0, 0).ok());
    seen = renderFrames(*renderer, *window, *target, 2);
    EXPECT_FALSE(seen.acquired);
    ASSERT_TRUE(renderer->resizeSwapchain(*target, 480, 300).ok());
    seen = renderFrames(*renderer, *window, *target, 2);
    EXPECT_TRUE(seen.acquired);

    // A window resized behind the renderer's back: the swapchain is recreated at the surface's size by itself.
    window->resize(400, 260);
    for (int i = 0; i < 20 && (seen.width != 400 || seen.height != 260); ++i) {
      seen = renderFrames(*renderer, *window, *target, 1);
      std::this_thread::sleep_for(std::chrono::milliseconds(30));
    }
    EXPECT_EQ(seen.width, 400);
    EXPECT_EQ(seen.height, 260);
    seen = renderFrames(*renderer, *window, *target, 2);
    settle();
    shot = screenshot(id, "swapchain_400x260");
    ASSERT_TRUE(shot);
    EXPECT_EQ(shot->width, 400);
    EXPECT_TRUE(near(*shot, 390, 250, kColour, 2)) << describePixel(*shot, 390, 250);

    // A renderFrame() on its own cannot draw a swapchain.
    render::FrameDesc alone;
    alone.views.push_back({core::Mat4f::identity(), core::Mat4f::identity(), *target});
    const auto refused = renderer->renderFrame(alone);
    ASSERT_FALSE(refused.ok());
    EXPECT_NE(refused.error().message.find("beginFrame"), std::string::npos);

    renderer->destroyTarget(*target);  // destroys the surface too
    seen = renderFrames(*renderer, *window, *target, 1);
    EXPECT_EQ(seen.target, -1);  // gone from the frame's list
    EXPECT_EQ(renderer->validationMessageCount(), 0u);
  }  // the renderer goes before the window it presented to
}

TEST_F(WindowTest, TwoWindowsAndAnOffscreenTargetInOneFrame) {
  const std::string title_a = uniqueTitle("left");
  const std::string title_b = uniqueTitle("right");
  auto left = makeWindow(title_a, 200, 150);
  auto right = makeWindow(title_b, 240, 180);
  ASSERT_TRUE(left && right);
  left->pollEvents();
  settle();
  // Without a window manager both open at the origin: move the second one aside so neither covers the other.
  ASSERT_EQ(test::runCommand("xdotool windowmove " + windowId(title_b) + " 600 300").code, 0);
  {
    auto renderer = makeRenderer();
    ASSERT_TRUE(renderer);
    const std::uint64_t instance = renderer->nativeHandles().instance;
    auto surface_a = left->createSurface(instance);
    auto surface_b = right->createSurface(instance);
    ASSERT_TRUE(surface_a.ok() && surface_b.ok());
    auto a = renderer->createSwapchainTarget(*surface_a, 200, 150, true);
    auto b = renderer->createSwapchainTarget(*surface_b, 240, 180, false);  // MAILBOX/IMMEDIATE where offered
    auto offscreen = renderer->createOffscreenTarget(64, 48);
    ASSERT_TRUE(a.ok() && b.ok() && offscreen.ok());
    const std::array<int, 3> green{40, 180, 90};
    const std::array<int, 3> blue{30, 70, 210};
    ASSERT_TRUE(renderer->setBackground(*a, solid(8, 8, green)).ok());
    ASSERT_TRUE(renderer->setBackground(*b, solid(8, 8, blue)).ok());
    ASSERT_TRUE(renderer->setBackground(*offscreen, solid(8, 8, kColour)).ok());
    for (int i = 0; i < 3; ++i) renderFrames(*renderer, *left, *a, 2);
    auto off = renderer->readback(*offscreen);
    ASSERT_TRUE(off.ok());
    EXPECT_TRUE(near(*off, 30, 20, kColour, 1));
    // A frame that draws only the offscreen target still presents both windows (their last picture).
    auto begun = renderer->beginFrame();
    ASSERT_TRUE(begun.ok());
    render::FrameDesc only_offscreen;
    only_offscreen.model_visible = false;
    only_offscreen.views.push_back({core::Mat4f::identity(), core::Mat4f::identity(), *offscreen});
    ASSERT_TRUE(renderer->renderFrame(only_offscreen).ok());
    ASSERT_TRUE(renderer->endFrame().ok());
    settle();
    auto shot_a = screenshot(windowId(title_a), "two_windows_left");
    auto shot_b = screenshot(windowId(title_b), "two_windows_right");
    ASSERT_TRUE(shot_a && shot_b);
    EXPECT_TRUE(near(*shot_a, 100, 75, green, 2)) << describePixel(*shot_a, 100, 75);
    EXPECT_TRUE(near(*shot_b, 120, 90, blue, 2)) << describePixel(*shot_b, 120, 90);
    // Destroyed inside a frame after it was drawn: presented once more, freed after the frame.
    begun = renderer->beginFrame();
    ASSERT_TRUE(begun.ok());
    render::FrameDesc both;
    both.model_visible = false;
    both.views.push_back({core::Mat4f::identity(), core::Mat4f::identity(), *a});
    both.views.push_back({core::Mat4f::identity(), core::Mat4f::identity(), *b});
    ASSERT_TRUE(renderer->renderFrame(both).ok());
    renderer->destroyTarget(*b);
    ASSERT_TRUE(renderer->endFrame().ok());
    const auto after = renderFrames(*renderer, *left, *a, 3);
    EXPECT_TRUE(after.acquired);
    EXPECT_EQ(renderer->validationMessageCount(), 0u);
  }
}

TEST_F(WindowTest, PointerAndKeysReachPollEvents) {
  const std::string title = uniqueTitle("input");
  auto window = makeWindow(title, 320, 240);
  ASSERT_TRUE(window);
  window->pollEvents();
  settle();
  const std::string id = windowId(title);
  ASSERT_FALSE(id.empty());
  ASSERT_EQ(test::runCommand("xdotool mousemove --window " + id + " 50 40").code, 0);
  settle();
  auto events = window->pollEvents();
  EXPECT_TRUE(events.pointer_inside);
  EXPECT_NEAR(events.pointer_x, 50, 1);
  EXPECT_NEAR(events.pointer_y, 40, 1);
  EXPECT_FALSE(events.button_pressed);

  // A click completed between two polls is reported as both pressed and released.
  ASSERT_EQ(test::runCommand("xdotool click 1").code, 0);
  settle();
  events = window->pollEvents();
  EXPECT_TRUE(events.button_pressed);
  EXPECT_TRUE(events.button_released);
  EXPECT_FALSE(events.button_down);
  events = window->pollEvents();  // latched once only
  EXPECT_FALSE(events.button_pressed);
  EXPECT_FALSE(events.button_released);

  // Held across polls.
  ASSERT_EQ(test::runCommand("xdotool mousedown 1").code, 0);
  settle();
  events = window->pollEvents();
  EXPECT_TRUE(events.button_pressed);
  EXPECT_TRUE(events.button_down);
  EXPECT_FALSE(events.button_released);
  events = window->pollEvents();
  EXPECT_TRUE(events.button_down);
  EXPECT_FALSE(events.button_pressed);
  ASSERT_EQ(test::runCommand("xdotool mouseup 1").code, 0);
  settle();
  events = window->pollEvents();
  EXPECT_TRUE(events.button_released);
  EXPECT_FALSE(events.button_down);

  ASSERT_EQ(test::runCommand("xdotool click 4 click 4").code, 0);  // wheel up twice
  settle();
  EXPECT_NEAR(window->pollEvents().scroll, 2.0f, 0.01f);

  ASSERT_EQ(test::runCommand("xdotool key a Return BackSpace Escape Left Right Up Down Tab Delete F11 space 7 KP_3 q")
                .code,
            0);
  settle();
  events = window->pollEvents();
  const std::vector<std::string> expected{"a",  "Enter", "Backspace", "Escape", "Left",  "Right", "Up", "Down",
                                          "Tab", "Delete", "F11",      "Space",  "7",     "3",     "q"};
  EXPECT_EQ(events.keys, expected);
  EXPECT_EQ(events.text.substr(0, 1), "a") << events.text;

  ASSERT_EQ(test::runCommand("xdotool type 'Vanne 3'").code, 0);
  settle();
  events = window->pollEvents();
  EXPECT_EQ(events.text, "Vanne 3");
  EXPECT_FALSE(events.close_requested);

  window->setTitle(title + "-renamed");
  window->pollEvents();
  settle();
  EXPECT_FALSE(windowId(title + "-renamed").empty());
}

TEST_F(WindowTest, FullscreenTogglesToTheScreenAndBack) {
  auto window = makeWindow(uniqueTitle("fullscreen"), 320, 240);
  ASSERT_TRUE(window);
  EXPECT_FALSE(window->isFullscreen());
  window->toggleFullscreen();
  bool full = false;
  for (int i = 0; i < 40 && !full; ++i) {
    window->pollEvents();
    full = window->framebufferSize() == std::pair<int, int>{1280, 800};
    if (!full) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(window->isFullscreen());
  EXPECT_TRUE(full) << window->framebufferSize().first << "x" << window->framebufferSize().second;
  window->toggleFullscreen();
  bool back = false;
  for (int i = 0; i < 40 && !back; ++i) {
    window->pollEvents();
    back = window->framebufferSize() == std::pair<int, int>{320, 240};
    if (!back) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_FALSE(window->isFullscreen());
  EXPECT_TRUE(back);
}

}  // namespace
}  // namespace rivet
