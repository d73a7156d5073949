// Tests the One Euro SE(3) pose filter: jitter reduction when still, small lag when moving, reset on jumps.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "rivet/tracking/pose_filter.hpp"
#include "test_util.hpp"

namespace {

using rivet::core::Pose;
using rivet::tracking::PoseFilter;

constexpr std::int64_t kFrameNs = 33'333'333;

TEST(PoseFilter, RemovesJitterOnAStillPose) {
  PoseFilter f;
  std::mt19937 rng(1);
  std::normal_distribution<double> n_t(0, 0.0005), n_r(0, 0.001);
  const Pose truth = rivet::test::poseFrom({0.3, 0.2, 0.1}, {0.05, 0.0, 0.6});
  double raw_sq = 0, filt_sq = 0, raw_rot = 0, filt_rot = 0;
  int count = 0;
  for (int i = 0; i < 300; ++i) {
    Pose m = truth;
    m.t = m.t + rivet::core::Vec3d{n_t(rng), n_t(rng), n_t(rng)};
    m.R = m.R * rivet::core::Mat3d::fromRotationVector({n_r(rng), n_r(rng), n_r(rng)});
    const Pose out = f.update(m, i * kFrameNs, 0.0005, 0.001);  // the solver's noise estimate
    if (i >= 60) {
      raw_sq += std::pow(rivet::core::translationDifferenceM(m, truth), 2);
      filt_sq += std::pow(rivet::core::translationDifferenceM(out, truth), 2);
      raw_rot += std::pow(rivet::core::rotationDifferenceDeg(m, truth), 2);
      filt_rot += std::pow(rivet::core::rotationDifferenceDeg(out, truth), 2);
      ++count;
    }
  }
  EXPECT_LT(std::sqrt(filt_sq / count), 0.4 * std::sqrt(raw_sq / count));
  EXPECT_LT(std::sqrt(filt_rot / count), 0.4 * std::sqrt(raw_rot / count));
}

TEST(PoseFilter, FollowsMotionWithSmallLag) {
  for (const double sigma : {-1.0, 0.0005}) {  // noise unknown, and noise as in the jitter test
    PoseFilter f;
    double max_lag = 0, max_rot_lag = 0;
    for (int i = 0; i < 90; ++i) {
      // A head moving at 0.3 m/s and turning at 0.4 rad/s.
      Pose m = rivet::test::poseFrom({0.0, 0.4 * i / 30.0, 0.0}, {0.3 * i / 30.0, 0.0, 0.8});
      const Pose out = f.update(m, i * kFrameNs, sigma, sigma > 0 ? 0.001 : -1);
      if (i > 15) {
        max_lag = std::max(max_lag, rivet::core::translationDifferenceM(out, m));
        max_rot_lag = std::max(max_rot_lag, rivet::core::rotationDifferenceDeg(out, m));
      }
    }
    EXPECT_LT(max_lag, 0.002) << sigma;
    // With noisy measurements the dead band that keeps jitter out costs a little lag (about 15 ms here).
    EXPECT_LT(max_rot_lag, sigma > 0 ? 0.5 : 0.2) << sigma;
  }
}

TEST(PoseFilter, RestartsOnJumpsAndTimeGoingBack) {
  PoseFilter f;
  const Pose a = rivet::test::poseFrom({0, 0, 0}, {0, 0, 1});
  const Pose b = rivet::test::poseFrom({0, 0, 0}, {0.5, 0, 1});
  f.update(a, 0);
  f.update(a, kFrameNs);
  const Pose out = f.update(b, 2 * kFrameNs);
  EXPECT_LT(rivet::core::translationDifferenceM(out, b), 1e-12);
  const Pose back = f.update(a, kFrameNs);
  EXPECT_LT(rivet::core::translationDifferenceM(back, a), 1e-12);
}

}  // namespace
