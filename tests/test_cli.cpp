// The command-line tools: exit status 0 on success, 2 on a user's mistake
// with a message naming the file; --dump writes readable files.
#include <filesystem>

#include <gtest/gtest.h>

#include "ddcpim/common/npy.hpp"
#include "test_util.hpp"

using namespace ddcpim;

namespace {
std::string bin(const std::string& tool) { return std::string(DDCPIM_BIN_DIR) + "/" + tool; }
std::string tiny() { return test::source_path("configs/tiny_residual.yaml"); }
}  // namespace

TEST(Cli, RefRunsAndPrintsTotals) {
    std::string out;
    ASSERT_EQ(test::run_command(bin("ddcpim_ref") + " --config " + tiny(), &out), 0) << out;
    EXPECT_NE(out.find("total: 14556 MACs"), std::string::npos) << out;
    EXPECT_NE(out.find("se_gate"), std::string::npos);
}

TEST(Cli, UserMistakesExitWith2AndSayWhere) {
    std::string out;
    EXPECT_EQ(test::run_command(bin("ddcpim_ref") + " --config /no/such.yaml", &out), 2);
    EXPECT_NE(out.find("/no/such.yaml"), std::string::npos) << out;
    EXPECT_EQ(test::run_command(bin("ddcpim_ref") + " --config " + tiny() + " --set macro.rowz=1", &out), 2);
    EXPECT_NE(out.find("macro.rowz"), std::string::npos) << out;
    EXPECT_EQ(test::run_command(bin("ddcpim_ref") + " --config " + tiny() + " --set network.layers.dw2.kernel=12", &out), 2);
    EXPECT_NE(out.find("layer 'dw2'"), std::string::npos) << out;
    EXPECT_EQ(test::run_command(bin("ddcpim_ref") + " --bogus-flag", &out), 2);
    EXPECT_EQ(test::run_command(bin("ddcpim_sim") + " --config " + tiny() + " --set macro.rows=-3", &out), 2);
    EXPECT_NE(out.find("macro.rows"), std::string::npos) << out;
}

TEST(Cli, ResolvedConfigIsWrittenAndLoadsBack) {
    test::TempDir d;
    std::string out;
    ASSERT_EQ(test::run_command(bin("ddcpim_ref") + " --config " + tiny() + " --set macro.rows=128 --write-config " +
                                    d.file("r.yaml"),
                                &out),
              0) << out;
    ConfigFile c = load_config(d.file("r.yaml"));
    EXPECT_EQ(c.macro.rows, 128);
    EXPECT_EQ(c.macro.weight_columns, 32);  // defaults are written out
    EXPECT_EQ(c.network.layers.size(), 17u);
}

TEST(Cli, DumpWritesEveryMacLayer) {
    test::TempDir d;
    std::string out;
    ASSERT_EQ(test::run_command(bin("ddcpim_ref") + " --config " + tiny() + " --dump " + d.path(), &out), 0) << out;
    // 8 MAC layers, 4 files each.
    int n = 0;
    for (auto& e : std::filesystem::directory_iterator(d.path())) n += e.is_regular_file();
    EXPECT_EQ(n, 32);
    NpyArray acc = read_npy(d.file("06_dw2.acc.npy"));
    EXPECT_EQ(acc.shape, (std::vector<int64_t>{7, 3, 2}));
    NpyArray w = read_npy(d.file("16_classifier.weight.npy"));
    EXPECT_EQ(w.shape, (std::vector<int64_t>{10, 12, 1, 1}));
    EXPECT_TRUE(std::filesystem::exists(d.file("06_dw2.json")));
}

TEST(Cli, SimSaysItUsesTheReferenceEngineForNow) {
    std::string out;
    ASSERT_EQ(test::run_command(bin("ddcpim_sim") + " --config " + tiny(), &out), 0) << out;
    EXPECT_NE(out.find("reference engine"), std::string::npos) << out;
}
