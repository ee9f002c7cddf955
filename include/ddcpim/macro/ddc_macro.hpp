// The DDC-PIM macro: its blocks wired together behind one TLM-2.0 target
// socket that exposes the registers, the weight staging rows, the column
// masks, the input buffer and the output buffer (docs/memory-map.md).
//
//   host --TLM--> [controller] --write cmd--> [SRAM array: Q / Q-bar cells]
//                      |                          | (cells read in place)
//                      +--run cmd--> [input driver] --lanes A/B--> [cell multipliers + adder trees]
//                                                     --sums--> [reconfigurable unit]
//                                                     --columns--> [shift-accumulators]
//                                                     --results--> [output buffer]
#pragma once

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include "ddcpim/macro/adder_tree.hpp"
#include "ddcpim/macro/controller.hpp"
#include "ddcpim/macro/input_driver.hpp"
#include "ddcpim/macro/output_buffer.hpp"
#include "ddcpim/macro/reconfigurable_unit.hpp"
#include "ddcpim/macro/shift_accumulator.hpp"
#include "ddcpim/macro/sram_array.hpp"

namespace ddcpim::macro {

class DdcMacro : public sc_core::sc_module {
public:
    tlm_utils::simple_target_socket<DdcMacro> socket;
    sc_core::sc_in<bool> clk;

    // `gated`: the blocks see the clock only while the macro has work (see
    // m_gated_clk); the cycles are the same either way, only the simulation's
    // speed differs: a lone macro, busy most of the time, runs faster ungated.
    DdcMacro(sc_core::sc_module_name name, const MacroParams& params, bool gated = true);

    const Geometry& geometry() const { return m_geo; }
    const sc_core::sc_event& done_event() const { return controller.done_event(); }
    // Adds the controller state, busy/done, the first 64 rows of both lanes,
    // bit-column 0's tree sums, column 0's accumulators and the MVM count.
    void trace(sc_core::sc_trace_file* tf);

private:
    Geometry m_geo;

public:
    // The blocks, in pipeline order (public: tests and statistics read them).
    SramArray array;
    InputDriver driver;
    AdderTree trees;
    ReconfigurableUnit reconfigurable;
    ShiftAccumulator accumulators;
    OutputBuffer outputs;
    Controller controller;

private:
    void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
    tlm::tlm_response_status access_register(tlm::tlm_generic_payload& trans);
    void on_trace_clock();
    void gate();

    sc_core::sc_signal<WriteCommand> m_write_command{"write_command"};
    sc_core::sc_signal<RunCommand> m_run_command{"run_command"};
    sc_core::sc_signal<uint64_t> m_rows_written{"rows_written"};
    sc_core::sc_signal<uint64_t> m_results_written{"results_written"};
    sc_core::sc_signal<uint64_t> m_vectors_issued{"vectors_issued"};
    sc_core::sc_signal<const LaneFrame*> m_lanes{"lanes"};
    sc_core::sc_signal<const TreeFrame*> m_sums{"sums"};
    sc_core::sc_signal<const ColumnFrame*> m_columns{"columns"};
    sc_core::sc_signal<const ResultFrame*> m_results{"results"};
    sc_core::sc_signal<bool> m_busy{"busy"};
    sc_core::sc_signal<bool> m_done{"done"};
    sc_core::sc_signal<int> m_state{"state"};
    // The blocks' clock: the system clock while a command is pending or in
    // progress and a few edges after (the pipeline settles), low otherwise, so
    // an idle macro costs the simulation nothing. Its edges come one delta
    // after the system clock's, for every block alike.
    sc_core::sc_signal<bool> m_gated_clk{"gated_clk"};
    int m_drain = 0;

    // Scalar views for waveform tracing, updated only when tracing.
    sc_core::sc_signal<sc_dt::sc_uint<64>> m_trace_lane_a{"trace_lane_a"}, m_trace_lane_b{"trace_lane_b"};
    sc_core::sc_signal<int> m_trace_tree_a{"trace_tree_a"}, m_trace_tree_b{"trace_tree_b"};
    sc_core::sc_signal<sc_dt::int64> m_trace_acc_a{"trace_acc_a"}, m_trace_acc_b{"trace_acc_b"};
};

// Opens a VCD file at `path` (SystemC appends ".vcd" itself, so a trailing
// ".vcd" is taken off first) with a 1 ps time unit.
sc_core::sc_trace_file* open_vcd(const std::string& path);

}  // namespace ddcpim::macro
