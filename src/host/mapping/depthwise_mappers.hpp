// Depthwise mappings (see mapping.hpp): toeplitz (DDC) and diagonal (baseline).
#pragma once

#include "ddcpim/host/mapping.hpp"

namespace ddcpim::host {

// A channel, and the partner it shares rows with (-1: none).
using ChannelUnit = std::pair<int, int>;
std::vector<ChannelUnit> channel_units(const LayerDesc& l, const LayerParams& p, const MacroParams& m, bool& paired);

// What both depthwise mappers share: their summary, and notes on why a scheme was chosen.
class DepthwiseMapper : public LayerMapper {
public:
    const MappingSummary& summary() const override { return m_summary; }
    void add_note(const std::string& note) { m_summary.note = m_summary.note.empty() ? note : note + "; " + m_summary.note; }

protected:
    MappingSummary m_summary;
};

class ToeplitzMapper : public DepthwiseMapper {
public:
    // n: outputs per segment (>= 1; see toeplitz_outputs).
    ToeplitzMapper(const LayerDesc& l, const LayerParams& p, const MacroParams& m, int n);
    Tile tile(int t) const override;
    std::vector<int32_t> tile_weights(int t) const override { return build(t, false).weights; }
    TileShape tile_shape(int t) const override;
    void input(int t, int v, const Tensor& in, uint8_t* lane_a, uint8_t* lane_b) const override;
    void lane_ones(int t, const LaneOnesSource& source, uint64_t* a, uint64_t* b) const override;
    void scatter(int t, int v, const int32_t* slot, std::vector<int64_t>& acc) const override;

private:
    int units_in(int t) const;
    Tile build(int t, bool masks) const;  // tile(t), its column masks only when asked
    const LayerDesc& m_layer;
    const LayerParams& m_params;
    macro::Geometry m_geo;
    int m_n, m_window;  // outputs per segment, window width K + s(n - 1)
    int m_blocks;       // output column blocks per output row: ceil(Wo / n)
    std::vector<ChannelUnit> m_units;
};

// Largest n with K x (K + s(n-1)) <= segment_rows and n <= N; 0 if none fits.
int toeplitz_outputs(int kernel, int stride, int segment_rows, int columns);

class DiagonalMapper : public DepthwiseMapper {
public:
    DiagonalMapper(const LayerDesc& l, const LayerParams& p, const MacroParams& m);
    Tile tile(int t) const override;
    std::vector<int32_t> tile_weights(int t) const override { return build(t, false).weights; }
    TileShape tile_shape(int t) const override;
    void input(int t, int v, const Tensor& in, uint8_t* lane_a, uint8_t* lane_b) const override;
    void lane_ones(int t, const LaneOnesSource& source, uint64_t* a, uint64_t* b) const override;
    void scatter(int t, int v, const int32_t* slot, std::vector<int64_t>& acc) const override;

private:
    int units_in(int t) const;
    Tile build(int t, bool masks) const;  // tile(t), its column masks only when asked
    int row_of(int i) const;  // first row of the i-th channel of a tile
    const LayerDesc& m_layer;
    const LayerParams& m_params;
    macro::Geometry m_geo;
    int m_k2;                // K * K rows per channel
    int m_per_segment;       // channels per segment (0: K*K exceeds a segment; pointwise mode)
    int m_per_tile;          // channels per tile
    std::vector<ChannelUnit> m_units;
};

}  // namespace ddcpim::host
