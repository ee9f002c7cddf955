// The output buffer: one slot of [side][column][segment] int32 per MVM. A run
// writes slot out_slot + vector, or adds to it when accumulating partial sums
// across row tiles. The host reads slots over TLM.
#pragma once

#include <systemc>

#include <vector>

#include "ddcpim/macro/commands.hpp"
#include "ddcpim/macro/frames.hpp"

namespace ddcpim::macro {

class OutputBuffer : public sc_core::sc_module {
public:
    sc_core::sc_in<bool> clk;
    sc_core::sc_in<RunCommand> run_command;
    sc_core::sc_in<const ResultFrame*> results;
    sc_core::sc_out<uint64_t> results_written;  // running total of slots written

    OutputBuffer(sc_core::sc_module_name name, const Geometry& g);

    // All slots, slot-major: slot s's value (side, column, segment) at
    // s * slot_values + Geometry::slot_index(side, column, segment).
    std::vector<int32_t>& values() { return m_values; }
    int32_t value(int slot, int side, int column, int segment) const {
        return m_values[size_t(slot) * m_geo.slot_values() + m_geo.slot_index(side, column, segment)];
    }

private:
    void on_clock();
    bool m_asleep = false;  // no result pending: waiting for one instead of the clock

    const Geometry& m_geo;
    std::vector<int32_t> m_values;
    uint64_t m_written = 0;
};

}  // namespace ddcpim::macro
