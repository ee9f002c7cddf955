// The interconnect between the host and M macros: address bits 63..40 pick
// the macro, the rest goes to it unchanged (its own memory map).
#pragma once

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <memory>
#include <vector>

namespace ddcpim::host {

constexpr int kMacroSelectShift = 40;
inline uint64_t macro_address(int macro, uint64_t local) { return (uint64_t(macro) << kMacroSelectShift) | local; }

class Interconnect : public sc_core::sc_module {
public:
    tlm_utils::simple_target_socket<Interconnect> target;
    std::vector<std::unique_ptr<tlm_utils::simple_initiator_socket<Interconnect>>> initiators;

    Interconnect(sc_core::sc_module_name name, int macros);

    uint64_t transactions() const { return m_transactions; }

private:
    void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
    uint64_t m_transactions = 0;
};

}  // namespace ddcpim::host
