// Owned 8-bit image buffer handed between platform, tracking and render (no third-party type).
#pragma once

#include <cstdint>
#include <vector>

namespace rivet::core {

enum class PixelFormat { Gray8, Bgr8, Rgba8 };

inline int channelCount(PixelFormat f) {
  switch (f) {
    case PixelFormat::Gray8: return 1;
    case PixelFormat::Bgr8: return 3;
    case PixelFormat::Rgba8: return 4;
  }
  return 0;
}

struct Image {
  int width = 0;
  int height = 0;
  PixelFormat format = PixelFormat::Rgba8;
  std::vector<std::uint8_t> pixels;  // rows tightly packed, top row first

  Image() = default;
  Image(int w, int h, PixelFormat f)
      : width(w), height(h), format(f),
        pixels(static_cast<size_t>(w) * static_cast<size_t>(h) * static_cast<size_t>(channelCount(f))) {}

  [[nodiscard]] bool empty() const { return width <= 0 || height <= 0 || pixels.empty(); }
  [[nodiscard]] int channels() const { return channelCount(format); }
  [[nodiscard]] size_t stride() const { return static_cast<size_t>(width) * static_cast<size_t>(channels()); }
  std::uint8_t* row(int y) { return pixels.data() + static_cast<size_t>(y) * stride(); }
  [[nodiscard]] const std::uint8_t* row(int y) const { return pixels.data() + static_cast<size_t>(y) * stride(); }
};

}  // namespace rivet::core
