// PNG writer on top of stb_image_write (Debian libstb): converts Bgr8 to RGB and reports failures as core::Error.
#include "rivet/render/png.hpp"

#include <stb/stb_image_write.h>

#include <cstdint>
#include <vector>

namespace rivet::render {

core::Status writePng(const std::string& path, const core::Image& image) {
  if (image.empty() || image.pixels.size() < image.stride() * static_cast<size_t>(image.height)) {
    return core::makeError("image to write is empty or smaller than its size says", path,
                           "pass an image with width*height*channels pixels");
  }
  const int channels = image.channels();
  const std::uint8_t* data = image.pixels.data();
  std::vector<std::uint8_t> rgb;
  if (image.format == core::PixelFormat::Bgr8) {
    rgb.resize(image.pixels.size());
    for (size_t i = 0; i + 2 < image.pixels.size(); i += 3) {
      rgb[i] = image.pixels[i + 2];
      rgb[i + 1] = image.pixels[i + 1];
      rgb[i + 2] = image.pixels[i];
    }
    data = rgb.data();
  }
  const int ok = stbi_write_png(path.c_str(), image.width, image.height, channels, data,
                                static_cast<int>(image.stride()));
  if (ok == 0) {
    return core::makeError("cannot write PNG file", path, "check that the folder exists and is writable");
  }
  return {};
}

}  // namespace rivet::render
