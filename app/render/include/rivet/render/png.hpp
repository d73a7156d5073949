// PNG file writer for core::Image (Gray8, Bgr8 or Rgba8), used by headless output, tests and tools.
#pragma once

#include <string>

#include "rivet/core/image.hpp"
#include "rivet/core/result.hpp"

namespace rivet::render {

// Writes `image` as an 8-bit PNG (Bgr8 is stored as RGB). Fails with the path named if the file cannot be written.
core::Status writePng(const std::string& path, const core::Image& image);

}  // namespace rivet::render
