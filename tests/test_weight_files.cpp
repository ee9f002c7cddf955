// Weights from .npy files: export and reload gives the same network; bad
// files (shape, range, pairs) are clear errors naming the file and layer.
#include <cmath>
#include <cstdlib>
#include <limits>
#include <filesystem>

#include <gtest/gtest.h>

#include "ddcpim/common/npy.hpp"
#include "ddcpim/network/npy_weights.hpp"
#include "ddcpim/ref/engine.hpp"
#include "test_util.hpp"

using namespace ddcpim;

namespace {

struct Exported {
    test::TempDir dir;
    std::string yaml;
};

void export_tiny(Exported& e) {
    ConfigFile c = load_config(test::source_path("configs/tiny_residual.yaml"));
    Network n = build_network(c);
    e.yaml = e.dir.file("net/network.yaml");
    export_network(n, c, e.dir.file("net"), e.yaml);
}

std::string error_of(const std::string& yaml, const std::vector<Override>& ov = {}) {
    try {
        build_network(load_config(yaml, ov));
    } catch (const UserError& err) {
        return err.what();
    }
    return "";
}

}  // namespace

TEST(WeightFiles, ExportThenLoadReproducesTheNetworkExactly) {
    ConfigFile c = load_config(test::source_path("configs/tiny_residual.yaml"));
    Network n = build_network(c);
    Exported e;
    export_tiny(e);
    ConfigFile c2 = load_config(e.yaml);
    EXPECT_EQ(c2.weights.source, "npy");
    Network n2 = build_network(c2);
    Tensor x = ref::sample_input(c.network, 5);
    EXPECT_EQ(ref::run_network(n, x).output.data, ref::run_network(n2, x).output.data);
    for (size_t i = 0; i < n.params.size(); ++i) {
        EXPECT_EQ(n.params[i].weight, n2.params[i].weight);
        EXPECT_EQ(n.params[i].lut, n2.params[i].lut);
        EXPECT_EQ(n.params[i].out_range.hi, n2.params[i].out_range.hi);
    }
}

TEST(WeightFiles, LeadingTildeInDirIsTheHomeDirectory) {
    Exported e;
    export_tiny(e);
    const char* old_home = std::getenv("HOME");
    std::string saved = old_home ? old_home : "";
    setenv("HOME", e.dir.path().c_str(), 1);
    ConfigFile c = load_config(e.yaml, {{"weights.dir", "~/net"}});
    EXPECT_EQ(c.weights.dir, e.dir.path() + "/net");
    EXPECT_NO_THROW(build_network(c));
    // Only a leading "~/" is expanded: "~net" stays a (missing) relative directory.
    EXPECT_NE(error_of(e.yaml, {{"weights.dir", "~net"}}).find("is not one"), std::string::npos);
    if (old_home) setenv("HOME", saved.c_str(), 1);
    else unsetenv("HOME");
}

TEST(WeightFiles, WeightOutOfRangeNamesFileLayerAndValue) {
    Exported e;
    export_tiny(e);
    std::string f = e.dir.file("net/conv1.weight.npy");
    NpyArray a = read_npy(f);
    std::vector<int32_t> v(a.values.begin(), a.values.end());
    v[4] = 128;
    write_npy_int32(f, a.shape, v);
    std::string msg = error_of(e.yaml);
    EXPECT_NE(msg.find("conv1.weight.npy"), std::string::npos) << msg;
    EXPECT_NE(msg.find("layer 'conv1'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("element 4 is 128"), std::string::npos) << msg;
    EXPECT_NE(msg.find("[-128, 127]"), std::string::npos) << msg;
    // With 4-bit weights the same (repaired) file is out of range.
    v[4] = 0;
    write_npy_int32(f, a.shape, v);
    EXPECT_NE(error_of(e.yaml, {{"network.weight_bits", "4"}}).find("4-bit weights"), std::string::npos);
}

TEST(WeightFiles, WrongShapeAndMissingFile) {
    Exported e;
    export_tiny(e);
    write_npy_int32(e.dir.file("net/pw1.weight.npy"), {7, 6, 1, 1}, std::vector<int32_t>(42, 1));
    std::string msg = error_of(e.yaml);
    EXPECT_NE(msg.find("of shape (7, 7, 1, 1)"), std::string::npos) << msg;
    EXPECT_NE(msg.find("got shape (7, 6, 1, 1)"), std::string::npos) << msg;
    std::filesystem::remove(e.dir.file("net/pw1.weight.npy"));
    msg = error_of(e.yaml);
    EXPECT_NE(msg.find("pw1.weight.npy"), std::string::npos) << msg;
    EXPECT_NE(msg.find("not found"), std::string::npos) << msg;
}

TEST(WeightFiles, ComplementaryPairsInFilesAreAcceptedAndChecked) {
    Exported e;
    export_tiny(e);
    // Make filters 1 and 3 of pw1 complements, pair them, and also pair 0 with 2
    // (not complements).
    std::string f = e.dir.file("net/pw1.weight.npy");
    NpyArray a = read_npy(f);
    std::vector<int32_t> v(a.values.begin(), a.values.end());
    for (int k = 0; k < 7; ++k) v[size_t(3 * 7 + k)] = complement(v[size_t(1 * 7 + k)]);
    write_npy_int32(f, a.shape, v);
    ConfigFile ok = load_config(e.yaml, {{"network.layers.pw1.fcc", "{pairs: [[1, 3]]}"}});
    Network n = build_network(ok);
    EXPECT_EQ(n.params[size_t(n.desc.find_layer("pw1"))].pairs, (std::vector<std::pair<int, int>>{{1, 3}}));
    std::string msg = error_of(e.yaml, {{"network.layers.pw1.fcc", "{pairs: [[1, 3], [0, 2]]}"}});
    EXPECT_NE(msg.find("network.layers[4].fcc.pairs[1]"), std::string::npos) << msg;
    EXPECT_NE(msg.find("filters 0 and 2 are not complements"), std::string::npos) << msg;
}

// Issue 15: non-finite, zero and negative scales and non-finite float weights were taken (or aborted
// the FCC pass on an internal assertion); scales of the wrong shape and trailing bytes were accepted.
TEST(WeightFiles, ScalesAndFloatWeightsMustBeFiniteOfTheExactShapeAndScalesPositive) {
    Exported e;
    export_tiny(e);
    const std::string dir = e.dir.file("net");
    ASSERT_TRUE(std::filesystem::exists(dir + "/pw1.weight_scale.npy")) << "the export writes scales";
    const NpyArray scales = read_npy(dir + "/pw1.weight_scale.npy");
    const int64_t n = scales.shape.at(0);
    auto write_scales = [&](std::vector<int64_t> shape, std::vector<double> v) {
        write_npy_float64(dir + "/pw1.weight_scale.npy", shape, v);
    };
    for (double bad : {std::nan(""), 0.0, std::numeric_limits<double>::infinity()}) {
        std::vector<double> v(scales.values);
        v[0] = bad;
        write_scales({n}, v);
        const std::string err = error_of(e.yaml);
        EXPECT_NE(err.find("pw1.weight_scale.npy"), std::string::npos) << err;
        EXPECT_NE(err.find("layer 'pw1'"), std::string::npos) << err;
        EXPECT_NE(err.find("element 0"), std::string::npos) << err;
    }
    // A negative scale: only the Q-bar filter of a listed pair may have one (sign-flexible FCC).
    const ConfigFile cfg = load_config(e.yaml);
    const auto& pairs = cfg.network.layers[size_t(cfg.network.find_layer("pw1"))].fcc.pairs;
    ASSERT_FALSE(pairs.empty());
    std::vector<double> v(scales.values);
    v[size_t(pairs[0].first)] = -v[size_t(pairs[0].first)];
    write_scales({n}, v);
    EXPECT_NE(error_of(e.yaml).find("a negative scale belongs only to the Q-bar filter"), std::string::npos);
    v = scales.values;
    v[size_t(pairs[0].second)] = -v[size_t(pairs[0].second)];
    write_scales({n}, v);
    EXPECT_EQ(error_of(e.yaml), "");
    // The exact shape: (1, N) is not (N,).
    write_scales({1, n}, scales.values);
    EXPECT_NE(error_of(e.yaml).find("of shape (" + std::to_string(n) + "), got shape (1, "), std::string::npos)
        << error_of(e.yaml);
    write_scales({n}, scales.values);
    // out_scale: (1,), not () or (1, 1).
    if (std::filesystem::exists(dir + "/pw1.out_scale.npy")) {
        const NpyArray os = read_npy(dir + "/pw1.out_scale.npy");
        write_npy_float64(dir + "/pw1.out_scale.npy", {}, os.values);
        EXPECT_NE(error_of(e.yaml).find("the output scale of shape (1), got shape ()"), std::string::npos)
            << error_of(e.yaml);
        write_npy_float64(dir + "/pw1.out_scale.npy", {1, 1}, os.values);
        EXPECT_NE(error_of(e.yaml).find("got shape (1, 1)"), std::string::npos);
        write_npy_float64(dir + "/pw1.out_scale.npy", {1}, os.values);
    }
    // Float weights: finite.
    if (std::filesystem::exists(dir + "/pw1.weight_float.npy")) {
        const NpyArray wf = read_npy(dir + "/pw1.weight_float.npy");
        std::vector<double> w(wf.values);
        w[3] = -std::numeric_limits<double>::infinity();
        write_npy_float64(dir + "/pw1.weight_float.npy", wf.shape, w);
        EXPECT_NE(error_of(e.yaml).find("float weights element 3 is -inf, expected a finite number"), std::string::npos)
            << error_of(e.yaml);
    }
}
