// rivet-calibrate internals: board creation, per-view detection and checks, calibration with outlier rejection.
#include "calibration.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <opencv2/aruco.hpp>
#include <opencv2/calib3d.hpp>
#include <opencv2/imgproc.hpp>
#include <sstream>
#include <utility>

namespace rivet::calibrate {
namespace {

constexpr double kPi = 3.14159265358979323846;

const std::map<std::string, cv::aruco::PREDEFINED_DICTIONARY_NAME>& dictionaries() {
  static const std::map<std::string, cv::aruco::PREDEFINED_DICTIONARY_NAME> names = {
      {"DICT_4X4_50", cv::aruco::DICT_4X4_50},
      {"DICT_4X4_100", cv::aruco::DICT_4X4_100},
      {"DICT_4X4_250", cv::aruco::DICT_4X4_250},
      {"DICT_4X4_1000", cv::aruco::DICT_4X4_1000},
      {"DICT_5X5_50", cv::aruco::DICT_5X5_50},
      {"DICT_5X5_100", cv::aruco::DICT_5X5_100},
      {"DICT_5X5_250", cv::aruco::DICT_5X5_250},
      {"DICT_5X5_1000", cv::aruco::DICT_5X5_1000},
      {"DICT_6X6_50", cv::aruco::DICT_6X6_50},
      {"DICT_6X6_100", cv::aruco::DICT_6X6_100},
      {"DICT_6X6_250", cv::aruco::DICT_6X6_250},
      {"DICT_6X6_1000", cv::aruco::DICT_6X6_1000},
      {"DICT_7X7_50", cv::aruco::DICT_7X7_50},
      {"DICT_7X7_100", cv::aruco::DICT_7X7_100},
      {"DICT_7X7_250", cv::aruco::DICT_7X7_250},
      {"DICT_7X7_1000", cv::aruco::DICT_7X7_1000},
      {"DICT_ARUCO_ORIGINAL", cv::aruco::DICT_ARUCO_ORIGINAL},
      {"DICT_APRILTAG_16h5", cv::aruco::DICT_APRILTAG_16h5},
      {"DICT_APRILTAG_25h9", cv::aruco::DICT_APRILTAG_25h9},
      {"DICT_APRILTAG_36h10", cv::aruco::DICT_APRILTAG_36h10},
      {"DICT_APRILTAG_36h11", cv::aruco::DICT_APRILTAG_36h11}};
  return names;
}


// Bilinear sample of an 8-bit image; NaN outside.
double sample(const cv::Mat& gray, double x, double y) {
  const int x0 = static_cast<int>(std::floor(x)), y0 = static_cast<int>(std::floor(y));
  if (x0 < 0 || y0 < 0 || x0 + 1 >= gray.cols || y0 + 1 >= gray.rows) return std::nan("");
  const double fx = x - x0, fy = y - y0;
  const auto* r0 = gray.ptr<std::uint8_t>(y0);
  const auto* r1 = gray.ptr<std::uint8_t>(y0 + 1);
  return (1 - fy) * ((1 - fx) * r0[x0] + fx * r0[x0 + 1]) + fy * ((1 - fx) * r1[x0] + fx * r1[x0 + 1]);
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  const size_t mid = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid), v.end());
  double m = v[mid];
  if (v.size() % 2 == 0) m = 0.5 * (m + *std::max_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid)));
  return m;
}

}  // namespace

core::Result<cv::Ptr<cv::aruco::CharucoBoard>> makeBoard(const BoardSpec& spec) {
  const std::string where = "--board " + std::to_string(spec.squares_x) + "x" + std::to_string(spec.squares_y);
  if (spec.squares_x < 2 || spec.squares_y < 2) {
    return core::makeError("a ChArUco board needs at least 2x2 squares", where,
                           "give the board's squares across x down, e.g. --board 5x7");
  }
  if (spec.squares_y % 2 == 0) {
    return core::makeError(
        "the board has an even number of rows (" + std::to_string(spec.squares_y) +
            "): OpenCV 4.6 changed the ChArUco layout of even-row boards, so a board printed by another OpenCV "
            "version or generator would be read with wrong corner positions",
        where,
        "print and use a board with an odd number of rows, e.g. --board " + std::to_string(spec.squares_x) + "x" +
            std::to_string(spec.squares_y + 1) + " (or turn the board and swap the numbers if its columns are odd)");
  }
  if (!(spec.square_mm > 0) || !(spec.marker_mm > 0) || !(spec.marker_mm < spec.square_mm)) {
    return core::makeError("marker size " + fixed(spec.marker_mm, 2) +
                               " mm must be positive and smaller than the "
                               "square size " +
                               fixed(spec.square_mm, 2) + " mm",
                           "--square-mm/--marker-mm",
                           "measure the printed board: --square-mm is a chessboard square's side, --marker-mm the "
                           "black marker's side");
  }
  const auto it = dictionaries().find(spec.dictionary);
  if (it == dictionaries().end()) {
    std::string names;
    for (const auto& [name, value] : dictionaries()) names += (names.empty() ? "" : ", ") + name;
    return core::makeError("unknown marker dictionary '" + spec.dictionary + "'", "--dict", "use one of " + names);
  }
  auto dict = cv::aruco::getPredefinedDictionary(it->second);
  const int markers = spec.squares_x * spec.squares_y / 2;
  if (markers > dict->bytesList.rows) {
    return core::makeError("the board needs " + std::to_string(markers) + " markers but " + spec.dictionary +
                               " has only " + std::to_string(dict->bytesList.rows),
                           where, "use a smaller board or a larger dictionary");
  }
  return cv::aruco::CharucoBoard::create(spec.squares_x, spec.squares_y, static_cast<float>(spec.square_mm / 1000.0),
                                         static_cast<float>(spec.marker_mm / 1000.0), dict);
}

double edgeBlurPx(const cv::Mat& gray, const cv::Ptr<cv::aruco::CharucoBoard>& board,
                  const std::vector<cv::Point2f>& points, const std::vector<int>& ids) {
  const int cols = board->getChessboardSize().width - 1;  // ChArUco corners per row
  const int rows = board->getChessboardSize().height - 1;
  // The white square beside each edge is free of its marker for `margin` of the square's side.
  const double margin = 0.5 * (1.0 - board->getMarkerLength() / board->getSquareLength());
  std::map<int, cv::Point2f> by_id;
  for (size_t i = 0; i < ids.size() && i < points.size(); ++i) by_id[ids[i]] = points[i];
  constexpr double kStep = 0.25;  // profile sample spacing (px)
  std::vector<double> widths;
  for (const auto& [id, a] : by_id) {
    const int r = id / cols, c = id % cols;
    for (const int nb : {c + 1 < cols ? id + 1 : -1, r + 1 < rows ? id + cols : -1}) {
      const auto it = by_id.find(nb);
      if (nb < 0 || it == by_id.end()) continue;
      const cv::Point2d d(it->second.x - a.x, it->second.y - a.y);
      const double len = std::hypot(d.x, d.y);
      const double half = std::min(0.8 * margin * len, 15.0);
      if (half < 3.0) continue;  // edge too short to see a blur profile on
      const cv::Point2d u = d / len, n(-u.y, u.x);
      const cv::Point2d mid(0.5 * (a.x + it->second.x), 0.5 * (a.y + it->second.y));
      // Profile across the edge, averaged over three lines along it to lower the noise.
      const int count = static_cast<int>(2 * half / kStep) + 1;
      std::vector<double> profile(static_cast<size_t>(count), 0.0);
      bool inside = true;
      for (int k = 0; k < count && inside; ++k) {
        const double s = -half + k * kStep;
        for (const double along : {-0.1 * len, 0.0, 0.1 * len}) {
          const double v = sample(gray, mid.x + n.x * s + u.x * along, mid.y + n.y * s + u.y * along);
          if (std::isnan(v)) inside = false;
          profile[static_cast<size_t>(k)] += v / 3.0;
        }
      }
      if (!inside) continue;
      const double lo = (profile[0] + profile[1] + profile[2] + profile[3]) / 4.0;
      const double hi = (profile[profile.size() - 1] + profile[profile.size() - 2] + profile[profile.size() - 3] +
                         profile[profile.size() - 4]) /
                        4.0;
      const double contrast = std::abs(hi - lo);
      if (contrast < 30) continue;  // too dark or washed out to measure
      double slope = 0;             // steepest change per pixel, central difference over 1 px
      for (int k = 2; k + 2 < count; ++k) {
        slope = std::max(
            slope, std::abs(profile[static_cast<size_t>(k + 2)] - profile[static_cast<size_t>(k - 2)]) / (4 * kStep));
      }
      if (slope > 0) widths.push_back(contrast / slope);
    }
  }
  if (widths.empty()) return -1;
  return median(widths);
}

void analyzeView(const cv::Mat& gray, const cv::Ptr<cv::aruco::CharucoBoard>& board,
                 const cv::Ptr<cv::aruco::Dictionary>& dict, const std::vector<const View*>& accepted, View& view) {
  std::vector<std::vector<cv::Point2f>> marker_corners, rejected;
  std::vector<int> marker_ids;
  auto params = cv::aruco::DetectorParameters::create();
  cv::aruco::detectMarkers(gray, dict, marker_corners, marker_ids, params, rejected);
  if (!marker_ids.empty()) {
    // Recovers markers the first pass missed, from where the board says they must be.
    const cv::Ptr<cv::aruco::Board> as_board = board;
    cv::aruco::refineDetectedMarkers(gray, as_board, marker_corners, marker_ids, rejected);
  }
  if (!marker_ids.empty()) {
    cv::aruco::interpolateCornersCharuco(marker_corners, marker_ids, gray, board, view.points, view.ids);
  }
  view.corners = static_cast<int>(view.ids.size());
  if (view.corners < kMinCorners) {
    view.reason = "too few board corners (" + std::to_string(view.corners) + ", need " + std::to_string(kMinCorners) +
                  "): board not found, mostly hidden, too far or a different board " + "(check --board/--dict)";
    return;
  }
  if (cv::aruco::testCharucoCornersCollinear(board, view.ids)) {
    view.reason = "board corners lie on one line (only one row or column of the board seen)";
    return;
  }
  std::vector<cv::Point2f> hull;
  cv::convexHull(view.points, hull);
  view.area_fraction = cv::contourArea(hull) / (static_cast<double>(gray.cols) * gray.rows);
  if (view.area_fraction < kMinBoardAreaFraction) {
    view.reason = "board corners cover only " + fixed(100 * view.area_fraction, 1) + "% of the image (need " +
                  fixed(100 * kMinBoardAreaFraction, 0) + "%): move the board closer";
    return;
  }
  view.edge_blur_px = edgeBlurPx(gray, board, view.points, view.ids);
  if (view.edge_blur_px > kMaxEdgeBlurPx) {
    view.reason = "blurred: edges " + fixed(view.edge_blur_px, 1) + " px wide (limit " + fixed(kMaxEdgeBlurPx, 1) +
                  " px): hold the board and camera still, focus, add light";
    return;
  }
  // Same camera, same board pose <=> same corner pixels: a view whose corners all sit where an accepted view's
  // are adds no information (typical of consecutive video frames or a repeated photo).
  const double diagonal = std::hypot(gray.cols, gray.rows);
  for (const View* other : accepted) {
    std::map<int, cv::Point2f> theirs;
    for (size_t i = 0; i < other->ids.size(); ++i) theirs[other->ids[i]] = other->points[i];
    double shift = 0;
    int common = 0;
    for (size_t i = 0; i < view.ids.size(); ++i) {
      const auto it = theirs.find(view.ids[i]);
      if (it == theirs.end()) continue;
      shift += std::hypot(view.points[i].x - it->second.x, view.points[i].y - it->second.y);
      ++common;
    }
    if (common >= kDuplicateOverlap * view.corners && shift / common < kDuplicateShiftFraction * diagonal) {
      view.reason = "near-duplicate of " + other->name + " (corners moved " + fixed(shift / common, 1) +
                    " px on average): move or tilt the board between views";
      return;
    }
  }
  view.accepted = true;
}

const char* cellName(int cell) {
  static const char* const names[9] = {"top-left corner",    "top edge",    "top-right corner",
                                       "left edge",          "centre",      "right edge",
                                       "bottom-left corner", "bottom edge", "bottom-right corner"};
  return cell >= 0 && cell < 9 ? names[cell] : "?";
}

void keepMostVaried(std::vector<View*>& views, const cv::Ptr<cv::aruco::CharucoBoard>& board, cv::Size size,
                    int count) {
  if (static_cast<int>(views.size()) <= count) return;
  // Feature of a view: the board's 4 outer corners mapped into the image by the view's homography, in units of the
  // image diagonal. Two views with close features see the board at nearly the same place, size and angle.
  const cv::Size squares = board->getChessboardSize();
  const float w = static_cast<float>(squares.width) * board->getSquareLength();
  const float h = static_cast<float>(squares.height) * board->getSquareLength();
  const std::vector<cv::Point2f> outline = {{0, 0}, {w, 0}, {w, h}, {0, h}};
  const double diagonal = std::hypot(size.width, size.height);
  std::vector<std::vector<double>> features;
  for (const View* v : views) {
    std::vector<cv::Point2f> plane;
    for (int id : v->ids) {
      const cv::Point3f& p = board->chessboardCorners[static_cast<size_t>(id)];
      plane.emplace_back(p.x, p.y);
    }
    std::vector<double> f(8, 0.0);
    const cv::Mat H = cv::findHomography(plane, v->points);
    if (!H.empty()) {
      std::vector<cv::Point2f> mapped;
      cv::perspectiveTransform(outline, mapped, H);
      for (size_t i = 0; i < 4; ++i) {
        f[2 * i] = mapped[i].x / diagonal;
        f[2 * i + 1] = mapped[i].y / diagonal;
      }
    }
    features.push_back(f);
  }
  const auto distance = [&](size_t a, size_t b) {
    double d = 0;
    for (size_t i = 0; i < 8; ++i) d += (features[a][i] - features[b][i]) * (features[a][i] - features[b][i]);
    return std::sqrt(d);
  };
  // Start from the view with the most corners, then add the view farthest from all kept ones.
  size_t first = 0;
  for (size_t i = 1; i < views.size(); ++i) {
    if (views[i]->corners > views[first]->corners) first = i;
  }
  std::vector<bool> kept(views.size(), false);
  std::vector<double> nearest(views.size(), std::numeric_limits<double>::infinity());
  size_t next = first;
  for (int k = 0; k < count; ++k) {
    kept[next] = true;
    size_t best = next;
    double best_d = -1;
    for (size_t i = 0; i < views.size(); ++i) {
      if (kept[i]) continue;
      nearest[i] = std::min(nearest[i], distance(i, next));
      if (nearest[i] > best_d) {
        best_d = nearest[i];
        best = i;
      }
    }
    next = best;
  }
  std::vector<View*> keep;
  for (size_t i = 0; i < views.size(); ++i) {
    if (kept[i]) {
      keep.push_back(views[i]);
    } else {
      views[i]->used = false;
      views[i]->reason = "not needed: the " + std::to_string(count) +
                         " most varied views are used (more would only slow the calibration down)";
    }
  }
  views = keep;
}

Calibration calibrate(std::vector<View>& views, const cv::Ptr<cv::aruco::CharucoBoard>& board, cv::Size size,
                      const CalibrationOptions& options) {
  Calibration cal;
  std::vector<View*> active;
  for (auto& v : views) {
    v.used = v.accepted;
    if (v.accepted) active.push_back(&v);
  }
  int flags = 0;
  if (options.fix_aspect) flags |= cv::CALIB_FIX_ASPECT_RATIO;
  if (options.no_tangential) flags |= cv::CALIB_ZERO_TANGENT_DIST;
  const auto too_few = [&]() {
    return core::makeError(
        "only " + std::to_string(active.size()) + " usable view(s), need " + std::to_string(options.min_views),
        "calibration",
        "add views of the whole board from different angles (10-20 recommended); the reasons for rejected views "
        "are listed above");
  };
  if (static_cast<int>(active.size()) > options.max_views) {
    cal.notes.push_back("kept the " + std::to_string(options.max_views) + " most varied of " +
                        std::to_string(active.size()) + " usable views (--max-views)");
    keepMostVaried(active, board, size, options.max_views);
  }
  cv::Mat K, D, std_intr, std_extr, per_view;
  std::vector<cv::Mat> rvecs, tvecs;
  constexpr int kMaxRounds = 4;
  for (int round = 0;; ++round) {
    if (static_cast<int>(active.size()) < std::max(options.min_views, 3)) {
      cal.failure = too_few();
      return cal;
    }
    std::vector<std::vector<cv::Point2f>> corners;
    std::vector<std::vector<int>> ids;
    for (const View* v : active) {
      corners.push_back(v->points);
      ids.push_back(v->ids);
    }
    K = cv::Mat::eye(3, 3, CV_64F);  // with CALIB_FIX_ASPECT_RATIO only fx/fy = 1 is read from it
    D = cv::Mat::zeros(5, 1, CV_64F);
    try {
      cal.rms_px = cv::aruco::calibrateCameraCharuco(corners, ids, board, size, K, D, rvecs, tvecs, std_intr, std_extr,
                                                     per_view, flags);
    } catch (const cv::Exception& e) {
      cal.failure = core::makeError(std::string("OpenCV could not calibrate from these views: ") + e.err, "calibration",
                                    "add views with the board tilted 20-45 degrees in different "
                                    "directions, covering the whole image");
      return cal;
    }
    std::vector<double> errors;
    for (size_t i = 0; i < active.size(); ++i) {
      active[i]->rms_px = per_view.at<double>(static_cast<int>(i));
      errors.push_back(active[i]->rms_px);
    }
    const double med = median(errors);
    std::vector<View*> keep;
    std::vector<View*> dropped;
    for (View* v : active) {
      const bool outlier = v->rms_px > kOutlierFactor * med && v->rms_px > kOutlierMinPx;
      (outlier ? dropped : keep).push_back(v);
    }
    if (dropped.empty() || round + 1 >= kMaxRounds) break;
    for (View* v : dropped) {
      v->used = false;
      v->reason = "reprojection error " + fixed(v->rms_px, 2) + " px is an outlier (median " + fixed(med, 2) +
                  " px): dropped (board bent or moving, or wrong corners)";
      cal.notes.push_back(v->name + ": " + v->reason);
    }
    cal.notes.push_back("recalibrated without " + std::to_string(dropped.size()) + " outlier view(s)");
    active = keep;
  }

  cal.ran = true;
  cal.views_used = static_cast<int>(active.size());
  core::CameraModel& c = cal.camera;
  c.width = size.width;
  c.height = size.height;
  c.fx = K.at<double>(0, 0);
  c.fy = K.at<double>(1, 1);
  c.cx = K.at<double>(0, 2);
  c.cy = K.at<double>(1, 2);
  for (int i = 0; i < 5 && i < static_cast<int>(D.total()); ++i) c.distortion[static_cast<size_t>(i)] = D.at<double>(i);
  c.calibration_rms_px = cal.rms_px;
  std_intr.convertTo(std_intr, CV_64F);
  for (int i = 0; i < 4 && i < static_cast<int>(std_intr.total()); ++i) {
    cal.std_intrinsics[static_cast<size_t>(i)] = std_intr.at<double>(i);
  }
  for (int i = 0; i < 5 && i + 4 < static_cast<int>(std_intr.total()); ++i) {
    cal.std_distortion[static_cast<size_t>(i)] = std_intr.at<double>(i + 4);
  }
  for (size_t i = 0; i < active.size(); ++i) {
    cv::Mat R;
    cv::Rodrigues(rvecs[i], R);
    // Board normal in the camera frame is R's third column; its angle to the optical axis is the tilt.
    active[i]->tilt_deg = std::acos(std::min(1.0, std::abs(R.at<double>(2, 2)))) * 180.0 / kPi;
    cal.max_tilt_deg = std::max(cal.max_tilt_deg, active[i]->tilt_deg);
    for (const auto& p : active[i]->points) {
      const int cx = std::clamp(static_cast<int>(3 * p.x / size.width), 0, 2);
      const int cy = std::clamp(static_cast<int>(3 * p.y / size.height), 0, 2);
      ++cal.coverage[static_cast<size_t>(cy * 3 + cx)];
    }
  }

  // Degenerate geometry first: its numbers are meaningless whatever the RMS says.
  const std::string tilt_hint =
      "tilt the board 20-45 degrees towards and away from the camera, left/right and up/down, in different views";
  if (cal.max_tilt_deg < kMinMaxTiltDeg) {
    cal.failure = core::makeError("degenerate views: the board faces the camera in every view (most tilted " +
                                      fixed(cal.max_tilt_deg, 1) + " degrees, need " + fixed(kMinMaxTiltDeg, 0) +
                                      "): the focal length cannot be measured",
                                  "calibration", tilt_hint);
    return cal;
  }
  const double rel_fx = cal.std_intrinsics[0] / c.fx, rel_fy = cal.std_intrinsics[1] / c.fy;
  if (!(std::max(rel_fx, rel_fy) <= kMaxFocalRelStd)) {
    cal.failure = core::makeError("focal length poorly determined (standard deviation " +
                                      fixed(100 * std::max(rel_fx, rel_fy), 1) + "% of it, limit " +
                                      fixed(100 * kMaxFocalRelStd, 0) + "%)",
                                  "calibration", tilt_hint + "; add views");
    return cal;
  }
  if (!(c.cx > 0 && c.cx < size.width && c.cy > 0 && c.cy < size.height)) {
    cal.failure = core::makeError("principal point (" + fixed(c.cx, 1) + ", " + fixed(c.cy, 1) +
                                      ") lies outside the image: the views do not determine it",
                                  "calibration", "add tilted views with the board in every part of the image");
    return cal;
  }
  if (!(cal.rms_px <= options.max_rms_px)) {
    cal.failure = core::makeError(
        "reprojection RMS " + fixed(cal.rms_px, 3) + " px is above --max-rms " + fixed(options.max_rms_px, 3) + " px",
        "calibration",
        "check the board is flat and --square-mm/--marker-mm match the print; drop views "
        "with the largest errors; or raise --max-rms if this camera cannot do better");
    return cal;
  }
  return cal;
}

std::string fixed(double v, int decimals) {
  std::ostringstream o;
  o.setf(std::ios::fixed);
  o.precision(decimals);
  o << v;
  return o.str();
}

}  // namespace rivet::calibrate
