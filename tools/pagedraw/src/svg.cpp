// Writes a page display list as SVG at physical size (mm): a standalone file or an element to inline in HTML.
#include <algorithm>
#include <cstdio>

#include "rivet/pagedraw/svg.hpp"

namespace rivet::pagedraw {
namespace {

std::string num(double v) { return formatNumber(v, 4); }

std::string colour(const Colour& c) {
  auto byte = [](double v) { return static_cast<int>(std::clamp(v, 0.0, 1.0) * 255.0 + 0.5) & 0xFF; };
  char buf[8];
  std::snprintf(buf, sizeof(buf), "#%02x%02x%02x", byte(c.r), byte(c.g), byte(c.b));
  return buf;
}

struct SvgItems {
  std::string s;
  void draw(const FillRects& f) {
    if (f.rects.empty()) return;
    s += "<path fill=\"" + colour(f.colour) + "\" fill-rule=\"nonzero\" d=\"";
    for (const RectMm& r : f.rects) {
      // Absolute corners (no relative steps) so that shared edges are bit-identical.
      const std::string x0 = num(r.x_mm), y0 = num(r.y_mm), x1 = num(r.x_mm + r.width_mm),
                        y1 = num(r.y_mm + r.height_mm);
      s += "M" + x0 + " " + y0 + "H" + x1 + "V" + y1 + "H" + x0 + "Z";
    }
    s += "\"/>\n";
  }
  void draw(const FillPolygon& p) {
    if (p.points_mm.size() < 3) return;
    s += "<path fill=\"" + colour(p.colour) + "\" d=\"";
    for (size_t i = 0; i < p.points_mm.size(); ++i) {
      s += i == 0 ? 'M' : 'L';
      s += num(p.points_mm[i].x) + " " + num(p.points_mm[i].y);
    }
    s += "Z\"/>\n";
  }
  void draw(const Line& l) {
    s += "<line x1=\"" + num(l.from_mm.x) + "\" y1=\"" + num(l.from_mm.y) + "\" x2=\"" + num(l.to_mm.x) +
         "\" y2=\"" + num(l.to_mm.y) + "\" stroke=\"" + colour(l.colour) + "\" stroke-width=\"" + num(l.width_mm) +
         "\"";
    if (l.dash_mm > 0) s += " stroke-dasharray=\"" + num(l.dash_mm) + "\"";
    s += "/>\n";
  }
  void draw(const Polyline& p) {
    if (p.points_mm.size() < 2) return;
    s += "<polyline fill=\"none\" stroke=\"" + colour(p.colour) + "\" stroke-width=\"" + num(p.width_mm) +
         "\" stroke-linejoin=\"round\"";
    if (p.dash_mm > 0) s += " stroke-dasharray=\"" + num(p.dash_mm) + "\"";
    s += " points=\"";
    for (size_t i = 0; i < p.points_mm.size(); ++i)
      s += (i ? " " : "") + num(p.points_mm[i].x) + "," + num(p.points_mm[i].y);
    s += "\"/>\n";
  }
  void draw(const Text& t) {
    const char* anchor = t.anchor == TextAnchor::Middle ? "middle" : (t.anchor == TextAnchor::End ? "end" : "start");
    s += "<text x=\"" + num(t.baseline_mm.x) + "\" y=\"" + num(t.baseline_mm.y) + "\" font-size=\"" +
         num(t.size_mm) + "\" text-anchor=\"" + anchor + "\"";
    if (t.font == Font::Bold) s += " font-weight=\"bold\"";
    if (!(t.colour.isGray() && t.colour.r == 0)) s += " fill=\"" + colour(t.colour) + "\"";
    s += '>';
    s += xmlEscape(t.utf8);
    s += "</text>\n";
  }
};

}  // namespace

std::string xmlEscape(const std::string& text) {
  std::string out;
  for (char ch : text) {
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += ch;
    }
  }
  return out;
}

std::string svgElement(const Page& page, const std::string& title) {
  const std::string w = num(page.width_mm), h = num(page.height_mm);
  std::string s = "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"" + w + "mm\" height=\"" + h +
                  "mm\" viewBox=\"0 0 " + w + " " + h +
                  "\" font-family=\"Helvetica, Arial, 'Liberation Sans', sans-serif\">\n";
  s += "<title>" + xmlEscape(title) + "</title>\n";
  s += "<rect x=\"0\" y=\"0\" width=\"" + w + "\" height=\"" + h + "\" fill=\"#ffffff\"/>\n";
  SvgItems items;
  for (const DrawItem& item : page.items) std::visit([&](const auto& d) { items.draw(d); }, item);
  s += items.s;
  s += "</svg>\n";
  return s;
}

std::string writeSvg(const Page& page, const std::string& title, const std::string& comment) {
  std::string s = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  if (!comment.empty()) s += "<!-- " + comment + " -->\n";
  return s + svgElement(page, title);
}

}  // namespace rivet::pagedraw
