// Unit tests for Result/Error: values, errors and the one-line user message.
#include <gtest/gtest.h>

#include "rivet/core/result.hpp"

using namespace rivet::core;

TEST(Result, HoldsValueOrError) {
  Result<int> good = 42;
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 42);
  Result<int> bad = makeError("marker size missing", "pack/markers.yaml:7", "add size_mm");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().describe(), "pack/markers.yaml:7: marker size missing (add size_mm)");
}

TEST(Result, VoidStatus) {
  Status s;
  EXPECT_TRUE(s.ok());
  Status f = makeError("disk full");
  EXPECT_FALSE(f.ok());
  EXPECT_EQ(f.error().describe(), "disk full");
}
