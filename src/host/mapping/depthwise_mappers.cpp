#include "depthwise_mappers.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace ddcpim::host {

std::vector<ChannelUnit> channel_units(const LayerDesc& l, const LayerParams& p, const MacroParams& m, bool& paired) {
    std::vector<ChannelUnit> units;
    std::vector<bool> used(size_t(l.out_channels), false);
    paired = false;
    if (pairs_usable(m, l, p))
        for (auto [a, b] : p.pairs) {
            units.emplace_back(a, b);
            used[size_t(a)] = used[size_t(b)] = true;
            paired = true;
        }
    for (int c = 0; c < l.out_channels; ++c)
        if (!used[size_t(c)]) units.emplace_back(c, -1);
    return units;
}

bool any_pair(const std::vector<ChannelUnit>& units, int first, int count) {
    for (int i = first; i < first + count; ++i)
        if (units[size_t(i)].second >= 0) return true;
    return false;
}

int toeplitz_outputs(int kernel, int stride, int segment_rows, int columns) {
    int widest = segment_rows / kernel;  // K rows of the window, each this wide at most
    if (widest < kernel) return 0;
    return std::min(columns, (widest - kernel) / stride + 1);
}

// ---- toeplitz ----

ToeplitzMapper::ToeplitzMapper(const LayerDesc& l, const LayerParams& p, const MacroParams& m, int n)
    : m_layer(l), m_params(p), m_geo(m), m_n(n) {
    m_window = l.kernel + l.stride * (n - 1);
    m_blocks = (l.out_shape.w + n - 1) / n;
    m_units = channel_units(l, p, m, m_summary.pairs_used);
    m_summary.scheme = "toeplitz";
    m_summary.outputs_per_segment = n;
    m_summary.tiles = (int(m_units.size()) + m_geo.segments - 1) / m_geo.segments;
    m_summary.mvms = int64_t(m_summary.tiles) * l.out_shape.h * m_blocks;
}

int ToeplitzMapper::units_in(int t) const {
    return std::min(m_geo.segments, int(m_units.size()) - t * m_geo.segments);
}

TileShape ToeplitzMapper::tile_shape(int t) const {
    const bool pair = any_pair(m_units, t * m_geo.segments, units_in(t));
    return {macro::Mode::Depthwise, (units_in(t) - 1) * m_geo.params.segment_rows + m_layer.kernel * m_window,
            m_layer.out_shape.h * m_blocks, pair, pair};
}

Tile ToeplitzMapper::tile(int t) const { return build(t, true); }

Tile ToeplitzMapper::build(int t, bool masks) const {
    const LayerDesc& l = m_layer;
    const int seg = m_geo.params.segment_rows, N = m_geo.columns, K = l.kernel;
    const TileShape shape = tile_shape(t);
    Tile tile;
    tile.mode = shape.mode;
    const int units = units_in(t);
    tile.rows_used = shape.rows_used;
    tile.vectors = shape.vectors;
    tile.partner_lane = shape.partner_lane;
    tile.uses_qbar = shape.uses_qbar;
    tile.weights.assign(size_t(tile.rows_used) * N, 0);
    if (masks) tile.used.assign(size_t(N), std::vector<bool>(size_t(tile.rows_used), false));
    for (int s = 0; s < units; ++s) {
        const int32_t* w = m_params.weight.data() + size_t(m_units[size_t(t * m_geo.segments + s)].first) * K * K;
        for (int j = 0; j < m_n; ++j)  // column j: the kernel at output position j
            for (int ky = 0; ky < K; ++ky)
                for (int kx = 0; kx < K; ++kx) {
                    int row = s * seg + ky * m_window + j * l.stride + kx;
                    tile.weights[size_t(row) * N + j] = w[ky * K + kx];
                    if (masks) tile.used[size_t(j)][size_t(row)] = true;
                }
    }
    return tile;
}

void ToeplitzMapper::input(int t, int v, const Tensor& in, uint8_t* lane_a, uint8_t* lane_b) const {
    const LayerDesc& l = m_layer;
    const int seg = m_geo.params.segment_rows, K = l.kernel;
    const int oy = v / m_blocks, x0 = (v % m_blocks) * m_n;
    const int units = units_in(t);
    std::fill(lane_a, lane_a + (units - 1) * seg + K * m_window, 0);
    std::fill(lane_b, lane_b + (units - 1) * seg + K * m_window, 0);
    for (int s = 0; s < units; ++s) {
        auto [a, b] = m_units[size_t(t * m_geo.segments + s)];
        for (int ky = 0; ky < K; ++ky) {
            const int y = oy * l.stride + ky - l.padding.top;
            if (y < 0 || y >= in.shape.h) continue;
            for (int wx = 0; wx < m_window; ++wx) {
                const int x = x0 * l.stride + wx - l.padding.left;
                if (x < 0 || x >= in.shape.w) continue;
                const int row = s * seg + ky * m_window + wx;
                lane_a[row] = uint8_t(in.at(a, y, x));
                if (b >= 0) lane_b[row] = uint8_t(in.at(b, y, x));
            }
        }
    }
}

void ToeplitzMapper::lane_ones(int t, const LaneOnesSource& source, uint64_t* a, uint64_t* b) const {
    // Row (s, ky, wx) carries input (oy * stride + ky - pad, x0 * stride + wx - pad) of its channel for
    // every output row oy and block x0 = block * n: the kernel-row sums at those columns.
    const LayerDesc& l = m_layer;
    const int seg = m_geo.params.segment_rows, K = l.kernel, W = l.in_shape.w;
    const int rows = tile_shape(t).rows_used;
    const std::vector<uint64_t>& kr = source.kernel_row_ones();
    std::fill(a, a + rows, 0);
    std::fill(b, b + rows, 0);
    for (int s = 0; s < units_in(t); ++s) {
        auto [ca, cb] = m_units[size_t(t * m_geo.segments + s)];
        for (int ky = 0; ky < K; ++ky)
            for (int wx = 0; wx < m_window; ++wx) {
                const int row = s * seg + ky * m_window + wx;
                const uint64_t* col_a = &kr[(size_t(ca) * K + size_t(ky)) * size_t(W)];
                const uint64_t* col_b = cb >= 0 ? &kr[(size_t(cb) * K + size_t(ky)) * size_t(W)] : nullptr;
                for (int block = 0; block < m_blocks; ++block) {
                    const int x = block * m_n * l.stride + wx - l.padding.left;
                    if (x < 0 || x >= W) continue;
                    a[row] += col_a[x];
                    if (col_b) b[row] += col_b[x];
                }
            }
    }
}

void ToeplitzMapper::scatter(int t, int v, const int32_t* slot, std::vector<int64_t>& acc) const {
    const LayerDesc& l = m_layer;
    const int oy = v / m_blocks, x0 = (v % m_blocks) * m_n;
    const size_t plane = size_t(l.out_shape.h) * l.out_shape.w;
    for (int s = 0; s < units_in(t); ++s) {
        auto [a, b] = m_units[size_t(t * m_geo.segments + s)];
        for (int j = 0; j < m_n && x0 + j < l.out_shape.w; ++j) {
            size_t pos = size_t(oy) * l.out_shape.w + size_t(x0 + j);
            acc[size_t(a) * plane + pos] += slot[m_geo.slot_index(0, j, s)];
            if (b >= 0) acc[size_t(b) * plane + pos] += slot[m_geo.slot_index(1, j, s)];
        }
    }
}

// ---- diagonal ----

DiagonalMapper::DiagonalMapper(const LayerDesc& l, const LayerParams& p, const MacroParams& m)
    : m_layer(l), m_params(p), m_geo(m) {
    m_k2 = l.kernel * l.kernel;
    m_per_segment = m.segment_rows / m_k2;
    bool paired = false;
    m_units = channel_units(l, p, m, paired);
    if (m_per_segment == 0) {
        // A kernel taller than a segment: pointwise mode over the whole column,
        // which has no Q-bar correction, so partners cannot share the rows.
        m_summary.note = fmt::format("K*K = {} rows exceed a {}-row segment: pointwise-mode diagonal, no pairs", m_k2,
                                     m.segment_rows);
        m_units.clear();
        for (int c = 0; c < l.out_channels; ++c) m_units.emplace_back(c, -1);
        paired = false;
        m_per_tile = std::min(m.weight_columns, m.rows / m_k2);
        DDCPIM_ASSERT(m_per_tile >= 1);  // check_mappable rejects K*K > R before simulation
    } else {
        m_per_tile = std::min(m.weight_columns, m_geo.segments * m_per_segment);
    }
    m_summary.pairs_used = paired;
    m_summary.scheme = "diagonal";
    m_summary.tiles = (int(m_units.size()) + m_per_tile - 1) / m_per_tile;
    m_summary.mvms = int64_t(m_summary.tiles) * l.out_shape.h * l.out_shape.w;
}

int DiagonalMapper::units_in(int t) const { return std::min(m_per_tile, int(m_units.size()) - t * m_per_tile); }

int DiagonalMapper::row_of(int i) const {
    if (m_per_segment == 0) return i * m_k2;
    return (i / m_per_segment) * m_geo.params.segment_rows + (i % m_per_segment) * m_k2;
}

TileShape DiagonalMapper::tile_shape(int t) const {
    const bool depthwise = m_per_segment > 0;
    const bool pair = depthwise && any_pair(m_units, t * m_per_tile, units_in(t));
    return {depthwise ? macro::Mode::Depthwise : macro::Mode::Pointwise, row_of(units_in(t) - 1) + m_k2,
            m_layer.out_shape.h * m_layer.out_shape.w, pair, pair};
}

Tile DiagonalMapper::tile(int t) const { return build(t, true); }

Tile DiagonalMapper::build(int t, bool masks) const {
    const int N = m_geo.columns, units = units_in(t);
    const TileShape shape = tile_shape(t);
    Tile tile;
    tile.mode = shape.mode;
    tile.rows_used = shape.rows_used;
    tile.vectors = shape.vectors;
    tile.partner_lane = shape.partner_lane;
    tile.uses_qbar = shape.uses_qbar;
    tile.weights.assign(size_t(tile.rows_used) * N, 0);
    if (masks && tile.mode == macro::Mode::Depthwise) tile.used.assign(size_t(N), std::vector<bool>(size_t(tile.rows_used), false));
    for (int i = 0; i < units; ++i) {
        const int32_t* w = m_params.weight.data() + size_t(m_units[size_t(t * m_per_tile + i)].first) * m_k2;
        for (int k = 0; k < m_k2; ++k) {
            tile.weights[size_t(row_of(i) + k) * N + i] = w[k];
            if (!tile.used.empty()) tile.used[size_t(i)][size_t(row_of(i) + k)] = true;
        }
    }
    return tile;
}

void DiagonalMapper::input(int t, int v, const Tensor& in, uint8_t* lane_a, uint8_t* lane_b) const {
    const LayerDesc& l = m_layer;
    const int units = units_in(t), K = l.kernel;
    const int rows = row_of(units - 1) + m_k2;
    std::fill(lane_a, lane_a + rows, 0);
    std::fill(lane_b, lane_b + rows, 0);
    const int oy = v / l.out_shape.w, ox = v % l.out_shape.w;
    for (int i = 0; i < units; ++i) {
        auto [a, b] = m_units[size_t(t * m_per_tile + i)];
        for (int ky = 0; ky < K; ++ky) {
            const int y = oy * l.stride + ky - l.padding.top;
            if (y < 0 || y >= in.shape.h) continue;
            for (int kx = 0; kx < K; ++kx) {
                const int x = ox * l.stride + kx - l.padding.left;
                if (x < 0 || x >= in.shape.w) continue;
                const int row = row_of(i) + ky * K + kx;
                lane_a[row] = uint8_t(in.at(a, y, x));
                if (b >= 0) lane_b[row] = uint8_t(in.at(b, y, x));
            }
        }
    }
}

void DiagonalMapper::lane_ones(int t, const LaneOnesSource& source, uint64_t* a, uint64_t* b) const {
    // Row (i, ky, kx) carries input (oy * stride + ky - pad, ox * stride + kx - pad) of its channel for
    // every output pixel: the kernel-row sums at those columns.
    const LayerDesc& l = m_layer;
    const int K = l.kernel, W = l.in_shape.w;
    const int rows = tile_shape(t).rows_used;
    const std::vector<uint64_t>& kr = source.kernel_row_ones();
    std::fill(a, a + rows, 0);
    std::fill(b, b + rows, 0);
    for (int i = 0; i < units_in(t); ++i) {
        auto [ca, cb] = m_units[size_t(t * m_per_tile + i)];
        for (int ky = 0; ky < K; ++ky)
            for (int kx = 0; kx < K; ++kx) {
                const int row = row_of(i) + ky * K + kx;
                const uint64_t* col_a = &kr[(size_t(ca) * K + size_t(ky)) * size_t(W)];
                const uint64_t* col_b = cb >= 0 ? &kr[(size_t(cb) * K + size_t(ky)) * size_t(W)] : nullptr;
                for (int ox = 0; ox < l.out_shape.w; ++ox) {
                    const int x = ox * l.stride + kx - l.padding.left;
                    if (x < 0 || x >= W) continue;
                    a[row] += col_a[x];
                    if (col_b) b[row] += col_b[x];
                }
            }
    }
}

void DiagonalMapper::scatter(int t, int v, const int32_t* slot, std::vector<int64_t>& acc) const {
    const size_t plane = size_t(m_layer.out_shape.h) * m_layer.out_shape.w;
    for (int i = 0; i < units_in(t); ++i) {
        auto [a, b] = m_units[size_t(t * m_per_tile + i)];
        const int s = m_per_segment == 0 ? 0 : i / m_per_segment;
        acc[size_t(a) * plane + size_t(v)] += slot[m_geo.slot_index(0, i, s)];
        if (b >= 0) acc[size_t(b) * plane + size_t(v)] += slot[m_geo.slot_index(1, i, s)];
    }
}

}  // namespace ddcpim::host
