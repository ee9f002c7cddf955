// im2col mapping of conv, pointwise and fc layers (see mapping.hpp).
#include "im2col_mapper.hpp"

#include <algorithm>

namespace ddcpim::host {

Im2colMapper::Im2colMapper(const LayerDesc& l, const LayerParams& p, const MacroParams& m)
    : m_layer(l), m_params(p), m_geo(m), m_rows(m.rows), m_columns_per_tile(m.weight_columns) {
    m_reduction = l.weights_per_filter();
    m_pixels = l.kind == LayerKind::Fc ? 1 : l.out_shape.h * l.out_shape.w;
    std::vector<bool> paired(size_t(l.out_channels), false);
    m_columns.reserve(size_t(l.out_channels));
    m_taps.reserve(size_t(m_reduction));
    if (pairs_usable(m, l, p))
        for (auto [a, b] : p.pairs) {
            m_columns.emplace_back(a, b);
            paired[size_t(a)] = paired[size_t(b)] = true;
            m_summary.pairs_used = true;
        }
    for (int f = 0; f < l.out_channels; ++f)
        if (!paired[size_t(f)]) m_columns.emplace_back(f, -1);
    m_summary.scheme = "im2col";
    m_summary.row_tiles = (m_reduction + m_rows - 1) / m_rows;
    m_summary.column_tiles = (int(m_columns.size()) + m_columns_per_tile - 1) / m_columns_per_tile;
    m_summary.tiles = m_summary.row_tiles * m_summary.column_tiles;
    m_summary.mvms = int64_t(m_summary.tiles) * m_pixels;
    // Where reduction index k reads the input: channel, kernel row, kernel column.
    const int k2 = l.kernel * l.kernel;
    for (int k = 0; k < m_reduction; ++k) {
        if (l.kind == LayerKind::Fc) m_taps.push_back({k, 0, 0});
        else m_taps.push_back({k / k2, (k % k2) / l.kernel, k % l.kernel});
    }
}

TileShape Im2colMapper::tile_shape(int t) const {
    const int rt = t % m_summary.row_tiles, ct = t / m_summary.row_tiles;
    // Pairs come first in the column order: a column tile holds one when its first column does.
    const size_t first = size_t(ct) * size_t(m_columns_per_tile);
    const bool paired = first < m_columns.size() && m_columns[first].second >= 0;
    return {macro::Mode::Pointwise, std::min(m_rows, m_reduction - rt * m_rows), m_pixels, false, paired};
}

Tile Im2colMapper::tile(int t) const {
    const int rt = t % m_summary.row_tiles, ct = t / m_summary.row_tiles;
    const TileShape shape = tile_shape(t);
    Tile tile;
    tile.mode = shape.mode;
    tile.rows_used = shape.rows_used;
    tile.vectors = shape.vectors;
    tile.uses_qbar = shape.uses_qbar;
    tile.weights.assign(size_t(tile.rows_used) * m_columns_per_tile, 0);
    const int n = m_reduction;
    for (int j = 0; j < m_columns_per_tile; ++j) {
        size_t col = size_t(ct) * m_columns_per_tile + j;
        if (col >= m_columns.size()) break;
        const int32_t* w = m_params.weight.data() + size_t(m_columns[col].first) * n + size_t(rt) * m_rows;
        for (int r = 0; r < tile.rows_used; ++r) tile.weights[size_t(r) * m_columns_per_tile + j] = w[r];
    }
    return tile;
}

std::vector<int32_t> Im2colMapper::tile_weight_columns(int t) const {
    const int rt = t % m_summary.row_tiles, ct = t / m_summary.row_tiles;
    const int rows = std::min(m_rows, m_reduction - rt * m_rows);
    std::vector<int32_t> w(size_t(rows) * size_t(m_columns_per_tile), 0);
    for (int j = 0; j < m_columns_per_tile; ++j) {
        const size_t col = size_t(ct) * m_columns_per_tile + j;
        if (col >= m_columns.size()) break;
        const int32_t* from = m_params.weight.data() + size_t(m_columns[col].first) * m_reduction + size_t(rt) * m_rows;
        std::copy_n(from, rows, w.begin() + ptrdiff_t(j) * rows);
    }
    return w;
}

void Im2colMapper::input(int t, int v, const Tensor& in, uint8_t* lane_a, uint8_t* lane_b) const {
    const int rt = t % m_summary.row_tiles;
    const int rows = std::min(m_rows, m_reduction - rt * m_rows);
    const LayerDesc& l = m_layer;
    if (l.kind == LayerKind::Fc) {
        for (int r = 0; r < rows; ++r) lane_a[r] = uint8_t(in.data[size_t(rt * m_rows + r)]);
    } else {
        const int oy = v / l.out_shape.w, ox = v % l.out_shape.w;
        const int y0 = oy * l.stride - l.padding.top, x0 = ox * l.stride - l.padding.left;
        for (int r = 0; r < rows; ++r) {
            const Tap& tap = m_taps[size_t(rt * m_rows + r)];
            const int y = y0 + tap.ky, x = x0 + tap.kx;
            bool inside = y >= 0 && y < in.shape.h && x >= 0 && x < in.shape.w;
            lane_a[r] = inside ? uint8_t(in.at(tap.channel, y, x)) : 0;
        }
    }
    std::fill(lane_b, lane_b + rows, 0);  // pointwise: the driver feeds lane A to both sides
}

void Im2colMapper::lane_ones(int t, const LaneOnesSource& source, uint64_t* a, uint64_t* b) const {
    const int first = first_reduction_row(t), rows = tile_shape(t).rows_used;
    const std::vector<uint64_t>& sums = source.reduction_row_ones();
    std::copy_n(sums.begin() + first, rows, a);
    std::fill(b, b + rows, 0);  // as input() leaves lane B
}

bool Im2colMapper::q_side_row_ones(int weight_bits, int column_tile, std::vector<uint64_t>& ones) const {
    const uint32_t mask = (1u << weight_bits) - 1;
    const int n = m_reduction;
    ones.assign(size_t(n), 0);
    const size_t first = column_tile < 0 ? 0 : size_t(column_tile) * size_t(m_columns_per_tile);
    const size_t last = column_tile < 0 ? m_columns.size() : std::min(m_columns.size(), first + size_t(m_columns_per_tile));
    for (size_t c = first; c < last; ++c) {
        const int32_t* w = m_params.weight.data() + size_t(m_columns[c].first) * size_t(n);
        for (int k = 0; k < n; ++k) ones[size_t(k)] += uint64_t(__builtin_popcount(uint32_t(w[k]) & mask));
    }
    return true;
}

void Im2colMapper::scatter(int t, int v, const int32_t* slot, std::vector<int64_t>& acc) const {
    const int ct = t / m_summary.row_tiles;
    for (int j = 0; j < m_columns_per_tile; ++j) {
        size_t col = size_t(ct) * m_columns_per_tile + j;
        if (col >= m_columns.size()) break;
        auto [a, b] = m_columns[col];
        acc[size_t(a) * m_pixels + v] += slot[m_geo.slot_index(0, j, 0)];
        if (b >= 0) acc[size_t(b) * m_pixels + v] += slot[m_geo.slot_index(1, j, 0)];
    }
}

}  // namespace ddcpim::host
