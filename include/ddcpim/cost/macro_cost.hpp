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
    Events& operator+=(const Events& o);
    Events operator-(const Events& o) const;
};

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

// Adder bits in one R-input popcount tree (sum over levels of adders x width).
uint64_t tree_adder_bits(int rows);

}  // namespace ddcpim::cost
