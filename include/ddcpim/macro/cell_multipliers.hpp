// The cell multipliers: each 6T cell ANDs its lane's input bit with the value
// it holds, pA = A[r] & Q[r][c] on the Q side and pB = B[r] & Q-bar[r][c] on
// the other. 64 rows at a time: one word of lane bits against one word of a
// bit-column. The adder trees count the ones these words hold, so the
// multipliers are a part of the tree stage rather than a stage of their own.
#pragma once

#include <cstdint>

namespace ddcpim::macro {

inline uint64_t product_q(uint64_t lane_a, uint64_t q_word) { return lane_a & q_word; }
inline uint64_t product_q_bar(uint64_t lane_b, uint64_t q_word) { return lane_b & ~q_word; }

inline int popcount(uint64_t w) { return __builtin_popcountll(w); }

}  // namespace ddcpim::macro
