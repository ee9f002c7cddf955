#include "ddcpim/macro/ddc_macro.hpp"

#include <cstring>

namespace ddcpim::macro {

DdcMacro::DdcMacro(sc_core::sc_module_name name, const MacroParams& params, bool gated)
    : sc_module(name),
      socket("socket"),
      clk("clk"),
      m_geo(params),
      array("array", m_geo),
      driver("driver", m_geo),
      trees("trees", m_geo, array),
      reconfigurable("reconfigurable", m_geo),
      accumulators("accumulators", m_geo),
      outputs("outputs", m_geo),
      controller("controller", m_geo) {
    socket.register_b_transport(this, &DdcMacro::b_transport);
    auto block_clock = [&](sc_core::sc_in<bool>& port) {
        if (gated) port(m_gated_clk);
        else port(clk);
    };
    block_clock(array.clk);
    array.write_command(m_write_command);
    array.rows_written(m_rows_written);
    block_clock(driver.clk);
    driver.run_command(m_run_command);
    driver.lanes(m_lanes);
    driver.vectors_issued(m_vectors_issued);
    block_clock(trees.clk);
    trees.lanes(m_lanes);
    trees.sums(m_sums);
    reconfigurable.sums(m_sums);
    reconfigurable.columns(m_columns);
    block_clock(accumulators.clk);
    accumulators.columns(m_columns);
    accumulators.results(m_results);
    block_clock(outputs.clk);
    outputs.run_command(m_run_command);
    outputs.results(m_results);
    outputs.results_written(m_results_written);
    block_clock(controller.clk);
    controller.write_command(m_write_command);
    controller.run_command(m_run_command);
    controller.rows_written(m_rows_written);
    controller.results_written(m_results_written);
    controller.busy(m_busy);
    controller.done(m_done);
    controller.state(m_state);
    if (!gated) return;
    SC_HAS_PROCESS(DdcMacro);
    // No static sensitivity to the clock: an idle macro's gate waits for a command (next_trigger below),
    // so the clock's edges do not even look at it. With hundreds of mostly idle macros, a static
    // sensitivity made every edge walk all their gates.
    SC_METHOD(gate);
    sensitive << controller.command_event();
    dont_initialize();
}

void DdcMacro::gate() {
    if (clk.posedge()) {
        if (controller.is_busy()) m_drain = m_geo.params.adder_pipeline + 8;
        if (m_drain > 0) {
            --m_drain;
            m_gated_clk.write(true);
            next_trigger(clk.negedge_event());
        } else {
            next_trigger(controller.command_event());  // asleep until a command is written
        }
    } else if (clk.negedge()) {
        m_gated_clk.write(false);
        next_trigger(clk.posedge_event());
    } else {
        // Woken by a command: the next rising edge takes it (this one's, if it is still to come).
        next_trigger(clk.posedge_event());
    }
}

sc_core::sc_trace_file* open_vcd(const std::string& path) {
    std::string base = path;
    if (base.size() > 4 && base.compare(base.size() - 4, 4, ".vcd") == 0) base.resize(base.size() - 4);
    sc_core::sc_trace_file* tf = sc_core::sc_create_vcd_trace_file(base.c_str());
    tf->set_time_unit(1, sc_core::SC_PS);
    return tf;
}

void DdcMacro::trace(sc_core::sc_trace_file* tf) {
    sc_core::sc_trace(tf, clk, "clk");
    sc_core::sc_trace(tf, m_state, "controller_state");
    sc_core::sc_trace(tf, m_busy, "busy");
    sc_core::sc_trace(tf, m_done, "done");
    sc_core::sc_trace(tf, m_trace_lane_a, "lane_a_rows_0_63");
    sc_core::sc_trace(tf, m_trace_lane_b, "lane_b_rows_0_63");
    sc_core::sc_trace(tf, m_trace_tree_a, "tree_root_a_bitcol0");
    sc_core::sc_trace(tf, m_trace_tree_b, "tree_root_b_bitcol0");
    sc_core::sc_trace(tf, m_trace_acc_a, "acc_a_col0");
    sc_core::sc_trace(tf, m_trace_acc_b, "acc_b_col0");
    sc_core::sc_trace(tf, m_results_written, "mvms_done");
    // A tracing process only when traced, so untraced runs pay nothing. It
    // samples on the falling edge, when the rising edge's updates have settled.
    sc_core::sc_spawn_options opt;
    opt.spawn_method();
    opt.set_sensitivity(&clk.neg());
    opt.dont_initialize();
    sc_core::sc_spawn([this] { on_trace_clock(); }, "tracer", &opt);
}

void DdcMacro::on_trace_clock() {
    if (const LaneFrame* l = m_lanes.read()) {
        m_trace_lane_a.write(l->a[0]);
        m_trace_lane_b.write(l->b[0]);
    }
    if (const TreeFrame* t = m_sums.read()) {
        int ra = 0, rb = 0;
        for (int s = 0; s < t->taps; ++s)  // bit-column 0's root: its taps summed (the root alone in pointwise mode)
            ra += t->sum_a[size_t(s) * m_geo.bit_columns], rb += t->sum_b[size_t(s) * m_geo.bit_columns];
        m_trace_tree_a.write(ra);
        m_trace_tree_b.write(rb);
    }
    m_trace_acc_a.write(accumulators.accumulator(0, 0, 0));
    m_trace_acc_b.write(accumulators.accumulator(1, 0, 0));
}

tlm::tlm_response_status DdcMacro::access_register(tlm::tlm_generic_payload& trans) {
    uint32_t offset = uint32_t(trans.get_address() & 0xffffffffu);
    if (trans.get_data_length() != 4 || offset % 4 != 0) return tlm::TLM_BURST_ERROR_RESPONSE;
    uint32_t value = 0;
    // The counters come from the blocks that count them.
    auto counter = [&](uint32_t base, uint64_t v) -> bool {
        if (offset != base && offset != base + 4) return false;
        value = offset == base ? uint32_t(v) : uint32_t(v >> 32);
        return true;
    };
    if (trans.is_read()) {
        bool hit = counter(reg::CYCLES_BUSY, controller.busy_cycles()) ||
                   counter(reg::CYCLES_COMPUTE, driver.stats().compute_cycles) ||
                   counter(reg::CYCLES_WEIGHT_WRITE, array.stats().write_cycles) ||
                   counter(reg::CYCLES_INPUT_BUS, driver.stats().bus_cycles) ||
                   counter(reg::CYCLES_STALL, driver.stats().stall_cycles) ||
                   counter(reg::MVMS_DONE, m_results_written.read());
        if (!hit) {
            tlm::tlm_response_status s = controller.read_register(offset, value);
            if (s != tlm::TLM_OK_RESPONSE) return s;
        }
        std::memcpy(trans.get_data_ptr(), &value, 4);
        return tlm::TLM_OK_RESPONSE;
    }
    std::memcpy(&value, trans.get_data_ptr(), 4);
    return controller.write_register(offset, value);
}

void DdcMacro::b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time&) {
    trans.set_response_status(tlm::TLM_OK_RESPONSE);
    if (trans.get_command() == tlm::TLM_IGNORE_COMMAND) return;
    if (trans.get_byte_enable_ptr()) {
        trans.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
        return;
    }
    if (trans.get_streaming_width() < trans.get_data_length()) {
        trans.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
        return;
    }
    const uint64_t addr = trans.get_address();
    const uint32_t region = uint32_t(addr >> 32);
    const uint64_t offset = addr & 0xffffffffu, len = trans.get_data_length();
    if (region == uint32_t(Region::Registers)) {
        trans.set_response_status(access_register(trans));
        return;
    }
    uint8_t* mem = nullptr;
    switch (static_cast<Region>(region)) {
        case Region::WeightStaging: mem = array.staging().data(); break;
        case Region::ColumnMasks: mem = reconfigurable.used_masks().data(); break;
        case Region::InputBuffer: mem = driver.input_buffer().data(); break;
        case Region::OutputBuffer: mem = reinterpret_cast<uint8_t*>(outputs.values().data()); break;
        default:
            trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
            return;
    }
    if (offset + len > region_size(static_cast<Region>(region), m_geo)) {
        trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return;
    }
    if (trans.is_write() && static_cast<Region>(region) == Region::OutputBuffer) {
        trans.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
        return;
    }
    if (trans.is_read()) {
        std::memcpy(trans.get_data_ptr(), mem + offset, len);
        return;
    }
    std::memcpy(mem + offset, trans.get_data_ptr(), len);
    if (static_cast<Region>(region) == Region::ColumnMasks) reconfigurable.masks_written();
}

}  // namespace ddcpim::macro
