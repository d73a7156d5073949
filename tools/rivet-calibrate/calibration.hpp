// rivet-calibrate internals: ChArUco board, per-view checks (corners, blur, duplicates) and the calibration itself.
#pragma once

#include <array>
#include <opencv2/aruco/charuco.hpp>
#include <opencv2/core.hpp>
#include <optional>
#include <string>
#include <vector>

#include "rivet/core/camera.hpp"
#include "rivet/core/result.hpp"

namespace rivet::calibrate {

// Thresholds of the view checks; each is explained where it is used (calibration.cpp) and in the README.
constexpr int kMinCorners = 6;                  // ChArUco corners a view needs
constexpr double kMinBoardAreaFraction = 0.02;  // convex hull of the corners / image area
constexpr double kMaxEdgeBlurPx = 3.5;          // median edge width (contrast / steepest slope) of the board's squares
constexpr double kDuplicateShiftFraction = 0.01;  // mean corner shift / image diagonal below which a view repeats one
constexpr double kDuplicateOverlap = 0.8;         // ... when it shares at least this fraction of its corners
constexpr double kOutlierFactor = 3.0;            // per-view RMS > factor x median ...
constexpr double kOutlierMinPx = 1.0;             // ... and > this many pixels: the view is dropped
constexpr double kMinMaxTiltDeg = 15.0;           // the most tilted view must be tilted at least this much
constexpr double kMaxFocalRelStd = 0.10;  // focal length standard deviation / focal length: above, fail ...
constexpr double kWarnFocalRelStd = 0.02;  // ... above this, a hint to add tilted views

struct BoardSpec {
  int squares_x = 5;  // chessboard squares across (columns)
  int squares_y = 7;  // chessboard squares down (rows)
  double square_mm = 40;
  double marker_mm = 20;
  std::string dictionary = "DICT_6X6_250";
};

// The OpenCV board for `spec`; an error (what and what to do) for an even number of rows, sizes that do not fit,
// an unknown dictionary or a board larger than the dictionary.
core::Result<cv::Ptr<cv::aruco::CharucoBoard>> makeBoard(const BoardSpec& spec);

// One input view and what became of it.
struct View {
  std::string name;         // file name, or "<video>#<frame>"
  bool accepted = false;    // passed the per-view checks
  bool used = false;        // in the final calibration
  std::string reason;       // why rejected or dropped (empty when used)
  int corners = 0;          // ChArUco corners found
  double edge_blur_px = -1; // median edge width; < 0 when not measured
  double area_fraction = 0; // convex hull of the corners / image area
  double rms_px = -1;       // reprojection RMS in the final (or dropping) calibration
  double tilt_deg = -1;     // angle between the board normal and the optical axis
  std::vector<cv::Point2f> points;  // ChArUco corners (pixels)
  std::vector<int> ids;             // their ids
};

// Measures `gray` (CV_8UC1) and fills `view` (corners, blur, area) or its rejection reason. `accepted` are the
// views accepted so far, for the near-duplicate check.
void analyzeView(const cv::Mat& gray, const cv::Ptr<cv::aruco::CharucoBoard>& board, const cv::Ptr<cv::aruco::Dictionary>& dict,
                 const std::vector<const View*>& accepted, View& view);

// Median width in pixels of the black/white edges between adjacent ChArUco corners (contrast / steepest slope
// across the edge): about 1 px for a perfectly focused camera, 2.5 x sigma for a Gaussian blur of sigma px.
// Negative when no edge is long and contrasted enough to measure.
double edgeBlurPx(const cv::Mat& gray, const cv::Ptr<cv::aruco::CharucoBoard>& board, const std::vector<cv::Point2f>& points,
                  const std::vector<int>& ids);

struct CalibrationOptions {
  bool fix_aspect = false;
  bool no_tangential = false;
  int min_views = 4;
  double max_rms_px = 1.0;
};

struct Calibration {
  bool ran = false;                     // a calibration was computed (the numbers below are meaningful)
  std::optional<core::Error> failure;  // why the result must not be used; empty on success
  core::CameraModel camera;
  std::array<double, 4> std_intrinsics{};  // fx fy cx cy
  std::array<double, 5> std_distortion{};  // k1 k2 p1 p2 k3
  double rms_px = 0;
  int views_used = 0;
  std::vector<std::string> notes;  // outlier drops and re-runs, said to the user
  std::array<int, 9> coverage{};   // corners per cell of a 3x3 grid over the image, row-major from top-left
  double max_tilt_deg = 0;
};

// Calibrates from the accepted views, dropping per-view outliers and re-running (updating `views`: used, rms_px,
// tilt_deg, reason). `failure` is set, with what to do, when fewer than min_views remain, the calibration is
// degenerate (board never tilted, focal length or principal point undetermined) or the RMS is above max_rms_px.
Calibration calibrate(std::vector<View>& views, const cv::Ptr<cv::aruco::CharucoBoard>& board, cv::Size size,
                      const CalibrationOptions& options);

// "top-left corner", "top edge", ..., "centre" for cell 0..8 of the 3x3 coverage grid.
const char* cellName(int cell);

}  // namespace rivet::calibrate
