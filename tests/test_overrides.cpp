#include <gtest/gtest.h>

#include "ddcpim/config/overrides.hpp"
#include "ddcpim/network/network.hpp"
#include "test_util.hpp"

using namespace ddcpim;

namespace {
const char* kConfig = R"(
macro: {}
weights: {source: synthetic, seed: 3}
network:
  name: n
  input: {channels: 2, height: 6, width: 6}
  layers:
    - {name: c1, kind: conv, out_channels: 4, kernel: 3, padding: 1}
    - {name: r1, kind: relu}
    - {name: c2, kind: conv, out_channels: 4, kernel: 3, padding: 1}
)";

ConfigFile with(const std::vector<std::string>& sets) {
    YAML::Node root = YAML::Load(kConfig);
    std::vector<Override> ov;
    for (auto& s : sets) ov.push_back(parse_override(s));
    apply_overrides(root, ov);
    return parse_config(root, "t.yaml");
}
}  // namespace

TEST(Overrides, SetsMacroAndNestedKeys) {
    ConfigFile c = with({"macro.rows=128", "macro.complementary=false", "macro.dual_broadcast=false",
                         "weights.seed=9", "network.input.height=8"});
    EXPECT_EQ(c.macro.rows, 128);
    EXPECT_FALSE(c.macro.complementary);
    EXPECT_EQ(c.weights.seed, 9u);
    EXPECT_EQ(c.network.input.shape.h, 8);
    EXPECT_EQ(c.network.layers[0].out_shape.h, 8);
}

TEST(Overrides, AddressesLayersByNameAndIndex) {
    ConfigFile c = with({"network.layers.c2.stride=2", "network.layers[0].out_channels=6",
                         "network.layers.c1.padding=[0, 1, 2, 1]"});
    EXPECT_EQ(c.network.layers[2].stride, 2);
    EXPECT_EQ(c.network.layers[0].out_channels, 6);
    EXPECT_EQ(c.network.layers[0].padding.bottom, 2);
    EXPECT_EQ(c.network.layers[2].in_shape.c, 6);
}

TEST(Overrides, LaterOverrideWins) {
    EXPECT_EQ(with({"macro.rows=64", "macro.rows=512"}).macro.rows, 512);
}

TEST(Overrides, TypoIsAnUnknownKeyError) {
    try {
        with({"macro.rowz=128"});
        FAIL();
    } catch (const UserError& e) {
        EXPECT_EQ(e.where().key, "macro.rowz");
        EXPECT_NE(std::string(e.what()).find("unknown key"), std::string::npos);
    }
}

TEST(Overrides, BadSyntaxAndUnknownLayer) {
    EXPECT_THROW(parse_override("macro.rows"), UserError);
    EXPECT_THROW(parse_override("=3"), UserError);
    EXPECT_THROW(with({"network.layers.nope.stride=2"}), UserError);
    EXPECT_THROW(with({"network.layers[9].stride=2"}), UserError);
    EXPECT_THROW(with({"macro.rows=[1"}), UserError);
    EXPECT_THROW(with({"macro.rows=abc"}), UserError);
}
