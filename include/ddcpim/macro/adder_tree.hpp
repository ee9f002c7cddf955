// The adder trees: one per physical bit-column per side, each summing the R
// cell products of its column, pipelined by adder_pipeline register stages
// (0: combinational, the sum is there in the cycle the lanes are driven). The
// tree exposes its taps at every segment_rows rows; the root is their sum. A
// frame carries what the reconfigurable unit's mode takes of them: the taps in
// depthwise mode, the roots in pointwise mode.
#pragma once

#include <systemc>

#include <deque>

#include "ddcpim/macro/frames.hpp"
#include "ddcpim/macro/sram_array.hpp"

namespace ddcpim::macro {

class AdderTree : public sc_core::sc_module {
public:
    sc_core::sc_in<bool> clk;
    sc_core::sc_in<const LaneFrame*> lanes;
    sc_core::sc_out<const TreeFrame*> sums;

    AdderTree(sc_core::sc_module_name name, const Geometry& g, const SramArray& cells);

    // The combinational part, exposed for tests and the benchmark's bound:
    // products and per-segment counts of one lane frame.
    void compute(const LaneFrame& in, TreeFrame& out) const;

    struct Stats {
        uint64_t frames = 0;     // lane frames summed
        uint64_t bit_ops = 0;    // cell products evaluated (both sides)
        uint64_t evaluations = 0;  // tree sums: bit-columns x sides summed, per frame
        uint64_t ones_q = 0;     // products that were 1, Q side (the ones entering the trees)
        uint64_t ones_qbar = 0;  // and Q-bar side
    };
    const Stats& stats() const { return m_stats; }

private:
    void on_clock();          // adder_pipeline >= 1
    void on_lanes_changed();  // adder_pipeline == 0
    void count(const TreeFrame& f);  // the frame's events into m_stats

    const Geometry& m_geo;
    const SramArray& m_cells;
    FrameRing<TreeFrame> m_ring;
    std::deque<const TreeFrame*> m_stages;  // the pipeline registers
    Stats m_stats;
};

}  // namespace ddcpim::macro
