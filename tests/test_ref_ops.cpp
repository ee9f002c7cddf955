// The reference engine's operations on small hand-computed cases, every layer
// kind, signed and unsigned inputs, stride 1 and 2, padding; and the optimised
// convolution against a naive one on random shapes.
#include <gtest/gtest.h>

#include "ddcpim/common/rng.hpp"
#include "ddcpim/network/synthetic_weights.hpp"
#include "ddcpim/ref/ops.hpp"

using namespace ddcpim;

namespace {

// A one-layer network through shape inference, so the LayerDesc is complete.
LayerDesc make_layer(LayerKind kind, Shape in, bool in_signed, int out_channels, int kernel, int stride,
                     Padding pad) {
    NetworkDesc net;
    net.input.shape = in;
    net.input.is_signed = in_signed;
    LayerDesc l;
    l.name = "l";
    l.kind = kind;
    l.input_names = {"input"};
    l.out_channels = out_channels;
    l.kernel = kernel;
    l.stride = stride;
    l.padding = pad;
    net.layers.push_back(l);
    infer_shapes(net);
    return net.layers[0];
}

Tensor tensor(Shape s, bool sign, std::vector<int32_t> v) {
    Tensor t(s, sign);
    t.data = std::move(v);
    return t;
}

// Direct definition of a grouped convolution, for comparison.
std::vector<int32_t> naive_conv(const LayerDesc& l, const std::vector<int32_t>& w, const Tensor& x) {
    const Shape& o = l.out_shape;
    std::vector<int32_t> acc(size_t(o.size()), 0);
    int g = l.groups(), ipg = x.shape.c / g, opg = o.c / g, k = l.kernel;
    for (int f = 0; f < o.c; ++f)
        for (int oy = 0; oy < o.h; ++oy)
            for (int ox = 0; ox < o.w; ++ox) {
                int32_t s = 0;
                for (int i = 0; i < ipg; ++i)
                    for (int ky = 0; ky < k; ++ky)
                        for (int kx = 0; kx < k; ++kx) {
                            int y = oy * l.stride + ky - l.padding.top, xx = ox * l.stride + kx - l.padding.left;
                            if (y < 0 || y >= x.shape.h || xx < 0 || xx >= x.shape.w) continue;
                            int c = (f / opg) * ipg + i;
                            s += w[((size_t(f) * ipg + i) * k + ky) * k + kx] * x.at(c, y, xx);
                        }
                acc[(size_t(f) * o.h + oy) * o.w + ox] = s;
            }
    return acc;
}

}  // namespace

TEST(RefOps, ConvStride1NoPadding) {
    LayerDesc l = make_layer(LayerKind::Conv, {1, 3, 3}, true, 1, 2, 1, {});
    Tensor x = tensor({1, 3, 3}, true, {1, 2, 3, 4, 5, 6, 7, 8, 9});
    EXPECT_EQ(ref::mac_accumulate(l, {1, 2, -1, 0}, x), (std::vector<int32_t>{1, 3, 7, 9}));
}

TEST(RefOps, ConvStride2Padding1) {
    LayerDesc l = make_layer(LayerKind::Conv, {1, 3, 3}, true, 1, 3, 2, {1, 1, 1, 1});
    ASSERT_EQ(l.out_shape, (Shape{1, 2, 2}));
    Tensor x = tensor({1, 3, 3}, true, {1, 2, 3, 4, 5, 6, 7, 8, 9});
    EXPECT_EQ(ref::mac_accumulate(l, std::vector<int32_t>(9, 1), x), (std::vector<int32_t>{12, 16, 24, 28}));
}

TEST(RefOps, ConvAsymmetricPadding) {
    // [top, left, bottom, right] = [1, 0, 0, 1]: padded input rows 000 / 120 / 340.
    LayerDesc l = make_layer(LayerKind::Conv, {1, 2, 2}, true, 1, 2, 1, {1, 0, 0, 1});
    ASSERT_EQ(l.out_shape, (Shape{1, 2, 2}));
    Tensor x = tensor({1, 2, 2}, true, {1, 2, 3, 4});
    EXPECT_EQ(ref::mac_accumulate(l, {1, 1, 1, 1}, x), (std::vector<int32_t>{3, 2, 10, 6}));
}

TEST(RefOps, PointwiseSignedAndUnsignedInputs) {
    LayerDesc l = make_layer(LayerKind::Pointwise, {2, 1, 2}, true, 1, 1, 1, {});
    Tensor x = tensor({2, 1, 2}, true, {1, -2, 3, 4});
    EXPECT_EQ(ref::mac_accumulate(l, {2, -1}, x), (std::vector<int32_t>{-1, -8}));
    LayerDesc u = make_layer(LayerKind::Pointwise, {2, 1, 1}, false, 1, 1, 1, {});
    Tensor xu = tensor({2, 1, 1}, false, {255, 255});
    EXPECT_EQ(ref::mac_accumulate(u, {-128, 127}, xu), (std::vector<int32_t>{-255}));
}

TEST(RefOps, PointwiseStride2) {
    LayerDesc l = make_layer(LayerKind::Pointwise, {1, 3, 3}, true, 1, 1, 2, {});
    ASSERT_EQ(l.out_shape, (Shape{1, 2, 2}));
    Tensor x = tensor({1, 3, 3}, true, {1, 2, 3, 4, 5, 6, 7, 8, 9});
    EXPECT_EQ(ref::mac_accumulate(l, {3}, x), (std::vector<int32_t>{3, 9, 21, 27}));
}

TEST(RefOps, DepthwiseKeepsChannelsApart) {
    LayerDesc l = make_layer(LayerKind::Depthwise, {2, 2, 2}, true, 0, 2, 1, {});
    Tensor x = tensor({2, 2, 2}, true, {1, 2, 3, 4, -1, 0, 0, 5});
    EXPECT_EQ(ref::mac_accumulate(l, {1, 1, 1, 1, 2, 0, 0, -3}, x), (std::vector<int32_t>{10, -17}));
}

TEST(RefOps, FcFlattensItsInput) {
    LayerDesc l = make_layer(LayerKind::Fc, {2, 1, 2}, true, 2, 1, 1, {});
    Tensor x = tensor({2, 1, 2}, true, {1, 2, 3, 4});
    EXPECT_EQ(ref::mac_accumulate(l, {1, 0, 0, -1, 1, 1, 1, 1}, x), (std::vector<int32_t>{-3, 10}));
}

TEST(RefOps, BiasRequantAndClamp) {
    LayerDesc l = make_layer(LayerKind::Pointwise, {1, 1, 3}, true, 1, 1, 1, {});
    LayerParams p;
    p.bias = {5};
    p.requant = {{1, 1}};
    p.out_range = int_range(8, true);
    // (10+5)/2 = 7.5 -> 8; (-20+5)/2 = -7.5 -> -7; (400+5)/2 -> clamp 127
    EXPECT_EQ(ref::mac_output(l, p, {10, -20, 400}).data, (std::vector<int32_t>{8, -7, 127}));
}

TEST(RefOps, AddUsesOneSharedShift) {
    LayerDesc l = make_layer(LayerKind::Relu, {1, 1, 2}, true, 0, 1, 1, {});
    l.kind = LayerKind::Add;
    l.out_signed = true;
    LayerParams p;
    p.requant = {{2, 2}, {4, 2}};
    p.out_range = int_range(8, true);
    Tensor a = tensor({1, 1, 2}, true, {10, -10}), b = tensor({1, 1, 2}, true, {3, 3});
    EXPECT_EQ(ref::run_non_mac(l, p, {&a, &b}).data, (std::vector<int32_t>{8, -2}));
}

TEST(RefOps, GlobalAveragePool) {
    LayerDesc l = make_layer(LayerKind::AvgPool, {2, 2, 2}, false, 0, 1, 1, {});
    LayerParams p;
    p.requant = {{1, 2}};  // divide by 4
    p.out_range = int_range(8, false);
    Tensor x = tensor({2, 2, 2}, false, {1, 2, 3, 5, 255, 255, 255, 254});
    Tensor y = ref::run_non_mac(l, p, {&x});
    EXPECT_EQ(y.shape, (Shape{2, 1, 1}));
    EXPECT_EQ(y.data, (std::vector<int32_t>{3, 255}));  // 11/4 = 2.75 -> 3; 1019/4 = 254.75 -> 255
}

TEST(RefOps, SqueezeExciteScalesPerChannel) {
    NetworkDesc net;
    net.input.shape = {2, 1, 2};
    LayerDesc g;
    g.name = "g";
    g.kind = LayerKind::AvgPool;
    g.input_names = {"input"};
    LayerDesc s;
    s.name = "s";
    s.kind = LayerKind::Se;
    s.input_names = {"input", "g"};
    net.layers = {g, s};
    infer_shapes(net);
    LayerParams p;
    p.requant = {{1, 1}};
    p.out_range = int_range(8, true);
    Tensor x = tensor({2, 1, 2}, true, {10, -10, 4, 4}), gate = tensor({2, 1, 1}, false, {2, 255});
    EXPECT_EQ(ref::run_non_mac(net.layers[1], p, {&x, &gate}).data, (std::vector<int32_t>{10, -10, 127, 127}));
}

TEST(RefOps, ReluAndRelu6Clamp) {
    LayerDesc l = make_layer(LayerKind::Relu, {1, 1, 4}, true, 0, 1, 1, {});
    EXPECT_FALSE(l.out_signed);
    LayerParams p;
    p.requant = {{1, 0}};
    p.out_range = int_range(8, false);
    Tensor x = tensor({1, 1, 4}, true, {-5, 0, 7, 300});
    EXPECT_EQ(ref::run_non_mac(l, p, {&x}).data, (std::vector<int32_t>{0, 0, 7, 255}));
    l.kind = LayerKind::Relu6;
    p.out_range = {0, 100};  // "six" at code 100
    p.requant = {{3, 1}};    // x * 1.5
    Tensor y = tensor({1, 1, 4}, true, {-5, 1, 60, 90});
    EXPECT_EQ(ref::run_non_mac(l, p, {&y}).data, (std::vector<int32_t>{0, 2, 90, 100}));
}

TEST(RefOps, SigmoidAndSwishTables) {
    // 4-bit signed input, scale 1; sigmoid output 4-bit unsigned at 1/15.
    auto sig = build_activation_lut(LayerKind::Sigmoid, 4, true, 1.0, 1.0 / 15, int_range(4, false));
    ASSERT_EQ(sig.size(), 16u);
    EXPECT_EQ(sig[0], 0);    // x = -8: 15 * 0.000335
    EXPECT_EQ(sig[8], 8);    // x = 0: 7.5 rounds to 8
    EXPECT_EQ(sig[15], 15);  // x = 7
    auto sw = build_activation_lut(LayerKind::Swish, 4, true, 1.0, 0.5, int_range(4, true));
    EXPECT_EQ(sw[8 - 1], -1);  // x = -1: -0.269 / 0.5 = -0.54 -> -1
    EXPECT_EQ(sw[8 + 2], 4);   // x = 2: 1.762 / 0.5 = 3.52 -> 4
    EXPECT_EQ(sw[15], 7);      // x = 7: 6.99 / 0.5 -> clamp 7

    LayerDesc l = make_layer(LayerKind::Sigmoid, {1, 1, 3}, true, 0, 1, 1, {});
    LayerParams p;
    p.lut = sig;
    Tensor x = tensor({1, 1, 3}, true, {-8, 0, 7});
    EXPECT_EQ(ref::run_non_mac(l, p, {&x}).data, (std::vector<int32_t>{0, 8, 15}));
    // Unsigned input: the table starts at code 0.
    LayerDesc lu = make_layer(LayerKind::Sigmoid, {1, 1, 2}, false, 0, 1, 1, {});
    p.lut = build_activation_lut(LayerKind::Sigmoid, 4, false, 1.0, 1.0 / 15, int_range(4, false));
    Tensor xu = tensor({1, 1, 2}, false, {0, 15});
    EXPECT_EQ(ref::run_non_mac(lu, p, {&xu}).data, (std::vector<int32_t>{8, 15}));
}

TEST(RefOps, ConvMatchesNaiveDefinitionOnRandomShapes) {
    Rng rng(12345);
    for (int trial = 0; trial < 200; ++trial) {
        bool depthwise = trial % 3 == 0;
        bool sign = trial % 2 == 0;
        int c = 1 + int(rng.below(6)), k = 1 + int(rng.below(5)), s = 1 + int(rng.below(3));
        Padding pad{int(rng.below(3)), int(rng.below(3)), int(rng.below(3)), int(rng.below(3))};
        int h = k + int(rng.below(8)), w = k + int(rng.below(8));
        int o = depthwise ? c : 1 + int(rng.below(5));
        LayerDesc l = make_layer(depthwise ? LayerKind::Depthwise : LayerKind::Conv, {c, h, w}, sign, o, k, s, pad);
        IntRange xr = int_range(8, sign);
        Tensor x({c, h, w}, sign);
        for (auto& v : x.data) v = int32_t(xr.lo + rng.below(xr.hi - xr.lo + 1));
        std::vector<int32_t> wt(size_t(l.weight_count()));
        for (auto& v : wt) v = int32_t(-128 + rng.below(256));
        ASSERT_EQ(ref::mac_accumulate(l, wt, x), naive_conv(l, wt, x)) << "trial " << trial;
    }
}

TEST(RefOps, ComplementIdentityHoldsThroughTheEngine) {
    // sum x*(~w) = -(sum x*w) - sum x, window by window, padding included.
    Rng rng(777);
    for (int trial = 0; trial < 60; ++trial) {
        bool sign = trial % 2 == 0;
        bool depthwise = trial % 3 == 1;
        int bits = trial % 4 < 2 ? 8 : 4;
        int c = 1 + int(rng.below(5)), k = 1 + int(rng.below(3)) * 2, s = 1 + int(rng.below(2));
        Padding pad{k / 2, k / 2, k / 2, k / 2};
        int h = k + int(rng.below(6)), w = k + int(rng.below(6));
        LayerDesc l = make_layer(depthwise ? LayerKind::Depthwise : LayerKind::Conv, {c, h, w}, sign,
                                 depthwise ? c : 1, k, s, pad);
        IntRange xr = int_range(bits, sign), wr = int_range(bits, true);
        Tensor x({c, h, w}, sign);
        for (auto& v : x.data) v = int32_t(xr.lo + rng.below(xr.hi - xr.lo + 1));
        std::vector<int32_t> wt(size_t(l.weight_count())), wc(wt.size()), ones(wt.size(), 1);
        for (size_t i = 0; i < wt.size(); ++i) {
            wt[i] = int32_t(wr.lo + rng.below(wr.hi - wr.lo + 1));
            wc[i] = complement(wt[i]);
        }
        auto a = ref::mac_accumulate(l, wt, x), ac = ref::mac_accumulate(l, wc, x),
             window = ref::mac_accumulate(l, ones, x);
        for (size_t i = 0; i < a.size(); ++i) ASSERT_EQ(ac[i], -a[i] - window[i]) << "trial " << trial;
    }
}
