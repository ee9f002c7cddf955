// A testbench for the macro: a clock, the macro, and an initiator that drives
// its TLM socket from a script thread. Plus helpers that lay weights and
// inputs out as the memory map says (docs/memory-map.md).
//
// SystemC elaborates once per process, so each scenario runs in a child
// process: run_in_child() forks, runs the body, and returns the failures the
// body reported (empty when it passed).
#pragma once

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include <functional>
#include <string>
#include <vector>

#include "ddcpim/macro/ddc_macro.hpp"

namespace ddcpim::test {

std::string run_in_child(const std::function<std::string()>& body);

class MacroBench : public sc_core::sc_module {
public:
    sc_core::sc_clock clock;
    macro::DdcMacro macro;
    tlm_utils::simple_initiator_socket<MacroBench> socket;

    MacroBench(sc_core::sc_module_name name, const MacroParams& params, std::function<void(MacroBench&)> script);

    // From the script thread.
    tlm::tlm_response_status transport(tlm::tlm_command cmd, uint64_t addr, void* data, unsigned len,
                                       unsigned streaming_width = 0, unsigned char* byte_enable = nullptr);
    void write_reg(uint32_t offset, uint32_t value);
    uint32_t read_reg(uint32_t offset);
    uint64_t read_counter(uint32_t offset);
    // Writes COMMAND and waits for the macro to finish; returns the clock
    // cycles that passed.
    uint64_t command_and_wait(uint32_t command);
    uint64_t cycle() const;  // whole clock periods since time 0

    // weights[r][j]: Bw-bit weight of row r, column j (its Q side).
    void stage_weights(const std::vector<std::vector<int>>& weights);
    uint64_t load_weights(int first_row, int rows);  // cycles
    void set_used_mask(int column, const std::vector<bool>& used);
    void put_input(int slot, int lane, const std::vector<int>& values);  // values in Ba bits
    int32_t output(int slot, int side, int column, int segment);

    std::string failures;  // what the script found wrong
    void expect(bool ok, const std::string& what) {
        if (ok) return;
        if (++m_failure_count <= 20) failures += what + "\n";
        else if (m_failure_count == 21) failures += "(more failures not shown)\n";
    }

private:
    void run();
    std::function<void(MacroBench&)> m_script;
    int m_failure_count = 0;
};

// Runs `script` on a fresh bench with `params` until it returns; returns the
// failures. Call inside run_in_child.
std::string simulate(const MacroParams& params, const std::function<void(MacroBench&)>& script,
                     const std::string& vcd = "");

}  // namespace ddcpim::test

namespace ddcpim::test {

// Runs `script` as a SystemC thread until it returns, then stops. For block
// tests that wire a block to their own signals before calling it.
void run_script(const std::function<void()>& script);

}  // namespace ddcpim::test
