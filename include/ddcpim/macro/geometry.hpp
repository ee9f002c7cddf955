// Sizes derived from the macro parameters, shared by every block: bit-columns,
// 64-bit words per column, depthwise segments and the word masks that cut a
// column into segments.
#pragma once

#include <cstdint>
#include <vector>

#include "ddcpim/config/macro_params.hpp"

namespace ddcpim::macro {

enum class Mode : int { Pointwise = 0, Depthwise = 1 };

struct SegmentSpan {
    int first_word;
    int last_word;       // inclusive
    uint64_t first_mask;  // rows of first_word inside the segment
    uint64_t last_mask;   // rows of last_word inside the segment
};

struct Geometry {
    explicit Geometry(const MacroParams& p);

    MacroParams params;
    int rows;          // R
    int columns;       // N weight columns
    int weight_bits;   // Bw
    int input_bits;    // Ba
    int bit_columns;   // N * Bw physical columns per side
    int words;         // 64-bit words per bit-column (ceil(R / 64))
    int segments;      // R / segment_rows
    int row_bytes;     // one weight row in the staging buffer: ceil(N * Bw / 8)
    int mask_bytes;    // one column's used-row mask: ceil(R / 8)
    bool complementary;
    bool dual_broadcast;
    std::vector<SegmentSpan> spans;  // one per segment

    int out_segments(Mode m) const { return m == Mode::Depthwise ? segments : 1; }
    // Output values of one MVM slot: [segment][side][column], the maximum size.
    int slot_values() const { return 2 * columns * segments; }
    // Segment-major, so that a pointwise run's results (segment 0, both sides)
    // are the slot's first 2N values: the host reads back only those.
    int slot_index(int side, int column, int segment) const { return (segment * 2 + side) * columns + column; }
    // Bytes one clocked macro holds (array, staging, masks, buffers, pipeline
    // frames), an upper estimate for the resource check (Limits::simulated_bytes).
    uint64_t estimated_bytes() const;
};

}  // namespace ddcpim::macro
