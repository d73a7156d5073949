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

// Thresholds of the view and result checks (the README explains them to users).
// A view needs 6 corners: enough for a homography with some redundancy (OpenCV needs 4 per view).
constexpr int kMinCorners = 6;
// Corners spanning under 2 % of the image (e.g. 90x68 px at 640x480) constrain the lens too little to be worth it.
constexpr double kMinBoardAreaFraction = 0.02;
// Median edge width (contrast / steepest slope across the board's square sides), measured on OpenCV's tutorial
// photos: sharp 1.2-1.3 px; Gaussian blur sigma 1 / 1.5 / 2 px: 2.8 / 3.9 / 4.9 px; motion streak 3 / 5 px: 2.4-2.9 /
// 3.6-4.8 px; markers are lost from sigma 2 or a 7 px streak. 3.5 px (about 2.5x sharp) rejects streaks of 5 px
// and more, i.e. a board or camera that moved during the exposure, and keeps a soft but steady camera.
constexpr double kMaxEdgeBlurPx = 3.5;
// Same camera, same pose <=> same corner pixels: a view sharing 80 % of its corners with an accepted view, moved by
// under 1 % of the image diagonal on average (6.4 px at 640x480), repeats it.
constexpr double kDuplicateShiftFraction = 0.01;
constexpr double kDuplicateOverlap = 0.8;
// After a first calibration a view whose RMS is above 3x the median and above 1 px is dropped (bent or moving
// board, wrong corners); below 1 px every view is acceptable whatever the median.
constexpr double kOutlierFactor = 3.0;
constexpr double kOutlierMinPx = 1.0;
// Zhang's method needs the board seen at an angle: with every view within 15 degrees of face-on the focal length
// trades off against the distance (synthetic face-on views: 0.1 degrees; OpenCV's tutorial photos: 22-25 degrees).
constexpr double kMinMaxTiltDeg = 15.0;
// Focal length standard deviation / focal length: above 10 % the calibration is refused (the tutorial's 4 photos
// give 5 %, 15 synthetic tilted views 0.2 %); above 2 % a hint asks for more tilted views.
constexpr double kMaxFocalRelStd = 0.10;
constexpr double kWarnFocalRelStd = 0.02;

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
  std::string name;                 // file name, or "<video>#<frame>"
  bool accepted = false;            // passed the per-view checks
  bool used = false;                // in the final calibration
  std::string reason;               // why rejected or dropped (empty when used)
  int corners = 0;                  // ChArUco corners found
  double edge_blur_px = -1;         // median edge width; < 0 when not measured
  double area_fraction = 0;         // convex hull of the corners / image area
  double rms_px = -1;               // reprojection RMS in the final (or dropping) calibration
  double tilt_deg = -1;             // angle between the board normal and the optical axis
  std::vector<cv::Point2f> points;  // ChArUco corners (pixels)
  std::vector<int> ids;             // their ids
};

// Measures `gray` (CV_8UC1) and fills `view` (corners, blur, area) or its rejection reason. `accepted` are the
// views accepted so far, for the near-duplicate check.
void analyzeView(const cv::Mat& gray, const cv::Ptr<cv::aruco::CharucoBoard>& board,
                 const cv::Ptr<cv::aruco::Dictionary>& dict, const std::vector<const View*>& accepted, View& view);

// Median width in pixels of the black/white edges between adjacent ChArUco corners (contrast / steepest slope
// across the edge): about 1 px for a perfectly focused camera, 2.5 x sigma for a Gaussian blur of sigma px.
// Negative when no edge is long and contrasted enough to measure.
double edgeBlurPx(const cv::Mat& gray, const cv::Ptr<cv::aruco::CharucoBoard>& board,
                  const std::vector<cv::Point2f>& points, const std::vector<int>& ids);

struct CalibrationOptions {
  bool fix_aspect = false;
  bool no_tangential = false;
  int min_views = 4;
  int max_views = 40;  // more accepted views: the most varied ones are kept (OpenCV's solve grows with views^3)
  double max_rms_px = 1.0;
};

struct Calibration {
  bool ran = false;                    // a calibration was computed (the numbers below are meaningful)
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

// Keeps the `count` most varied of `views` (greedy farthest-point choice on where the board's outline lies in the
// image, which reflects position, size and tilt); the others get used = false and a reason.
void keepMostVaried(std::vector<View*>& views, const cv::Ptr<cv::aruco::CharucoBoard>& board, cv::Size size, int count);

// Calibrates from the accepted views (at most max_views of them), dropping per-view outliers and re-running (updating
// `views`: used, rms_px, tilt_deg, reason). `failure` is set, with what to do, when fewer than min_views remain, the
// calibration is degenerate (board never tilted, focal length or principal point undetermined) or the RMS is above
// max_rms_px.
Calibration calibrate(std::vector<View>& views, const cv::Ptr<cv::aruco::CharucoBoard>& board, cv::Size size,
                      const CalibrationOptions& options);

// `v` with `decimals` digits after the point (messages and the summary).
std::string fixed(double v, int decimals);

// "top-left corner", "top edge", ..., "centre" for cell 0..8 of the 3x3 coverage grid.
const char* cellName(int cell);

}  // namespace rivet::calibrate
