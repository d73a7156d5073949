// Lays out marker sheets: exact-size markers (merged black rectangles), captions, top arrows, cut lines, ruler.
#include "sheet.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>

#include "rivet/tracking/detector.hpp"

namespace rivet::markers {
namespace {

// Cell layout, millimetres.
constexpr double kPad = 3.0;                                   // cut line to the nearest content
constexpr double kArrowHeight = 3.5, kArrowWidth = 5.0;        // "top" arrow above the marker
constexpr double kArrowGap = 1.5;                              // quiet zone's edge to the arrow's base
constexpr double kTopLabelSize = 2.5;
constexpr double kCaptionGap = 2.0;                            // quiet zone's edge to the caption's first line
constexpr double kIdSize = 4.2, kInfoSize = 2.6, kNoteSize = 2.3;
constexpr double kMaxNoteWidth = 70.0;                         // a long note widens its cell up to this
// Page layout, millimetres.
constexpr double kHeaderHeight = 8.0, kHeaderSize = 3.0;
constexpr double kRulerBandHeight = kRulerBandHeightMm;
constexpr double kMinUsableWidth = kRulerMinWidthMm;
constexpr double kCutGray = 0.55, kCutWidth = 0.2, kCutDash = 2.0;

// One marker's bit cells (1 pixel per module) and where its black square is.
struct MarkerArt {
  int image_modules = 0;   // cells across the dictionary's image (with its own white border, if any)
  int quiet_modules = 0;   // white cells added around the image so that at least one white cell surrounds the tag
  int black_modules = 0;   // cells across the black square (size_mm)
  int black_offset = 0;    // cells from the image's edge to the black square
  std::vector<RectMm> dark_cells;  // merged rectangles of dark cells, in cells, relative to the image's top-left
};

core::Result<MarkerArt> markerArt(const std::string& dictionary, int id) {
  auto img = tracking::drawMarkerImage(dictionary, id, 1, 0);
  if (!img) return img.error();
  MarkerArt art;
  const core::Image& im = img->image;
  art.image_modules = im.width;
  art.black_modules = img->black_square_modules;
  art.black_offset = img->black_offset_modules;
  const auto dark = [&](int r, int c) { return im.pixels[static_cast<size_t>(r * im.width + c)] < 128; };
  bool border_dark = false;
  for (int k = 0; k < im.width; ++k) {
    border_dark = border_dark || dark(0, k) || dark(im.height - 1, k) || dark(k, 0) || dark(k, im.width - 1);
  }
  art.quiet_modules = border_dark ? 1 : 0;
  std::vector<bool> grid(static_cast<size_t>(im.width) * static_cast<size_t>(im.height));
  for (int r = 0; r < im.height; ++r)
    for (int c = 0; c < im.width; ++c) grid[static_cast<size_t>(r * im.width + c)] = dark(r, c);
  art.dark_cells = mergeDarkCells(grid, im.width, im.height);
  return art;
}

// A marker's cell: cut rectangle with the arrow, the marker (with quiet zone) and the caption inside.
struct Cell {
  SheetMarker marker;
  MarkerArt art;
  double module_mm = 0;
  double art_mm = 0;      // side of the image plus quiet zone
  double content_width_mm = 0;
  double width_mm = 0, height_mm = 0;
  std::vector<std::string> info;  // caption lines under the id: dictionary and size (one line, or two when narrow)
  std::string note;
};

std::string truncateToWidth(const std::string& text, double size_mm, double width_mm) {
  if (textWidthMm(text, size_mm, Font::Regular) <= width_mm) return text;
  std::string s = text;
  while (!s.empty() && textWidthMm(s + "...", size_mm, Font::Regular) > width_mm) {
    s.pop_back();
    while (!s.empty() && (static_cast<unsigned char>(s.back()) & 0xC0) == 0x80) s.pop_back();  // whole UTF-8 chars
    if (!s.empty() && static_cast<unsigned char>(s.back()) >= 0xC0) s.pop_back();
  }
  return s + "...";
}

Cell makeCell(const SheetMarker& m, MarkerArt art, const std::string& dictionary) {
  Cell c;
  c.marker = m;
  c.art = std::move(art);
  c.module_mm = m.size_mm / c.art.black_modules;
  c.art_mm = (c.art.image_modules + 2 * c.art.quiet_modules) * c.module_mm;
  const std::string size_text = formatNumber(m.size_mm, 2) + " mm";
  const std::string one_line = dictionary + "  \xC2\xB7  " + size_text;
  const double id_w = textWidthMm("id " + std::to_string(m.id), kIdSize, Font::Bold);
  const double arrow_w = 2 * (kArrowWidth / 2 + 1.0 + textWidthMm("TOP", kTopLabelSize, Font::Regular));
  const double narrow_w = std::max({c.art_mm, id_w, arrow_w});
  if (textWidthMm(one_line, kInfoSize, Font::Regular) <= narrow_w) {
    c.info = {one_line};
  } else {
    // Small markers: dictionary and size on two lines keep the cell (and the paper used) narrow.
    c.info = {dictionary, size_text};
  }
  c.content_width_mm = narrow_w;
  for (const auto& line : c.info)
    c.content_width_mm = std::max(c.content_width_mm, textWidthMm(line, kInfoSize, Font::Regular));
  if (!m.note.empty()) {
    const double note_w = std::min(textWidthMm(m.note, kNoteSize, Font::Regular), kMaxNoteWidth);
    c.content_width_mm = std::max(c.content_width_mm, note_w);
    c.note = truncateToWidth(m.note, kNoteSize, c.content_width_mm);
  }
  c.width_mm = c.content_width_mm + 2 * kPad;
  double h = kPad + kArrowHeight + kArrowGap + c.art_mm + kCaptionGap + 0.75 * kIdSize +
             1.35 * kInfoSize * static_cast<double>(c.info.size());
  if (!c.note.empty()) h += 1.35 * kNoteSize;
  c.height_mm = h + 0.3 * kInfoSize + kPad;
  return c;
}

void dashedLine(Page& p, double x0, double y0, double x1, double y1) {
  p.items.emplace_back(Line{{x0, y0}, {x1, y1}, kCutWidth, kCutGray, kCutDash});
}

void text(Page& p, double x, double y, double size, std::string s, Font font = Font::Regular,
          TextAnchor anchor = TextAnchor::Start) {
  p.items.emplace_back(Text{{x, y}, size, std::move(s), font, anchor, 0});
}

void drawCell(Page& page, const Cell& c, double x, double y, PlacedMarker& placed) {
  // Cut lines: the cell's outline, dashed.
  dashedLine(page, x, y, x + c.width_mm, y);
  dashedLine(page, x, y + c.height_mm, x + c.width_mm, y + c.height_mm);
  dashedLine(page, x, y, x, y + c.height_mm);
  dashedLine(page, x + c.width_mm, y, x + c.width_mm, y + c.height_mm);

  const double cx = x + c.width_mm / 2;
  // "Top" arrow: the printed marker's top edge is its +y axis.
  const double arrow_top = y + kPad;
  const double arrow_base = arrow_top + kArrowHeight;
  page.items.emplace_back(FillPolygon{{{cx, arrow_top}, {cx + kArrowWidth / 2, arrow_base}, {cx - kArrowWidth / 2, arrow_base}}, 0});
  text(page, cx + kArrowWidth / 2 + 1.0, arrow_base, kTopLabelSize, "TOP");

  // The marker: quiet zone + the dictionary's image, every dark cell an exact square (merged, one path).
  const double art_x = cx - c.art_mm / 2, art_y = arrow_base + kArrowGap;
  const double image_x = art_x + c.art.quiet_modules * c.module_mm, image_y = art_y + c.art.quiet_modules * c.module_mm;
  FillRects fill;
  fill.colour = 0;
  for (const RectMm& r : c.art.dark_cells) {
    // Each edge from its own cell index (no accumulated rounding): x = image_x + k * module.
    const double x0 = image_x + r.x_mm * c.module_mm, x1 = image_x + (r.x_mm + r.width_mm) * c.module_mm;
    const double y0 = image_y + r.y_mm * c.module_mm, y1 = image_y + (r.y_mm + r.height_mm) * c.module_mm;
    fill.rects.push_back({x0, y0, x1 - x0, y1 - y0});
  }
  page.items.emplace_back(std::move(fill));
  placed.id = c.marker.id;
  placed.black_square = {image_x + c.art.black_offset * c.module_mm, image_y + c.art.black_offset * c.module_mm,
                         c.marker.size_mm, c.marker.size_mm};

  // Caption: id (bold), dictionary and size, note.
  double baseline = art_y + c.art_mm + kCaptionGap + 0.75 * kIdSize;
  text(page, cx, baseline, kIdSize, "id " + std::to_string(c.marker.id), Font::Bold, TextAnchor::Middle);
  for (const auto& line : c.info) {
    baseline += 1.35 * kInfoSize;
    text(page, cx, baseline, kInfoSize, line, Font::Regular, TextAnchor::Middle);
  }
  if (!c.note.empty()) {
    baseline += 1.35 * kNoteSize;
    text(page, cx, baseline, kNoteSize, c.note, Font::Regular, TextAnchor::Middle);
  }
}

}  // namespace

std::vector<RectMm> mergeDarkCells(const std::vector<bool>& dark_cells, int width, int height) {
  std::vector<RectMm> merged;
  const auto dark = [&](int r, int c) { return static_cast<bool>(dark_cells[static_cast<size_t>(r * width + c)]); };
  // Horizontal runs of dark cells, merged downwards while the run below is identical.
  struct Open {
    int c0, c1, r0, r1;
  };
  std::vector<Open> open;
  for (int r = 0; r <= height; ++r) {
    std::vector<std::pair<int, int>> runs;
    if (r < height) {
      for (int c = 0; c < width;) {
        if (!dark(r, c)) {
          ++c;
          continue;
        }
        const int c0 = c;
        while (c < width && dark(r, c)) ++c;
        runs.emplace_back(c0, c);
      }
    }
    std::vector<Open> next;
    for (const auto& o : open) {
      const auto it = std::find(runs.begin(), runs.end(), std::make_pair(o.c0, o.c1));
      if (it != runs.end()) {
        next.push_back({o.c0, o.c1, o.r0, r + 1});
        runs.erase(it);
      } else {
        merged.push_back({static_cast<double>(o.c0), static_cast<double>(o.r0), static_cast<double>(o.c1 - o.c0),
                          static_cast<double>(o.r1 - o.r0)});
      }
    }
    for (const auto& run : runs) next.push_back({run.first, run.second, r, r + 1});
    open = std::move(next);
  }
  return merged;
}

void drawRuler(Page& page, double margin) {
  const double x0 = margin;
  const double band_top = page.height_mm - margin - kRulerBandHeight;
  text(page, x0, band_top + 3.5, 3.0,
       "check: this line must measure " + formatNumber(kRulerLengthMm) +
           " mm \xE2\x80\x94 print at 100 %, no fit-to-page");
  const double yb = band_top + 15.0;
  page.items.emplace_back(Line{{x0, yb}, {x0 + kRulerLengthMm, yb}, 0.25, 0, 0});
  const int n = static_cast<int>(kRulerLengthMm);
  for (int i = 0; i <= n; ++i) {
    const double x = x0 + i;
    if (i == 0 || i == n) {
      // End ticks: longer than any other and through the line, to measure the ruler end to end.
      page.items.emplace_back(Line{{x, yb + 2.0}, {x, yb - 6.0}, 0.3, 0, 0});
    } else {
      const double len = i % 10 == 0 ? 5.0 : (i % 5 == 0 ? 3.5 : 2.0);
      page.items.emplace_back(Line{{x, yb}, {x, yb - len}, 0.15, 0, 0});
    }
    if (i % 10 == 0) text(page, x, yb + 5.2, 2.4, std::to_string(i), Font::Regular, TextAnchor::Middle);
  }
  text(page, x0 + kRulerLengthMm + 3.2, yb + 5.2, 2.4, "mm");
  // Check square: both axes scaled alike.
  const double sx = x0 + kRulerLengthMm + 14.0, sy = band_top + 6.0, s = kCheckSquareMm, w = 0.3;
  page.items.emplace_back(Line{{sx - w / 2, sy}, {sx + s + w / 2, sy}, w, 0, 0});
  page.items.emplace_back(Line{{sx - w / 2, sy + s}, {sx + s + w / 2, sy + s}, w, 0, 0});
  page.items.emplace_back(Line{{sx, sy}, {sx, sy + s}, w, 0, 0});
  page.items.emplace_back(Line{{sx + s, sy}, {sx + s, sy + s}, w, 0, 0});
  const std::string side = formatNumber(kCheckSquareMm);
  text(page, sx + s + 3.0, sy + 5.0, 2.6, "this square: " + side + " \xC3\x97 " + side + " mm");
  text(page, sx + s + 3.0, sy + 9.0, 2.6, "(width = height:");
  text(page, sx + s + 3.0, sy + 13.0, 2.6, "no stretched print)");
}


std::vector<std::string> printableDictionaries() { return tracking::dictionaryNames(); }

core::Result<Paper> paperByName(std::string_view name) {
  std::string lower;
  for (char ch : name) lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(ch))));
  if (lower == "a4") return Paper{"A4", 210, 297};
  if (lower == "a3") return Paper{"A3", 297, 420};
  if (lower == "letter") return Paper{"Letter", 215.9, 279.4};
  return core::makeError("unknown paper '" + std::string(name) + "'", "--paper", "use A4, A3 or Letter");
}

core::Result<Sheet> layoutSheet(const SheetOptions& o) {
  const auto names = printableDictionaries();
  if (std::find(names.begin(), names.end(), o.dictionary) == names.end()) {
    std::string list;
    for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
    return core::makeError("unknown marker dictionary '" + o.dictionary + "'", "--dict", "use one of: " + list);
  }
  if (o.markers.empty()) return core::makeError("no markers to print", "--ids", "give ids, e.g. --ids 0-5,9");
  if (!(o.margin_mm >= 0)) return core::makeError("margin must be >= 0 mm", "--margin-mm", "e.g. --margin-mm 10");
  const double usable_w = o.paper.width_mm - 2 * o.margin_mm;
  const double top = o.margin_mm + kHeaderHeight;
  const double bottom = o.paper.height_mm - o.margin_mm - kRulerBandHeight;
  if (usable_w < kMinUsableWidth || bottom - top < 20)
    return core::makeError("margin " + formatNumber(o.margin_mm) + " mm leaves no room on " + o.paper.name + " paper",
                           "--margin-mm", "use a smaller margin (10 mm suits most printers)");

  std::vector<Cell> cells;
  std::set<int> seen;
  for (const SheetMarker& m : o.markers) {
    if (!seen.insert(m.id).second)
      return core::makeError("marker id " + std::to_string(m.id) + " is listed twice", "--ids",
                             "every printed marker needs its own id");
    if (!(m.size_mm >= kMinSizeMm && m.size_mm <= kMaxSizeMm))
      return core::makeError("marker " + std::to_string(m.id) + ": size " + formatNumber(m.size_mm) +
                                 " mm is not a printable marker size",
                             "--size-mm", "give the black square's side in millimetres, 5..2000");
    auto art = markerArt(o.dictionary, m.id);
    if (!art) return core::makeError(art.error().message, "--ids", "pick ids in that range");
    Cell c = makeCell(m, std::move(*art), o.dictionary);
    if (c.width_mm > usable_w || c.height_mm > bottom - top)
      return core::makeError("marker " + std::to_string(m.id) + " (" + formatNumber(m.size_mm) + " mm) needs " +
                                 formatNumber(c.width_mm, 1) + " x " + formatNumber(c.height_mm, 1) + " mm with its " +
                                 "quiet zone and caption; " + o.paper.name + " with " + formatNumber(o.margin_mm) +
                                 " mm margins has " + formatNumber(usable_w, 1) + " x " +
                                 formatNumber(bottom - top, 1) + " mm",
                             "--size-mm", "use a larger --paper (A3), smaller margins or a smaller marker");
    cells.push_back(std::move(c));
  }

  Sheet sheet;
  const double left = o.margin_mm, right = o.paper.width_mm - o.margin_mm;
  double x = left, y = top, row_h = 0;
  const auto newPage = [&] {
    Page p;
    p.width_mm = o.paper.width_mm;
    p.height_mm = o.paper.height_mm;
    sheet.pages.push_back(std::move(p));
    x = left, y = top, row_h = 0;
  };
  newPage();
  for (const Cell& c : cells) {
    if (x + c.width_mm > right + 1e-9) {
      x = left, y += row_h, row_h = 0;
    }
    if (y + c.height_mm > bottom + 1e-9) newPage();
    PlacedMarker placed;
    placed.page = static_cast<int>(sheet.pages.size()) - 1;
    drawCell(sheet.pages.back(), c, x, y, placed);
    sheet.placed.push_back(placed);
    x += c.width_mm;
    row_h = std::max(row_h, c.height_mm);
  }
  const int n = static_cast<int>(sheet.pages.size());
  for (int i = 0; i < n; ++i) {
    Page& p = sheet.pages[static_cast<size_t>(i)];
    std::string header = "Rivet marker sheet \xE2\x80\x94 " + o.dictionary;
    if (!o.source.empty()) header += " \xE2\x80\x94 " + o.source;
    header += " \xE2\x80\x94 page " + std::to_string(i + 1) + " of " + std::to_string(n);
    text(p, left, o.margin_mm + 4.0, kHeaderSize, truncateToWidth(header, kHeaderSize, usable_w));
    drawRuler(p, o.margin_mm);
  }
  return sheet;
}

}  // namespace rivet::markers
