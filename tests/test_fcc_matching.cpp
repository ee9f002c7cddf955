// The matchers: the exact one against brute force, the greedy one against the
// exact optimum.
#include <gtest/gtest.h>

#include "ddcpim/fcc/matching.hpp"
#include "fcc_test_util.hpp"

using namespace ddcpim;
using namespace ddcpim::fcc;

namespace {
void expect_valid(const Matching& m, int n) {
    std::vector<int> seen(size_t(n), 0);
    for (auto [a, b] : m.pairs) {
        EXPECT_NE(a, b);
        seen[size_t(a)]++, seen[size_t(b)]++;
    }
    for (int u : m.unpaired) seen[size_t(u)]++;
    for (int i = 0; i < n; ++i) EXPECT_EQ(seen[size_t(i)], 1) << "filter " << i;
    EXPECT_EQ(m.unpaired.size(), size_t(n % 2));
}
}  // namespace

TEST(FccMatching, ExactEqualsBruteForce) {
    Rng rng(11);
    for (int n = 1; n <= 11; ++n)
        for (int trial = 0; trial < 5; ++trial) {
            CostMatrix m = cost_matrix(test::random_filters(rng, n, 9), trial % 2 == 1);
            Matching e = exact_matching(m), b = brute_force_matching(m);
            expect_valid(e, n);
            expect_valid(b, n);
            EXPECT_NEAR(e.total, b.total, 1e-9) << "n " << n;
        }
}

TEST(FccMatching, BruteForceFindsTheOptimumOfAHandMadeMatrix) {
    // Filters 0-3; pairing (0,2),(1,3) costs 2, the others cost 20 and 11.
    CostMatrix m;
    m.n = 4;
    m.cost = {0, 10, 1, 5,  //
              10, 0, 6, 1,  //
              1, 6, 0, 10,  //
              5, 1, 10, 0};
    m.choice.assign(16, {});
    Matching b = brute_force_matching(m);
    EXPECT_EQ(b.pairs, (std::vector<std::pair<int, int>>{{0, 2}, {1, 3}}));
    EXPECT_EQ(b.total, 2);
    EXPECT_EQ(exact_matching(m).pairs, b.pairs);
    EXPECT_EQ(greedy_matching(m).pairs, b.pairs);
}

TEST(FccMatching, GreedyIsOptimalOnTinyLayers) {
    Rng rng(21);
    for (int n = 2; n <= 5; ++n)
        for (int trial = 0; trial < 30; ++trial) {
            CostMatrix m = cost_matrix(test::random_filters(rng, n, 9), false);
            Matching g = greedy_matching(m);
            expect_valid(g, n);
            EXPECT_NEAR(g.total, exact_matching(m).total, 1e-12) << "n " << n << " trial " << trial;
        }
}

TEST(FccMatching, GreedyIsWithinFivePercentOnSmallLayers) {
    Rng rng(31);
    double worst = 0;
    for (int n : {8, 12, 15, 16, 19, 20}) {
        for (int trial = 0; trial < 4; ++trial) {
            CostMatrix m = cost_matrix(test::random_filters(rng, n, 27), trial % 2 == 0);
            Matching g = greedy_matching(m), e = exact_matching(m);
            expect_valid(g, n);
            EXPECT_GE(g.total, e.total - 1e-12);
            double gap = g.total / e.total - 1;
            worst = std::max(worst, gap);
            EXPECT_LE(gap, 0.05) << "n " << n << " trial " << trial;
        }
    }
    RecordProperty("worst_gap_percent", std::to_string(100 * worst));
}
