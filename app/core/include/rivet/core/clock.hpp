// Time helpers: monotonic nanoseconds for frame timing and wall-clock nanoseconds for records.
#pragma once

#include <cstdint>

namespace rivet::core {

std::int64_t monotonicNs();
std::int64_t wallClockNs();  // nanoseconds since the Unix epoch (UTC)

// Measures elapsed wall time from construction; for per-frame timing splits.
class Stopwatch {
 public:
  Stopwatch() : start_ns_(monotonicNs()) {}
  [[nodiscard]] double elapsedMs() const { return static_cast<double>(monotonicNs() - start_ns_) / 1e6; }
  void reset() { start_ns_ = monotonicNs(); }

 private:
  std::int64_t start_ns_;
};

}  // namespace rivet::core
