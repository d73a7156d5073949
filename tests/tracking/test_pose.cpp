// Tests pose math: projection, single-marker IPPE and its flip resolution, robust map solve, quality figures.
#include <gtest/gtest.h>

#include <random>

#include "rivet/tracking/pose_solver.hpp"
#include "test_util.hpp"

namespace {

using rivet::core::Pose;
using rivet::core::Vec3d;
using namespace rivet::tracking;
using rivet::test::poseFrom;
using rivet::test::project;
using rivet::test::testCamera;

TEST(PoseMath, ProjectPointMatchesPinholeAndDistortion) {
  auto cam = testCamera();
  auto p = projectPoint(cam, {0.1, -0.05, 0.5});
  EXPECT_NEAR(p.x, 1108.5 * 0.2 + 639.5, 1e-9);
  EXPECT_NEAR(p.y, -1108.5 * 0.1 + 359.5, 1e-9);
  cam.distortion = {0.1, 0, 0, 0, 0};
  // r^2 = 0.05 -> radial 1.005.
  auto q = projectPoint(cam, {0.1, -0.05, 0.5});
  EXPECT_NEAR(q.x, 1108.5 * 0.2 * 1.005 + 639.5, 1e-9);
}

TEST(PoseMath, MarkerCornersFollowOpenCvOrder) {
  const auto c = markerCorners(0.1);
  EXPECT_DOUBLE_EQ(c[0].x, -0.05);
  EXPECT_DOUBLE_EQ(c[0].y, 0.05);
  EXPECT_DOUBLE_EQ(c[2].x, 0.05);
  EXPECT_DOUBLE_EQ(c[2].y, -0.05);
}

TEST(PoseMath, SingleMarkerRecoversExactPose) {
  const auto cam = testCamera();
  const Pose truth = poseFrom({2.6, 0.3, -0.2}, {0.05, -0.02, 0.6});
  const auto det = project(cam, truth, 7, 0.1);
  auto mp = solveMarkerPose(det, 0.1, cam);
  ASSERT_TRUE(mp.ok()) << mp.error().describe();
  EXPECT_LT(rivet::core::translationDifferenceM(mp->T_camera_marker, truth), 1e-6);
  EXPECT_LT(rivet::core::rotationDifferenceDeg(mp->T_camera_marker, truth), 1e-4);
  EXPECT_LT(mp->reprojection_rms_px, 1e-6);
  EXPECT_LT(mp->ambiguity_ratio, 0.01);
  EXPECT_FALSE(mp->ambiguous);  // oblique and noise-free: the flip explains the corners far worse
}

TEST(PoseMath, PriorResolvesIppeFlips) {
  // A small, far, nearly fronto-parallel marker with corner noise: IPPE's two solutions are nearly equally good.
  const auto cam = testCamera();
  std::mt19937 rng(42);
  int flips_without = 0, flips_with = 0, near_ambiguous = 0, flagged = 0, flips_unflagged = 0;
  for (int i = 0; i < 300; ++i) {
    const Pose truth = poseFrom({M_PI + 0.15, 0.1, 0.05}, {0.1, 0.05, 1.5});
    const auto det = project(cam, truth, 1, 0.05, 0.15, &rng);
    auto free = solveMarkerPose(det, 0.05, cam);
    auto guided = solveMarkerPose(det, 0.05, cam, truth);
    ASSERT_TRUE(free.ok() && guided.ok());
    const bool flipped = rivet::core::rotationDifferenceDeg(free->T_camera_marker, truth) > 10;
    if (flipped) ++flips_without;
    if (flipped && !free->ambiguous) ++flips_unflagged;
    if (free->ambiguous) ++flagged;
    EXPECT_FALSE(guided->ambiguous);  // the prior decided
    if (rivet::core::rotationDifferenceDeg(guided->T_camera_marker, truth) > 10) ++flips_with;
    if (free->ambiguity_ratio > 0.5) ++near_ambiguous;
  }
  EXPECT_GT(near_ambiguous, 0);  // the case is genuinely ambiguous...
  EXPECT_GT(flips_without, 0);   // ...the error ratio alone flips sometimes...
  EXPECT_EQ(flips_with, 0);      // ...the previous pose never does...
  EXPECT_EQ(flips_unflagged, 0); // ...and every flip without a prior is flagged ambiguous, never given as a pose.
  EXPECT_GE(flagged, flips_without);
}

TEST(PoseMath, LargeObliqueNoisyMarkerIsNotAmbiguous) {
  // 100 mm at 0.5 m (about 220 px), 35 degrees of tilt, 0.3 px corner noise: the flip is clearly worse.
  const auto cam = testCamera();
  std::mt19937 rng(7);
  for (int i = 0; i < 50; ++i) {
    const Pose truth = poseFrom({M_PI - 0.6, 0.1, 0.05}, {0.02, -0.03, 0.5});
    const auto det = project(cam, truth, 3, 0.1, 0.3, &rng);
    auto mp = solveMarkerPose(det, 0.1, cam);
    ASSERT_TRUE(mp.ok());
    EXPECT_FALSE(mp->ambiguous) << "ratio " << mp->ambiguity_ratio;
    EXPECT_LT(rivet::core::rotationDifferenceDeg(mp->T_camera_marker, truth), 3);
  }
}

TEST(PoseMath, PriorDoesNotOverrideAClearlyBetterSolution) {
  const auto cam = testCamera();
  const Pose truth = poseFrom({2.5, 0.6, 0.1}, {0.0, 0.0, 0.5});  // strongly oblique: unambiguous
  const auto det = project(cam, truth, 1, 0.1);
  // A wrong prior (the mirror-ish pose) must not win against a solution with much lower error.
  const Pose wrong = poseFrom({2.5, -0.6, -0.1}, {0.0, 0.0, 0.5});
  auto mp = solveMarkerPose(det, 0.1, cam, wrong);
  ASSERT_TRUE(mp.ok());
  EXPECT_LT(rivet::core::rotationDifferenceDeg(mp->T_camera_marker, truth), 0.01);
}

TEST(MapSolve, AllMarkersExactAndQualityScalesWithNoise) {
  const auto cam = testCamera();
  const auto map = rivet::test::planarMap();
  const Pose truth = poseFrom({-2.2, 0.2, 0.1}, {0.02, 0.05, 0.8});
  std::vector<Detection> dets;
  for (const auto& m : map.markers) dets.push_back(project(cam, truth * m.T_machine_marker, m.id, m.size_m));
  dets.push_back(project(cam, truth * map.markers[0].T_machine_marker * poseFrom({0, 0, 0}, {0.5, 0, 0}), 99, 0.1));
  auto mp = solveMapPose(dets, map, cam);
  ASSERT_TRUE(mp.ok()) << mp.error().describe();
  EXPECT_LT(rivet::core::translationDifferenceM(mp->T_camera_machine, truth), 1e-6);
  EXPECT_LT(rivet::core::rotationDifferenceDeg(mp->T_camera_machine, truth), 1e-4);
  EXPECT_EQ(mp->used_ids, (std::vector<int>{10, 11, 12, 13}));  // 99 is not in the map
  EXPECT_TRUE(mp->rejected_ids.empty());
  const double err_floor = mp->registration_error_mm;
  EXPECT_GT(err_floor, 0.0);

  std::mt19937 rng(3);
  std::vector<Detection> noisy;
  for (const auto& m : map.markers) noisy.push_back(project(cam, truth * m.T_machine_marker, m.id, m.size_m, 1.0, &rng));
  auto mn = solveMapPose(noisy, map, cam);
  ASSERT_TRUE(mn.ok());
  EXPECT_GT(mn->reprojection_rms_px, 0.3);
  EXPECT_GT(mn->registration_error_mm, 3 * err_floor);
  EXPECT_LT(rivet::core::translationDifferenceM(mn->T_camera_machine, truth), 0.01);
}

TEST(MapSolve, DropsOneOutlierMarker) {
  const auto cam = testCamera();
  const auto map = rivet::test::planarMap();
  const Pose truth = poseFrom({-2.0, -0.3, 0.05}, {-0.03, 0.04, 0.9});
  std::mt19937 rng(5);
  std::vector<Detection> dets;
  for (const auto& m : map.markers) dets.push_back(project(cam, truth * m.T_machine_marker, m.id, m.size_m, 0.1, &rng));
  // Marker 12 was moved on the machine by 3 cm since the map was made.
  dets[2] = project(cam, truth * map.markers[2].T_machine_marker * poseFrom({0, 0, 0.2}, {0.03, 0.0, 0}), 12, 0.1);
  auto naive_map = map;
  MapSolveOptions no_rejection;
  no_rejection.outlier_rms_px = 1e9;
  no_rejection.marker_outlier_px = 1e9;
  auto naive = solveMapPose(dets, map, cam, no_rejection);
  auto mp = solveMapPose(dets, map, cam);
  ASSERT_TRUE(mp.ok() && naive.ok());
  EXPECT_EQ(mp->rejected_ids, std::vector<int>{12});
  EXPECT_EQ(mp->used_ids, (std::vector<int>{10, 11, 13}));
  EXPECT_LT(rivet::core::translationDifferenceM(mp->T_camera_machine, truth), 0.002);
  EXPECT_LT(rivet::core::rotationDifferenceDeg(mp->T_camera_machine, truth), 0.2);
  EXPECT_LT(mp->reprojection_rms_px, 0.5);
  EXPECT_GT(naive->reprojection_rms_px, 2.0);  // without rejection the outlier spoils the fit
}

TEST(MapSolve, SingleMapMarkerUsesPriorAndFailsWithoutMarkers) {
  const auto cam = testCamera();
  const auto map = rivet::test::planarMap();
  const Pose truth = poseFrom({-2.3, 0.1, 0.0}, {0.0, 0.0, 1.2});
  const auto det = project(cam, truth * map.markers[1].T_machine_marker, 11, 0.1);
  auto mp = solveMapPose({det}, map, cam, {}, truth);
  ASSERT_TRUE(mp.ok());
  EXPECT_EQ(mp->used_ids, std::vector<int>{11});
  EXPECT_LT(rivet::core::translationDifferenceM(mp->T_camera_machine, truth), 1e-5);
  EXPECT_FALSE(mp->ambiguous);
  EXPECT_FALSE(solveMapPose({}, map, cam).ok());
  // The same marker small, far and nearly face-on with corner noise and no prior: flagged when the flips tie.
  std::mt19937 rng(3);
  int flagged = 0;
  for (int i = 0; i < 40; ++i) {
    const Pose far = poseFrom({-M_PI / 2 - 0.12, 0.05, 0.0}, {0.1, 0.05, 4.0});
    const auto small = project(cam, far * map.markers[1].T_machine_marker, 11, 0.1, 0.15, &rng);
    auto free = solveMapPose({small}, map, cam);
    ASSERT_TRUE(free.ok());
    if (free->ambiguous) {
      ++flagged;
    } else {
      EXPECT_LT(rivet::core::rotationDifferenceDeg(free->T_camera_machine, far), 10);
    }
  }
  EXPECT_GT(flagged, 0);
  // Two detections of the same id are ignored as unreliable.
  EXPECT_FALSE(solveMapPose({det, det}, map, cam).ok());
}

}  // namespace
