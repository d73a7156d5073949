// SVG writer of page display lists: a standalone SVG 1.1 file (mm units) or an <svg> element to inline in HTML.
#pragma once

#include <string>

#include "rivet/pagedraw/page.hpp"

namespace rivet::pagedraw {

// A complete SVG 1.1 file for one page: width/height in mm, viewBox in mm, white background, `comment` as an XML
// comment after the declaration.
std::string writeSvg(const Page& page, const std::string& title, const std::string& comment);

// The page as one <svg> element (viewBox in mm, width/height in mm, a <title>), well-formed XML for XHTML/HTML5.
std::string svgElement(const Page& page, const std::string& title);

// Text with & < > " escaped for XML.
std::string xmlEscape(const std::string& text);

}  // namespace rivet::pagedraw
