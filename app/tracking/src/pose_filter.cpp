// One Euro filter on SE(3): adaptive low-pass on translation and on rotation (in the tangent space of the state).
#include "rivet/tracking/pose_filter.hpp"

#include <algorithm>
#include <cmath>

namespace rivet::tracking {
namespace {

double alpha(double cutoff_hz, double dt_s) {
  const double tau = 1.0 / (2.0 * M_PI * cutoff_hz);
  return 1.0 / (1.0 + tau / dt_s);
}

}  // namespace

core::Pose PoseFilter::update(const core::Pose& measured, std::int64_t time_ns) {
  const bool jump = initialized_ && (core::translationDifferenceM(measured, state_) > options_.reset_translation_m ||
                                     core::rotationDifferenceDeg(measured, state_) > options_.reset_rotation_deg);
  if (!initialized_ || time_ns <= last_ns_ || jump) {
    state_ = measured;
    velocity_ = {};
    angular_ = {};
    last_ns_ = time_ns;
    initialized_ = true;
    return state_;
  }
  const double dt = static_cast<double>(time_ns - last_ns_) * 1e-9;
  last_ns_ = time_ns;
  const double ad = alpha(options_.derivative_cutoff_hz, dt);

  // Translation.
  const core::Vec3d dtr = measured.t - state_.t;
  velocity_ = velocity_ + (dtr * (1.0 / dt) - velocity_) * ad;
  const double at = alpha(options_.min_cutoff_hz + options_.beta_translation * std::max(0.0, velocity_.norm() - options_.translation_deadband_mps), dt);
  state_.t = state_.t + dtr * at;

  // Rotation: error as a rotation vector in the state's frame, low-passed the same way.
  const core::Vec3d dr = (state_.R.transposed() * measured.R).toRotationVector();
  angular_ = angular_ + (dr * (1.0 / dt) - angular_) * ad;
  const double ar = alpha(options_.min_cutoff_hz + options_.beta_rotation * std::max(0.0, angular_.norm() - options_.rotation_deadband_radps), dt);
  state_.R = state_.R * core::Mat3d::fromRotationVector(dr * ar);
  return state_;
}

}  // namespace rivet::tracking
