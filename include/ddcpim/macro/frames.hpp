// What flows between the blocks each cycle. A producer owns a small ring of
// frames (its output registers) and puts a pointer to the current one on an
// sc_signal; null means "no valid data this cycle". Pointers keep a cycle's
// traffic (kilobytes of bit-planes and sums) free of copies and compares.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include <systemc>

#include "ddcpim/macro/geometry.hpp"

namespace ddcpim::macro {

// Which MVM and which input bit a frame belongs to.
struct FrameTag {
    int vector = 0;        // index within the running command
    int bit = 0;           // input bit t, LSB first
    bool last_bit = false;  // t == Ba - 1
    bool input_signed = false;
    Mode mode = Mode::Pointwise;
    bool qbar = true;       // the Q-bar side is summed for this frame (complementary; with tree_sharing, a tile with pairs)
};

// Driver -> cell multipliers / adder trees: one bit of every row on each lane.
struct LaneFrame {
    FrameTag tag;
    std::vector<uint64_t> a;  // lane A (feeds Q), words of R bits
    std::vector<uint64_t> b;  // lane B (feeds Q-bar)
};

// Adder trees -> reconfigurable unit: per side and bit-column, the number of
// rows whose product bit is 1, at the taps the unit's mode takes: every
// segment's tap in depthwise mode, the root alone in pointwise mode (the unit
// passes on nothing else, so nothing else is summed). Lane B travels along
// (delay matched) for the reconfigurable unit's correction.
struct TreeFrame {
    FrameTag tag;
    int taps = 1;                // segments the sums hold: Geometry::out_segments(tag.mode)
    std::vector<int32_t> sum_a;  // [tap][bit_column]
    std::vector<int32_t> sum_b;
    std::vector<uint64_t> lane_b;
    uint64_t ones_a = 0, ones_b = 0;  // the products that were 1 on each side: the sums' totals, for the energy
};

// Reconfigurable unit -> shift-accumulators: per side, per bit-column, per
// output segment (1 in pointwise mode: the tree roots), and per weight column
// and segment the correction for Q-bar rows the column leaves unused.
struct ColumnFrame {
    FrameTag tag;
    int out_segments = 1;
    // Each side's sums, [out_segment][bit_column]: the tree frame's own, which the unit passes on without
    // copying kilobytes a cycle. The tree's ring holds adder_pipeline + 2 frames, so the frame is not rewritten
    // before the shift-accumulators take it at the next edge.
    const int32_t* sum_a = nullptr;
    const int32_t* sum_b = nullptr;
    std::vector<int32_t> correction;  // [column][out_segment], added to side B
    // The side's sums are all 0 (no product was 1: a bit-plane of zeros is common in small activations): the
    // shift-accumulators skip it, as adding zeros would change nothing.
    bool zero_a = false, zero_b = false;
};

// Shift-accumulators -> output buffer: the finished dot products of one MVM.
struct ResultFrame {
    int vector = 0;
    Mode mode = Mode::Pointwise;
    std::vector<int32_t> values;  // [segment][side][column] (Geometry::slot_index)
};

// A ring of frames: the producer's output registers.
template <typename Frame>
class FrameRing {
public:
    explicit FrameRing(size_t size = 4) : m_frames(size) {}
    Frame& next() {
        m_pos = (m_pos + 1) % m_frames.size();
        return m_frames[m_pos];
    }
    std::vector<Frame>& all() { return m_frames; }

private:
    std::vector<Frame> m_frames;
    size_t m_pos = 0;
};

// sc_signal<T*> prints its value; these keep a trace or a dump readable.
inline std::ostream& operator<<(std::ostream& os, const FrameTag& t) {
    return os << "v" << t.vector << "b" << t.bit;
}

// Frame pointers are not traced (DdcMacro::trace shows their content).
template <typename Frame>
void sc_trace(sc_core::sc_trace_file*, const Frame* const&, const std::string&) {}

}  // namespace ddcpim::macro
