// Headless display: renders into one offscreen target and writes every frame as a PNG (atomically).
#include <cstdio>

#include "display.hpp"
#include "rivet/core/clock.hpp"
#include "rivet/platform/frame_source.hpp"

namespace rivet::app {
namespace {

class HeadlessDisplay final : public Display {
 public:
  explicit HeadlessDisplay(std::filesystem::path out_dir) : out_dir_(std::move(out_dir)) {}

  core::Status attach(render::Renderer& renderer, const core::CameraModel& camera) override {
    auto target = renderer.createOffscreenTarget(camera.width, camera.height);
    if (!target.ok()) return target.error();
    targets_ = {*target};
    return {};
  }

  [[nodiscard]] const std::vector<int>& targets() const override { return targets_; }

  core::Result<PresentTimes> present(render::Renderer& renderer, int frame_index) override {
    PresentTimes times;
    core::Stopwatch watch;
    auto image = renderer.readback(targets_.front());
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
  std::vector<int> targets_;
};

}  // namespace

std::unique_ptr<Display> makeHeadlessDisplay(std::filesystem::path out_dir) {
  return std::make_unique<HeadlessDisplay>(std::move(out_dir));
}

}  // namespace rivet::app
