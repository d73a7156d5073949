// The AR assistant: camera-rate update (tracking → anchor → tags → session) apart from display-rate render(views).
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
#include "rivet/records/store.hpp"
#include "rivet/render/renderer.hpp"
#include "rivet/session/library.hpp"
#include "rivet/session/technician.hpp"
#include "rivet/tags/alarms.hpp"
#include "rivet/tags/bindings.hpp"
#include "rivet/tags/mqtt.hpp"
#include "rivet/tags/source.hpp"
#include "rivet/tags/store.hpp"
#include "rivet/tracking/tracker.hpp"
#include "rivet/ui/overlay.hpp"
#include "rivet/xr/logic.hpp"
#include "tracking_worker.hpp"

namespace rivet::app {

struct AssistantOptions {
  std::filesystem::path pack_dir;
  std::filesystem::path calib_file;
  std::filesystem::path pack_key;    // Ed25519 public key (PEM): when set the pack must be signed with it
  std::string procedure_id;          // session: started right after login; preview: the one previewed
  ui::UiSettings ui;
  bool validation = false;           // Vulkan validation layer
  int step_every_frames = 0;         // > 0: preview (no login, nothing recorded): completes a step every N frames
  std::optional<std::string> simulate;          // built-in plant simulator with this scenario
  std::optional<tags::MqttOptions> broker;      // live tags from an MQTT broker (Sparkplug B / JSON)
  std::filesystem::path db_file;     // records database (session mode)
  std::filesystem::path work_orders; // CMMS import (JSON or CSV), optional
  std::uint64_t seed = 1;
  std::string device_id = "rivet";
};

// What one user command did, for run.jsonl.
struct CommandRecord {
  std::string command, arg;
  bool accepted = false;
  std::string outcome;
  std::int64_t seq = 0;   // journal row that made it durable (0 when nothing was journaled)
  std::string from_step, to_step;
  std::string message;    // English
};

// What one camera-rate update did.
struct UpdateRecord {
  std::uint64_t seq = 0;
  std::string file;
  tracking::TrackResult track;
  double tracking_ms = 0, undistort_ms = 0, tags_ms = 0;
  std::vector<CommandRecord> autopilot;
  bool badge_login = false;
};

// What one display-rate frame did.
struct RenderRecord {
  std::string screen;      // login | orders | step
  std::string step_id;
  std::string gate;
  std::string gate_reason;  // English, for the run log
  std::string user;
  bool data_ok = true;     // tag source connected and values fresh
  std::vector<CommandRecord> commands;
  double ui_ms = 0, session_ms = 0, render_ms = 0;
};

class Assistant {
 public:
  // `frame_width` x `frame_height`: the camera's image size (calibrations without a size are adapted to it).
  static core::Result<std::unique_ptr<Assistant>> create(const AssistantOptions& options, Display& display,
                                                         int frame_width, int frame_height);
  ~Assistant();

  // Camera rate: takes a tracked frame (anchor T_camera_machine, background), polls the tag source, feeds live
  // values to the session. `now_ns` is wall time (Unix epoch ns).
  UpdateRecord update(TrackedFrame frame, std::int64_t now_ns);
  // Display rate: the user's input becomes commands (durable before the next frame shows their effect), the
  // overlay is built and the frame rendered into each view's target.
  core::Result<RenderRecord> render(const DisplayFrame& frame, const ui::Input& input, std::int64_t now_ns, double dt_s);

  [[nodiscard]] const core::CameraModel& camera() const { return camera_; }
  [[nodiscard]] render::Renderer& renderer() { return *renderer_; }
  [[nodiscard]] const content::Pack& pack() const { return pack_; }
  [[nodiscard]] const ui::Overlay& overlay() const { return *overlay_; }
  [[nodiscard]] const session::TechnicianSession& session() const { return *session_; }
  [[nodiscard]] TrackingWorker& tracker() { return *worker_; }
  // Headset: the machine's pose in the world (valid once the markers were seen; kept while they are not).
  [[nodiscard]] const xr::WorldAnchor& anchor() const { return anchor_; }
  [[nodiscard]] std::int64_t anchorCaptureMonoNs() const { return anchor_capture_mono_ns_; }
  [[nodiscard]] const tracking::TrackResult& lastTrack() const { return track_; }
  [[nodiscard]] std::uint64_t validationMessages() const { return renderer_->validationMessageCount(); }
  [[nodiscard]] tags::SourceStatus sourceStatus() const;
  [[nodiscard]] std::string screenName() const;
  // Current step id ("" when none or finished) and gate state name ("none", "waiting", "ok", "stale", "failed").
  [[nodiscard]] std::string stepId() const;
  [[nodiscard]] std::string gateName(std::int64_t now_ns) const;
  // Why the gate (or the last action on this step) is not ok, in English; "" when nothing is wrong.
  [[nodiscard]] std::string gateReason(std::int64_t now_ns) const;

 private:
  Assistant() = default;
  CommandRecord handle(const ui::Command& command, std::int64_t now_ns);
  void autopilot(std::int64_t now_ns, std::vector<CommandRecord>& out);
  void followLockout(const session::ActionResult& r);
  void feedback(const session::ActionResult& r);
  ui::OverlayModel overlayModel(std::int64_t now_ns) const;
  void fillStep(ui::OverlayModel& m, std::int64_t now_ns) const;
  std::vector<render::PartStyle> partStyles() const;
  [[nodiscard]] bool dataOk(std::int64_t now_ns) const;

  AssistantOptions options_;
  content::Pack pack_;
  content::Model model_;
  core::CameraModel camera_;
  session::ProcedureLibrary library_;
  tags::TagBindings bindings_;
  std::unique_ptr<tags::TagStore> store_;
  std::unique_ptr<tags::TagSource> source_;
  std::unique_ptr<tags::AlarmEngine> alarms_;
  std::optional<records::Store> records_;
  std::unique_ptr<session::TechnicianSession> session_;
  std::string preview_secret_;
  std::unique_ptr<TrackingWorker> worker_;
  // Declared before the renderer so it is destroyed after it: the renderer's UI pass shuts its ImGui backend
  // down inside the ImGui context the overlay owns.
  std::unique_ptr<ui::Overlay> overlay_;
  std::unique_ptr<render::Renderer> renderer_;
  Display* display_ = nullptr;

  tracking::TrackResult track_;
  xr::WorldAnchor anchor_;
  std::int64_t anchor_capture_mono_ns_ = 0;
  core::Image background_;
  bool background_dirty_ = false;
  int updates_ = 0;
  std::string selected_user_;
  std::string login_message_;
  core::Text feedback_;
  bool feedback_error_ = false;
  std::string feedback_step_;
  std::string last_step_logged_;
};

}  // namespace rivet::app
