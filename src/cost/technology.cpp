#include "ddcpim/cost/technology.hpp"

#include <cmath>

#include <fmt/format.h>

#include "ddcpim/config/strict_node.hpp"

namespace ddcpim::cost {

Technology load_technology(const std::string& path) {
    StrictNode root(load_yaml_file(path), path);
    root.expect_map();
    Technology t;
    t.path = path;
    t.node = root.require_string("node");
    StrictNode a = root.child("area_um2");
    a.expect_map();
    auto num = [](const StrictNode& n, const char* key) { return n.child(key).as_double(0, 1e12); };
    t.cell_6t = num(a, "cell_6t");
    t.cell_gate_per_side = num(a, "cell_gate_per_side");
    t.adder_bit_area = num(a, "adder_bit");
    t.register_bit_area = num(a, "register_bit");
    t.driver_per_row_lane = num(a, "driver_per_row_lane");
    t.buffer_bit_area = num(a, "buffer_bit");
    t.controller = num(a, "controller");
    a.reject_unknown_keys();
    StrictNode e = root.child("energy_pj");
    e.expect_map();
    t.lane_one_per_cell = num(e, "lane_one_per_cell");
    t.product_one = num(e, "product_one");
    t.adder_bit = num(e, "adder_bit");
    t.register_bit = num(e, "register_bit");
    t.sram_write_bit = num(e, "sram_write_bit");
    t.sram_write_toggle_bit = num(e, "sram_write_toggle_bit");
    t.buffer_bit = num(e, "buffer_bit");
    t.host_op = num(e, "host_op");
    t.offchip_bit = num(e, "offchip_bit");
    t.link_bit = num(e, "link_bit");
    t.leakage_mw_per_mm2 = num(e, "leakage_mw_per_mm2");
    e.reject_unknown_keys();
    StrictNode s = root.child("supply");
    s.expect_map();
    t.nominal_v = s.child("nominal_v").as_double(0.05, 5);
    t.threshold_v = s.child("threshold_v").as_double(0, 5);
    t.alpha = s.child("alpha").as_double(1, 2);
    t.max_clock_mhz = s.child("max_clock_mhz").as_double(1e-3, 1e6);
    if (t.threshold_v >= t.nominal_v)
        throw UserError(s.child("threshold_v").location(),
                        fmt::format("expected a threshold below nominal_v ({} V), got {} V", t.nominal_v, t.threshold_v));
    s.reject_unknown_keys();
    if (auto g = root.optional_child("power_gating")) {
        g->expect_map();
        t.has_power_gating = true;
        t.wake_ns = g->child("wake_ns").as_double(0, 1e9);
        t.wake_pj_per_mm2 = g->child("wake_pj_per_mm2").as_double(0, 1e12);
        if (auto r = g->optional_child("retention_leakage")) t.retention_leakage = r->as_double(0, 1);
        g->reject_unknown_keys();
    }
    root.reject_unknown_keys();
    return t;
}

double Technology::max_clock_at(double v) const {
    if (v <= threshold_v) return 0;
    auto speed = [&](double u) { return std::pow(u - threshold_v, alpha) / u; };
    return max_clock_mhz * speed(v) / speed(nominal_v);
}

}  // namespace ddcpim::cost
