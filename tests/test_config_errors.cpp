// Every class of bad input gets a UserError that names where (file, line,
// layer, key) and what was expected.
#include <cerrno>
#include <filesystem>
#include <stdexcept>

#include <sys/wait.h>

#include <gtest/gtest.h>

#include "ddcpim/config/strict_node.hpp"
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

TEST(ConfigErrors, QuotesInACommentLineAreNotYaml) {
    // A comment from the start of a line is a comment: the quotes and commas in it (a citation, say) are
    // not a quoted value followed by ','. The technology files carry such comments.
    EXPECT_NO_THROW(load_yaml_text("# one\n# as Qin et al., \"SRAM leakage\nx: 1\n# suppression\", ISQED 2004\n", "c.yaml"));
    EXPECT_THROW(load_yaml_text("x: \"a\", b\n", "c.yaml"), UserError);  // outside a comment it is refused
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
    // The number of macros under system: (issue 22): the error says where it is.
    expect_error("system: {macros: 4}\n" + kHeader.substr(kHeader.find('\n') + 1) + "    - {name: c, kind: relu}\n",
                 {1, "", "system.macros", "the number of macros is macro.macros"});
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

// ---- issue 15: hostile input ----

TEST(ConfigErrors, ALongLayerNameIsAnErrorNotAStackOverflow) {
    // A 30,000-character name overflowed the stack in std::regex_match.
    const std::string name(30000, 'a');
    expect_error(kHeader + "    - {name: " + name + ", kind: relu}\n", {7, "", "", "expected a name of 1 to 200"});
    expect_error(kHeader + "    - {name: " + std::string(201, 'b') + ", kind: relu}\n", {7, "", "", "1 to 200"});
    ConfigFile ok = test::parse_config_text(kHeader + "    - {name: " + std::string(200, 'c') + ", kind: relu}\n");
    EXPECT_EQ(ok.network.layers[0].name.size(), 200u);
}

TEST(ConfigErrors, StrictYaml) {
    // Duplicate keys: the first silently won.
    expect_error("macro: {rows: 128, rows: 64}\n" + kHeader.substr(kHeader.find('\n') + 1) + "    - {name: c, kind: relu}\n",
                 {1, "", "", "duplicate key 'rows' (first at line 1)"});
    expect_error(kHeader + "    - {name: c, kind: relu, name: d}\n", {7, "", "", "duplicate key 'name'"});
    // A second document was ignored, even malformed.
    expect_error(kHeader + "    - {name: c, kind: relu}\n---\nmacro: {rows: 3}\n", {9, "", "", "a second YAML document"});
    expect_error(kHeader + "    - {name: c, kind: relu}\n---\nfoo: [\n", {0, "", "", "malformed YAML"});
    // Nesting deeper than a config needs said "bad file".
    expect_error("macro: " + std::string(600, '[') + std::string(600, ']') + "\n", {1, "", "", "nested more than 64 levels"});
    expect_error("macro: " + std::string(70, '[') + std::string(70, ']') + "\n", {1, "", "", "nested more than 64 levels"});
    // Non-finite numbers where a finite one is expected.
    expect_error("macro: {clock_mhz: .nan}\n" + kHeader.substr(kHeader.find('\n') + 1) + "    - {name: c, kind: relu}\n",
                 {1, "", "macro.clock_mhz", "got .nan"});
    expect_error("macro: {clock_mhz: .inf}\n" + kHeader.substr(kHeader.find('\n') + 1) + "    - {name: c, kind: relu}\n",
                 {1, "", "macro.clock_mhz", "got .inf"});
    // An empty file.
    expect_error("", {0, "", "", "empty config"});
}

TEST(ConfigErrors, TextThatHangsTheYamlParserIsRefusedFirst) {
    // yaml-cpp 0.7 loops forever on these (tests/fuzz found them); each gives an error at once.
    for (const std::string& text : {std::string("- a\n,\n"), std::string("    - {a: 1}\n   , b: 2}\n"),
                                    std::string("\"a\",\"b\""), std::string("'a',b"), std::string("[a],"),
                                    std::string("{a: 1},")})
        expect_error(text, {0, "", "", "malformed YAML"});
    // What is valid stays valid: commas in plain scalars, lists and maps, quotes, apostrophes.
    for (const std::string& text : {std::string("a: b, c\n"), std::string("a: [1, 2]\nb: {c: 'd, e', f: \"g,h\"}\n"),
                                    std::string("a: don't, b\n"), std::string("a: [1,\n  2]\n")})
        EXPECT_NO_THROW(load_yaml_text(text, "ok.yaml")) << text;
}

TEST(ConfigErrors, AnErrorInsideASetValueSaysSo) {
    // It pointed at a line:column of the config file taken from inside the value's text.
    test::TempDir d;
    test::write_text(d.file("c.yaml"), kHeader + "    - {name: c, kind: conv, out_channels: 4, kernel: 3}\n");
    try {
        build_network(load_config(d.file("c.yaml"), {{"network.layers.c.fcc", "{pairs: [[0, 2]]}"}}));
        FAIL() << "pairs that are not complements were accepted";
    } catch (const UserError& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("c.yaml (in --set): layer 'c'"), std::string::npos) << what;
        EXPECT_EQ(what.find("c.yaml:1:"), std::string::npos) << what;
    }
    // A hazard inside a --set value is refused before parsing, naming the key.
    try {
        load_config(d.file("c.yaml"), {{"macro", "\"a\",\"b\""}});
        FAIL() << "accepted";
    } catch (const UserError& e) {
        EXPECT_NE(std::string(e.what()).find("--set macro"), std::string::npos) << e.what();
    }
}

TEST(ConfigErrors, ControlCharactersAreEscapedInErrors) {
    try {
        test::parse_config_text(kHeader + "    - {name: c, kind: \"re\\x01l\\u2028u\\nx\"}\n");
        FAIL() << "accepted";
    } catch (const UserError& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("got 're\\x01l\\u2028u\\x0ax'"), std::string::npos) << what;
        for (char c : what) EXPECT_FALSE((unsigned char)c < 0x20) << what;
        EXPECT_EQ(what.find("\xe2\x80\xa8"), std::string::npos);
    }
}

TEST(ConfigErrors, ResourceLimitsNameTheKeyAndTheSizeBeforeAnythingIsAllocated) {
    const std::string conv = "    - {name: c, kind: conv, out_channels: 4, kernel: 3, padding: 65536}\n";
    // padding 65536 asked for tens of GB (bad_alloc).
    expect_error(kHeader + conv, {7, "c", "", "over limits.tensor_elements = 67108864"});
    // Just under and just over a bound: 3x8x8 input, output 4 x 6 x 6 = 144 elements, padded input 192.
    const std::string small = "    - {name: c, kind: conv, out_channels: 4, kernel: 3}\n";
    EXPECT_NO_THROW(test::parse_config_text("limits: {tensor_elements: 192}\n" + kHeader + small));
    expect_error("limits: {tensor_elements: 191}\n" + kHeader + small, {0, "c", "", "a tensor of 192 elements"});
    // Weights: 4 filters of 27 = 108.
    EXPECT_NO_THROW(test::parse_config_text("limits: {layer_weights: 108}\n" + kHeader + small));
    expect_error("limits: {layer_weights: 107}\n" + kHeader + small, {0, "c", "", "108 weights, over limits.layer_weights"});
    expect_error("limits: {network_weights: 100}\n" + kHeader + small, {0, "c", "", "over limits.network_weights = 100"});
    // out_features 65536 on a 1280-input classifier: 84 M weights.
    expect_error("network:\n  name: n\n  input: {channels: 1280, height: 1, width: 1}\n  layers:\n"
                 "    - {name: fc, kind: fc, out_features: 65536}\n",
                 {5, "fc", "", "83886080 weights, over limits.layer_weights"});
    expect_error("limits: {tensor_elemnts: 5}\n" + kHeader + small, {1, "", "limits.tensor_elemnts", "unknown key"});
}

namespace {
int threads_of_this_process() {
    int n = 0;
    for (const auto& e : std::filesystem::directory_iterator("/proc/self/task")) n += e.is_directory() ? 1 : 0;
    return n;
}
}  // namespace

TEST(ConfigErrors, AParserThatNeverEndsLeavesNothingRunning) {
    // The deadline's work runs in a child that is killed and reaped when it runs over: a long-lived process
    // (a notebook, a sweep) keeps neither a spinning thread nor a zombie per bad file.
    const int before = threads_of_this_process();
    for (int i = 0; i < 20; ++i) {
        EXPECT_FALSE(finishes_in_child(
            [] {
                for (volatile uint64_t spin = 0;; spin = spin + 1) {
                }
            },
            std::chrono::milliseconds(30)));
        EXPECT_EQ(threads_of_this_process(), before) << "after file " << i;
    }
    errno = 0;
    EXPECT_EQ(::waitpid(-1, nullptr, WNOHANG), -1);
    EXPECT_EQ(errno, ECHILD) << "a child was left behind";
    EXPECT_TRUE(finishes_in_child([] {}, std::chrono::milliseconds(1000)));
    EXPECT_TRUE(finishes_in_child([] { throw std::runtime_error("a parse error is the child's own"); },
                                  std::chrono::milliseconds(1000)));
    // And a real config still loads through it, with its errors where they were.
    EXPECT_THROW(test::parse_config_text("network: {name: x, input: {channels: 1, height: 2, width: 2}, layers: []}"),
                 UserError);
}
