// The interconnect between the host, the M macros and the off-chip weight
// memory: address bits 63..40 pick the target (a macro's index, or
// kMemorySelect for the memory), the rest goes to it unchanged (its own
// memory map). Each macro has its own link to the host: a transfer into its
// input buffer or out of its output buffer takes ceil(bytes /
// link_bytes_per_cycle) cycles, annotated on the transaction's delay; other
// accesses (registers, weight staging, masks) are not charged here (weights
// are charged by the memory they come from).
#pragma once

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <memory>
#include <vector>

#include "ddcpim/config/system_params.hpp"

namespace ddcpim::host {

constexpr int kMacroSelectShift = 40;
constexpr uint64_t kMemorySelect = (uint64_t(1) << 24) - 1;
inline uint64_t macro_address(int macro, uint64_t local) { return (uint64_t(macro) << kMacroSelectShift) | local; }
inline uint64_t memory_address(uint64_t offset) { return (kMemorySelect << kMacroSelectShift) | offset; }

struct InterconnectStats {
    uint64_t transactions = 0;
    uint64_t link_bytes = 0;  // input and result bytes over the host-macro links
};

class Interconnect : public sc_core::sc_module {
public:
    tlm_utils::simple_target_socket<Interconnect> target;
    std::vector<std::unique_ptr<tlm_utils::simple_initiator_socket<Interconnect>>> initiators;
    tlm_utils::simple_initiator_socket<Interconnect> to_memory;

    Interconnect(sc_core::sc_module_name name, int macros, const SystemParams& params, sc_core::sc_time period);

    uint64_t transactions() const { return m_stats.transactions; }
    const InterconnectStats& stats() const { return m_stats; }

private:
    void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
    unsigned transport_dbg(tlm::tlm_generic_payload& trans);
    SystemParams m_params;
    sc_core::sc_time m_period;
    InterconnectStats m_stats;
};

}  // namespace ddcpim::host
