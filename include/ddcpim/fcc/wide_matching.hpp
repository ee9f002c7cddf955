// Pairing in bounded memory and time, for layers too wide for the full cost matrix (docs/fcc.md, "Wide layers").
//
// The full matcher evaluates every one of n(n-1)/2 pairs and holds an n x n matrix: 4,096 filters of 25,088
// weights (VGG-16's fc) are 2e11 weight comparisons and half a gigabyte. The blocked matcher orders the
// filters by their projection on a fixed +-1 direction (a filter's complement projects to about minus its
// own projection, a sign-flexible partner to about the same), folds that order so that the two ends meet
// (lowest, highest, second lowest, second highest, ...), cuts it into blocks of `block` filters and matches
// each block on its own cost matrix (greedy with local improvement). Memory O(block^2), time
// O(n * block * length). Its cost against the full matcher is measured by tests/test_fcc_matching.cpp.
#pragma once

#include <cstdint>

#include "ddcpim/fcc/cache.hpp"
#include "ddcpim/fcc/pair_cost.hpp"

namespace ddcpim::fcc {

// What pairing a layer costs before it starts: weight comparisons (pair-cost evaluations x weights per
// filter x sign variants) and bytes of cost matrices and edge lists held at once.
struct PairingEstimate {
    bool blocked = false;
    double work = 0;
    double bytes = 0;
};
PairingEstimate estimate_pairing(int filters, int length, bool sign_flexible, bool exact, int wide_limit, int block);

// The blocked matcher (above): pairs with their directions and signs, in the filters' own indices.
LayerMatching blocked_matching(const FilterSet& fs, bool sign_flexible, int block);

}  // namespace ddcpim::fcc
