#include "ddcpim/macro/shift_accumulator.hpp"

#include "ddcpim/common/error.hpp"

#if defined(__AVX2__)
#include <immintrin.h>
#endif

namespace ddcpim::macro {

namespace {

// Each column's Bw bit-column sums weighted by 2^k (the MSB's negative): the column's weighted sum, into
// words[c]. A bit-column's sum is at most rows (<= 2^16) and |2^k| <= 2^7: the weighted sum fits 32 bits.
// BW > 0 fixes the weight bits at compile time; 0 takes them from bw.
template <int BW>
void weigh_bit_columns(const int32_t* segment, const int32_t* bit_weight, int bw, int columns, int32_t* words) {
    const int n = BW > 0 ? BW : bw;
    int c = 0;
#if defined(__AVX2__)
    if constexpr (BW == 8) {
        // Eight columns at a time: eight vectors of products, reduced to one vector of eight sums with
        // horizontal adds (the scalar loop below would multiply and add one product at a time).
        const __m256i w = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bit_weight));
        for (; c + 8 <= columns; c += 8) {
            const int32_t* b = segment + size_t(c) * 8;
            __m256i p[8];
            for (int j = 0; j < 8; ++j)
                p[j] = _mm256_mullo_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + 8 * j)), w);
            const __m256i h01 = _mm256_hadd_epi32(p[0], p[1]), h23 = _mm256_hadd_epi32(p[2], p[3]);
            const __m256i h45 = _mm256_hadd_epi32(p[4], p[5]), h67 = _mm256_hadd_epi32(p[6], p[7]);
            const __m256i q0 = _mm256_hadd_epi32(h01, h23), q1 = _mm256_hadd_epi32(h45, h67);
            // q0 holds columns 0-3's low halves in its low lane and their high halves in its high lane; q1 4-7.
            const __m256i sum = _mm256_add_epi32(_mm256_permute2x128_si256(q0, q1, 0x20),
                                                 _mm256_permute2x128_si256(q0, q1, 0x31));
            _mm256_storeu_si256(reinterpret_cast<__m256i*>(words + c), sum);
        }
    }
#endif
    for (; c < columns; ++c) {
        const int32_t* bits = segment + size_t(c) * n;
        int32_t word = 0;
        for (int k = 0; k < n; ++k) word += bit_weight[k] * bits[k];
        words[c] = word;
    }
}

// One segment of one side: each column's weighted sum plus the depthwise correction, times the input bit's
// weight, into the column's accumulator.
template <int BW>
void accumulate(const int32_t* segment, const int32_t* bit_weight, int bw, int columns, const int32_t* correction,
                int correction_stride, int64_t input_weight, int64_t* __restrict acc, int32_t* __restrict words) {
    weigh_bit_columns<BW>(segment, bit_weight, bw, columns, words);
    if (correction)
        for (int c = 0; c < columns; ++c) words[c] += correction[size_t(c) * correction_stride];
    for (int c = 0; c < columns; ++c) acc[c] += input_weight * int64_t(words[c]);
}
}  // namespace

ShiftAccumulator::ShiftAccumulator(sc_core::sc_module_name name, const Geometry& g)
    : sc_module(name), clk("clk"), columns("columns"), results("results"), m_geo(g) {
    m_acc.assign(size_t(g.slot_values()), 0);
    m_words.assign(size_t(g.columns), 0);
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
    auto* accumulate_segment = bw == 8 ? &accumulate<8> : bw == 4 ? &accumulate<4> : &accumulate<0>;
    for (int side = 0; side < sides; ++side) {
        const int32_t* sums = side == 0 ? in->sum_a : in->sum_b;
        const bool corrected = side == 1 && t.mode == Mode::Depthwise;
        if ((side == 0 ? in->zero_a : in->zero_b) && !corrected) continue;  // adding zeros changes nothing
        for (int s = 0; s < S; ++s)
            accumulate_segment(&sums[size_t(s) * m_geo.bit_columns], m_bit_weight.data(), bw, m_geo.columns,
                               corrected ? &in->correction[size_t(s)] : nullptr, S, input_weight,
                               &m_acc[size_t(m_geo.slot_index(side, 0, s))], m_words.data());  // the segment's columns, in a row
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
