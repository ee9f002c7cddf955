#include "ddcpim/macro/geometry.hpp"

namespace ddcpim::macro {

namespace {
uint64_t bits_from(int lo, int hi) {  // bits lo..hi inclusive of a word
    uint64_t upper = hi >= 63 ? ~0ULL : ((1ULL << (hi + 1)) - 1);
    return upper & ~((1ULL << lo) - 1);
}
}  // namespace

Geometry::Geometry(const MacroParams& p)
    : params(p),
      rows(p.rows),
      columns(p.weight_columns),
      weight_bits(p.weight_bits),
      input_bits(p.input_bits),
      bit_columns(p.weight_columns * p.weight_bits),
      words((p.rows + 63) / 64),
      segments(p.rows / p.segment_rows),
      row_bytes((p.weight_columns * p.weight_bits + 7) / 8),
      mask_bytes((p.rows + 7) / 8),
      complementary(p.complementary),
      dual_broadcast(p.dual_broadcast) {
    for (int s = 0; s < segments; ++s) {
        int lo = s * p.segment_rows, hi = lo + p.segment_rows - 1;
        SegmentSpan sp;
        sp.first_word = lo / 64;
        sp.last_word = hi / 64;
        if (sp.first_word == sp.last_word) {
            sp.first_mask = sp.last_mask = bits_from(lo % 64, hi % 64);
        } else {
            sp.first_mask = bits_from(lo % 64, 63);
            sp.last_mask = bits_from(0, hi % 64);
        }
        spans.push_back(sp);
    }
}

uint64_t Geometry::estimated_bytes() const {
    const uint64_t r = uint64_t(rows), bc = uint64_t(bit_columns), w = uint64_t(words), s = uint64_t(segments);
    const uint64_t b = uint64_t(params.buffer_vectors), slot = uint64_t(slot_values());
    const uint64_t cells = bc * w * 8, staging = r * uint64_t(row_bytes), masks = uint64_t(columns) * mask_bytes;
    const uint64_t input = 2 * r * b + 2 * 2 * w * 8 * uint64_t(input_bits);  // buffer, active and shadow registers
    const uint64_t output = slot * b * 4 + slot * 8;                           // slots, accumulators
    const uint64_t frames = 8 * (2 * w * 8 + 2 * bc * s * 4 + uint64_t(columns) * s * 4 + slot * 4);  // rings
    return cells + staging + masks + input + output + frames + uint64_t(params.adder_pipeline) * 8;
}

}  // namespace ddcpim::macro
