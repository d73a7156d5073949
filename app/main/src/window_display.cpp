// Window display: a desktop window with a Vulkan swapchain, its mouse/keyboard input mapped to ui::Input.
#include <chrono>
#include <thread>

#include "display.hpp"
#include "rivet/core/clock.hpp"
#include "rivet/platform/window.hpp"
#include "rivet/ui/keys.hpp"

namespace rivet::app {
namespace {

class WindowDisplay final : public Display {
 public:
  WindowDisplay(std::unique_ptr<platform::Window> window, WindowDisplayOptions options)
      : window_(std::move(window)), options_(options) {}

  [[nodiscard]] render::DeviceRequirements requirements() const override {
    render::DeviceRequirements r;
    r.instance_extensions = platform::Window::requiredInstanceExtensions();
    r.device_extensions = {"VK_KHR_swapchain"};
    return r;
  }

  core::Status attach(render::Renderer& renderer, const core::CameraModel& camera) override {
    camera_ = camera;
    auto surface = window_->createSurface(renderer.nativeHandles().instance);
    if (!surface.ok()) return surface.error();
    if (!renderer.supportsPresent(*surface)) {
      return core::makeError("the GPU '" + renderer.deviceName() + "' cannot present to this window", "window",
                             "use --headless, or another GPU/driver");
    }
    const auto [w, h] = window_->framebufferSize();
    auto target = renderer.createSwapchainTarget(*surface, w, h, options_.vsync);
    if (!target.ok()) return target.error();
    target_ = *target;
    width_ = w;
    height_ = h;
    return {};
  }

  core::Result<DisplayFrame> beginFrame(render::Renderer& renderer, ui::Input& input) override {
    // Pace: never faster than max_fps (vsync does it on a real screen; a virtual one may not).
    if (options_.max_fps > 0 && last_begin_ns_ > 0) {
      const auto period = static_cast<std::int64_t>(1e9 / options_.max_fps);
      const std::int64_t wait = last_begin_ns_ + period - core::monotonicNs();
      if (wait > 0) std::this_thread::sleep_for(std::chrono::nanoseconds(wait));
    }
    last_begin_ns_ = core::monotonicNs();

    platform::WindowEvents ev = window_->pollEvents();
    close_ = close_ || ev.close_requested;
    if (ev.resized) {
      width_ = ev.framebuffer_width;
      height_ = ev.framebuffer_height;
      if (auto st = renderer.resizeSwapchain(target_, width_, height_); !st.ok()) return st.error();
    }
    toInput(ev, input);

    DisplayFrame f;
    f.ui_width = width_;
    f.ui_height = height_;
    auto begun = renderer.beginFrame();
    if (!begun.ok()) return begun.error();
    in_frame_ = true;
    bool acquired = false;
    for (const auto& t : begun->targets) {
      if (t.target == target_) {
        acquired = t.acquired;
        if (t.acquired) {
          width_ = f.ui_width = t.width;
          height_ = f.ui_height = t.height;
        }
      }
    }
    f.should_render = acquired && width_ > 0 && height_ > 0;
    if (f.should_render) {
      // Video see-through: the view is the camera; the camera image fills the window (stretched like the
      // background), so the projection is the camera's, scaled to the window.
      DisplayView v;
      v.target = target_;
      v.width = width_;
      v.height = height_;
      v.projection = cameraProjection(camera_, width_, height_);
      f.views.push_back(v);
    }
    f.predicted_display_mono_ns = core::monotonicNs() + (options_.max_fps > 0 ? static_cast<std::int64_t>(1e9 / options_.max_fps) : 0);
    return f;
  }

  core::Result<PresentTimes> endFrame(render::Renderer& renderer, int) override {
    PresentTimes times;
    if (!in_frame_) return times;
    in_frame_ = false;
    core::Stopwatch watch;
    if (auto st = renderer.endFrame(); !st.ok()) return st.error();
    times.present_ms = watch.elapsedMs();
    return times;
  }

  [[nodiscard]] bool closeRequested() const override { return close_; }
  [[nodiscard]] bool live() const override { return true; }

 private:
  // Window events become the UI's input. A click shorter than a frame arrives as pressed+released in one poll:
  // the press is given this frame and the release the next, so the button under the pointer sees a full click.
  void toInput(const platform::WindowEvents& ev, ui::Input& in) {
    in.pointer_valid = ev.pointer_inside || ev.button_down || release_pending_;
    in.x = ev.pointer_x;
    in.y = ev.pointer_y;
    if (release_pending_) {
      in.pointer_down = false;
      release_pending_ = ev.button_pressed && ev.button_released && !ev.button_down;  // another quick click
      if (release_pending_) in.pointer_down = true;
    } else {
      in.pointer_down = ev.button_down || (ev.button_pressed && ev.button_released);
      release_pending_ = ev.button_pressed && ev.button_released && !ev.button_down;
    }
    in.scroll = ev.scroll;
    in.text = ev.text;  // the keypad takes digits, sign and decimal separators from it; letters are shortcuts
    for (const auto& key : ev.keys) {
      // Keyboard shortcuts (a keyboard, a foot pedal or a presenter remote sends the same keys): ui::keyBindings()
      // (Enter/Space confirm, arrows next/back, P/F pass/fail, H hint, R repeat, Tab/Up/Down move the focus,
      // PageUp/PageDown scroll); F11 toggles full screen here.
      if (key == "F11") {
        window_->toggleFullscreen();
        continue;
      }
      ui::applyKey(key, in);
    }
  }

  std::unique_ptr<platform::Window> window_;
  WindowDisplayOptions options_;
  core::CameraModel camera_;
  int target_ = -1;
  int width_ = 0, height_ = 0;
  bool in_frame_ = false, close_ = false, release_pending_ = false;
  std::int64_t last_begin_ns_ = 0;
};

}  // namespace

core::Result<std::unique_ptr<Display>> makeWindowDisplay(const std::string& title, const WindowDisplayOptions& options) {
  auto window = platform::Window::create(title, options.width, options.height, options.fullscreen);
  if (!window.ok()) return window.error();
  return std::unique_ptr<Display>(std::make_unique<WindowDisplay>(std::move(*window), options));
}

}  // namespace rivet::app
