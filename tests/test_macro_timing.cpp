// Cycle counts of the clocked model equal the closed forms of docs/timing.md:
// a weight load, one MVM, back-to-back MVMs with double-buffered inputs in
// the compute-bound and the load-bound regime, for several adder pipelines,
// input widths and bus widths.
#include <algorithm>

#include <gtest/gtest.h>

#include <fmt/format.h>

#include "macro_bench.hpp"

using namespace ddcpim;
using namespace ddcpim::macro;

namespace {

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// docs/timing.md
int64_t load_cycles(int rows, int rows_per_cycle) { return rows == 0 ? 1 : ceil_div(rows, rows_per_cycle) + 2; }
int64_t input_load_cycles(int rows_used, int ba, int lanes, int bus) {
    return std::max<int64_t>(1, ceil_div(int64_t(rows_used) * ba * lanes, bus));
}
int64_t run_cycles(int vectors, int ba, int64_t lin, int pipeline) {
    return lin + (vectors - 1) * std::max<int64_t>(ba, lin) + ba + pipeline + 4;
}

struct RunCase {
    int rows, ba, pipeline, bus, vectors, rows_used;
    bool depthwise;
    bool single_lane = false;  // depthwise: MODE bit 1 clear (a tile without pairs), lane B not loaded
};

std::string check_run(const RunCase& c) {
    MacroParams p;
    p.rows = c.rows;
    p.weight_columns = 4;
    p.input_bits = c.ba;
    p.adder_pipeline = c.pipeline;
    p.input_bus_bits = c.bus;
    p.segment_rows = std::min(64, c.rows);
    return test::simulate(p, [&](test::MacroBench& b) {
        b.write_reg(reg::MODE, c.depthwise ? (c.single_lane ? 1 : 3) : 0);
        b.write_reg(reg::ROWS_USED, uint32_t(c.rows_used));
        b.write_reg(reg::VECTOR_COUNT, uint32_t(c.vectors));
        uint64_t compute0 = b.read_counter(reg::CYCLES_COMPUTE), stall0 = b.read_counter(reg::CYCLES_STALL),
                 bus0 = b.read_counter(reg::CYCLES_INPUT_BUS);
        uint64_t busy = b.command_and_wait(kCommandRun);
        int lanes = c.depthwise && !c.single_lane ? 2 : 1;  // dual broadcast: a paired depthwise tile loads lane B too
        int64_t lin = input_load_cycles(c.rows_used, c.ba, lanes, c.bus);
        int64_t expect = run_cycles(c.vectors, c.ba, lin, c.pipeline);
        std::string what = fmt::format("rows {} Ba {} P {} bus {} n {} used {} dw {}: ", c.rows, c.ba, c.pipeline,
                                       c.bus, c.vectors, c.rows_used, c.depthwise);
        b.expect(int64_t(busy) == expect, what + fmt::format("busy {} cycles, closed form {}", busy, expect));
        b.expect(int64_t(b.read_counter(reg::CYCLES_COMPUTE) - compute0) == int64_t(c.vectors) * c.ba,
                 what + "compute cycles");
        int64_t stall = lin + (c.vectors - 1) * std::max<int64_t>(0, lin - c.ba);
        b.expect(int64_t(b.read_counter(reg::CYCLES_STALL) - stall0) == stall,
                 what + fmt::format("stall {} expected {}", b.read_counter(reg::CYCLES_STALL) - stall0, stall));
        b.expect(int64_t(b.read_counter(reg::CYCLES_INPUT_BUS) - bus0) == c.vectors * lin, what + "bus cycles");
        b.expect(b.read_counter(reg::MVMS_DONE) == uint64_t(c.vectors), what + "MVM count");
    });
}

}  // namespace

TEST(MacroTiming, WeightLoadTakesCeilRowsOverWriteBandwidth) {
    for (int per_cycle : {1, 3, 8})
        for (int rows : {0, 1, 7, 64, 256}) {
            std::string r = test::run_in_child([&] {
                MacroParams p;
                p.write_rows_per_cycle = per_cycle;
                return test::simulate(p, [&](test::MacroBench& b) {
                    uint64_t busy = b.load_weights(0, rows);
                    b.expect(int64_t(busy) == load_cycles(rows, per_cycle),
                             fmt::format("{} rows at {}/cycle: {} cycles, closed form {}", rows, per_cycle, busy,
                                         load_cycles(rows, per_cycle)));
                    b.expect(b.read_counter(reg::CYCLES_WEIGHT_WRITE) == uint64_t(ceil_div(rows, per_cycle)),
                             "write-port cycles");
                });
            });
            EXPECT_EQ(r, "");
        }
}

TEST(MacroTiming, OneMvm) {
    for (int pipeline : {0, 1, 2, 5}) {
        std::string r = test::run_in_child([&] { return check_run({256, 8, pipeline, 256, 1, 256, false}); });
        EXPECT_EQ(r, "");
    }
}

TEST(MacroTiming, BackToBackComputeBound) {
    // Lin <= Ba: loads hide behind compute, one MVM every Ba cycles.
    for (RunCase c : {RunCase{256, 8, 2, 256, 10, 256, false}, RunCase{256, 8, 2, 512, 7, 256, false},
                      RunCase{128, 4, 1, 256, 12, 100, false}})
        EXPECT_EQ(test::run_in_child([&] { return check_run(c); }), "");
}

TEST(MacroTiming, BackToBackLoadBoundStalls) {
    // Lin > Ba: the input bus is the bottleneck; depthwise loads two lanes.
    // A depthwise tile without pairs loads lane A only: the same run is compute-bound again.
    for (RunCase c : {RunCase{256, 8, 2, 128, 6, 256, false}, RunCase{256, 8, 2, 256, 5, 256, true},
                      RunCase{256, 8, 0, 100, 4, 256, false}, RunCase{256, 8, 2, 256, 5, 256, true, true}})
        EXPECT_EQ(test::run_in_child([&] { return check_run(c); }), "");
}

TEST(MacroTiming, DoneIsAbsentOneCycleBeforeTheClosedFormAndPresentAtIt) {
    std::string r = test::run_in_child([] {
        MacroParams p;
        return test::simulate(p, [&](test::MacroBench& b) {
            const int64_t expect = run_cycles(1, 8, 8, 2);
            b.write_reg(reg::COMMAND, kCommandRun);
            // The controller takes the command at the next edge; count edges from there.
            for (int64_t t = 1; t < expect; ++t) {
                sc_core::wait(b.clock.posedge_event());
                sc_core::wait(sc_core::SC_ZERO_TIME);  // let the edge's updates land
                b.expect((b.read_reg(reg::STATUS) & kStatusBusy) != 0, fmt::format("not busy at cycle {}", t));
            }
            sc_core::wait(b.clock.posedge_event());
            sc_core::wait(sc_core::SC_ZERO_TIME);
            b.expect((b.read_reg(reg::STATUS) & kStatusDone) != 0, fmt::format("not done at cycle {}", expect));
        });
    });
    EXPECT_EQ(r, "");
}
