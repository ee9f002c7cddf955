// The matchers: the exact one against brute force, the greedy one against the
// exact optimum.
#include <gtest/gtest.h>

#include "ddcpim/fcc/matching.hpp"
#include "ddcpim/fcc/wide_matching.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
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

namespace {
// Every filter in exactly one pair (or the one unpaired), pair costs as the full cost matrix has them.
double blocked_total(const LayerMatching& lm, const FilterSet& fs, bool sign_flexible, int n) {
    std::vector<int> seen(size_t(n), 0);
    double total = 0;
    for (const auto& p : lm.pairs) {
        seen[size_t(p.first)]++, seen[size_t(p.second)]++;
        PairChoice c = best_choice(fs, std::min(p.first, p.second), std::max(p.first, p.second), sign_flexible);
        EXPECT_NEAR(p.cost, c.cost, 1e-12);
        total += p.cost;
    }
    int unpaired = 0;
    for (int i = 0; i < n; ++i) {
        EXPECT_LE(seen[size_t(i)], 1) << "filter " << i;
        unpaired += seen[size_t(i)] == 0;
    }
    EXPECT_EQ(unpaired, lm.unpaired);
    EXPECT_EQ(unpaired, n % 2);
    return total;
}

// A layer whose filters come in planted complementary pairs (b = ~a with a little noise), shuffled.
FilterSet planted(Rng& rng, int n, int length) {
    FilterSet fs = test::random_filters(rng, n, length);
    std::vector<int> perm(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) perm[size_t(i)] = i;
    for (int i = n - 1; i > 0; --i) std::swap(perm[size_t(i)], perm[size_t(rng.below(uint64_t(i + 1)))]);
    for (int i = 0; i + 1 < n; i += 2) {
        int a = perm[size_t(i)], b = perm[size_t(i + 1)];
        for (int k = 0; k < length; ++k) {
            int32_t v = -fs.q[size_t(a) * length + k] - 1 + int32_t(rng.below(3)) - 1;
            fs.q[size_t(b) * length + k] = std::clamp(v, -127, 127);
        }
        fs.scale[size_t(b)] = fs.scale[size_t(a)];
        fs.energy[size_t(b)] = fs.energy[size_t(a)];
    }
    return fs;
}
}  // namespace

TEST(FccMatching, BlockedAgainstTheFullMatcherOnLayersWhereBothRun) {
    // The blocked matcher (wide layers) against greedy on the full cost matrix. On random layers every pair
    // is poor and the blocks only limit the choice: the total cost ratio is bounded. On layers with planted
    // complementary pairs the folded order must keep partners in one block: nearly all are recovered (a pair
    // split across a block boundary is lost; its cost then dominates a total that is otherwise near zero).
    Rng rng(47);
    double worst_random = 0, worst_recovered = 1;
    for (int n : {65, 200, 400}) {
        for (bool sf : {false, true}) {
            FilterSet fs = test::random_filters(rng, n, 48);
            double full = greedy_matching(cost_matrix(fs, sf)).total;
            double blocked = blocked_total(blocked_matching(fs, sf, 64), fs, sf, n);
            worst_random = std::max(worst_random, blocked / full);
            EXPECT_LE(blocked / full, 1.2) << "random n " << n << " sf " << sf;
            FilterSet p = planted(rng, n, 48);
            Matching pf = greedy_matching(cost_matrix(p, sf));
            LayerMatching pb = blocked_matching(p, sf, 64);
            blocked_total(pb, p, sf, n);
            auto good = [](double c) { return c < 0.05; };
            int full_good = 0, blocked_good = 0;
            for (auto [a, b] : pf.pairs) full_good += good(cost_matrix(p, sf).at(a, b)) ? 1 : 0;
            for (const auto& d : pb.pairs) blocked_good += good(d.cost) ? 1 : 0;
            EXPECT_EQ(full_good, n / 2) << "the full matcher finds every planted pair";
            double recovered = double(blocked_good) / full_good;
            worst_recovered = std::min(worst_recovered, recovered);
            EXPECT_GE(recovered, 0.97) << "planted n " << n << " sf " << sf;
        }
    }
    RecordProperty("worst_cost_ratio_random", std::to_string(worst_random));
    RecordProperty("worst_planted_recovered", std::to_string(worst_recovered));
    std::printf("blocked against full matching: cost ratio at worst %.3f on random layers; %.1f%% of planted pairs "
                "recovered at worst\n", worst_random, 100 * worst_recovered);
}

TEST(FccMatching, PairingEstimateBoundsTheWork) {
    // Full: n(n-1)/2 pair evaluations of `length` weights; blocked: per block of `block` filters.
    PairingEstimate full = estimate_pairing(1000, 64, false, false, 1024, 256);
    EXPECT_FALSE(full.blocked);
    EXPECT_DOUBLE_EQ(full.work, 1000.0 * 999 / 2 * 64);
    PairingEstimate wide = estimate_pairing(40000, 64, true, false, 1024, 256);
    EXPECT_TRUE(wide.blocked);
    EXPECT_DOUBLE_EQ(wide.work, 2 * std::ceil(40000 / 256.0) * 256 * 255 / 2 * 64 * 2);  // with the repair pass
    EXPECT_LT(wide.bytes, 256.0 * 256 * 64);
}
