#include "ddcpim/common/quant.hpp"

#include <cmath>

#include "ddcpim/common/error.hpp"

namespace ddcpim {

IntRange int_range(int bits, bool is_signed) {
    DDCPIM_ASSERT(bits >= 1 && bits <= 32);
    if (is_signed) return {-(int64_t(1) << (bits - 1)), (int64_t(1) << (bits - 1)) - 1};
    return {0, (int64_t(1) << bits) - 1};
}

FixedPoint fixed_point_from_real(double factor) {
    DDCPIM_ASSERT(std::isfinite(factor));
    if (factor == 0) return {0, 0};
    if (factor < 0) {
        FixedPoint p = fixed_point_from_real(-factor);
        return {-p.multiplier, p.shift};
    }
    int shift = 0;
    while (shift < kMaxShift && std::ldexp(factor, shift + 1) < double(1 << kMultiplierBits) - 0.5) ++shift;
    long long m = std::llround(std::ldexp(factor, shift));
    if (m >= (1LL << kMultiplierBits)) m = (1LL << kMultiplierBits) - 1;
    return {static_cast<int32_t>(m), shift};
}

}  // namespace ddcpim
