#include "ddcpim/macro/output_buffer.hpp"

namespace ddcpim::macro {

OutputBuffer::OutputBuffer(sc_core::sc_module_name name, const Geometry& g)
    : sc_module(name),
      clk("clk"),
      run_command("run_command"),
      results("results"),
      results_written("results_written"),
      m_geo(g),
      m_values(size_t(g.params.buffer_vectors) * g.slot_values(), 0) {
    SC_HAS_PROCESS(OutputBuffer);
    SC_METHOD(on_clock);
    sensitive << clk.pos();
    dont_initialize();
}

void OutputBuffer::on_clock() {
    // Woken by the accumulators' results: stored at the next edge, as a clocked register that looked at
    // every edge would (the static sensitivity, the clock, is back after this activation).
    if (m_asleep) {
        m_asleep = false;
        return;
    }
    const ResultFrame* r = results.read();
    if (!r) {
        // No result this cycle: asleep until one comes (one a vector, every Ba cycles or more), not run at
        // every edge.
        m_asleep = true;
        next_trigger(results.value_changed_event());
        return;
    }
    const RunCommand& c = run_command.read();
    int32_t* slot = &m_values[size_t(c.out_slot + r->vector) * m_geo.slot_values()];
    const int S = m_geo.out_segments(r->mode);
    for (int side = 0; side < 2; ++side)
        for (int col = 0; col < m_geo.columns; ++col)
            for (int s = 0; s < S; ++s) {
                int i = m_geo.slot_index(side, col, s);
                // A 32-bit adder: partial sums wrap like the hardware's would.
                slot[i] = c.accumulate ? int32_t(uint32_t(slot[i]) + uint32_t(r->values[size_t(i)])) : r->values[size_t(i)];
            }
    results_written.write(++m_written);
}

}  // namespace ddcpim::macro
