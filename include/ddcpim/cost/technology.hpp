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
    // Energy at the nominal supply, pJ per event; leakage in mW per mm^2.
    double lane_one_per_cell = 0, product_one = 0, adder_bit = 0, register_bit = 0, sram_write_bit = 0,
           sram_write_toggle_bit = 0, buffer_bit = 0, host_op = 0, offchip_bit = 0, link_bit = 0,
           leakage_mw_per_mm2 = 0;
    // Supply: nominal and threshold voltage, the alpha-power law's index, the clock limit at nominal.
    double nominal_v = 0, threshold_v = 0, alpha = 0, max_clock_mhz = 0;
    // Power gating (optional section): the time and energy (per mm^2 of macro) to wake a gated macro.
    bool has_power_gating = false;
    double wake_ns = 0, wake_pj_per_mm2 = 0;
    // A sleeping macro that holds resident weights keeps its array cells at the data-retention voltage:
    // they leak this fraction of their leakage (1 when the file does not say); the rest of it is off.
    double retention_leakage = 1;

    // The supply a macro runs at: its supply_v, or nominal when that is 0.
    double supply(double supply_v) const { return supply_v > 0 ? supply_v : nominal_v; }
    // Dynamic energy at supply v over nominal: (v / Vn)^2. Leakage power: v / Vn (first order).
    double dynamic_scale(double v) const { return (v / nominal_v) * (v / nominal_v); }
    double leakage_scale(double v) const { return v / nominal_v; }
    double leaking(double v) const { return leakage_mw_per_mm2 * leakage_scale(v); }  // mW per mm^2 at v
    // The clock limit at supply v, by the alpha-power law (Sakurai and Newton, JSSC 1990):
    // f ~ (v - Vt)^alpha / v, scaled from max_clock_mhz at nominal; 0 at or below the threshold.
    double max_clock_at(double v) const;
};

// Reads a technology file strictly (unknown or missing keys are errors).
Technology load_technology(const std::string& path);

}  // namespace ddcpim::cost
