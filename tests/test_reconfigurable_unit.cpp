// The reconfigurable unit through its ports: pointwise passes the tree roots
// on, depthwise the segment taps (the tree sums what the mode takes,
// test_adder_tree), both without copying them, and depthwise adds, per column and segment, lane B's
// ones on the rows the column leaves unused.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "ddcpim/common/rng.hpp"
#include "macro_bench.hpp"

using namespace ddcpim;
using namespace ddcpim::macro;

TEST(ReconfigurableUnit, RootsTapsAndCorrection) {
    std::string r = test::run_in_child([] {
        MacroParams p;
        p.rows = 128;
        p.weight_columns = 5;
        p.segment_rows = 32;
        Geometry g(p);
        sc_core::sc_signal<const TreeFrame*> sums;
        sc_core::sc_signal<const ColumnFrame*> columns;
        ReconfigurableUnit unit("unit", g);
        unit.sums(sums);
        unit.columns(columns);
        Rng rng(23);
        for (auto& b : unit.used_masks()) b = uint8_t(rng.below(256));
        unit.masks_written();
        TreeFrame in;
        for (int i = 0; i < g.bit_columns * g.segments; ++i) in.sum_a.push_back(int(rng.below(33))), in.sum_b.push_back(int(rng.below(33)));
        for (int w = 0; w < g.words; ++w) in.lane_b.push_back(rng.next());
        // The tree's totals of the products that were 1, as AdderTree::compute gives them with the sums.
        auto set_totals = [&] {
            in.ones_a = in.ones_b = 0;
            for (int32_t v : in.sum_a) in.ones_a += uint64_t(v);
            for (int32_t v : in.sum_b) in.ones_b += uint64_t(v);
        };
        set_totals();
        std::string fail;
        test::run_script([&] {
            // The last two passes: side A without a product that was 1 (a bit-plane of zeros), which the unit
            // marks zero_a, its sums 0 in either mode, side B as before.
            for (int pass = 0; pass < 4; ++pass) {
                const Mode mode = pass % 2 == 0 ? Mode::Pointwise : Mode::Depthwise;
                if (pass == 2) {
                    std::fill(in.sum_a.begin(), in.sum_a.end(), 0);
                    set_totals();
                }
                in.tag.mode = mode;
                in.taps = mode == Mode::Depthwise ? g.segments : 1;  // the first bit_columns sums: the roots
                sums.write(nullptr);
                wait(sc_core::SC_ZERO_TIME);
                sums.write(&in);
                wait(sc_core::SC_ZERO_TIME);
                wait(sc_core::SC_ZERO_TIME);  // combinational: there in the same time step
                const ColumnFrame* out = columns.read();
                if (!out) {
                    fail += "no output\n";
                    continue;
                }
                int S = mode == Mode::Depthwise ? g.segments : 1;
                if (out->out_segments != S) fail += "segment count\n";
                if (out->zero_a != (pass >= 2) || out->zero_b) fail += fmt::format("pass {}: zero flags\n", pass);
                if (out->sum_a != in.sum_a.data() || out->sum_b != in.sum_b.data()) fail += "sums copied\n";
                for (int c = 0; c < g.bit_columns; ++c)
                    for (int s = 0; s < S; ++s)
                        if (out->sum_a[size_t(s * g.bit_columns + c)] != in.sum_a[size_t(s * g.bit_columns + c)] ||
                            out->sum_b[size_t(s * g.bit_columns + c)] != in.sum_b[size_t(s * g.bit_columns + c)])
                            fail += fmt::format("mode {} bit-column {} segment {}\n", int(mode), c, s);
                if (mode == Mode::Depthwise)
                    for (int col = 0; col < g.columns; ++col)
                        for (int s = 0; s < S; ++s) {
                            int n = 0;
                            for (int row = s * 32; row < (s + 1) * 32; ++row) {
                                bool used = (unit.used_masks()[size_t(col * g.mask_bytes + row / 8)] >> (row % 8)) & 1;
                                bool b = (in.lane_b[size_t(row / 64)] >> (row % 64)) & 1;
                                n += b && !used;
                            }
                            if (out->correction[size_t(col * S + s)] != n)
                                fail += fmt::format("correction column {} segment {}: {} != {}\n", col, s,
                                                    out->correction[size_t(col * S + s)], n);
                        }
            }
        });
        return fail.substr(0, 2000);
    });
    EXPECT_EQ(r, "");
}
