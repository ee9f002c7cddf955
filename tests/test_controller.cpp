// The controller and the TLM-2.0 target socket: registers and their reset
// values, response statuses for every kind of bad access, commands refused
// while busy or with bad arguments, and docs/memory-map.md matching the
// declared registers.
#include <fstream>
#include <regex>
#include <sstream>

#include <gtest/gtest.h>

#include <fmt/format.h>

#include "macro_bench.hpp"
#include "test_util.hpp"

using namespace ddcpim;
using namespace ddcpim::macro;

TEST(Controller, RegistersAndResponseStatuses) {
    std::string r = test::run_in_child([] {
        MacroParams p;
        p.rows = 128;
        p.weight_columns = 16;
        p.buffer_vectors = 4;
        return test::simulate(p, [](test::MacroBench& b) {
            auto status = [&](tlm::tlm_command c, uint64_t addr, unsigned len, unsigned sw = 0, unsigned char* be = nullptr) {
                std::vector<uint8_t> buf(len, 0);
                return b.transport(c, addr, buf.data(), len, sw, be);
            };
            b.expect(b.read_reg(reg::ID) == kMacroId, "ID");
            b.expect(b.read_reg(reg::ROWS) == 128 && b.read_reg(reg::COLUMNS) == 16, "geometry registers");
            b.expect(b.read_reg(reg::ROWS_USED) == 128 && b.read_reg(reg::VECTOR_COUNT) == 1, "reset values");
            b.expect(b.read_reg(reg::FEATURES) == 3, "features");
            b.expect(b.read_reg(reg::STATUS) == 0, "idle status");
            using namespace tlm;
            b.expect(status(TLM_WRITE_COMMAND, reg::ID, 4) == TLM_COMMAND_ERROR_RESPONSE, "write to RO");
            b.expect(status(TLM_READ_COMMAND, reg::MODE, 2) == TLM_BURST_ERROR_RESPONSE, "2-byte register access");
            b.expect(status(TLM_READ_COMMAND, reg::MODE + 1, 4) == TLM_BURST_ERROR_RESPONSE, "unaligned register");
            b.expect(status(TLM_READ_COMMAND, 0xF0, 4) == TLM_ADDRESS_ERROR_RESPONSE, "unmapped register");
            b.expect(status(TLM_READ_COMMAND, uint64_t(9) << 32, 4) == TLM_ADDRESS_ERROR_RESPONSE, "unmapped region");
            uint64_t in_size = region_size(Region::InputBuffer, b.macro.geometry());
            b.expect(status(TLM_WRITE_COMMAND, region_base(Region::InputBuffer) + in_size - 4, 4) == TLM_OK_RESPONSE, "last input word");
            b.expect(status(TLM_WRITE_COMMAND, region_base(Region::InputBuffer) + in_size - 2, 4) == TLM_ADDRESS_ERROR_RESPONSE, "past the input buffer");
            b.expect(status(TLM_WRITE_COMMAND, region_base(Region::OutputBuffer), 4) == TLM_COMMAND_ERROR_RESPONSE, "write output buffer");
            b.expect(status(TLM_READ_COMMAND, region_base(Region::OutputBuffer), 4) == TLM_OK_RESPONSE, "read output buffer");
            unsigned char be[4] = {0xff, 0xff, 0xff, 0xff};
            b.expect(status(TLM_WRITE_COMMAND, region_base(Region::InputBuffer), 4, 0, be) == TLM_BYTE_ENABLE_ERROR_RESPONSE, "byte enables");
            b.expect(status(TLM_WRITE_COMMAND, region_base(Region::InputBuffer), 8, 4) == TLM_BURST_ERROR_RESPONSE, "streaming");
            // Commands: invalid arguments and busy are refused with an error status.
            b.write_reg(reg::VECTOR_COUNT, 5);  // > 4 slots
            uint32_t run = kCommandRun;
            b.expect(b.transport(TLM_WRITE_COMMAND, reg::COMMAND, &run, 4) == TLM_GENERIC_ERROR_RESPONSE, "too many vectors");
            b.expect((b.read_reg(reg::STATUS) & kStatusError) != 0, "error bit");
            uint32_t bogus = 7;
            b.expect(b.transport(TLM_WRITE_COMMAND, reg::COMMAND, &bogus, 4) == TLM_GENERIC_ERROR_RESPONSE, "unknown command");
            b.write_reg(reg::WEIGHT_FIRST_ROW, 100);
            b.write_reg(reg::WEIGHT_ROW_COUNT, 29);  // 100 + 29 > 128
            uint32_t load = kCommandLoadWeights;
            b.expect(b.transport(TLM_WRITE_COMMAND, reg::COMMAND, &load, 4) == TLM_GENERIC_ERROR_RESPONSE, "rows past the array");
            b.write_reg(reg::VECTOR_COUNT, 4);
            b.expect(b.transport(TLM_WRITE_COMMAND, reg::COMMAND, &run, 4) == TLM_OK_RESPONSE, "valid run");
            b.expect((b.read_reg(reg::STATUS) & (kStatusBusy | kStatusError)) == kStatusBusy, "busy, error cleared");
            b.expect(b.transport(TLM_WRITE_COMMAND, reg::COMMAND, &run, 4) == TLM_GENERIC_ERROR_RESPONSE, "command while busy");
            sc_core::wait(b.macro.done_event());
            b.expect((b.read_reg(reg::STATUS) & (kStatusBusy | kStatusDone)) == kStatusDone, "done");
            b.expect(b.read_counter(reg::MVMS_DONE) == 4, "4 MVMs");
        });
    });
    EXPECT_EQ(r, "");
}

TEST(Controller, MemoryMapDocumentMatchesTheDeclaredRegisters) {
    std::ifstream f(test::source_path("docs/memory-map.md"));
    ASSERT_TRUE(f) << "docs/memory-map.md is missing";
    std::stringstream ss;
    ss << f.rdbuf();
    std::string doc = ss.str();
    // Rows: | NAME | 0xOFFSET | ACCESS | reset | description |
    std::regex row(R"(\|\s*([A-Z_0-9]+)\s*\|\s*(0x[0-9A-Fa-f]+)\s*\|\s*(RO|RW|WO)\s*\|\s*([^|]+?)\s*\|)");
    std::vector<std::smatch> rows;
    for (auto it = std::sregex_iterator(doc.begin(), doc.end(), row); it != std::sregex_iterator(); ++it) rows.push_back(*it);
    const auto& regs = register_decls();
    ASSERT_EQ(rows.size(), regs.size()) << "the document's register table has a different number of rows";
    const std::vector<std::string> from_params = {"ROWS", "COLUMNS", "WEIGHT_BITS", "INPUT_BITS", "SEGMENT_ROWS",
                                                  "FEATURES", "BUFFER_VECTORS", "ROWS_USED"};
    for (size_t i = 0; i < regs.size(); ++i) {
        EXPECT_EQ(rows[i][1].str(), regs[i].name);
        EXPECT_EQ(std::stoul(rows[i][2].str(), nullptr, 16), regs[i].offset) << regs[i].name;
        EXPECT_EQ(rows[i][3].str(), access_name(regs[i].access)) << regs[i].name;
        bool param = std::find(from_params.begin(), from_params.end(), regs[i].name) != from_params.end();
        if (param) EXPECT_EQ(rows[i][4].str(), "param") << regs[i].name;
        else EXPECT_EQ(std::stoul(rows[i][4].str(), nullptr, 16), regs[i].reset) << regs[i].name;
    }
}

TEST(Controller, TraceWritesAVcdWithTheDocumentedSignals) {
    test::TempDir d;
    std::string vcd = d.file("macro.vcd");
    std::string r = test::run_in_child([&] {
        MacroParams p;
        p.rows = 64;
        p.weight_columns = 4;
        return test::simulate(p, [](test::MacroBench& b) {
            b.put_input(0, 0, std::vector<int>(64, 5));
            b.command_and_wait(kCommandRun);
        }, vcd);
    });
    ASSERT_EQ(r, "");
    std::ifstream f(vcd);
    ASSERT_TRUE(f);
    std::stringstream ss;
    ss << f.rdbuf();
    std::string text = ss.str();
    for (const char* s : {"controller_state", "busy", "done", "lane_a_rows_0_63", "lane_b_rows_0_63",
                          "tree_root_a_bitcol0", "acc_a_col0", "mvms_done", "$enddefinitions"})
        EXPECT_NE(text.find(s), std::string::npos) << s;
    // Input 5 = 0b0101 on all 64 rows: lane A is all ones at bit 0.
    EXPECT_NE(text.find("b1111111111111111111111111111111111111111111111111111111111111111"), std::string::npos);
}

TEST(Controller, ArgumentsAreLatchedWhenTheCommandIsChecked) {
    std::string r = test::run_in_child([] {
        MacroParams p;
        p.rows = 64;
        p.weight_columns = 4;
        p.buffer_vectors = 2;
        return test::simulate(p, [](test::MacroBench& b) {
            b.write_reg(reg::VECTOR_COUNT, 2);
            b.write_reg(reg::COMMAND, kCommandRun);
            // Before the next clock: values the check would refuse.
            b.write_reg(reg::VECTOR_COUNT, 1000);
            b.write_reg(reg::ROWS_USED, 100000);
            sc_core::wait(b.macro.done_event());
            b.expect(b.read_counter(reg::MVMS_DONE) == 2, "the checked command ran as checked");
        });
    });
    EXPECT_EQ(r, "");
}
