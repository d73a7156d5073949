// Private helpers between core value types and OpenCV types (never exposed in a public header).
#pragma once

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "rivet/core/camera.hpp"
#include "rivet/core/image.hpp"
#include "rivet/core/pose.hpp"

namespace rivet::tracking::detail {

inline int cvType(core::PixelFormat f) {
  switch (f) {
    case core::PixelFormat::Gray8: return CV_8UC1;
    case core::PixelFormat::Bgr8: return CV_8UC3;
    case core::PixelFormat::Rgba8: return CV_8UC4;
  }
  return CV_8UC1;
}

// Non-owning cv::Mat over a core::Image (valid while the image lives and is not resized).
inline cv::Mat asMat(const core::Image& image) {
  return cv::Mat(image.height, image.width, cvType(image.format),
                 const_cast<std::uint8_t*>(image.pixels.data()), image.stride());  // NOLINT: read-only use
}

// Gray8 view (no copy when already gray).
inline cv::Mat grayView(const core::Image& image) {
  cv::Mat m = asMat(image);
  if (image.format == core::PixelFormat::Gray8) return m;
  cv::Mat g;
  cv::cvtColor(m, g, image.format == core::PixelFormat::Bgr8 ? cv::COLOR_BGR2GRAY : cv::COLOR_RGBA2GRAY);
  return g;
}

// Copies an 8-bit 1- or 3-channel (BGR) or 4-channel (BGRA -> RGBA) Mat into a core::Image.
inline core::Image fromMat(const cv::Mat& m) {
  cv::Mat src = m;
  core::PixelFormat f = core::PixelFormat::Gray8;
  if (m.channels() == 3) f = core::PixelFormat::Bgr8;
  if (m.channels() == 4) {
    f = core::PixelFormat::Rgba8;
    cv::cvtColor(m, src, cv::COLOR_BGRA2RGBA);
  }
  core::Image img(src.cols, src.rows, f);
  cv::Mat dst = asMat(img);
  src.copyTo(dst);
  return img;
}

inline cv::Matx33d cameraMatrix(const core::CameraModel& c) {
  return {c.fx, 0, c.cx, 0, c.fy, c.cy, 0, 0, 1};
}
inline cv::Mat distCoeffs(const core::CameraModel& c) {
  cv::Mat d(1, 5, CV_64F);
  for (int i = 0; i < 5; ++i) d.at<double>(i) = c.distortion[static_cast<size_t>(i)];
  return d;
}
inline bool hasDistortion(const core::CameraModel& c) {
  for (double v : c.distortion) {
    if (v != 0.0) return true;
  }
  return false;
}

inline cv::Matx33d toCv(const core::Mat3d& r) {
  return {r(0, 0), r(0, 1), r(0, 2), r(1, 0), r(1, 1), r(1, 2), r(2, 0), r(2, 1), r(2, 2)};
}
inline core::Pose poseFromRvecTvec(const cv::Vec3d& rvec, const cv::Vec3d& tvec) {
  core::Pose p;
  p.R = core::Mat3d::fromRotationVector({rvec[0], rvec[1], rvec[2]});
  p.t = {tvec[0], tvec[1], tvec[2]};
  return p;
}
inline void poseToRvecTvec(const core::Pose& p, cv::Vec3d& rvec, cv::Vec3d& tvec) {
  const core::Vec3d r = p.R.toRotationVector();
  rvec = {r.x, r.y, r.z};
  tvec = {p.t.x, p.t.y, p.t.z};
}

}  // namespace rivet::tracking::detail
