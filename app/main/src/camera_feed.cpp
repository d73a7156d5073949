// CameraFeed: the camera thread of live runs (paced recordings or a live camera) feeding the tracking thread.
#include "camera_feed.hpp"

#include <chrono>

#include "rivet/core/clock.hpp"

namespace rivet::app {

CameraFeed::CameraFeed(std::unique_ptr<platform::FrameSource> source, std::optional<platform::CameraFrame> first,
                       TrackingWorker& worker)
    : source_(std::move(source)), first_(std::move(first)), worker_(worker), thread_([this] { loop(); }) {}

CameraFeed::~CameraFeed() {
  stop_ = true;
  thread_.join();
}

std::optional<core::Error> CameraFeed::error() const {
  std::lock_guard lock(mutex_);
  return error_;
}

void CameraFeed::loop() {
  const bool live_camera = source_->live();
  const std::int64_t start_mono = core::monotonicNs();
  auto failWith = [&](core::Error e) {
    std::lock_guard lock(mutex_);
    error_ = std::move(e);
  };
  while (!stop_) {
    std::optional<platform::CameraFrame> frame = std::move(first_);
    first_.reset();
    if (!frame) {
      core::Stopwatch watch;
      auto next = source_->next();
      if (!next.ok()) {
        failWith(next.error());
        break;
      }
      if (!next->has_value()) break;
      frame = std::move(**next);
      decode_ms_ = watch.elapsedMs();
    }
    if (!live_camera) {
      // A recording: wait (in short slices, so that closing stays prompt) until this frame's time has come.
      for (;;) {
        const std::int64_t wait = start_mono + frame->capture_time_ns - core::monotonicNs();
        if (wait <= 0 || stop_) break;
        std::this_thread::sleep_for(std::chrono::nanoseconds(std::min<std::int64_t>(wait, 20'000'000)));
      }
      if (stop_) break;
    }
    // A live camera stamps its frames on the monotonic clock when they were taken (the headset anchor needs the
    // head pose at that instant); a recording's frame is taken now.
    const std::int64_t capture_mono = live_camera ? frame->capture_time_ns : core::monotonicNs();
    worker_.submit(std::move(*frame), capture_mono);
    ++frames_;
  }
  done_ = true;
}

}  // namespace rivet::app
