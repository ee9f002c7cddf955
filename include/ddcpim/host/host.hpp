// The host: a SystemC module with a TLM-2.0 initiator socket that runs a
// network on the macros, for one image or a stream of them. It carries out
// the system plan (system_plan.hpp): one worker thread per macro serves that
// macro's queue (so the macros overlap in simulated time, and with static
// placement the layers form a pipeline across images); per unit a worker
// reads the tile's rows from the off-chip weight memory and loads them
// (streamed tiles, and resident ones once), sends the input vectors in runs of
// buffer_vectors over the macro's link, starts each run, waits for the done
// line and reads the results back. The host's own thread does one task at a
// time: a MAC layer's partial sums, bias, requantisation and clamp once its
// units are back, or an element-wise layer, with the same code as the
// reference engine, charging ceil(operations / ops_per_cycle) cycles
// (docs/host.md).
#pragma once

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include <functional>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "ddcpim/host/mapping.hpp"
#include "ddcpim/host/schedule.hpp"
#include "ddcpim/host/sim_result.hpp"
#include "ddcpim/host/system_plan.hpp"
#include "ddcpim/macro/ddc_macro.hpp"
#include "ddcpim/network/network.hpp"

namespace ddcpim::host {

struct HostOptions {
    SystemOptions system;     // memory, residency, links, host ops per cycle, images
    bool verify = false;      // check every image's every MAC layer against the reference
    std::string dump_dir;     // write per-layer .npy dumps of image 0's simulated accumulators
    std::function<void(size_t done, size_t total)> progress;  // host tasks done of all images
};

class Host : public sc_core::sc_module {
public:
    tlm_utils::simple_initiator_socket<Host> socket;

    // `inputs` holds one image per options.system.images.
    Host(sc_core::sc_module_name name, const Network& net, const MacroParams& macro, const std::vector<Tensor>& inputs,
         std::vector<macro::DdcMacro*> macros, sc_core::sc_time period, HostOptions options, SimResult& result);
    ~Host() override;

    bool finished() const { return m_finished; }
    const sc_core::sc_event& finished_event() const { return m_finished_event; }

private:
    struct State;

    void main();
    void run();
    void worker(int m);
    void run_unit(int m, int image, const WorkUnit& u, bool last_of_item);
    void host_task(size_t image, size_t layer);
    sc_core::sc_time access(tlm::tlm_command cmd, uint64_t addr, void* data, unsigned len, int requester = -1);
    void write_reg(int m, uint32_t offset, uint32_t value);
    void sync_to(uint64_t edge);
    uint64_t now_edge() const;

    const Network& m_net;
    MacroParams m_macro;
    macro::Geometry m_geo;
    const std::vector<Tensor>& m_inputs;
    std::vector<macro::DdcMacro*> m_macros;
    sc_core::sc_time m_period;
    HostOptions m_options;
    SimResult& m_result;
    std::unique_ptr<State> m_state;
    bool m_finished = false;
    sc_core::sc_event m_finished_event;
};

}  // namespace ddcpim::host
