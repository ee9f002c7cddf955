// The data-dependent events (issue 21; host/activity.hpp, docs/cost.md) on
// MVMs worked out by hand, counted by the clocked macro's blocks and by the
// fast engine: an all-zero input lights nothing on either side and costs only
// the data-independent events; a single 1 bit lights exactly the products its
// row's cells hold on the Q side and their complements on the Q-bar side; a
// tile written over itself flips no cell, over zeros flips its ones.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "ddcpim/cost/macro_cost.hpp"
#include "ddcpim/host/costs.hpp"
#include "ddcpim/host/fast_engine.hpp"
#include "ddcpim/host/system.hpp"
#include "ddcpim/ref/engine.hpp"
#include "macro_bench.hpp"
#include "test_util.hpp"

using namespace ddcpim;

namespace {

// One pointwise layer, 16 input channels to 8 filters on one pixel: one tile of 16 rows by 8 columns.
const char* kNetwork =
    "network:\n  name: hand\n  input: {channels: 16, height: 1, width: 1}\n  layers:\n"
    "    - {name: pw, kind: pointwise, out_channels: 8}\nfcc: {pairs: none}\n";

std::string macro_yaml(bool ddc) {
    return fmt::format("macro: {{rows: 64, weight_columns: 8, weight_bits: 8, input_bits: 8, segment_rows: 16, "
                       "complementary: {0}, dual_broadcast: {0}, dw_mapping: diagonal, buffer_vectors: 4}}\n",
                       ddc ? "true" : "false");
}

struct BothRuns {
    host::SimResult clocked, fast;
};

// The network with its weights as given, on one input, through both engines (the clocked one in a
// child process: SystemC elaborates once per process). Returns the failures; fills `run`.
std::string run_both(bool ddc, const std::vector<int32_t>& weights, const std::vector<int32_t>& input, int images,
                     BothRuns& run) {
    ConfigFile cfg = test::parse_config_text(macro_yaml(ddc) + kNetwork);
    auto net = std::make_shared<Network>(build_network(cfg));
    net->params[0].weight = weights;
    net->build_id = 0;  // changed after the build: nothing cached may stand for it
    Tensor x = ref::sample_input(net->desc, 1);
    x.data = input;
    host::SystemOptions opt = host::system_options(cfg, images);
    opt.system.residency = "stream";
    opt.inputs = std::make_shared<const std::vector<Tensor>>(std::vector<Tensor>(size_t(images), x));
    run.fast = host::run_fast(*net, cfg.macro, opt);
    // The clocked run's events come back from the child as text.
    std::string fail;
    const std::string counted = test::run_in_child([&] {
        host::SimResult r;
        r.macro = cfg.macro;
        host::HostOptions ho;
        ho.system = opt;
        ho.verify = true;
        host::System sys("system", *net, cfg.macro, *opt.inputs, ho, r);
        std::vector<host::System*> all{&sys};
        host::run_to_completion(all);
        if (!r.verified) return "not verified: " + r.mismatch;
        const cost::Events& e = r.layers[0].events;
        return fmt::format("events {} {} {} {} {} {} {}", e.lane_a_bits, e.input_ones_a, e.input_ones_b,
                           e.product_ones_q, e.product_ones_qbar, e.write_toggles, e.tree_evaluations);
    });
    const cost::Events& f = run.fast.layers[0].events;
    const std::string fast = fmt::format("events {} {} {} {} {} {} {}", f.lane_a_bits, f.input_ones_a, f.input_ones_b,
                                         f.product_ones_q, f.product_ones_qbar, f.write_toggles, f.tree_evaluations);
    if (counted != fast) fail += fmt::format("clocked '{}' != fast '{}'\n", counted, fast);
    return fail;
}

std::vector<int32_t> hand_weights() {
    // Filter f, input channel c: a spread of signed 8-bit values (two's complement in the cells).
    std::vector<int32_t> w(8 * 16);
    for (int f = 0; f < 8; ++f)
        for (int c = 0; c < 16; ++c) w[size_t(f * 16 + c)] = int32_t((f * 37 + c * 11) % 255) - 127;
    return w;
}

int ones8(int32_t v) { return __builtin_popcount(uint32_t(v) & 0xffu); }

using test::component;

}  // namespace

TEST(Activity, AnAllZeroInputLightsNothingAndCostsOnlyTheDataIndependentEvents) {
    for (bool ddc : {false, true}) {
        BothRuns run;
        EXPECT_EQ(run_both(ddc, hand_weights(), std::vector<int32_t>(16, 0), 1, run), "") << "ddc " << ddc;
        const cost::Events& e = run.fast.layers[0].events;
        EXPECT_EQ(e.lane_a_bits, 16u * 8u);  // 16 rows of 8 bits, driven all the same
        EXPECT_EQ(e.input_ones_a + e.input_ones_b + e.product_ones_q + e.product_ones_qbar, 0u);
        EXPECT_GT(e.tree_evaluations, 0u);
        host::apply_costs(run.fast, cost::load_technology(test::source_path("configs/tech/28nm.yaml")));
        const cost::Breakdown& pj = run.fast.layers[0].energy_pj;
        EXPECT_EQ(component(pj, "input lanes"), 0);
        EXPECT_EQ(component(pj, "cell multipliers"), 0);
        // The trees cost only their pipeline registers' clocking.
        const cost::Technology t = cost::load_technology(test::source_path("configs/tech/28nm.yaml"));
        EXPECT_DOUBLE_EQ(component(pj, "adder trees"),
                         double(e.tree_evaluations) * run.fast.macro.adder_pipeline * 7 * t.register_bit);
        EXPECT_GT(component(pj, "shift-accumulators"), 0);
    }
}

TEST(Activity, ASingleOneBitLightsItsRowsCellsOnEachSide) {
    const std::vector<int32_t> w = hand_weights();
    for (bool ddc : {false, true})
        for (int channel : {0, 5, 15}) {
            std::vector<int32_t> x(16, 0);
            x[size_t(channel)] = 4;  // one bit (bit 2) on row `channel`
            BothRuns run;
            EXPECT_EQ(run_both(ddc, w, x, 1, run), "") << "ddc " << ddc << " channel " << channel;
            uint64_t q = 0;
            for (int f = 0; f < 8; ++f) q += uint64_t(ones8(w[size_t(f * 16 + channel)]));
            const cost::Events& e = run.fast.layers[0].events;
            EXPECT_EQ(e.input_ones_a, 1u);
            EXPECT_EQ(e.product_ones_q, q) << "channel " << channel;
            // Q-bar: the same lane bit (pointwise drives lane A on both sides) meets the 64 - q zeros.
            EXPECT_EQ(e.input_ones_b, ddc ? 1u : 0u);
            EXPECT_EQ(e.product_ones_qbar, ddc ? 64u - q : 0u) << "channel " << channel;
        }
}

TEST(Activity, WritesFlipOnlyTheCellsThatChange) {
    // Two images on one macro stream the tile twice: the first write flips its ones (the array starts at
    // zero), the second writes the same bits again and flips nothing.
    const std::vector<int32_t> w = hand_weights();
    uint64_t bits = 0;
    for (int32_t v : w) bits += uint64_t(ones8(v));
    BothRuns run;
    EXPECT_EQ(run_both(true, w, std::vector<int32_t>(16, 1), 2, run), "");
    const cost::Events& e = run.fast.layers[0].events;
    EXPECT_EQ(e.rows_written, 32u);  // 16 rows, twice
    EXPECT_EQ(e.write_toggles, bits);
}

TEST(Activity, CountsKeptForANetworkAndMappingEqualThoseCountedAfresh) {
    // The fast engine keeps each load's flips and the weights' ones per network and mapping (ArrayContents,
    // ActivityCounter), an image's lane and product counts per mapping, input bits and image, and the
    // seeded inputs' activations per network and seed: a second run that changes only what the tiles do
    // not depend on (the input bus, the write port, the macros) reuses them. Its counts equal those of a
    // freshly built copy of the network, where nothing is kept; and so do they after the input bits change
    // (the same tiles, other lane counts).
    const ConfigFile cfg = load_config(test::source_path("configs/tiny_residual.yaml"));
    const Network first = build_network(cfg), fresh = build_network(cfg);
    ASSERT_NE(first.build_id, fresh.build_id);
    const host::SystemOptions o = host::system_options(cfg, 2);
    MacroParams m = cfg.macro;
    host::run_fast(first, m, o);  // fills the kept flips
    m.input_bus_bits /= 2;
    m.write_rows_per_cycle = 2;
    m.macros = 3;
    // Every data-dependent count of two runs, layer by layer.
    auto expect_same = [](const host::SimResult& a, const host::SimResult& b) {
        for (size_t l = 0; l < a.layers.size(); ++l) {
            const cost::Events &k = a.layers[l].events, &c = b.layers[l].events;
            EXPECT_EQ(k.write_toggles, c.write_toggles) << a.layers[l].name;
            EXPECT_EQ(k.input_ones_a, c.input_ones_a) << a.layers[l].name;
            EXPECT_EQ(k.input_ones_b, c.input_ones_b) << a.layers[l].name;
            EXPECT_EQ(k.product_ones_q, c.product_ones_q) << a.layers[l].name;
            EXPECT_EQ(k.product_ones_qbar, c.product_ones_qbar) << a.layers[l].name;
        }
    };
    const host::SimResult kept = host::run_fast(first, m, o), counted = host::run_fast(fresh, m, o);
    expect_same(kept, counted);
    uint64_t toggles = 0;
    for (const auto& l : kept.layers) toggles += l.events.write_toggles;
    EXPECT_GT(toggles, 0u);
    m.input_bits = 4;
    const host::SimResult narrow = host::run_fast(first, m, o), narrow_fresh = host::run_fast(fresh, m, o);
    expect_same(narrow, narrow_fresh);
    uint64_t differ = 0;
    for (size_t l = 0; l < narrow.layers.size(); ++l) differ += narrow.layers[l].events.input_ones_a != kept.layers[l].events.input_ones_a;
    EXPECT_GT(differ, 0u);  // the input's low 4 bits carry fewer ones than its 8
}
