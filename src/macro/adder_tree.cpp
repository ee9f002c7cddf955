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
    const int C = m_geo.bit_columns;
    const bool q_bar = m_geo.complementary && in.tag.qbar;
    std::fill(out.sum_a.begin(), out.sum_a.end(), 0);
    std::fill(out.sum_b.begin(), out.sum_b.end(), 0);
    // Each word of lane bits against the same word of every bit-column; the
    // counts go to the segment the word's rows belong to.
    for (int s = 0; s < m_geo.segments; ++s) {
        const SegmentSpan& sp = m_geo.spans[size_t(s)];
        int32_t* __restrict sa = &out.sum_a[size_t(s) * C];
        int32_t* __restrict sb = &out.sum_b[size_t(s) * C];
        for (int w = sp.first_word; w <= sp.last_word; ++w) {
            const uint64_t m = (w == sp.first_word ? sp.first_mask : ~0ULL) & (w == sp.last_word ? sp.last_mask : ~0ULL);
            const uint64_t a = in.a[size_t(w)] & m, b = in.b[size_t(w)] & m;
            const uint64_t* __restrict q = m_cells.word_row(w);
            for (int c = 0; c < C; ++c) sa[c] += popcount(product_q(a, q[c]));
            if (q_bar)
                for (int c = 0; c < C; ++c) sb[c] += popcount(product_q_bar(b, q[c]));
        }
    }
}

void AdderTree::count(const TreeFrame& f) {
    ++m_stats.frames;
    const uint64_t sides = m_geo.complementary && f.tag.qbar ? 2 : 1;  // sides summed this frame
    m_stats.bit_ops += uint64_t(m_geo.rows) * m_geo.bit_columns * sides;
    m_stats.evaluations += uint64_t(m_geo.bit_columns) * sides;
    // The per-segment counts are the ones each tree took in: their sum is the frame's products that were 1.
    uint64_t q = 0, qbar = 0;
    for (int32_t v : f.sum_a) q += uint64_t(v);
    if (sides == 2)
        for (int32_t v : f.sum_b) qbar += uint64_t(v);
    m_stats.ones_q += q;
    m_stats.ones_qbar += qbar;
}

void AdderTree::on_lanes_changed() {
    const LaneFrame* in = lanes.read();
    if (!in) {
        sums.write(nullptr);
        return;
    }
    TreeFrame& f = m_ring.next();
    compute(*in, f);
    count(f);
    sums.write(&f);
}

void AdderTree::on_clock() {
    const LaneFrame* in = lanes.read();
    const TreeFrame* produced = nullptr;
    if (in) {
        TreeFrame& f = m_ring.next();
        compute(*in, f);
        count(f);
        produced = &f;
    }
    // adder_pipeline registers: what enters now leaves adder_pipeline - 1 clocks later.
    m_stages.push_back(produced);
    if (m_stages.size() > size_t(m_geo.params.adder_pipeline)) m_stages.pop_front();
    sums.write(m_stages.size() == size_t(m_geo.params.adder_pipeline) ? m_stages.front() : nullptr);
}

}  // namespace ddcpim::macro
