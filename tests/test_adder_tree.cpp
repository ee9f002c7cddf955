// The adder trees through their ports: per-segment sums of the cell products
// on both sides in depthwise mode, the roots (every row's products) in
// pointwise mode, and the exact latency: with adder_pipeline = P a frame
// driven at one clock comes out P clocks later (absent at P - 1, present at P);
// P = 0 is combinational.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "ddcpim/common/rng.hpp"
#include "macro_bench.hpp"

using namespace ddcpim;
using namespace ddcpim::macro;

namespace {

std::string tree_case(int pipeline, int segment_rows, Mode mode) {
    MacroParams p;
    p.rows = 128;
    p.weight_columns = 3;
    p.weight_bits = 4;
    p.segment_rows = segment_rows;
    p.adder_pipeline = pipeline;
    p.write_rows_per_cycle = 128;
    Geometry g(p);
    sc_core::sc_clock clk("clk", 5, sc_core::SC_NS);
    sc_core::sc_signal<WriteCommand> wcmd;
    sc_core::sc_signal<uint64_t> written;
    sc_core::sc_signal<const LaneFrame*> lanes;
    sc_core::sc_signal<const TreeFrame*> sums;
    SramArray array("array", g);
    array.clk(clk);
    array.write_command(wcmd);
    array.rows_written(written);
    AdderTree tree("tree", g, array);
    tree.clk(clk);
    tree.lanes(lanes);
    tree.sums(sums);
    Rng rng(17 + pipeline);
    for (auto& b : array.staging()) b = uint8_t(rng.below(256));
    LaneFrame in;
    in.a.resize(size_t(g.words));
    in.b.resize(size_t(g.words));
    for (auto& w : in.a) w = rng.next();
    for (auto& w : in.b) w = rng.next();
    in.tag.mode = mode;
    const int taps = mode == Mode::Depthwise ? g.segments : 1;
    const int tap_rows = mode == Mode::Depthwise ? segment_rows : g.rows;
    std::string fail;
    test::run_script([&] {
        wait(clk.posedge_event());
        wcmd.write({1, 0, 128});
        wait(clk.posedge_event());
        wait(clk.posedge_event());  // all rows written (128 per clock)
        lanes.write(&in);           // driven at this edge, like the driver's register
        wait(sc_core::SC_ZERO_TIME);
        wait(sc_core::SC_ZERO_TIME);
        if ((sums.read() != nullptr) != (pipeline == 0))
            fail += fmt::format("P={}: sum {} in the driving clock\n", pipeline, sums.read() ? "present" : "absent");
        wait(clk.posedge_event());
        lanes.write(nullptr);
        // Clocks after the one the frame was driven in.
        for (int k = 0; k <= pipeline + 1; ++k) {
            wait(sc_core::SC_ZERO_TIME);
            wait(sc_core::SC_ZERO_TIME);
            bool present = sums.read() != nullptr;
            bool expected = pipeline == 0 ? false : k == pipeline - 1;
            // P = 0: the sum appeared with the lanes, in the driving clock (checked below).
            if (pipeline > 0 && present != expected)
                fail += fmt::format("P={}: sum {} {} clock(s) after driving\n", pipeline, present ? "present" : "absent", k + 1);
            if (present) {
                const TreeFrame& t = *sums.read();
                if (t.taps != taps) fail += fmt::format("{} taps, expected {}\n", t.taps, taps);
                for (int c = 0; c < g.bit_columns; ++c)
                    for (int s = 0; s < taps; ++s) {
                        int na = 0, nb = 0;
                        for (int r = s * tap_rows; r < (s + 1) * tap_rows; ++r) {
                            bool la = (in.a[size_t(r / 64)] >> (r % 64)) & 1, lb = (in.b[size_t(r / 64)] >> (r % 64)) & 1;
                            na += la && array.q(r, c);
                            nb += lb && array.q_bar(r, c);
                        }
                        if (t.sum_a[size_t(s * g.bit_columns + c)] != na || t.sum_b[size_t(s * g.bit_columns + c)] != nb)
                            fail += fmt::format("bit-column {} segment {}\n", c, s);
                    }
            }
            wait(clk.posedge_event());
        }
    });
    if (pipeline == 0 && tree.stats().frames != 1) fail += "combinational tree did not sum the frame\n";
    return fail.substr(0, 2000);
}

}  // namespace

TEST(AdderTree, SumsAndLatencyForEachPipelineDepth) {
    for (Mode mode : {Mode::Pointwise, Mode::Depthwise})
        for (int pipeline : {0, 1, 2, 4})
            EXPECT_EQ(test::run_in_child([&] { return tree_case(pipeline, 64, mode); }), "")
                << "P " << pipeline << " mode " << int(mode);
}

TEST(AdderTree, TapsGivePerSegmentSumsForNarrowSegments) {
    for (Mode mode : {Mode::Pointwise, Mode::Depthwise})
        for (int seg : {16, 32, 128})
            EXPECT_EQ(test::run_in_child([&] { return tree_case(1, seg, mode); }), "")
                << "segment " << seg << " mode " << int(mode);
}
