// Headset logic without OpenXR calls: blend-mode choice, pose conventions, ray/panel hits, lazy panel, anchor, dwell.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "rivet/core/pose.hpp"

namespace rivet::xr {

// XrEnvironmentBlendMode, by meaning.
enum class BlendMode : std::uint8_t { Opaque, Additive, AlphaBlend };
const char* toString(BlendMode mode);

// How the headset shows the real world behind the overlay.
struct BlendChoice {
  BlendMode mode = BlendMode::Opaque;
  bool fb_passthrough = false;     // XR_FB_passthrough layer under an OPAQUE projection layer
  bool camera_background = false;  // OPAQUE without passthrough: the camera image is drawn behind the model
  bool dark_is_clear = false;      // ADDITIVE: black shows the world, so shading must stay bright (no dark grey)
  std::string reason;              // English, for the log
};
// ALPHA_BLEND if the runtime lists it, else XR_FB_passthrough under OPAQUE (when the extension is offered and
// OPAQUE is listed), else ADDITIVE, else OPAQUE with the camera image as background. `listed` in the runtime's
// order (xrEnumerateEnvironmentBlendModes). An empty list falls back to OPAQUE + camera (the spec requires one).
BlendChoice chooseBlendMode(std::span<const BlendMode> listed, bool fb_passthrough_offered);

// Frames. OpenXR spaces are right-handed, y up, -z forward (view space); Rivet's renderer and the marker tracker
// use OpenCV's camera frame (x right, y down, z forward). R_xr_cv flips y and z: T_world_eyeCV = T_world_eyeXR·R.
core::Pose xrFromCvCamera();  // rotation of 180° about x (its own inverse)

// A ray in the world (XR frame): origin and unit direction.
struct Ray {
  core::Vec3d origin;
  core::Vec3d direction;
};
// The panel as OpenXR places an XrCompositionLayerQuad: pose of its centre in the world (XR frame: x right, y up,
// the visible side faces +z) and its size. UI pixel (0,0) is the top-left corner as the user sees it.
struct Panel {
  core::Pose T_world_panel;
  double width_m = 0.6;
  double height_m = 0.4;
  int ui_width = 1200;
  int ui_height = 800;
};
// Where `ray` meets the panel's front, in UI pixels, or nothing (misses, parallel, behind the origin, back side).
std::optional<core::Vec2d> hitPanel(const Ray& ray, const Panel& panel);
// The world point of UI pixel (x, y) on the panel (inverse of hitPanel, for aiming tests and gaze feedback).
core::Vec3d panelPoint(const Panel& panel, double x, double y);

// Lazy follow: the panel sits `distance_m` in front of the head, upright (no roll/pitch), and only moves when the
// head has turned more than `recenter_deg` away from it or the distance left [min_m, max_m] (0.7-1.5 m reads
// comfortably); it then eases to the new place (`ease_per_s` of the way per second). Pinned: it stays where it
// is (e.g. next to the machine) until unpinned.
struct PanelFollowOptions {
  double distance_m = 0.9;
  double min_m = 0.7, max_m = 1.5;
  double recenter_deg = 30;
  double drop_m = 0.15;  // panel centre below eye height (reads without looking straight ahead)
  double ease_per_s = 4;
};
class PanelFollower {
 public:
  explicit PanelFollower(PanelFollowOptions options = {}) : options_(options) {}
  // Head pose (XR frame, y up) and the time step; returns the panel pose to use this frame.
  core::Pose update(const core::Pose& T_world_head, double dt_s);
  void pin(const core::Pose& T_world_panel);
  void unpin() { pinned_ = false; }
  [[nodiscard]] bool pinned() const { return pinned_; }
  [[nodiscard]] bool placed() const { return placed_; }

 private:
  core::Pose target(const core::Pose& T_world_head) const;
  PanelFollowOptions options_;
  core::Pose current_, goal_;
  bool placed_ = false, moving_ = false, pinned_ = false;
};

// The machine's pose in the world, kept while the markers are out of view. Each measurement is
// T_world_head(t_capture) · T_head_camera · T_camera_machine; consecutive measurements are blended (position and
// rotation low-pass with `smoothing` weight on the old value), a measurement far from the anchor (a jump beyond
// `reset_m` or `reset_deg`, e.g. the machine was moved) replaces it after `reset_after` such frames in a row.
struct AnchorOptions {
  double smoothing = 0.6;
  double reset_m = 0.05;
  double reset_deg = 5;
  int reset_after = 3;
};
class WorldAnchor {
 public:
  explicit WorldAnchor(AnchorOptions options = {}) : options_(options) {}
  void measure(const core::Pose& T_world_machine);
  [[nodiscard]] bool valid() const { return valid_; }
  [[nodiscard]] const core::Pose& pose() const { return pose_; }
  [[nodiscard]] int measurements() const { return count_; }
  void reset() { valid_ = false; outliers_ = 0; }

 private:
  AnchorOptions options_;
  core::Pose pose_;
  bool valid_ = false;
  int count_ = 0, outliers_ = 0;
};

// Gaze dwell: a click when the pointer stays within `radius_px` for `dwell_s` (then re-arms once it moves away).
class DwellClicker {
 public:
  explicit DwellClicker(double dwell_s = 1.2, double radius_px = 24) : dwell_s_(dwell_s), radius_px_(radius_px) {}
  // Pointer on the panel (nothing = off the panel); true on the frame the dwell completes.
  bool update(std::optional<core::Vec2d> pointer, double dt_s);
  [[nodiscard]] double progress() const;  // 0..1 of the dwell so far (for a ring around the gaze cursor)

 private:
  double dwell_s_, radius_px_;
  core::Vec2d anchor_{};
  double held_s_ = 0;
  bool armed_ = false, fired_ = false;
};

}  // namespace rivet::xr
