// The FCC pass on layers: exact complements after the rewrite, planted
// structure recovered, unpaired filters untouched, the complement identity
// through the reference engine, refit, and `fcc.pairs: auto` at load time.
#include <algorithm>
#include <numeric>

#include <gtest/gtest.h>

#include "ddcpim/fcc/fcc_pass.hpp"
#include "ddcpim/network/pairs.hpp"
#include "ddcpim/ref/ops.hpp"
#include "fcc_test_util.hpp"
#include "test_util.hpp"

using namespace ddcpim;

namespace {

// Planted: `pairs` random patterns S and their complements ~S (partners
// negated when `negate`), shuffled; plus `extra` independent filters.
struct Planted {
    std::vector<int32_t> weights;
    std::vector<std::pair<int, int>> pairs;  // positions after the shuffle
    int count;
};

Planted plant(Rng& rng, int pairs, int length, bool negate) {
    int count = 2 * pairs;
    std::vector<std::vector<int32_t>> filters;
    for (int p = 0; p < pairs; ++p) {
        std::vector<int32_t> s(static_cast<size_t>(length)), c(static_cast<size_t>(length));
        for (int k = 0; k < length; ++k) {
            s[size_t(k)] = int32_t(-100 + rng.below(200));
            c[size_t(k)] = negate ? -complement(s[size_t(k)]) : complement(s[size_t(k)]);
        }
        filters.push_back(s);
        filters.push_back(c);
    }
    std::vector<int> order(static_cast<size_t>(count));
    std::iota(order.begin(), order.end(), 0);
    for (int i = count - 1; i > 0; --i) std::swap(order[size_t(i)], order[size_t(rng.below(i + 1))]);
    Planted r;
    r.count = count;
    std::vector<int> where(static_cast<size_t>(count));
    for (int i = 0; i < count; ++i) where[size_t(order[size_t(i)])] = i;
    for (int i = 0; i < count; ++i) r.weights.insert(r.weights.end(), filters[size_t(order[size_t(i)])].begin(),
                                                      filters[size_t(order[size_t(i)])].end());
    for (int p = 0; p < pairs; ++p)
        r.pairs.emplace_back(std::min(where[size_t(2 * p)], where[size_t(2 * p + 1)]),
                             std::max(where[size_t(2 * p)], where[size_t(2 * p + 1)]));
    std::sort(r.pairs.begin(), r.pairs.end());
    return r;
}

std::vector<std::pair<int, int>> sorted_unordered(std::vector<std::pair<int, int>> v) {
    for (auto& p : v)
        if (p.first > p.second) std::swap(p.first, p.second);
    std::sort(v.begin(), v.end());
    return v;
}

}  // namespace

TEST(FccPass, PlantedComplementaryStructureIsRecoveredExactly) {
    Rng rng(41);
    for (int exact_limit : {0, 22}) {  // greedy, then exact
        for (LayerKind kind : {LayerKind::Pointwise, LayerKind::Depthwise}) {
            int count = 16, in = kind == LayerKind::Depthwise ? 16 : 24;
            int length = kind == LayerKind::Depthwise ? 9 : in;
            Planted pl = plant(rng, count / 2, length, false);
            Network net = test::one_layer_network(kind, in, count, kind == LayerKind::Depthwise ? 3 : 1, pl.weights,
                                                  std::vector<double>(size_t(count), 0.02));
            FccOptions opt;
            opt.exact_limit = exact_limit;
            fcc::LayerReport r = fcc::pair_layer(net, 0, opt);
            EXPECT_EQ(sorted_unordered(net.params[0].pairs), pl.pairs);
            EXPECT_EQ(r.pairs, count / 2);
            EXPECT_EQ(r.worst_cost, 0.0);
            EXPECT_NEAR(r.error_after_refit, 0.0, 1e-12);
            EXPECT_EQ(net.params[0].weight, pl.weights);  // nothing to change
        }
    }
}

TEST(FccPass, NegatedPartnersNeedSignFlexibility) {
    Rng rng(43);
    Planted pl = plant(rng, 6, 20, true);
    std::vector<double> scales(12, 0.02);
    Network plain = test::one_layer_network(LayerKind::Pointwise, 20, 12, 1, pl.weights, scales);
    Network flex = plain;
    FccOptions opt;
    fcc::LayerReport r0 = fcc::pair_layer(plain, 0, opt);
    opt.sign_flexible = true;
    fcc::LayerReport r1 = fcc::pair_layer(flex, 0, opt);
    EXPECT_GT(r0.error_after_refit, 0.05);
    EXPECT_NEAR(r1.error_after_refit, 0.0, 1e-12);
    EXPECT_EQ(r1.negated, 6);
    EXPECT_EQ(sorted_unordered(flex.params[0].pairs), pl.pairs);
    // The negated filters now have negative scales and requantisation factors.
    for (auto [a, b] : flex.params[0].pairs) {
        EXPECT_LT(flex.params[0].weight_scale[size_t(b)], 0);
        EXPECT_LT(flex.params[0].requant[size_t(b)].multiplier, 0);
        EXPECT_GT(flex.params[0].requant[size_t(a)].multiplier, 0);
    }
}

TEST(FccPass, RewriteGivesExactComplementsAndLeavesTheOddFilterAlone) {
    Rng rng(47);
    for (int count : {7, 10, 33}) {
        fcc::FilterSet fs = test::random_filters(rng, count, 18);
        Network net = test::one_layer_network(LayerKind::Pointwise, 18, count, 1, fs.q, fs.scale);
        LayerParams before = net.params[0];
        fcc::LayerReport r = fcc::pair_layer(net, 0, FccOptions{});
        const LayerParams& p = net.params[0];
        EXPECT_EQ(r.pairs, count / 2);
        std::vector<int> uses(size_t(count), 0);
        for (auto [a, b] : p.pairs) {
            uses[size_t(a)]++, uses[size_t(b)]++;
            for (int k = 0; k < 18; ++k) ASSERT_EQ(p.weight[size_t(b) * 18 + k], complement(p.weight[size_t(a) * 18 + k]));
        }
        for (int o = 0; o < count; ++o) {
            ASSERT_LE(uses[size_t(o)], 1);
            if (uses[size_t(o)] == 0) {
                EXPECT_EQ(count % 2, 1);
                for (int k = 0; k < 18; ++k) EXPECT_EQ(p.weight[size_t(o) * 18 + k], before.weight[size_t(o) * 18 + k]);
                EXPECT_EQ(p.requant[size_t(o)].multiplier, before.requant[size_t(o)].multiplier);
                EXPECT_EQ(p.bias[size_t(o)], before.bias[size_t(o)]);
                EXPECT_EQ(p.weight_scale[size_t(o)], before.weight_scale[size_t(o)]);
            }
        }
        EXPECT_LE(r.error_after_refit, r.error_before_refit + 1e-12);  // least squares never hurts
        validate_pairs(net);  // Mode::None here: only checks nothing is listed
    }
}

TEST(FccPass, ComplementIdentityHoldsOnPairedLayers) {
    // acc(b) = -acc(a) - (sum of the window's inputs), for every pair, with
    // padding. (A conv: both filters of a pair read the same input. Paired
    // depthwise channels read different inputs; the macro tests cover them.)
    Rng rng(53);
    for (bool sign : {true, false}) {
        int c = 4, k = 3, filters = 6;
        fcc::FilterSet fs = test::random_filters(rng, filters, c * k * k);
        Network net = test::one_layer_network(LayerKind::Conv, c, filters, k, fs.q, fs.scale);
        fcc::pair_layer(net, 0, FccOptions{});
        LayerDesc l = net.desc.layers[0];
        Tensor x(l.in_shape, sign);
        IntRange xr = int_range(8, sign);
        for (auto& v : x.data) v = int32_t(xr.lo + rng.below(xr.hi - xr.lo + 1));
        auto acc = ref::mac_accumulate(l, net.params[0].weight, x);
        auto window = ref::mac_accumulate(l, std::vector<int32_t>(size_t(filters * c * k * k), 1), x);
        size_t plane = size_t(l.out_shape.h) * l.out_shape.w;
        for (auto [a, b] : net.params[0].pairs)
            for (size_t i = 0; i < plane; ++i)
                ASSERT_EQ(acc[size_t(b) * plane + i], -acc[size_t(a) * plane + i] - window[size_t(b) * plane + i]);
    }
}

TEST(FccPass, RequantFollowsTheRefitScale) {
    // The integer output tracks the real one: s_in * s * (acc + bias) / s_out.
    Rng rng(59);
    fcc::FilterSet fs = test::random_filters(rng, 8, 16);
    Network net = test::one_layer_network(LayerKind::Pointwise, 16, 8, 1, fs.q, fs.scale);
    std::vector<double> old_factor;
    for (auto& q : net.params[0].requant) old_factor.push_back(q.multiplier / std::ldexp(1.0, q.shift));
    fcc::pair_layer(net, 0, FccOptions{});
    const LayerParams& p = net.params[0];
    for (int o = 0; o < 8; ++o) {
        double f = p.requant[size_t(o)].multiplier / std::ldexp(1.0, p.requant[size_t(o)].shift);
        EXPECT_NEAR(f / old_factor[size_t(o)], p.weight_scale[size_t(o)] / fs.scale[size_t(o)], 1e-3);
        EXPECT_NEAR(p.bias[size_t(o)] * p.weight_scale[size_t(o)], 100 * fs.scale[size_t(o)],
                    std::fabs(p.weight_scale[size_t(o)]));
    }
}

TEST(FccPass, AutoAtLoadTimePairsEveryMacLayer) {
    ConfigFile c = load_config(test::source_path("configs/tiny_residual.yaml"), {{"fcc.pairs", "auto"}});
    Network n = build_network(c);
    size_t paired_layers = 0;
    for (size_t i = 0; i < n.desc.layers.size(); ++i) {
        const LayerDesc& l = n.desc.layers[i];
        if (!l.is_mac()) continue;
        EXPECT_EQ(n.params[i].pairs.size(), size_t(l.out_channels / 2)) << l.name;
        paired_layers++;
    }
    EXPECT_EQ(paired_layers, 8u);
    EXPECT_EQ(n.fcc_reports.size(), 8u);
    // A layer's own `none` wins over the default.
    ConfigFile c2 = load_config(test::source_path("configs/tiny_residual.yaml"),
                                {{"fcc.pairs", "auto"}, {"network.layers.pw1.fcc", "{pairs: none}"}});
    Network n2 = build_network(c2);
    EXPECT_TRUE(n2.params[size_t(n2.desc.find_layer("pw1"))].pairs.empty());
    EXPECT_EQ(n2.fcc_reports.size(), 7u);
    // Deterministic.
    EXPECT_EQ(build_network(c).params[0].weight, n.params[0].weight);
}

TEST(FccPass, SkipListLeavesItsLayersUnpairedAndIsWrittenBack) {
    ConfigFile c = load_config(test::source_path("configs/tiny_residual.yaml"),
                               {{"fcc.pairs", "auto"}, {"fcc.skip", "[pw1, classifier]"}});
    Network n = build_network(c);
    for (size_t i = 0; i < n.desc.layers.size(); ++i) {
        const LayerDesc& l = n.desc.layers[i];
        if (!l.is_mac()) continue;
        bool skipped = l.name == "pw1" || l.name == "classifier";
        EXPECT_EQ(n.params[i].pairs.size(), skipped ? 0u : size_t(l.out_channels / 2)) << l.name;
    }
    EXPECT_EQ(n.fcc_reports.size(), 6u);
    // A layer's own pairs win over the skip list.
    ConfigFile c2 = load_config(test::source_path("configs/tiny_residual.yaml"),
                                {{"fcc.pairs", "auto"}, {"fcc.skip", "[pw1]"}, {"network.layers.pw1.fcc", "{pairs: auto}"}});
    EXPECT_EQ(build_network(c2).fcc_reports.size(), 8u);
    // The resolved config keeps the list.
    YAML::Node skip = resolved_config_yaml(c)["fcc"]["skip"];
    ASSERT_TRUE(skip.IsSequence());
    EXPECT_EQ(skip.size(), 2u);
    EXPECT_EQ(skip[1].as<std::string>(), "classifier");
}

TEST(FccPass, SkipListErrorsNameTheEntry) {
    auto err = [](const std::string& skip) -> std::string {
        try {
            load_config(test::source_path("configs/tiny_residual.yaml"), {{"fcc.pairs", "auto"}, {"fcc.skip", skip}});
        } catch (const UserError& e) {
            return e.what();
        }
        return "";
    };
    std::string e = err("[pw1, nosuch]");
    EXPECT_NE(e.find("fcc.skip[1]"), std::string::npos) << e;
    EXPECT_NE(e.find("'nosuch', which is no layer"), std::string::npos) << e;
    e = err("[se_gate]");
    EXPECT_NE(e.find("'se_gate', which computes no MACs"), std::string::npos) << e;
    e = err("[pw1, pw1]");
    EXPECT_NE(e.find("listed twice"), std::string::npos) << e;
    e = err("pw1");
    EXPECT_NE(e.find("expected a list of MAC layer names"), std::string::npos) << e;
}

TEST(FccPass, BadFccOptionsAreClearErrors) {
    auto err = [](const std::vector<Override>& ov) -> std::string {
        try {
            load_config(test::source_path("configs/tiny_residual.yaml"), ov);
        } catch (const UserError& e) {
            return e.what();
        }
        return "";
    };
    EXPECT_NE(err({{"fcc.exact_limit", "40"}}).find("fcc.exact_limit"), std::string::npos);
    EXPECT_NE(err({{"fcc.pairs", "sometimes"}}).find("expected one of auto, none"), std::string::npos);
    EXPECT_NE(err({{"fcc.pairs", "[[0, 1]]"}}).find("fcc.pairs"), std::string::npos);
    EXPECT_NE(err({{"fcc.sign_flexibel", "true"}}).find("unknown key"), std::string::npos);
}
