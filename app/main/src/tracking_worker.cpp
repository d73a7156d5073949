// TrackingWorker: runs tracking and undistortion of camera frames off the display thread.
#include "tracking_worker.hpp"

#include "rivet/core/clock.hpp"
#include "rivet/tracking/qr_code.hpp"

namespace rivet::app {

TrackingWorker::TrackingWorker(tracking::Tracker tracker, core::CameraModel camera)
    : tracker_(std::move(tracker)), camera_(std::move(camera)), thread_([this] { loop(); }) {}

TrackingWorker::~TrackingWorker() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

std::uint64_t TrackingWorker::submit(platform::CameraFrame frame, std::int64_t capture_mono_ns) {
  std::uint64_t seq = 0;
  {
    std::lock_guard lock(mutex_);
    if (inbox_) ++dropped_;
    seq = ++next_seq_;
    inbox_.emplace(std::move(frame), capture_mono_ns);
    inbox_seq_ = seq;
  }
  wake_.notify_one();
  return seq;
}

std::optional<TrackedFrame> TrackingWorker::take() {
  std::lock_guard lock(mutex_);
  std::optional<TrackedFrame> out = std::move(outbox_);
  outbox_.reset();
  return out;
}

TrackedFrame TrackingWorker::waitFor(std::uint64_t seq) {
  std::unique_lock lock(mutex_);
  done_.wait(lock, [&] { return last_done_seq_ >= seq && outbox_.has_value(); });
  TrackedFrame out = std::move(*outbox_);
  outbox_.reset();
  return out;
}

bool TrackingWorker::busy() const {
  std::lock_guard lock(mutex_);
  return working_ || inbox_.has_value();
}

void TrackingWorker::loop() {
  for (;;) {
    std::pair<platform::CameraFrame, std::int64_t> job;
    std::uint64_t seq = 0, dropped = 0;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stop_ || inbox_.has_value(); });
      if (stop_) return;
      job = std::move(*inbox_);
      inbox_.reset();
      seq = inbox_seq_;
      dropped = dropped_;
      dropped_ = 0;
      working_ = true;
    }
    TrackedFrame out;
    out.seq = seq;
    out.dropped_before = dropped;
    out.capture_mono_ns = job.second;
    core::Stopwatch watch;
    out.track = tracker_.process(job.first.image, job.first.capture_time_ns);
    out.tracking_ms = watch.elapsedMs();
    watch.reset();
    out.background = tracking::undistortImage(job.first.image, camera_);
    out.undistort_ms = watch.elapsedMs();
    if (scan_badges_ && core::monotonicNs() - last_scan_mono_ns_ >= kBadgeScanPeriodNs) {
      watch.reset();
      out.badge = tracking::decodeQrCode(job.first.image);
      out.badge_ms = watch.elapsedMs();
      last_scan_mono_ns_ = core::monotonicNs();
    }
    out.frame = std::move(job.first);
    out.tracked_mono_ns = core::monotonicNs();
    {
      std::lock_guard lock(mutex_);
      outbox_ = std::move(out);
      last_done_seq_ = seq;
      working_ = false;
    }
    done_.notify_all();
  }
}

}  // namespace rivet::app
