// The host: a SystemC module with a TLM-2.0 initiator socket that runs a
// network on the macros. For each MAC layer it maps tiles (mapping.hpp),
// plans which macro runs which of them (schedule.hpp), starts one worker
// thread per macro to carry out its part (so M macros overlap in simulated
// time), and per tile writes the weight rows, the column masks,
// the input vectors in batches of buffer_vectors, starts the runs, waits for
// the macro's done line, and reads the results back. It then adds the
// partial sums, applies bias, requantisation and clamping, and runs the
// element-wise layers, with the same code as the reference engine, charging
// ceil(operations / ops_per_cycle) cycles (docs/host.md).
#pragma once

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ddcpim/host/mapping.hpp"
#include "ddcpim/host/schedule.hpp"
#include "ddcpim/host/sim_result.hpp"
#include "ddcpim/macro/ddc_macro.hpp"
#include "ddcpim/network/network.hpp"

namespace ddcpim::host {

struct HostOptions {
    int ops_per_cycle = 16;   // element-wise operations per host cycle
    bool verify = false;      // check every MAC layer's accumulators against the reference
    std::string dump_dir;     // write per-layer .npy dumps of the simulated accumulators
    std::function<void(size_t layer, size_t layers)> progress;
};

class Host : public sc_core::sc_module {
public:
    tlm_utils::simple_initiator_socket<Host> socket;

    Host(sc_core::sc_module_name name, const Network& net, const MacroParams& macro, const Tensor& input,
         std::vector<macro::DdcMacro*> macros, sc_core::sc_time period, HostOptions options, SimResult& result);

    bool finished() const { return m_finished; }
    const sc_core::sc_event& finished_event() const { return m_finished_event; }

private:
    struct LayerJob;

    void main();
    void run_network();
    void run_mac_layer(size_t index, const Tensor& in, Tensor& out, LayerResult& r, std::vector<int32_t>& acc32);
    void worker(int m, LayerJob& job);
    void access(tlm::tlm_command cmd, uint64_t addr, void* data, unsigned len);
    void write_reg(int m, uint32_t offset, uint32_t value);
    void host_work(uint64_t operations, LayerResult& r);

    const Network& m_net;
    MacroParams m_macro;
    macro::Geometry m_geo;
    const Tensor& m_input;
    std::vector<macro::DdcMacro*> m_macros;
    sc_core::sc_time m_period;
    HostOptions m_options;
    SimResult& m_result;
    bool m_finished = false;
    uint64_t m_values_read = 0;  // results read back during the current layer
    sc_core::sc_event m_finished_event;
};

}  // namespace ddcpim::host
