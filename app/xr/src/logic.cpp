// Headset logic without OpenXR calls: blend-mode choice, ray/panel hits, lazy panel follow, world anchor, dwell.
#include "rivet/xr/logic.hpp"

#include <algorithm>
#include <cmath>

namespace rivet::xr {
namespace {
constexpr double kPi = 3.14159265358979323846;
bool listedIn(std::span<const BlendMode> listed, BlendMode m) {
  return std::find(listed.begin(), listed.end(), m) != listed.end();
}
// Rotation about the world's y axis (up) by `yaw` radians.
core::Mat3d yawRotation(double yaw) { return core::Mat3d::fromAxisAngle({0, 1, 0}, yaw); }
// Yaw of a head: the heading of its -z (forward) projected on the floor.
double headingOf(const core::Pose& T_world_head) {
  const core::Vec3d fwd = T_world_head.R * core::Vec3d{0, 0, -1};
  return std::atan2(-fwd.x, -fwd.z);
}
}  // namespace

const char* toString(BlendMode mode) {
  switch (mode) {
    case BlendMode::Opaque: return "opaque";
    case BlendMode::Additive: return "additive";
    case BlendMode::AlphaBlend: return "alpha_blend";
  }
  return "?";
}

BlendChoice chooseBlendMode(std::span<const BlendMode> listed, bool fb_passthrough_offered) {
  BlendChoice c;
  if (listedIn(listed, BlendMode::AlphaBlend)) {
    c.mode = BlendMode::AlphaBlend;
    c.reason = "the runtime composites the overlay over its own view of the world (ALPHA_BLEND)";
  } else if (fb_passthrough_offered && listedIn(listed, BlendMode::Opaque)) {
    c.mode = BlendMode::Opaque;
    c.fb_passthrough = true;
    c.reason = "OPAQUE with an XR_FB_passthrough layer underneath";
  } else if (listedIn(listed, BlendMode::Additive)) {
    c.mode = BlendMode::Additive;
    c.dark_is_clear = true;
    c.reason = "optical see-through (ADDITIVE): black is see-through, shading kept bright";
  } else {
    c.mode = BlendMode::Opaque;
    c.camera_background = true;
    c.reason = listed.empty() ? "the runtime lists no blend mode: OPAQUE with the camera image as background"
                              : "OPAQUE only: the camera image is drawn as background (video see-through)";
  }
  return c;
}

core::Pose xrFromCvCamera() {
  core::Pose p;
  p.R.m = {1, 0, 0, 0, -1, 0, 0, 0, -1};  // 180° about x, exact
  return p;
}

std::optional<core::Vec2d> hitPanel(const Ray& ray, const Panel& panel) {
  const core::Pose T_panel_world = panel.T_world_panel.inverse();
  const core::Vec3d o = T_panel_world * ray.origin;
  const core::Vec3d d = T_panel_world.R * ray.direction;
  if (o.z <= 0 || d.z >= -1e-9) return std::nullopt;  // behind the panel, or not heading towards its front
  const double s = -o.z / d.z;
  const core::Vec3d p = o + d * s;
  const double u = p.x / panel.width_m + 0.5;   // 0 at the left edge
  const double v = 0.5 - p.y / panel.height_m;  // 0 at the top edge (y up in the panel)
  if (u < 0 || u > 1 || v < 0 || v > 1) return std::nullopt;
  return core::Vec2d{u * panel.ui_width, v * panel.ui_height};
}

core::Vec3d panelPoint(const Panel& panel, double x, double y) {
  const double u = x / panel.ui_width - 0.5;
  const double v = 0.5 - y / panel.ui_height;
  return panel.T_world_panel * core::Vec3d{u * panel.width_m, v * panel.height_m, 0};
}

core::Pose PanelFollower::target(const core::Pose& T_world_head) const {
  const double yaw = headingOf(T_world_head);
  core::Pose p;
  p.R = yawRotation(yaw);
  p.t = T_world_head.t + p.R * core::Vec3d{0, -options_.drop_m, -options_.distance_m};
  return p;
}

core::Pose PanelFollower::update(const core::Pose& T_world_head, double dt_s) {
  if (pinned_) return current_;
  if (!placed_) {
    current_ = goal_ = target(T_world_head);
    placed_ = true;
    return current_;
  }
  // Head-relative check: how far the panel has drifted out of the comfortable zone.
  const core::Vec3d to_panel = current_.t - T_world_head.t;
  const double dist = std::hypot(to_panel.x, to_panel.z);
  const double panel_heading = std::atan2(-to_panel.x, -to_panel.z);
  const double dyaw = std::remainder(panel_heading - headingOf(T_world_head), 2 * kPi);
  if (!moving_ && (std::abs(dyaw) * 180 / kPi > options_.recenter_deg || dist < options_.min_m || dist > options_.max_m)) {
    moving_ = true;
  }
  if (moving_) {
    goal_ = target(T_world_head);
    const double a = std::clamp(options_.ease_per_s * dt_s, 0.0, 1.0);
    current_.t = current_.t + (goal_.t - current_.t) * a;
    const core::Vec3d rv = (current_.R.transposed() * goal_.R).toRotationVector();
    current_.R = current_.R * core::Mat3d::fromRotationVector(rv * a);
    if (core::translationDifferenceM(current_, goal_) < 0.01 && core::rotationDifferenceDeg(current_, goal_) < 1) {
      current_ = goal_;
      moving_ = false;
    }
  }
  return current_;
}

void PanelFollower::pin(const core::Pose& T_world_panel) {
  current_ = T_world_panel;
  placed_ = pinned_ = true;
  moving_ = false;
}

void WorldAnchor::measure(const core::Pose& T_world_machine) {
  ++count_;
  if (!valid_) {
    pose_ = T_world_machine;
    valid_ = true;
    outliers_ = 0;
    return;
  }
  const bool jump = core::translationDifferenceM(pose_, T_world_machine) > options_.reset_m ||
                    core::rotationDifferenceDeg(pose_, T_world_machine) > options_.reset_deg;
  if (jump) {
    // One wild frame never drags the anchor; a machine really moved is followed after a few frames.
    if (++outliers_ >= options_.reset_after) {
      pose_ = T_world_machine;
      outliers_ = 0;
    }
    return;
  }
  outliers_ = 0;
  const double a = 1.0 - options_.smoothing;
  pose_.t = pose_.t + (T_world_machine.t - pose_.t) * a;
  const core::Vec3d rv = (pose_.R.transposed() * T_world_machine.R).toRotationVector();
  pose_.R = pose_.R * core::Mat3d::fromRotationVector(rv * a);
}

bool DwellClicker::update(std::optional<core::Vec2d> pointer, double dt_s) {
  if (!pointer) {
    armed_ = fired_ = false;
    held_s_ = 0;
    return false;
  }
  const double dx = pointer->x - anchor_.x, dy = pointer->y - anchor_.y;
  if (!armed_ || std::hypot(dx, dy) > radius_px_) {
    anchor_ = *pointer;
    armed_ = true;
    fired_ = false;
    held_s_ = 0;
    return false;
  }
  if (fired_) return false;
  held_s_ += dt_s;
  if (held_s_ >= dwell_s_) {
    fired_ = true;
    return true;
  }
  return false;
}

double DwellClicker::progress() const {
  if (!armed_ || fired_) return 0;
  return std::clamp(held_s_ / dwell_s_, 0.0, 1.0);
}

}  // namespace rivet::xr
