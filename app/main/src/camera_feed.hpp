// Live camera feed on its own thread: reads the frame source at its own pace and hands frames to tracking.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "rivet/core/result.hpp"
#include "rivet/platform/frame_source.hpp"
#include "tracking_worker.hpp"

namespace rivet::app {

// A live run (window, --realtime, --broker) reads the camera here so that neither a blocking webcam read nor a
// video decode ever holds the display loop. A recording (video file, image folder) is played at its own rate:
// each frame is handed over when its capture time has come on the monotonic clock; a live camera's frames are
// handed over as they arrive (a looped recording comes from openFrameSource(path, fps, true)).
class CameraFeed {
 public:
  CameraFeed(std::unique_ptr<platform::FrameSource> source, std::optional<platform::CameraFrame> first,
             TrackingWorker& worker);
  ~CameraFeed();
  CameraFeed(const CameraFeed&) = delete;
  CameraFeed& operator=(const CameraFeed&) = delete;

  // True once the source has ended (or failed); error() then says why when it failed.
  [[nodiscard]] bool done() const { return done_.load(); }
  [[nodiscard]] std::optional<core::Error> error() const;
  [[nodiscard]] std::uint64_t framesRead() const { return frames_.load(); }
  // Decode time of the latest frame (ms), for the run log.
  [[nodiscard]] double lastDecodeMs() const { return decode_ms_.load(); }

 private:
  void loop();

  std::unique_ptr<platform::FrameSource> source_;
  std::optional<platform::CameraFrame> first_;
  TrackingWorker& worker_;
  std::atomic<bool> stop_{false}, done_{false};
  std::atomic<std::uint64_t> frames_{0};
  std::atomic<double> decode_ms_{0};
  mutable std::mutex mutex_;
  std::optional<core::Error> error_;
  std::thread thread_;
};

}  // namespace rivet::app
