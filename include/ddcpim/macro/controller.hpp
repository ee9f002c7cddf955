// The controller: the control registers, and the state machine that runs a
// command. A COMMAND write (over TLM) is taken at the next clock; the
// controller hands it to the array's write port (load) or to the driver and
// the pipeline behind it (run), and is done when the array has written the
// rows or the output buffer has the run's results.
#pragma once

#include <systemc>
#include <tlm>

#include <cstdint>
#include <map>

#include "ddcpim/macro/commands.hpp"
#include "ddcpim/macro/register_map.hpp"

namespace ddcpim::macro {

class Controller : public sc_core::sc_module {
public:
    enum class State : int { Idle = 0, Loading = 1, Running = 2 };

    sc_core::sc_in<bool> clk;
    sc_core::sc_out<WriteCommand> write_command;
    sc_core::sc_out<RunCommand> run_command;
    sc_core::sc_in<uint64_t> rows_written;     // from the array
    sc_core::sc_in<uint64_t> results_written;  // from the output buffer
    sc_core::sc_out<bool> busy;
    sc_core::sc_out<bool> done;                // high once a command finished, until the next starts
    sc_core::sc_out<int> state;

    Controller(sc_core::sc_module_name name, const Geometry& g);

    // Register access for the control registers (not the counters); returns
    // the TLM response status.
    tlm::tlm_response_status read_register(uint32_t offset, uint32_t& value) const;
    tlm::tlm_response_status write_register(uint32_t offset, uint32_t value);

    const sc_core::sc_event& done_event() const { return m_done_event; }
    // Notified (immediately) when a command is accepted: wakes a gated clock.
    const sc_core::sc_event& command_event() const { return m_command_event; }
    uint64_t busy_cycles() const { return m_busy_cycles; }
    bool is_busy() const { return m_pending != 0 || m_state != State::Idle; }

private:
    void on_clock();
    bool command_valid(uint32_t command) const;
    uint32_t reg(uint32_t offset) const { return m_regs.at(offset); }

    const Geometry& m_geo;
    std::map<uint32_t, uint32_t> m_regs;  // control registers' values
    uint32_t m_pending = 0;               // command written, not yet taken
    WriteCommand m_pending_write;         // its arguments, latched when it was checked
    RunCommand m_pending_run;
    bool m_error = false;
    bool m_done = false;
    State m_state = State::Idle;
    uint32_t m_command_id = 0;
    uint64_t m_target = 0;
    uint64_t m_busy_cycles = 0;
    sc_core::sc_event m_done_event;
    sc_core::sc_event m_command_event;
};

}  // namespace ddcpim::macro
