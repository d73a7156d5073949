// Marker sheet layout: markers at exact physical size with caption, top arrow and cut lines, a scale ruler per page,
// as page display lists (millimetres, origin at the page's top-left, y down) that the PDF and SVG writers draw.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "rivet/core/pose.hpp"
#include "rivet/core/result.hpp"
#include "rivet/pagedraw/page.hpp"

namespace rivet::markers {

// The page display list types are the shared page writer's (tools/pagedraw).
using pagedraw::Colour;
using pagedraw::DrawItem;
using pagedraw::FillPolygon;
using pagedraw::FillRects;
using pagedraw::Font;
using pagedraw::formatNumber;
using pagedraw::Line;
using pagedraw::Page;
using pagedraw::RectMm;
using pagedraw::Text;
using pagedraw::TextAnchor;
using pagedraw::textWidthMm;
using pagedraw::toWinAnsi;

struct Paper {
  std::string name;
  double width_mm = 0, height_mm = 0;
};
// "A4", "A3" or "Letter" (case-insensitive), portrait.
core::Result<Paper> paperByName(std::string_view name);

struct SheetMarker {
  int id = -1;
  double size_mm = 0;  // side of the black square
  std::string note;    // optional caption line (where it is glued), from the marker map
};

struct SheetOptions {
  std::string dictionary;           // a name rivet::tracking can draw (DICT_*, tag36h11, tagStandard41h12)
  std::vector<SheetMarker> markers;  // printed in this order
  Paper paper{"A4", 210, 297};
  double margin_mm = 10;
  std::string source;  // shown in the page header, e.g. "ids 0-5,9" or "markers.yaml of robot-cell"
};

// Where a marker landed (for messages and tests of the layout).
struct PlacedMarker {
  int id = -1;
  int page = 0;          // 0-based
  RectMm black_square;   // the black square on the page
};

struct Sheet {
  std::vector<Page> pages;
  std::vector<PlacedMarker> placed;
};

// Printable size limits of a marker's black square, millimetres (as markers.schema.json).
constexpr double kMinSizeMm = 5, kMaxSizeMm = 2000;
// Ruler drawn on every page, bottom left: kRulerLengthMm long with mm ticks, and a kCheckSquareMm square beside it.
constexpr double kRulerLengthMm = 100, kCheckSquareMm = 20;
// Height of the band at the page's bottom margin that holds them, and the width they need.
constexpr double kRulerBandHeightMm = 27.0, kRulerMinWidthMm = kRulerLengthMm + 65.0;

// Lays out the markers, as many per page as fit, in the order given. Errors (one line each, naming the option or
// marker): unknown dictionary (lists the valid ones), id outside the dictionary, size out of range, duplicate id,
// marker too big for the paper, margins too large.
core::Result<Sheet> layoutSheet(const SheetOptions& options);

// Building blocks shared with the calibration board (board.cpp).
// Dark cells of a width x height grid (row-major) merged into rectangles, in cell units: horizontal runs, extended
// downwards while the run below is identical.
std::vector<RectMm> mergeDarkCells(const std::vector<bool>& dark_cells, int width, int height);
// The 100 mm ruler, its "check: ..." line and the check square in the bottom band of `page` (inside `margin_mm`).
void drawRuler(Page& page, double margin_mm);

// Every dictionary name a sheet can be printed for.
std::vector<std::string> printableDictionaries();

}  // namespace rivet::markers
