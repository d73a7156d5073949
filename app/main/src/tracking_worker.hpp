// Camera-rate tracking on its own thread: a one-slot mailbox (newest frame wins) in, tracked frames out.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "rivet/core/camera.hpp"
#include "rivet/platform/frame_source.hpp"
#include "rivet/tracking/tracker.hpp"

namespace rivet::app {

// One camera frame after tracking. Time domains: `capture_mono_ns` is the monotonic clock when the frame was
// captured (live) or handed in (replay); `frame.capture_time_ns` is the source's own time line (0 at its first frame).
struct TrackedFrame {
  std::uint64_t seq = 0;                 // submission number, 1-based
  platform::CameraFrame frame;           // as captured (distorted)
  core::Image background;                // undistorted copy for the video see-through background
  tracking::TrackResult track;
  std::int64_t capture_mono_ns = 0;
  std::int64_t tracked_mono_ns = 0;      // when tracking finished
  double tracking_ms = 0;                // detection + pose + filter
  double undistort_ms = 0;
  std::uint64_t dropped_before = 0;      // frames replaced in the mailbox before this one was taken
  std::optional<std::string> badge;      // text of a QR code seen in this frame (only while badges are scanned)
  double badge_ms = 0;                   // time spent looking for one (0 when the frame was not scanned)
};

class TrackingWorker {
 public:
  TrackingWorker(tracking::Tracker tracker, core::CameraModel camera);
  ~TrackingWorker();
  TrackingWorker(const TrackingWorker&) = delete;
  TrackingWorker& operator=(const TrackingWorker&) = delete;

  // Hands a frame over without waiting; a frame the thread has not picked up yet is dropped (the newest wins,
  // so tracking never lags behind the camera). Returns the frame's sequence number.
  std::uint64_t submit(platform::CameraFrame frame, std::int64_t capture_mono_ns);
  // The newest tracked frame not taken yet, if any (display thread; never blocks on tracking).
  std::optional<TrackedFrame> take();
  // Waits until frame `seq` (or a later one) is tracked and returns the newest (replays in lockstep).
  TrackedFrame waitFor(std::uint64_t seq);
  [[nodiscard]] bool busy() const;
  // While on: every frame at least `kBadgeScanPeriodNs` after the previous scan is also searched for a badge QR
  // code (on this thread: a scan may take a few hundred ms, the display never waits for it).
  void setScanBadges(bool on) { scan_badges_ = on; }
  static constexpr std::int64_t kBadgeScanPeriodNs = 300'000'000;

 private:
  void loop();

  tracking::Tracker tracker_;
  core::CameraModel camera_;
  mutable std::mutex mutex_;
  std::condition_variable wake_, done_;
  std::optional<std::pair<platform::CameraFrame, std::int64_t>> inbox_;
  std::uint64_t next_seq_ = 0, inbox_seq_ = 0, dropped_ = 0;
  std::optional<TrackedFrame> outbox_;
  std::uint64_t last_done_seq_ = 0;
  bool working_ = false, stop_ = false;
  std::atomic<bool> scan_badges_{false};
  std::int64_t last_scan_mono_ns_ = 0;
  std::thread thread_;
};

}  // namespace rivet::app
