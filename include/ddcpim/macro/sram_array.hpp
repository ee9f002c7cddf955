// The R x (N*Bw) array of 6T cells. Each cell holds Q and, always, Q-bar =
// !Q. Storage is bit-packed, 64 rows to a word, word-major: word w of every
// bit-column side by side, so the per-cycle compute sweeps all bit-columns
// against one word of lane bits in a contiguous (vectorisable) loop. Writes go through a staging buffer
// (the host fills it over TLM) and a write port that writes
// write_rows_per_cycle whole rows per clock.
#pragma once

#include <systemc>

#include <vector>

#include "ddcpim/macro/commands.hpp"
#include "ddcpim/macro/geometry.hpp"

namespace ddcpim::macro {

class SramArray : public sc_core::sc_module {
public:
    sc_core::sc_in<bool> clk;
    sc_core::sc_in<WriteCommand> write_command;
    sc_core::sc_out<uint64_t> rows_written;  // running total of rows written

    SramArray(sc_core::sc_module_name name, const Geometry& g);

    // Staging: row r's bytes; bit i of the row is column i / Bw, weight bit i % Bw.
    std::vector<uint8_t>& staging() { return m_staging; }
    // The cells: rows 64w..64w+63 of every bit-column (row 64w + i at bit i).
    const uint64_t* word_row(int w) const { return &m_q[size_t(w) * m_geo.bit_columns]; }
    bool q(int row, int bit_column) const { return (word_row(row / 64)[bit_column] >> (row % 64)) & 1; }
    bool q_bar(int row, int bit_column) const { return !q(row, bit_column); }

    struct Stats {
        uint64_t rows_written = 0;
        uint64_t write_cycles = 0;
        uint64_t bits_toggled = 0;  // cells a write changed (0 -> 1 or 1 -> 0)
    };
    const Stats& stats() const { return m_stats; }

private:
    void on_clock();
    bool m_asleep = false;  // idle, waiting for a write command instead of the clock
    void write_row(int row);

    const Geometry& m_geo;
    std::vector<uint64_t> m_q;         // [word][bit_column]
    std::vector<uint8_t> m_staging;    // [row][row_bytes]
    uint32_t m_command_id = 0;
    int m_next_row = 0;
    int m_rows_left = 0;
    Stats m_stats;
};

}  // namespace ddcpim::macro
