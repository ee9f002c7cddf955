// The off-chip weight memory (ARCHITECTURE section 8): a SystemC module with
// a TLM-2.0 target behind the interconnect. Every weight row written into a
// macro is read from here first. One channel serves one request at a time:
//  - a request is seen by the first clock edge that has not yet run its
//    arbitration (a read issued before an edge's posedge processes is seen by
//    that edge, one issued after them by the next);
//  - at an edge with the channel free, the oldest request seen is granted (the
//    lower macro on a tie); it holds the channel for ceil(bytes /
//    bytes_per_cycle) edges and its data is back `latency` edges after that;
//  - the initiator's b_transport returns when the data is back: at an edge,
//    before its posedge processes.
// Macros loading at once therefore share the bandwidth in turn. The backing
// store is filled with debug transport (zero time, growing as written).
#pragma once

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include <cstdint>
#include <set>
#include <tuple>
#include <vector>

#include "ddcpim/config/system_params.hpp"

namespace ddcpim::memory {

struct WeightMemoryStats {
    uint64_t requests = 0;
    uint64_t bytes_read = 0;
    uint64_t busy_cycles = 0;   // edges the channel was transferring
    uint64_t wait_cycles = 0;   // edges requests waited for the channel, summed
};

class WeightMemory : public sc_core::sc_module {
public:
    tlm_utils::simple_target_socket<WeightMemory> socket;
    sc_core::sc_in<bool> clk;

    WeightMemory(sc_core::sc_module_name name, const MemoryParams& params, sc_core::sc_time period);

    const WeightMemoryStats& stats() const { return m_stats; }

private:
    struct Request {
        uint64_t edge;
        int macro;
        uint64_t seq;
        sc_core::sc_event* granted;
        uint64_t* ready_edge;
        uint64_t bytes;
        bool operator<(const Request& o) const { return std::tie(edge, macro, seq) < std::tie(o.edge, o.macro, o.seq); }
    };

    void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
    unsigned transport_dbg(tlm::tlm_generic_payload& trans);
    void on_clock();
    uint64_t now_edge() const;

    MemoryParams m_params;
    sc_core::sc_time m_period;
    std::vector<uint8_t> m_store;
    std::set<Request> m_pending;
    int64_t m_last_edge = -1;     // the last edge whose arbitration has run
    uint64_t m_channel_free = 0;  // first edge the channel can grant again
    uint64_t m_seq = 0;
    WeightMemoryStats m_stats;
};

// Which macro a read is for: the arbitration's tie-break. A read without it
// counts as macro 0.
struct Requester : tlm::tlm_extension<Requester> {
    int macro = 0;
    explicit Requester(int m = 0) : macro(m) {}
    tlm::tlm_extension_base* clone() const override { return new Requester(macro); }
    void copy_from(const tlm::tlm_extension_base& e) override { macro = static_cast<const Requester&>(e).macro; }
};

}  // namespace ddcpim::memory
