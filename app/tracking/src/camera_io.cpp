// Reads/writes camera models: Rivet's camera.yaml (yaml-cpp) and OpenCV calibration files (cv::FileStorage).
#include "rivet/tracking/camera_io.hpp"

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <opencv2/core.hpp>
#include <sstream>

namespace rivet::tracking {
namespace {

std::string at(const std::string& path, const YAML::Mark& mark) {
  if (mark.line < 0) return path;
  return path + ":" + std::to_string(mark.line + 1);
}

core::Result<core::CameraModel> loadOpenCvCamera(const std::string& path) {
  core::CameraModel cam;
  try {
    cv::FileStorage fs(path, cv::FileStorage::READ);
    if (!fs.isOpened()) return core::makeError("cannot parse OpenCV calibration file", path, "check the file syntax");
    cv::Mat k, d;
    fs["camera_matrix"] >> k;
    if (k.empty()) {
      return core::makeError("no camera_matrix in OpenCV calibration file", path,
                             "add camera_matrix (3x3 !!opencv-matrix) or use Rivet's camera.yaml format");
    }
    if (k.rows != 3 || k.cols != 3) {
      return core::makeError("camera_matrix is " + std::to_string(k.rows) + "x" + std::to_string(k.cols) +
                                 ", expected 3x3", path, "write the 3x3 intrinsic matrix");
    }
    k.convertTo(k, CV_64F);
    cam.fx = k.at<double>(0, 0);
    cam.fy = k.at<double>(1, 1);
    cam.cx = k.at<double>(0, 2);
    cam.cy = k.at<double>(1, 2);
    fs["distortion_coefficients"] >> d;
    if (!d.empty()) {
      d.convertTo(d, CV_64F);
      const int n = static_cast<int>(d.total());
      if (n != 4 && n != 5 && n != 8 && n != 12 && n != 14) {
        return core::makeError("distortion_coefficients has " + std::to_string(n) + " values", path,
                               "give k1 k2 p1 p2 [k3]");
      }
      if (n > 5) {
        for (int i = 5; i < n; ++i) {
          if (d.at<double>(i) != 0.0) {
            return core::makeError("distortion_coefficients beyond k3 (rational/thin-prism model) are not supported",
                                   path, "recalibrate with the 5-coefficient model");
          }
        }
      }
      for (int i = 0; i < std::min(n, 5); ++i) cam.distortion[static_cast<size_t>(i)] = d.at<double>(i);
    }
    int w = 0, h = 0;
    if (!fs["image_width"].empty()) fs["image_width"] >> w;
    if (!fs["image_height"].empty()) fs["image_height"] >> h;
    cam.width = w;
    cam.height = h;
    if (!fs["avg_reprojection_error"].empty()) fs["avg_reprojection_error"] >> cam.calibration_rms_px;
  } catch (const cv::Exception& e) {
    return core::makeError(std::string("cannot parse OpenCV calibration file: ") + e.what(), path,
                           "check the file syntax");
  }
  if (!(cam.fx > 0 && cam.fy > 0 && std::isfinite(cam.cx) && std::isfinite(cam.cy))) {
    return core::makeError("camera_matrix has non-positive focal lengths", path, "check the calibration");
  }
  return cam;
}

core::Result<double> number(const YAML::Node& root, const char* key, const std::string& path, bool required,
                            double fallback) {
  const YAML::Node n = root[key];
  if (!n) {
    if (!required) return fallback;
    return core::makeError(std::string("missing key '") + key + "'", at(path, root.Mark()),
                           "camera.yaml needs width, height, fx, fy, cx, cy (distortion optional)");
  }
  try {
    const double v = n.as<double>();
    if (!std::isfinite(v)) throw YAML::Exception(n.Mark(), "not finite");
    return v;
  } catch (const YAML::Exception&) {
    return core::makeError(std::string("'") + key + "' is not a number", at(path, n.Mark()), "write a plain number");
  }
}

}  // namespace

core::Result<core::CameraModel> loadCamera(const std::string& path) {
  std::ifstream in(path);
  if (!in) return core::makeError("cannot open camera file", path, "check the path (camera.yaml or OpenCV .yml)");
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  if (text.rfind("%YAML:1.", 0) == 0 || text.find("camera_matrix") != std::string::npos ||
      text.rfind("<?xml", 0) == 0) {
    return loadOpenCvCamera(path);
  }
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return core::makeError("YAML syntax error: " + e.msg, at(path, e.mark), "fix the YAML syntax");
  }
  if (!root.IsMap()) {
    return core::makeError("camera file is not a YAML mapping", path,
                           "write keys width, height, fx, fy, cx, cy, distortion, calibration_rms_px");
  }
  core::CameraModel cam;
  const char* keys[] = {"width", "height", "fx", "fy", "cx", "cy"};
  double vals[6] = {};
  for (int i = 0; i < 6; ++i) {
    auto v = number(root, keys[i], path, true, 0);
    if (!v) return v.error();
    vals[i] = *v;
  }
  if (vals[0] <= 0 || vals[1] <= 0 || vals[0] != std::floor(vals[0]) || vals[1] != std::floor(vals[1])) {
    return core::makeError("width and height must be positive integers", at(path, root["width"].Mark()),
                           "give the image size in pixels the calibration was made at");
  }
  if (vals[2] <= 0 || vals[3] <= 0) {
    return core::makeError("fx and fy must be positive", at(path, root["fx"].Mark()), "check the calibration");
  }
  cam.width = static_cast<int>(vals[0]);
  cam.height = static_cast<int>(vals[1]);
  cam.fx = vals[2];
  cam.fy = vals[3];
  cam.cx = vals[4];
  cam.cy = vals[5];
  if (const YAML::Node d = root["distortion"]) {
    if (!d.IsSequence() || (d.size() != 4 && d.size() != 5)) {
      return core::makeError("'distortion' must be a list of 4 or 5 numbers [k1, k2, p1, p2, k3]",
                             at(path, d.Mark()), "e.g. distortion: [0.1, -0.2, 0, 0, 0]");
    }
    for (size_t i = 0; i < d.size(); ++i) {
      try {
        cam.distortion[i] = d[i].as<double>();
      } catch (const YAML::Exception&) {
        return core::makeError("distortion value " + std::to_string(i + 1) + " is not a number",
                               at(path, d[i].Mark()), "write plain numbers");
      }
    }
  }
  auto rms = number(root, "calibration_rms_px", path, false, -1);
  if (!rms) return rms.error();
  cam.calibration_rms_px = *rms;
  return cam;
}

core::Status saveCamera(const std::string& path, const core::CameraModel& c) {
  if (!c.valid()) return core::makeError("camera model is invalid (size or focal length missing)", path);
  std::ostringstream o;
  o << std::setprecision(17);
  o << "# Rivet camera model: pinhole intrinsics in pixels (pixel centres at integer coordinates, OpenCV) and\n"
    << "# OpenCV distortion [k1, k2, p1, p2, k3], for images of width x height.\n";
  o << "width: " << c.width << "\nheight: " << c.height << "\n";
  o << "fx: " << c.fx << "\nfy: " << c.fy << "\ncx: " << c.cx << "\ncy: " << c.cy << "\n";
  o << "distortion: [" << c.distortion[0] << ", " << c.distortion[1] << ", " << c.distortion[2] << ", "
    << c.distortion[3] << ", " << c.distortion[4] << "]\n";
  o << "calibration_rms_px: " << c.calibration_rms_px << "\n";
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) return core::makeError("cannot write camera file", path, "check that the folder exists and is writable");
    out << o.str();
    if (!out) return core::makeError("write failed", path, "check free disk space");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return core::makeError("cannot rename " + tmp + ": " + ec.message(), path);
  return {};
}

core::Result<core::CameraModel> adaptCameraToImage(const core::CameraModel& camera, int width, int height) {
  if (width <= 0 || height <= 0) return core::makeError("image size is empty", "camera");
  core::CameraModel c = camera;
  if (c.width <= 0 || c.height <= 0) {
    c.width = width;
    c.height = height;
    return c;
  }
  if (c.width == width && c.height == height) return c;
  const double sx = static_cast<double>(width) / c.width, sy = static_cast<double>(height) / c.height;
  if (std::abs(sx - sy) > 1e-3 * std::max(sx, sy)) {
    return core::makeError("frames are " + std::to_string(width) + "x" + std::to_string(height) +
                               " but the camera was calibrated at " + std::to_string(c.width) + "x" +
                               std::to_string(c.height) + " (different aspect ratio)",
                           "camera", "calibrate the camera at the resolution it streams");
  }
  return c.scaledTo(width, height);
}

}  // namespace rivet::tracking
