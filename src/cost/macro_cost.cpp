#include "ddcpim/cost/macro_cost.hpp"

#include <cmath>

namespace ddcpim::cost {

namespace {
int log2_ceil(int v) {
    int l = 0;
    while ((1 << l) < v) ++l;
    return l;
}
constexpr int kAccumulatorBits = 32;
}  // namespace

double total(const Breakdown& b) {
    double s = 0;
    for (auto& [name, v] : b) s += v;
    return s;
}

Events& Events::operator+=(const Events& o) {
    cell_products += o.cell_products;
    tree_evaluations += o.tree_evaluations;
    accumulator_updates += o.accumulator_updates;
    corrections += o.corrections;
    rows_written += o.rows_written;
    input_bits += o.input_bits;
    output_values += o.output_values;
    host_ops += o.host_ops;
    offchip_bits += o.offchip_bits;
    link_bits += o.link_bits;
    return *this;
}

Events Events::operator-(const Events& o) const {
    Events d;
    d.cell_products = cell_products - o.cell_products;
    d.tree_evaluations = tree_evaluations - o.tree_evaluations;
    d.accumulator_updates = accumulator_updates - o.accumulator_updates;
    d.corrections = corrections - o.corrections;
    d.rows_written = rows_written - o.rows_written;
    d.input_bits = input_bits - o.input_bits;
    d.output_values = output_values - o.output_values;
    d.host_ops = host_ops - o.host_ops;
    d.offchip_bits = offchip_bits - o.offchip_bits;
    d.link_bits = link_bits - o.link_bits;
    return d;
}

uint64_t tree_adder_bits(int rows) {
    // Level l adds pairs of (l)-bit sums into (l + 1)-bit ones: ceil(R / 2^l) adders of l + 1 bits.
    uint64_t bits = 0;
    for (int l = 1, n = rows; n > 1; ++l) {
        n = (n + 1) / 2;
        bits += uint64_t(n) * uint64_t(l);
    }
    return bits;
}

Breakdown macro_area(const MacroParams& p, const Technology& t) {
    const double R = p.rows, N = p.weight_columns, bw = p.weight_bits, ba = p.input_bits;
    const double sides = p.complementary ? 2 : 1, lanes = p.dual_broadcast ? 2 : 1;
    const double segments = double(p.rows / p.segment_rows), bitcols = N * bw;
    const double tree_width = log2_ceil(p.rows) + 1;
    Breakdown b;
    b.emplace_back("array cells", R * bitcols * t.cell_6t);
    b.emplace_back("cell multipliers", R * bitcols * sides * t.cell_gate_per_side);
    b.emplace_back("adder trees", sides * bitcols *
                                      (double(tree_adder_bits(p.rows)) * t.adder_bit_area +
                                       p.adder_pipeline * tree_width * t.register_bit_area));
    // Taps at every segment, and (with Q-bar) a correction adder and a
    // used-row mask per column and segment.
    double reconf = sides * bitcols * segments * tree_width * t.register_bit_area;
    if (p.complementary)
        reconf += N * segments * (log2_ceil(p.segment_rows) + 1) * t.adder_bit_area + N * R * t.buffer_bit_area;
    b.emplace_back("reconfigurable unit", reconf);
    b.emplace_back("shift-accumulators", sides * N * segments *
                                             (kAccumulatorBits * (t.register_bit_area + t.adder_bit_area) +
                                              bw * tree_width * t.adder_bit_area));
    b.emplace_back("input drivers", R * lanes * (t.driver_per_row_lane + 2 * ba * t.register_bit_area));
    b.emplace_back("input buffer", p.buffer_vectors * lanes * R * 8 * t.buffer_bit_area);
    b.emplace_back("output buffer", p.buffer_vectors * sides * N * segments * kAccumulatorBits * t.buffer_bit_area);
    b.emplace_back("weight staging", R * bitcols * t.buffer_bit_area);
    b.emplace_back("controller", t.controller);
    return b;
}

Breakdown energy(const Events& e, const MacroParams& p, const Technology& t, double area_mm2, uint64_t cycles) {
    const double tree_width = log2_ceil(p.rows) + 1;
    Breakdown b;
    b.emplace_back("cell multipliers", double(e.cell_products) * t.cell_product);
    b.emplace_back("adder trees", double(e.tree_evaluations) *
                                      (double(tree_adder_bits(p.rows)) * t.adder_bit +
                                       p.adder_pipeline * tree_width * t.register_bit));
    b.emplace_back("correction", double(e.corrections) * (log2_ceil(p.segment_rows) + 1) * t.adder_bit);
    b.emplace_back("shift-accumulators", double(e.accumulator_updates) *
                                             (kAccumulatorBits * (t.adder_bit + t.register_bit) +
                                              p.weight_bits * tree_width * t.adder_bit));
    b.emplace_back("weight writes", double(e.rows_written) * p.weight_columns * p.weight_bits * t.sram_write_bit);
    b.emplace_back("input moves", double(e.input_bits) * (t.buffer_bit + t.register_bit));
    b.emplace_back("output reads", double(e.output_values) * kAccumulatorBits * t.buffer_bit);
    b.emplace_back("host", double(e.host_ops) * t.host_op);
    b.emplace_back("off-chip weights", double(e.offchip_bits) * t.offchip_bit);
    b.emplace_back("links", double(e.link_bits) * t.link_bit);
    // mW x s = mJ; cycles / f(MHz) = us: mW x us = nJ = 1000 pJ.
    b.emplace_back("leakage", t.leakage_mw_per_mm2 * area_mm2 * (double(cycles) / p.clock_mhz) * 1000.0);
    return b;
}

Capability capability(const MacroParams& p) {
    Capability c;
    // Q-bar doubles the MACs of a cycle (pointwise mode drives both sides; depthwise needs dual broadcast too).
    const double sides = p.complementary ? 2 : 1;
    const double macs_per_cycle = double(p.rows) * p.weight_columns * sides / p.input_bits;
    c.peak_tops = 2 * macs_per_cycle * p.clock_mhz * 1e6 * p.macros / 1e12;
    c.peak_tops_1b = c.peak_tops * p.weight_bits * p.input_bits;
    c.physical_capacity_kb = double(p.rows) * p.weight_columns * p.weight_bits * p.macros / 1024.0;
    c.weight_capacity_kb = c.physical_capacity_kb * (p.complementary ? 2 : 1);
    return c;
}

}  // namespace ddcpim::cost
