// Helvetica metrics for layout, UTF-8 to WinAnsi conversion and locale-independent number text for the writers.
#include "rivet/pagedraw/text.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>

namespace rivet::pagedraw {
namespace {

// Helvetica advance widths (1/1000 em) of the printable ASCII characters 32..126 (Adobe's standard metrics).
constexpr std::uint16_t kHelvetica[95] = {
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,  // space .. /
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,  // 0 .. ?
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, // @ .. O
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,  // P .. _
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,  // ` .. o
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584};      // p .. ~

// Helvetica advance widths of the Latin-1 characters U+00A0..U+00FF (same metrics: accented letters, « », °, ·).
constexpr std::uint16_t kHelveticaLatin1[96] = {
    278, 333, 556, 556, 556, 556, 260, 556, 333, 737, 370, 556, 584, 333, 737, 333,   // nbsp .. macron
    400, 584, 333, 333, 333, 556, 537, 278, 333, 333, 365, 556, 834, 834, 834, 611,   // degree .. inverted ?
    667, 667, 667, 667, 667, 667, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278,  // A grave .. I diaeresis
    722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667, 611,   // Eth .. sharp s
    556, 556, 556, 556, 556, 556, 889, 500, 556, 556, 556, 556, 278, 278, 278, 278,   // a grave .. i diaeresis
    556, 556, 556, 556, 556, 556, 556, 584, 611, 556, 556, 556, 556, 500, 556, 500};  // eth .. y diaeresis

// Decodes one UTF-8 code point at s[i], advancing i; returns 0xFFFD for malformed input.
char32_t nextCodePoint(std::string_view s, std::size_t& i) {
  const auto b0 = static_cast<unsigned char>(s[i++]);
  if (b0 < 0x80) return b0;
  int extra = 0;
  char32_t cp = 0;
  if ((b0 & 0xE0) == 0xC0) {
    extra = 1, cp = b0 & 0x1F;
  } else if ((b0 & 0xF0) == 0xE0) {
    extra = 2, cp = b0 & 0x0F;
  } else if ((b0 & 0xF8) == 0xF0) {
    extra = 3, cp = b0 & 0x07;
  } else {
    return 0xFFFD;
  }
  for (int k = 0; k < extra; ++k) {
    if (i >= s.size()) return 0xFFFD;
    const auto b = static_cast<unsigned char>(s[i]);
    if ((b & 0xC0) != 0x80) return 0xFFFD;
    cp = (cp << 6) | (b & 0x3F);
    ++i;
  }
  return cp;
}

}  // namespace

double textWidthMm(std::string_view utf8, double size_mm, Font font) {
  double units = 0;
  std::size_t i = 0;
  while (i < utf8.size()) {
    const char32_t cp = nextCodePoint(utf8, i);
    if (cp >= 32 && cp <= 126) {
      units += kHelvetica[cp - 32];
    } else if (cp >= 0xA0 && cp <= 0xFF) {
      units += kHelveticaLatin1[cp - 0xA0];
    } else if (cp == 0x2014 || cp == 0x2026) {
      units += 1000;  // em dash, ellipsis
    } else {
      units += 556;
    }
  }
  // Helvetica-Bold is about 5 % wider on average than Helvetica for the captions' characters.
  const double bold = font == Font::Bold ? 1.06 : 1.0;
  return units / 1000.0 * size_mm * bold;
}

std::string toWinAnsi(std::string_view utf8) {
  std::string out;
  std::size_t i = 0;
  while (i < utf8.size()) {
    const char32_t cp = nextCodePoint(utf8, i);
    if (cp < 0x80 || (cp >= 0xA0 && cp <= 0xFF)) {
      out.push_back(static_cast<char>(cp));
      continue;
    }
    switch (cp) {
      case 0x2013: out.push_back('\x96'); break;  // en dash
      case 0x2014: out.push_back('\x97'); break;  // em dash
      case 0x2018: out.push_back('\x91'); break;
      case 0x2019: out.push_back('\x92'); break;
      case 0x201C: out.push_back('\x93'); break;
      case 0x201D: out.push_back('\x94'); break;
      case 0x2022: out.push_back('\x95'); break;  // bullet
      case 0x2026: out.push_back('\x85'); break;  // ellipsis
      case 0x20AC: out.push_back('\x80'); break;  // euro
      default: out.push_back('?'); break;
    }
  }
  return out;
}

std::string formatNumber(double v, int decimals) {
  if (!std::isfinite(v)) return "0";
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::fixed, decimals);
  std::string s(buf, r.ptr);
  if (s.find('.') != std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  if (s == "-0") s = "0";
  return s;
}

}  // namespace rivet::pagedraw
