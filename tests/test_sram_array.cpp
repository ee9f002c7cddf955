// The SRAM array through its write port: staged rows land in Q, every Q-bar
// is the complement of its Q, and the port writes write_rows_per_cycle rows
// per clock.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "ddcpim/common/rng.hpp"
#include "macro_bench.hpp"

using namespace ddcpim;
using namespace ddcpim::macro;

TEST(SramArray, WrittenRowsReadBackAndQBarIsTheComplement) {
    std::string r = test::run_in_child([] {
        MacroParams p;
        p.rows = 128;
        p.weight_columns = 6;
        p.write_rows_per_cycle = 4;
        Geometry g(p);
        sc_core::sc_clock clk("clk", 5, sc_core::SC_NS);
        sc_core::sc_signal<WriteCommand> cmd;
        sc_core::sc_signal<uint64_t> written;
        SramArray array("array", g);
        array.clk(clk);
        array.write_command(cmd);
        array.rows_written(written);
        std::string fail;
        Rng rng(3);
        for (auto& b : array.staging()) b = uint8_t(rng.below(256));
        test::run_script([&] {
            wait(clk.posedge_event());
            cmd.write({1, 8, 100});  // rows 8..107
            for (int cycle = 1; cycle <= 25; ++cycle) {
                wait(clk.posedge_event());
                wait(sc_core::SC_ZERO_TIME);
                // 4 rows per clock: 100 rows take 25 clocks, not 24.
                if (cycle == 24 && written.read() != 96) fail += fmt::format("after 24 clocks {} rows\n", written.read());
            }
            if (written.read() != 100) fail += fmt::format("after 25 clocks {} rows\n", written.read());
            if (array.stats().write_cycles != 25) fail += "write cycles\n";
        });
        for (int row = 0; row < g.rows; ++row)
            for (int c = 0; c < g.bit_columns; ++c) {
                bool staged = (array.staging()[size_t(row) * g.row_bytes + c / 8] >> (c % 8)) & 1;
                bool expect = row >= 8 && row < 108 ? staged : false;  // untouched rows stay 0
                if (array.q(row, c) != expect) fail += fmt::format("Q[{}][{}]\n", row, c);
                if (array.q_bar(row, c) != !array.q(row, c)) fail += fmt::format("Q-bar[{}][{}]\n", row, c);
            }
        return fail.substr(0, 2000);
    });
    EXPECT_EQ(r, "");
}
