// Headset display: an OpenXR session (app/xr) as a Display — eye swapchains, the panel quad, controller/gaze input.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "display.hpp"
#include "rivet/core/marker_map.hpp"
#include "rivet/platform/frame_source.hpp"
#include "rivet/xr/runtime.hpp"

namespace rivet::app {

struct XrDisplayOptions {
  xr::RuntimeOptions runtime;
  int panel_width = 1200, panel_height = 800;  // UI texture (pixels) of the world panel
  double panel_width_m = 0.6;                  // its size in the world (0.6 m wide reads at 0.7-1.5 m)
  core::Pose T_head_camera;                    // head (XR view space) -> headset camera (OpenCV convention)
  bool camera_background = true;               // OPAQUE runtimes: draw the camera image behind the model
  std::filesystem::path mirror_dir;            // eye/panel PNGs (every `mirror_every` frames); "" = none
  int mirror_every = 1;
  double gaze_dwell_s = 1.2;                   // gaze-dwell click when no controller aims at the panel
};

// Scripted pointer for tests and demos (the action-state injection seam): aim at a UI pixel of the panel from
// the head, with select held or not. Drives the same ray hit as a controller.
struct InjectedAim {
  double x = 0, y = 0;
  bool select = false;
};

// What the last frame did, for xr.jsonl.
struct XrFrameInfo {
  bool rendered = false;
  std::int64_t predicted_display_time = 0;
  std::int64_t predicted_display_mono_ns = 0;
  bool head_valid = false;
  core::Pose T_world_head;
  std::vector<xr::EyeView> eyes;
  xr::Panel panel;
  std::string pointer_source;  // "right", "left", "gaze", "script" or ""
  std::optional<core::Vec2d> pointer;
  bool select = false;
  double dwell = 0;
  std::string state;
  double wait_ms = 0;  // in xrWaitFrame (pacing, not work)
};

class XrDisplay : public Display {
 public:
  static core::Result<std::unique_ptr<XrDisplay>> create(const XrDisplayOptions& options);
  ~XrDisplay() override;

  [[nodiscard]] render::DeviceRequirements requirements() const override;
  core::Status attach(render::Renderer& renderer, const core::CameraModel& camera) override;
  void detach(render::Renderer& renderer) override;
  core::Result<DisplayFrame> beginFrame(render::Renderer& renderer, ui::Input& input) override;
  core::Result<PresentTimes> endFrame(render::Renderer& renderer, int frame_index) override;
  [[nodiscard]] bool closeRequested() const override { return closed_; }
  [[nodiscard]] bool live() const override { return true; }
  [[nodiscard]] std::optional<core::Pose> worldFromCamera(std::int64_t capture_mono_ns) const override;

  // Ends the session the way the runtime wants (request exit, end, wait for EXITING), frames still submitted.
  void finish();
  void inject(std::optional<InjectedAim> aim) { injected_ = aim; }
  void pinPanel(const core::Pose& T_world_panel) { follower_.pin(T_world_panel); }
  [[nodiscard]] const XrFrameInfo& lastFrame() const { return info_; }
  [[nodiscard]] xr::Runtime& runtime() { return *runtime_; }
  [[nodiscard]] const XrDisplayOptions& options() const { return options_; }
  // T_world_camera for a nominal head pose (before the runtime reports one).
  [[nodiscard]] core::Pose nominalWorldFromCamera() const;

 private:
  XrDisplay() = default;
  core::Status importTargets(render::Renderer& renderer);

  XrDisplayOptions options_;
  std::unique_ptr<xr::Runtime> runtime_;
  std::vector<int> eye_targets_;
  int panel_target_ = -1;
  bool closed_ = false;
  bool begun_ = false;       // xrBeginFrame called, xrEndFrame due
  bool rendering_ = false;   // renderer frame begun
  xr::FrameState frame_;
  xr::PanelFollower follower_;
  xr::DwellClicker dwell_;
  std::optional<InjectedAim> injected_;
  std::int64_t last_mono_ = 0;
  XrFrameInfo info_;
};

// A live synthetic camera on the headset: the pack's markers rendered from where the runtime says the head (and
// so the camera) is at each capture, with the machine at `T_world_machine` — for demos and tests without a
// headset camera. Frames come at `fps`; `dark_from`..`dark_to` (frame numbers) look away (no markers in view).
struct SyntheticHeadCameraOptions {
  core::Pose T_world_machine;
  double fps = 30;
  int dark_from = -1, dark_to = -1;
};
std::unique_ptr<platform::FrameSource> makeSyntheticHeadCamera(const XrDisplay& display, core::MarkerMap map,
                                                               core::CameraModel camera,
                                                               SyntheticHeadCameraOptions options);

// Where the sample content stands in front of a user at Monado's nominal head pose: table top 0.85 m high, the
// machine's y up, its +x towards the user, 0.75 m ahead. Used by the synthetic camera's default.
core::Pose defaultWorldFromMachine();
// The headset camera pitched down by `pitch_deg` (cameras on headsets look a little down), at the head centre.
core::Pose headCameraPitchedDown(double pitch_deg);

}  // namespace rivet::app
