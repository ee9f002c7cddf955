// FCC pair cost: the shared pattern S, directions and signs.
#include <gtest/gtest.h>

#include "ddcpim/common/quant.hpp"
#include "fcc_test_util.hpp"

using namespace ddcpim;
using namespace ddcpim::fcc;

namespace {
FilterSet two_filters(std::vector<int32_t> a, std::vector<int32_t> b, double sa = 1, double sb = 1) {
    FilterSet fs;
    fs.count = 2;
    fs.length = int(a.size());
    fs.q = a;
    fs.q.insert(fs.q.end(), b.begin(), b.end());
    fs.scale = {sa, sb};
    fs.energy = {0, 0};
    for (size_t k = 0; k < a.size(); ++k) fs.energy[0] += sa * sa * a[k] * a[k], fs.energy[1] += sb * sb * b[k] * b[k];
    return fs;
}
}  // namespace

TEST(FccCost, SharedPatternIsRoundedHalfUpMidpoint) {
    // S = round((Qa - Qb - 1) / 2): (5 - (-6) - 1)/2 = 5; (4 - (-4) - 1)/2 = 3.5 -> 4; (0 - 0 - 1)/2 = -0.5 -> 0
    std::vector<int32_t> a = {5, 4, 0, 127, -128}, b = {-6, -4, 0, -128, 127};
    auto s = shared_pattern(a.data(), b.data(), 5, 8, false);
    EXPECT_EQ(s, (std::vector<int32_t>{5, 4, 0, 127, -128}));
    // Negated partner: S = round((Qa + Qb - 1) / 2)
    auto sn = shared_pattern(a.data(), b.data(), 5, 8, true);
    EXPECT_EQ(sn, (std::vector<int32_t>{-1, 0, 0, -1, -1}));
}

TEST(FccCost, ExactComplementsCostNothing) {
    std::vector<int32_t> a = {3, -7, 0, 127, -128, 55};
    std::vector<int32_t> b;
    for (int32_t v : a) b.push_back(complement(v));
    FilterSet fs = two_filters(a, b);
    EXPECT_EQ(directed_cost(fs, 0, 1, false), 0.0);
    PairChoice c = best_choice(fs, 0, 1, false);
    EXPECT_EQ(c.cost, 0.0);
    EXPECT_FALSE(c.negated);
}

TEST(FccCost, PositivelyCorrelatedFiltersPairOnlyWithSignFlexibility) {
    // b = -(~a) = a + 1: the negation of b is the complement of a.
    std::vector<int32_t> a = {3, -7, 0, 100, -90, 55}, b;
    for (int32_t v : a) b.push_back(v + 1);
    FilterSet fs = two_filters(a, b);
    EXPECT_GT(best_choice(fs, 0, 1, false).cost, 0.2);
    PairChoice flex = best_choice(fs, 0, 1, true);
    EXPECT_EQ(flex.cost, 0.0);
    EXPECT_TRUE(flex.negated);
}

TEST(FccCost, CostIsScaleWeightedAndRelative) {
    // a = [2], b = [0]: S = round(1/2) = 1, e_a = 1, ~S = -2, e_b = 2.
    FilterSet fs = two_filters({2}, {0}, 3.0, 5.0);
    // (9*1 + 25*4) / (9*4 + 0)
    EXPECT_DOUBLE_EQ(directed_cost(fs, 0, 1, false), (9.0 * 1 + 25.0 * 4) / 36.0);
}

TEST(FccCost, FastPathAgreesWithTheDefinition) {
    Rng rng(5);
    for (int bits : {4, 8}) {
        FilterSet fs = test::random_filters(rng, 12, 37, bits);
        for (bool flex : {false, true}) {
            CostMatrix m = cost_matrix(fs, flex);
            for (int a = 0; a < fs.count; ++a)
                for (int b = a + 1; b < fs.count; ++b) {
                    const PairChoice& c = m.choice_of(a, b);
                    int first = c.swapped ? b : a, second = c.swapped ? a : b;
                    EXPECT_DOUBLE_EQ(c.cost, directed_cost(fs, first, second, c.negated));
                    EXPECT_LE(c.cost, directed_cost(fs, a, b, false));
                    EXPECT_LE(c.cost, directed_cost(fs, b, a, false));
                    EXPECT_DOUBLE_EQ(m.at(a, b), m.at(b, a));
                }
        }
    }
}
