// The input driver through its ports: lane bits per cycle (LSB first),
// pointwise lanes equal, depthwise lanes carry their own vectors, the
// baseline drives lane A only, rows past rows_used get 0.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "ddcpim/common/rng.hpp"
#include "macro_bench.hpp"

using namespace ddcpim;
using namespace ddcpim::macro;

namespace {

// Runs one vector through a driver and returns failures; checks each
// driven frame against the bytes of the slot.
std::string drive(bool dual, Mode mode, int rows_used, bool partner_lane = true) {
    MacroParams p;
    p.rows = 128;
    p.dual_broadcast = dual;
    p.complementary = dual;
    p.input_bits = 8;
    Geometry g(p);
    sc_core::sc_clock clk("clk", 5, sc_core::SC_NS);
    sc_core::sc_signal<RunCommand> cmd;
    sc_core::sc_signal<const LaneFrame*> lanes;
    sc_core::sc_signal<uint64_t> issued;
    InputDriver d("driver", g);
    d.clk(clk);
    d.run_command(cmd);
    d.lanes(lanes);
    d.vectors_issued(issued);
    Rng rng(9);
    for (auto& b : d.input_buffer()) b = uint8_t(rng.below(256));
    std::string fail;
    test::run_script([&] {
        wait(clk.posedge_event());
        RunCommand c;
        c.id = 1;
        c.vectors = 1;
        c.in_slot = 2;
        c.rows_used = rows_used;
        c.mode = mode;
        c.partner_lane = partner_lane;
        cmd.write(c);
        int bits_seen = 0;
        for (int cycle = 0; cycle < 40; ++cycle) {
            wait(clk.posedge_event());
            wait(sc_core::SC_ZERO_TIME);
            const LaneFrame* f = lanes.read();
            if (!f) continue;
            int t = f->tag.bit;
            if (t != bits_seen) fail += fmt::format("bit {} out of order\n", t);
            ++bits_seen;
            const uint8_t* a = &d.input_buffer()[size_t(2 * 2) * g.rows];
            const uint8_t* b = a + g.rows;
            for (int r = 0; r < g.rows; ++r) {
                bool la = (f->a[size_t(r / 64)] >> (r % 64)) & 1, lb = (f->b[size_t(r / 64)] >> (r % 64)) & 1;
                bool ea = r < rows_used && ((a[r] >> t) & 1);
                bool b_driven = mode == Mode::Depthwise ? dual && partner_lane : dual;
                bool eb = b_driven && r < rows_used && (((mode == Mode::Depthwise ? b[r] : a[r]) >> t) & 1);
                if (la != ea || lb != eb) fail += fmt::format("row {} bit {}: A {} B {}\n", r, t, la, lb);
            }
        }
        if (bits_seen != 8) fail += fmt::format("{} bits driven, expected 8\n", bits_seen);
        if (issued.read() != 1) fail += "vector not counted\n";
        // The bus carries lane B only when it is driven in depthwise mode: rows_used * 8 bits per lane.
        const int lanes_loaded = mode == Mode::Depthwise && dual && partner_lane ? 2 : 1;
        if (d.stats().bits_moved != uint64_t(rows_used) * 8 * lanes_loaded)
            fail += fmt::format("{} bits moved, expected {}\n", d.stats().bits_moved, rows_used * 8 * lanes_loaded);
        if (d.load_cycles(c) != (rows_used * 8 * lanes_loaded + 255) / 256)
            fail += fmt::format("{} load cycles\n", d.load_cycles(c));
    });
    return fail.substr(0, 2000);
}

}  // namespace

TEST(InputDriver, PointwiseLanesAreEqual) {
    EXPECT_EQ(test::run_in_child([] { return drive(true, Mode::Pointwise, 128); }), "");
}

TEST(InputDriver, DepthwiseLanesCarryTheirOwnVectors) {
    EXPECT_EQ(test::run_in_child([] { return drive(true, Mode::Depthwise, 128); }), "");
}

TEST(InputDriver, AnUnpairedDepthwiseTileLoadsLaneAOnly) {
    // The host clears MODE bit 1 for a tile without pairs: lane B is neither loaded nor driven.
    EXPECT_EQ(test::run_in_child([] { return drive(true, Mode::Depthwise, 128, false); }), "");
}

TEST(InputDriver, BaselineDrivesLaneAOnly) {
    EXPECT_EQ(test::run_in_child([] { return drive(false, Mode::Depthwise, 128); }), "");
    EXPECT_EQ(test::run_in_child([] { return drive(false, Mode::Pointwise, 128); }), "");
}

TEST(InputDriver, RowsPastRowsUsedGetZero) {
    EXPECT_EQ(test::run_in_child([] { return drive(true, Mode::Pointwise, 77); }), "");
}
