// PDF 1.4 writer of page display lists: exact page sizes, Helvetica (WinAnsi: Latin-1 accents), exact xref.
#pragma once

#include <string>
#include <vector>

#include "rivet/pagedraw/page.hpp"

namespace rivet::pagedraw {

struct PdfInfo {
  std::string title;               // document information
  std::string producer = "Rivet";  // document information
  std::string comment;             // a "% ..." line after the header (what the file is and how to print it)
  bool print_scaling_none = false;  // viewer preference: print at 100 % (marker sheets, calibration boards)
};

// A complete PDF 1.4 file: one page per Page at its exact size, uncompressed content streams, Helvetica and
// Helvetica-Bold (WinAnsiEncoding) for text. The same pages give the same bytes (no dates, no ids).
std::string writePdf(const std::vector<Page>& pages, const PdfInfo& info);

}  // namespace rivet::pagedraw
