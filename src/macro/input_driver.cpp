#include "ddcpim/macro/input_driver.hpp"

#include <algorithm>
#include <cstring>

#if defined(__AVX2__)
#include <immintrin.h>
#endif

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

namespace {

// Bit t of each of 64 bytes, as a 64-bit word (bit j from byte j), for t < ba.
void bit_planes(const uint8_t* bytes, int ba, uint64_t* planes) {
#if defined(__AVX2__)
    const __m256i lo = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bytes));
    const __m256i hi = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bytes + 32));
    for (int t = 0; t < ba; ++t) {
        // Shifting 16-bit lanes left by 7 - t brings each byte's bit t to its top bit, which movemask gathers.
        const __m128i by = _mm_cvtsi32_si128(7 - t);
        const uint32_t l = uint32_t(_mm256_movemask_epi8(_mm256_sll_epi16(lo, by)));
        const uint32_t h = uint32_t(_mm256_movemask_epi8(_mm256_sll_epi16(hi, by)));
        planes[t] = uint64_t(l) | uint64_t(h) << 32;
    }
#else
    for (int t = 0; t < ba; ++t) planes[t] = 0;
    for (int j = 0; j < 64; ++j)  // branch-free: an input bit is as likely 0 as 1
        for (int t = 0; t < ba; ++t) planes[t] |= uint64_t((bytes[j] >> t) & 1) << j;
#endif
}

}  // namespace

// The register's bit-planes of `rows` input codes placed from row `row_base`: plane t's word w holds bit t of
// rows 64w..64w+63 (the register is cleared first). Returns the ones among the codes' low Ba bits.
uint64_t InputDriver::transpose(const uint8_t* lane, int rows, int row_base, std::vector<uint64_t>& bits) const {
    const int ba = m_geo.input_bits, words = m_geo.words;
    uint64_t ones = 0;
    uint64_t planes[8];
    uint8_t chunk[64];
    for (int r0 = 0; r0 < rows; r0 += 64) {
        const int n = std::min(64, rows - r0);
        const uint8_t* bytes = lane + r0;
        if (n < 64) {  // the last rows, padded with zero codes
            std::memcpy(chunk, bytes, size_t(n));
            std::memset(chunk + n, 0, size_t(64 - n));
            bytes = chunk;
        }
        bit_planes(bytes, ba, planes);
        const int row = row_base + r0, w = row / 64, shift = row % 64;
        for (int t = 0; t < ba; ++t) {
            ones += uint64_t(__builtin_popcountll(planes[t]));
            uint64_t* plane = &bits[size_t(t) * words];
            plane[w] |= planes[t] << shift;
            if (shift && w + 1 < words) plane[w + 1] |= planes[t] >> (64 - shift);
        }
    }
    return ones;
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
    // Every vector loaded is driven once, bit by bit: its ones are counted here, where they are known (the
    // ones of the bit-planes it is cut into, bits below Ba only).
    m_stats.lane_a_bits += uint64_t(c.rows_used) * uint64_t(ba);
    m_stats.ones_a += transpose(lane_a, c.rows_used, c.row_base, reg.a);
    if (drive_b) m_stats.ones_b += transpose(source_b, c.rows_used, c.row_base, reg.b);
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
