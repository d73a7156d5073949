// Camera frame sources: a folder of images, a video file or a live V4L2 camera, decoded to core::Image.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "rivet/core/image.hpp"
#include "rivet/core/result.hpp"

namespace rivet::platform {

struct CameraFrame {
  core::Image image;                 // Bgr8 as decoded
  std::int64_t capture_time_ns = 0;  // from the frame rate for replays (first frame at 0)
  int index = 0;
  std::string name;                  // file name, or "video.mp4#N"
};

class FrameSource {
 public:
  virtual ~FrameSource() = default;
  // Next frame, std::nullopt at the end; an error for an unreadable frame (names the file).
  virtual core::Result<std::optional<CameraFrame>> next() = 0;
  [[nodiscard]] virtual std::string describe() const = 0;
  [[nodiscard]] virtual int frameCountHint() const = 0;  // -1 when unknown
  // A live camera: frames come at the camera's pace and carry capture times on the monotonic clock.
  [[nodiscard]] virtual bool live() const { return false; }
};

// PATH is a folder (its .png/.jpg/.jpeg/.bmp/.tif files in name order), a video file OpenCV can decode, or a
// live camera /dev/videoN (V4L2).
core::Result<std::unique_ptr<FrameSource>> openFrameSource(const std::string& path, double fps = 30.0);
// The same, played again from the start when it ends (`loop`), its time line continuing (a live camera never ends).
core::Result<std::unique_ptr<FrameSource>> openFrameSource(const std::string& path, double fps, bool loop);

// Image file helpers (PNG written with low compression: frames are many and large).
core::Result<core::Image> readImage(const std::string& path);
core::Status writePng(const std::string& path, const core::Image& image, int compression = 1);

}  // namespace rivet::platform
