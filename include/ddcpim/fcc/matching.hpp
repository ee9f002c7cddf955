// Minimum-cost perfect matching of a layer's filters (ARCHITECTURE section 3,
// step 2). With an odd count one filter stays unpaired.
//  - greedy_matching: edges in ascending cost, then local improvement (swap
//    partners between two pairs; with an odd count, rearrange the unpaired
//    filter and two pairs in any of 15 ways) until no move lowers the total.
//    O(n^2 log n) plus the passes; optimal up to five filters.
//  - exact_matching: dynamic programming over subsets, O(2^n n); n <= 22.
//  - brute_force_matching: every perfect matching; n <= 12, for testing.
#pragma once

#include <utility>
#include <vector>

#include "ddcpim/fcc/pair_cost.hpp"

namespace ddcpim::fcc {

struct Matching {
    std::vector<std::pair<int, int>> pairs;  // unordered filter indices, a < b
    std::vector<int> unpaired;               // at most one when the matching is perfect
    double total = 0;                        // sum of pair costs
};

double matching_cost(const CostMatrix& m, const std::vector<std::pair<int, int>>& pairs);

Matching greedy_matching(const CostMatrix& m);
Matching exact_matching(const CostMatrix& m);
Matching brute_force_matching(const CostMatrix& m);

constexpr int kExactMatchingLimit = 22;
constexpr int kBruteForceLimit = 12;

}  // namespace ddcpim::fcc
