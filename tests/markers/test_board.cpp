// Rasterises rivet-markers' ChArUco boards at 300 dpi (PDF: pdftoppm, SVG: rsvg-convert) and checks them against
// OpenCV 4.6's CharucoBoard of the same options: every cell's colour as CharucoBoard::draw shows it, the markers' ids
// and corners where the board's object points put them (Rivet's detector and OpenCV's), the square size in pixels,
// all (W-1)x(H-1) ChArUco corners interpolated at their expected pixels, and rivet-calibrate finding them all.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <opencv2/aruco/charuco.hpp>
#include <opencv2/calib3d.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "board.hpp"
#include "rivet/tracking/detector.hpp"
#include "rivet/tracking/image_io.hpp"
#include "test_util.hpp"

namespace rivet::markers::test {
namespace {

namespace fs = std::filesystem;
constexpr double kDpi = 300;
constexpr double kPxPerMm = kDpi / 25.4;

cv::Ptr<cv::aruco::Dictionary> cvDictionary(const std::string& name) {
  static const std::map<std::string, cv::aruco::PREDEFINED_DICTIONARY_NAME> names = {
      {"DICT_4X4_50", cv::aruco::DICT_4X4_50},
      {"DICT_5X5_100", cv::aruco::DICT_5X5_100},
      {"DICT_6X6_250", cv::aruco::DICT_6X6_250},
      {"DICT_APRILTAG_36h11", cv::aruco::DICT_APRILTAG_36h11}};
  return cv::aruco::getPredefinedDictionary(names.at(name));
}

// The page as one 300 dpi gray image (PDF through pdftoppm, SVG through rsvg-convert).
core::Image rasterise(const fs::path& file) {
  fs::path png = file;
  png.replace_extension(".png");
  const bool svg = file.extension() == ".svg";
  fs::path stem = png;
  stem.replace_extension();
  const auto r = svg ? run("rsvg-convert -d 300 -p 300 -o " + quote(png) + " " + quote(file))
                     : run("pdftoppm -r 300 -gray -png -singlefile " + quote(file) + " " + quote(stem));
  EXPECT_EQ(r.code, 0) << r.out;
  auto img = tracking::loadImage(png.string(), true);
  EXPECT_TRUE(img.ok()) << png;
  return img.ok() ? std::move(*img) : core::Image{};
}

cv::Mat asMat(const core::Image& g) {
  return cv::Mat(g.height, g.width, CV_8UC1, const_cast<std::uint8_t*>(g.pixels.data()), g.stride());  // read only
}

// Sub-pixel position where the gray level crosses 128 along a row (horizontal) or column, searching +-r px around
// `around`; NaN when there is no crossing.
double edgeAt(const cv::Mat& g, bool horizontal, int line, double around, int r) {
  const int a0 = static_cast<int>(std::lround(around)) - r, a1 = static_cast<int>(std::lround(around)) + r;
  for (int a = std::max(a0, 0); a < a1 && a + 1 < (horizontal ? g.cols : g.rows); ++a) {
    const double v0 = horizontal ? g.at<std::uint8_t>(line, a) : g.at<std::uint8_t>(a, line);
    const double v1 = horizontal ? g.at<std::uint8_t>(line, a + 1) : g.at<std::uint8_t>(a + 1, line);
    if ((v0 < 128) != (v1 < 128)) return a + (128 - v0) / (v1 - v0);
  }
  return std::nan("");
}

struct Measured {
  double square_px = 0, cell_mismatches = 0, marker_corner_px = 0, charuco_corner_px = 0;
};

// Everything a ChArUco board page must satisfy; `o` are the options it was printed with.
Measured checkBoard(const core::Image& page, const BoardOptions& o) {
  Measured m;
  const auto laid = layoutBoard(o);
  EXPECT_TRUE(laid.ok()) << laid.error().describe();
  if (!laid.ok()) return m;
  EXPECT_NEAR(page.width, o.paper.width_mm * kPxPerMm, 1.0);
  EXPECT_NEAR(page.height, o.paper.height_mm * kPxPerMm, 1.0);
  const cv::Mat g = asMat(page);
  const int w = o.squares_x, h = o.squares_y;
  const double s_px = o.square_mm * kPxPerMm;
  // Board coordinates (mm from the board's top-left, y down) -> pixel (OpenCV convention: pixel centres at integers).
  const double ox = laid->board.x_mm * kPxPerMm - 0.5, oy = laid->board.y_mm * kPxPerMm - 0.5;
  const auto px = [&](cv::Point2f mm) { return cv::Point2d(ox + mm.x * kPxPerMm, oy + mm.y * kPxPerMm); };

  // (b) The square size: outer edges of the black squares at the ends of row 0 and of column 0.
  const int last_c = (w - 1) % 2 == 0 ? w - 1 : w - 2, last_r = h - 1;  // h is odd: (0, h-1) is black
  const int row = static_cast<int>(oy + s_px / 2), col = static_cast<int>(ox + s_px / 2);
  const double left = edgeAt(g, true, row, ox + 0.5, 6),
               right = edgeAt(g, true, row, ox + 0.5 + (last_c + 1) * s_px, 6);
  const double top = edgeAt(g, false, col, oy + 0.5, 6),
               bottom = edgeAt(g, false, col, oy + 0.5 + (last_r + 1) * s_px, 6);
  EXPECT_NEAR(left, ox + 0.5, 1.0) << "board's left edge";
  EXPECT_NEAR(top, oy + 0.5, 1.0) << "board's top edge";
  EXPECT_NEAR(right - left, (last_c + 1) * s_px, 1.0) << "width of " << last_c + 1 << " squares";
  EXPECT_NEAR(bottom - top, (last_r + 1) * s_px, 1.0) << "height of " << last_r + 1 << " squares";
  m.square_px =
      std::max(std::abs((right - left) / (last_c + 1) - s_px), std::abs((bottom - top) / (last_r + 1) - s_px));
  EXPECT_LT(m.square_px, 1.0);

  // (a) Cell by cell against CharucoBoard::draw at the same scale: each square's colour, the white ring around its
  // marker and every module of the marker.
  const auto dict = cvDictionary(o.dictionary);
  const auto board =
      cv::aruco::CharucoBoard::create(w, h, static_cast<float>(o.square_mm), static_cast<float>(o.marker_mm), dict);
  cv::Mat drawn;
  board->draw(cv::Size(static_cast<int>(std::lround(w * s_px)), static_cast<int>(std::lround(h * s_px))), drawn, 0, 1);
  const double q = std::min(drawn.cols / (w * o.square_mm), drawn.rows / (h * o.square_mm));  // drawn px per mm
  const int n = dict->markerSize + 2;
  const double gap = (o.square_mm - o.marker_mm) / 2, module = o.marker_mm / n;
  int samples = 0, mismatches = 0;
  const auto compare = [&](double x_mm, double y_mm) {
    const cv::Point2d p = px({static_cast<float>(x_mm), static_cast<float>(y_mm)});
    const bool ours = g.at<std::uint8_t>(static_cast<int>(std::lround(p.y)), static_cast<int>(std::lround(p.x))) < 128;
    const bool theirs = drawn.at<std::uint8_t>(static_cast<int>(y_mm * q), static_cast<int>(x_mm * q)) < 128;
    ++samples;
    if (ours != theirs && ++mismatches <= 5)
      ADD_FAILURE() << "colour differs from CharucoBoard::draw at board (" << x_mm << ", " << y_mm << ") mm";
  };
  for (int r = 0; r < h; ++r) {
    for (int c = 0; c < w; ++c) {
      const double sx = c * o.square_mm, sy = r * o.square_mm;
      for (const double d : {gap / 2, o.square_mm - gap / 2})
        compare(sx + d, sy + gap / 2), compare(sx + d, sy + o.square_mm - gap / 2);
      for (int i = 0; i < n; ++i)
        for (int k = 0; k < n; ++k) compare(sx + gap + (k + 0.5) * module, sy + gap + (i + 0.5) * module);
    }
  }
  EXPECT_EQ(mismatches, 0) << "of " << samples << " cells";
  m.cell_mismatches = mismatches;

  // Markers: ids and corners where the board's object points say, found by OpenCV's detector (what the ChArUco
  // interpolation uses) and by Rivet's. The search is limited to the board's area (the rest of the page is text).
  const cv::Rect roi(static_cast<int>(ox) - 20, static_cast<int>(oy) - 20, static_cast<int>(w * s_px) + 40,
                     static_cast<int>(h * s_px) + 40);
  const cv::Mat board_img = g(roi);
  std::vector<std::vector<cv::Point2f>> corners;
  std::vector<int> ids;
  cv::aruco::detectMarkers(board_img, dict, corners, ids);
  EXPECT_EQ(ids.size(), board->ids.size()) << "OpenCV's detector";
  std::map<int, std::vector<cv::Point2d>> expected;
  for (size_t i = 0; i < board->ids.size(); ++i)
    for (const auto& p : board->objPoints[i]) expected[board->ids[i]].push_back(px({p.x, p.y}));
  for (size_t i = 0; i < ids.size(); ++i) {
    const auto it = expected.find(ids[i]);
    if (it == expected.end()) {
      ADD_FAILURE() << "OpenCV detected id " << ids[i] << " which the board does not hold";
      continue;
    }
    for (size_t k = 0; k < 4; ++k) {
      const double e = cv::norm(cv::Point2d(corners[i][k].x + roi.x, corners[i][k].y + roi.y) - it->second[k]);
      EXPECT_LT(e, 1.5) << "OpenCV: id " << ids[i] << " corner " << k;  // OpenCV's own corners lean inwards a little
    }
  }
  auto det = tracking::MarkerDetector::create(o.dictionary);
  EXPECT_TRUE(det.ok());
  if (det.ok()) {
    const tracking::PixelRect region{roi.x, roi.y, roi.width, roi.height};
    const auto found = det->detect(page, std::span<const tracking::PixelRect>(&region, 1));
    EXPECT_EQ(found.size(), board->ids.size()) << "Rivet's detector";
    for (const auto& d : found) {
      const auto it = expected.find(d.id);
      if (it == expected.end()) {
        ADD_FAILURE() << "Rivet detected id " << d.id << " which the board does not hold";
        continue;
      }
      // Same corner order as OpenCV's for every DICT_* (DICT_APRILTAG_36h11 included): no shift.
      for (size_t k = 0; k < 4; ++k) {
        const auto& c = d.corners_px[k];
        const double e = cv::norm(cv::Point2d(c.x, c.y) - it->second[k]);
        EXPECT_LT(e, 1.0) << "Rivet: id " << d.id << " corner " << k;
        m.marker_corner_px = std::max(m.marker_corner_px, e);
      }
    }
  }

  // (c) The calibration path: every inner chessboard corner interpolated (and refined) at its expected pixel.
  // OpenCV's refined ChArUco corners sit about half a pixel right of and below the true corner (pixel centres at
  // integers); the same is measured on CharucoBoard::draw's own image at 100 px per square, where every corner lies
  // exactly on a pixel boundary. So: each corner within 1 px, the mean offset equal to OpenCV's on its own drawing,
  // and every corner within 0.35 px of the expected one moved by that mean offset (measured: 0.11 px worst on the SVG
  // page at 354.33 px per square, 0.27 px on the PDF pages whose corners fall between pixels and are anti-aliased).
  const auto interpolate = [&](const cv::Mat& img, std::vector<cv::Point2f>& pts, std::vector<int>& pt_ids) {
    std::vector<std::vector<cv::Point2f>> mc;
    std::vector<int> mi;
    cv::aruco::detectMarkers(img, dict, mc, mi);
    if (!mi.empty()) cv::aruco::interpolateCornersCharuco(mc, mi, img, board, pts, pt_ids);
  };
  cv::Point2d reference_offset(0, 0);
  {
    const double k = 100.0 / o.square_mm;  // px per mm of the reference drawing
    cv::Mat reference;
    board->draw(cv::Size(w * 100, h * 100), reference, 0, 1);
    cv::copyMakeBorder(reference, reference, 50, 50, 50, 50, cv::BORDER_CONSTANT, cv::Scalar(255));
    std::vector<cv::Point2f> pts;
    std::vector<int> pt_ids;
    interpolate(reference, pts, pt_ids);
    EXPECT_EQ(static_cast<int>(pts.size()), (w - 1) * (h - 1)) << "corners on OpenCV's own drawing";
    for (size_t i = 0; i < pts.size(); ++i) {
      const cv::Point3f c = board->chessboardCorners[static_cast<size_t>(pt_ids[i])];
      reference_offset += cv::Point2d(pts[i].x - (50 - 0.5 + c.x * k), pts[i].y - (50 - 0.5 + c.y * k));
    }
    if (!pts.empty()) reference_offset /= static_cast<double>(pts.size());
  }
  std::vector<cv::Point2f> charuco;
  std::vector<int> charuco_ids;
  interpolate(board_img, charuco, charuco_ids);
  EXPECT_EQ(static_cast<int>(charuco.size()), (w - 1) * (h - 1)) << "ChArUco corners found";
  std::vector<cv::Point2d> offsets;
  cv::Point2d mean(0, 0);
  for (size_t i = 0; i < charuco.size(); ++i) {
    const cv::Point3f c = board->chessboardCorners[static_cast<size_t>(charuco_ids[i])];
    offsets.push_back(cv::Point2d(charuco[i].x + roi.x, charuco[i].y + roi.y) - px({c.x, c.y}));
    EXPECT_LT(cv::norm(offsets.back()), 1.0) << "ChArUco corner " << charuco_ids[i];
    m.charuco_corner_px = std::max(m.charuco_corner_px, cv::norm(offsets.back()));
    mean += offsets.back();
  }
  if (!offsets.empty()) mean /= static_cast<double>(offsets.size());
  EXPECT_LT(cv::norm(mean - reference_offset), 0.15)
      << "mean offset (" << mean.x << ", " << mean.y << ") px, OpenCV's own drawing (" << reference_offset.x << ", "
      << reference_offset.y << ") px";
  double residual = 0;
  for (size_t i = 0; i < offsets.size(); ++i) {
    residual = std::max(residual, cv::norm(offsets[i] - reference_offset));
    EXPECT_LT(cv::norm(offsets[i] - reference_offset), 0.35) << "ChArUco corner " << charuco_ids[i];
  }
  std::printf(
      "[measured] ChArUco corners: mean offset (%.2f, %.2f) px, OpenCV on its own drawing (%.2f, %.2f) px, "
      "worst corner after removing it %.2f px\n",
      mean.x, mean.y, reference_offset.x, reference_offset.y, residual);
  std::printf(
      "[measured] board %dx%d %s %s: square %.2f px (error %.3f px), %d/%d cells as CharucoBoard::draw, "
      "worst marker corner %.2f px, worst ChArUco corner %.2f px (1 px = %.3f mm)\n",
      w, h, o.dictionary.c_str(), o.paper.name.c_str(), s_px, m.square_px, samples - mismatches, samples,
      m.marker_corner_px, m.charuco_corner_px, 25.4 / kDpi);
  return m;
}

BoardOptions options(int w, int h, double square_mm, double marker_mm, const std::string& dict, const char* paper) {
  BoardOptions o;
  o.squares_x = w, o.squares_y = h, o.square_mm = square_mm, o.marker_mm = marker_mm, o.dictionary = dict;
  o.paper = *paperByName(paper);
  return o;
}

std::string boardArgs(const BoardOptions& o) {
  return " --board " + std::to_string(o.squares_x) + "x" + std::to_string(o.squares_y) + " --square-mm " +
         formatNumber(o.square_mm) + " --marker-mm " + formatNumber(o.marker_mm) + " --dict " + o.dictionary;
}

// The default board (rivet-calibrate's defaults, OpenCV's tutorial board) needs A3 at 40 mm squares.
TEST(Board, DefaultBoardPdfOnA3MatchesOpenCv) {
  if (!haveCommand("pdftoppm")) GTEST_SKIP() << "pdftoppm (poppler-utils) missing: run tools/setup/install-deps.sh";
  const auto dir = freshDir("board_default");
  const BoardOptions o = options(5, 7, 40, 20, "DICT_6X6_250", "A3");
  const auto r = run(markersExe() + " board" + boardArgs(o) + " --paper A3 -o " + quote(dir / "board.pdf"));
  ASSERT_EQ(r.code, 0) << r.out;
  const auto info = run("pdfinfo " + quote(dir / "board.pdf"));
  EXPECT_EQ(info.code, 0) << info.out;
  EXPECT_EQ(info.out.find("Error"), std::string::npos) << info.out;
  EXPECT_NE(info.out.find("Pages:           1"), std::string::npos) << info.out;
  EXPECT_NE(info.out.find("841.89 x 1190.55 pts (A3)"), std::string::npos) << info.out;
  const core::Image page = rasterise(dir / "board.pdf");
  ASSERT_FALSE(page.empty());
  checkBoard(page, o);
  checkRulerOnPage(page, "board page");
  const auto text = run("pdftotext -layout " + quote(dir / "board.pdf") + " -");
  ASSERT_EQ(text.code, 0) << text.out;
  for (const char* s :
       {"ChArUco board 5 \xC3\x97 7 squares", "square 40 mm", "marker 20 mm", "DICT_6X6_250", "for rivet-calibrate:",
        "rivet-calibrate PHOTOS... -o camera.yaml --board 5x7 --square-mm 40 --marker-mm 20 --dict "
        "DICT_6X6_250",
        "Glue flat on rigid board", "check: this line must measure 100 mm", "print at 100 %, no fit-to-page"})
    EXPECT_NE(text.out.find(s), std::string::npos) << s << " missing in:\n" << text.out;
}

// SVG on A4 (30 mm squares), then the page itself through rivet-calibrate: all 24 corners found in the view.
TEST(Board, SvgOnA4AndRivetCalibrateFindsEveryCorner) {
  if (!haveCommand("rsvg-convert")) GTEST_SKIP() << "rsvg-convert (librsvg2-bin) missing: run install-deps.sh";
  const auto dir = freshDir("board_svg");
  const BoardOptions o = options(5, 7, 30, 15, "DICT_6X6_250", "A4");
  const auto r = run(markersExe() + " board" + boardArgs(o) + " --format svg -o " + quote(dir / "board"));
  ASSERT_EQ(r.code, 0) << r.out;
  ASSERT_TRUE(fs::exists(dir / "board.svg")) << r.out;
  // Squares and markers are one path: no seams where a rasteriser would blend two shapes' edges.
  const std::string svg = readFile(dir / "board.svg");
  size_t paths = 0;
  for (size_t at = svg.find("<path"); at != std::string::npos; at = svg.find("<path", at + 1)) ++paths;
  EXPECT_EQ(paths, 1u);
  EXPECT_NE(r.out.find("rivet-calibrate PHOTOS... -o camera.yaml" + boardArgs(o)), std::string::npos) << r.out;
  const core::Image page = rasterise(dir / "board.svg");
  ASSERT_FALSE(page.empty());
  checkBoard(page, o);
  checkRulerOnPage(page, "board page");
#ifdef RIVET_CALIBRATE_EXE
  // One face-on view cannot calibrate (exit 1), but the view's corner count is what rivet-calibrate would use.
  const auto cal = run(std::string(RIVET_CALIBRATE_EXE) + " " + quote(dir / "board.png") + boardArgs(o) +
                       " --json -o " + quote(dir / "camera.yaml"));
  const auto start = cal.out.find('{');
  ASSERT_NE(start, std::string::npos) << cal.out;
  const auto end = cal.out.find("\n}", start);  // the JSON object (dump(2)) ends with a closing brace at column 0
  ASSERT_NE(end, std::string::npos) << cal.out;
  const auto j = nlohmann::json::parse(cal.out.substr(start, end + 2 - start), nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << cal.out;
  ASSERT_EQ(j["views"].size(), 1u) << cal.out;
  EXPECT_EQ(j["views"][0]["corners"].get<int>(), 24) << cal.out;
  std::printf("[measured] rivet-calibrate on the rasterised SVG page: %d corners\n",
              j["views"][0]["corners"].get<int>());
#endif
}

#ifdef RIVET_CALIBRATE_EXE
// The printed page, photographed: 12 views of the rasterised A4 board through a known pinhole camera (tilted 20-35
// degrees in turning directions, over the image), calibrated by rivet-calibrate, give back that camera.
TEST(Board, RivetCalibrateRecoversACameraFromThePrintedPage) {
  if (!haveCommand("pdftoppm")) GTEST_SKIP() << "pdftoppm (poppler-utils) missing: run tools/setup/install-deps.sh";
  const auto dir = freshDir("board_calibrate");
  fs::create_directories(dir / "views");
  const BoardOptions o = options(5, 7, 30, 15, "DICT_6X6_250", "A4");
  const auto r = run(markersExe() + " board" + boardArgs(o) + " -o " + quote(dir / "board.pdf"));
  ASSERT_EQ(r.code, 0) << r.out;
  const core::Image page = rasterise(dir / "board.pdf");
  ASSERT_FALSE(page.empty());
  const auto laid = layoutBoard(o);
  ASSERT_TRUE(laid.ok());
  // The page at 100 dpi (0.254 mm per pixel): the views magnify it slightly, so plain bilinear warping is enough.
  cv::Mat small;
  cv::resize(asMat(page), small, cv::Size(), 1.0 / 3, 1.0 / 3, cv::INTER_AREA);
  const double mm_per_px = 25.4 / kDpi * 3;
  const double bcx = laid->board.x_mm + laid->board.width_mm / 2, bcy = laid->board.y_mm + laid->board.height_mm / 2;
  // Small-page pixel -> board plane (metres, origin at the board's centre, x right, y down).
  // Small pixel u covers page millimetres [u, u + 1) * mm_per_px; its centre is (u + 0.5) * mm_per_px.
  const cv::Matx33d to_plane(mm_per_px / 1000, 0, (0.5 * mm_per_px - bcx) / 1000, 0, mm_per_px / 1000,
                             (0.5 * mm_per_px - bcy) / 1000, 0, 0, 1);
  const cv::Matx33d K(1000, 0, 650, 0, 1005, 470, 0, 0, 1);
  const cv::Size size(1280, 960);
  int index = 0;
  for (int gy = 0; gy < 3; ++gy) {
    for (int gx = 0; gx < 4; ++gx, ++index) {
      const double tilt = (20.0 + 5.0 * (index % 4)) * CV_PI / 180, turn = index * 137.5 * CV_PI / 180;
      cv::Matx33d R;
      cv::Rodrigues(cv::Vec3d(std::cos(turn), std::sin(turn), 0) * tilt, R);
      const double depth = 0.45 + 0.03 * (index % 3);
      const cv::Point2d target(420 + 150.0 * gx, 370 + 110.0 * gy);
      const cv::Vec3d t((target.x - K(0, 2)) / K(0, 0) * depth, (target.y - K(1, 2)) / K(1, 1) * depth, depth);
      const cv::Matx33d Rt(R(0, 0), R(0, 1), t[0], R(1, 0), R(1, 1), t[1], R(2, 0), R(2, 1), t[2]);
      cv::Mat view;
      cv::warpPerspective(small, view, cv::Mat(K * Rt * to_plane), size, cv::INTER_LINEAR, cv::BORDER_CONSTANT,
                          cv::Scalar(255));
      char name[32];
      std::snprintf(name, sizeof name, "view_%02d.png", index);
      ASSERT_TRUE(cv::imwrite((dir / "views" / name).string(), view));
    }
  }
  const auto cal = run(std::string(RIVET_CALIBRATE_EXE) + " " + quote(dir / "views") + boardArgs(o) + " --json -o " +
                       quote(dir / "camera.yaml"));
  ASSERT_EQ(cal.code, 0) << cal.out;
  const auto start = cal.out.find('{'), end = cal.out.find("\n}", start);
  ASSERT_NE(end, std::string::npos) << cal.out;
  const auto j = nlohmann::json::parse(cal.out.substr(start, end + 2 - start), nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << cal.out;
  EXPECT_EQ(j["views_used"].get<int>(), 12) << cal.out;
  for (const auto& v : j["views"]) EXPECT_EQ(v["corners"].get<int>(), 24) << v.dump();
  const auto& c = j["camera"];
  EXPECT_NEAR(c["fx"].get<double>(), K(0, 0), 0.01 * K(0, 0));
  EXPECT_NEAR(c["fy"].get<double>(), K(1, 1), 0.01 * K(1, 1));
  EXPECT_NEAR(c["cx"].get<double>(), K(0, 2), 5.0);
  EXPECT_NEAR(c["cy"].get<double>(), K(1, 2), 5.0);
  EXPECT_LT(j["rms_px"].get<double>(), 0.5);
  std::printf(
      "[measured] rivet-calibrate on 12 views of the printed page: fx %.1f fy %.1f cx %.1f cy %.1f (true 1000 "
      "1005 650 470), rms %.3f px\n",
      c["fx"].get<double>(), c["fy"].get<double>(), c["cx"].get<double>(), c["cy"].get<double>(),
      j["rms_px"].get<double>());
}
#endif

// Even columns and DICT_APRILTAG_36h11 (OpenCV's drawing of it is libapriltag's tag36h11 turned by 180 degrees):
// the board is OpenCV's, and Rivet's corners for that name are OpenCV's. Letter paper.
TEST(Board, EvenColumnsAprilTag36h11OnLetterMatchesOpenCv) {
  if (!haveCommand("pdftoppm")) GTEST_SKIP() << "pdftoppm (poppler-utils) missing: run tools/setup/install-deps.sh";
  const auto dir = freshDir("board_36h11");
  const BoardOptions o = options(4, 5, 35, 26.5, "DICT_APRILTAG_36h11", "Letter");
  const auto r = run(markersExe() + " board" + boardArgs(o) + " --paper Letter -o " + quote(dir / "b.pdf"));
  ASSERT_EQ(r.code, 0) << r.out;
  const core::Image page = rasterise(dir / "b.pdf");
  ASSERT_FALSE(page.empty());
  checkBoard(page, o);
}

// Many small squares: 7x9 of 20 mm with DICT_5X5_100 (31 markers) and DICT_4X4_50 on A4.
TEST(Board, SmallSquaresMatchOpenCv) {
  if (!haveCommand("pdftoppm")) GTEST_SKIP() << "pdftoppm (poppler-utils) missing: run tools/setup/install-deps.sh";
  const auto dir = freshDir("board_small");
  for (const char* dict : {"DICT_5X5_100", "DICT_4X4_50"}) {
    SCOPED_TRACE(dict);
    const BoardOptions o = options(7, 9, 20, 14, dict, "A4");
    const fs::path file = dir / (std::string(dict) + ".pdf");
    const auto r = run(markersExe() + " board" + boardArgs(o) + " -o " + quote(file));
    ASSERT_EQ(r.code, 0) << r.out;
    checkBoard(rasterise(file), o);
  }
}

}  // namespace
}  // namespace rivet::markers::test
