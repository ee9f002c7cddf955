// The command-line tools: exit status 0 on success, 2 on a user's mistake
// with a message naming the file; --dump writes readable files.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>

#include <gtest/gtest.h>

#include "ddcpim/common/npy.hpp"
#include "ddcpim/ref/engine.hpp"
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

TEST(Cli, OutputWritesTheLastLayersCodes) {
    // The file holds exactly what the engine computes in-process on the same (default) input.
    test::TempDir d;
    std::string out;
    ASSERT_EQ(test::run_command(bin("ddcpim_ref") + " --config " + tiny() + " -q --output " + d.file("y.npy"), &out), 0)
        << out;
    ConfigFile cfg = load_config(tiny());
    Network net = build_network(cfg);
    ref::RunResult r = ref::run_network(net, ref::sample_input(cfg.network, cfg.weights.seed));
    NpyArray y = read_npy(d.file("y.npy"));
    EXPECT_EQ(y.shape, (std::vector<int64_t>{r.output.shape.c, r.output.shape.h, r.output.shape.w}));
    ASSERT_EQ(y.values.size(), r.output.data.size());
    for (size_t i = 0; i < y.values.size(); ++i) EXPECT_EQ(y.values[i], r.output.data[i]) << i;
    EXPECT_EQ(test::run_command(bin("ddcpim_ref") + " --config " + tiny() + " --output /no/such/dir/y.npy", &out), 2);
    EXPECT_NE(out.find("/no/such/dir/y.npy"), std::string::npos) << out;
}

TEST(Cli, RefRunsABatchWithLabels) {
    // Three distinct inputs stacked on a leading N axis: every image's output equals the engine's own run of
    // it, --labels counts the top-1 hits, and the labels and batch shapes are checked.
    test::TempDir d;
    ConfigFile cfg = load_config(tiny());
    Network net = build_network(cfg);
    const Shape in = cfg.network.input.shape;
    std::vector<int32_t> stacked;
    std::vector<Tensor> inputs;
    for (uint64_t seed : {3u, 4u, 5u}) {
        inputs.push_back(ref::sample_input(cfg.network, seed));
        stacked.insert(stacked.end(), inputs.back().data.begin(), inputs.back().data.end());
    }
    write_npy_int32(d.file("x.npy"), {3, in.c, in.h, in.w}, stacked);
    std::vector<int32_t> labels;
    for (const Tensor& t : inputs) {
        ref::RunResult r = ref::run_network(net, t);
        labels.push_back(int32_t(std::max_element(r.output.data.begin(), r.output.data.end()) - r.output.data.begin()));
    }
    labels[1] = (labels[1] + 1) % 10;  // one miss
    write_npy_int32(d.file("y.npy"), {3}, labels);
    std::string out;
    ASSERT_EQ(test::run_command(bin("ddcpim_ref") + " --config " + tiny() + " --input " + d.file("x.npy") +
                                    " --labels " + d.file("y.npy") + " --output " + d.file("o.npy") + " --threads 2",
                                &out),
              0) << out;
    EXPECT_NE(out.find("top-1: 2/3 = 66.67%"), std::string::npos) << out;
    NpyArray o = read_npy(d.file("o.npy"));
    ASSERT_EQ(o.shape.size(), 4u);
    EXPECT_EQ(o.shape[0], 3);
    const size_t per = o.values.size() / 3;
    for (size_t i = 0; i < 3; ++i) {
        ref::RunResult r = ref::run_network(net, inputs[i]);
        ASSERT_EQ(r.output.data.size(), per);
        for (size_t j = 0; j < per; ++j) ASSERT_EQ(o.values[i * per + j], r.output.data[j]) << i << "," << j;
    }
    write_npy_int32(d.file("y2.npy"), {2}, {0, 1});
    EXPECT_EQ(test::run_command(bin("ddcpim_ref") + " --config " + tiny() + " --input " + d.file("x.npy") +
                                    " --labels " + d.file("y2.npy"),
                                &out),
              2);
    EXPECT_NE(out.find("expected 3 labels"), std::string::npos) << out;
    write_npy_int32(d.file("y3.npy"), {3}, {0, 10, 1});
    EXPECT_EQ(test::run_command(bin("ddcpim_ref") + " --config " + tiny() + " --input " + d.file("x.npy") +
                                    " --labels " + d.file("y3.npy"),
                                &out),
              2);
    EXPECT_NE(out.find("label 1 is 10"), std::string::npos) << out;
    EXPECT_EQ(test::run_command(bin("ddcpim_ref") + " --config " + tiny() + " --labels " + d.file("y.npy"), &out), 2);
    EXPECT_NE(out.find("--labels needs a batch input"), std::string::npos) << out;
    // The simulator streams a batch's images back to back, every one verified; --images must agree with it.
    EXPECT_EQ(test::run_command(bin("ddcpim_sim") + " --config " + tiny() + " --input " + d.file("x.npy") + " --verify",
                                &out),
              0)
        << out;
    EXPECT_NE(out.find("for 3 images"), std::string::npos) << out;
    EXPECT_NE(out.find("verified against the reference engine"), std::string::npos) << out;
    EXPECT_EQ(test::run_command(bin("ddcpim_sim") + " --config " + tiny() + " --input " + d.file("x.npy") + " --images 2",
                                &out),
              2);
    EXPECT_NE(out.find("x.npy"), std::string::npos) << out;
    // An image out of range is named by its index in the batch.
    stacked[in.size() + 5] = 1000;
    write_npy_int32(d.file("bad.npy"), {3, in.c, in.h, in.w}, stacked);
    EXPECT_EQ(test::run_command(bin("ddcpim_ref") + " --config " + tiny() + " --input " + d.file("bad.npy"), &out), 2);
    EXPECT_NE(out.find("(image 1)"), std::string::npos) << out;
}

TEST(Cli, SimVerifiesComparesAndWritesJsonCsvAndTrace) {
    test::TempDir d;
    std::string out;
    ASSERT_EQ(test::run_command(bin("ddcpim_sim") + " --config " + tiny() + " --compare --verify --json " +
                                    d.file("r.json") + " --csv " + d.file("r.csv") + " --trace " + d.file("w.vcd"),
                                &out),
              0) << out;
    EXPECT_NE(out.find("tiny_residual (ddc)"), std::string::npos) << out;
    EXPECT_NE(out.find("verified against the reference engine"), std::string::npos) << out;
    EXPECT_NE(out.find("speedup"), std::string::npos) << out;
    EXPECT_EQ(out.find("ddcpim_sim: layer"), std::string::npos) << "progress printed while stderr is not a terminal";
    std::ifstream f(d.file("r.json"));
    std::string json((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    for (const char* key : {"\"network\"", "\"mode\": \"compare\"", "\"macro\"", "\"total_cycles\"",
                            "\"macro_cycles\"", "\"host_cycles\"", "\"verified\": true", "\"layers\"",
                            "\"utilization\"", "\"ddc\"", "\"baseline\"", "\"speedup\""})
        EXPECT_NE(json.find(key), std::string::npos) << key;
    std::ifstream c(d.file("r.csv"));
    std::string header;
    std::getline(c, header);
    EXPECT_EQ(header.rfind("mode,layer,kind,mapping", 0), 0u) << header;
    EXPECT_TRUE(std::filesystem::exists(d.file("w.vcd")));
}

TEST(Cli, SimRejectsBadInputWithStatus2) {
    std::string out;
    EXPECT_EQ(test::run_command(bin("ddcpim_sim") + " --config " + tiny() + " --set macro.segment_rows=48", &out), 2);
    EXPECT_NE(out.find("macro.segment_rows"), std::string::npos) << out;
    EXPECT_EQ(test::run_command(bin("ddcpim_sim") + " --config /nonexistent.yaml", &out), 2);
}

TEST(Cli, FccWritesANetworkThatLoadsWithItsPairsAndAReport) {
    test::TempDir d;
    std::string out;
    ASSERT_EQ(test::run_command(bin("ddcpim_fcc") + " --config " + tiny() + " --out " + d.file("t.yaml") +
                                    " --report " + d.file("r.json") + " --samples 3",
                                &out),
              0) << out;
    EXPECT_NE(out.find("fidelity against the unpaired int8 network on 3 sample inputs"), std::string::npos) << out;
    ConfigFile c = load_config(d.file("t.yaml"));
    EXPECT_EQ(c.weights.source, "npy");
    Network n = build_network(c);  // validates every listed pair against the weights
    size_t pairs = 0;
    for (const auto& p : n.params) pairs += p.pairs.size();
    EXPECT_EQ(pairs, 3u + 3 + 3 + 3 + 6 + 1 + 6 + 5);  // floor(filters / 2) over the 8 MAC layers
    std::ifstream f(d.file("r.json"));
    std::string json((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    for (const char* key : {"\"layers\"", "\"error_after_refit\"", "\"logit_sqnr_db\"", "\"top1_agreement\""})
        EXPECT_NE(json.find(key), std::string::npos) << key;
    // The reference engine runs it.
    ASSERT_EQ(test::run_command(bin("ddcpim_ref") + " --config " + d.file("t.yaml") + " -q", &out), 0) << out;
    // fcc.skip: the listed layers stay unpaired, the others are paired as before.
    ASSERT_EQ(test::run_command(bin("ddcpim_fcc") + " --config " + tiny() + " --out " + d.file("s.yaml") +
                                    " --samples 1 -q --set 'fcc.skip=[pw1, classifier]'",
                                &out),
              0) << out;
    Network s = build_network(load_config(d.file("s.yaml")));
    pairs = 0;
    for (size_t i = 0; i < s.params.size(); ++i) {
        const std::string& name = s.desc.layers[i].name;
        if (name == "pw1" || name == "classifier") EXPECT_TRUE(s.params[i].pairs.empty()) << name;
        pairs += s.params[i].pairs.size();
    }
    EXPECT_EQ(pairs, 3u + 3 + 3 + 3 + 6 + 1 + 6 + 5 - 3 - 5);
}

TEST(Cli, FccRejectsBadInput) {
    test::TempDir d;
    std::string out;
    EXPECT_EQ(test::run_command(bin("ddcpim_fcc") + " --config " + tiny() + " --out " + d.file("t.yaml") +
                                    " --set 'network.layers.pw1.fcc={pairs: [[0, 1]]}'",
                                &out),
              2);
    EXPECT_NE(out.find("not complements"), std::string::npos) << out;
    EXPECT_EQ(test::run_command(bin("ddcpim_fcc") + " --config " + tiny(), &out), 2);  // --out is required
}

TEST(Cli, CheckValidatesEverythingAndRunsNothing) {
    for (const char* tool : {"ddcpim_sim", "ddcpim_ref", "ddcpim_fcc"}) {
        std::string out, err;
        ASSERT_EQ(test::run_command("(" + bin(tool) + " --config " + tiny() + " --check 2>/dev/null)", &out), 0) << tool << out;
        EXPECT_EQ(out.rfind("# resolved config of ", 0), 0u) << tool << out;
        EXPECT_NE(out.find("rows: 256"), std::string::npos) << tool;
        EXPECT_EQ(out.find("cycles"), std::string::npos) << tool << ": simulated under --check";
        EXPECT_EQ(out.find("MACs"), std::string::npos) << tool << ": ran under --check";
        ASSERT_EQ(test::run_command(bin(tool) + " --config " + tiny() + " --check", &err), 0);
        EXPECT_NE(err.find(std::string(tool) + ": check passed"), std::string::npos) << err;
    }
    // Problems found only past the config: a kernel taller than the macro, pairs that are not complements.
    std::string out;
    EXPECT_EQ(test::run_command(bin("ddcpim_sim") + " --config " + tiny() +
                                    " --set macro.rows=16 --set macro.segment_rows=16 --check", &out), 2);
    EXPECT_NE(out.find("5x5 depthwise kernel needs 25 rows"), std::string::npos) << out;
    for (const char* tool : {"ddcpim_sim", "ddcpim_ref"}) {
        EXPECT_EQ(test::run_command(bin(tool) + " --config " + tiny() +
                                        " --set 'network.layers.pw1.fcc={pairs: [[0, 1]]}' --check", &out), 2) << tool;
        EXPECT_NE(out.find("pw1"), std::string::npos) << out;
    }
}

TEST(Cli, PrintConfigPrintsTheConfigAndStops) {
    std::string out;
    ASSERT_EQ(test::run_command(bin("ddcpim_sim") + " --config " + tiny() + " --print-config 2>&1", &out), 0);
    EXPECT_NE(out.find("dw_mapping: toeplitz"), std::string::npos) << out;
    EXPECT_EQ(out.find("cycles"), std::string::npos) << out;
}

TEST(Cli, ADdcRunWithoutPairsSaysWhy) {
    std::string out;
    ASSERT_EQ(test::run_command(bin("ddcpim_sim") + " --config " + tiny() + " -q --set fcc.pairs=none", &out), 0) << out;
    EXPECT_NE(out.find("note: no layer uses complementary pairs"), std::string::npos) << out;
    EXPECT_NE(out.find("fcc: {pairs: auto}"), std::string::npos) << out;
    ASSERT_EQ(test::run_command(bin("ddcpim_sim") + " --config " + tiny() + " -q", &out), 0) << out;
    EXPECT_EQ(out.find("no layer uses complementary pairs"), std::string::npos) << out;
    // The baseline has no Q-bar: nothing to say.
    ASSERT_EQ(test::run_command(bin("ddcpim_sim") + " --config " + tiny() + " -q --baseline --set fcc.pairs=none", &out), 0);
    EXPECT_EQ(out.find("note:"), std::string::npos) << out;
}

TEST(Cli, LayersWhereDdcIsSlowerAreNamedWithTheCause) {
    // tiny_residual's depthwise layers: toeplitz tiles write 255 rows for a handful of MVMs.
    std::string out;
    ASSERT_EQ(test::run_command(bin("ddcpim_sim") + " --config " + tiny() + " -q --compare", &out), 0) << out;
    EXPECT_NE(out.find("note: DDC is slower than the baseline in 2 layer(s): dw1 ("), std::string::npos) << out;
    EXPECT_NE(out.find("weight writes +"), std::string::npos) << out;
    EXPECT_NE(out.find("dw_mapping: auto"), std::string::npos) << out;
    // With auto, no layer is slower.
    ASSERT_EQ(test::run_command(bin("ddcpim_sim") + " --config " + tiny() + " -q --compare --set macro.dw_mapping=auto",
                                &out), 0);
    EXPECT_EQ(out.find("slower than the baseline"), std::string::npos) << out;
}

TEST(Cli, TablesAreTitledAndExplained) {
    std::string out;
    ASSERT_EQ(test::run_command("(" + bin("ddcpim_sim") + " --config " + tiny() + " --compare 2>/dev/null)", &out), 0);
    const size_t ddc = out.find("tiny_residual (ddc, clocked engine): per layer\nlayer ");
    const size_t base = out.find("tiny_residual (baseline, clocked engine): per layer\nlayer ");
    EXPECT_NE(ddc, std::string::npos) << out;
    EXPECT_NE(base, std::string::npos) << out;
    EXPECT_LT(ddc, base);
    EXPECT_NE(out.find("need not add up to cycles"), std::string::npos);
    EXPECT_NE(out.find("'+': complementary pairs in use"), std::string::npos);
    EXPECT_NE(out.find("14,556 MACs"), std::string::npos) << "small networks print their MACs exactly";
}

TEST(Cli, WideLayersPairWithinTheLimitsOrExitNamingThem) {
    // Once quadratic and unbounded: 20,000 filters ran past a minute, 32,767 were killed for memory and
    // 40,000 aborted with std::bad_alloc. The blocked matcher pairs them in bounded memory and time.
    for (int n : {20000, 32767, 40000}) {
        std::string out;
        EXPECT_EQ(test::run_command(bin("ddcpim_ref") + " --config " + tiny() +
                                        " -q --set network.layers.classifier.out_features=" + std::to_string(n),
                                    &out),
                  0)
            << n << ": " << out;
    }
    // Over the estimate's limit: exit 2, one line, the key named, nothing allocated.
    std::string out;
    EXPECT_EQ(test::run_command(bin("ddcpim_ref") + " --config " + tiny() +
                                    " -q --set network.layers.classifier.out_features=40000 --set limits.pairing_work=1000000",
                                &out),
              2)
        << out;
    EXPECT_NE(out.find("limits.pairing_work = 1000000"), std::string::npos) << out;
    EXPECT_NE(out.find("layer 'classifier'"), std::string::npos) << out;
    EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
    EXPECT_EQ(test::run_command(bin("ddcpim_ref") + " --config " + tiny() +
                                    " -q --set network.layers.classifier.out_features=900 --set limits.pairing_bytes=1000",
                                &out),
              2)
        << out;
    EXPECT_NE(out.find("limits.pairing_bytes = 1000"), std::string::npos) << out;
}

TEST(Cli, ImagesAreInTheResolvedConfig) {
    // Issue 22, finding 1: --images N is system.images in --write-config, --print-config and the JSON's
    // config, so that re-running the written config runs as many images.
    test::TempDir d;
    std::string out;
    ASSERT_EQ(test::run_command(bin("ddcpim_sim") + " --config " + tiny() + " --images 3 --write-config " +
                                    d.file("w.yaml"),
                                &out),
              0)
        << out;
    ConfigFile back = load_config(d.file("w.yaml"));
    EXPECT_EQ(back.system.images, 3);
    ASSERT_EQ(test::run_command(bin("ddcpim_sim") + " --config " + tiny() + " --images 3 --engine fast -q --json " +
                                    d.file("r.json"),
                                &out),
              0)
        << out;
    std::ifstream f(d.file("r.json"));
    std::string json((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    EXPECT_NE(json.find("images: 3"), std::string::npos);
}

TEST(Cli, AChoiceThatLosesSaysSo) {
    // Issue 22: static placement slower than streaming on the same macros (the traffic rule; the default
    // throughput placement never is), and most macros idle, each one line.
    std::string out;
    const std::string mnv2 = bin("ddcpim_sim") + " --config " + test::source_path("configs/mobilenetv2.yaml") +
                             " --engine fast --images 4 --set macro.macros=64 --set system.residency=static";
    ASSERT_EQ(test::run_command(mnv2 + " --set system.placement=traffic", &out), 0) << out;
    EXPECT_NE(out.find("note: streaming (system.residency: stream) gives"), std::string::npos) << out;
    EXPECT_NE(out.find("system.placement: throughput"), std::string::npos) << out;
    EXPECT_NE(out.find("most are idle"), std::string::npos) << out;
    ASSERT_EQ(test::run_command(mnv2, &out), 0) << out;
    EXPECT_EQ(out.find("note: streaming"), std::string::npos) << out;
    ASSERT_EQ(test::run_command(bin("ddcpim_sim") + " --config " + tiny() + " --engine fast", &out), 0) << out;
    EXPECT_EQ(out.find("most are idle"), std::string::npos) << out;
    EXPECT_EQ(out.find("note: streaming"), std::string::npos) << out;
}
