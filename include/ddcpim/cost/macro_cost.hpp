// Area, energy and capability of a macro (docs/cost.md). Area is counted
// from the blocks' sizes; energy from events the clocked model counts, each
// priced by the technology file.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "ddcpim/config/macro_params.hpp"
#include "ddcpim/cost/technology.hpp"

namespace ddcpim::cost {

using Breakdown = std::vector<std::pair<std::string, double>>;  // component, value
double total(const Breakdown& b);
double component(const Breakdown& b, const std::string& name);  // its value; 0 when absent

// Events the simulation counted (summed over macros).
struct Events {
    uint64_t cell_products = 0;       // cell AND evaluations, both sides (adder trees' bit_ops)
    uint64_t tree_evaluations = 0;    // adder-tree sums (frames x bit-columns x sides)
    uint64_t accumulator_updates = 0; // shift-accumulator updates
    uint64_t corrections = 0;         // Q-bar correction adds
    uint64_t rows_written = 0;        // array rows written
    uint64_t input_bits = 0;          // bits moved input buffer -> driver
    uint64_t output_values = 0;       // 32-bit results read by the host
    uint64_t host_ops = 0;            // host element-wise operations
    uint64_t offchip_bits = 0;        // weight bits read from the off-chip memory
    uint64_t link_bits = 0;           // bits over the host-macro links (inputs in, results out)
    // Data-dependent events (issue 21): what the bits the macro sees make switch.
    uint64_t lane_a_bits = 0;         // input bits driven on lane A (vectors x rows_used x Ba)
    uint64_t input_ones_a = 0;        // of those, the ones (each charges lane A's row across the array)
    uint64_t input_ones_b = 0;        // ones driven on lane B (the Q-bar side's lane)
    uint64_t product_ones_q = 0;      // cell products that are 1 on the Q side (ones entering its trees)
    uint64_t product_ones_qbar = 0;   // and on the Q-bar side
    uint64_t write_toggles = 0;       // array bits written that changed value
    Events& operator+=(const Events& o);
    Events operator-(const Events& o) const;
    Events operator*(uint64_t k) const;  // k times the events
};

// What the data made switch, as fractions (docs/cost.md): of the bits driven on lane A, the ones
// (input_a), and on lane B over the same rows (input_b); of the cells of the driven rows on each
// side (lane A's bits x N x Bw), the products that were 1 (product_q, product_qbar); of the array
// bits written, those that changed (write_flip). 0 where nothing was driven or written.
struct Activity {
    double input_a = 0, input_b = 0, product_q = 0, product_qbar = 0, write_flip = 0;
};
Activity activity(const Events& e, const MacroParams& p);

// One macro, um^2 by component.
Breakdown macro_area(const MacroParams& p, const Technology& t);

// pJ by component for the events, plus leakage of `area_mm2` over `cycles`.
Breakdown energy(const Events& e, const MacroParams& p, const Technology& t, double area_mm2, uint64_t cycles);

struct Capability {
    double peak_tops = 0;              // 2 ops per MAC at the configured precision, all macros
    double peak_tops_1b = 0;           // normalised to 1-bit ops (x Bw x Ba), as the comparison data
    double weight_capacity_kb = 0;     // effective: a complementary pair counts as two weights
    double physical_capacity_kb = 0;   // bits of cells
};
Capability capability(const MacroParams& p);

// What a macro's datasheet describes: one MVM over the whole array in pointwise mode (every row and
// column in use, Ba frames), its inputs' bits 1 with probability input_density and its weights' bits
// with weight_density (expected counts), at the macro's clock and supply. The macro's own parts only:
// lanes, cell multipliers, trees, reconfigurable unit, accumulators and leakage; the input, output and
// staging buffers, writes and everything off the macro are left out, of energy and of area alike
// (docs/validation.md).
struct MvmFigures {
    Events events;
    Breakdown energy_pj;          // by component, one MVM
    double ops_1b = 0;            // 1-bit operations of the MVM: 2 x R x N x sides x Bw x Ba
    double energy_per_1b_op_fj = 0;
    Breakdown core_area_um2;      // the macro's area without its buffers
    double core_area_mm2 = 0;
    double tops_per_mm2_1b = 0;   // peak 1-bit TOPS over the core area
    double tops_per_w_1b = 0;
};
MvmFigures full_array_mvm(const MacroParams& p, const Technology& t, double input_density, double weight_density);

// Adder bits in one R-input popcount tree (sum over levels of adders x width).
uint64_t tree_adder_bits(int rows);

}  // namespace ddcpim::cost
