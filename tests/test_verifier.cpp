// --verify's checker (host/verifier.hpp), which compares each MAC layer's simulated accumulators with the
// reference engine on a thread beside the simulation: every layer that matches passes; of several wrong
// layers, the one reported is the first handed over, named by image, layer and accumulator, whatever the
// thread's timing; and a long stream of checks (more than it keeps waiting) is taken whole.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "ddcpim/host/verifier.hpp"
#include "ddcpim/ref/engine.hpp"
#include "test_util.hpp"

using namespace ddcpim;

namespace {

// Three MAC layers with a rectifier between: each layer's input is the reference's, as the host's is.
const char* kNetwork =
    "macro: {rows: 64, weight_columns: 8}\n"
    "network:\n  name: three\n  input: {channels: 8, height: 4, width: 4}\n  layers:\n"
    "    - {name: pw1, kind: pointwise, out_channels: 16}\n"
    "    - {name: act, kind: relu6}\n"
    "    - {name: dw, kind: depthwise, kernel: 3, padding: 1}\n"
    "    - {name: pw2, kind: pointwise, out_channels: 8}\n"
    "fcc: {pairs: none}\n";

struct Checked {
    size_t image, layer;
    Tensor input;
    std::vector<int32_t> acc;
};

// Every MAC layer of `images` inputs, in the order a host finishes them (image by image).
std::vector<Checked> reference_layers(const Network& net, int images) {
    std::vector<Checked> out;
    for (int i = 0; i < images; ++i)
        ref::run_network(net, ref::sample_input(net.desc, uint64_t(7 + i)),
                         [&](size_t layer, const Tensor& input, const std::vector<int32_t>* acc, const Tensor&) {
                             if (acc) out.push_back({size_t(i), layer, input, *acc});
                         });
    return out;
}

}  // namespace

TEST(Verifier, EveryMatchingLayerPasses) {
    const Network net = build_network(test::parse_config_text(kNetwork));
    const std::vector<Checked> layers = reference_layers(net, 20);  // 60 checks: more than it keeps waiting
    host::Verifier v(net);
    for (const Checked& c : layers) v.check(c.image, c.layer, c.input, c.acc);
    EXPECT_EQ(v.finish(), "");
}

TEST(Verifier, TheFirstWrongLayerHandedOverIsReported) {
    const Network net = build_network(test::parse_config_text(kNetwork));
    std::vector<Checked> layers = reference_layers(net, 4);
    ASSERT_EQ(layers.size(), 12u);
    // Image 1's depthwise layer (handed over fifth) and image 3's first layer are wrong; so is image 0's
    // last layer in a second run below.
    layers[4].acc[37] += 1;
    layers[9].acc[0] -= 5;
    const int32_t simulated = layers[4].acc[37];
    {
        host::Verifier v(net);
        for (const Checked& c : layers) v.check(c.image, c.layer, c.input, c.acc);
        const std::string m = v.finish();
        // Accumulator 37 of a 16-channel 4x4 output: channel 2, row 1, column 1.
        EXPECT_EQ(m, fmt::format("image 1, layer 'dw' (2), accumulator [2, 1, 1]: simulated {}, reference {}",
                                 simulated, simulated - 1));
    }
    layers[2].acc[3] += 1;
    host::Verifier v(net);
    for (const Checked& c : layers) v.check(c.image, c.layer, c.input, c.acc);
    EXPECT_NE(v.finish().find("image 0, layer 'pw2' (3), accumulator [0, 0, 3]"), std::string::npos);
}

TEST(Verifier, DestroyedWithoutFinishTakesItsChecks) {
    const Network net = build_network(test::parse_config_text(kNetwork));
    const std::vector<Checked> layers = reference_layers(net, 2);
    host::Verifier v(net);
    for (const Checked& c : layers) v.check(c.image, c.layer, c.input, c.acc);
    // Leaving scope joins the thread (no std::terminate, no leak under the sanitizers).
}
