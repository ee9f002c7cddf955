#include "ddcpim/cost/macro_cost.hpp"

#include <algorithm>
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

double component(const Breakdown& b, const std::string& name) {
    for (auto& [n, v] : b)
        if (n == name) return v;
    return 0;
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
    lane_a_bits += o.lane_a_bits;
    input_ones_a += o.input_ones_a;
    input_ones_b += o.input_ones_b;
    product_ones_q += o.product_ones_q;
    product_ones_qbar += o.product_ones_qbar;
    write_toggles += o.write_toggles;
    return *this;
}

Events Events::operator*(uint64_t k) const {
    Events e;
    e.cell_products = cell_products * k;
    e.tree_evaluations = tree_evaluations * k;
    e.accumulator_updates = accumulator_updates * k;
    e.corrections = corrections * k;
    e.rows_written = rows_written * k;
    e.input_bits = input_bits * k;
    e.output_values = output_values * k;
    e.host_ops = host_ops * k;
    e.offchip_bits = offchip_bits * k;
    e.link_bits = link_bits * k;
    e.lane_a_bits = lane_a_bits * k;
    e.input_ones_a = input_ones_a * k;
    e.input_ones_b = input_ones_b * k;
    e.product_ones_q = product_ones_q * k;
    e.product_ones_qbar = product_ones_qbar * k;
    e.write_toggles = write_toggles * k;
    return e;
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
    d.lane_a_bits = lane_a_bits - o.lane_a_bits;
    d.input_ones_a = input_ones_a - o.input_ones_a;
    d.input_ones_b = input_ones_b - o.input_ones_b;
    d.product_ones_q = product_ones_q - o.product_ones_q;
    d.product_ones_qbar = product_ones_qbar - o.product_ones_qbar;
    d.write_toggles = write_toggles - o.write_toggles;
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

Activity activity(const Events& e, const MacroParams& p) {
    auto frac = [](double a, double b) { return b > 0 ? a / b : 0.0; };
    const double cells = double(e.lane_a_bits) * p.weight_columns * p.weight_bits;
    Activity a;
    a.input_a = frac(double(e.input_ones_a), double(e.lane_a_bits));
    a.input_b = frac(double(e.input_ones_b), double(e.lane_a_bits));
    a.product_q = frac(double(e.product_ones_q), cells);
    a.product_qbar = frac(double(e.product_ones_qbar), cells);
    a.write_flip = frac(double(e.write_toggles), double(e.rows_written) * p.weight_columns * p.weight_bits);
    return a;
}

Breakdown macro_area(const MacroParams& p, const Technology& t) {
    const double R = p.rows, N = p.weight_columns, bw = p.weight_bits, ba = p.input_bits;
    const double sides = p.complementary ? 2 : 1, lanes = p.dual_broadcast ? 2 : 1;
    const double segments = double(p.rows / p.segment_rows), bitcols = N * bw;
    const double tree_width = log2_ceil(p.rows) + 1;
    // With tree_sharing one tree per bit-column serves both sides, through a 2:1 multiplexer per
    // cell pair (about an AND gate's area, E).
    const double trees = p.tree_sharing ? 1 : sides;
    Breakdown b;
    b.emplace_back("array cells", R * bitcols * t.cell_6t);
    b.emplace_back("cell multipliers", R * bitcols * (sides + (p.tree_sharing ? 1 : 0)) * t.cell_gate_per_side);
    b.emplace_back("adder trees", trees * bitcols *
                                      (double(tree_adder_bits(p.rows)) * t.adder_bit_area +
                                       p.adder_pipeline * tree_width * t.register_bit_area));
    // Taps at every segment, and (with Q-bar) a correction adder and a
    // used-row mask per column and segment.
    double reconf = trees * bitcols * segments * tree_width * t.register_bit_area;
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
    const double tree_width = log2_ceil(p.rows) + 1, levels = log2_ceil(p.rows);
    const double cells_per_lane = double(p.weight_columns) * p.weight_bits;  // a row's bit-columns, one side
    // The macro's energies follow its supply (docs/cost.md); the off-chip memory's does not.
    const double v = t.supply(p.supply_v), dyn = t.dynamic_scale(v);
    Breakdown b;
    // A one driven on a lane charges the row's gate load across the array's bit-columns on its side.
    b.emplace_back("input lanes", dyn * double(e.input_ones_a + e.input_ones_b) * cells_per_lane * t.lane_one_per_cell);
    b.emplace_back("cell multipliers", dyn * double(e.product_ones_q + e.product_ones_qbar) * t.product_one);
    // A tree's adders switch with the ones entering it: each ripples through its log2 R levels. Its
    // pipeline registers are clocked on every evaluation whatever the data.
    b.emplace_back("adder trees", dyn * (double(e.product_ones_q + e.product_ones_qbar) * levels * t.adder_bit +
                                         double(e.tree_evaluations) * p.adder_pipeline * tree_width * t.register_bit));
    b.emplace_back("correction", dyn * double(e.corrections) * (log2_ceil(p.segment_rows) + 1) * t.adder_bit);
    b.emplace_back("shift-accumulators", dyn * double(e.accumulator_updates) *
                                             (kAccumulatorBits * (t.adder_bit + t.register_bit) +
                                              p.weight_bits * tree_width * t.adder_bit));
    b.emplace_back("weight writes", dyn * (double(e.rows_written) * cells_per_lane * t.sram_write_bit +
                                           double(e.write_toggles) * t.sram_write_toggle_bit));
    b.emplace_back("input moves", dyn * double(e.input_bits) * (t.buffer_bit + t.register_bit));
    b.emplace_back("output reads", dyn * double(e.output_values) * kAccumulatorBits * t.buffer_bit);
    b.emplace_back("host", dyn * double(e.host_ops) * t.host_op);
    b.emplace_back("off-chip weights", double(e.offchip_bits) * t.offchip_bit);
    b.emplace_back("links", dyn * double(e.link_bits) * t.link_bit);
    // mW x s = mJ; cycles / f(MHz) = us: mW x us = nJ = 1000 pJ.
    b.emplace_back("leakage", t.leaking(v) * area_mm2 * (double(cycles) / p.clock_mhz) * 1000.0);
    return b;
}

MvmFigures full_array_mvm(const MacroParams& p, const Technology& t, double input_density, double weight_density) {
    const double R = p.rows, N = p.weight_columns, bw = p.weight_bits, ba = p.input_bits;
    const double sides = p.complementary ? 2 : 1, side_bits = N * bw;
    const double passes = p.tree_sharing && p.complementary ? 2 : 1;  // shared trees: one side, then the other
    MvmFigures f;
    Events& e = f.events;
    const double ones_a = R * ba * input_density;
    e.lane_a_bits = uint64_t(R * ba);
    e.input_bits = uint64_t(R * ba);
    e.input_ones_a = uint64_t(std::llround(ones_a));
    // Pointwise mode: lane B repeats lane A whenever Q-bar computes; Q-bar holds the complement.
    e.input_ones_b = p.complementary ? e.input_ones_a : 0;
    e.product_ones_q = uint64_t(std::llround(ones_a * side_bits * weight_density));
    e.product_ones_qbar = p.complementary ? uint64_t(std::llround(ones_a * side_bits * (1 - weight_density))) : 0;
    e.cell_products = uint64_t(ba * R * side_bits * sides);
    e.tree_evaluations = uint64_t(ba * side_bits * sides);
    e.accumulator_updates = uint64_t(ba * sides * N);
    const double area_all = total(macro_area(p, t)) / 1e6;
    const Breakdown all = energy(e, p, t, area_all, uint64_t(ba * passes));
    static const std::vector<std::string> outside = {"input moves", "output reads", "weight writes", "host",
                                                     "off-chip weights", "links", "leakage",
                                                     "input buffer", "output buffer", "weight staging"};
    auto inside = [&](const std::string& name) { return std::find(outside.begin(), outside.end(), name) == outside.end(); };
    for (const auto& [name, um2] : macro_area(p, t))
        if (inside(name)) f.core_area_um2.emplace_back(name, um2);
    f.core_area_mm2 = total(f.core_area_um2) / 1e6;
    for (const auto& [name, pj] : all)
        if (inside(name)) f.energy_pj.emplace_back(name, pj);
    // The core leaks over the MVM's cycles.
    f.energy_pj.emplace_back("leakage",
                             t.leaking(t.supply(p.supply_v)) * f.core_area_mm2 * (ba * passes / p.clock_mhz) * 1000.0);
    f.ops_1b = 2 * R * N * sides * bw * ba;
    f.energy_per_1b_op_fj = total(f.energy_pj) * 1000.0 / f.ops_1b;
    f.tops_per_w_1b = f.energy_per_1b_op_fj > 0 ? 1000.0 / f.energy_per_1b_op_fj : 0;
    const double peak_1b = 2 * R * N * sides * bw * p.clock_mhz * 1e6 / 1e12 / passes;  // one macro
    f.tops_per_mm2_1b = f.core_area_mm2 > 0 ? peak_1b / f.core_area_mm2 : 0;
    return f;
}

Capability capability(const MacroParams& p) {
    Capability c;
    // Q-bar doubles the MACs of a cycle (pointwise mode drives both sides; depthwise needs dual broadcast too).
    const double sides = p.complementary ? 2 : 1;
    // Shared trees sum the two sides in turn: two cycles per input bit.
    const double passes = p.tree_sharing && p.complementary ? 2 : 1;
    const double macs_per_cycle = double(p.rows) * p.weight_columns * sides / (p.input_bits * passes);
    c.peak_tops = 2 * macs_per_cycle * p.clock_mhz * 1e6 * p.macros / 1e12;
    c.peak_tops_1b = c.peak_tops * p.weight_bits * p.input_bits;
    c.physical_capacity_kb = double(p.rows) * p.weight_columns * p.weight_bits * p.macros / 1024.0;
    c.weight_capacity_kb = c.physical_capacity_kb * (p.complementary ? 2 : 1);
    return c;
}

}  // namespace ddcpim::cost
