// The AR assistant's per-frame pipeline: camera frame -> tracking -> procedure/tags -> overlay -> render.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "display.hpp"
#include "rivet/content/model.hpp"
#include "rivet/content/model_file.hpp"
#include "rivet/content/pack.hpp"
#include "rivet/core/camera.hpp"
#include "rivet/procedure/engine.hpp"
#include "rivet/render/renderer.hpp"
#include "rivet/tags/alarms.hpp"
#include "rivet/tags/bindings.hpp"
#include "rivet/tags/simulator.hpp"
#include "rivet/tags/store.hpp"
#include "rivet/tracking/tracker.hpp"
#include "rivet/ui/overlay.hpp"

namespace rivet::app {

struct AssistantOptions {
  std::filesystem::path pack_dir;
  std::filesystem::path calib_file;
  std::filesystem::path pack_key;  // Ed25519 public key (PEM): when set the pack must be signed with it
  std::string procedure_id;        // empty = the pack's first non-training procedure
  ui::UiSettings ui;
  bool validation = false;         // Vulkan validation layer
  int step_every_frames = 0;       // > 0: preview autopilot completes the current step every N frames
  std::string scenario = "normal"; // tag simulator scenario
  std::uint64_t seed = 1;
};

// What one frame did, for run.jsonl.
struct FrameRecord {
  int frame = 0;
  std::string file;
  tracking::TrackResult track;
  std::string step_id;
  std::string gate;
  double tracking_ms = 0, procedure_ms = 0, ui_ms = 0, render_ms = 0;
};

class Assistant {
 public:
  // `frame_width` x `frame_height`: the camera's image size (calibrations without a size are adapted to it).
  static core::Result<std::unique_ptr<Assistant>> create(const AssistantOptions& options, Display& display,
                                                         int frame_width, int frame_height);

  // Runs one camera frame through the pipeline and renders it into the display's targets.
  core::Result<FrameRecord> processFrame(const core::Image& image, std::int64_t capture_time_ns, int index,
                                         const std::string& name);

  [[nodiscard]] const core::CameraModel& camera() const { return camera_; }
  [[nodiscard]] render::Renderer& renderer() { return *renderer_; }
  [[nodiscard]] const content::Pack& pack() const { return pack_; }
  [[nodiscard]] const procedure::Engine& engine() const { return *engine_; }
  [[nodiscard]] std::uint64_t validationMessages() const { return renderer_->validationMessageCount(); }

 private:
  Assistant() = default;
  void feedTags(std::int64_t now_ns);
  void autopilot(std::int64_t now_ns);
  void followLockout(const procedure::Transition& t, std::int64_t now_ns);
  ui::OverlayModel overlayModel(const tracking::TrackResult& track, std::int64_t now_ns) const;
  std::vector<render::PartStyle> partStyles() const;

  AssistantOptions options_;
  content::Pack pack_;
  content::Model model_;
  core::CameraModel camera_;
  std::optional<tracking::Tracker> tracker_;
  std::optional<procedure::Engine> engine_;
  tags::TagBindings bindings_;
  std::unique_ptr<tags::TagStore> store_;
  std::unique_ptr<tags::SimulatedSource> simulator_;
  std::unique_ptr<tags::AlarmEngine> alarms_;
  // Declared before the renderer so it is destroyed after it: the renderer's UI pass shuts its ImGui backend
  // down inside the ImGui context the overlay owns.
  std::unique_ptr<ui::Overlay> overlay_;
  std::unique_ptr<render::Renderer> renderer_;
  Display* display_ = nullptr;
  std::int64_t epoch_ns_ = 0;        // wall-clock time of the first frame (tags and events use wall time)
  std::int64_t last_frame_ns_ = -1;
  int frame_counter_ = 0;
  int last_step_index_ = -1;
};

}  // namespace rivet::app
