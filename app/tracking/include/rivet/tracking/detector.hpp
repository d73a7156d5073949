// Marker detection behind one interface for OpenCV ArUco dictionaries and AprilTag families, one pixel convention.
#pragma once

#include <array>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "rivet/core/image.hpp"
#include "rivet/core/pose.hpp"
#include "rivet/core/result.hpp"

namespace rivet::tracking {

// One marker seen in an image. Pixel convention: OpenCV's (pixel centres at integer coordinates). Corner order as
// OpenCV ArUco: top-left, top-right, bottom-right, bottom-left of the printed marker (clockwise in the image when
// the marker faces the camera upright), "top" meaning as the dictionary's reference library draws it:
// cv::aruco::drawMarker for every DICT_* (DICT_APRILTAG_* included), libapriltag's apriltag_to_image for tag36h11
// and tagStandard41h12 (whose p[] = BL, BR, TR, TL becomes p[3], p[2], p[1], p[0]). Corner 0 is then where that
// library's own detector puts it. The two references disagree on tag36h11: OpenCV 4.6's DICT_APRILTAG_36h11 drawing
// is libapriltag's tag36h11 drawing turned by 180 degrees (same ids), so on one print corner k of
// "DICT_APRILTAG_36h11" is corner (k + 2) % 4 of "tag36h11", whichever backend finds the quads.
struct Detection {
  int id = -1;
  std::array<core::Vec2d, 4> corners_px{};
};

// Which library finds the quads. Auto: OpenCV ArUco for DICT_* ArUco dictionaries, AprilTag 3 for AprilTag families.
enum class DetectorBackend { Auto, OpenCvAruco, AprilTag };

struct DetectorOptions {
  DetectorBackend backend = DetectorBackend::Auto;
  // Rivet's sub-pixel edge refinement (line fit on the four black-border edges, corners as line intersections).
  // Removes OpenCV ArUco's inward corner bias; off = the backend's own corners (for baselines).
  bool refine_corners = true;
  // Keep the backend's default parameters (baselines). Otherwise Rivet's: OpenCV's minMarkerDistanceRate lowered
  // so that a marker printed with a narrow quiet zone is not discarded in favour of its paper's outline.
  bool backend_defaults = false;
  int apriltag_decimate = 2;      // AprilTag quad_decimate (1 = full resolution)
  bool apriltag_refine_edges = true;
  int threads = 1;                // AprilTag worker threads (OpenCV follows cv::setNumThreads)
};

// Axis-aligned pixel rectangle (x, y of the top-left pixel).
struct PixelRect {
  int x = 0, y = 0, width = 0, height = 0;
};

class MarkerDetector {
 public:
  // `dictionary`: "DICT_6X6_250", "DICT_4X4_50", ..., "DICT_APRILTAG_36h11", "tag36h11", "tagStandard41h12".
  // Unknown name => error listing the valid names.
  static core::Result<MarkerDetector> create(const std::string& dictionary, DetectorOptions options = {});

  MarkerDetector(MarkerDetector&&) noexcept;
  MarkerDetector& operator=(MarkerDetector&&) noexcept;
  ~MarkerDetector();

  // Full-frame detection (Gray8, Bgr8 or Rgba8). Detections are sorted by id; duplicates of an id are kept.
  [[nodiscard]] std::vector<Detection> detect(const core::Image& image) const;
  // Detection restricted to regions (clipped to the image); a marker must lie inside one region to be found.
  [[nodiscard]] std::vector<Detection> detect(const core::Image& image, std::span<const PixelRect> regions) const;

  [[nodiscard]] const std::string& dictionary() const;
  // Cells across the detected black square (8 for DICT_6X6_* and tag36h11, 5 for tagStandard41h12).
  [[nodiscard]] int blackSquareModules() const;
  [[nodiscard]] const DetectorOptions& options() const;

 private:
  struct Impl;
  explicit MarkerDetector(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Worker threads OpenCV may use inside tracking (process-wide; benchmarks use 1).
void setOpenCvThreads(int threads);

// Every dictionary name create() accepts.
std::vector<std::string> dictionaryNames();

// The printable marker `id` of `dictionary` as a Gray8 image, drawn by the dictionary's reference library (see
// Detection): `pixels_per_module` pixels per bit cell, with a white
// quiet zone of `quiet_modules` cells around the tag. The black square (what size_m measures, whose corners the
// detector reports) spans [black_offset_modules, black_offset_modules + black_square_modules) cells in both axes.
struct MarkerImage {
  core::Image image;
  int black_square_modules = 0;   // cells across the black square (data bits + 2 border cells for ArUco/tag36h11)
  int black_offset_modules = 0;   // cells from the image edge to the black square
  int total_modules = 0;          // cells across the whole image including the quiet zone
};
core::Result<MarkerImage> drawMarkerImage(const std::string& dictionary, int id, int pixels_per_module,
                                          int quiet_modules = 1);

}  // namespace rivet::tracking
