#include "ddcpim/macro/reconfigurable_unit.hpp"

#include "ddcpim/common/error.hpp"
#include "ddcpim/macro/cell_multipliers.hpp"

namespace ddcpim::macro {

ReconfigurableUnit::ReconfigurableUnit(sc_core::sc_module_name name, const Geometry& g)
    : sc_module(name),
      sums("sums"),
      columns("columns"),
      m_geo(g),
      m_mask_bytes(size_t(g.columns) * g.mask_bytes, 0xff),
      m_unused(size_t(g.columns) * g.words, 0) {
    for (auto& f : m_ring.all()) {
        f.correction.assign(size_t(g.columns) * g.segments, 0);
    }
    SC_HAS_PROCESS(ReconfigurableUnit);
    SC_METHOD(on_sums_changed);
    sensitive << sums;
    dont_initialize();
}

void ReconfigurableUnit::unpack_masks() {
    if (!m_masks_dirty) return;
    m_masks_dirty = false;
    std::fill(m_unused.begin(), m_unused.end(), 0);
    for (int c = 0; c < m_geo.columns; ++c)
        for (int r = 0; r < m_geo.rows; ++r)
            if (!((m_mask_bytes[size_t(c) * m_geo.mask_bytes + r / 8] >> (r % 8)) & 1))
                m_unused[size_t(c) * m_geo.words + r / 64] |= 1ULL << (r % 64);
}

void ReconfigurableUnit::compute(const TreeFrame& in, ColumnFrame& out) {
    out.tag = in.tag;
    // A side whose products were all 0 has sums of 0 everywhere (the tree wrote them so): flagged, so that the
    // shift-accumulators need not add them.
    out.zero_a = in.ones_a == 0;
    out.zero_b = in.ones_b == 0;
    // Pointwise mode takes the trees' roots, depthwise mode every segment's tap: the tree summed what the mode
    // takes (TreeFrame), and the unit passes it on.
    DDCPIM_ASSERT(in.taps == m_geo.out_segments(in.tag.mode));
    out.out_segments = in.taps;
    out.sum_a = in.sum_a.data();
    out.sum_b = in.sum_b.data();
    if (in.tag.mode == Mode::Pointwise || !m_geo.complementary) return;
    unpack_masks();
    const int S = m_geo.segments;
    for (int c = 0; c < m_geo.columns; ++c) {
        const uint64_t* unused = &m_unused[size_t(c) * m_geo.words];
        for (int s = 0; s < S; ++s) {
            const SegmentSpan& sp = m_geo.spans[size_t(s)];
            int32_t n = 0;
            for (int w = sp.first_word; w <= sp.last_word; ++w) {
                uint64_t m = (w == sp.first_word ? sp.first_mask : ~0ULL) & (w == sp.last_word ? sp.last_mask : ~0ULL);
                n += popcount(in.lane_b[size_t(w)] & unused[w] & m);
            }
            out.correction[size_t(c) * S + s] = n;
        }
    }
    m_stats.corrections += uint64_t(m_geo.columns) * S;
}

void ReconfigurableUnit::on_sums_changed() {
    const TreeFrame* in = sums.read();
    if (!in) {
        columns.write(nullptr);
        return;
    }
    ColumnFrame& f = m_ring.next();
    compute(*in, f);
    ++m_stats.frames;
    columns.write(&f);
}

}  // namespace ddcpim::macro
