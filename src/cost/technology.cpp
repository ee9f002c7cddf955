#include "ddcpim/cost/technology.hpp"

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
    t.cell_product = num(e, "cell_product");
    t.adder_bit = num(e, "adder_bit");
    t.register_bit = num(e, "register_bit");
    t.sram_write_bit = num(e, "sram_write_bit");
    t.buffer_bit = num(e, "buffer_bit");
    t.host_op = num(e, "host_op");
    t.offchip_bit = num(e, "offchip_bit");
    t.link_bit = num(e, "link_bit");
    t.leakage_mw_per_mm2 = num(e, "leakage_mw_per_mm2");
    e.reject_unknown_keys();
    root.reject_unknown_keys();
    return t;
}

}  // namespace ddcpim::cost
