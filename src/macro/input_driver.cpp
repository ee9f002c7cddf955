#include "ddcpim/macro/input_driver.hpp"

namespace ddcpim::macro {

InputDriver::InputDriver(sc_core::sc_module_name name, const Geometry& g)
    : sc_module(name),
      clk("clk"),
      run_command("run_command"),
      lanes("lanes"),
      vectors_issued("vectors_issued"),
      m_geo(g),
      m_buffer(size_t(g.params.buffer_vectors) * 2 * g.rows, 0) {
    for (auto& f : m_ring.all()) f.a.assign(size_t(g.words), 0), f.b.assign(size_t(g.words), 0);
    for (Register* r : {&m_active, &m_shadow})
        r->a.assign(size_t(g.input_bits) * g.words, 0), r->b.assign(size_t(g.input_bits) * g.words, 0);
    SC_HAS_PROCESS(InputDriver);
    SC_METHOD(on_clock);
    sensitive << clk.pos();
    dont_initialize();
}

int InputDriver::load_cycles(const RunCommand& c) const {
    bool two_lanes = c.mode == Mode::Depthwise && m_geo.dual_broadcast && c.partner_lane;
    int64_t bits = int64_t(c.rows_used) * m_geo.input_bits * (two_lanes ? 2 : 1);
    int bus = m_geo.params.input_bus_bits;
    return static_cast<int>(std::max<int64_t>(1, (bits + bus - 1) / bus));
}

void InputDriver::fill(Register& reg, int slot, const RunCommand& c) {
    const int ba = m_geo.input_bits, words = m_geo.words;
    std::fill(reg.a.begin(), reg.a.end(), 0);
    std::fill(reg.b.begin(), reg.b.end(), 0);
    const uint8_t* lane_a = &m_buffer[size_t(slot) * 2 * m_geo.rows];
    const uint8_t* lane_b = lane_a + m_geo.rows;
    // Lane B: the partner's vector (depthwise, with dual broadcast), the same
    // as lane A (pointwise mode, whenever Q-bar is in use: both sides of a
    // cell see its wordline), or nothing.
    // With shared trees, a tile without pairs has no Q-bar pass, so lane B stays low.
    const bool drive_b = c.mode == Mode::Depthwise ? m_geo.dual_broadcast && c.partner_lane
                                                   : (m_geo.dual_broadcast || m_geo.complementary) &&
                                                         (!m_geo.params.tree_sharing || c.uses_qbar);
    const uint8_t* source_b = c.mode == Mode::Depthwise ? lane_b : lane_a;
    // Every vector loaded is driven once, bit by bit: its ones are counted here, where they are known.
    const unsigned mask = (1u << ba) - 1;
    m_stats.lane_a_bits += uint64_t(c.rows_used) * uint64_t(ba);
    for (int r = 0; r < c.rows_used; ++r) {
        m_stats.ones_a += uint64_t(__builtin_popcount(lane_a[r] & mask));
        if (drive_b) m_stats.ones_b += uint64_t(__builtin_popcount(source_b[r] & mask));
    }
    // Branch-free: an input bit is as likely 0 as 1, which a branch per bit would mispredict.
    auto transpose = [&](const uint8_t* lane, std::vector<uint64_t>& bits) {
        for (int r = 0; r < c.rows_used; ++r) {
            const int row = c.row_base + r;
            const int shift = row % 64;
            uint64_t* word = &bits[size_t(row / 64)];
            const unsigned v = lane[r];
            for (int t = 0; t < ba; ++t) word[size_t(t) * words] |= uint64_t((v >> t) & 1) << shift;
        }
    };
    transpose(lane_a, reg.a);
    if (drive_b) transpose(source_b, reg.b);
    reg.full = true;
}

void InputDriver::on_clock() {
    const RunCommand& c = run_command.read();
    if (c.id != m_cmd.id) {  // a new command
        m_cmd = c;
        m_running = c.vectors > 0;
        m_active.full = m_shadow.full = false;
        m_next_load = 0;
        m_load_progress = 0;
        m_vectors_done = 0;
        m_active_vector = -1;
        m_bit = 0;
        m_pass = 0;
    }
    const LaneFrame* out = nullptr;
    if (m_running) {
        const int ba = m_geo.input_bits;
        // Compute side: retire a finished vector, promote the shadow register.
        if (m_active.full && m_bit == ba) {
            m_active.full = false;
            ++m_vectors_done;
            ++m_stats.vectors;
            vectors_issued.write(m_stats.vectors);
        }
        if (!m_active.full && m_shadow.full) {
            std::swap(m_active, m_shadow);
            m_shadow.full = false;
            m_active_vector = m_next_load - 1;
            m_bit = 0;
        }
        // With shared trees a bit of a tile with pairs holds the lanes two cycles: the tree sums one
        // side, then the other, and the frame (both sums) leaves in the second.
        const bool two_passes = m_geo.params.tree_sharing && m_cmd.uses_qbar;
        if (m_active.full && m_bit < ba && two_passes && m_pass == 0) {
            m_pass = 1;
            ++m_stats.compute_cycles;
        } else if (m_active.full && m_bit < ba) {
            m_pass = 0;
            LaneFrame& f = m_ring.next();
            f.tag = {m_active_vector, m_bit, m_bit == ba - 1, m_cmd.input_signed, m_cmd.mode,
                     m_geo.complementary && (!m_geo.params.tree_sharing || m_cmd.uses_qbar)};
            std::copy_n(&m_active.a[size_t(m_bit) * m_geo.words], m_geo.words, f.a.begin());
            std::copy_n(&m_active.b[size_t(m_bit) * m_geo.words], m_geo.words, f.b.begin());
            ++m_bit;
            ++m_stats.compute_cycles;
            out = &f;
        } else if (m_vectors_done < m_cmd.vectors) {
            ++m_stats.stall_cycles;
            if (m_active_vector < 0) ++m_stats.load_wait_cycles;
        }
        // Load side: the bus fills the shadow register while it is free.
        if (!m_shadow.full && m_next_load < m_cmd.vectors) {
            ++m_stats.bus_cycles;
            m_load_progress += m_geo.params.input_bus_bits;
            bool two_lanes = m_cmd.mode == Mode::Depthwise && m_geo.dual_broadcast && m_cmd.partner_lane;
            if (m_load_progress >= int64_t(m_cmd.rows_used) * m_geo.input_bits * (two_lanes ? 2 : 1)) {
                fill(m_shadow, m_cmd.in_slot + m_next_load, m_cmd);
                m_stats.bits_moved += uint64_t(m_cmd.rows_used) * m_geo.input_bits * (two_lanes ? 2 : 1);
                ++m_next_load;
                m_load_progress = 0;
            }
        }
        if (m_vectors_done == m_cmd.vectors) m_running = false;
    }
    lanes.write(out);
}

}  // namespace ddcpim::macro
