// Headset display: OpenXR session frames into the renderer (one imported target per eye + the panel), ray input.
#include "xr_display.hpp"

#include <chrono>
#include <cmath>
#include <algorithm>
#include <cstdio>
#include <thread>

#include "rivet/core/clock.hpp"
#include "rivet/core/log.hpp"
#include "rivet/tracking/synthcam.hpp"

namespace rivet::app {
namespace {
constexpr double kNearM = 0.05, kFarM = 20.0;
constexpr double kPi = 3.14159265358979323846;
}  // namespace

core::Pose headCameraPitchedDown(double pitch_deg) {
  core::Pose p = xr::xrFromCvCamera();
  // Pitch down: about the camera's x axis (OpenCV: x right, y down), a negative angle turns z (forward) to +y (down).
  p.R = p.R * core::Mat3d::fromAxisAngle({1, 0, 0}, -pitch_deg * kPi / 180);
  return p;
}

core::Pose defaultWorldFromMachine() {
  core::Pose p;
  p.R = core::Mat3d::fromAxisAngle({0, 1, 0}, -kPi / 2);  // machine +x -> world +z (towards the user)
  p.t = {0, 0.85, -0.75};
  return p;
}

core::Result<std::unique_ptr<XrDisplay>> XrDisplay::create(const XrDisplayOptions& options) {
  auto runtime = xr::Runtime::create(options.runtime);
  if (!runtime.ok()) return runtime.error();
  std::unique_ptr<XrDisplay> d(new XrDisplay());
  d->options_ = options;
  d->runtime_ = std::move(*runtime);
  d->dwell_ = xr::DwellClicker(options.gaze_dwell_s);
  const auto& b = d->runtime_->blend();
  core::log::info("openxr: " + d->runtime_->runtimeName() + ", " + d->runtime_->systemName() + ", blend " +
                  xr::toString(b.mode) + " (" + b.reason + ")");
  if (!options.mirror_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(options.mirror_dir, ec);
    if (ec) return core::makeError("cannot create the mirror folder: " + ec.message(), options.mirror_dir.string());
  }
  return d;
}

XrDisplay::~XrDisplay() = default;

render::DeviceRequirements XrDisplay::requirements() const {
  render::DeviceRequirements r;
  xr::Runtime* rt = runtime_.get();
  r.min_api_version = rt->minVulkanApiVersion();
  r.create_instance = [rt](const void* info) { return rt->createVulkanInstance(info); };
  r.select_physical_device = [rt](std::uint64_t instance) -> std::uint64_t {
    auto phys = rt->vulkanPhysicalDevice(instance);
    if (!phys.ok()) {
      core::log::error(phys.error().describe());
      return 0;
    }
    return *phys;
  };
  r.create_device = [rt](std::uint64_t phys, const void* info) { return rt->createVulkanDevice(phys, info); };
  return r;
}

core::Status XrDisplay::importTargets(render::Renderer& renderer) {
  for (int t : eye_targets_) renderer.destroyTarget(t);
  if (panel_target_ >= 0) renderer.destroyTarget(panel_target_);
  eye_targets_.clear();
  for (const auto& sc : runtime_->eyeSwapchains()) {
    auto t = renderer.importTarget(sc.images.at(0), sc.vk_format, sc.width, sc.height);
    if (!t.ok()) return t.error();
    eye_targets_.push_back(*t);
  }
  const auto& p = runtime_->panelSwapchain();
  auto t = renderer.importTarget(p.images.at(0), p.vk_format, p.width, p.height);
  if (!t.ok()) return t.error();
  panel_target_ = *t;
  return {};
}

core::Status XrDisplay::attach(render::Renderer& renderer, const core::CameraModel&) {
  const auto h = renderer.nativeHandles();
  xr::VulkanBinding b{h.instance, h.physical_device, h.device, h.queue_family, h.queue_index};
  if (auto st = runtime_->startSession(b, options_.panel_width, options_.panel_height); !st.ok()) return st;
  core::log::info("openxr: session on " + runtime_->referenceSpace() + " space, " +
                  std::to_string(runtime_->eyeSwapchains().size()) + " eyes of " +
                  std::to_string(runtime_->eyeSwapchains().at(0).width) + "x" +
                  std::to_string(runtime_->eyeSwapchains().at(0).height));
  return importTargets(renderer);
}

core::Result<DisplayFrame> XrDisplay::beginFrame(render::Renderer& renderer, ui::Input& input) {
  DisplayFrame out;
  out.should_render = false;
  out.ui_width = options_.panel_width;
  out.ui_height = options_.panel_height;
  begun_ = rendering_ = false;
  info_ = {};
  const xr::SessionEvents ev = runtime_->pollEvents();
  info_.state = ev.state;
  if (ev.exit) {
    closed_ = true;
    return out;
  }
  if (ev.restarted) {
    if (auto st = importTargets(renderer); !st.ok()) return st.error();
  }
  if (!ev.running) {  // idle, waiting for READY, or stopping: do not spin
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    return out;
  }
  core::Stopwatch wait_watch;
  auto fs = runtime_->waitAndBeginFrame();
  if (!fs.ok()) return fs.error();
  info_.wait_ms = wait_watch.elapsedMs();
  frame_ = std::move(*fs);
  begun_ = true;
  const std::int64_t now = core::monotonicNs();
  const double dt = last_mono_ > 0 ? static_cast<double>(now - last_mono_) / 1e9 : 0.0;
  last_mono_ = now;
  info_.predicted_display_time = frame_.predicted_display_time;
  info_.predicted_display_mono_ns = runtime_->monotonicFromXrTime(frame_.predicted_display_time);
  out.predicted_display_mono_ns = info_.predicted_display_mono_ns;
  if (!frame_.should_render) return out;

  auto begun = renderer.beginFrame();
  if (!begun.ok()) return begun.error();
  rendering_ = true;
  out.should_render = true;
  info_.rendered = true;
  info_.eyes = frame_.eyes;
  info_.head_valid = frame_.head_valid;
  info_.T_world_head = frame_.T_world_head;
  const auto& chains = runtime_->eyeSwapchains();
  const bool background = runtime_->blend().camera_background && options_.camera_background;
  for (size_t i = 0; i < frame_.eyes.size() && i < eye_targets_.size(); ++i) {
    const auto& eye = frame_.eyes[i];
    if (auto st = renderer.setImportedImage(eye_targets_[i], chains[i].images.at(static_cast<size_t>(eye.image_index)));
        !st.ok()) {
      return st.error();
    }
    DisplayView v;
    v.target = eye_targets_[i];
    v.width = chains[i].width;
    v.height = chains[i].height;
    v.T_view_world = eye.T_world_eye.inverse();
    v.projection = core::fovProjection(eye.fov.left, eye.fov.right, eye.fov.up, eye.fov.down, kNearM, kFarM);
    v.background = background;
    v.ui = false;
    out.views.push_back(v);
  }
  const auto& pc = runtime_->panelSwapchain();
  if (auto st = renderer.setImportedImage(panel_target_, pc.images.at(static_cast<size_t>(frame_.panel_image_index)));
      !st.ok()) {
    return st.error();
  }
  DisplayView pv;
  pv.target = panel_target_;
  pv.width = pc.width;
  pv.height = pc.height;
  pv.ui_only = true;
  pv.background = false;
  out.views.push_back(pv);

  // The panel follows the head lazily (or stays pinned).
  xr::Panel panel;
  panel.ui_width = options_.panel_width;
  panel.ui_height = options_.panel_height;
  panel.width_m = options_.panel_width_m;
  panel.height_m = options_.panel_width_m * options_.panel_height / options_.panel_width;
  if (frame_.head_valid) panel.T_world_panel = follower_.update(frame_.T_world_head, dt);
  else panel.T_world_panel = follower_.update(core::Pose{{}, {0, 1.6, 0}}, dt);
  info_.panel = panel;

  // Pointer: a script (tests), else the controller aiming at the panel (right hand first), else gaze with dwell.
  std::optional<core::Vec2d> hit;
  bool select = false;
  if (injected_) {
    const core::Vec3d target = xr::panelPoint(panel, injected_->x, injected_->y);
    const core::Vec3d origin = frame_.head_valid ? frame_.T_world_head.t : core::Vec3d{0, 1.6, 0};
    const core::Vec3d d = target - origin;
    hit = xr::hitPanel({origin, d * (1.0 / d.norm())}, panel);
    select = injected_->select;
    info_.pointer_source = "script";
  } else {
    for (int h : {1, 0}) {
      const auto& hand = frame_.hands[h];
      if (!hand.aim_valid) continue;
      if (auto p = xr::hitPanel(hand.aim, panel)) {
        hit = p;
        select = hand.select;
        info_.pointer_source = h == 1 ? "right" : "left";
        break;
      }
    }
    if (!hit && frame_.head_valid) {
      const core::Vec3d fwd = frame_.T_world_head.R * core::Vec3d{0, 0, -1};
      hit = xr::hitPanel({frame_.T_world_head.t, fwd}, panel);
      if (hit) {
        info_.pointer_source = "gaze";
        // A dwell completes a click: pressed this frame, released on the next (ImGui sees a click).
        select = dwell_.update(hit, dt);
        info_.dwell = dwell_.progress();
      } else {
        dwell_.update(std::nullopt, dt);
      }
    }
  }
  info_.pointer = hit;
  info_.select = select;
  if (hit) {
    input.pointer_valid = true;
    input.x = static_cast<float>(hit->x);
    input.y = static_cast<float>(hit->y);
    input.pointer_down = select;
  }
  return out;
}

core::Result<PresentTimes> XrDisplay::endFrame(render::Renderer& renderer, int frame_index) {
  PresentTimes times;
  if (!begun_) return times;
  core::Stopwatch watch;
  if (rendering_) {
    if (auto st = renderer.endFrame(); !st.ok()) return st.error();
    rendering_ = false;
    // Mirror (spectator view and test oracle): read back before the images go back to the runtime.
    if (!options_.mirror_dir.empty() && options_.mirror_every > 0 && frame_index % options_.mirror_every == 0) {
      core::Stopwatch rb;
      char name[64];
      for (size_t i = 0; i < eye_targets_.size(); ++i) {
        auto image = renderer.readback(eye_targets_[i]);
        if (!image.ok()) return image.error();
        times.readback_ms += rb.elapsedMs();
        core::Stopwatch enc;
        std::snprintf(name, sizeof name, "eye%zu-%05d.png", i, frame_index);
        if (auto st = platform::writePng((options_.mirror_dir / name).string(), *image); !st.ok()) return st.error();
        times.encode_ms += enc.elapsedMs();
        rb.reset();
      }
      auto image = renderer.readback(panel_target_);
      if (!image.ok()) return image.error();
      std::snprintf(name, sizeof name, "panel-%05d.png", frame_index);
      if (auto st = platform::writePng((options_.mirror_dir / name).string(), *image); !st.ok()) return st.error();
    }
  }
  xr::PanelLayer layer;
  layer.panel = info_.panel;
  if (auto st = runtime_->endFrame(frame_, layer, info_.rendered); !st.ok()) return st.error();
  begun_ = false;
  times.present_ms = watch.elapsedMs();
  return times;
}

void XrDisplay::detach(render::Renderer& renderer) {
  for (int t : eye_targets_) renderer.destroyTarget(t);
  if (panel_target_ >= 0) renderer.destroyTarget(panel_target_);
  eye_targets_.clear();
  panel_target_ = -1;
  renderer.waitIdle();
  runtime_->endSession();  // swapchains (on the renderer's device) and session, before the device goes
}

std::optional<core::Pose> XrDisplay::worldFromCamera(std::int64_t capture_mono_ns) const {
  auto head = runtime_->headAt(runtime_->xrTimeFromMonotonic(capture_mono_ns));
  if (!head) return std::nullopt;
  return *head * options_.T_head_camera;
}

core::Pose XrDisplay::nominalWorldFromCamera() const {
  return core::Pose{{}, {0, 1.6, 0}} * options_.T_head_camera;
}

void XrDisplay::finish() {
  if (closed_) return;
  runtime_->requestExit();
  const std::int64_t deadline = core::monotonicNs() + 3'000'000'000;
  while (core::monotonicNs() < deadline) {
    const xr::SessionEvents ev = runtime_->pollEvents();
    if (ev.exit) break;
    if (ev.running) {  // the runtime still wants frames until it stops the session
      auto fs = runtime_->waitAndBeginFrame();
      if (!fs.ok()) break;
      if (!runtime_->endFrame(*fs, {}, false).ok()) break;
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  closed_ = true;
}

namespace {

class SyntheticHeadCamera : public platform::FrameSource {
 public:
  SyntheticHeadCamera(const XrDisplay& display, core::MarkerMap map, core::CameraModel camera,
                      SyntheticHeadCameraOptions options)
      : display_(display), map_(std::move(map)), camera_(std::move(camera)), options_(options) {
    synth_.clutter = false;
  }
  core::Result<std::optional<platform::CameraFrame>> next() override {
    // Paced at the camera's rate on the monotonic clock (a live camera).
    // A late frame is not made up for with a burst (a camera drops frames, it does not speed up).
    const auto period = static_cast<std::int64_t>(1e9 / options_.fps);
    const std::int64_t now = core::monotonicNs();
    if (next_due_ > now) std::this_thread::sleep_for(std::chrono::nanoseconds(next_due_ - now));
    next_due_ = std::max(next_due_, now) + period;
    const std::int64_t capture = core::monotonicNs();
    const auto head = display_.worldFromCamera(capture);
    const core::Pose T_world_camera = head.value_or(display_.nominalWorldFromCamera());
    platform::CameraFrame f;
    f.index = index_;
    f.capture_time_ns = capture;
    f.name = "synthetic#" + std::to_string(index_);
    // The look-away window counts frames from the first one the runtime placed (the session is running).
    if (head) ++placed_;
    // Before the session runs there is no head pose to render from: those frames show nothing to track (a
    // nominal pose would be taken as the real one by the anchor).
    const bool dark = !head || (placed_ > options_.dark_from && placed_ - 1 <= options_.dark_to && options_.dark_from >= 0);
    if (dark) {  // looking away: an empty grey view
      f.image = core::Image(camera_.width, camera_.height, core::PixelFormat::Bgr8);
      std::fill(f.image.pixels.begin(), f.image.pixels.end(), std::uint8_t{96});
    } else {
      auto frame = tracking::renderSynthFrame(map_, nullptr, camera_, T_world_camera.inverse() * options_.T_world_machine,
                                              synth_, index_);
      if (!frame.ok()) return frame.error();
      f.image = std::move(frame->image);
    }
    ++index_;
    return std::optional<platform::CameraFrame>(std::move(f));
  }
  [[nodiscard]] std::string describe() const override {
    return "synthetic headset camera " + std::to_string(camera_.width) + "x" + std::to_string(camera_.height);
  }
  [[nodiscard]] int frameCountHint() const override { return -1; }
  [[nodiscard]] bool live() const override { return true; }

 private:
  const XrDisplay& display_;
  core::MarkerMap map_;
  core::CameraModel camera_;
  SyntheticHeadCameraOptions options_;
  tracking::SynthOptions synth_;
  int index_ = 0, placed_ = 0;
  std::int64_t next_due_ = 0;
};

}  // namespace

std::unique_ptr<platform::FrameSource> makeSyntheticHeadCamera(const XrDisplay& display, core::MarkerMap map,
                                                               core::CameraModel camera,
                                                               SyntheticHeadCameraOptions options) {
  return std::make_unique<SyntheticHeadCamera>(display, std::move(map), std::move(camera), options);
}

}  // namespace rivet::app
