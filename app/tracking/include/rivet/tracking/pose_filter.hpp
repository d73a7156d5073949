// Temporal filter for poses: One Euro filter on SE(3) with constant-velocity prediction (removes jitter when still,
// no steady lag when moving).
#pragma once

#include <cstdint>

#include "rivet/core/pose.hpp"

namespace rivet::tracking {

struct PoseFilterOptions {
  double min_cutoff_hz = 1.0;          // translation cutoff when still: lower = less jitter, more lag
  double min_cutoff_rotation_hz = 1.5; // rotation cutoff when still (rotation lag shows most on the overlay)
  double beta_translation = 60.0;      // cutoff rise per m/s of translation speed
  double beta_rotation = 5.0;          // cutoff rise per rad/s of rotation speed
  // The state is predicted with the speed estimate (beyond the dead bands below) before each correction, so a
  // steady motion is followed without lag; false = plain One Euro.
  bool predict = true;
  double derivative_cutoff_hz = 4.0;   // smoothing of the speed estimate
  // Speeds below a dead band are treated as measurement noise (no cutoff rise, no prediction): jitter does not open
  // the filter. The band follows the measurement noise given to update() (2.5 sigma of the speed estimate's noise),
  // and is at least these floors.
  double translation_deadband_mps = 0.002;
  double rotation_deadband_radps = 0.005;
  double reset_translation_m = 0.10;   // a jump larger than this restarts the filter (re-acquisition, not motion)
  double reset_rotation_deg = 25.0;
};

class PoseFilter {
 public:
  explicit PoseFilter(PoseFilterOptions options = {}) : options_(options) {}

  // Filtered pose for a new measurement at `time_ns` (monotonic). The first call, a jump beyond the reset thresholds
  // or a non-increasing time returns the measurement unchanged and restarts the filter. `translation_sigma_m` and
  // `rotation_sigma_rad`: 1-sigma per-axis noise of this measurement (e.g. MapPose's), < 0 when unknown.
  core::Pose update(const core::Pose& measured, std::int64_t time_ns, double translation_sigma_m = -1,
                    double rotation_sigma_rad = -1);
  void reset() { initialized_ = false; }
  [[nodiscard]] bool initialized() const { return initialized_; }
  [[nodiscard]] const PoseFilterOptions& options() const { return options_; }

 private:
  PoseFilterOptions options_;
  bool initialized_ = false;
  core::Pose state_{};
  core::Vec3d velocity_{};     // filtered translation speed, m/s
  core::Vec3d angular_{};      // filtered rotation speed (rotation vector per second, state frame), rad/s
  core::Pose last_measured_{};
  std::int64_t last_ns_ = 0;
};

}  // namespace rivet::tracking
