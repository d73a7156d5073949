// Marker detection: OpenCV ArUco (+ Rivet edge refinement) and AprilTag 3 behind MarkerDetector, OpenCV pixel convention.
#include "rivet/tracking/detector.hpp"

#include <algorithm>
#include <bit>
#include <cstdlib>
#include <cmath>
#include <mutex>
#include <opencv2/aruco.hpp>
#include <opencv2/imgproc.hpp>
#include <string_view>

extern "C" {
#include <apriltag/apriltag.h>
#include <apriltag/tag36h11.h>
#include <apriltag/tagStandard41h12.h>
}

#include "cv_convert.hpp"
#include "edge_refine.hpp"

namespace rivet::tracking {
namespace {

struct ArucoName {
  std::string_view name;
  cv::aruco::PREDEFINED_DICTIONARY_NAME value;
};

constexpr ArucoName kArucoNames[] = {
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

enum class AprilFamily { None, Tag36h11, TagStandard41h12 };

struct AprilName {
  std::string_view name;
  AprilFamily family;
};
constexpr AprilName kAprilNames[] = {
    {"tag36h11", AprilFamily::Tag36h11},
    {"tagStandard41h12", AprilFamily::TagStandard41h12},
};

// libapriltag 3's p[] wraps counter-clockwise in the image (y down) starting at the bottom-left of the tag as
// apriltag_to_image draws it upright: p = BL, BR, TR, TL. OpenCV's order is TL, TR, BR, BL, so corner k = p[3 - k]
// (checked by tests/tracking/test_reference_corners.cpp against libapriltag on its own renderings).
constexpr int kAprilCornerForCv[4] = {3, 2, 1, 0};

// The two references disagree on tag36h11's orientation: OpenCV 4.6's cv::aruco::drawMarker(DICT_APRILTAG_36h11, id)
// is libapriltag's apriltag_to_image(tag36h11, id) turned by 180 degrees (same ids, the codes are read rotated), and
// each detector reports corner 0 at the top-left of its own drawing. So on one print, OpenCV's corner k is
// libapriltag's corner (k + 2) % 4. Rivet keeps each name faithful to its own reference: "DICT_APRILTAG_36h11" is
// OpenCV's convention, "tag36h11" libapriltag's, whichever backend finds the quads.
constexpr int kTag36h11CvToApril = 2;

apriltag_family_t* createFamily(AprilFamily f) {
  switch (f) {
    case AprilFamily::Tag36h11: return tag36h11_create();
    case AprilFamily::TagStandard41h12: return tagStandard41h12_create();
    case AprilFamily::None: break;
  }
  return nullptr;
}
void destroyFamily(AprilFamily f, apriltag_family_t* fam) {
  if (fam == nullptr) return;
  switch (f) {
    case AprilFamily::Tag36h11: tag36h11_destroy(fam); break;
    case AprilFamily::TagStandard41h12: tagStandard41h12_destroy(fam); break;
    case AprilFamily::None: break;
  }
}

std::string validNamesText() {
  std::string s;
  for (const auto& n : dictionaryNames()) {
    if (!s.empty()) s += ", ";
    s += n;
  }
  return s;
}

void sortDetections(std::vector<Detection>& d) {
  std::stable_sort(d.begin(), d.end(), [](const Detection& a, const Detection& b) { return a.id < b.id; });
}

// Bits of a size x size CV_8UC1 0/1 matrix, bit i * size + j = element (i, j).
std::uint64_t packBits(const cv::Mat& bits) {
  std::uint64_t v = 0;
  for (int i = 0; i < bits.rows; ++i) {
    for (int j = 0; j < bits.cols; ++j) {
      if (bits.at<std::uint8_t>(i, j) != 0) v |= std::uint64_t{1} << (i * bits.cols + j);
    }
  }
  return v;
}

// Smallest Hamming distance between two different entries (other code, or another rotation of the same code).
int minimumDistance(const std::vector<std::array<std::uint64_t, 4>>& codes) {
  int best = 64;
  for (size_t a = 0; a < codes.size(); ++a) {
    for (int ra = 1; ra < 4; ++ra) best = std::min(best, std::popcount(codes[a][0] ^ codes[a][static_cast<size_t>(ra)]));
    for (size_t b = a + 1; b < codes.size(); ++b) {
      for (const std::uint64_t cb : codes[b]) best = std::min(best, std::popcount(codes[a][0] ^ cb));
    }
  }
  return best;
}

// Intensity plane v = a + b * column + c * row over a marker's cell grid (least squares).
struct Plane {
  double a = 0, b = 0, c = 0;
  [[nodiscard]] double at(int row, int col) const { return a + b * col + c * row; }
};

// Fits a Plane to the cells (row, col) in [-1, n] x [-1, n] for which `use(row, col)`; `value(row, col)` reads them.
template <typename Use, typename Value>
Plane fitPlane(int n, Use use, Value value) {
  cv::Matx33d a = cv::Matx33d::zeros();
  cv::Vec3d b(0, 0, 0);
  for (int i = -1; i <= n; ++i) {
    for (int j = -1; j <= n; ++j) {
      if (!use(i, j)) continue;
      const cv::Vec3d x(1, j, i);
      a += x * x.t();
      b += x * value(i, j);
    }
  }
  cv::Vec3d p;
  if (!cv::solve(a, b, p, cv::DECOMP_CHOLESKY)) return {b[0] / std::max(1.0, a(0, 0)), 0, 0};
  return {p[0], p[1], p[2]};
}

}  // namespace

struct MarkerDetector::Impl {
  std::string name;
  DetectorOptions options;
  bool use_apriltag = false;
  // Corner k reported = corner (k + corner_rotation) % 4 of the backend (in OpenCV order): kTag36h11CvToApril when the
  // backend's reference convention is not the name's (tag36h11 found by OpenCV, DICT_APRILTAG_36h11 by AprilTag 3).
  int corner_rotation = 0;
  int black_modules = 8;
  // Every code of the dictionary in its four rotations (cv::rotate clockwise 0..3 times), bit i*size+j = cell (i, j).
  std::vector<std::array<std::uint64_t, 4>> codes;
  // Errors the dictionary can correct: (minimum Hamming distance between any two codes, rotations included - 1) / 2,
  // computed from the codes (OpenCV's maxCorrectionBits is 0 for its AprilTag dictionaries).
  int max_correction = 0;
  // OpenCV ArUco.
  cv::Ptr<cv::aruco::Dictionary> dict;
  cv::Ptr<cv::aruco::DetectorParameters> params;
  // AprilTag 3.
  AprilFamily april_family = AprilFamily::None;
  apriltag_family_t* family = nullptr;
  apriltag_detector_t* detector = nullptr;

  ~Impl() {
    if (detector != nullptr) apriltag_detector_destroy(detector);
    destroyFamily(april_family, family);
  }

  // Detections inside `roi` of `gray` (full image when roi is the whole image), corners in full-image pixels.
  void detectIn(const cv::Mat& gray, const cv::Rect& roi, std::vector<Detection>& out) const {
    const cv::Mat sub = gray(roi);
    if (use_apriltag) {
      image_u8_t im{sub.cols, sub.rows, static_cast<std::int32_t>(sub.step[0]), const_cast<std::uint8_t*>(sub.data)};
      zarray_t* found = apriltag_detector_detect(detector, &im);
      for (int i = 0; i < zarray_size(found); ++i) {
        apriltag_detection_t* det = nullptr;
        zarray_get(found, i, &det);
        Detection d;
        d.id = det->id;
        for (int k = 0; k < 4; ++k) {
          const double* p = det->p[kAprilCornerForCv[(k + corner_rotation) % 4]];
          // AprilTag puts pixel centres at +0.5: convert to OpenCV's integer centres.
          d.corners_px[static_cast<size_t>(k)] = {p[0] - 0.5 + roi.x, p[1] - 0.5 + roi.y};
        }
        out.push_back(d);
      }
      apriltag_detections_destroy(found);
      return;
    }
    std::vector<std::vector<cv::Point2f>> corners, rejected;
    std::vector<int> ids;
    cv::aruco::detectMarkers(sub, dict, corners, ids, params, rejected);
    const size_t first = out.size();
    for (size_t i = 0; i < ids.size(); ++i) {
      // With Rivet's parameters OpenCV may return the same square twice (contours of two threshold scales).
      const cv::Point2f ci = (corners[i][0] + corners[i][1] + corners[i][2] + corners[i][3]) / 4.0f;
      const double side_i = cv::norm(corners[i][1] - corners[i][0]);
      bool dup = false;
      for (size_t j = 0; j < i && !dup; ++j) {
        const cv::Point2f cj = (corners[j][0] + corners[j][1] + corners[j][2] + corners[j][3]) / 4.0f;
        dup = ids[j] == ids[i] && cv::norm(ci - cj) < 0.3 * side_i;
      }
      if (dup) continue;
      std::array<cv::Point2d, 4> c;
      for (size_t k = 0; k < 4; ++k) c[k] = {corners[i][k].x + 0.0 + roi.x, corners[i][k].y + 0.0 + roi.y};
      if (options.refine_corners) detail::refineQuadEdges(gray, c, black_modules);
      Detection d;
      d.id = ids[i];
      for (size_t k = 0; k < 4; ++k) {
        const auto& p = c[(k + static_cast<size_t>(corner_rotation)) % 4];
        d.corners_px[k] = {p.x, p.y};
      }
      out.push_back(d);
    }
    if (!options.backend_defaults) recoverRejected(gray, roi, rejected, first, out);
  }

  // Second chance for quads OpenCV found but could not decode (small or blurred markers: its bit extraction uses a
  // coarse warped grid and a global threshold), and for the outlines of a marker's white quiet zone when blur broke
  // the black border's contour: see decodeQuad.
  void recoverRejected(const cv::Mat& gray, const cv::Rect& roi, const std::vector<std::vector<cv::Point2f>>& rejected,
                       size_t first, std::vector<Detection>& out) const {
    const int n = dict->markerSize + 2;  // cells across the black square
    for (const auto& r : rejected) {
      if (r.size() != 4) continue;
      std::array<cv::Point2d, 4> c;
      for (size_t k = 0; k < 4; ++k) c[k] = {r[k].x + 0.0 + roi.x, r[k].y + 0.0 + roi.y};
      // Clockwise in the image (y down) so that the sampled grid is not mirrored.
      const cv::Point2d e1 = c[1] - c[0], e2 = c[2] - c[0];
      if (e1.x * e2.y - e1.y * e2.x < 0) std::swap(c[1], c[3]);
      double min_side = 1e9;
      for (size_t k = 0; k < 4; ++k) min_side = std::min(min_side, cv::norm(c[(k + 1) % 4] - c[k]));
      if (min_side < 1.2 * n) continue;
      const cv::Point2d centre = (c[0] + c[1] + c[2] + c[3]) / 4.0;
      auto taken = [&](const cv::Point2d& p, double radius) {
        for (size_t i = first; i < out.size(); ++i) {
          cv::Point2d oc{0, 0};
          for (const auto& q : out[i].corners_px) oc += cv::Point2d(q.x, q.y) / 4.0;
          if (cv::norm(oc - p) < radius) return true;
        }
        return false;
      };
      if (taken(centre, min_side)) continue;
      Detection d;
      double contrast = 0;
      if (decodeQuad(gray, c, d, contrast)) {
        out.push_back(d);
        continue;
      }
      if (contrast >= 0) continue;
      // A light quad on a darker surround: the outline of a marker's white quiet zone (its black border's own
      // contour broken by blur). Look for the black square inside it, for quiet zones of 1 and 2 modules.
      const cv::Point2f src[4] = {{0, 0}, {1, 0}, {1, 1}, {0, 1}};
      const cv::Point2f dst[4] = {c[0], c[1], c[2], c[3]};
      const cv::Matx33d H = cv::getPerspectiveTransform(src, dst);
      for (int quiet = 1; quiet <= 2; ++quiet) {
        const double lo = static_cast<double>(quiet) / (n + 2 * quiet), hi = 1 - lo;
        std::array<cv::Point2d, 4> inner;
        const double uv[4][2] = {{lo, lo}, {hi, lo}, {hi, hi}, {lo, hi}};
        for (size_t k = 0; k < 4; ++k) {
          const cv::Vec3d p = H * cv::Vec3d(uv[k][0], uv[k][1], 1);
          inner[k] = {p[0] / p[2], p[1] / p[2]};
        }
        if (decodeQuad(gray, inner, d, contrast)) {
          out.push_back(d);
          break;
        }
      }
    }
  }

  // Reads the marker in the clockwise quad `c` (black square's outer corners, roughly): refines the edges, samples
  // each cell with sub-pixel bilinear reads, models the illumination with a plane through the black border ring and
  // one through the white surround ring (as AprilTag's decoder does, so lighting gradients do not flip bits),
  // sharpens the cell values against blur (AprilTag 3's decode_sharpening, same 0.25 weight), requires a dark
  // border ring and a light surround, then lets the dictionary identify the bits with at most ~1/3 of its error
  // correction. `contrast` = smallest light-minus-dark over the grid (negative for a light quad on a dark surround).
  bool decodeQuad(const cv::Mat& gray, std::array<cv::Point2d, 4> c, Detection& d, double& contrast) const {
    const int bits = dict->markerSize;
    const int n = bits + 2;
    contrast = 0;
    detail::refineQuadEdges(gray, c, n);
    const cv::Point2f src[4] = {{0, 0}, {1, 0}, {1, 1}, {0, 1}};
    const cv::Point2f dst[4] = {c[0], c[1], c[2], c[3]};
    const cv::Matx33d H = cv::getPerspectiveTransform(src, dst);
    auto cell = [&](int row, int col) {
      double acc = 0;
      for (const auto& [dx, dy] : {std::pair{0.0, 0.0}, {-0.2, -0.2}, {0.2, -0.2}, {0.2, 0.2}, {-0.2, 0.2}}) {
        const cv::Vec3d p = H * cv::Vec3d((col + 0.5 + dx) / n, (row + 0.5 + dy) / n, 1);
        const double x = p[0] / p[2], y = p[1] / p[2];
        if (x < 0 || y < 0 || x > gray.cols - 1.001 || y > gray.rows - 1.001) return -1.0;
        const int x0 = static_cast<int>(x), y0 = static_cast<int>(y);
        const double ax = x - x0, ay = y - y0;
        const std::uint8_t* r0 = gray.ptr<std::uint8_t>(y0) + x0;
        const std::uint8_t* r1 = gray.ptr<std::uint8_t>(y0 + 1) + x0;
        acc += (1 - ay) * ((1 - ax) * r0[0] + ax * r0[1]) + ay * ((1 - ax) * r1[0] + ax * r1[1]);
      }
      return acc / 5;
    };
    // Cell means over the black square and its surround ring: grid index (i + 1, j + 1) for cells i, j in [-1, n].
    const int g_n = n + 2;
    std::vector<double> grid(static_cast<size_t>(g_n * g_n)), sharp(grid.size());
    auto at = [&](int i, int j) -> double& { return grid[static_cast<size_t>((i + 1) * g_n + (j + 1))]; };
    auto sharp_at = [&](int i, int j) -> double& { return sharp[static_cast<size_t>((i + 1) * g_n + (j + 1))]; };
    auto surround = [n](int i, int j) { return i == -1 || j == -1 || i == n || j == n; };
    auto border = [n, &surround](int i, int j) {
      return !surround(i, j) && (i == 0 || j == 0 || i == n - 1 || j == n - 1);
    };
    for (int i = -1; i <= n; ++i) {
      for (int j = -1; j <= n; ++j) {
        at(i, j) = cell(i, j);
        if (at(i, j) < 0) return false;  // partly outside the image
      }
    }
    const Plane dark = fitPlane(n, border, at);
    const Plane light = fitPlane(n, surround, at);
    // Illumination checks, independent of the sharpening: enough contrast everywhere on the grid and a light
    // surround (12 grey levels: well above sensor noise averaged over a cell, below the contrast of a blurred, badly
    // lit print). A light quad on a dark surround gives a negative contrast (see recoverRejected).
    contrast = 1e9;
    int surround_dark = 0, surround_count = 0;
    for (int i = -1; i <= n; ++i) {
      for (int j = -1; j <= n; ++j) {
        contrast = std::min(contrast, light.at(i, j) - dark.at(i, j));
        if (surround(i, j)) {
          ++surround_count;
          surround_dark += at(i, j) < (dark.at(i, j) + light.at(i, j)) / 2 ? 1 : 0;
        }
      }
    }
    if (contrast < 12 || surround_dark * 4 > surround_count) return false;
    // Sharpened reading first with AprilTag's weight, then a stronger one for heavily blurred prints (the
    // dictionary check below decides; a wrong strength only costs a failed identification).
    auto attempt = [&](double sharpen) {
      int border_wrong = 0;
      for (int i = -1; i <= n; ++i) {
        for (int j = -1; j <= n; ++j) {
          if (surround(i, j)) {
            sharp_at(i, j) = at(i, j);
            continue;
          }
          const double lap = 4 * at(i, j) - at(i - 1, j) - at(i + 1, j) - at(i, j - 1) - at(i, j + 1);
          sharp_at(i, j) = at(i, j) + sharpen * lap;
          if (border(i, j)) border_wrong += sharp_at(i, j) >= (dark.at(i, j) + light.at(i, j)) / 2 ? 1 : 0;
        }
      }
      if (border_wrong > 0) return false;
      // Soft decoding: a cell whose sharpened value is within 15 % of the local contrast of the threshold is an
      // erasure, not a guess. A code with minimum distance d = 2 * maxCorrectionBits + 1 corrects t errors and e
      // erasures while 2t + e < d; Rivet keeps a margin of two (2t + e <= 2 * maxCorrectionBits - 2) and t to a third
      // of maxCorrectionBits (OpenCV's own identification at rate 0.34), and requires the best code to beat the
      // runner-up by three bits.
      std::uint64_t observed = 0, known = 0;
      int erasures = 0;
      for (int i = 0; i < bits; ++i) {
        for (int j = 0; j < bits; ++j) {
          const double mid = (dark.at(i + 1, j + 1) + light.at(i + 1, j + 1)) / 2;
          const double local = light.at(i + 1, j + 1) - dark.at(i + 1, j + 1);
          const double v = sharp_at(i + 1, j + 1) - mid;
          const std::uint64_t bit = std::uint64_t{1} << (i * bits + j);
          if (std::abs(v) < 0.15 * local) {
            ++erasures;
            continue;
          }
          known |= bit;
          if (v > 0) observed |= bit;
        }
      }
      const int max_errors = static_cast<int>(max_correction * 0.34);
      if (erasures > 2 * max_correction - 2) return false;
      int best = 1 << 30, second = 1 << 30, best_id = -1, best_rot = 0;
      for (size_t code_id = 0; code_id < codes.size(); ++code_id) {
        for (int r = 0; r < 4; ++r) {
          const int dist = std::popcount((observed ^ codes[code_id][static_cast<size_t>(r)]) & known);
          if (dist < best) {
            second = best;
            best = dist;
            best_id = static_cast<int>(code_id);
            best_rot = r;
          } else if (dist < second) {
            second = dist;
          }
        }
      }
      if (best_id < 0 || best > max_errors || 2 * best + erasures > 2 * max_correction - 2 || second < best + 3) {
        return false;
      }
      // OpenCV's rotation convention for the corners: identify the ideal code seen in this orientation.
      cv::Mat code(bits, bits, CV_8UC1);
      const std::uint64_t ideal = codes[static_cast<size_t>(best_id)][static_cast<size_t>(best_rot)];
      for (int i = 0; i < bits; ++i) {
        for (int j = 0; j < bits; ++j) code.at<std::uint8_t>(i, j) = (ideal >> (i * bits + j)) & 1U;
      }
      int id = -1, rotation = 0;
      if (!dict->identify(code, id, rotation, 0) || id != best_id) return false;
      d.id = id;
      // Same convention as OpenCV's own identification: corner 0 is the marker's top-left after the rotation.
      std::array<cv::Point2d, 4> rot;
      for (size_t k = 0; k < 4; ++k) rot[k] = c[(k + 4 - static_cast<size_t>(rotation)) % 4];
      for (size_t k = 0; k < 4; ++k) {
        const auto& p = rot[(k + static_cast<size_t>(corner_rotation)) % 4];
        d.corners_px[k] = {p.x, p.y};
      }
      return true;
    };
    return attempt(0.25) || attempt(0.8);
  }
};

MarkerDetector::MarkerDetector(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
MarkerDetector::MarkerDetector(MarkerDetector&&) noexcept = default;
MarkerDetector& MarkerDetector::operator=(MarkerDetector&&) noexcept = default;
MarkerDetector::~MarkerDetector() = default;

void setOpenCvThreads(int threads) { cv::setNumThreads(std::max(0, threads)); }

std::vector<std::string> dictionaryNames() {
  std::vector<std::string> v;
  for (const auto& n : kArucoNames) v.emplace_back(n.name);
  for (const auto& n : kAprilNames) v.emplace_back(n.name);
  return v;
}

core::Result<MarkerDetector> MarkerDetector::create(const std::string& dictionary, DetectorOptions options) {
  auto impl = std::make_unique<Impl>();
  impl->name = dictionary;
  impl->options = options;
  const ArucoName* aruco = nullptr;
  for (const auto& n : kArucoNames) {
    if (n.name == dictionary) aruco = &n;
  }
  AprilFamily fam = AprilFamily::None;
  for (const auto& n : kAprilNames) {
    if (n.name == dictionary) fam = n.family;
  }
  if (aruco == nullptr && fam == AprilFamily::None) {
    return core::makeError("unknown marker dictionary '" + dictionary + "'", "tracking",
                           "use one of: " + validNamesText());
  }
  // tag36h11 is in both libraries: OpenCV's DICT_APRILTAG_36h11 (same ids) and AprilTag 3.
  if (aruco != nullptr && aruco->value == cv::aruco::DICT_APRILTAG_36h11) fam = AprilFamily::Tag36h11;
  if (aruco == nullptr && fam == AprilFamily::Tag36h11) {
    for (const auto& n : kArucoNames) {
      if (n.value == cv::aruco::DICT_APRILTAG_36h11) aruco = &n;
    }
  }
  bool april = false;
  if (options.backend == DetectorBackend::OpenCvAruco) {
    if (aruco == nullptr) {
      return core::makeError("dictionary '" + dictionary + "' has no OpenCV ArUco equivalent", "tracking",
                             "use the AprilTag backend for it");
    }
  } else if (options.backend == DetectorBackend::AprilTag) {
    if (fam == AprilFamily::None) {
      return core::makeError("dictionary '" + dictionary + "' is not an AprilTag family", "tracking",
                             "use tag36h11, DICT_APRILTAG_36h11 or tagStandard41h12 with the AprilTag backend");
    }
    april = true;
  } else {
    // Auto: OpenCV's quads + Rivet's edge refinement where OpenCV has the dictionary (faster than AprilTag 3 at
    // decimate 2 with higher recall, see tests/bench/tracking); AprilTag 3 for the families only it has.
    april = aruco == nullptr;
  }
  if (options.apriltag_decimate < 1) {
    return core::makeError("apriltag_decimate must be >= 1", "tracking");
  }
  impl->use_apriltag = april;
  if (april) {
    impl->april_family = fam;
    impl->family = createFamily(fam);
    impl->detector = apriltag_detector_create();
    apriltag_detector_add_family(impl->detector, impl->family);
    impl->detector->quad_decimate = static_cast<float>(options.apriltag_decimate);
    impl->detector->nthreads = std::max(1, options.threads);
    impl->detector->refine_edges = options.apriltag_refine_edges;
    impl->black_modules = impl->family->width_at_border;
    if (dictionary == "DICT_APRILTAG_36h11") impl->corner_rotation = kTag36h11CvToApril;
  } else {
    impl->dict = cv::aruco::getPredefinedDictionary(aruco->value);
    impl->codes.reserve(static_cast<size_t>(impl->dict->bytesList.rows));
    for (int id = 0; id < impl->dict->bytesList.rows; ++id) {
      cv::Mat bits = cv::aruco::Dictionary::getBitsFromByteList(impl->dict->bytesList.rowRange(id, id + 1),
                                                                 impl->dict->markerSize);
      std::array<std::uint64_t, 4> rots{};
      for (auto& r : rots) {
        r = packBits(bits);
        cv::rotate(bits, bits, cv::ROTATE_90_CLOCKWISE);
      }
      impl->codes.push_back(rots);
    }
    impl->max_correction = (minimumDistance(impl->codes) - 1) / 2;
    impl->params = cv::aruco::DetectorParameters::create();
    impl->params->cornerRefinementMethod = cv::aruco::CORNER_REFINE_NONE;
    if (dictionary == "tag36h11") impl->corner_rotation = kTag36h11CvToApril;
    if (!options.backend_defaults) impl->params->minMarkerDistanceRate = 0.02;
    impl->black_modules = impl->dict->markerSize + 2 * impl->params->markerBorderBits;
  }
  return MarkerDetector(std::move(impl));
}

std::vector<Detection> MarkerDetector::detect(const core::Image& image) const {
  std::vector<Detection> out;
  if (image.empty()) return out;
  const cv::Mat gray = detail::grayView(image);
  impl_->detectIn(gray, cv::Rect(0, 0, gray.cols, gray.rows), out);
  sortDetections(out);
  return out;
}

std::vector<Detection> MarkerDetector::detect(const core::Image& image, std::span<const PixelRect> regions) const {
  std::vector<Detection> out;
  if (image.empty()) return out;
  const cv::Mat gray = detail::grayView(image);
  const cv::Rect full(0, 0, gray.cols, gray.rows);
  for (const PixelRect& r : regions) {
    const cv::Rect roi = cv::Rect(r.x, r.y, r.width, r.height) & full;
    if (roi.width < 8 || roi.height < 8) continue;
    std::vector<Detection> found;
    impl_->detectIn(gray, roi, found);
    // Overlapping regions may find the same marker twice: keep one.
    for (const auto& d : found) {
      const bool dup = std::any_of(out.begin(), out.end(), [&](const Detection& o) {
        if (o.id != d.id) return false;
        const double dx = o.corners_px[0].x - d.corners_px[0].x, dy = o.corners_px[0].y - d.corners_px[0].y;
        return dx * dx + dy * dy < 4.0;
      });
      if (!dup) out.push_back(d);
    }
  }
  sortDetections(out);
  return out;
}

const std::string& MarkerDetector::dictionary() const { return impl_->name; }
int MarkerDetector::blackSquareModules() const { return impl_->black_modules; }
const DetectorOptions& MarkerDetector::options() const { return impl_->options; }

core::Result<MarkerImage> drawMarkerImage(const std::string& dictionary, int id, int pixels_per_module,
                                          int quiet_modules) {
  if (pixels_per_module < 1 || quiet_modules < 0) {
    return core::makeError("pixels_per_module must be >= 1 and quiet_modules >= 0", "drawMarkerImage");
  }
  AprilFamily fam = AprilFamily::None;
  for (const auto& n : kAprilNames) {
    if (n.name == dictionary) fam = n.family;
  }
  const ArucoName* aruco = nullptr;
  for (const auto& n : kArucoNames) {
    if (n.name == dictionary) aruco = &n;
  }
  if (aruco == nullptr && fam == AprilFamily::None) {
    return core::makeError("unknown marker dictionary '" + dictionary + "'", "drawMarkerImage",
                           "use one of: " + validNamesText());
  }
  // DICT_APRILTAG_36h11 is drawn by OpenCV (its reference), tag36h11 by libapriltag: the same code turned by 180
  // degrees (see kTag36h11CvToApril).
  MarkerImage mi;
  cv::Mat tag;  // 1 pixel per module, without quiet zone
  if (fam != AprilFamily::None) {
    apriltag_family_t* f = createFamily(fam);
    if (id < 0 || static_cast<std::uint32_t>(id) >= f->ncodes) {
      const int n = static_cast<int>(f->ncodes);
      destroyFamily(fam, f);
      return core::makeError("marker id " + std::to_string(id) + " is not in " + dictionary + " (ids 0.." +
                                 std::to_string(n - 1) + ")", "drawMarkerImage");
    }
    image_u8_t* im = apriltag_to_image(f, id);
    cv::Mat(im->height, im->width, CV_8UC1, im->buf, static_cast<size_t>(im->stride)).copyTo(tag);
    // image_u8_destroy is not exported by Debian's libapriltag; it frees the buffer and the struct (both calloc'd).
    std::free(im->buf);
    std::free(im);
    mi.black_square_modules = f->width_at_border;
    mi.black_offset_modules = (f->total_width - f->width_at_border) / 2;
    destroyFamily(fam, f);
  } else {
    const cv::Ptr<cv::aruco::Dictionary> d = cv::aruco::getPredefinedDictionary(aruco->value);
    if (id < 0 || id >= d->bytesList.rows) {
      return core::makeError("marker id " + std::to_string(id) + " is not in " + dictionary + " (ids 0.." +
                                 std::to_string(d->bytesList.rows - 1) + ")", "drawMarkerImage");
    }
    cv::aruco::drawMarker(d, id, d->markerSize + 2, tag, 1);
    mi.black_square_modules = d->markerSize + 2;
    mi.black_offset_modules = 0;
  }
  cv::Mat big;
  cv::resize(tag, big, cv::Size(), pixels_per_module, pixels_per_module, cv::INTER_NEAREST);
  const int q = quiet_modules * pixels_per_module;
  cv::copyMakeBorder(big, big, q, q, q, q, cv::BORDER_CONSTANT, cv::Scalar(255));
  mi.black_offset_modules += quiet_modules;
  mi.total_modules = tag.cols + 2 * quiet_modules;
  mi.image = detail::fromMat(big);
  return mi;
}

}  // namespace rivet::tracking
