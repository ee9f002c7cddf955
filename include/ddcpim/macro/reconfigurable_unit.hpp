// The reconfigurable unit between the adder trees and the shift-accumulators.
//  - Pointwise mode: takes each tree's root (the sum of its segment taps).
//  - Depthwise mode: keeps each segment's tap, so every segment_rows rows
//    give their own sum; and, on the Q-bar side, corrects for rows a column
//    leaves unused: such a row holds Q = 0, so its Q-bar cells hold all ones,
//    a weight of -1 that would subtract the row's lane-B input. A small adder
//    per column and segment adds back popcount(lane B & ~used) each cycle,
//    which makes the Q-bar result exactly the dot product with ~W over the
//    used rows (ARCHITECTURE section 5). `used` masks are written by the host.
// Combinational: its output is there in the cycle its input is.
#pragma once

#include <systemc>

#include <vector>

#include "ddcpim/macro/frames.hpp"

namespace ddcpim::macro {

class ReconfigurableUnit : public sc_core::sc_module {
public:
    sc_core::sc_in<const TreeFrame*> sums;
    sc_core::sc_out<const ColumnFrame*> columns;

    ReconfigurableUnit(sc_core::sc_module_name name, const Geometry& g);

    // Column c's used-row mask: ceil(R / 8) bytes, bit r = 1 when the column
    // uses row r. All ones after reset (no correction). Whoever writes the
    // bytes calls masks_written() (the TLM target does), so the unit unpacks
    // them once rather than checking them every cycle.
    std::vector<uint8_t>& used_masks() { return m_mask_bytes; }
    void masks_written() { m_masks_dirty = true; }
    void compute(const TreeFrame& in, ColumnFrame& out);

    struct Stats {
        uint64_t frames = 0;
        uint64_t corrections = 0;  // correction adds (columns x segments x cycles)
    };
    const Stats& stats() const { return m_stats; }

private:
    void on_sums_changed();
    void unpack_masks();

    const Geometry& m_geo;
    std::vector<uint8_t> m_mask_bytes;     // [column][mask_bytes], as the host wrote them
    std::vector<uint64_t> m_unused;        // [column][word]: ~used, rows < R only
    bool m_masks_dirty = true;             // m_unused is stale
    // Two frames: the one the shift-accumulators take at the next edge and the one being made (the unit is
    // combinational; a smaller ring keeps many macros' frames in cache).
    FrameRing<ColumnFrame> m_ring{2};
    Stats m_stats;
};

}  // namespace ddcpim::macro
