#include "ddcpim/host/interconnect.hpp"

#include <string>

namespace ddcpim::host {

Interconnect::Interconnect(sc_core::sc_module_name name, int macros) : sc_module(name), target("target") {
    for (int m = 0; m < macros; ++m)
        initiators.push_back(std::make_unique<tlm_utils::simple_initiator_socket<Interconnect>>(
            ("to_macro_" + std::to_string(m)).c_str()));
    target.register_b_transport(this, &Interconnect::b_transport);
}

void Interconnect::b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
    const uint64_t addr = trans.get_address();
    const uint64_t m = addr >> kMacroSelectShift;
    if (m >= initiators.size()) {
        trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return;
    }
    ++m_transactions;
    trans.set_address(addr & ((uint64_t(1) << kMacroSelectShift) - 1));
    (*initiators[m])->b_transport(trans, delay);
    trans.set_address(addr);
}

}  // namespace ddcpim::host
