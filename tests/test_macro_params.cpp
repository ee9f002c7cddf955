// The macro parameter table: defaults, the baseline switch, YAML round trip,
// and docs/config.md documenting every declared parameter with its default.
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "ddcpim/config/macro_params.hpp"
#include "test_util.hpp"

using namespace ddcpim;

TEST(MacroParams, DefaultsAreThoseOfTheArchitecture) {
    MacroParams p = parse_macro_params(StrictNode(YAML::Load("{}"), "t.yaml", "macro"));
    EXPECT_EQ(p.rows, 256);
    EXPECT_EQ(p.weight_columns, 32);
    EXPECT_EQ(p.weight_bits, 8);
    EXPECT_EQ(p.input_bits, 8);
    EXPECT_TRUE(p.complementary);
    EXPECT_TRUE(p.dual_broadcast);
    EXPECT_EQ(p.dw_mapping, "toeplitz");
    EXPECT_EQ(p.segment_rows, 64);
    EXPECT_EQ(p.adder_pipeline, 2);
    EXPECT_EQ(p.write_rows_per_cycle, 1);
    EXPECT_EQ(p.input_bus_bits, 256);
    EXPECT_EQ(p.clock_mhz, 200);
    EXPECT_EQ(p.macros, 1);
}

TEST(MacroParams, BaselineSwitchesTheThreeDdcFeatures) {
    MacroParams b = MacroParams{}.as_baseline();
    EXPECT_FALSE(b.complementary);
    EXPECT_FALSE(b.dual_broadcast);
    EXPECT_EQ(b.dw_mapping, "diagonal");
    EXPECT_EQ(b.rows, 256);
}

TEST(MacroParams, YamlRoundTrip) {
    MacroParams p;
    p.rows = 128;
    p.dw_mapping = "diagonal";
    p.clock_mhz = 333.5;
    MacroParams q = parse_macro_params(StrictNode(macro_params_to_yaml(p), "t.yaml", "macro"));
    EXPECT_EQ(q.rows, 128);
    EXPECT_EQ(q.dw_mapping, "diagonal");
    EXPECT_EQ(q.clock_mhz, 333.5);
}

TEST(MacroParams, DocumentedInConfigMdWithTheirDefaults) {
    std::ifstream f(test::source_path("docs/config.md"));
    ASSERT_TRUE(f) << "docs/config.md is missing";
    std::stringstream ss;
    ss << f.rdbuf();
    std::string doc = ss.str();
    for (const auto& d : macro_param_decls()) {
        std::string row = std::string("| `") + d.name + "` |";
        auto at = doc.find(row);
        ASSERT_NE(at, std::string::npos) << "no table row for " << d.name;
        std::string line = doc.substr(at, doc.find('\n', at) - at);
        EXPECT_NE(line.find("| " + macro_param_default_text(d) + " |"), std::string::npos)
            << d.name << " default " << macro_param_default_text(d) << " not in: " << line;
    }
}
