// Writes page display lists as PDF 1.4 by hand: pages, content streams (re/f, paths, Helvetica text), exact xref.
#include <cstdio>

#include "rivet/pagedraw/pdf.hpp"

namespace rivet::pagedraw {
namespace {

constexpr double kPtPerMm = 72.0 / 25.4;

std::string num(double v) { return formatNumber(v, 4); }

// A PDF literal string: WinAnsi bytes, with ( ) \ escaped and bytes outside printable ASCII as octal.
std::string pdfString(const std::string& utf8) {
  std::string out = "(";
  for (char ch : toWinAnsi(utf8)) {
    const auto b = static_cast<unsigned char>(ch);
    if (ch == '(' || ch == ')' || ch == '\\') {
      out += '\\';
      out += ch;
    } else if (b < 32 || b > 126) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\%03o", static_cast<unsigned>(b));
      out += buf;
    } else {
      out += ch;
    }
  }
  return out + ")";
}

// Fill (`g`/`rg`) or stroke (`G`/`RG`) colour operator; gray levels keep the one-number form.
std::string colourOp(const Colour& c, bool stroke) {
  if (c.isGray()) return num(c.r) + (stroke ? " G" : " g");
  return num(c.r) + " " + num(c.g) + " " + num(c.b) + (stroke ? " RG" : " rg");
}

// Page content in PDF user space (points, origin bottom-left): page mm (y down) converted per coordinate.
class ContentStream {
 public:
  explicit ContentStream(double page_height_mm) : height_mm_(page_height_mm) {}

  std::string x(double mm) const { return num(mm * kPtPerMm); }
  std::string y(double mm) const { return num((height_mm_ - mm) * kPtPerMm); }

  void draw(const FillRects& f) {
    if (f.rects.empty()) return;
    s_ += colourOp(f.colour, false) + "\n";
    for (const RectMm& r : f.rects) {
      // re takes the bottom-left corner in PDF space: the rectangle's bottom edge is y_mm + height_mm on the page.
      s_ += x(r.x_mm) + " " + y(r.y_mm + r.height_mm) + " " + num(r.width_mm * kPtPerMm) + " " +
            num(r.height_mm * kPtPerMm) + " re\n";
    }
    s_ += "f\n";  // one path, nonzero winding: touching rectangles are one shape (no seams)
  }
  void draw(const FillPolygon& p) {
    if (p.points_mm.size() < 3) return;
    s_ += colourOp(p.colour, false) + "\n";
    for (size_t i = 0; i < p.points_mm.size(); ++i)
      s_ += x(p.points_mm[i].x) + " " + y(p.points_mm[i].y) + (i == 0 ? " m\n" : " l\n");
    s_ += "h f\n";
  }
  void draw(const Line& l) {
    stroke(l.colour, l.width_mm, l.dash_mm, false);
    s_ += x(l.from_mm.x) + " " + y(l.from_mm.y) + " m " + x(l.to_mm.x) + " " + y(l.to_mm.y) + " l S\n";
  }
  void draw(const Polyline& p) {
    if (p.points_mm.size() < 2) return;
    stroke(p.colour, p.width_mm, p.dash_mm, true);
    for (size_t i = 0; i < p.points_mm.size(); ++i)
      s_ += x(p.points_mm[i].x) + " " + y(p.points_mm[i].y) + (i == 0 ? " m\n" : " l\n");
    s_ += "S 0 j\n";
  }
  void draw(const Text& t) {
    double x_mm = t.baseline_mm.x;
    const double w = textWidthMm(t.utf8, t.size_mm, t.font);
    if (t.anchor == TextAnchor::Middle) x_mm -= w / 2;
    if (t.anchor == TextAnchor::End) x_mm -= w;
    s_ += colourOp(t.colour, false) + " BT /" + std::string(t.font == Font::Bold ? "F2" : "F1") + " " +
          num(t.size_mm * kPtPerMm) + " Tf " + x(x_mm) + " " + y(t.baseline_mm.y) + " Td " + pdfString(t.utf8) +
          " Tj ET\n";
  }
  const std::string& str() const { return s_; }

 private:
  // Stroke colour, width, butt caps and dash; `round_join` for plot lines.
  void stroke(const Colour& c, double width_mm, double dash_mm, bool round_join) {
    s_ += colourOp(c, true) + " " + num(width_mm * kPtPerMm) + " w 0 J ";
    if (round_join) s_ += "1 j ";
    if (dash_mm > 0) {
      s_ += '[';
      s_ += num(dash_mm * kPtPerMm);
      s_ += "] 0 d\n";
    } else {
      s_ += "[] 0 d\n";
    }
  }

  double height_mm_;
  std::string s_;
};

class PdfFile {
 public:
  explicit PdfFile(const std::string& comment) {
    out_ = "%PDF-1.4\n%\xE2\xE3\xCF\xD3\n";
    if (!comment.empty()) out_ += "% " + comment + "\n";
  }
  // Appends object `id` (ids must be added in increasing order from 1).
  void object(int id, const std::string& body) {
    if (static_cast<int>(offsets_.size()) < id) offsets_.resize(static_cast<size_t>(id), 0);
    offsets_[static_cast<size_t>(id - 1)] = out_.size();
    out_ += std::to_string(id) + " 0 obj\n" + body + "\nendobj\n";
  }
  void stream(int id, const std::string& data) {
    object(id, "<< /Length " + std::to_string(data.size()) + " >>\nstream\n" + data + "\nendstream");
  }
  std::string finish(int root_id, int info_id) {
    const size_t xref = out_.size();
    out_ += "xref\n0 " + std::to_string(offsets_.size() + 1) + "\n0000000000 65535 f \n";
    for (size_t off : offsets_) {
      char buf[32];
      std::snprintf(buf, sizeof(buf), "%010zu 00000 n \n", off);  // exactly 20 bytes per entry
      out_ += buf;
    }
    out_ += "trailer\n<< /Size " + std::to_string(offsets_.size() + 1) + " /Root " + std::to_string(root_id) +
            " 0 R /Info " + std::to_string(info_id) + " 0 R >>\nstartxref\n" + std::to_string(xref) + "\n%%EOF\n";
    return std::move(out_);
  }

 private:
  std::string out_;
  std::vector<size_t> offsets_;
};

}  // namespace

std::string writePdf(const std::vector<Page>& pages, const PdfInfo& info) {
  // Objects: 1 catalog, 2 page tree, 3 Helvetica, 4 Helvetica-Bold, 5 info, then per page: page, content stream.
  PdfFile pdf(info.comment);
  const int first_page = 6;
  std::string kids;
  for (size_t i = 0; i < pages.size(); ++i) kids += std::to_string(first_page + 2 * static_cast<int>(i)) + " 0 R ";
  pdf.object(1, info.print_scaling_none ? "<< /Type /Catalog /Pages 2 0 R /ViewerPreferences << /PrintScaling /None >> >>"
                                        : "<< /Type /Catalog /Pages 2 0 R >>");
  pdf.object(2, "<< /Type /Pages /Kids [ " + kids + "] /Count " + std::to_string(pages.size()) + " >>");
  pdf.object(3, "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>");
  pdf.object(4, "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>");
  pdf.object(5, "<< /Title " + pdfString(info.title) + " /Producer " + pdfString(info.producer) + " /Creator (Rivet) >>");
  for (size_t i = 0; i < pages.size(); ++i) {
    const Page& page = pages[i];
    const int id = first_page + 2 * static_cast<int>(i);
    pdf.object(id, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 " + num(page.width_mm * kPtPerMm) + " " +
                       num(page.height_mm * kPtPerMm) + "] /Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> " +
                       "/Contents " + std::to_string(id + 1) + " 0 R >>");
    ContentStream cs(page.height_mm);
    for (const DrawItem& item : page.items) std::visit([&](const auto& d) { cs.draw(d); }, item);
    pdf.stream(id + 1, cs.str());
  }
  return pdf.finish(1, 5);
}

}  // namespace rivet::pagedraw
