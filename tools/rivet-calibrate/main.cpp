// rivet-calibrate: camera calibration from ChArUco board photos or video; writes Rivet's camera.yaml.
#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "calibration.hpp"
#include "rivet/tracking/camera_io.hpp"
#include "rivet/tracking/image_io.hpp"

namespace {

using nlohmann::json;
using namespace rivet;
using calibrate::View;

constexpr double kPi = 3.14159265358979323846;
constexpr int kRecommendedViews = 10;

using calibrate::fixed;

json errorJson(const core::Error& e) { return json{{"message", e.message}, {"where", e.where}, {"hint", e.hint}}; }

// Usage or input error: nothing was calibrated.
int failInput(const core::Error& e, bool as_json) {
  std::cerr << "rivet-calibrate: " << e.describe() << "\n";
  if (as_json) std::cout << json{{"ok", false}, {"error", errorJson(e)}}.dump(2) << "\n";
  return 2;
}

double fovDeg(double half_extent_px, double f_px) { return 2.0 * std::atan(half_extent_px / f_px) * 180.0 / kPi; }

json viewJson(const View& v) {
  json j{{"name", v.name}, {"used", v.used}, {"corners", v.corners}};
  j["reason"] = v.reason.empty() ? json(nullptr) : json(v.reason);
  j["edge_blur_px"] = v.edge_blur_px >= 0 ? json(v.edge_blur_px) : json(nullptr);
  j["area_fraction"] = v.area_fraction;
  j["rms_px"] = v.rms_px >= 0 ? json(v.rms_px) : json(nullptr);
  j["tilt_deg"] = v.tilt_deg >= 0 ? json(v.tilt_deg) : json(nullptr);
  return j;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "rivet-calibrate: camera calibration from photos or a video of a ChArUco board; writes camera.yaml "
      "(resolution, intrinsics, distortion, RMS). Defaults: OpenCV's tutorial board (5x7 squares of 40 mm, "
      "20 mm DICT_6X6_250 markers)."};
  std::vector<std::string> inputs;
  std::string board_text = "5x7", output;
  calibrate::BoardSpec spec;
  calibrate::CalibrationOptions options;
  bool as_json = false;
  int every = 1;
  app.add_option("INPUT", inputs, "image files, folders of images or video files")->required();
  app.add_option("--board", board_text, "squares across x squares down (the number down must be odd)")
      ->capture_default_str();
  app.add_option("--square-mm", spec.square_mm, "side of a chessboard square on the print (mm)")->capture_default_str();
  app.add_option("--marker-mm", spec.marker_mm, "side of a black marker on the print (mm)")->capture_default_str();
  app.add_option("--dict", spec.dictionary, "marker dictionary of the board")->capture_default_str();
  app.add_option("-o,--output", output, "camera.yaml to write (only written when the calibration passes)")->required();
  app.add_option("--min-views", options.min_views, "fail with fewer usable views")
      ->check(CLI::Range(3, 100000))
      ->capture_default_str();
  app.add_option("--max-views", options.max_views, "calibrate from at most this many views (the most varied)")
      ->check(CLI::Range(3, 1000))
      ->capture_default_str();
  app.add_option("--max-rms", options.max_rms_px, "fail when the reprojection RMS is above this (px)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_flag("--json", as_json, "print the result as one JSON object");
  app.add_flag("--fix-aspect", options.fix_aspect, "square pixels: estimate one focal length (fx = fy)");
  app.add_flag("--no-tangential", options.no_tangential, "no tangential distortion (p1 = p2 = 0)");
  app.add_option("--every", every, "use every Nth frame of a video")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);  // prints help, or the usage error and how to get help
    return code == 0 ? 0 : 2;
  }

  {
    int x = 0, y = 0;
    char sep = 0, extra = 0;
    std::istringstream in(board_text);
    if (!(in >> x >> sep >> y) || (sep != 'x' && sep != 'X') || (in >> extra)) {
      return failInput(core::makeError("cannot read the board size '" + board_text + "'", "--board",
                                       "give squares across x squares down, e.g. --board 5x7"),
                       as_json);
    }
    spec.squares_x = x;
    spec.squares_y = y;
  }
  if (options.max_views < options.min_views) {
    return failInput(core::makeError("--max-views " + std::to_string(options.max_views) + " is below --min-views " +
                                         std::to_string(options.min_views),
                                     "rivet-calibrate", "raise --max-views"),
                     as_json);
  }
  auto board = calibrate::makeBoard(spec);
  if (!board) return failInput(board.error(), as_json);
  {
    const auto folder = std::filesystem::absolute(output).parent_path();
    std::error_code ec;
    if (!std::filesystem::is_directory(folder, ec)) {
      return failInput(core::makeError("the output folder does not exist", output, "create it first"), as_json);
    }
  }
  // Open every input first so that a typo is reported before minutes of work.
  std::vector<tracking::FrameReader> readers;
  for (const auto& path : inputs) {
    auto reader = tracking::FrameReader::open(path);
    if (!reader) return failInput(reader.error(), as_json);
    readers.push_back(std::move(reader.value()));
  }

  const auto& dict = board.value()->dictionary;
  if (!as_json) {
    std::cout << "board: " << spec.squares_x << "x" << spec.squares_y << " squares of " << fixed(spec.square_mm, 1)
              << " mm, markers " << fixed(spec.marker_mm, 1) << " mm, " << spec.dictionary << "\n";
  }
  std::vector<View> views;
  cv::Size size;
  core::Image frame;
  for (auto& reader : readers) {
    for (int index = 0;; ++index) {
      View view;
      auto more = reader.next(frame, view.name);
      if (!more) {
        view.name = std::filesystem::path(more.error().where).filename().string();
        view.reason = "unreadable file: " + more.error().message;
      } else if (!*more) {
        break;
      } else if (reader.isVideo() && index % every != 0) {
        continue;
      } else if (size.width > 0 && (frame.width != size.width || frame.height != size.height)) {
        view.reason = "image is " + std::to_string(frame.width) + "x" + std::to_string(frame.height) +
                      ", the first view was " + std::to_string(size.width) + "x" + std::to_string(size.height) +
                      ": take every view at the resolution the camera will stream";
      } else {
        if (size.width == 0) size = cv::Size(frame.width, frame.height);
        const core::Image gray_image = tracking::toGray(frame);
        const cv::Mat gray(gray_image.height, gray_image.width, CV_8UC1,
                           const_cast<std::uint8_t*>(gray_image.pixels.data()),  // NOLINT: read-only use
                           gray_image.stride());
        std::vector<const View*> accepted;
        for (const auto& v : views) {
          if (v.accepted) accepted.push_back(&v);
        }
        try {
          calibrate::analyzeView(gray, board.value(), dict, accepted, view);
        } catch (const cv::Exception& e) {
          View failed;
          failed.name = view.name;
          view = std::move(failed);
          view.reason = std::string("OpenCV failed on this image: ") + e.err;
        }
      }
      if (!as_json) {
        if (view.accepted) {
          std::cout << "  " << view.name << ": " << view.corners << " corners, "
                    << (view.edge_blur_px >= 0 ? "edges " + fixed(view.edge_blur_px, 1) + " px wide"
                                               : std::string("edge width not measurable"))
                    << ", board covers " << fixed(100 * view.area_fraction, 0) << "% of the image\n";
        } else {
          std::cout << "  " << view.name << ": rejected: " << view.reason << "\n";
        }
      }
      views.push_back(std::move(view));
    }
  }

  calibrate::Calibration cal;
  if (size.width == 0) {
    cal.failure =
        core::makeError("no readable image in the input", "rivet-calibrate", "give photos or a video of the board");
  } else {
    cal = calibrate::calibrate(views, board.value(), size, options);
  }

  int used = 0, rejected = 0;
  for (const auto& v : views) (v.used ? used : rejected) += 1;
  std::vector<std::string> hints;
  std::vector<std::string> empty_cells;
  if (cal.ran) {
    for (int cell = 0; cell < 9; ++cell) {
      if (cal.coverage[static_cast<size_t>(cell)] == 0) {
        empty_cells.emplace_back(calibrate::cellName(cell));
        hints.push_back(std::string("no corners near the ") + calibrate::cellName(cell) +
                        " of the image - add views with the board there");
      }
    }
    const double rel_std = std::max(cal.std_intrinsics[0] / cal.camera.fx, cal.std_intrinsics[1] / cal.camera.fy);
    if (rel_std > calibrate::kWarnFocalRelStd) {
      hints.push_back("focal length known to +/-" + fixed(100 * rel_std, 1) +
                      "% only - add views with the board tilted 20-45 degrees in different directions");
    }
    if (cal.views_used < kRecommendedViews) {
      hints.push_back("only " + std::to_string(cal.views_used) + " views used: " + std::to_string(kRecommendedViews) +
                      "-20 varied views give a more reliable calibration");
    }
  }
  const core::CameraModel& c = cal.camera;
  if (cal.ran && !cal.failure) {
    if (auto saved = tracking::saveCamera(output, c); !saved) cal.failure = saved.error();
  }

  if (as_json) {
    json j{{"ok", !cal.failure}, {"views_used", used}, {"views_rejected", rejected}};
    j["views"] = json::array();
    for (const auto& v : views) j["views"].push_back(viewJson(v));
    j["notes"] = cal.notes;
    j["hints"] = hints;
    j["error"] = cal.failure ? errorJson(*cal.failure) : json(nullptr);
    j["output"] = cal.failure ? json(nullptr) : json(output);
    if (cal.ran) {
      j["rms_px"] = cal.rms_px;
      j["camera"] = {{"width", c.width}, {"height", c.height},        {"fx", c.fx}, {"fy", c.fy}, {"cx", c.cx},
                     {"cy", c.cy},       {"distortion", c.distortion}};
      j["std"] = {{"fx", cal.std_intrinsics[0]},
                  {"fy", cal.std_intrinsics[1]},
                  {"cx", cal.std_intrinsics[2]},
                  {"cy", cal.std_intrinsics[3]},
                  {"distortion", cal.std_distortion}};
      j["fov_deg"] = {
          {"horizontal", fovDeg(c.width / 2.0, c.fx)},
          {"vertical", fovDeg(c.height / 2.0, c.fy)},
          {"diagonal", 2.0 * std::atan(std::hypot(c.width / 2.0 / c.fx, c.height / 2.0 / c.fy)) * 180.0 / kPi}};
      j["max_tilt_deg"] = cal.max_tilt_deg;
      j["coverage"] = {{"grid", cal.coverage}, {"empty", empty_cells}};
    }
    std::cout << j.dump(2) << "\n";
  } else {
    for (const auto& n : cal.notes) std::cout << n << "\n";
    std::cout << "views: " << used << " used, " << rejected << " rejected\n";
    if (cal.ran) {
      if (cal.failure) std::cout << "the calibration below is REFUSED (reason at the end) - for diagnosis only:\n";
      std::cout << "per-view reprojection error (px) and board tilt:\n";
      for (const auto& v : views) {
        if (v.used)
          std::cout << "  " << v.name << ": " << fixed(v.rms_px, 3) << " px, tilt " << fixed(v.tilt_deg, 0) << " deg\n";
      }
      const auto& s = cal.std_intrinsics;
      const auto& sd = cal.std_distortion;
      std::cout << "RMS reprojection error: " << fixed(cal.rms_px, 3) << " px\n"
                << "resolution: " << c.width << "x" << c.height << "\n"
                << "fx = " << fixed(c.fx, 2) << " +/- " << fixed(s[0], 2) << " px\n"
                << "fy = " << fixed(c.fy, 2) << " +/- " << fixed(s[1], 2) << " px\n"
                << "cx = " << fixed(c.cx, 2) << " +/- " << fixed(s[2], 2) << " px\n"
                << "cy = " << fixed(c.cy, 2) << " +/- " << fixed(s[3], 2) << " px\n";
      const char* names[5] = {"k1", "k2", "p1", "p2", "k3"};
      for (size_t i = 0; i < 5; ++i) {
        std::cout << names[i] << " = " << fixed(c.distortion[i], 5) << " +/- " << fixed(sd[i], 5) << "\n";
      }
      std::cout << "field of view (pinhole): " << fixed(fovDeg(c.width / 2.0, c.fx), 1) << " x "
                << fixed(fovDeg(c.height / 2.0, c.fy), 1) << " deg\n";
    }
    for (const auto& h : hints) std::cout << "hint: " << h << "\n";
    if (!cal.failure) std::cout << "wrote " << output << "\n";
  }
  std::cout.flush();
  if (cal.failure) {
    std::cerr << "rivet-calibrate: calibration failed: " << cal.failure->describe() << "\n"
              << "rivet-calibrate: " << output << " was not written\n";
    return 1;
  }
  return 0;
}
