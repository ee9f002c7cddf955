// One simulated system: a clock, M macros behind an interconnect, and the
// host that runs the network on them. Several systems (DDC and baseline for
// --compare) can share one simulation; each counts its own cycles.
#pragma once

#include <systemc>

#include <memory>
#include <vector>

#include "ddcpim/host/host.hpp"
#include "ddcpim/host/interconnect.hpp"

namespace ddcpim::host {

class System : public sc_core::sc_module {
public:
    System(sc_core::sc_module_name name, const Network& net, const MacroParams& macro, const Tensor& input,
           HostOptions options, SimResult& result);

    sc_core::sc_clock clock;
    std::vector<std::unique_ptr<macro::DdcMacro>> macros;
    Interconnect bus;
    std::unique_ptr<Host> host;
};

// Runs the systems until every host has finished (SystemC elaborates once
// per process: build all systems first, then call this once).
void run_to_completion(const std::vector<System*>& systems);

}  // namespace ddcpim::host
