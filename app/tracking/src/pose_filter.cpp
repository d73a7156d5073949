// One Euro filter on SE(3) with constant-velocity prediction: the speed comes from successive measurements (low-
// passed), sets the cutoff (faster = less smoothing) and, beyond a noise dead band, predicts the state forward.
#include "rivet/tracking/pose_filter.hpp"

#include <algorithm>
#include <cmath>

namespace rivet::tracking {
namespace {

double alpha(double cutoff_hz, double dt_s) {
  const double tau = 1.0 / (2.0 * M_PI * cutoff_hz);
  return 1.0 / (1.0 + tau / dt_s);
}

// v gated by its size relative to the noise band: |v|^2 / (|v|^2 + band^2) (noise-sized speeds mostly removed,
// real motion kept, no hard threshold below which slow motion would lag).
core::Vec3d shrink(const core::Vec3d& v, double band) {
  const double n2 = v.dot(v);
  return n2 <= 0 ? core::Vec3d{} : v * (n2 / (n2 + band * band));
}

}  // namespace

core::Pose PoseFilter::update(const core::Pose& measured, std::int64_t time_ns, double translation_sigma_m,
                              double rotation_sigma_rad) {
  const bool jump = initialized_ && (core::translationDifferenceM(measured, state_) > options_.reset_translation_m ||
                                     core::rotationDifferenceDeg(measured, state_) > options_.reset_rotation_deg);
  if (!initialized_ || time_ns <= last_ns_ || jump) {
    state_ = measured;
    last_measured_ = measured;
    velocity_ = {};
    angular_ = {};
    last_ns_ = time_ns;
    initialized_ = true;
    return state_;
  }
  const double dt = static_cast<double>(time_ns - last_ns_) * 1e-9;
  last_ns_ = time_ns;
  const double ad = alpha(options_.derivative_cutoff_hz, dt);

  // Speed estimates from successive measurements.
  velocity_ = velocity_ + ((measured.t - last_measured_.t) * (1.0 / dt) - velocity_) * ad;
  const core::Vec3d dmeas = (last_measured_.R.transposed() * measured.R).toRotationVector();
  angular_ = angular_ + (dmeas * (1.0 / dt) - angular_) * ad;
  last_measured_ = measured;
  // Noise of the low-passed speed for white measurement noise sigma (per axis, 3 axes): sigma sqrt(2) / dt, reduced
  // by the low-pass (sqrt(a / (2 - a))).
  const double speed_noise = std::sqrt(3.0 * 2.0) / dt * std::sqrt(ad / (2.0 - ad));
  const double band_t = std::max(options_.translation_deadband_mps, 2.5 * translation_sigma_m * speed_noise);
  const double band_r = std::max(options_.rotation_deadband_radps, 2.5 * rotation_sigma_rad * speed_noise);
  const core::Vec3d v = shrink(velocity_, band_t);
  const core::Vec3d w = shrink(angular_, band_r);

  // Predict, then correct towards the measurement with the speed-dependent gain.
  core::Pose pred = state_;
  if (options_.predict) {
    pred.t = state_.t + v * dt;
    pred.R = state_.R * core::Mat3d::fromRotationVector(w * dt);
  }
  const double at = alpha(options_.min_cutoff_hz + options_.beta_translation * v.norm(), dt);
  state_.t = pred.t + (measured.t - pred.t) * at;
  const core::Vec3d dr = (pred.R.transposed() * measured.R).toRotationVector();
  const double ar = alpha(options_.min_cutoff_rotation_hz + options_.beta_rotation * w.norm(), dt);
  state_.R = pred.R * core::Mat3d::fromRotationVector(dr * ar);
  return state_;
}

}  // namespace rivet::tracking
