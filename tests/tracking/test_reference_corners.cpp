// Corner order and marker frame against the reference libraries: markers drawn by OpenCV / libapriltag themselves,
// at in-plane rotations, must give Rivet's corner 0 and pose orientation exactly as the reference detector does.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>

#include "../common/reference_markers.hpp"
#include "rivet/tracking/detector.hpp"
#include "rivet/tracking/pose_solver.hpp"

namespace {

using namespace rivet;
namespace ref = rivet::test::ref;

core::CameraModel camera() {
  core::CameraModel c;
  c.width = 800;
  c.height = 600;
  c.fx = c.fy = 700;
  c.cx = 399.5;
  c.cy = 299.5;
  return c;
}

cv::Matx33d K(const core::CameraModel& c) { return {c.fx, 0, c.cx, 0, c.fy, c.cy, 0, 0, 1}; }

cv::Matx33d axisAngle(cv::Vec3d axis, double deg) {
  cv::Matx33d R;
  cv::Rodrigues(axis * (deg * M_PI / 180 / cv::norm(axis)), R);
  return R;
}

cv::Matx33d toCv(const core::Mat3d& m) {
  cv::Matx33d r;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) r(i, j) = m(i, j);
  return r;
}

core::Image toImage(const cv::Mat& gray) {
  core::Image im(gray.cols, gray.rows, core::PixelFormat::Gray8);
  for (int y = 0; y < gray.rows; ++y) std::copy_n(gray.ptr<std::uint8_t>(y), gray.cols, im.row(y));
  return im;
}

constexpr double kSize = 0.1;

// The reference drawing of marker `id`, seen by camera() facing it at 0.32 m, turned by `roll_deg` about its normal
// (positive: clockwise in the image) and tilted by 25 degrees. R_camera_marker is the truth in Rivet's marker frame
// (x right and y up on the drawing, z out of its face).
struct Scene {
  cv::Mat image;
  cv::Matx33d R_camera_marker;
  std::array<cv::Point2d, 4> corners;  // the drawing's TL, TR, BR, BL, projected
};

Scene render(const std::string& dictionary, int id, double roll_deg) {
  const int ppm = 24;
  const ref::Drawing d = ref::draw(dictionary, id, ppm);
  Scene s;
  s.R_camera_marker = axisAngle({1, 0.3, 0}, 25) * axisAngle({0, 0, 1}, -roll_deg) * axisAngle({1, 0, 0}, 180);
  const cv::Vec3d t(0.01, -0.008, 0.32);
  const cv::Matx33d& R = s.R_camera_marker;
  // Drawing pixel (x, y) (centres at integers) -> marker plane (X, Y): module (x + 0.5) / ppm, black square's
  // top-left at (-size / 2, size / 2).
  const double a = kSize / d.black / ppm, b = (0.5 / ppm - d.offset) * kSize / d.black;
  const cv::Matx33d A(a, 0, -kSize / 2 + b, 0, -a, kSize / 2 - b, 0, 0, 1);
  const cv::Matx33d P(R(0, 0), R(0, 1), t[0], R(1, 0), R(1, 1), t[1], R(2, 0), R(2, 1), t[2]);
  const auto cam = camera();
  cv::warpPerspective(d.image, s.image, cv::Mat(K(cam) * P * A), cv::Size(cam.width, cam.height), cv::INTER_LINEAR,
                      cv::BORDER_CONSTANT, cv::Scalar(255));
  const double h = kSize / 2;
  const cv::Vec3d local[4] = {{-h, h, 0}, {h, h, 0}, {h, -h, 0}, {-h, -h, 0}};
  for (size_t k = 0; k < 4; ++k) {
    const cv::Vec3d p = K(cam) * (R * local[k] + t);
    s.corners[k] = {p[0] / p[2], p[1] / p[2]};
  }
  return s;
}

// Rivet's detectors for `dictionary`: the default and, where both libraries have the family, each backend.
std::vector<std::pair<std::string, tracking::DetectorOptions>> rivetDetectors(const std::string& dictionary) {
  std::vector<std::pair<std::string, tracking::DetectorOptions>> v{{"default", {}}};
  if (dictionary == "tag36h11" || dictionary == "DICT_APRILTAG_36h11") {
    tracking::DetectorOptions o;
    o.backend = tracking::DetectorBackend::OpenCvAruco;
    v.emplace_back("opencv backend", o);
    o.backend = tracking::DetectorBackend::AprilTag;
    v.emplace_back("apriltag backend", o);
    o.refine_corners = false;
    o.backend_defaults = true;
    o.apriltag_decimate = 1;
    v.emplace_back("apriltag backend as shipped", o);
  }
  return v;
}

// One family at six in-plane rotations: the reference finds its own drawing with corner 0 at the drawing's
// top-left and the true orientation; Rivet reports the same corner 0 (no cyclic-shift search) and orientation.
void checkFamily(const std::string& dictionary, int id) {
  SCOPED_TRACE(dictionary);
  const auto cam = camera();
  const cv::Matx33d k = K(cam);
  for (const double roll : {0.0, 90.0, 180.0, 270.0, 33.0, 217.0}) {
    SCOPED_TRACE("roll " + std::to_string(roll));
    const Scene s = render(dictionary, id, roll);
    const auto refs = ref::detect(s.image, dictionary, &k, kSize);
    ASSERT_EQ(refs.size(), 1u) << "reference detector";
    const ref::Marker& r = refs[0];
    EXPECT_EQ(r.id, id);
    for (size_t c = 0; c < 4; ++c) EXPECT_LT(cv::norm(r.corners[c] - s.corners[c]), 1.5) << "reference corner " << c;
    ASSERT_TRUE(r.R_camera_marker.has_value());
    EXPECT_LT(ref::angleDeg(*r.R_camera_marker, s.R_camera_marker), 1.0) << "reference pose";
    const core::Image img = toImage(s.image);
    for (const auto& [what, options] : rivetDetectors(dictionary)) {
      SCOPED_TRACE(what);
      auto det = tracking::MarkerDetector::create(dictionary, options);
      ASSERT_TRUE(det.ok()) << det.error().describe();
      const auto found = det->detect(img);
      ASSERT_EQ(found.size(), 1u);
      EXPECT_EQ(found[0].id, id);
      for (size_t c = 0; c < 4; ++c) {
        const cv::Point2d p(found[0].corners_px[c].x, found[0].corners_px[c].y);
        EXPECT_LT(cv::norm(p - r.corners[c]), 1.5) << "corner " << c << " differs from the reference's";
      }
      auto pose = tracking::solveMarkerPose(found[0], kSize, cam);
      ASSERT_TRUE(pose.ok()) << pose.error().describe();
      EXPECT_FALSE(pose->ambiguous);
      EXPECT_LT(ref::angleDeg(toCv(pose->T_camera_marker.R), *r.R_camera_marker), 1.0) << "pose vs the reference's";
      EXPECT_LT(ref::angleDeg(toCv(pose->T_camera_marker.R), s.R_camera_marker), 0.5) << "pose vs the truth";
    }
  }
}

TEST(ReferenceCorners, EveryOpenCvDictionaryMatchesOpenCv) {
  for (const auto& d : ref::kCvDicts) checkFamily(std::string(d.name), 7);
}

TEST(ReferenceCorners, AprilTagFamiliesMatchLibAprilTag) {
  for (const auto f : ref::kAprilFamilies) checkFamily(std::string(f), 7);
}

// Rivet's own drawings are the reference's: DICT_* by cv::aruco::drawMarker, tag36h11 / tagStandard41h12 by
// apriltag_to_image (so synthetic frames and rivet-markers sheets carry each reference's orientation).
TEST(ReferenceCorners, RivetDrawsEachNameAsItsReference) {
  std::vector<std::string> names;
  for (const auto& d : ref::kCvDicts) names.emplace_back(d.name);
  for (const auto f : ref::kAprilFamilies) names.emplace_back(f);
  for (const auto& name : names) {
    for (const int id : {0, 7, 29}) {
      const ref::Drawing r = ref::draw(name, id, 1, 1);
      auto ours = tracking::drawMarkerImage(name, id, 1, 1);
      ASSERT_TRUE(ours.ok()) << name;
      EXPECT_EQ(ours->black_square_modules, r.black) << name;
      EXPECT_EQ(ours->black_offset_modules, r.offset) << name;
      ASSERT_EQ(ours->image.width, r.image.cols) << name;
      ASSERT_EQ(ours->image.height, r.image.rows) << name;
      int differing = 0;
      for (int y = 0; y < r.image.rows; ++y)
        for (int x = 0; x < r.image.cols; ++x)
          differing += (ours->image.row(y)[x] > 127) != (r.image.at<std::uint8_t>(y, x) > 127) ? 1 : 0;
      EXPECT_EQ(differing, 0) << name << " id " << id;
    }
  }
}

// The two references disagree on tag36h11: OpenCV 4.6's DICT_APRILTAG_36h11 drawing is libapriltag's tag36h11
// drawing turned by 180 degrees, and on one print OpenCV's corner k is libapriltag's corner (k + 2) % 4. Rivet keeps
// each name faithful to its reference: on the same image "DICT_APRILTAG_36h11" gives OpenCV's corners, "tag36h11"
// libapriltag's, whichever backend runs.
TEST(ReferenceCorners, OpenCvAndAprilTag36h11DifferBy180Degrees) {
  for (const int id : {0, 5, 300}) {
    const ref::Drawing cvd = ref::draw("DICT_APRILTAG_36h11", id, 1, 0);
    const ref::Drawing atd = ref::draw("tag36h11", id, 1, 0);
    cv::Mat at_inner = atd.image(cv::Rect(atd.offset, atd.offset, atd.black, atd.black)).clone(), turned;
    cv::rotate(at_inner, turned, cv::ROTATE_180);
    EXPECT_EQ(cv::countNonZero(turned != cvd.image), 0) << "id " << id;
    EXPECT_NE(cv::countNonZero(at_inner != cvd.image), 0) << "id " << id;
  }
  const auto cam = camera();
  const cv::Matx33d k = K(cam);
  for (const std::string drawn_as : {"DICT_APRILTAG_36h11", "tag36h11"}) {
    SCOPED_TRACE("drawn as " + drawn_as);
    const Scene s = render(drawn_as, 11, 20);
    const auto by_cv = ref::detect(s.image, "DICT_APRILTAG_36h11", &k, kSize);
    const auto by_at = ref::detect(s.image, "tag36h11", &k, kSize);
    ASSERT_EQ(by_cv.size(), 1u);
    ASSERT_EQ(by_at.size(), 1u);
    EXPECT_EQ(by_cv[0].id, 11);
    EXPECT_EQ(by_at[0].id, 11);
    for (size_t c = 0; c < 4; ++c) EXPECT_LT(cv::norm(by_cv[0].corners[c] - by_at[0].corners[(c + 2) % 4]), 1.5);
    EXPECT_NEAR(ref::angleDeg(*by_cv[0].R_camera_marker, *by_at[0].R_camera_marker), 180, 1.0);
    const core::Image img = toImage(s.image);
    for (const std::string name : {"DICT_APRILTAG_36h11", "tag36h11"}) {
      const auto& reference = name == "tag36h11" ? by_at[0] : by_cv[0];
      for (const auto& [what, options] : rivetDetectors(name)) {
        SCOPED_TRACE(name + ", " + what);
        auto det = tracking::MarkerDetector::create(name, options);
        ASSERT_TRUE(det.ok());
        const auto found = det->detect(img);
        ASSERT_EQ(found.size(), 1u);
        for (size_t c = 0; c < 4; ++c) {
          const cv::Point2d p(found[0].corners_px[c].x, found[0].corners_px[c].y);
          EXPECT_LT(cv::norm(p - reference.corners[c]), 1.5) << "corner " << c;
        }
      }
    }
  }
}

}  // namespace
