// Reading and writing image files (PNG, JPEG, ...) as core::Image, for tools, tests and headless replay.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "rivet/core/image.hpp"
#include "rivet/core/result.hpp"

namespace rivet::tracking {

// Loads an image file as Bgr8 (colour files) or Gray8 (when `gray` is true).
core::Result<core::Image> loadImage(const std::string& path, bool gray = false);
// Writes Gray8, Bgr8 or Rgba8 (format from the extension, e.g. .png).
core::Status saveImage(const std::string& path, const core::Image& image);
// Converts any supported format to Gray8 (copy when already gray).
core::Image toGray(const core::Image& image);

// Frames from an image file, a folder of images (sorted by name; png/jpg/jpeg/bmp/tif/tiff) or a video file.
class FrameReader {
 public:
  static core::Result<FrameReader> open(const std::string& path);
  FrameReader(FrameReader&&) noexcept;
  FrameReader& operator=(FrameReader&&) noexcept;
  ~FrameReader();

  // The next frame (Bgr8) and its name (file name, or "<video>#<index>"); false after the last frame. An image
  // that cannot be decoded gives an error naming it (the caller may go on with the next).
  core::Result<bool> next(core::Image& frame, std::string& name);
  [[nodiscard]] bool isVideo() const;
  [[nodiscard]] double fps() const;  // video frame rate; 30 for images

 private:
  struct Impl;
  explicit FrameReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace rivet::tracking
