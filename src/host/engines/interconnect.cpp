#include "ddcpim/host/interconnect.hpp"

#include <string>

#include "ddcpim/host/system_plan.hpp"
#include "ddcpim/macro/register_map.hpp"

namespace ddcpim::host {

Interconnect::Interconnect(sc_core::sc_module_name name, int macros, const SystemParams& params,
                           sc_core::sc_time period)
    : sc_module(name), target("target"), to_memory("to_memory"), m_params(params), m_period(period) {
    for (int m = 0; m < macros; ++m)
        initiators.push_back(std::make_unique<tlm_utils::simple_initiator_socket<Interconnect>>(
            ("to_macro_" + std::to_string(m)).c_str()));
    target.register_b_transport(this, &Interconnect::b_transport);
    target.register_transport_dbg(this, &Interconnect::transport_dbg);
}

void Interconnect::b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
    const uint64_t addr = trans.get_address();
    const uint64_t m = addr >> kMacroSelectShift;
    const uint64_t local = addr & ((uint64_t(1) << kMacroSelectShift) - 1);
    if (m == kMemorySelect) {
        ++m_stats.transactions;
        trans.set_address(local);
        to_memory->b_transport(trans, delay);
        trans.set_address(addr);
        return;
    }
    if (m >= initiators.size()) {
        trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return;
    }
    ++m_stats.transactions;
    const auto region = macro::Region(local >> 32);
    if (region == macro::Region::InputBuffer || region == macro::Region::OutputBuffer) {
        m_stats.link_bytes += trans.get_data_length();
        delay += m_period * double(link_cycles(m_params, trans.get_data_length()));
    }
    trans.set_address(local);
    (*initiators[m])->b_transport(trans, delay);
    trans.set_address(addr);
}

unsigned Interconnect::transport_dbg(tlm::tlm_generic_payload& trans) {
    const uint64_t addr = trans.get_address();
    if (addr >> kMacroSelectShift != kMemorySelect) return 0;  // only the memory is filled this way
    trans.set_address(addr & ((uint64_t(1) << kMacroSelectShift) - 1));
    unsigned n = to_memory->transport_dbg(trans);
    trans.set_address(addr);
    return n;
}

}  // namespace ddcpim::host
