#include "ddcpim/macro/adder_tree.hpp"

#include "ddcpim/macro/cell_multipliers.hpp"

namespace ddcpim::macro {

AdderTree::AdderTree(sc_core::sc_module_name name, const Geometry& g, const SramArray& cells)
    : sc_module(name),
      clk("clk"),
      lanes("lanes"),
      sums("sums"),
      m_geo(g),
      m_cells(cells),
      m_ring(size_t(g.params.adder_pipeline) + 3) {
    for (auto& f : m_ring.all()) {
        f.sum_a.assign(size_t(g.bit_columns) * g.segments, 0);
        f.sum_b.assign(size_t(g.bit_columns) * g.segments, 0);
        f.lane_b.assign(size_t(g.words), 0);
    }
    SC_HAS_PROCESS(AdderTree);
    if (g.params.adder_pipeline == 0) {
        SC_METHOD(on_lanes_changed);
        sensitive << lanes;
    } else {
        SC_METHOD(on_clock);
        sensitive << clk.pos();
    }
    dont_initialize();
}

void AdderTree::compute(const LaneFrame& in, TreeFrame& out) const {
    out.tag = in.tag;
    out.lane_b = in.b;
    const int S = m_geo.segments;
    const bool q_bar = m_geo.complementary;
    const bool whole_words = m_geo.params.segment_rows % 64 == 0;
    for (int c = 0; c < m_geo.bit_columns; ++c) {
        const uint64_t* q = m_cells.column(c);
        int32_t* sa = &out.sum_a[size_t(c) * S];
        int32_t* sb = &out.sum_b[size_t(c) * S];
        for (int s = 0; s < S; ++s) {
            const SegmentSpan& sp = m_geo.spans[size_t(s)];
            int32_t na = 0, nb = 0;
            if (whole_words) {
                for (int w = sp.first_word; w <= sp.last_word; ++w) {
                    na += popcount(product_q(in.a[size_t(w)], q[w]));
                    if (q_bar) nb += popcount(product_q_bar(in.b[size_t(w)], q[w]));
                }
            } else {  // segments narrower than a word (or straddling one)
                for (int w = sp.first_word; w <= sp.last_word; ++w) {
                    uint64_t m = (w == sp.first_word ? sp.first_mask : ~0ULL) & (w == sp.last_word ? sp.last_mask : ~0ULL);
                    na += popcount(product_q(in.a[size_t(w)], q[w]) & m);
                    if (q_bar) nb += popcount(product_q_bar(in.b[size_t(w)], q[w]) & m);
                }
            }
            sa[s] = na;
            sb[s] = nb;
        }
    }
}

void AdderTree::on_lanes_changed() {
    const LaneFrame* in = lanes.read();
    if (!in) {
        sums.write(nullptr);
        return;
    }
    TreeFrame& f = m_ring.next();
    compute(*in, f);
    ++m_stats.frames;
    m_stats.bit_ops += uint64_t(m_geo.rows) * m_geo.bit_columns * (m_geo.complementary ? 2 : 1);
    sums.write(&f);
}

void AdderTree::on_clock() {
    const LaneFrame* in = lanes.read();
    const TreeFrame* produced = nullptr;
    if (in) {
        TreeFrame& f = m_ring.next();
        compute(*in, f);
        ++m_stats.frames;
        m_stats.bit_ops += uint64_t(m_geo.rows) * m_geo.bit_columns * (m_geo.complementary ? 2 : 1);
        produced = &f;
    }
    // adder_pipeline registers: what enters now leaves adder_pipeline - 1 clocks later.
    m_stages.push_back(produced);
    if (m_stages.size() > size_t(m_geo.params.adder_pipeline)) m_stages.pop_front();
    sums.write(m_stages.size() == size_t(m_geo.params.adder_pipeline) ? m_stages.front() : nullptr);
}

}  // namespace ddcpim::macro
