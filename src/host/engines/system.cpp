#include "ddcpim/host/system.hpp"

#include <string>

namespace ddcpim::host {

namespace {
std::vector<macro::DdcMacro*> raw(const std::vector<std::unique_ptr<macro::DdcMacro>>& v) {
    std::vector<macro::DdcMacro*> r;
    for (auto& m : v) r.push_back(m.get());
    return r;
}

// Stops the simulation once every host is done.
class Stopper : public sc_core::sc_module {
public:
    Stopper(sc_core::sc_module_name n, std::vector<System*> systems) : sc_module(n), m_systems(std::move(systems)) {
        SC_HAS_PROCESS(Stopper);
        SC_THREAD(run);
    }

private:
    void run() {
        for (System* s : m_systems)
            if (!s->host->finished()) sc_core::wait(s->host->finished_event());
        sc_core::sc_stop();
    }
    std::vector<System*> m_systems;
};
}  // namespace

System::System(sc_core::sc_module_name name, const Network& net, const MacroParams& macro,
               const std::vector<Tensor>& inputs, HostOptions options, SimResult& result)
    : sc_module(name),
      clock("clock", sc_core::sc_time(1000.0 / macro.clock_mhz, sc_core::SC_NS)),
      weights("weights", options.system.memory, clock.period()),
      bus("bus", macro.macros, options.system.system, clock.period()) {
    weights.clk(clock);
    bus.to_memory.bind(weights.socket);
    for (int m = 0; m < macro.macros; ++m) {
        // One macro is busy most of the time: gating its clock would only cost time.
        macros.push_back(std::make_unique<macro::DdcMacro>(("macro_" + std::to_string(m)).c_str(), macro, macro.macros > 1));
        macros.back()->clk(clock);
        bus.initiators[size_t(m)]->bind(macros.back()->socket);
    }
    host = std::make_unique<Host>("host", net, macro, inputs, raw(macros), clock.period(), std::move(options), result);
    host->socket.bind(bus.target);
}

void run_to_completion(const std::vector<System*>& systems) {
    sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
    Stopper stopper("stopper", systems);
    sc_core::sc_start();
}

}  // namespace ddcpim::host
