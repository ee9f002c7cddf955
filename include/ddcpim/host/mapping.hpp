// How the host's mapper lays a layer onto the macro (ARCHITECTURE section 5).
//  - im2col (conv, pointwise, fc): the reduction Cin*K*K is cut into tiles of
//    R rows, the output filters into tiles of N columns; with complementary
//    pairs a column holds filter a in Q and serves b = ~a from Q-bar, so N
//    columns carry 2N filters. One MVM per output pixel per tile.
//  - toeplitz (depthwise, DDC): each segment of segment_rows rows holds a
//    K x (K + s(n-1)) input window of one channel (lane A) and of its partner
//    (lane B, same rows); weight column j holds the kernel shifted to output
//    position j, so an MVM gives n adjacent outputs per segment per side.
//  - diagonal (depthwise, baseline): channel i's K*K weights in its own rows
//    of its own column, kept inside one segment; one output pixel per
//    channel per MVM.
//  - dw_mapping: auto takes, per depthwise layer, whichever of the two costs
//    fewer macro cycles (layer_macro_cycles): toeplitz rewrites its tiles
//    often, which tiny feature maps do not repay.
// A mapper describes tiles and, for any MVM of a tile, its input lanes and
// where its results go. It is pure: tests check it without SystemC.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ddcpim/config/macro_params.hpp"
#include "ddcpim/host/sim_result.hpp"
#include "ddcpim/macro/geometry.hpp"
#include "ddcpim/network/layer.hpp"
#include "ddcpim/network/network.hpp"
#include "ddcpim/ref/tensor.hpp"

namespace ddcpim::host {

// What the timing of a tile depends on: its mode, its rows and its MVMs.
struct TileShape {
    macro::Mode mode = macro::Mode::Pointwise;
    int rows_used = 0;
    int vectors = 0;
    bool partner_lane = false;  // depthwise: lane B carries partner channels (the tile holds a pair)
    bool uses_qbar = false;     // the Q-bar side holds a partner: a paired column (pointwise) or partner_lane
};

// One weight tile: what the array holds while its MVMs run.
struct Tile {
    macro::Mode mode = macro::Mode::Pointwise;
    int rows_used = 0;             // rows the tile's weights and inputs occupy (from row 0)
    std::vector<int32_t> weights;  // rows_used x N, row-major: the Q-side weight of (row, column)
    std::vector<std::vector<bool>> used;  // depthwise: per column, the rows it uses; else empty
    int vectors = 0;               // MVMs that run on this tile
    bool partner_lane = false;     // depthwise: some segment or column holds a pair, lane B is loaded
    bool uses_qbar = false;        // as TileShape::uses_qbar
};

struct MappingSummary {
    std::string scheme;     // im2col | toeplitz | diagonal
    int tiles = 0;
    int row_tiles = 1;      // im2col: reduction tiles (partial sums added by the host)
    int column_tiles = 1;
    int64_t mvms = 0;
    bool pairs_used = false;  // both sides carry useful filters
    int outputs_per_segment = 1;  // toeplitz: n
    std::string note;       // e.g. a fallback and why
};

// A layer's activations on one image as the data-dependent event counts need them
// (host/activity.hpp): sums of the ones of the codes' low input_bits bits.
class LaneOnesSource {
public:
    virtual ~LaneOnesSource() = default;
    // im2col layers: per reduction row k (channel, ky, kx), over the layer's output pixels.
    virtual const std::vector<uint64_t>& reduction_row_ones() const = 0;
    // Depthwise layers: at [(channel * K + ky) * W_in + x], the ones of input column x over the input
    // rows kernel row ky meets, one per output row (y = oy * stride + ky - pad_top, inside the input).
    virtual const std::vector<uint64_t>& kernel_row_ones() const = 0;
};

class LayerMapper {
public:
    virtual ~LayerMapper() = default;
    virtual const MappingSummary& summary() const = 0;
    virtual Tile tile(int t) const = 0;
    // Tile t's weights only (rows_used x N): what the array holds, without the masks tile() builds.
    virtual std::vector<int32_t> tile_weights(int t) const { return tile(t).weights; }
    // The same, column by column (N x rows_used: each column's rows contiguous), for counting the bits a
    // load flips row range by row range.
    virtual std::vector<int32_t> tile_weight_columns(int t) const;
    // Tile t without its weights (cheap: for planning and the fast engine).
    virtual TileShape tile_shape(int t) const = 0;
    // MVM v of tile t: fills lane A and lane B (rows_used bytes each, low Ba bits).
    virtual void input(int t, int v, const Tensor& in, uint8_t* lane_a, uint8_t* lane_b) const = 0;
    // The ones each row of tile t's lanes carries, summed over the tile's MVMs (rows_used entries
    // each; lane B as input() fills it): the source's per-layer sums, sliced as input() lays the
    // lanes out (tests/test_fast_engine.cpp holds the result to the clocked driver's counts).
    virtual void lane_ones(int t, const LaneOnesSource& source, uint64_t* a, uint64_t* b) const = 0;
    // im2col: per reduction row, the ones of the Q-side weights (every column's filter, Bw bits) of
    // column tile `column_tile`, or of all of them (-1); false for other mappings.
    virtual bool q_side_row_ones(int, int, std::vector<uint64_t>&) const { return false; }
    // Whether every MVM of tile t drives reduction rows [first, first + rows_used) of the layer's
    // receptive field on lane A (im2col: one MVM per output pixel), and first; -1 otherwise.
    virtual int first_reduction_row(int) const { return -1; }
    // Adds MVM v's results (one output slot, Geometry::slot_index layout) to
    // the layer's accumulators (out_shape.c x out_shape.h x out_shape.w).
    virtual void scatter(int t, int v, const int32_t* slot, std::vector<int64_t>& acc) const = 0;
};

// Whether the macro can use a layer's complementary pairs: Q-bar
// (`complementary`) for every kind; depthwise pairs also need the second
// input lane (`dual_broadcast`), since the partner channel has its own input.
bool pairs_usable(const MacroParams& p, const LayerDesc& l, const LayerParams& params);

// Toeplitz outputs per segment: the largest n with K x (K + s(n-1)) <=
// segment_rows and n <= N; 0 when no window fits (diagonal is used instead).
int toeplitz_outputs_per_segment(int kernel, int stride, int segment_rows, int columns);

// Macro cycles of a layer under a mapper on the configured macros: the span of
// the host's plan (schedule.hpp), exactly what the clocked model counts. Host
// work is left out (the same for every scheme). dw_mapping: auto picks the
// depthwise scheme with fewer.
int64_t layer_macro_cycles(const LayerMapper& mapper, const MacroParams& macro);
// The same when the layer streams its weights from `memory` (issue 22: dw_mapping auto counts the
// weights' traffic): every macro waits for each of its reads (latency + beats) before the load, and
// the one channel serves the reads one at a time, so the layer takes at least
// max(span + the longest macro's waits, all reads' beats). An estimate for choosing, not a timing.
int64_t layer_streamed_cycles(const LayerMapper& mapper, const MacroParams& macro, const MemoryParams& memory);

// Throws UserError naming the layer when it cannot be mapped onto the macro.
void check_mappable(const NetworkDesc& net, const std::vector<LayerParams>& params, const MacroParams& macro);

// `streamed_from`: the memory the layer's weights stream from (system.residency: stream), which
// dw_mapping: auto then counts; null compares macro cycles only (weights resident).
std::unique_ptr<LayerMapper> make_mapper(const LayerDesc& l, const LayerParams& p, const MacroParams& macro,
                                         const MemoryParams* streamed_from = nullptr);

// What a layer's result takes from its mapping, the same in both engines: the
// scheme, MVMs, tiles, pairs, note, and the utilisation (useful MACs over the
// MVMs' MAC slots).
void describe_mapping(const MappingSummary& s, const LayerDesc& l, const MacroParams& macro, LayerResult& r);

}  // namespace ddcpim::host
