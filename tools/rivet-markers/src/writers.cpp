// Marker sheet files through the shared page writers: PDF printed at 100 % (no fit-to-page), SVG at actual size.
#include "writers.hpp"

#include "rivet/pagedraw/pdf.hpp"
#include "rivet/pagedraw/svg.hpp"

namespace rivet::markers {

std::string writePdf(const std::vector<Page>& pages, const std::string& title) {
  pagedraw::PdfInfo info;
  info.title = title;
  info.producer = "rivet-markers";
  info.comment = "Rivet marker sheet (rivet-markers): print at 100 %, no fit-to-page";
  info.print_scaling_none = true;
  return pagedraw::writePdf(pages, info);
}

std::string writeSvg(const Page& page, const std::string& title) {
  return pagedraw::writeSvg(page, title,
                            "Rivet marker sheet (rivet-markers): print at 100 % (actual size), no fit-to-page.");
}

}  // namespace rivet::markers
