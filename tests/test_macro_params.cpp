// The macro parameter table: defaults, the baseline switch, YAML round trip,
// and docs/config.md documenting every declared parameter with its default.
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include <fmt/format.h>

#include "ddcpim/common/error.hpp"
#include "ddcpim/config/macro_params.hpp"
#include "ddcpim/config/system_params.hpp"
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

TEST(SystemParams, DocumentedInConfigMdWithTheirDefaults) {
    std::ifstream f(test::source_path("docs/config.md"));
    std::stringstream ss;
    ss << f.rdbuf();
    const std::string doc = ss.str();
    auto check = [&](const char* name, const std::string& text) {
        const std::string row = std::string("| `") + name + "` |";
        auto at = doc.find(row);
        ASSERT_NE(at, std::string::npos) << "no table row for " << name;
        const std::string line = doc.substr(at, doc.find('\n', at) - at);
        EXPECT_NE(line.find("| " + text + " |"), std::string::npos) << name << " default " << text << " not in: " << line;
    };
    const MemoryParams mem;
    const SystemParams sys;
    for (const auto& d : memory_param_decls())
        std::visit([&](auto member) { check(d.name, fmt::format("{}", mem.*member)); }, d.member);
    for (const auto& d : system_param_decls())
        std::visit([&](auto member) { check(d.name, fmt::format("{}", sys.*member)); }, d.member);
}

TEST(SystemParams, ParsedStrictlyAndWrittenBack) {
    const YAML::Node m = YAML::Load("{bytes_per_cycle: 8, latency: 0}");
    MemoryParams p = parse_memory_params(StrictNode(m, "t.yaml", "memory"));
    EXPECT_EQ(p.bytes_per_cycle, 8);
    EXPECT_EQ(p.latency, 0);
    const YAML::Node s = YAML::Load("{residency: static, link_bytes_per_cycle: 32}");
    SystemParams q = parse_system_params(StrictNode(s, "t.yaml", "system"));
    EXPECT_EQ(q.residency, "static");
    EXPECT_EQ(q.link_bytes_per_cycle, 32);
    EXPECT_EQ(parse_system_params(StrictNode(system_params_to_yaml(q), "t.yaml", "system")).residency, "static");
    auto error = [](const char* yaml, const char* section) -> std::string {
        try {
            const YAML::Node n = YAML::Load(yaml);
            if (std::string(section) == "memory") parse_memory_params(StrictNode(n, "t.yaml", section));
            else parse_system_params(StrictNode(n, "t.yaml", section));
        } catch (const UserError& e) {
            return e.what();
        }
        return "";
    };
    EXPECT_NE(error("{bytes_per_cycle: 0}", "memory").find("memory.bytes_per_cycle"), std::string::npos);
    EXPECT_NE(error("{bandwidth: 8}", "memory").find("bandwidth"), std::string::npos);
    EXPECT_NE(error("{residency: dynamic}", "system").find("system.residency"), std::string::npos);
    EXPECT_NE(error("{link_bytes_per_cycle: 0}", "system").find("system.link_bytes_per_cycle"), std::string::npos);
    EXPECT_NE(error("{select_bits: 30}", "system").find("system.select_bits"), std::string::npos);
}
