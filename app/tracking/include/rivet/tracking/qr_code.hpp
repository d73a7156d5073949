// QR codes: reading one from a camera frame (badge login) and drawing a printable one; OpenCV stays inside tracking.
#pragma once

#include <optional>
#include <string>

#include "rivet/core/image.hpp"
#include "rivet/core/result.hpp"

namespace rivet::tracking {

// Returns the text of a QR code in the image, if any (Gray8, Bgr8 or Rgba8; the first code found when there are
// several; nullopt for an empty or unreadable image, or a code that holds no text). Modules of 3.5 px or more are
// read. A 1280x720 frame takes from a few to a few hundred milliseconds (most when there is no code in a busy
// frame): call it off the render loop, a few times a second at most.
std::optional<std::string> decodeQrCode(const core::Image& image);

// A printable QR code of `text`: Gray8, black modules on white with a 4-module quiet zone, `module_px` pixels per
// module (error correction level M). A non-empty `caption` is printed centred under the code (ASCII; other bytes
// print as '?').
core::Result<core::Image> encodeQrCode(const std::string& text, int module_px = 10, const std::string& caption = {});

}  // namespace rivet::tracking
