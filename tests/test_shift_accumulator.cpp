// The shift-accumulators and the output buffer through their ports: weights
// 2^k with a negative MSB, input bits LSB first with a negative MSB for signed
// input, the result on the last bit only; the output buffer writes or
// accumulates its slot.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "ddcpim/common/rng.hpp"
#include "macro_bench.hpp"

using namespace ddcpim;
using namespace ddcpim::macro;

namespace {

std::string accumulate_case(bool sign, bool accumulate) {
    MacroParams p;
    p.rows = 64;
    p.weight_columns = 2;
    p.weight_bits = 4;
    p.input_bits = 4;
    Geometry g(p);
    sc_core::sc_clock clk("clk", 5, sc_core::SC_NS);
    sc_core::sc_signal<const ColumnFrame*> columns;
    sc_core::sc_signal<const ResultFrame*> results;
    sc_core::sc_signal<RunCommand> cmd;
    sc_core::sc_signal<uint64_t> written;
    ShiftAccumulator acc("acc", g);
    acc.clk(clk);
    acc.columns(columns);
    acc.results(results);
    OutputBuffer out("out", g);
    out.clk(clk);
    out.run_command(cmd);
    out.results(results);
    out.results_written(written);
    Rng rng(31 + sign);
    std::vector<ColumnFrame> frames(4);
    std::vector<std::vector<int32_t>> root_a(4), root_b(4);  // the tree roots the frames point at
    for (int t = 0; t < 4; ++t) {
        frames[size_t(t)].tag = {0, t, t == 3, sign, Mode::Pointwise};
        for (int i = 0; i < g.bit_columns; ++i)
            root_a[size_t(t)].push_back(int(rng.below(65))), root_b[size_t(t)].push_back(int(rng.below(65)));
        frames[size_t(t)].sum_a = root_a[size_t(t)].data();
        frames[size_t(t)].sum_b = root_b[size_t(t)].data();
    }
    // Expected: sum_t tw * sum_k wk * s[t][k]; wk = 1, 2, 4, -8; tw = 1, 2, 4, (signed ? -8 : 8).
    auto expected = [&](int side, int col) {
        int64_t v = 0;
        for (int t = 0; t < 4; ++t) {
            int64_t tw = (sign && t == 3) ? -8 : (1 << t);
            for (int k = 0; k < 4; ++k) {
                int64_t wk = k == 3 ? -8 : (1 << k);
                const auto& s = side == 0 ? root_a[size_t(t)] : root_b[size_t(t)];
                v += tw * wk * s[size_t(col * 4 + k)];
            }
        }
        return v;
    };
    std::string fail;
    const int32_t preset = 1000;
    for (auto& v : out.values()) v = preset;
    test::run_script([&] {
        RunCommand c;
        c.id = 1;
        c.out_slot = 3;
        c.accumulate = accumulate;
        cmd.write(c);
        for (int t = 0; t < 4; ++t) {
            wait(clk.posedge_event());
            columns.write(&frames[size_t(t)]);
        }
        wait(clk.posedge_event());
        columns.write(nullptr);
        wait(sc_core::SC_ZERO_TIME);
        wait(sc_core::SC_ZERO_TIME);
        // The accumulators took the last bit at this edge; the result is out now, not stored yet.
        if (!results.read()) fail += "no result after the last bit\n";
        if (written.read() != 0) fail += "stored too early\n";
        wait(clk.posedge_event());
        wait(sc_core::SC_ZERO_TIME);
        wait(sc_core::SC_ZERO_TIME);
        if (results.read()) fail += "result valid for more than one clock\n";
        if (written.read() != 1) fail += "not stored one clock later\n";
    });
    for (int side = 0; side < 2; ++side)
        for (int col = 0; col < 2; ++col) {
            int64_t e = expected(side, col) + (accumulate ? preset : 0);
            if (out.value(3, side, col, 0) != e)
                fail += fmt::format("side {} column {}: {} != {}\n", side, col, out.value(3, side, col, 0), e);
        }
    if (out.value(2, 0, 0, 0) != preset) fail += "another slot changed\n";
    return fail;
}

}  // namespace

TEST(ShiftAccumulator, SignedAndUnsignedInputsWriteTheirSlot) {
    EXPECT_EQ(test::run_in_child([] { return accumulate_case(true, false); }), "");
    EXPECT_EQ(test::run_in_child([] { return accumulate_case(false, false); }), "");
}

TEST(OutputBuffer, AccumulatesPartialSumsAcrossRowTiles) {
    EXPECT_EQ(test::run_in_child([] { return accumulate_case(true, true); }), "");
}
