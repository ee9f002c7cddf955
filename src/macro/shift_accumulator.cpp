#include "ddcpim/macro/shift_accumulator.hpp"

#include "ddcpim/common/error.hpp"

namespace ddcpim::macro {

ShiftAccumulator::ShiftAccumulator(sc_core::sc_module_name name, const Geometry& g)
    : sc_module(name), clk("clk"), columns("columns"), results("results"), m_geo(g) {
    m_acc.assign(size_t(g.slot_values()), 0);
    for (int k = 0; k < g.weight_bits; ++k) m_bit_weight.push_back(k == g.weight_bits - 1 ? -(1 << k) : (1 << k));
    for (auto& f : m_ring.all()) f.values.assign(size_t(g.slot_values()), 0);
    SC_HAS_PROCESS(ShiftAccumulator);
    SC_METHOD(on_clock);
    sensitive << clk.pos();
    dont_initialize();
}

void ShiftAccumulator::on_clock() {
    const ColumnFrame* in = columns.read();
    if (!in) {
        results.write(nullptr);
        return;
    }
    const FrameTag& t = in->tag;
    const int S = in->out_segments, bw = m_geo.weight_bits;
    if (t.bit == 0) std::fill(m_acc.begin(), m_acc.end(), 0);
    const int64_t input_weight = (t.input_signed && t.last_bit) ? -(int64_t(1) << t.bit) : (int64_t(1) << t.bit);
    const int sides = m_geo.complementary ? 2 : 1;
    for (int side = 0; side < sides; ++side) {
        const std::vector<int32_t>& sums = side == 0 ? in->sum_a : in->sum_b;
        for (int c = 0; c < m_geo.columns; ++c)
            for (int s = 0; s < S; ++s) {
                int64_t v = 0;
                const int32_t* bits = &sums[size_t(s) * m_geo.bit_columns + size_t(c) * bw];
                for (int k = 0; k < bw; ++k) v += int64_t(m_bit_weight[size_t(k)]) * bits[k];
                if (side == 1 && t.mode == Mode::Depthwise) v += in->correction[size_t(c) * S + s];
                m_acc[size_t(m_geo.slot_index(side, c, s))] += input_weight * v;
            }
    }
    ++m_stats.frames;
    m_stats.updates += uint64_t(sides) * m_geo.columns * S;
    if (!t.last_bit) {
        results.write(nullptr);
        return;
    }
    ResultFrame& r = m_ring.next();
    r.vector = t.vector;
    r.mode = t.mode;
    for (size_t i = 0; i < m_acc.size(); ++i) {
        DDCPIM_ASSERT(m_acc[i] >= INT32_MIN && m_acc[i] <= INT32_MAX);
        r.values[i] = static_cast<int32_t>(m_acc[i]);
    }
    ++m_stats.results;
    results.write(&r);
}

}  // namespace ddcpim::macro
