// The dual-broadcast input driver. Vectors wait in the input buffer (filled by
// the host over TLM); the driver moves them over an input_bus_bits-wide bus
// into a shadow register while the active register drives compute, one input
// bit per cycle (LSB first), on two lanes:
//   lane A feeds the Q side; lane B feeds the Q-bar side.
//   Pointwise: B = A. Depthwise with dual_broadcast: B carries the partner
//   channel's own vector (lane B of the slot), when the command's partner_lane
//   bit says the tile holds pairs; a tile of unpaired channels loads lane A
//   only, as the baseline does. Without dual_broadcast (the baseline) only
//   lane A is driven: B = 0. Rows at or past rows_used get 0.
// A vector takes ceil(rows_used * Ba * lanes_loaded / input_bus_bits) bus
// cycles; loading the next vector overlaps the current one's Ba compute
// cycles (2 Ba with tree_sharing when the tile holds pairs: each bit is held
// while the shared trees sum one side, then the other), and a load slower
// than compute stalls it.
#pragma once

#include <systemc>

#include <vector>

#include "ddcpim/macro/commands.hpp"
#include "ddcpim/macro/frames.hpp"

namespace ddcpim::macro {

class InputDriver : public sc_core::sc_module {
public:
    sc_core::sc_in<bool> clk;
    sc_core::sc_in<RunCommand> run_command;
    sc_core::sc_out<const LaneFrame*> lanes;     // null when no compute this cycle
    sc_core::sc_out<uint64_t> vectors_issued;    // running total of vectors fully driven

    InputDriver(sc_core::sc_module_name name, const Geometry& g);

    // Input buffer: slot s, lane l (0 = A, 1 = B), row r at (s * 2 + l) * R + r;
    // one byte per value, the low Ba bits in two's complement.
    std::vector<uint8_t>& input_buffer() { return m_buffer; }
    int buffer_slots() const { return m_geo.params.buffer_vectors; }
    // Bus cycles to load one vector of a command.
    int load_cycles(const RunCommand& c) const;

    struct Stats {
        uint64_t compute_cycles = 0;  // cycles a lane frame was driven
        uint64_t bus_cycles = 0;      // cycles the input bus moved data
        uint64_t stall_cycles = 0;    // cycles of a run with nothing to drive (waiting for a load)
        uint64_t load_wait_cycles = 0;  // the part of stall_cycles before a run's first vector
        uint64_t vectors = 0;
        uint64_t bits_moved = 0;      // input bits carried by the bus into the shadow register
        uint64_t lane_a_bits = 0;     // bits driven on lane A (rows_used x Ba per vector)
        uint64_t ones_a = 0, ones_b = 0;  // of the bits driven on lane A and on lane B, the ones
    };
    const Stats& stats() const { return m_stats; }

private:
    struct Register {  // a vector as Ba bit-planes per lane
        bool full = false;
        std::vector<uint64_t> a, b;  // [bit][word]
    };
    void on_clock();
    void fill(Register& reg, int slot, const RunCommand& c);
    uint64_t transpose(const uint8_t* lane, int rows, int row_base, std::vector<uint64_t>& bits) const;

    const Geometry& m_geo;
    std::vector<uint8_t> m_buffer;
    Register m_active, m_shadow;
    FrameRing<LaneFrame> m_ring;
    RunCommand m_cmd;
    bool m_running = false;
    int m_bit = 0;             // next bit of the active vector
    int m_pass = 0;            // tree_sharing: 1 while the bit's first (Q) pass is summed
    int m_active_vector = -1;  // index within the command
    int m_next_load = 0;       // next vector to load
    int64_t m_load_progress = 0;  // bits moved for the vector being loaded
    int m_vectors_done = 0;
    Stats m_stats;
};

}  // namespace ddcpim::macro
