#include "ddcpim/macro/sram_array.hpp"

#include <algorithm>

namespace ddcpim::macro {

SramArray::SramArray(sc_core::sc_module_name name, const Geometry& g)
    : sc_module(name),
      clk("clk"),
      write_command("write_command"),
      rows_written("rows_written"),
      m_geo(g),
      m_q(size_t(g.bit_columns) * g.words, 0),
      m_staging(size_t(g.rows) * g.row_bytes, 0) {
    SC_HAS_PROCESS(SramArray);
    SC_METHOD(on_clock);
    sensitive << clk.pos();
    dont_initialize();
}

void SramArray::write_row(int row) {
    const uint8_t* src = &m_staging[size_t(row) * m_geo.row_bytes];
    const int shift = row % 64;
    const uint64_t bit = 1ULL << shift;
    uint64_t* words = &m_q[size_t(row / 64) * m_geo.bit_columns];
    uint64_t toggled = 0;
    // Branch-free: one bit of each column's word. Eight columns take one staging byte; the loop over them has
    // a fixed count, so the compiler does the eight as one vector.
    const int C = m_geo.bit_columns, whole = C / 8;
    for (int b = 0; b < whole; ++b) {
        const uint64_t byte = src[b];
        uint64_t* w = words + size_t(b) * 8;
        for (int j = 0; j < 8; ++j) {
            const uint64_t now = (byte >> j) & 1;
            toggled += ((w[j] >> shift) & 1) ^ now;
            w[j] = (w[j] & ~bit) | (now << shift);
        }
    }
    for (int c = whole * 8; c < C; ++c) {
        uint64_t& w = words[c];
        const uint64_t now = (uint64_t(src[c / 8]) >> (c % 8)) & 1;
        toggled += ((w >> shift) & 1) ^ now;
        w = (w & ~bit) | (now << shift);
    }
    m_stats.bits_toggled += toggled;
}

void SramArray::on_clock() {
    // Woken by a new command while idle: the write port takes it at the next edge, as a clocked port that
    // looked at every edge would (the static sensitivity, the clock, is back after this activation).
    if (m_asleep) {
        m_asleep = false;
        return;
    }
    const WriteCommand& cmd = write_command.read();
    if (cmd.id != m_command_id) {
        m_command_id = cmd.id;
        m_next_row = cmd.first_row;
        m_rows_left = cmd.row_count;
    }
    if (m_rows_left == 0) {
        // Nothing to write: asleep until the controller writes a command, so that a macro computing for
        // thousands of cycles does not run the write port's process at every edge.
        m_asleep = true;
        next_trigger(write_command.value_changed_event());
        return;
    }
    // The write port: write_rows_per_cycle whole rows this clock.
    int n = std::min(m_rows_left, m_geo.params.write_rows_per_cycle);
    for (int i = 0; i < n; ++i) write_row(m_next_row + i);
    m_next_row += n;
    m_rows_left -= n;
    m_stats.rows_written += uint64_t(n);
    m_stats.write_cycles++;
    rows_written.write(m_stats.rows_written);
}

}  // namespace ddcpim::macro
