// Tests core::saturatingCast: untrusted doubles clamp to the integer range, NaN gives 0, in-range values truncate.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

#include "rivet/core/numeric.hpp"

using rivet::core::saturatingCast;

TEST(Numeric, SaturatingCastClampsTruncatesAndMapsNanToZero) {
  EXPECT_EQ(saturatingCast<std::int32_t>(3.9e27), std::numeric_limits<std::int32_t>::max());
  EXPECT_EQ(saturatingCast<std::int32_t>(-3.9e27), std::numeric_limits<std::int32_t>::min());
  EXPECT_EQ(saturatingCast<std::int32_t>(2147483647.0), std::numeric_limits<std::int32_t>::max());
  EXPECT_EQ(saturatingCast<std::int32_t>(-7.9), -7);
  EXPECT_EQ(saturatingCast<std::uint32_t>(-5.0), 0u);
  EXPECT_EQ(saturatingCast<std::uint32_t>(4e9), 4000000000u);
  EXPECT_EQ(saturatingCast<std::int64_t>(9.3e18), std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(saturatingCast<std::uint64_t>(1e20), std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(saturatingCast<std::int64_t>(std::numeric_limits<double>::quiet_NaN()), 0);
  EXPECT_EQ(saturatingCast<std::int64_t>(-std::numeric_limits<double>::infinity()),
            std::numeric_limits<std::int64_t>::min());
}
