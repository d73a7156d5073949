// Page display lists in millimetres (origin top-left, y down) that the PDF and SVG writers draw: marker sheets, reports.
#pragma once

#include <string>
#include <variant>
#include <vector>

#include "rivet/core/pose.hpp"
#include "rivet/pagedraw/text.hpp"

namespace rivet::pagedraw {

// An RGB colour, components 0..1. A plain number is a gray level (0 black .. 1 white), as the marker sheets use.
struct Colour {
  double r = 0, g = 0, b = 0;
  constexpr Colour() = default;
  constexpr Colour(double gray) : r(gray), g(gray), b(gray) {}  // NOLINT: implicit by design (gray levels)
  constexpr Colour(double red, double green, double blue) : r(red), g(green), b(blue) {}
  [[nodiscard]] constexpr bool isGray() const { return r == g && g == b; }
};

struct RectMm {
  double x_mm = 0, y_mm = 0, width_mm = 0, height_mm = 0;  // top-left corner, size
};

// Filled as ONE path (nonzero winding): rectangles that touch leave no anti-aliasing seam between them.
struct FillRects {
  std::vector<RectMm> rects;
  Colour colour;
};
struct FillPolygon {
  std::vector<core::Vec2d> points_mm;
  Colour colour;
};
struct Line {
  core::Vec2d from_mm, to_mm;
  double width_mm = 0.2;
  Colour colour;
  double dash_mm = 0;  // 0: solid; else dash and gap of this length
};
// An open stroked path through the points (plot lines), round joins.
struct Polyline {
  std::vector<core::Vec2d> points_mm;
  double width_mm = 0.3;
  Colour colour;
  double dash_mm = 0;
};
enum class TextAnchor { Start, Middle, End };
struct Text {
  core::Vec2d baseline_mm;  // anchor point on the baseline
  double size_mm = 3;       // em size
  std::string utf8;
  Font font = Font::Regular;
  TextAnchor anchor = TextAnchor::Start;
  Colour colour;
};
using DrawItem = std::variant<FillRects, FillPolygon, Line, Polyline, Text>;

struct Page {
  double width_mm = 0, height_mm = 0;
  std::vector<DrawItem> items;
};

}  // namespace rivet::pagedraw
