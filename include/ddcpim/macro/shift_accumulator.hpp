// The shift-accumulators, per weight column, per side, per output segment.
// Each cycle they combine the column's Bw bit-column sums with weights 2^k
// (the MSB's negative: two's complement weights) and add the result, shifted
// by the input bit t (LSB first; for signed input the MSB's weight is -2^t),
// to the accumulator. On the last input bit the MVM's dot products go out.
#pragma once

#include <systemc>

#include <vector>

#include "ddcpim/macro/frames.hpp"

namespace ddcpim::macro {

class ShiftAccumulator : public sc_core::sc_module {
public:
    sc_core::sc_in<bool> clk;
    sc_core::sc_in<const ColumnFrame*> columns;
    sc_core::sc_out<const ResultFrame*> results;  // valid for one cycle per MVM

    ShiftAccumulator(sc_core::sc_module_name name, const Geometry& g);

    // Accumulator of (side, column, segment), for tests and tracing.
    int64_t accumulator(int side, int column, int segment) const {
        return m_acc[size_t(m_geo.slot_index(side, column, segment))];
    }
    struct Stats {
        uint64_t frames = 0;
        uint64_t results = 0;
        uint64_t updates = 0;  // accumulator updates (side x column x segment per frame)
    };
    const Stats& stats() const { return m_stats; }

private:
    void on_clock();

    const Geometry& m_geo;
    std::vector<int64_t> m_acc;  // [side][column][segment]
    std::vector<int32_t> m_bit_weight;  // 2^k, the MSB's negative
    std::vector<int32_t> m_words;       // [column]: one segment's weighted sums, this cycle
    FrameRing<ResultFrame> m_ring;
    Stats m_stats;
};

}  // namespace ddcpim::macro
