// Lays out a ChArUco calibration board page (OpenCV 4.6 CharucoBoard layout, exact size, one merged black path).
#include "board.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "rivet/tracking/detector.hpp"

namespace rivet::markers {
namespace {

// Page layout, millimetres.
constexpr double kHeaderHeight = 8.0, kHeaderSize = 3.0;
constexpr double kCaptionGap = 5.0;  // board's bottom edge to the caption's first line's top
constexpr double kTitleSize = 4.0, kCommandSize = 3.0, kAdviceSize = 2.8, kMinTextSize = 1.8;
constexpr double kLineStep = 1.45;  // baseline to baseline, in em
// Caption block under the board: bold title, "for rivet-calibrate:" and the command, two advice lines.
constexpr double kCaptionHeight =
    kCaptionGap + 0.75 * kTitleSize + kLineStep * (2 * kCommandSize + 2 * kAdviceSize) + 0.3 * kAdviceSize;

struct CaptionLine {
  std::string text;
  double size_mm;
  Font font;
};

std::string str(double v) { return formatNumber(v, 4); }

// Size of the board's marker image (the black square) in OpenCV's drawMarker orientation, as dark cells.
struct MarkerCells {
  int modules = 0;
  std::vector<RectMm> dark;  // in cells, from the black square's top-left
};

core::Result<MarkerCells> markerCells(const std::string& dictionary, int id) {
  auto img = tracking::drawMarkerImage(dictionary, id, 1, 0);
  if (!img) return img.error();
  const core::Image& im = img->image;
  const int n = img->black_square_modules, off = img->black_offset_modules;
  // drawMarkerImage draws every DICT_* (DICT_APRILTAG_36h11 included) with OpenCV's drawMarker, as the board needs.
  std::vector<bool> grid(static_cast<size_t>(n) * static_cast<size_t>(n));
  for (int r = 0; r < n; ++r) {
    for (int c = 0; c < n; ++c) {
      const int sr = off + r, sc = off + c;
      grid[static_cast<size_t>(r * n + c)] = im.pixels[static_cast<size_t>(sr * im.width + sc)] < 128;
    }
  }
  return MarkerCells{n, mergeDarkCells(grid, n, n)};
}

// Codes in `dictionary` (ids 0..n-1 draw, n does not), found by bisection; 0 when id 0 does not draw.
int dictionarySize(const std::string& dictionary) {
  if (!tracking::drawMarkerImage(dictionary, 0, 1, 0)) return 0;
  int lo = 1, hi = 1;  // lo: known to draw (as a count), hi: first count known not to
  while (tracking::drawMarkerImage(dictionary, hi - 1, 1, 0) && hi < (1 << 20)) lo = hi, hi *= 2;
  while (hi - lo > 1) {
    const int mid = lo + (hi - lo) / 2;
    (tracking::drawMarkerImage(dictionary, mid - 1, 1, 0) ? lo : hi) = mid;
  }
  return lo;
}

double floorTo(double v, double step) { return std::floor(v / step + 1e-9) * step; }

}  // namespace

core::Result<std::pair<int, int>> parseBoardSize(std::string_view text) {
  const auto bad = [&] {
    std::string message = "cannot read the board size '";
    message.append(text).append("'");
    return core::makeError(std::move(message), "--board", "give squares across x squares down, e.g. --board 5x7");
  };
  const size_t x = text.find_first_of("xX");
  if (x == std::string_view::npos) return bad();
  const auto number = [](std::string_view s, int& out) {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
    if (s.empty() || s.size() > 6) return false;
    const auto r = std::from_chars(s.data(), s.data() + s.size(), out);
    return r.ec == std::errc() && r.ptr == s.data() + s.size() && out >= 0;
  };
  int w = 0, h = 0;
  if (!number(text.substr(0, x), w) || !number(text.substr(x + 1), h)) return bad();
  return std::make_pair(w, h);
}

std::vector<std::string> boardDictionaries() {
  std::vector<std::string> out;
  for (const auto& n : tracking::dictionaryNames())
    if (n.rfind("DICT_", 0) == 0) out.push_back(n);
  return out;
}

core::Result<BoardPage> layoutBoard(const BoardOptions& o) {
  const int w = o.squares_x, h = o.squares_y;
  const std::string size_text = std::to_string(w) + "x" + std::to_string(h);
  const std::string where = "--board " + size_text;
  if (w < 2 || h < 3 || w > 200 || h > 200)
    return core::makeError("a ChArUco board needs 2 to 200 squares across and 3 to 199 down", where,
                           "give squares across x squares down, e.g. --board 5x7");
  if (h % 2 == 0) {
    return core::makeError(
        "the board has an even number of rows (" + std::to_string(h) +
            "): OpenCV 4.6 (which rivet-calibrate uses) lays out even-row ChArUco boards differently from other "
            "OpenCV versions, so rivet-calibrate refuses them",
        where,
        "use an odd number of rows, e.g. --board " + std::to_string(w) + "x" + std::to_string(h + 1) +
            (w % 2 == 1 ? " or --board " + std::to_string(h) + "x" + std::to_string(w) : std::string()));
  }
  if (!(o.square_mm >= kMinSizeMm && o.square_mm <= kMaxSizeMm))
    return core::makeError("square size " + str(o.square_mm) + " mm is not printable", "--square-mm",
                           "give a chessboard square's side in millimetres, 5..2000, e.g. --square-mm 40");
  if (!(o.marker_mm > 0) || !(o.marker_mm < o.square_mm))
    return core::makeError("marker size " + str(o.marker_mm) + " mm must be positive and smaller than the square " +
                               str(o.square_mm) + " mm",
                           "--marker-mm",
                           "the marker sits inside a white square: e.g. --marker-mm " +
                               str(floorTo(o.square_mm / 2, 0.1)) + ", half the square");
  if (o.marker_mm < kMinSizeMm)
    return core::makeError("marker size " + str(o.marker_mm) + " mm is too small to print and detect", "--marker-mm",
                           "use markers of at least " + str(kMinSizeMm) + " mm, and larger squares");
  const auto dicts = boardDictionaries();
  if (std::find(dicts.begin(), dicts.end(), o.dictionary) == dicts.end()) {
    std::string list;
    for (const auto& n : dicts) list += (list.empty() ? "" : ", ") + n;
    return core::makeError("unknown ChArUco dictionary '" + o.dictionary + "'", "--dict",
                           "rivet-calibrate reads boards of: " + list);
  }
  const int n_markers = w * h / 2;
  const int n_codes = dictionarySize(o.dictionary);
  if (n_markers > n_codes)
    return core::makeError("board " + size_text + " needs " + std::to_string(n_markers) + " markers but " +
                               o.dictionary + " has only " + std::to_string(n_codes),
                           where, "use fewer squares or a larger dictionary, e.g. DICT_6X6_250 or DICT_6X6_1000");
  if (!(o.margin_mm >= 0)) return core::makeError("margin must be >= 0 mm", "--margin-mm", "e.g. --margin-mm 10");

  // Room: the board centred between the margins, the header above, the caption and the ruler band below.
  const double board_w = w * o.square_mm, board_h = h * o.square_mm;
  const double usable_w = o.paper.width_mm - 2 * o.margin_mm, usable_h = o.paper.height_mm - 2 * o.margin_mm;
  const double fixed_h = kHeaderHeight + kCaptionHeight + kRulerBandHeightMm;
  if (usable_w < kRulerMinWidthMm || usable_h < fixed_h + 20)
    return core::makeError("margin " + str(o.margin_mm) + " mm leaves no room on " + o.paper.name + " paper",
                           "--margin-mm", "use a smaller margin (10 mm suits most printers)");
  if (board_w > usable_w + 1e-9 || board_h + fixed_h > usable_h + 1e-9) {
    std::string hint;
    for (const char* name : {"A4", "Letter", "A3"}) {
      const Paper p = *paperByName(name);
      if (board_w <= p.width_mm - 2 * o.margin_mm + 1e-9 && board_h + fixed_h <= p.height_mm - 2 * o.margin_mm + 1e-9) {
        hint = "use --paper " + p.name;
        break;
      }
    }
    const double fit_square = floorTo(std::min(usable_w / w, (usable_h - fixed_h) / h), 0.5);
    const double fit_marker = floorTo(fit_square * o.marker_mm / o.square_mm, 0.1);
    if (fit_marker >= kMinSizeMm) {
      hint += hint.empty() ? "use " : ", or ";
      hint += "--square-mm " + str(fit_square) + " --marker-mm " + str(fit_marker) + " to fit " + o.paper.name;
    }
    if (hint.empty()) hint = "use fewer squares, larger paper or smaller margins";
    return core::makeError("board " + size_text + " of " + str(o.square_mm) + " mm squares is " + str(board_w) + " x " +
                               str(board_h) + " mm; with its caption and ruler it needs " +
                               str(std::max(board_w, kRulerMinWidthMm)) + " x " + formatNumber(board_h + fixed_h, 1) +
                               " mm, " + o.paper.name + " with " + str(o.margin_mm) + " mm margins has " +
                               str(usable_w) + " x " + str(usable_h) + " mm",
                           "--paper", hint);
  }

  BoardPage out;
  Page& page = out.page;
  page.width_mm = o.paper.width_mm;
  page.height_mm = o.paper.height_mm;
  const double x0 = (o.paper.width_mm - board_w) / 2, y0 = o.margin_mm + kHeaderHeight;
  out.board = {x0, y0, board_w, board_h};

  // Black squares and the markers' dark cells: one path. Every edge from its own index (no accumulated rounding).
  FillRects black;
  const double s = o.square_mm, gap = (o.square_mm - o.marker_mm) / 2;
  int next_id = 0;
  for (int r = 0; r < h; ++r) {
    for (int c = 0; c < w; ++c) {
      const double sx = x0 + c * s, sy = y0 + r * s;
      if ((c + r) % 2 == 0) {
        black.rects.push_back({sx, sy, x0 + (c + 1) * s - sx, y0 + (r + 1) * s - sy});
        continue;
      }
      const int id = next_id++;
      auto cells = markerCells(o.dictionary, id);
      if (!cells) return core::makeError(cells.error().message, "--dict", "use a larger dictionary");
      const double mx = sx + gap, my = sy + gap, module = o.marker_mm / cells->modules;
      for (const RectMm& d : cells->dark) {
        const double ax = mx + d.x_mm * module, bx = mx + (d.x_mm + d.width_mm) * module;
        const double ay = my + d.y_mm * module, by = my + (d.y_mm + d.height_mm) * module;
        black.rects.push_back({ax, ay, bx - ax, by - ay});
      }
      out.markers.push_back({id, 0, {mx, my, o.marker_mm, o.marker_mm}});
    }
  }
  page.items.emplace_back(std::move(black));

  out.calibrate_options = "--board " + size_text + " --square-mm " + str(o.square_mm) + " --marker-mm " +
                          str(o.marker_mm) + " --dict " + o.dictionary;
  const std::string dot = "  \xC2\xB7  ";
  const std::vector<CaptionLine> lines = {
      {"ChArUco board " + std::to_string(w) + " \xC3\x97 " + std::to_string(h) + " squares" + dot + "square " +
           str(o.square_mm) + " mm" + dot + "marker " + str(o.marker_mm) + " mm" + dot + o.dictionary,
       kTitleSize, Font::Bold},
      {"for rivet-calibrate:", kCommandSize, Font::Regular},
      {"rivet-calibrate PHOTOS... -o camera.yaml " + out.calibrate_options, kCommandSize, Font::Regular},
      {"Glue flat on rigid board (foam board, aluminium composite, glass), no bubbles: a bent board spoils the "
       "calibration.",
       kAdviceSize, Font::Regular},
      {"Then measure a square and a marker: if they differ from the sizes above, give rivet-calibrate what you "
       "measured.",
       kAdviceSize, Font::Regular},
  };
  const double cx = o.paper.width_mm / 2;
  double baseline = y0 + board_h + kCaptionGap + 0.75 * kTitleSize;
  for (size_t i = 0; i < lines.size(); ++i) {
    const CaptionLine& l = lines[i];
    if (i > 0) baseline += kLineStep * l.size_mm;
    // A long line (long dictionary name, many decimals) is set smaller so that it fits between the margins.
    const double at_size = textWidthMm(l.text, l.size_mm, l.font);
    const double size = at_size > usable_w ? std::max(kMinTextSize, l.size_mm * usable_w / at_size) : l.size_mm;
    page.items.emplace_back(Text{{cx, baseline}, size, l.text, l.font, TextAnchor::Middle, 0});
  }
  std::string header = "Rivet calibration board \xE2\x80\x94 ChArUco " + size_text + ", " + o.dictionary +
                       " \xE2\x80\x94 print at 100 %";
  page.items.emplace_back(Text{{o.margin_mm, o.margin_mm + 4.0}, kHeaderSize, std::move(header), Font::Regular,
                               TextAnchor::Start, 0});
  drawRuler(page, o.margin_mm);
  return out;
}

}  // namespace rivet::markers
