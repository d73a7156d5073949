// Headless display: renders into one offscreen target and writes frames as PNG files (atomically).
#include <cstdio>

#include "display.hpp"
#include "rivet/core/clock.hpp"
#include "rivet/platform/frame_source.hpp"

namespace rivet::app {
namespace {

constexpr double kNearM = 0.03;
constexpr double kFarM = 30.0;

class HeadlessDisplay final : public Display {
 public:
  HeadlessDisplay(std::filesystem::path out_dir, int save_every) : out_dir_(std::move(out_dir)), save_every_(save_every) {}

  core::Status attach(render::Renderer& renderer, const core::CameraModel& camera) override {
    auto target = renderer.createOffscreenTarget(camera.width, camera.height);
    if (!target.ok()) return target.error();
    view_.target = *target;
    view_.width = camera.width;
    view_.height = camera.height;
    view_.projection = cameraProjection(camera, camera.width, camera.height);
    return {};
  }

  core::Result<DisplayFrame> beginFrame(render::Renderer&, ui::Input&) override {
    DisplayFrame f;
    f.views = {view_};
    f.ui_width = view_.width;
    f.ui_height = view_.height;
    f.predicted_display_mono_ns = core::monotonicNs();
    return f;
  }

  core::Result<PresentTimes> endFrame(render::Renderer& renderer, int frame_index) override {
    PresentTimes times;
    if (save_every_ <= 0 || frame_index % save_every_ != 0) return times;
    core::Stopwatch watch;
    auto image = renderer.readback(view_.target);
    if (!image.ok()) return image.error();
    times.readback_ms = watch.elapsedMs();
    watch.reset();
    char name[32];
    std::snprintf(name, sizeof name, "frame-%05d.png", frame_index);
    if (auto st = platform::writePng((out_dir_ / name).string(), *image); !st.ok()) return st.error();
    times.encode_ms = watch.elapsedMs();
    return times;
  }

  [[nodiscard]] bool closeRequested() const override { return false; }

 private:
  std::filesystem::path out_dir_;
  int save_every_ = 1;
  DisplayView view_;
};

}  // namespace

core::Mat4f cameraProjection(const core::CameraModel& camera, int width, int height) {
  return core::vulkanProjection(camera.scaledTo(width, height), kNearM, kFarM);
}

std::unique_ptr<Display> makeHeadlessDisplay(std::filesystem::path out_dir, int save_every) {
  return std::make_unique<HeadlessDisplay>(std::move(out_dir), save_every);
}

}  // namespace rivet::app
