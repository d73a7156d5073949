// Reference marker libraries as shipped, for the corner-convention tests: OpenCV 4.6 aruco and libapriltag 3 drawing,
// detection and single-marker pose, their results converted only as documented in rivet/tracking/detector.hpp.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <opencv2/aruco.hpp>
#include <opencv2/calib3d.hpp>
#include <opencv2/imgproc.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

extern "C" {
#include <apriltag/apriltag.h>
#include <apriltag/apriltag_pose.h>
#include <apriltag/tag36h11.h>
#include <apriltag/tagStandard41h12.h>
}

namespace rivet::test::ref {

// Every OpenCV 4.6 predefined dictionary Rivet accepts, by Rivet's name.
struct CvDict {
  std::string_view name;
  cv::aruco::PREDEFINED_DICTIONARY_NAME value;
};
inline constexpr CvDict kCvDicts[] = {
    {"DICT_4X4_50", cv::aruco::DICT_4X4_50},     {"DICT_4X4_100", cv::aruco::DICT_4X4_100},
    {"DICT_4X4_250", cv::aruco::DICT_4X4_250},   {"DICT_4X4_1000", cv::aruco::DICT_4X4_1000},
    {"DICT_5X5_50", cv::aruco::DICT_5X5_50},     {"DICT_5X5_100", cv::aruco::DICT_5X5_100},
    {"DICT_5X5_250", cv::aruco::DICT_5X5_250},   {"DICT_5X5_1000", cv::aruco::DICT_5X5_1000},
    {"DICT_6X6_50", cv::aruco::DICT_6X6_50},     {"DICT_6X6_100", cv::aruco::DICT_6X6_100},
    {"DICT_6X6_250", cv::aruco::DICT_6X6_250},   {"DICT_6X6_1000", cv::aruco::DICT_6X6_1000},
    {"DICT_7X7_50", cv::aruco::DICT_7X7_50},     {"DICT_7X7_100", cv::aruco::DICT_7X7_100},
    {"DICT_7X7_250", cv::aruco::DICT_7X7_250},   {"DICT_7X7_1000", cv::aruco::DICT_7X7_1000},
    {"DICT_ARUCO_ORIGINAL", cv::aruco::DICT_ARUCO_ORIGINAL},
    {"DICT_APRILTAG_16h5", cv::aruco::DICT_APRILTAG_16h5},
    {"DICT_APRILTAG_25h9", cv::aruco::DICT_APRILTAG_25h9},
    {"DICT_APRILTAG_36h10", cv::aruco::DICT_APRILTAG_36h10},
    {"DICT_APRILTAG_36h11", cv::aruco::DICT_APRILTAG_36h11},
};
// The libapriltag families Rivet accepts.
inline constexpr std::string_view kAprilFamilies[] = {"tag36h11", "tagStandard41h12"};

inline std::optional<cv::aruco::PREDEFINED_DICTIONARY_NAME> cvDict(std::string_view name) {
  for (const auto& d : kCvDicts) {
    if (d.name == name) return d.value;
  }
  return std::nullopt;
}
inline bool isAprilFamily(std::string_view name) {
  for (const auto f : kAprilFamilies) {
    if (f == name) return true;
  }
  return false;
}

// One marker as the reference reports it, in OpenCV's pixel convention (pixel centres at integers) and corner order
// (TL, TR, BR, BL of the reference's own drawing); R_camera_marker in Rivet's marker frame (x right, y up, z out of
// the face), from the reference's own single-marker pose when a camera was given.
struct Marker {
  int id = -1;
  std::array<cv::Point2d, 4> corners{};
  std::optional<cv::Matx33d> R_camera_marker;
};

// A reference drawing: 8-bit, `ppm` pixels per module, black square at [offset, offset + black) modules.
struct Drawing {
  cv::Mat image;
  int black = 0;   // modules across the black square
  int offset = 0;  // modules from the image edge to the black square
};

class AprilFamily {
 public:
  explicit AprilFamily(std::string_view name)
      : name_(name), fam_(name == "tag36h11" ? tag36h11_create() : tagStandard41h12_create()) {}
  ~AprilFamily() { name_ == "tag36h11" ? tag36h11_destroy(fam_) : tagStandard41h12_destroy(fam_); }
  AprilFamily(const AprilFamily&) = delete;
  AprilFamily& operator=(const AprilFamily&) = delete;
  [[nodiscard]] apriltag_family_t* get() const { return fam_; }

 private:
  std::string name_;
  apriltag_family_t* fam_;
};

// cv::aruco::drawMarker (border 1), or libapriltag's apriltag_to_image, scaled by `ppm` (nearest), with
// `quiet` extra white modules around it.
inline Drawing draw(std::string_view dictionary, int id, int ppm, int quiet = 2) {
  Drawing d;
  cv::Mat tag;
  if (const auto cv_dict = cvDict(dictionary)) {
    const auto dict = cv::aruco::getPredefinedDictionary(*cv_dict);
    cv::aruco::drawMarker(dict, id, dict->markerSize + 2, tag, 1);
    d.black = dict->markerSize + 2;
  } else {
    const AprilFamily fam(dictionary);
    image_u8_t* im = apriltag_to_image(fam.get(), static_cast<std::uint32_t>(id));
    cv::Mat(im->height, im->width, CV_8UC1, im->buf, static_cast<size_t>(im->stride)).copyTo(tag);
    std::free(im->buf);  // image_u8_destroy is not exported by Debian's libapriltag (both calloc'd)
    std::free(im);
    d.black = fam.get()->width_at_border;
    d.offset = (fam.get()->total_width - fam.get()->width_at_border) / 2;
  }
  cv::resize(tag, d.image, cv::Size(), ppm, ppm, cv::INTER_NEAREST);
  cv::copyMakeBorder(d.image, d.image, quiet * ppm, quiet * ppm, quiet * ppm, quiet * ppm, cv::BORDER_CONSTANT,
                     cv::Scalar(255));
  d.offset += quiet;
  return d;
}

// OpenCV's detectMarkers with its default parameters, and estimatePoseSingleMarkers (its default CCW-centre object
// points, which are Rivet's markerCorners) when `K` is given.
inline std::vector<Marker> detectOpenCv(const cv::Mat& gray, cv::aruco::PREDEFINED_DICTIONARY_NAME dictionary,
                                        const cv::Matx33d* K = nullptr, double size_m = 0) {
  std::vector<std::vector<cv::Point2f>> corners;
  std::vector<int> ids;
  cv::aruco::detectMarkers(gray, cv::aruco::getPredefinedDictionary(dictionary), corners, ids);
  std::vector<cv::Vec3d> rvecs, tvecs;
  if (K != nullptr && !ids.empty()) {
    cv::aruco::estimatePoseSingleMarkers(corners, static_cast<float>(size_m), cv::Mat(*K), cv::noArray(), rvecs,
                                         tvecs);
  }
  std::vector<Marker> out;
  for (size_t i = 0; i < ids.size(); ++i) {
    Marker m;
    m.id = ids[i];
    for (size_t k = 0; k < 4; ++k) m.corners[k] = {corners[i][k].x, corners[i][k].y};
    if (!rvecs.empty()) {
      cv::Matx33d R;
      cv::Rodrigues(rvecs[i], R);
      m.R_camera_marker = R;
    }
    out.push_back(m);
  }
  return out;
}

// libapriltag 3 at full resolution (decimate 1, refine_edges on) and its estimate_tag_pose when `K` is given.
// Converted as Rivet documents: corner k = p[3 - k], minus 0.5 px (AprilTag puts pixel centres at +0.5); AprilTag's
// tag frame (x right, y down, z into the tag) turned to Rivet's by R * diag(1, -1, -1).
inline std::vector<Marker> detectAprilTag(const cv::Mat& gray, std::string_view family, const cv::Matx33d* K = nullptr,
                                          double size_m = 0) {
  const AprilFamily fam(family);
  apriltag_detector_t* td = apriltag_detector_create();
  apriltag_detector_add_family(td, fam.get());
  td->quad_decimate = 1;
  td->nthreads = 1;
  cv::Mat g = gray.isContinuous() ? gray : gray.clone();
  image_u8_t im{g.cols, g.rows, static_cast<std::int32_t>(g.step[0]), g.data};
  zarray_t* found = apriltag_detector_detect(td, &im);
  std::vector<Marker> out;
  for (int i = 0; i < zarray_size(found); ++i) {
    apriltag_detection_t* det = nullptr;
    zarray_get(found, i, &det);
    Marker m;
    m.id = det->id;
    for (int k = 0; k < 4; ++k) m.corners[static_cast<size_t>(k)] = {det->p[3 - k][0] - 0.5, det->p[3 - k][1] - 0.5};
    if (K != nullptr) {
      apriltag_detection_info_t info{det, size_m, (*K)(0, 0), (*K)(1, 1), (*K)(0, 2) + 0.5, (*K)(1, 2) + 0.5};
      apriltag_pose_t pose{};
      estimate_tag_pose(&info, &pose);
      cv::Matx33d R;
      for (int r = 0; r < 3; ++r)
        for (int c = 0; c < 3; ++c) R(r, c) = pose.R->data[r * 3 + c];
      m.R_camera_marker = R * cv::Matx33d(1, 0, 0, 0, -1, 0, 0, 0, -1);
      std::free(pose.R);  // matd_destroy is not exported either; a matd_t is one calloc
      std::free(pose.t);
    }
    out.push_back(m);
  }
  apriltag_detections_destroy(found);
  apriltag_detector_destroy(td);
  return out;
}

// The reference detector of `dictionary`: OpenCV for DICT_*, libapriltag for tag36h11 / tagStandard41h12.
inline std::vector<Marker> detect(const cv::Mat& gray, std::string_view dictionary, const cv::Matx33d* K = nullptr,
                                  double size_m = 0) {
  if (const auto d = cvDict(dictionary)) return detectOpenCv(gray, *d, K, size_m);
  return detectAprilTag(gray, dictionary, K, size_m);
}

// Angle between two rotations, degrees.
inline double angleDeg(const cv::Matx33d& a, const cv::Matx33d& b) {
  const cv::Matx33d d = a.t() * b;
  const double c = std::clamp((cv::trace(d) - 1) / 2, -1.0, 1.0);
  return std::acos(c) * 180 / M_PI;
}

}  // namespace rivet::test::ref
