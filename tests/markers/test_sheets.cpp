// Rasterises rivet-markers' PDF (pdftoppm) and SVG (rsvg-convert) sheets at 300 dpi and measures them: every id is
// detected once with Rivet's detector, at the exact physical size (within 1 px), upright, with the reference
// library's corner order (OpenCV for DICT_*, libapriltag for tag36h11 / tagStandard41h12), with seamless black cells,
// a top arrow pointing away from the marker, and a ruler that measures 100 mm and a square 20 x 20 mm.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "../common/reference_markers.hpp"
#include "rivet/tracking/detector.hpp"
#include "rivet/tracking/image_io.hpp"
#include "test_util.hpp"

namespace rivet::markers::test {
namespace {

namespace fs = std::filesystem;
constexpr double kDpi = 300;
constexpr double kPxPerMm = kDpi / 25.4;

int pixel(const core::Image& g, double x, double y) {
  const int xi = static_cast<int>(std::lround(x)), yi = static_cast<int>(std::lround(y));
  if (xi < 0 || yi < 0 || xi >= g.width || yi >= g.height) return 255;
  return g.pixels[static_cast<size_t>(yi) * static_cast<size_t>(g.width) + static_cast<size_t>(xi)];
}

double dist(core::Vec2d a, core::Vec2d b) { return std::hypot(a.x - b.x, a.y - b.y); }

std::vector<core::Image> rasterisePdf(const fs::path& pdf, const fs::path& dir) {
  const auto r = run("pdftoppm -r 300 -gray " + quote(pdf) + " " + quote(dir / "page"));
  EXPECT_EQ(r.code, 0) << r.out;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".pgm") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  std::vector<core::Image> pages;
  for (const auto& f : files) {
    auto img = tracking::loadImage(f.string(), true);
    EXPECT_TRUE(img.ok()) << f;
    if (img.ok()) pages.push_back(std::move(*img));
  }
  return pages;
}

core::Image rasteriseSvg(const fs::path& svg) {
  fs::path png = svg;
  png.replace_extension(".png");
  const auto r = run("rsvg-convert -d 300 -p 300 -o " + quote(png) + " " + quote(svg));
  EXPECT_EQ(r.code, 0) << r.out;
  auto img = tracking::loadImage(png.string(), true);
  EXPECT_TRUE(img.ok()) << png;
  return img.ok() ? std::move(*img) : core::Image{};
}

// Column (vertical = true) or row runs of dark pixels in the page's bottom 40 mm (the ruler band): centres, in pixels
// across the run direction, of the groups of lines whose longest run is between lo_mm and hi_mm.
std::vector<double> lineCentres(const core::Image& g, bool vertical, double lo_mm, double hi_mm) {
  const int y_start = g.height - static_cast<int>(40 * kPxPerMm);
  const int n_lines = vertical ? g.width : g.height - y_start;
  const int n_along = vertical ? g.height - y_start : g.width;
  const auto at = [&](int line, int along) {
    return vertical ? pixel(g, line, y_start + along) : pixel(g, along, y_start + line);
  };
  std::vector<int> best(static_cast<size_t>(n_lines), 0), mid(static_cast<size_t>(n_lines), 0);
  for (int l = 0; l < n_lines; ++l) {
    int run_len = 0;
    for (int a = 0; a < n_along; ++a) {
      run_len = at(l, a) < 128 ? run_len + 1 : 0;
      if (run_len > best[static_cast<size_t>(l)]) best[static_cast<size_t>(l)] = run_len, mid[static_cast<size_t>(l)] = a - run_len / 2;
    }
  }
  std::vector<double> centres;
  for (int l = 0; l < n_lines;) {
    const auto in = [&](int k) { return best[static_cast<size_t>(k)] >= lo_mm * kPxPerMm && best[static_cast<size_t>(k)] <= hi_mm * kPxPerMm; };
    if (!in(l)) {
      ++l;
      continue;
    }
    const int first = l;
    while (l < n_lines && in(l)) ++l;
    const int a = mid[static_cast<size_t>((first + l - 1) / 2)];
    // Darkness-weighted centroid across the line, at the middle of its run: sub-pixel position.
    double sw = 0, swx = 0;
    for (int k = first - 4; k <= l + 3; ++k) {
      if (k < 0 || k >= n_lines) continue;
      const double w = 255.0 - at(k, a);
      sw += w, swx += w * k;
    }
    centres.push_back(sw > 0 ? swx / sw : first);
  }
  return centres;
}

// Largest deviations seen by one checkPages call (printed for the record).
struct Worst {
  double side_px = 0, ruler_px = 0, square_px = 0, reference_px = 0;
};

void checkRuler(const core::Image& g, const std::string& what, Worst& worst) {
  SCOPED_TRACE(what);
  const auto ends = lineCentres(g, true, 7, 9);  // the ruler's end ticks are 8 mm, every other tick shorter
  ASSERT_EQ(ends.size(), 2u);
  EXPECT_NEAR(ends[1] - ends[0], 100 * kPxPerMm, 1.0) << "ruler end ticks";
  worst.ruler_px = std::max(worst.ruler_px, std::abs(ends[1] - ends[0] - 100 * kPxPerMm));
  const auto sides = lineCentres(g, true, 19, 21.5);
  ASSERT_EQ(sides.size(), 2u);
  EXPECT_NEAR(sides[1] - sides[0], 20 * kPxPerMm, 1.0) << "check square width";
  worst.square_px = std::max(worst.square_px, std::abs(sides[1] - sides[0] - 20 * kPxPerMm));
  const auto rows = lineCentres(g, false, 19, 21.5);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_NEAR(rows[1] - rows[0], 20 * kPxPerMm, 1.0) << "check square height";
  worst.square_px = std::max(worst.square_px, std::abs(rows[1] - rows[0] - 20 * kPxPerMm));
}

// Dark pixels across the arrow at distance s (px) above the top edge's middle.
int darkAcross(const core::Image& g, core::Vec2d m, core::Vec2d up, core::Vec2d side, double s) {
  int n = 0;
  for (double t = -5 * kPxPerMm; t <= 5 * kPxPerMm; t += 1.0)
    n += pixel(g, m.x + up.x * s + side.x * t, m.y + up.y * s + side.y * t) < 128 ? 1 : 0;
  return n;
}

struct Expected {
  std::string dictionary;
  std::map<int, double> size_mm;  // every id printed, with its size
  bool arrow_above = true;        // the first dark thing above the marker is its arrow (not for tagStandard41h12)
  // tagStandard41h12 has a reversed border: the detected square's outer ring is white, the black ring lies outside.
  bool black_ring_outside = false;
};

// Detects and measures every marker of every page; each expected id must be found exactly once.
void checkPages(const std::vector<core::Image>& pages, const Expected& e) {
  auto det = tracking::MarkerDetector::create(e.dictionary);
  ASSERT_TRUE(det.ok()) << det.error().describe();
  const int n_modules = det->blackSquareModules();
  std::map<int, int> found;
  Worst worst;
  for (size_t p = 0; p < pages.size(); ++p) {
    const core::Image& g = pages[p];
    SCOPED_TRACE("page " + std::to_string(p + 1));
    ASSERT_FALSE(g.empty());
    checkRuler(g, "page " + std::to_string(p + 1), worst);
    // The reference library of the family (OpenCV for DICT_*, libapriltag for tag36h11 / tagStandard41h12) on the
    // same page: Rivet's corner k is the reference's corner k (no cyclic-shift search), so the in-plane orientation
    // agrees too.
    const cv::Mat page_mat(g.height, g.width, CV_8UC1, const_cast<std::uint8_t*>(g.pixels.data()));
    const auto refs = rivet::test::ref::detect(page_mat, e.dictionary);
    for (const auto& d : det->detect(g)) {
      SCOPED_TRACE("id " + std::to_string(d.id));
      ++found[d.id];
      const auto it = e.size_mm.find(d.id);
      if (it == e.size_mm.end()) {
        ADD_FAILURE() << "detected an id that was not printed";
        continue;
      }
      const auto& c = d.corners_px;
      const double expected_px = it->second * kPxPerMm;
      for (size_t k = 0; k < 4; ++k) {
        EXPECT_NEAR(dist(c[k], c[(k + 1) % 4]), expected_px, 1.0) << "side " << k;
        worst.side_px = std::max(worst.side_px, std::abs(dist(c[k], c[(k + 1) % 4]) - expected_px));
      }
      EXPECT_LT(c[0].y, c[3].y);  // upright: corner 0 (top-left of the printed marker) is above corner 3
      EXPECT_LT(c[0].x, c[1].x);
      const auto r = std::find_if(refs.begin(), refs.end(), [&](const auto& m) {
        return m.id == d.id && std::hypot(m.corners[0].x - c[0].x, m.corners[0].y - c[0].y) < 0.3 * expected_px;
      });
      if (r == refs.end()) {
        ADD_FAILURE() << "the reference detector does not find this marker with the same corner 0";
      } else {
        for (size_t k = 0; k < 4; ++k) {
          // OpenCV's own corners lean inwards by up to ~1 px on large prints (Rivet's edge fit does not).
          EXPECT_LT(std::hypot(r->corners[k].x - c[k].x, r->corners[k].y - c[k].y), std::max(1.5, 0.002 * expected_px))
              << "corner " << k
              << " differs from the reference detector's";
        }
        const double ours = std::atan2(c[1].y - c[0].y, c[1].x - c[0].x);
        const double theirs = std::atan2(r->corners[1].y - r->corners[0].y, r->corners[1].x - r->corners[0].x);
        EXPECT_LT(std::abs(std::remainder(ours - theirs, 2 * M_PI)) * 180 / M_PI, 1.0) << "in-plane orientation";
        worst.reference_px = std::max(worst.reference_px,
                                      std::hypot(r->corners[0].x - c[0].x, r->corners[0].y - c[0].y));
      }
      // The black square's outer ring, sampled along its middle across every cell boundary: no seam.
      int lightest = 0;
      const double h = e.black_ring_outside ? -0.5 / n_modules : 0.5 / n_modules;
      const auto quad = [&](double u, double v) {
        return core::Vec2d{(1 - u) * (1 - v) * c[0].x + u * (1 - v) * c[1].x + u * v * c[2].x + (1 - u) * v * c[3].x,
                           (1 - u) * (1 - v) * c[0].y + u * (1 - v) * c[1].y + u * v * c[2].y + (1 - u) * v * c[3].y};
      };
      const int steps = static_cast<int>(expected_px);
      for (int s = 0; s <= steps; ++s) {
        const double t = h + (1 - 2 * h) * s / steps;
        for (const core::Vec2d q : {quad(t, h), quad(t, 1 - h), quad(h, t), quad(1 - h, t)})
          lightest = std::max(lightest, pixel(g, q.x, q.y));
      }
      EXPECT_LT(lightest, 60) << "a light seam inside the black border";
      if (e.arrow_above) {
        const core::Vec2d m{(c[0].x + c[1].x) / 2, (c[0].y + c[1].y) / 2};
        const double len = dist(c[0], c[3]);
        const core::Vec2d up{(c[0].x - c[3].x) / len, (c[0].y - c[3].y) / len};
        const double sl = dist(c[0], c[1]);
        const core::Vec2d side{(c[1].x - c[0].x) / sl, (c[1].y - c[0].y) / sl};
        double s0 = -1, s1 = -1;
        for (double s = 2; s < 60 * kPxPerMm; s += 1) {
          const bool dark = pixel(g, m.x + up.x * s, m.y + up.y * s) < 128;
          if (dark && s0 < 0) s0 = s;
          if (!dark && s0 >= 0) {
            s1 = s;
            break;
          }
        }
        ASSERT_GT(s0, 0) << "no arrow above the marker";
        EXPECT_NEAR((s1 - s0) / kPxPerMm, 3.5, 0.5) << "arrow height";
        const int near_w = darkAcross(g, m, up, side, s0 + 0.2 * (s1 - s0));
        const int far_w = darkAcross(g, m, up, side, s0 + 0.8 * (s1 - s0));
        EXPECT_GT(near_w, 2 * far_w) << "the arrow must point away from the marker (its top)";
        EXPECT_NEAR(near_w / kPxPerMm, 4.0, 0.6);
      }
    }
  }
  for (const auto& [id, size] : e.size_mm) EXPECT_EQ(found[id], 1) << "id " << id << " (" << size << " mm)";
  std::printf("[measured] %s: %zu markers on %zu pages; worst side error %.2f px, ruler %.2f px, square %.2f px "
              "(1 px = %.3f mm); corner 0 vs the reference detector's %.2f px\n", e.dictionary.c_str(), e.size_mm.size(),
              pages.size(), worst.side_px, worst.ruler_px, worst.square_px, 25.4 / kDpi, worst.reference_px);
}

bool rasterisers(bool svg) {
  return haveCommand(svg ? "rsvg-convert" : "pdftoppm");
}

TEST(Sheets, PdfAllIdsDetectedAtExactSizeWithRuler) {
  if (!rasterisers(false)) GTEST_SKIP() << "pdftoppm (poppler-utils) missing: run tools/setup/install-deps.sh";
  const auto dir = freshDir("pdf_6x6");
  const auto r = run(markersExe() + " sheet --dict DICT_6X6_250 --ids 0-5,9 --size-mm 60 -o " + quote(dir / "m.pdf"));
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("2 pages A4"), std::string::npos) << r.out;
  const auto info = run("pdfinfo " + quote(dir / "m.pdf"));  // poppler complains about a broken xref or stream
  EXPECT_EQ(info.code, 0) << info.out;
  EXPECT_EQ(info.out.find("Error"), std::string::npos) << info.out;
  EXPECT_NE(info.out.find("Pages:           2"), std::string::npos) << info.out;
  EXPECT_NE(info.out.find("595.276 x 841.89 pts (A4)"), std::string::npos) << info.out;
  const auto pages = rasterisePdf(dir / "m.pdf", dir);
  ASSERT_EQ(pages.size(), 2u);
  EXPECT_NEAR(pages[0].width, 210 * kPxPerMm, 1.0);  // A4 at 300 dpi
  EXPECT_NEAR(pages[0].height, 297 * kPxPerMm, 1.0);
  Expected e{"DICT_6X6_250", {}, true};
  for (int id : {0, 1, 2, 3, 4, 5, 9}) e.size_mm[id] = 60;
  checkPages(pages, e);
  // Captions and the ruler's instruction are real text.
  const auto text = run("pdftotext " + quote(dir / "m.pdf") + " -");
  ASSERT_EQ(text.code, 0) << text.out;
  for (const char* s : {"id 0", "id 5", "id 9", "DICT_6X6_250", "60 mm", "TOP",
                        "check: this line must measure 100 mm", "print at 100 %, no fit-to-page", "page 2 of 2"})
    EXPECT_NE(text.out.find(s), std::string::npos) << s << " missing in:\n" << text.out;
}

TEST(Sheets, SvgPagesAprilTag36h11) {
  if (!rasterisers(true)) GTEST_SKIP() << "rsvg-convert (librsvg2-bin) missing: run tools/setup/install-deps.sh";
  const auto dir = freshDir("svg_36h11");
  const auto r = run(markersExe() + " sheet --dict tag36h11 --ids 0-29 --size-mm 25 -o " + quote(dir / "s.svg"));
  ASSERT_EQ(r.code, 0) << r.out;
  ASSERT_TRUE(fs::exists(dir / "s-01.svg")) << r.out;
  ASSERT_TRUE(fs::exists(dir / "s-02.svg")) << r.out;
  EXPECT_FALSE(fs::exists(dir / "s-03.svg"));
  EXPECT_FALSE(fs::exists(dir / "s.svg"));
  Expected e{"tag36h11", {}, true};
  for (int id = 0; id < 30; ++id) e.size_mm[id] = 25;
  checkPages({rasteriseSvg(dir / "s-01.svg"), rasteriseSvg(dir / "s-02.svg")}, e);
  EXPECT_NE(readFile(dir / "s-02.svg").find(">id 29</text>"), std::string::npos);
}

TEST(Sheets, SvgTagStandard41h12OnLetter) {
  if (!rasterisers(true)) GTEST_SKIP() << "rsvg-convert (librsvg2-bin) missing: run tools/setup/install-deps.sh";
  const auto dir = freshDir("svg_41h12");
  const auto r = run(markersExe() + " sheet --dict tagStandard41h12 --ids 0-3,100 --size-mm 30 --paper Letter "
                                    "--format svg -o " + quote(dir / "t"));
  ASSERT_EQ(r.code, 0) << r.out;
  ASSERT_TRUE(fs::exists(dir / "t-02.svg")) << r.out;  // 4 per Letter page
  std::vector<core::Image> pages{rasteriseSvg(dir / "t-01.svg"), rasteriseSvg(dir / "t-02.svg")};
  EXPECT_NEAR(pages[0].width, 215.9 * kPxPerMm, 1.0);  // 8.5 in at 300 dpi
  Expected e{"tagStandard41h12", {{0, 30}, {1, 30}, {2, 30}, {3, 30}, {100, 30}}, false, true};
  checkPages(pages, e);
}

// Every other dictionary family prints detectably and upright, with OpenCV's corner order (DICT_APRILTAG_36h11 is
// OpenCV's drawing, libapriltag's tag36h11 turned by 180 degrees: the printed TOP is corner 0's edge for both names).
TEST(Sheets, EveryDictionaryFamilyPrintsDetectably) {
  if (!rasterisers(false)) GTEST_SKIP() << "pdftoppm (poppler-utils) missing: run tools/setup/install-deps.sh";
  for (const char* dict : {"DICT_4X4_1000", "DICT_5X5_250", "DICT_7X7_50", "DICT_ARUCO_ORIGINAL", "DICT_APRILTAG_25h9",
                           "DICT_APRILTAG_36h10", "DICT_APRILTAG_36h11"}) {
    SCOPED_TRACE(dict);
    const auto dir = freshDir(std::string("family_") + dict);
    const auto r = run(markersExe() + " sheet --dict " + dict + " --ids 0,17 --size-mm 45 -o " + quote(dir / "f.pdf"));
    ASSERT_EQ(r.code, 0) << r.out;
    checkPages(rasterisePdf(dir / "f.pdf", dir), {dict, {{0, 45}, {17, 45}}, true});
  }
}

TEST(Sheets, MapPrintsEachMarkerAtItsOwnSizeWithNotes) {
  if (!rasterisers(false)) GTEST_SKIP() << "pdftoppm (poppler-utils) missing: run tools/setup/install-deps.sh";
  const auto dir = freshDir("map_sizes");
  writeFile(dir / "markers.yaml",
            "# test marker map with three sizes\n"
            "dictionary: DICT_4X4_50\n"
            "markers:\n"
            "  - {id: 3, size_mm: 40, position_m: [0, 0, 0], normal: [0, 0, 1], up: [0, 1, 0], note: left door}\n"
            "  - {id: 7, size_mm: 120, position_m: [1, 0, 0], rotation_deg: [0, 0, 0]}\n"
            "  - {id: 12, size_mm: 25.5, position_m: [2, 0, 0], rotation_deg: [0, 90, 0], note: \"base, rear\"}\n");
  const auto r = run(markersExe() + " sheet --map " + quote(dir / "markers.yaml") + " --paper A3 -o " +
                     quote(dir / "map.pdf"));
  ASSERT_EQ(r.code, 0) << r.out;
  const auto pages = rasterisePdf(dir / "map.pdf", dir);
  ASSERT_EQ(pages.size(), 1u);
  EXPECT_NEAR(pages[0].width, 297 * kPxPerMm, 1.0);  // A3
  checkPages(pages, {"DICT_4X4_50", {{3, 40}, {7, 120}, {12, 25.5}}, true});
  const auto text = run("pdftotext " + quote(dir / "map.pdf") + " -");
  for (const char* s : {"left door", "base, rear", "25.5 mm", "120 mm"})
    EXPECT_NE(text.out.find(s), std::string::npos) << s << " missing in:\n" << text.out;
}

TEST(Sheets, PackPrintsItsMarkerMap) {
  if (!rasterisers(false)) GTEST_SKIP() << "pdftoppm (poppler-utils) missing: run tools/setup/install-deps.sh";
  const auto dir = freshDir("pack");
  const std::string pack = std::string(RIVET_SOURCE_DIR) + "/content/samples/robot-cell";
  auto r = run(markersExe() + " sheet --pack " + pack + " -o " + quote(dir / "all.pdf"));
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("6 markers, DICT_6X6_250, 6 pages A4"), std::string::npos) << r.out;
  r = run(markersExe() + " sheet --pack " + pack + " --ids 5,1 --paper A3 -o " + quote(dir / "two.pdf"));
  ASSERT_EQ(r.code, 0) << r.out;
  const auto pages = rasterisePdf(dir / "two.pdf", dir);
  ASSERT_EQ(pages.size(), 1u);
  checkPages(pages, {"DICT_6X6_250", {{1, 100}, {5, 100}}, true});
  const auto text = run("pdftotext " + quote(dir / "two.pdf") + " -");
  EXPECT_NE(text.out.find("rear guard panel, left"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("pack robot-cell"), std::string::npos) << text.out;
}

}  // namespace

void checkRulerOnPage(const core::Image& page, const std::string& what) {
  Worst worst;
  checkRuler(page, what, worst);
  std::printf("[measured] %s: ruler %.2f px, square %.2f px off\n", what.c_str(), worst.ruler_px, worst.square_px);
}

}  // namespace rivet::markers::test
