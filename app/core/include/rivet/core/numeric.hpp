// Saturating conversion of untrusted floating-point values (payloads, files) to integer types: no undefined behaviour.
#pragma once

#include <cmath>
#include <limits>
#include <type_traits>

namespace rivet::core {

// `v` rounded towards zero and clamped to T's range; NaN gives 0. (A plain static_cast of an out-of-range double
// to an integer is undefined behaviour.)
template <typename T>
constexpr T saturatingCast(double v) {
  static_assert(std::is_integral_v<T>);
  if (std::isnan(v)) return 0;
  // The limits as doubles: min() is a power of two (exact); max() rounds up to the next power of two, so `>=`.
  constexpr double lo = static_cast<double>(std::numeric_limits<T>::min());
  constexpr double hi = static_cast<double>(std::numeric_limits<T>::max());
  if (v <= lo) return std::numeric_limits<T>::min();
  if (v >= hi) return std::numeric_limits<T>::max();
  return static_cast<T>(v);
}

}  // namespace rivet::core
