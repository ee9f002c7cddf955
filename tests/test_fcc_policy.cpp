// The pairing policy (fcc.policy, docs/fcc.md): which MAC layers `pairs: auto` pairs, decided from the graph,
// on hand-built networks whose answer is known: a projection feeding an add, a squeeze-excitation block, a
// classifier, a layer with two consumers of which one is linear.
#include <gtest/gtest.h>

#include <map>

#include "ddcpim/fcc/policy.hpp"
#include "ddcpim/network/network.hpp"
#include "test_util.hpp"

namespace ddcpim {
namespace {

// Stem, an inverted residual block with SE (expand, depthwise, SE reduce/expand, projection into an add),
// a head whose output has two consumers (a rectifier and an add), pool and classifier.
const char* kNet = R"(
fcc: {pairs: auto, policy: POLICY}
network:
  name: policy_net
  input: {channels: 4, height: 8, width: 8}
  layers:
    - {name: stem, kind: conv, out_channels: 8, kernel: 3, padding: 1}
    - {name: stem_act, kind: relu6}
    - {name: expand, kind: pointwise, out_channels: 16}
    - {name: expand_act, kind: swish}
    - {name: dw, kind: depthwise, kernel: 3, padding: 1}
    - {name: dw_act, kind: swish}
    - {name: se_pool, kind: avgpool}
    - {name: se_reduce, kind: pointwise, out_channels: 4}
    - {name: se_reduce_act, kind: swish}
    - {name: se_expand, kind: pointwise, out_channels: 16}
    - {name: se_gate, kind: sigmoid}
    - {name: se, kind: se, inputs: [dw_act, se_gate]}
    - {name: project, kind: pointwise, out_channels: 8}
    - {name: add, kind: add, inputs: [stem_act, project]}
    - {name: head, kind: pointwise, out_channels: 8}
    - {name: head_act, kind: relu}
    - {name: mix, kind: add, inputs: [head, head_act]}
    - {name: head2, kind: pointwise, out_channels: 16}
    - {name: head2_act, kind: relu}
    - {name: pool, kind: avgpool}
    - {name: classifier, kind: fc, out_features: 10}
)";

struct Seen {
    bool paired;
    std::string role, reason;
};

std::map<std::string, Seen> decide(const std::string& policy, const std::string& extra = "") {
    std::string text = kNet;
    text.replace(text.find("POLICY"), 6, policy + extra);
    ConfigFile cfg = test::parse_config_text(text);
    std::map<std::string, Seen> out;
    for (const auto& d : cfg.fcc_policy) {
        const LayerDesc& l = cfg.network.layers[static_cast<size_t>(d.layer)];
        out[l.name] = {d.paired, fcc::role_name(d.role), d.reason};
        // What the loader does with the decision: `auto` stays only where the policy pairs.
        EXPECT_EQ(l.fcc.mode == PairSpec::Mode::Auto, d.paired) << l.name;
    }
    return out;
}

TEST(FccPolicy, RolesFromTheGraph) {
    auto d = decide("all");
    std::map<std::string, std::string> want = {{"stem", "stem"},     {"expand", "expand"}, {"dw", "depthwise"},
                                               {"se_reduce", "se"},  {"se_expand", "se"},  {"project", "project"},
                                               {"head", "project"},  {"head2", "head"},    {"classifier", "fc"}};
    ASSERT_EQ(d.size(), want.size());
    for (auto& [name, role] : want) EXPECT_EQ(d[name].role, role) << name;
    for (auto& [name, s] : d) EXPECT_TRUE(s.paired) << name;
}

TEST(FccPolicy, RectifiedPairsOnlyWhatARectifierFollows) {
    auto d = decide("rectified");
    for (const char* yes : {"stem", "expand", "dw", "se_reduce", "head2"}) EXPECT_TRUE(d[yes].paired) << yes;
    // A projection feeding an add: linear.
    EXPECT_FALSE(d["project"].paired);
    EXPECT_EQ(d["project"].reason, "linear consumer add 'add'");
    // The SE excitation ends in a sigmoid, odd-symmetric: sigmoid(-y) = 1 - sigmoid(y).
    EXPECT_FALSE(d["se_expand"].paired);
    EXPECT_NE(d["se_expand"].reason.find("sigmoid 'se_gate'"), std::string::npos);
    // The classifier is the network's output.
    EXPECT_FALSE(d["classifier"].paired);
    EXPECT_EQ(d["classifier"].reason, "network output (linear)");
    // Two consumers, a rectifier and an add: one linear path is enough to make the pair a loss.
    EXPECT_FALSE(d["head"].paired);
    EXPECT_EQ(d["head"].reason, "linear consumer add 'mix'");
    EXPECT_EQ(d["stem"].reason, "rectified by relu6 'stem_act'");
}

TEST(FccPolicy, KindsPairByRole) {
    auto d = decide("kinds", ", kinds: [stem, expand, head]");
    for (auto& [name, s] : d) EXPECT_EQ(s.paired, name == "stem" || name == "expand" || name == "head2") << name;
    EXPECT_EQ(d["dw"].reason, "role depthwise not in fcc.kinds");
}

TEST(FccPolicy, SkipAppliesUnderEveryPolicyAndListIsAllButSkip) {
    auto d = decide("list", ", skip: [expand, classifier]");
    for (auto& [name, s] : d) EXPECT_EQ(s.paired, name != "expand" && name != "classifier") << name;
    EXPECT_EQ(d["expand"].reason, "in fcc.skip");
    auto r = decide("rectified", ", skip: [expand]");
    EXPECT_FALSE(r["expand"].paired);
    EXPECT_TRUE(r["stem"].paired);
}

TEST(FccPolicy, ALayersOwnPairsWin) {
    std::string text = kNet;
    text.replace(text.find("POLICY"), 6, "rectified");
    // The classifier asks for auto itself: the policy does not override a layer's own fcc.pairs.
    text.replace(text.find("out_features: 10}"), 17, "out_features: 10, fcc: {pairs: auto}}");
    ConfigFile cfg = test::parse_config_text(text);
    EXPECT_EQ(cfg.network.layers.back().fcc.mode, PairSpec::Mode::Auto);
}

TEST(FccPolicy, BadPolicyInputNamesTheKey) {
    auto err = [](const std::string& fcc) {
        std::string text = kNet;
        text.replace(text.find("{pairs: auto, policy: POLICY}"), 29, fcc);
        try {
            test::parse_config_text(text);
        } catch (const UserError& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    EXPECT_NE(err("{pairs: auto, policy: best}").find("policy"), std::string::npos);
    EXPECT_NE(err("{pairs: auto, policy: kinds}").find("kinds"), std::string::npos);
    EXPECT_NE(err("{pairs: auto, policy: kinds, kinds: [stem, tail]}").find("tail"), std::string::npos);
    EXPECT_NE(err("{pairs: auto, policy: kinds, kinds: [stem, stem]}").find("twice"), std::string::npos);
    EXPECT_NE(err("{pairs: auto, kinds: [stem]}").find("only with policy: kinds"), std::string::npos);
}

TEST(FccPolicy, ResolvedConfigWritesThePolicyBack) {
    std::string text = kNet;
    text.replace(text.find("POLICY"), 6, "kinds, kinds: [stem, head]");
    ConfigFile cfg = test::parse_config_text(text);
    YAML::Node y = resolved_config_yaml(cfg);
    EXPECT_EQ(y["fcc"]["policy"].as<std::string>(), "kinds");
    EXPECT_EQ(y["fcc"]["kinds"].size(), 2u);
}

}  // namespace
}  // namespace ddcpim
