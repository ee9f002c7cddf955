#include "ddcpim/memory/weight_memory.hpp"

#include <cmath>
#include <cstring>

#include "ddcpim/common/error.hpp"

namespace ddcpim::memory {

WeightMemory::WeightMemory(sc_core::sc_module_name name, const MemoryParams& params, sc_core::sc_time period)
    : sc_module(name), socket("socket"), clk("clk"), m_params(params), m_period(period) {
    socket.register_b_transport(this, &WeightMemory::b_transport);
    socket.register_transport_dbg(this, &WeightMemory::transport_dbg);
    SC_HAS_PROCESS(WeightMemory);
    SC_METHOD(on_clock);
    sensitive << clk.pos();
    dont_initialize();
}

uint64_t WeightMemory::now_edge() const {
    const double e = sc_core::sc_time_stamp() / m_period;
    const uint64_t edge = uint64_t(e + 0.5);
    // The host acts on clock edges only (docs/host.md); anything else is a bug.
    DDCPIM_ASSERT(std::abs(e - double(edge)) < 1e-6);
    return edge;
}

unsigned WeightMemory::transport_dbg(tlm::tlm_generic_payload& t) {
    const uint64_t a = t.get_address(), n = t.get_data_length();
    // Filling the store before (or during) the run grows it as needed.
    if (t.is_write() && a + n > m_store.size() && a + n <= (uint64_t(1) << 40)) m_store.resize(a + n, 0);
    if (a > m_store.size() || n > m_store.size() - a) return 0;
    if (t.is_write()) std::memcpy(&m_store[a], t.get_data_ptr(), n);
    else std::memcpy(t.get_data_ptr(), &m_store[a], n);
    return unsigned(n);
}

void WeightMemory::b_transport(tlm::tlm_generic_payload& t, sc_core::sc_time& delay) {
    const uint64_t a = t.get_address(), n = t.get_data_length();
    if (a > m_store.size() || n > m_store.size() - a || n == 0) {
        t.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return;
    }
    if (!t.is_read()) {  // weights are written before the run, by debug transport
        t.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
        return;
    }
    // Annotated time first: the request is made at the end of it.
    if (delay != sc_core::SC_ZERO_TIME) {
        sc_core::wait(delay);
        delay = sc_core::SC_ZERO_TIME;
    }
    const Requester* who = t.get_extension<Requester>();
    const uint64_t now = now_edge();
    sc_core::sc_event granted;
    uint64_t ready = 0;
    // Seen by this edge unless its arbitration has already run.
    const uint64_t seen = int64_t(now) > m_last_edge ? now : now + 1;
    m_pending.insert({seen, who ? who->macro : 0, m_seq++, &granted, &ready, n});
    sc_core::wait(granted);
    sc_core::wait(m_period * double(ready - now_edge()));
    std::memcpy(t.get_data_ptr(), &m_store[a], n);
    ++m_stats.requests;
    m_stats.bytes_read += n;
    t.set_response_status(tlm::TLM_OK_RESPONSE);
}

void WeightMemory::on_clock() {
    const uint64_t edge = now_edge();
    m_last_edge = int64_t(edge);
    if (m_pending.empty() || m_channel_free > edge) return;
    const Request r = *m_pending.begin();
    m_pending.erase(m_pending.begin());
    const uint64_t beats = (r.bytes + uint64_t(m_params.bytes_per_cycle) - 1) / uint64_t(m_params.bytes_per_cycle);
    m_channel_free = edge + beats;
    m_stats.busy_cycles += beats;
    m_stats.wait_cycles += edge - r.edge;
    *r.ready_edge = edge + uint64_t(m_params.latency) + beats;
    r.granted->notify();
}

}  // namespace ddcpim::memory
