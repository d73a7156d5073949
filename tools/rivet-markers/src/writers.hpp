// Writers of laid-out marker sheets: one PDF 1.4 document (every page), or one SVG document per page.
#pragma once

#include <string>
#include <vector>

#include "rivet/pagedraw/output.hpp"
#include "sheet.hpp"

namespace rivet::markers {

using pagedraw::OutputFile;
using pagedraw::writeFilesAtomically;

// A complete PDF 1.4 file: one page per Page at its exact paper size, uncompressed content streams, Helvetica and
// Helvetica-Bold (WinAnsi) for text, exact xref offsets, viewer preference "print scaling: none". `title` goes into
// the document information.
std::string writePdf(const std::vector<Page>& pages, const std::string& title);

// A complete SVG 1.1 file for one page: width/height in mm, viewBox in mm, white background.
std::string writeSvg(const Page& page, const std::string& title);

}  // namespace rivet::markers
