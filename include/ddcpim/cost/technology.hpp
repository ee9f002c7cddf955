// A technology file (configs/tech/<node>.yaml): the area of each block's
// unit and the energy of each event the simulator counts (docs/cost.md).
#pragma once

#include <string>

namespace ddcpim::cost {

struct Technology {
    std::string node;
    std::string path;
    // Area, um^2.
    double cell_6t = 0, cell_gate_per_side = 0, adder_bit_area = 0, register_bit_area = 0,
           driver_per_row_lane = 0, buffer_bit_area = 0, controller = 0;
    // Energy, pJ per event; leakage in mW per mm^2.
    double cell_product = 0, adder_bit = 0, register_bit = 0, sram_write_bit = 0, buffer_bit = 0, host_op = 0,
           offchip_bit = 0, link_bit = 0, leakage_mw_per_mm2 = 0;
};

// Reads a technology file strictly (unknown or missing keys are errors).
Technology load_technology(const std::string& path);

}  // namespace ddcpim::cost
