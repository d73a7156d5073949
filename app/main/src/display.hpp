// Display: where rendered frames go (headless PNG files now; desktop window and OpenXR swapchain slot in here).
#pragma once

#include <filesystem>
#include <memory>
#include <vector>

#include "rivet/core/camera.hpp"
#include "rivet/core/result.hpp"
#include "rivet/render/renderer.hpp"

namespace rivet::app {

struct PresentTimes {
  double readback_ms = 0;
  double encode_ms = 0;
};

class Display {
 public:
  virtual ~Display() = default;
  // Creates the render targets for this display in `renderer` (one per view).
  virtual core::Status attach(render::Renderer& renderer, const core::CameraModel& camera) = 0;
  [[nodiscard]] virtual const std::vector<int>& targets() const = 0;
  // Hands the rendered frame on (headless: read back and write frame-NNNNN.png).
  virtual core::Result<PresentTimes> present(render::Renderer& renderer, int frame_index) = 0;
  [[nodiscard]] virtual bool closeRequested() const = 0;
};

// Offscreen targets at the camera's resolution; each frame becomes OUT/frame-NNNNN.png.
std::unique_ptr<Display> makeHeadlessDisplay(std::filesystem::path out_dir);

}  // namespace rivet::app
