#include "ddcpim/macro/controller.hpp"

namespace ddcpim::macro {

Controller::Controller(sc_core::sc_module_name name, const Geometry& g)
    : sc_module(name),
      clk("clk"),
      write_command("write_command"),
      run_command("run_command"),
      rows_written("rows_written"),
      results_written("results_written"),
      busy("busy"),
      done("done"),
      state("state"),
      m_geo(g) {
    const MacroParams& p = g.params;
    for (const auto& d : register_decls()) m_regs[d.offset] = d.reset;
    m_regs[reg::ROWS] = uint32_t(p.rows);
    m_regs[reg::COLUMNS] = uint32_t(p.weight_columns);
    m_regs[reg::WEIGHT_BITS] = uint32_t(p.weight_bits);
    m_regs[reg::INPUT_BITS] = uint32_t(p.input_bits);
    m_regs[reg::SEGMENT_ROWS] = uint32_t(p.segment_rows);
    m_regs[reg::FEATURES] = (p.complementary ? 1u : 0u) | (p.dual_broadcast ? 2u : 0u);
    m_regs[reg::BUFFER_VECTORS] = uint32_t(p.buffer_vectors);
    m_regs[reg::ROWS_USED] = uint32_t(p.rows);
    SC_HAS_PROCESS(Controller);
    SC_METHOD(on_clock);
    sensitive << clk.pos();
    dont_initialize();
}

tlm::tlm_response_status Controller::read_register(uint32_t offset, uint32_t& value) const {
    auto it = m_regs.find(offset);
    if (it == m_regs.end()) return tlm::TLM_ADDRESS_ERROR_RESPONSE;
    if (offset == reg::COMMAND) {
        value = 0;  // write-only
        return tlm::TLM_OK_RESPONSE;
    }
    if (offset == reg::STATUS) {
        value = (is_busy() ? kStatusBusy : 0) | (m_done ? kStatusDone : 0) | (m_error ? kStatusError : 0);
        return tlm::TLM_OK_RESPONSE;
    }
    value = it->second;
    return tlm::TLM_OK_RESPONSE;
}

bool Controller::command_valid(uint32_t command) const {
    const int slots = m_geo.params.buffer_vectors;
    if (command == kCommandLoadWeights)
        return uint64_t(reg(reg::WEIGHT_FIRST_ROW)) + reg(reg::WEIGHT_ROW_COUNT) <= uint64_t(m_geo.rows);
    if (command == kCommandRun) {
        uint32_t n = reg(reg::VECTOR_COUNT);
        return n >= 1 && uint64_t(reg(reg::INPUT_SLOT)) + n <= uint64_t(slots) &&
               uint64_t(reg(reg::OUTPUT_SLOT)) + n <= uint64_t(slots) && uint64_t(reg(reg::ROW_BASE)) + reg(reg::ROWS_USED) <= uint64_t(m_geo.rows) &&
               reg(reg::MODE) <= 7;
    }
    return false;
}

tlm::tlm_response_status Controller::write_register(uint32_t offset, uint32_t value) {
    auto it = m_regs.find(offset);
    if (it == m_regs.end()) return tlm::TLM_ADDRESS_ERROR_RESPONSE;
    for (const auto& d : register_decls())
        if (d.offset == offset && d.access == Access::RO) return tlm::TLM_COMMAND_ERROR_RESPONSE;
    if (offset != reg::COMMAND) {
        it->second = value;
        return tlm::TLM_OK_RESPONSE;
    }
    if (is_busy() || !command_valid(value)) {
        m_error = true;
        return tlm::TLM_GENERIC_ERROR_RESPONSE;
    }
    // Latch the arguments now: a register write before the next clock must
    // not change a command that was checked.
    m_pending = value;
    m_pending_write = {0, int(reg(reg::WEIGHT_FIRST_ROW)), int(reg(reg::WEIGHT_ROW_COUNT))};
    m_pending_run.vectors = int(reg(reg::VECTOR_COUNT));
    m_pending_run.in_slot = int(reg(reg::INPUT_SLOT));
    m_pending_run.out_slot = int(reg(reg::OUTPUT_SLOT));
    m_pending_run.rows_used = int(reg(reg::ROWS_USED));
    m_pending_run.row_base = int(reg(reg::ROW_BASE));
    m_pending_run.mode = (reg(reg::MODE) & 1) ? Mode::Depthwise : Mode::Pointwise;
    m_pending_run.partner_lane = (reg(reg::MODE) & 2) != 0;
    m_pending_run.uses_qbar = (reg(reg::MODE) & 4) != 0;
    m_pending_run.input_signed = reg(reg::INPUT_SIGNED) != 0;
    m_pending_run.accumulate = reg(reg::ACCUMULATE) != 0;
    m_error = false;
    m_command_event.notify();
    return tlm::TLM_OK_RESPONSE;
}

void Controller::on_clock() {
    if (m_state == State::Idle && m_pending) {
        ++m_command_id;
        if (m_pending == kCommandLoadWeights) {
            WriteCommand c = m_pending_write;
            c.id = m_command_id;
            write_command.write(c);
            m_target = rows_written.read() + uint64_t(c.row_count);
            m_state = State::Loading;
        } else {
            RunCommand c = m_pending_run;
            c.id = m_command_id;
            run_command.write(c);
            m_target = results_written.read() + uint64_t(c.vectors);
            m_state = State::Running;
        }
        m_pending = 0;
        m_done = false;
        done.write(false);
        busy.write(true);
    }
    if (m_state == State::Idle) return;
    ++m_busy_cycles;
    uint64_t progress = m_state == State::Loading ? rows_written.read() : results_written.read();
    if (progress >= m_target) {
        m_state = State::Idle;
        m_done = true;
        busy.write(false);
        done.write(true);
        m_done_event.notify(sc_core::SC_ZERO_TIME);
    }
    state.write(static_cast<int>(m_state));
}

}  // namespace ddcpim::macro
