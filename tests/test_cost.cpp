// The area and energy model: totals equal the sum of their components,
// doubling rows doubles the array area, DDC's weight density over the same
// array is twice the baseline's, energy per layer adds up to the total, and
// a bad technology file is a clear error.
#include <gtest/gtest.h>

#include "ddcpim/cost/macro_cost.hpp"
#include "ddcpim/host/costs.hpp"
#include "ddcpim/host/schedule.hpp"
#include "test_util.hpp"

using namespace ddcpim;

namespace {
cost::Technology tech() { return cost::load_technology(test::source_path("configs/tech/28nm.yaml")); }
using test::component;
}  // namespace

TEST(Cost, AreaTotalIsTheSumOfItsComponents) {
    cost::Breakdown a = cost::macro_area(MacroParams{}, tech());
    double sum = 0;
    for (auto& [name, v] : a) {
        EXPECT_GT(v, 0) << name;
        sum += v;
    }
    EXPECT_DOUBLE_EQ(cost::total(a), sum);
    EXPECT_EQ(a.front().first, "array cells");
}

TEST(Cost, DoublingRowsDoublesTheArrayArea) {
    MacroParams p;
    MacroParams q = p;
    q.rows *= 2;
    cost::Technology t = tech();
    EXPECT_DOUBLE_EQ(component(cost::macro_area(q, t), "array cells"), 2 * component(cost::macro_area(p, t), "array cells"));
    EXPECT_DOUBLE_EQ(component(cost::macro_area(q, t), "cell multipliers"),
                     2 * component(cost::macro_area(p, t), "cell multipliers"));
}

TEST(Cost, DdcStoresTwiceTheWeightsOfTheBaselineInTheSameArray) {
    host::SimResult ddc, base;
    ddc.macro = MacroParams{};
    base.macro = MacroParams{}.as_baseline();
    host::apply_costs(ddc, tech());
    host::apply_costs(base, tech());
    EXPECT_DOUBLE_EQ(ddc.capability.weight_capacity_kb, 2 * base.capability.weight_capacity_kb);
    EXPECT_DOUBLE_EQ(ddc.capability.physical_capacity_kb, base.capability.physical_capacity_kb);
    EXPECT_DOUBLE_EQ(ddc.array_weight_density(), 2 * base.array_weight_density());
    EXPECT_EQ(ddc.capability.weight_capacity_kb, 128);  // 256 x 32 x 8 bits, twice
    // The Q-bar side's trees and accumulators cost area: the macro is larger.
    EXPECT_GT(ddc.area_mm2(), base.area_mm2());
    EXPECT_DOUBLE_EQ(ddc.capability.peak_tops, 2 * base.capability.peak_tops);
}

TEST(Cost, EnergyIsTheSumOfComponentsAndOfLayers) {
    host::SimResult r;
    r.macro = MacroParams{};
    host::LayerResult a, b;
    a.events.cell_products = 1000000;
    a.events.tree_evaluations = 512;
    a.events.host_ops = 77;
    a.cycles = 100;
    b.events.rows_written = 256;
    b.events.input_bits = 4096;
    b.events.output_values = 64;
    b.events.accumulator_updates = 640;
    b.cycles = 50;
    r.layers = {a, b};
    r.total_cycles = 150;  // one after the other
    host::apply_costs(r, tech());
    EXPECT_NEAR(r.energy_uj(), r.layers[0].energy_uj() + r.layers[1].energy_uj(), 1e-12);
    double sum = 0;
    for (auto& [name, v] : r.energy_pj) sum += v;
    EXPECT_DOUBLE_EQ(cost::total(r.energy_pj), sum);
    // Leakage grows with time: layer a ran twice as long over the same area.
    EXPECT_NEAR(component(r.layers[0].energy_pj, "leakage"), 2 * component(r.layers[1].energy_pj, "leakage"), 1e-9);
    EXPECT_DOUBLE_EQ(component(r.layers[0].energy_pj, "host"), 77 * tech().host_op);
    // Overlapped (a pipeline), the run leaks over its own time, not the layers' sum.
    r.total_cycles = 120;
    host::apply_costs(r, tech());
    EXPECT_NEAR(component(r.energy_pj, "leakage"),
                (component(r.layers[0].energy_pj, "leakage") + component(r.layers[1].energy_pj, "leakage")) * 120 / 150,
                1e-9);
    // Off-chip weights and the links are priced per bit.
    r.layers[1].events.offchip_bits = 1000;
    r.layers[1].events.link_bits = 10;
    host::apply_costs(r, tech());
    EXPECT_DOUBLE_EQ(component(r.energy_pj, "off-chip weights"), 1000 * tech().offchip_bit);
    EXPECT_DOUBLE_EQ(component(r.energy_pj, "links"), 10 * tech().link_bit);
}

TEST(Cost, TreeAdderBitsCountEveryLevel) {
    EXPECT_EQ(cost::tree_adder_bits(2), 1u);           // one 1-bit adder
    EXPECT_EQ(cost::tree_adder_bits(4), 2u * 1 + 2);   // two 1-bit, one 2-bit
    EXPECT_EQ(cost::tree_adder_bits(256), 128u + 64 * 2 + 32 * 3 + 16 * 4 + 8 * 5 + 4 * 6 + 2 * 7 + 8);
}

TEST(Cost, BadTechnologyFilesAreClearErrors) {
    test::TempDir d;
    test::write_text(d.file("t.yaml"), "node: x\narea_um2: {cell_6t: 1}\nenergy_pj: {}\n");
    try {
        cost::load_technology(d.file("t.yaml"));
        FAIL();
    } catch (const UserError& e) {
        EXPECT_NE(std::string(e.what()).find("cell_gate_per_side"), std::string::npos) << e.what();
    }
    test::write_text(d.file("u.yaml"), "node: x\ncolour: blue\n");
    EXPECT_THROW(cost::load_technology(d.file("u.yaml")), UserError);
}

TEST(Cost, SharedTreesHalveTheTreesAndTakeTwoCyclesPerBitOfAPairedTile) {
    MacroParams ddc, shared;
    shared.tree_sharing = true;
    const cost::Technology t = tech();
    EXPECT_DOUBLE_EQ(component(cost::macro_area(shared, t), "adder trees"),
                     component(cost::macro_area(ddc, t), "adder trees") / 2);
    // The same weights (capacity), half the peak MACs per cycle: the baseline's.
    EXPECT_DOUBLE_EQ(cost::capability(shared).weight_capacity_kb, cost::capability(ddc).weight_capacity_kb);
    EXPECT_DOUBLE_EQ(cost::capability(shared).peak_tops, cost::capability(ddc.as_baseline()).peak_tops);
    // A run of 4 MVMs on a tile with pairs: each input bit held two cycles, both sides summed; without pairs
    // one cycle and the Q side only.
    host::TileShape paired{macro::Mode::Pointwise, 256, 4, false, true}, single = paired;
    single.uses_qbar = false;
    const host::CommandCost a = host::run_cost(ddc, paired, 4), b = host::run_cost(shared, paired, 4),
                            c = host::run_cost(shared, single, 4);
    EXPECT_EQ(b.compute, 2 * a.compute);
    EXPECT_EQ(b.events.tree_evaluations, a.events.tree_evaluations);
    EXPECT_EQ(c.compute, a.compute);
    EXPECT_EQ(2 * c.events.tree_evaluations, a.events.tree_evaluations);
}
