// One simulated system: a clock, M macros and the off-chip weight memory
// behind an interconnect, and the host that runs the network on them.
// Several systems (DDC and baseline for --compare) can share one simulation;
// each counts its own cycles.
#pragma once

#include <systemc>

#include <memory>
#include <vector>

#include "ddcpim/host/host.hpp"
#include "ddcpim/host/interconnect.hpp"
#include "ddcpim/memory/weight_memory.hpp"

namespace ddcpim::host {

class System : public sc_core::sc_module {
public:
    // `inputs`: one image per options.system.images.
    System(sc_core::sc_module_name name, const Network& net, const MacroParams& macro, const std::vector<Tensor>& inputs,
           HostOptions options, SimResult& result);

    sc_core::sc_clock clock;
    std::vector<std::unique_ptr<macro::DdcMacro>> macros;
    memory::WeightMemory weights;
    Interconnect bus;
    std::unique_ptr<Host> host;
};

// Runs the systems until every host has finished (SystemC elaborates once
// per process: build all systems first, then call this once).
void run_to_completion(const std::vector<System*>& systems);

}  // namespace ddcpim::host
