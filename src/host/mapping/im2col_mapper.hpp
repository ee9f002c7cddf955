// im2col mapping of conv, pointwise and fc layers (see mapping.hpp).
#pragma once

#include "ddcpim/host/mapping.hpp"

namespace ddcpim::host {

class Im2colMapper : public LayerMapper {
public:
    Im2colMapper(const LayerDesc& l, const LayerParams& p, const MacroParams& m);
    const MappingSummary& summary() const override { return m_summary; }
    Tile tile(int t) const override;
    std::vector<int32_t> tile_weight_columns(int t) const override;  // a filter's slice per column: copied
    TileShape tile_shape(int t) const override;
    int first_reduction_row(int t) const override { return (t % m_summary.row_tiles) * m_rows; }
    void lane_ones(int t, const LaneOnesSource& source, uint64_t* a, uint64_t* b) const override;
    bool q_side_row_ones(int weight_bits, int column_tile, std::vector<uint64_t>& ones) const override;
    void input(int t, int v, const Tensor& in, uint8_t* lane_a, uint8_t* lane_b) const override;
    void scatter(int t, int v, const int32_t* slot, std::vector<int64_t>& acc) const override;

private:
    struct Tap {
        int channel, ky, kx;
    };
    const LayerDesc& m_layer;
    const LayerParams& m_params;
    macro::Geometry m_geo;
    int m_rows, m_columns_per_tile;
    int m_reduction = 0, m_pixels = 0;
    std::vector<std::pair<int, int>> m_columns;  // per column: filter in Q, filter from Q-bar (-1: none)
    std::vector<Tap> m_taps;                     // per reduction index
    MappingSummary m_summary;
};

}  // namespace ddcpim::host
