// Display: where frames are shown (headless PNG files, a desktop window, later an OpenXR swapchain) and its input.
#pragma once

#include <filesystem>
#include <string>
#include <memory>
#include <optional>
#include <vector>

#include "rivet/core/camera.hpp"
#include "rivet/core/pose.hpp"
#include "rivet/core/result.hpp"
#include "rivet/render/renderer.hpp"
#include "rivet/ui/overlay.hpp"

namespace rivet::app {

// One view of a frame: where it renders and how it looks at the world. For video see-through the view is the
// camera itself (T_view_camera = identity) and the projection comes from the camera intrinsics scaled to the
// target; a headset gives each eye's pose and FOV projection.
struct DisplayView {
  int target = 0;
  int width = 0, height = 0;       // target size in pixels
  core::Pose T_view_camera;        // camera frame -> this view's frame (video see-through)
  core::Mat4f projection;
  // A headset eye: world -> this view (OpenCV camera convention); the model is drawn at the world anchor
  // (T_world_machine) instead of the camera's T_camera_machine.
  std::optional<core::Pose> T_view_world;
  bool background = true;          // the camera image behind the model (video see-through, OPAQUE headsets)
  bool ui = true;                  // the UI composited over this view (a headset shows it as its own layer)
  bool ui_only = false;            // the panel layer's image: only the UI, on transparent
};

// Time domains: monotonic (core::monotonicNs, frame pacing and latency), wall (Unix epoch ns: events, tags,
// records) and, for XR, the runtime's XrTime (converted by the XR display). `predicted_display_mono_ns` is when
// the frame is expected to be visible, in the monotonic domain.
struct DisplayFrame {
  std::vector<DisplayView> views;
  std::int64_t predicted_display_mono_ns = 0;
  bool should_render = true;  // false: the display is hidden/minimised; skip rendering, still call endFrame()
  int ui_width = 0, ui_height = 0;  // the UI's pixel size (pointer coordinates are in this space)
};

struct PresentTimes {
  double readback_ms = 0;
  double encode_ms = 0;
  double present_ms = 0;
};

class Display {
 public:
  virtual ~Display() = default;
  // What this display needs of Vulkan (a window: the surface extensions; a headset: the runtime's device), asked
  // before the renderer creates its instance and device.
  [[nodiscard]] virtual render::DeviceRequirements requirements() const { return {}; }
  // Creates the display's render targets in `renderer` (one per view).
  virtual core::Status attach(render::Renderer& renderer, const core::CameraModel& camera) = 0;
  // Releases what attach() made before the renderer (and its Vulkan device) is destroyed.
  virtual void detach(render::Renderer& /*renderer*/) {}
  // Acquires this frame's images; fills the user's input gathered since the last frame.
  virtual core::Result<DisplayFrame> beginFrame(render::Renderer& renderer, ui::Input& input) = 0;
  // Hands the rendered frame on (headless: read back and write frame-NNNNN.png; window: present).
  virtual core::Result<PresentTimes> endFrame(render::Renderer& renderer, int frame_index) = 0;
  [[nodiscard]] virtual bool closeRequested() const = 0;
  // True for displays a person watches live (frames paced by the clock, not by the replay).
  [[nodiscard]] virtual bool live() const { return false; }
  // Where the camera was in the world when it took a frame (headset: T_world_head at that time · T_head_camera);
  // nothing for displays that look through the camera itself.
  [[nodiscard]] virtual std::optional<core::Pose> worldFromCamera(std::int64_t /*capture_mono_ns*/) const {
    return std::nullopt;
  }
};

// Offscreen target at the camera's resolution; every `save_every`-th frame becomes OUT/frame-NNNNN.png (0: none).
std::unique_ptr<Display> makeHeadlessDisplay(std::filesystem::path out_dir, int save_every = 1);

struct WindowDisplayOptions {
  int width = 1280, height = 720;  // initial window size (screen coordinates)
  bool fullscreen = false;
  bool vsync = true;
  double max_fps = 60;             // the display loop never runs faster than this (0 = unlimited)
};
// A desktop window (GLFW) with a Vulkan swapchain: video see-through, resizable, full screen (F11), keyboard
// shortcuts. Fails with a clear message where no display can be opened.
core::Result<std::unique_ptr<Display>> makeWindowDisplay(const std::string& title, const WindowDisplayOptions& options);

// Projection of a pinhole camera scaled to a target of width x height (the background is stretched the same way).
core::Mat4f cameraProjection(const core::CameraModel& camera, int width, int height);

}  // namespace rivet::app
