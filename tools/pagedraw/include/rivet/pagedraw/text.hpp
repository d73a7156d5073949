// Text helpers of the page writers and layouts: Helvetica advance widths, UTF-8 to WinAnsi, number formatting.
#pragma once

#include <string>
#include <string_view>

namespace rivet::pagedraw {

enum class Font { Regular, Bold };  // Helvetica, Helvetica-Bold (PDF base-14 fonts; sans-serif in SVG)

// Advance width of `utf8` set in Helvetica at `size_mm` (em size), from the standard Helvetica metrics (ASCII and
// Latin-1; other characters count as a digit's width).
double textWidthMm(std::string_view utf8, double size_mm, Font font);

// UTF-8 -> WinAnsiEncoding bytes (PDF simple fonts): ASCII and Latin-1 as is, dashes, quotes, ellipsis, bullet and
// euro mapped, other characters as '?'. Invalid UTF-8 bytes become '?'.
std::string toWinAnsi(std::string_view utf8);

// Shortest fixed-point text of `v` with at most `decimals` decimals ("12.5", "100", "-0.25"); locale independent.
std::string formatNumber(double v, int decimals = 4);

}  // namespace rivet::pagedraw
