#include "ddcpim/macro/adder_tree.hpp"

#include <algorithm>

#include "ddcpim/macro/cell_multipliers.hpp"

namespace ddcpim::macro {

AdderTree::AdderTree(sc_core::sc_module_name name, const Geometry& g, const SramArray& cells)
    : sc_module(name),
      clk("clk"),
      lanes("lanes"),
      sums("sums"),
      m_geo(g),
      m_cells(cells),
      // adder_pipeline frames in the register stages (the oldest is the one the reconfigurable unit reads),
      // the one being made and one to spare.
      m_ring(size_t(g.params.adder_pipeline) + 2) {
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

namespace {

// One side's bit-columns against a word of lane bits: the segment's sums take the word's counts, set on its
// first word, added after. A lane word of zeros adds nothing (every product is 0), which is common: the high
// bit-planes of small unsigned activations are zero. Returns the products that were 1.
template <class Product>
int64_t sum_word(uint64_t lane, const uint64_t* __restrict q, int32_t* __restrict sums, int C, bool first,
                 Product product) {
    int64_t ones = 0;
    if (lane == 0) {
        if (first) std::fill_n(sums, C, 0);
        return 0;
    }
    if (first)
        for (int c = 0; c < C; ++c) {
            const int v = popcount(product(lane, q[c]));
            sums[c] = v;
            ones += v;
        }
    else
        for (int c = 0; c < C; ++c) {
            const int v = popcount(product(lane, q[c]));
            sums[c] += v;
            ones += v;
        }
    return ones;
}

}  // namespace

void AdderTree::compute(const LaneFrame& in, TreeFrame& out) const {
    out.tag = in.tag;
    out.lane_b = in.b;
    const int C = m_geo.bit_columns;
    const bool q_bar = m_geo.complementary && in.tag.qbar;
    int64_t ones_a = 0, ones_b = 0;  // totalled where the counts are made, not summed again afterwards
    // Each word of lane bits against the same word of every bit-column. Depthwise mode: the counts go to the
    // tap of the segment the word's rows belong to. Pointwise mode: to the root, over every row at once (the
    // unit takes nothing else). The sums are written, not cleared first and added to: a frame's sums are its
    // own whatever the ring slot held before.
    auto sum_rows = [&](int first_word, uint64_t first_mask, int last_word, uint64_t last_mask, int32_t* sa,
                        int32_t* sb) {
        for (int w = first_word; w <= last_word; ++w) {
            const uint64_t m = (w == first_word ? first_mask : ~0ULL) & (w == last_word ? last_mask : ~0ULL);
            const uint64_t* q = m_cells.word_row(w);
            const bool first = w == first_word;
            ones_a += sum_word(in.a[size_t(w)] & m, q, sa, C, first, product_q);
            if (q_bar) ones_b += sum_word(in.b[size_t(w)] & m, q, sb, C, first, product_q_bar);
        }
        if (!q_bar) std::fill_n(sb, C, 0);
    };
    if (in.tag.mode == Mode::Depthwise) {
        out.taps = m_geo.segments;
        for (int s = 0; s < m_geo.segments; ++s) {
            const SegmentSpan& sp = m_geo.spans[size_t(s)];
            sum_rows(sp.first_word, sp.first_mask, sp.last_word, sp.last_mask, &out.sum_a[size_t(s) * C],
                     &out.sum_b[size_t(s) * C]);
        }
    } else {
        out.taps = 1;
        const int tail = m_geo.rows % 64;  // rows in the last word, when it is not full
        sum_rows(0, ~0ULL, m_geo.words - 1, tail ? (1ULL << tail) - 1 : ~0ULL, out.sum_a.data(), out.sum_b.data());
    }
    out.ones_a = uint64_t(ones_a);
    out.ones_b = uint64_t(ones_b);
}

void AdderTree::count(const TreeFrame& f) {
    ++m_stats.frames;
    const uint64_t sides = m_geo.complementary && f.tag.qbar ? 2 : 1;  // sides summed this frame
    m_stats.bit_ops += uint64_t(m_geo.rows) * m_geo.bit_columns * sides;
    m_stats.evaluations += uint64_t(m_geo.bit_columns) * sides;
    // The ones each tree took in, totalled by compute().
    m_stats.ones_q += f.ones_a;
    m_stats.ones_qbar += f.ones_b;
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
