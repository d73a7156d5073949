// Tests camera.yaml round trip, OpenCV calibration files and error messages of loadCamera.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "rivet/tracking/camera_io.hpp"

namespace {

std::string sharedData() {
  const char* env = std::getenv("RIVET_SHARED_DATA");
  return env != nullptr ? env : RIVET_SOURCE_DIR "/../shared/data";
}

std::string tempFile(const std::string& name, const std::string& text) {
  const auto dir = std::filesystem::path(RIVET_BINARY_DIR) / "test-tmp" / "tracking";
  std::filesystem::create_directories(dir);
  const auto p = dir / name;
  std::ofstream(p) << text;
  return p.string();
}

TEST(CameraIo, RoundTripIsExact) {
  rivet::core::CameraModel c;
  c.width = 1280;
  c.height = 720;
  c.fx = 1108.5125019;
  c.fy = 1109.25;
  c.cx = 639.5;
  c.cy = 359.25;
  c.distortion = {0.1, -0.25, 0.001, -0.002, 0.05};
  c.calibration_rms_px = 0.23;
  const std::string path = tempFile("roundtrip.yaml", "");
  ASSERT_TRUE(rivet::tracking::saveCamera(path, c).ok());
  auto back = rivet::tracking::loadCamera(path);
  ASSERT_TRUE(back.ok()) << back.error().describe();
  EXPECT_EQ(back->width, c.width);
  EXPECT_EQ(back->height, c.height);
  EXPECT_EQ(back->fx, c.fx);
  EXPECT_EQ(back->fy, c.fy);
  EXPECT_EQ(back->cx, c.cx);
  EXPECT_EQ(back->cy, c.cy);
  EXPECT_EQ(back->distortion, c.distortion);
  EXPECT_EQ(back->calibration_rms_px, c.calibration_rms_px);
}

TEST(CameraIo, ReadsOpenCvTutorialFiles) {
  const std::string dir = sharedData() + "/markers/opencv_contrib_aruco_tutorial/";
  auto a = rivet::tracking::loadCamera(dir + "tutorial_camera_params.yml");
  ASSERT_TRUE(a.ok()) << a.error().describe();
  EXPECT_DOUBLE_EQ(a->fx, 628.158);
  EXPECT_DOUBLE_EQ(a->cy, 260.908);
  EXPECT_DOUBLE_EQ(a->distortion[0], 0.0995485);
  EXPECT_EQ(a->width, 0);  // this file has no image size
  auto sized = rivet::tracking::adaptCameraToImage(*a, 640, 480);
  ASSERT_TRUE(sized.ok());
  EXPECT_EQ(sized->width, 640);
  EXPECT_DOUBLE_EQ(sized->fx, 628.158);

  auto b = rivet::tracking::loadCamera(dir + "tutorial_camera_charuco.yml");
  ASSERT_TRUE(b.ok()) << b.error().describe();
  EXPECT_EQ(b->width, 640);
  EXPECT_EQ(b->height, 480);
  EXPECT_NEAR(b->fx, 452.51072219637672, 1e-9);
  EXPECT_NEAR(b->distortion[4], 2.9542589406810080, 1e-12);
  EXPECT_NEAR(b->calibration_rms_px, 0.18234905535936044, 1e-12);
}

TEST(CameraIo, AdaptScalesIntrinsicsAndRejectsOtherAspect) {
  rivet::core::CameraModel c;
  c.width = 1280;
  c.height = 720;
  c.fx = c.fy = 1000;
  c.cx = 639.5;
  c.cy = 359.5;
  auto half = rivet::tracking::adaptCameraToImage(c, 640, 360);
  ASSERT_TRUE(half.ok());
  EXPECT_DOUBLE_EQ(half->fx, 500);
  EXPECT_DOUBLE_EQ(half->cx, 319.5);  // centre stays the centre with pixel centres at integers
  auto bad = rivet::tracking::adaptCameraToImage(c, 640, 480);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("640x480"), std::string::npos);
}

TEST(CameraIo, ErrorsNameFileLineAndKey) {
  auto missing = rivet::tracking::loadCamera("/nonexistent/camera.yaml");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().where, "/nonexistent/camera.yaml");

  const std::string no_fx = tempFile("nofx.yaml", "# test\nwidth: 640\nheight: 480\nfy: 500\ncx: 320\ncy: 240\n");
  auto a = rivet::tracking::loadCamera(no_fx);
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.error().message.find("'fx'"), std::string::npos) << a.error().describe();

  const std::string bad_num = tempFile("badnum.yaml", "width: 640\nheight: 480\nfx: abc\nfy: 500\ncx: 320\ncy: 240\n");
  auto b = rivet::tracking::loadCamera(bad_num);
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.error().where.find(":3"), std::string::npos) << b.error().describe();

  const std::string bad_dist =
      tempFile("baddist.yaml", "width: 640\nheight: 480\nfx: 500\nfy: 500\ncx: 320\ncy: 240\ndistortion: [1, 2]\n");
  auto c = rivet::tracking::loadCamera(bad_dist);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("distortion"), std::string::npos);
  EXPECT_NE(c.error().where.find(":7"), std::string::npos) << c.error().describe();

  const std::string syntax = tempFile("syntax.yaml", "width: [640\nheight: 480\n");
  auto d = rivet::tracking::loadCamera(syntax);
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.error().message.find("syntax"), std::string::npos);

  const std::string neg = tempFile("neg.yaml", "width: -5\nheight: 480\nfx: 500\nfy: 500\ncx: 320\ncy: 240\n");
  EXPECT_FALSE(rivet::tracking::loadCamera(neg).ok());
}

}  // namespace
