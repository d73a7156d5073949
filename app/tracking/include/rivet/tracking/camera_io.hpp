// Camera model files: Rivet's camera.yaml and OpenCV calibration files (camera_matrix / distortion_coefficients).
#pragma once

#include <string>

#include "rivet/core/camera.hpp"
#include "rivet/core/result.hpp"

namespace rivet::tracking {

// Reads a camera file. Accepts Rivet's camera.yaml (width, height, fx, fy, cx, cy, distortion [k1,k2,p1,p2,k3],
// calibration_rms_px) and OpenCV calibration files (%YAML:1.0, camera_matrix, distortion_coefficients,
// image_width/image_height, avg_reprojection_error). When the file has no image size (some OpenCV files), width and
// height are 0: call adaptCameraToImage() with the first frame's size.
core::Result<core::CameraModel> loadCamera(const std::string& path);

// Writes Rivet's camera.yaml (which loadCamera reads back exactly).
core::Status saveCamera(const std::string& path, const core::CameraModel& camera);

// Camera for frames of width x height: fills an unknown size, scales the intrinsics when the frames are a uniformly
// scaled version of the calibrated resolution, and fails (saying both sizes) otherwise.
core::Result<core::CameraModel> adaptCameraToImage(const core::CameraModel& camera, int width, int height);

}  // namespace rivet::tracking
