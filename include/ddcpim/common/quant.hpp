// Integer-only arithmetic shared by the reference engine and the simulator
// (ARCHITECTURE section 2). Defined once here so both round and clamp alike.
#pragma once

#include <cstdint>

namespace ddcpim {

// Value range of a `bits`-wide integer, two's complement when is_signed.
struct IntRange {
    int64_t lo;
    int64_t hi;
    bool contains(int64_t v) const { return v >= lo && v <= hi; }
    int64_t clamp(int64_t v) const { return v < lo ? lo : (v > hi ? hi : v); }
};
IntRange int_range(int bits, bool is_signed);

// The Bw-bit complement used by FCC: ~w = -w - 1 (always in range).
inline int32_t complement(int32_t w) { return -w - 1; }

// A fixed-point multiplier: real factor ~= multiplier / 2^shift.
// Applying it: (x * multiplier + 2^(shift-1)) >> shift, i.e. rounding half
// towards +infinity, with an arithmetic (floor) shift. |multiplier| < 2^15 so
// that x * multiplier cannot overflow int64 for |x| < 2^47. A negative
// multiplier is a negative real scale: FCC's sign-flexible pairing stores a
// filter as the complement of its negation.
struct FixedPoint {
    int32_t multiplier = 1;
    int32_t shift = 0;
    int64_t apply(int64_t x) const {
        int64_t p = x * multiplier;
        if (shift == 0) return p;
        return (p + (int64_t(1) << (shift - 1))) >> shift;
    }
};
constexpr int kMultiplierBits = 15;
constexpr int kMaxShift = 46;

// Nearest FixedPoint to a real factor: the largest shift that keeps |multiplier|
// below 2^15 (at most kMaxShift). A factor of 0 gives {0, 0}; a negative factor
// gives the negated multiplier of its magnitude.
FixedPoint fixed_point_from_real(double factor);

}  // namespace ddcpim
