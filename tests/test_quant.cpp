#include <cmath>

#include <gtest/gtest.h>

#include "ddcpim/common/quant.hpp"

using namespace ddcpim;

TEST(Quant, IntRanges) {
    EXPECT_EQ(int_range(8, true).lo, -128);
    EXPECT_EQ(int_range(8, true).hi, 127);
    EXPECT_EQ(int_range(8, false).lo, 0);
    EXPECT_EQ(int_range(8, false).hi, 255);
    EXPECT_EQ(int_range(4, true).lo, -8);
    EXPECT_EQ(int_range(4, true).clamp(9), 7);
    EXPECT_EQ(int_range(4, true).clamp(-9), -8);
}

TEST(Quant, ComplementStaysInRangeAndIsAnInvolution) {
    IntRange r = int_range(8, true);
    for (int w = -128; w <= 127; ++w) {
        EXPECT_TRUE(r.contains(complement(w)));
        EXPECT_EQ(complement(complement(w)), w);
        EXPECT_EQ(complement(w), ~w);  // two's complement bitwise NOT
    }
}

TEST(Quant, ApplyRoundsHalfUpWithFloorShift) {
    FixedPoint half{1, 1};  // x / 2
    EXPECT_EQ(half.apply(3), 2);    // 1.5 -> 2
    EXPECT_EQ(half.apply(-3), -1);  // -1.5 -> -1 (half towards +inf)
    EXPECT_EQ(half.apply(2), 1);
    FixedPoint third{21845, 16};  // ~1/3
    EXPECT_EQ(third.apply(300), 100);
    EXPECT_EQ((FixedPoint{5, 0}.apply(-7)), -35);
}

TEST(Quant, FixedPointFromRealIsClose) {
    for (double f : {1e-6, 0.001, 0.37, 1.0, 2.5, 1000.0}) {
        FixedPoint q = fixed_point_from_real(f);
        double back = q.multiplier / std::ldexp(1.0, q.shift);
        EXPECT_LT(q.multiplier, 1 << kMultiplierBits);
        EXPECT_LE(q.shift, kMaxShift);
        EXPECT_NEAR(back / f, 1.0, 1e-4) << f;
    }
    EXPECT_EQ(fixed_point_from_real(0).multiplier, 0);
    FixedPoint neg = fixed_point_from_real(-0.37), pos = fixed_point_from_real(0.37);
    EXPECT_EQ(neg.multiplier, -pos.multiplier);
    EXPECT_EQ(neg.shift, pos.shift);
    EXPECT_EQ((FixedPoint{-1, 1}.apply(3)), -1);  // -1.5 rounds half up to -1
}
