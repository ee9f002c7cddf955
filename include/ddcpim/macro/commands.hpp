// Commands the controller hands to the blocks, as sc_signal values. Each new
// command carries a new id, so a block sees it as a change even when the
// fields repeat.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

#include <systemc>

#include "ddcpim/macro/geometry.hpp"

namespace ddcpim::macro {

// Write rows [first_row, first_row + row_count) from the staging buffer into the array.
struct WriteCommand {
    uint32_t id = 0;
    int first_row = 0;
    int row_count = 0;
    bool operator==(const WriteCommand& o) const { return id == o.id && first_row == o.first_row && row_count == o.row_count; }
};

// Run `vectors` MVMs on input slots in_slot.. and put results in out_slot..
struct RunCommand {
    uint32_t id = 0;
    int vectors = 0;
    int in_slot = 0;
    int out_slot = 0;
    int rows_used = 0;
    int row_base = 0;  // vector element r drives array row row_base + r (tiles stacked in one array)
    Mode mode = Mode::Pointwise;
    bool input_signed = false;
    bool accumulate = false;
    bool partner_lane = false;  // depthwise with dual broadcast: load and drive lane B (partner channels)
    bool uses_qbar = false;     // the tile holds pairs on the Q-bar side (tree_sharing: two passes per bit)
    bool operator==(const RunCommand& o) const {
        return id == o.id && vectors == o.vectors && in_slot == o.in_slot && out_slot == o.out_slot &&
               rows_used == o.rows_used && row_base == o.row_base && mode == o.mode && input_signed == o.input_signed &&
               accumulate == o.accumulate && partner_lane == o.partner_lane &&
               uses_qbar == o.uses_qbar;
    }
};

inline std::ostream& operator<<(std::ostream& os, const WriteCommand& c) {
    return os << "write#" << c.id << "[" << c.first_row << "+" << c.row_count << "]";
}
inline std::ostream& operator<<(std::ostream& os, const RunCommand& c) {
    return os << "run#" << c.id << "[" << c.vectors << " from " << c.in_slot << "]";
}

// sc_in/sc_out need an sc_trace for what they carry. Commands are traced by
// their id; the waveform's real content comes from DdcMacro::trace.
inline void sc_trace(sc_core::sc_trace_file* tf, const WriteCommand& c, const std::string& name) {
    sc_core::sc_trace(tf, c.id, name + "_id");
}
inline void sc_trace(sc_core::sc_trace_file* tf, const RunCommand& c, const std::string& name) {
    sc_core::sc_trace(tf, c.id, name + "_id");
}

}  // namespace ddcpim::macro
