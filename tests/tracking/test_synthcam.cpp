// Tests synthcam ground truth against the tracker (pose error at 0.5-1.5 m), determinism, distortion, lost/ROI states.
#include <gtest/gtest.h>

#include <filesystem>

#include "rivet/tracking/image_io.hpp"
#include "rivet/tracking/synthcam.hpp"
#include "rivet/tracking/tracker.hpp"
#include "test_util.hpp"

namespace {

using namespace rivet::tracking;
using rivet::core::Pose;

std::string outDir() {
  const auto dir = std::filesystem::path(RIVET_BINARY_DIR) / "test-tmp" / "tracking";
  std::filesystem::create_directories(dir);
  return dir.string();
}

TEST(Synthcam, TrackedPoseMatchesGroundTruthAlongOrbit) {
  const auto map = rivet::test::planarMap();
  const auto model = makeBoxModel(map);
  const auto cam = cameraFromFov(1280, 720, 60);
  SynthPathOptions po;
  po.frames = 8;
  po.min_dist_m = 0.5;
  po.max_dist_m = 1.5;
  po.seed = 7;
  const auto path = synthCameraPath(map, po);
  ASSERT_EQ(path.size(), 8u);
  TrackerOptions to;
  to.enable_filter = false;
  to.enable_roi = false;
  auto tracker = Tracker::create(map, cam, to);
  ASSERT_TRUE(tracker.ok()) << tracker.error().describe();
  SynthOptions so;
  so.noise_sigma = 2;
  so.seed = 7;
  double min_d = 1e9, max_d = 0;
  for (size_t i = 0; i < path.size(); ++i) {
    auto frame = renderSynthFrame(map, &model, cam, path[i], so, static_cast<int>(i));
    ASSERT_TRUE(frame.ok());
    if (i == 0) {
      ASSERT_TRUE(saveImage(outDir() + "/synth-orbit-0.png", frame->image).ok());
    }
    ASSERT_FALSE(frame->visible_markers.empty()) << "frame " << i;
    const auto r = tracker->process(frame->image, static_cast<std::int64_t>(i) * 33'333'333);
    ASSERT_TRUE(r.tracked) << "frame " << i;
    for (int id : frame->visible_markers) {
      EXPECT_TRUE(std::find(r.marker_ids.begin(), r.marker_ids.end(), id) != r.marker_ids.end())
          << "frame " << i << " missed marker " << id;
    }
    const double dist = (path[i] * map.markers[0].T_machine_marker).t.norm();
    min_d = std::min(min_d, dist);
    max_d = std::max(max_d, dist);
    EXPECT_LT(rivet::core::translationDifferenceM(r.T_camera_machine, path[i]), 0.005) << "frame " << i;
    EXPECT_LT(rivet::core::rotationDifferenceDeg(r.T_camera_machine, path[i]), 1.0) << "frame " << i;
    EXPECT_LT(r.reprojection_rms_px, 0.5);
    EXPECT_GT(r.registration_error_mm, 0.0);
  }
  EXPECT_LT(min_d, 0.8);  // the path really spans near and far
  EXPECT_GT(max_d, 1.1);
}

TEST(Synthcam, DeterministicWithSeedAndDistortionTracked) {
  const auto map = rivet::test::planarMap();
  auto cam = cameraFromFov(1280, 720, 60);
  cam.distortion = {-0.12, 0.05, 0.001, -0.001, 0};
  const auto T = rivet::test::poseFrom({-2.1, 0.15, 0.1}, {0.0, 0.02, 0.8});
  SynthOptions so;
  so.noise_sigma = 3;
  so.blur_px = 3;
  so.lighting = true;
  so.seed = 11;
  auto a = renderSynthFrame(map, nullptr, cam, T, so, 4);
  auto b = renderSynthFrame(map, nullptr, cam, T, so, 4);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->image.pixels, b->image.pixels);
  so.seed = 12;
  auto c = renderSynthFrame(map, nullptr, cam, T, so, 4);
  EXPECT_NE(a->image.pixels, c->image.pixels);
  ASSERT_TRUE(saveImage(outDir() + "/synth-distorted.png", a->image).ok());
  TrackerOptions to;
  to.enable_filter = false;
  auto tracker = Tracker::create(map, cam, to);
  ASSERT_TRUE(tracker.ok());
  const auto r = tracker->process(a->image, 0);
  ASSERT_TRUE(r.tracked);
  EXPECT_EQ(r.marker_ids, (std::vector<int>{10, 11, 12, 13}));
  EXPECT_LT(rivet::core::translationDifferenceM(r.T_camera_machine, T), 0.003);
  EXPECT_LT(rivet::core::rotationDifferenceDeg(r.T_camera_machine, T), 0.5);
  // The undistorted image is a different image of the same size.
  const auto u = undistortImage(a->image, cam);
  EXPECT_EQ(u.width, a->image.width);
  EXPECT_NE(u.pixels, a->image.pixels);
  auto pin = cam;
  pin.distortion = {0, 0, 0, 0, 0};
  EXPECT_EQ(undistortImage(a->image, pin).pixels, a->image.pixels);
}

TEST(Tracker, LostThenReacquiredInTheFirstFrameAndRoiTracking) {
  const auto map = rivet::test::planarMap();
  const auto cam = cameraFromFov(1280, 720, 60);
  SynthPathOptions po;
  po.path = SynthPath::Walk;
  po.frames = 14;
  po.min_dist_m = 0.7;
  po.max_dist_m = 1.0;
  const auto path = synthCameraPath(map, po);
  auto tracker = Tracker::create(map, cam);
  ASSERT_TRUE(tracker.ok());
  SynthOptions so;
  so.noise_sigma = 1;
  rivet::core::MarkerMap empty = map;
  empty.markers.clear();
  int roi_frames = 0, edge_frames = 0;
  for (size_t i = 0; i < path.size(); ++i) {
    const bool hidden = i == 6 || i == 7;
    auto frame = renderSynthFrame(hidden ? empty : map, nullptr, cam, path[i], so, static_cast<int>(i));
    ASSERT_TRUE(frame.ok());
    const auto r = tracker->process(frame->image, static_cast<std::int64_t>(i) * 33'333'333);
    if (hidden) {
      EXPECT_FALSE(r.tracked) << i;
      EXPECT_EQ(r.frames_since_seen, static_cast<int>(i) - 5);
      continue;
    }
    ASSERT_TRUE(r.tracked) << i;
    EXPECT_EQ(r.frames_since_seen, 0);
    EXPECT_EQ(r.reacquired, i == 8) << i;
    if (!r.full_scan) ++roi_frames;
    if (r.edge_tracked > 0) ++edge_frames;
    EXPECT_LT(rivet::core::translationDifferenceM(r.T_camera_machine_raw, path[i]), 0.005) << i;
    // Filtered output stays close to the truth (walk speed is low), raw is what the solve gave.
    EXPECT_LT(rivet::core::translationDifferenceM(r.T_camera_machine, path[i]), 0.015) << i;
  }
  EXPECT_GE(roi_frames, 6);
  EXPECT_GE(edge_frames, 5);  // most tracked frames re-fit the markers directly from their prediction
  // Wrong-size frames are not tracked and do not crash.
  const auto r = tracker->process(rivet::core::Image(640, 480, rivet::core::PixelFormat::Gray8), 0);
  EXPECT_FALSE(r.tracked);
}

TEST(Tracker, RejectsBadSetup) {
  auto map = rivet::test::planarMap();
  const auto cam = cameraFromFov(1280, 720, 60);
  auto bad_dict = map;
  bad_dict.dictionary = "DICT_9X9_1";
  EXPECT_FALSE(Tracker::create(bad_dict, cam).ok());
  auto bad_size = map;
  bad_size.markers[0].size_m = 0;
  EXPECT_FALSE(Tracker::create(bad_size, cam).ok());
  EXPECT_FALSE(Tracker::create(map, rivet::core::CameraModel{}).ok());
  rivet::core::MarkerMap none;
  none.dictionary = "DICT_6X6_250";
  EXPECT_FALSE(Tracker::create(none, cam).ok());
}

}  // namespace
