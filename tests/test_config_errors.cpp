// Every class of bad input gets a UserError that names where (file, line,
// layer, key) and what was expected.
#include <filesystem>

#include <gtest/gtest.h>

#include "ddcpim/network/network.hpp"
#include "test_util.hpp"

using namespace ddcpim;

namespace {

const std::string kHeader = R"(macro: {}
weights: {source: synthetic, seed: 1}
network:
  name: n
  input: {channels: 3, height: 8, width: 8, signed: true}
  layers:
)";

struct Expect {
    int line;             // 0: don't check
    std::string layer;    // "": don't check
    std::string key;      // "": don't check
    std::string message;  // substring of the message
};

void expect_error(const std::string& yaml, const Expect& e) {
    try {
        ConfigFile c = test::parse_config_text(yaml, "bad.yaml");
        build_network(c);
        FAIL() << "no error for:\n" << yaml;
    } catch (const UserError& err) {
        std::string what = err.what();
        EXPECT_EQ(err.where().file, "bad.yaml") << what;
        if (e.line) {
            EXPECT_EQ(err.where().line, e.line) << what;
        }
        if (!e.layer.empty()) {
            EXPECT_EQ(err.where().layer, e.layer) << what;
        }
        if (!e.key.empty()) {
            EXPECT_EQ(err.where().key, e.key) << what;
        }
        EXPECT_NE(what.find(e.message), std::string::npos) << "message was: " << what;
        EXPECT_EQ(what.rfind("bad.yaml", 0), 0u) << what;
    }
}

}  // namespace

TEST(ConfigErrors, MalformedYamlGivesFileAndLine) {
    test::TempDir d;
    test::write_text(d.file("m.yaml"), "macro: {rows: 3\nweights: [\n");
    try {
        load_config(d.file("m.yaml"));
        FAIL();
    } catch (const UserError& e) {
        EXPECT_EQ(e.where().file, d.file("m.yaml"));
        EXPECT_GT(e.where().line, 0);
        EXPECT_NE(std::string(e.what()).find("malformed YAML"), std::string::npos);
    }
}

TEST(ConfigErrors, MissingFile) {
    EXPECT_THROW(load_config("/no/such/config.yaml"), UserError);
}

TEST(ConfigErrors, UnknownKeys) {
    expect_error(kHeader + "    - {name: c, kind: conv, out_channels: 4, kernel: 3, strid: 2}\n",
                 {7, "c", "network.layers[0].strid", "unknown key"});
    expect_error("macro: {rows: 64, colums: 3}\n" + kHeader.substr(kHeader.find('\n') + 1) +
                     "    - {name: c, kind: relu}\n",
                 {1, "", "macro.colums", "unknown key"});
    expect_error(kHeader + "    - {name: c, kind: relu}\nextra: 1\n", {8, "", "extra", "unknown key"});
    // A key of another kind is unknown here: relu has no kernel.
    expect_error(kHeader + "    - {name: c, kind: relu, kernel: 3}\n", {7, "c", "network.layers[0].kernel", "unknown key"});
}

TEST(ConfigErrors, AMisspeltKeyIsNamedBeforeTheKeyItWasMeantToBe) {
    // kernel_size for kernel: the unknown key, with a suggestion, not "missing required key 'kernel'".
    expect_error(kHeader + "    - {name: c, kind: conv, out_channels: 4, kernel_size: 3}\n",
                 {7, "c", "network.layers[0].kernel_size", "unknown key, did you mean 'kernel'?"});
    expect_error(kHeader + "    - {name: d, kind: depthwise, kernal: 3}\n",
                 {7, "d", "network.layers[0].kernal", "did you mean 'kernel'?"});
    expect_error(kHeader + "    - {name: f, kind: fc, out_channels: 10}\n",
                 {7, "f", "network.layers[0].out_channels", "did you mean 'out_features'?"});
    // Far from every known key: no suggestion, the list of known keys.
    expect_error(kHeader + "    - {name: c, kind: conv, out_channels: 4, kernel: 3, zzzzzzzz: 1}\n",
                 {7, "c", "network.layers[0].zzzzzzzz", "unknown key (known keys here: name, kind, input"});
}

TEST(ConfigErrors, WeightsMayBeLeftOutForSyntheticWeights) {
    ConfigFile cfg = test::parse_config_text(
        "network:\n  name: n\n  input: {channels: 2, height: 3, width: 3}\n  layers:\n    - {name: c, kind: relu}\n");
    EXPECT_EQ(cfg.weights.source, "synthetic");
    EXPECT_EQ(cfg.weights.seed, 1u);
}

TEST(ConfigErrors, TheTechnologyFileFallsBackToTheRepositorysAndAnExplicitMissingOneIsAnError) {
    test::TempDir d;
    // A config outside configs/ (an imported network, say) still finds tech/28nm.yaml.
    const std::string net = "network:\n  name: n\n  input: {channels: 2, height: 3, width: 3}\n  layers:\n"
                            "    - {name: c, kind: relu}\n";
    test::write_text(d.file("net.yaml"), net);
    ConfigFile cfg = load_config(d.file("net.yaml"));
    EXPECT_TRUE(std::filesystem::is_regular_file(cfg.technology)) << cfg.technology;
    EXPECT_EQ(std::filesystem::path(cfg.technology).filename(), "28nm.yaml");
    test::write_text(d.file("named.yaml"), "technology: tech/28nm.yaml\n" + net);
    EXPECT_TRUE(std::filesystem::is_regular_file(load_config(d.file("named.yaml")).technology));
    // Named explicitly and found nowhere: exit-2 error naming the key and where it looked.
    test::write_text(d.file("missing.yaml"), "technology: tech/7nm.yaml\n" + net);
    try {
        load_config(d.file("missing.yaml"));
        ADD_FAILURE() << "a missing technology file was accepted";
    } catch (const UserError& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("missing.yaml:1:"), std::string::npos) << what;
        EXPECT_NE(what.find("key 'technology'"), std::string::npos) << what;
        EXPECT_NE(what.find("tech/7nm.yaml"), std::string::npos) << what;
    }
    // A file beside the config wins over the fallback.
    std::filesystem::create_directories(d.file("tech"));
    test::write_text(d.file("tech/28nm.yaml"), "x: 1\n");
    EXPECT_EQ(load_config(d.file("net.yaml")).technology, d.file("tech/28nm.yaml"));
}

TEST(ConfigErrors, MissingKeys) {
    expect_error(kHeader + "    - {name: c, kind: conv, kernel: 3}\n", {7, "c", "", "missing required key 'out_channels'"});
    expect_error(kHeader + "    - {kind: relu}\n", {7, "", "", "missing required key 'name'"});
    expect_error("macro: {}\nnetwork: {name: n}\n", {0, "", "", "missing required key 'input'"});
}

TEST(ConfigErrors, WrongTypesAndRanges) {
    expect_error(kHeader + "    - {name: c, kind: conv, out_channels: four, kernel: 3}\n",
                 {7, "c", "network.layers[0].out_channels", "expected an integer"});
    expect_error(kHeader + "    - {name: c, kind: conv, out_channels: 4, kernel: 0}\n", {7, "c", "", "expected an integer in [1, 64]"});
    expect_error(kHeader + "    - {name: c, kind: convolution}\n", {7, "c", "", "expected one of conv, depthwise"});
    expect_error("macro: {complementary: maybe}\n" + kHeader.substr(kHeader.find('\n') + 1) + "    - {name: c, kind: relu}\n",
                 {1, "", "macro.complementary", "expected true or false"});
    expect_error("macro: {weight_bits: 9}\n" + kHeader.substr(kHeader.find('\n') + 1) + "    - {name: c, kind: relu}\n",
                 {1, "", "macro.weight_bits", "[2, 8]"});
    expect_error(kHeader + "    - {name: c, kind: conv, out_channels: 4, kernel: 3, padding: [1, 2]}\n",
                 {7, "c", "", "[top, left, bottom, right]"});
}

TEST(ConfigErrors, CrossParameterRules) {
    std::string rest = kHeader.substr(kHeader.find('\n') + 1) + "    - {name: c, kind: relu}\n";
    expect_error("macro: {segment_rows: 48}\n" + rest, {0, "", "macro.segment_rows", "power of 2"});
    expect_error("macro: {rows: 32, segment_rows: 64}\n" + rest, {0, "", "macro.segment_rows", "divisor of rows"});
    expect_error("macro: {complementary: false}\n" + rest, {0, "", "macro.dual_broadcast", "Q-bar"});
}

TEST(ConfigErrors, ImpossibleShapes) {
    // Channel mismatch against an in_channels assertion.
    expect_error(kHeader + "    - {name: c, kind: conv, in_channels: 4, out_channels: 4, kernel: 3}\n",
                 {7, "c", "network.layers[0].in_channels", "expected 3 channels"});
    // Kernel larger than the padded input.
    expect_error(kHeader + "    - {name: c, kind: conv, out_channels: 4, kernel: 11, padding: 1}\n",
                 {7, "c", "network.layers[0].kernel", "larger than the padded input 10x10"});
    // An add of different shapes.
    expect_error(kHeader + "    - {name: a, kind: conv, out_channels: 4, kernel: 3, padding: 1}\n"
                           "    - {name: b, kind: conv, out_channels: 5, kernel: 3, padding: 1}\n"
                           "    - {name: s, kind: add, inputs: [a, b]}\n",
                 {9, "s", "network.layers[2].inputs", "add needs equal shapes"});
    // An se gate that does not fit the features.
    expect_error(kHeader + "    - {name: a, kind: conv, out_channels: 4, kernel: 3, padding: 1}\n"
                           "    - {name: g, kind: avgpool, input: input}\n"
                           "    - {name: s, kind: se, inputs: [a, g]}\n",
                 {9, "s", "network.layers[2].inputs", "gate of 4x1x1"});
    // Inputs must name earlier layers.
    expect_error(kHeader + "    - {name: a, kind: relu, input: later}\n    - {name: later, kind: relu}\n",
                 {7, "a", "network.layers[0].input", "not the name of an earlier layer"});
    expect_error(kHeader + "    - {name: a, kind: relu}\n    - {name: a, kind: relu}\n", {8, "", "", "used twice"});
}

TEST(ConfigErrors, AccumulatorOverflowIsRejected) {
    std::string cfg = "macro: {}\nweights: {source: synthetic}\nnetwork:\n  name: n\n"
                      "  input: {channels: 40000, height: 2, width: 1}\n  layers:\n"
                      "    - {name: f, kind: fc, out_features: 2}\n";
    expect_error(cfg, {7, "f", "", "overflow the 32-bit"});
}

TEST(ConfigErrors, PairsOnSyntheticWeightsAreCheckedAgainstTheWeights) {
    // Synthetic filters are independent, so a listed pair is not a complement.
    expect_error(kHeader + "    - {name: c, kind: conv, out_channels: 4, kernel: 3, fcc: {pairs: [[0, 1]]}}\n",
                 {7, "c", "network.layers[0].fcc.pairs[0]", "are not complements"});
    expect_error(kHeader + "    - {name: c, kind: conv, out_channels: 4, kernel: 3, fcc: {pairs: [[0, 9]]}}\n",
                 {7, "c", "network.layers[0].fcc.pairs[0]", "out of range"});
    expect_error(kHeader + "    - {name: c, kind: conv, out_channels: 4, kernel: 3, fcc: {pairs: [[0, 1], [2, 0]]}}\n",
                 {7, "c", "network.layers[0].fcc.pairs[1]", "already in pair 0"});
    expect_error(kHeader + "    - {name: c, kind: conv, out_channels: 4, kernel: 3, fcc: {pairs: [[2, 2]]}}\n",
                 {7, "c", "network.layers[0].fcc.pairs[0]", "with itself"});
    expect_error(kHeader + "    - {name: c, kind: conv, out_channels: 4, kernel: 3, fcc: {pairs: [0, 1]}}\n",
                 {7, "c", "", "expected a pair [a, b]"});
    expect_error(kHeader + "    - {name: c, kind: relu, fcc: {pairs: auto}}\n", {7, "c", "network.layers[0].fcc", "unknown key"});
}
