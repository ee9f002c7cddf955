// The host's mapper on hand-worked shapes: tile counts, MVM counts, rows and
// utilisation for im2col, toeplitz and diagonal layouts.
#include <algorithm>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "ddcpim/host/mapping.hpp"
#include "ddcpim/host/schedule.hpp"
#include "ddcpim/host/system_plan.hpp"
#include "ddcpim/network/network.hpp"

using namespace ddcpim;
using namespace ddcpim::host;

namespace {

struct Layer {
    NetworkDesc net;
    LayerParams params;
    const LayerDesc& desc() const { return net.layers[0]; }
};

Layer make(LayerKind kind, Shape in, int out, int k, int stride, int pad, int pairs) {
    Layer l;
    l.net.input.shape = in;
    LayerDesc d;
    d.name = "l";
    d.kind = kind;
    d.input_names = {"input"};
    d.out_channels = out;
    d.kernel = k;
    d.stride = stride;
    d.padding = {pad, pad, pad, pad};
    l.net.layers.push_back(d);
    infer_shapes(l.net);
    l.params.weight.assign(size_t(l.net.layers[0].weight_count()), 1);
    for (int p = 0; p < pairs; ++p) l.params.pairs.emplace_back(2 * p, 2 * p + 1);
    return l;
}

}  // namespace

TEST(Mapping, PointwisePairsHalveTheColumnTiles) {
    MacroParams m;  // 256 x 32
    Layer l = make(LayerKind::Pointwise, {16, 4, 4}, 96, 1, 1, 0, 48);
    auto ddc = make_mapper(l.desc(), l.params, m);
    EXPECT_EQ(ddc->summary().scheme, "im2col");
    EXPECT_TRUE(ddc->summary().pairs_used);
    EXPECT_EQ(ddc->summary().column_tiles, 2);  // 48 pair columns
    EXPECT_EQ(ddc->summary().row_tiles, 1);
    EXPECT_EQ(ddc->summary().mvms, 2 * 16);
    EXPECT_EQ(ddc->tile(0).rows_used, 16);
    auto base = make_mapper(l.desc(), l.params, m.as_baseline());
    EXPECT_FALSE(base->summary().pairs_used);
    EXPECT_EQ(base->summary().column_tiles, 3);  // 96 filters
    EXPECT_EQ(base->summary().mvms, 3 * 16);
}

TEST(Mapping, OddAndUnpairedFiltersTakeAColumnEach) {
    MacroParams m;
    Layer l = make(LayerKind::Pointwise, {8, 2, 2}, 35, 1, 1, 0, 17);  // 17 pairs + 1 unpaired = 18 columns
    EXPECT_EQ(make_mapper(l.desc(), l.params, m)->summary().column_tiles, 1);
    l.params.pairs.clear();  // no FCC: 35 columns
    EXPECT_EQ(make_mapper(l.desc(), l.params, m)->summary().column_tiles, 2);
}

TEST(Mapping, ConvReductionIsCutIntoRowTiles) {
    MacroParams m;
    Layer l = make(LayerKind::Conv, {64, 6, 6}, 10, 3, 1, 1, 0);  // Cin*K*K = 576 = 256 + 256 + 64
    auto mp = make_mapper(l.desc(), l.params, m);
    EXPECT_EQ(mp->summary().row_tiles, 3);
    EXPECT_EQ(mp->summary().column_tiles, 1);
    EXPECT_EQ(mp->summary().mvms, 3 * 36);
    EXPECT_EQ(mp->tile(0).rows_used, 256);
    EXPECT_EQ(mp->tile(2).rows_used, 64);
}

TEST(Mapping, ToeplitzOutputsPerSegment) {
    // K x (K + s(n - 1)) <= 64 rows, n <= 32 columns.
    EXPECT_EQ(toeplitz_outputs_per_segment(3, 1, 64, 32), 19);  // 3 x 21 = 63 rows
    EXPECT_EQ(toeplitz_outputs_per_segment(3, 2, 64, 32), 10);  // 3 x 21
    EXPECT_EQ(toeplitz_outputs_per_segment(5, 1, 64, 32), 8);   // 5 x 12 = 60
    EXPECT_EQ(toeplitz_outputs_per_segment(5, 2, 64, 32), 4);   // 5 x 11 = 55
    EXPECT_EQ(toeplitz_outputs_per_segment(9, 1, 64, 32), 0);   // 9 rows of 9 do not fit
    EXPECT_EQ(toeplitz_outputs_per_segment(3, 1, 256, 32), 32);  // limited by the columns
}

TEST(Mapping, ToeplitzDepthwiseTilesAndUtilisation) {
    MacroParams m;  // 4 segments of 64 rows
    Layer l = make(LayerKind::Depthwise, {32, 112, 112}, 32, 3, 1, 1, 16);
    auto mp = make_mapper(l.desc(), l.params, m);
    const MappingSummary& s = mp->summary();
    EXPECT_EQ(s.scheme, "toeplitz");
    EXPECT_EQ(s.outputs_per_segment, 19);
    EXPECT_EQ(s.tiles, 4);               // 16 pairs, 4 segments per tile
    EXPECT_EQ(s.mvms, 4 * 112 * 6);      // ceil(112 / 19) = 6 column blocks per output row
    Tile t = mp->tile(0);
    EXPECT_EQ(t.rows_used, 3 * 64 + 63);
    // Column j uses rows ky * 21 + j + kx of each segment: 9 per segment.
    for (int j : {0, 5, 18}) {
        int used = 0;
        for (int r = 0; r < t.rows_used; ++r) used += t.used[size_t(j)][size_t(r)];
        EXPECT_EQ(used, 4 * 9) << j;
        EXPECT_TRUE(t.used[size_t(j)][size_t(64 + 21 + j + 2)]);  // segment 1, ky 1, kx 2
    }
    for (int r = 0; r < t.rows_used; ++r) EXPECT_FALSE(t.used[19][size_t(r)]);  // columns past n stay empty
}

TEST(Mapping, DiagonalDepthwiseKeepsChannelsInsideSegments) {
    MacroParams b = MacroParams{}.as_baseline();
    Layer l = make(LayerKind::Depthwise, {32, 10, 10}, 32, 3, 1, 1, 16);
    auto mp = make_mapper(l.desc(), l.params, b);
    EXPECT_EQ(mp->summary().scheme, "diagonal");
    EXPECT_FALSE(mp->summary().pairs_used);  // the baseline has no Q-bar
    EXPECT_EQ(mp->summary().tiles, 2);       // 7 channels per 64-row segment, 28 per tile
    EXPECT_EQ(mp->summary().mvms, 2 * 100);
    Tile t = mp->tile(0);
    EXPECT_EQ(t.rows_used, 3 * 64 + 6 * 9 + 9);  // channel 27: segment 3, slot 6
    Layer k5 = make(LayerKind::Depthwise, {20, 10, 10}, 20, 5, 1, 2, 0);
    EXPECT_EQ(make_mapper(k5.desc(), k5.params, b)->summary().tiles, 3);  // 2 per segment, 8 per tile
}

TEST(Mapping, FcIsOneVectorPerTile) {
    MacroParams m;
    Layer l = make(LayerKind::Fc, {1280, 1, 1}, 1000, 1, 1, 0, 500);
    auto mp = make_mapper(l.desc(), l.params, m);
    EXPECT_EQ(mp->summary().row_tiles, 5);
    EXPECT_EQ(mp->summary().column_tiles, 16);  // 500 pair columns
    EXPECT_EQ(mp->summary().mvms, 80);
}

TEST(Mapping, LayerMacroCyclesFollowTheClosedForms) {
    // One pointwise tile, 256 rows, 40 MVMs in runs of 16, 16 and 8 (docs/timing.md):
    // load 256 + 2; run of n: Lin + (n - 1) * max(Ba, Lin) + Ba + P + 4 with Lin = Ba = 8, P = 2.
    MacroParams m;
    Layer l = make(LayerKind::Pointwise, {256, 5, 8}, 32, 1, 1, 0, 0);
    auto mp = make_mapper(l.desc(), l.params, m);
    ASSERT_EQ(mp->summary().tiles, 1);
    ASSERT_EQ(mp->tile(0).vectors, 40);
    auto run = [](int n) { return 8 + (n - 1) * 8 + 8 + 2 + 4; };
    // The host writes the first command at a clock edge, in time for it: one edge less than the sum.
    EXPECT_EQ(layer_macro_cycles(*mp, m), 258 + run(16) + run(16) + run(8) - 1);
    // Two rows written per cycle halve the load; a 128-bit bus doubles Lin to 16 (a stall per vector).
    m.write_rows_per_cycle = 2;
    m.input_bus_bits = 128;
    auto run16 = [](int n) { return 16 + (n - 1) * 16 + 8 + 2 + 4; };
    EXPECT_EQ(layer_macro_cycles(*make_mapper(l.desc(), l.params, m), m), 128 + 2 + run16(16) + run16(16) + run16(8) - 1);
}

TEST(Mapping, AutoDepthwiseTakesTheCheaperScheme) {
    MacroParams m;
    m.dw_mapping = "auto";
    MacroParams t = m, d = m;
    t.dw_mapping = "toeplitz";
    d.dw_mapping = "diagonal";
    // A large feature map repays toeplitz's weight writes; a 7x7 one with many channels does not.
    for (Shape in : {Shape{32, 56, 56}, Shape{320, 7, 7}}) {
        Layer l = make(LayerKind::Depthwise, in, in.c, 3, 1, 1, in.c / 2);
        int64_t ct = layer_macro_cycles(*make_mapper(l.desc(), l.params, t), t);
        int64_t cd = layer_macro_cycles(*make_mapper(l.desc(), l.params, d), d);
        auto a = make_mapper(l.desc(), l.params, m);
        EXPECT_EQ(a->summary().scheme, ct <= cd ? "toeplitz" : "diagonal") << in.h;
        EXPECT_EQ(layer_macro_cycles(*a, m), std::min(ct, cd));
        EXPECT_NE(a->summary().note.find(fmt::format("toeplitz {} vs diagonal {}", ct, cd)), std::string::npos)
            << a->summary().note;
    }
    Layer big = make(LayerKind::Depthwise, {32, 56, 56}, 32, 3, 1, 1, 16);
    Layer small = make(LayerKind::Depthwise, {320, 7, 7}, 320, 3, 1, 1, 160);
    EXPECT_EQ(make_mapper(big.desc(), big.params, m)->summary().scheme, "toeplitz");
    EXPECT_EQ(make_mapper(small.desc(), small.params, m)->summary().scheme, "diagonal");
}

TEST(Mapping, AutoDepthwiseCountsTheWeightsTrafficWhenTheyStream) {
    MacroParams m;
    m.dw_mapping = "auto";
    MacroParams t = m, d = m;
    t.dw_mapping = "toeplitz";
    d.dw_mapping = "diagonal";
    // 56 x 56 x 32: toeplitz is faster on the macro, but its tiles hold each kernel in every output
    // position's column: many more weight bytes than diagonal's, which a slow memory makes decide.
    Layer l = make(LayerKind::Depthwise, {32, 56, 56}, 32, 3, 1, 1, 16);
    ASSERT_EQ(make_mapper(l.desc(), l.params, m)->summary().scheme, "toeplitz");
    MemoryParams slow;
    slow.bytes_per_cycle = 1;
    slow.latency = 1000;
    const auto tm = make_mapper(l.desc(), l.params, t), dm = make_mapper(l.desc(), l.params, d);
    const int64_t ct = layer_streamed_cycles(*tm, t, slow), cd = layer_streamed_cycles(*dm, d, slow);
    EXPECT_GT(ct, layer_macro_cycles(*tm, t));
    ASSERT_GT(ct, cd);
    auto a = make_mapper(l.desc(), l.params, m, &slow);
    EXPECT_EQ(a->summary().scheme, "diagonal");
    EXPECT_NE(a->summary().note.find(fmt::format("toeplitz {} vs diagonal {} cycles with the weights' traffic", ct, cd)),
              std::string::npos)
        << a->summary().note;
    // One macro: its waits for every read add to its commands, and the channel's beats bound it below.
    const LayerPlan p = plan_layer(*dm, d);
    uint64_t beats = 0, loads = 0;
    for (int tile = 0; tile < dm->summary().tiles; ++tile, ++loads)
        beats += (tile_weight_bytes(d, dm->tile_shape(tile).rows_used) + 0);
    EXPECT_EQ(uint64_t(cd), p.span + loads * 1000 + beats);
}
