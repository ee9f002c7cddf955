// A network layer as described in the YAML (LayerDesc) and its integer
// parameters (LayerParams). Shapes are C x H x W.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "ddcpim/common/error.hpp"
#include "ddcpim/common/quant.hpp"

namespace ddcpim {

enum class LayerKind { Conv, Depthwise, Pointwise, Fc, Add, AvgPool, Se, Relu, Relu6, Swish, Sigmoid };

const char* kind_name(LayerKind k);
const std::vector<std::string>& kind_names();
LayerKind kind_from_name(const std::string& name);  // name must be one of kind_names()

struct Shape {
    int c = 0, h = 0, w = 0;
    int64_t size() const { return int64_t(c) * h * w; }
    bool operator==(const Shape& o) const { return c == o.c && h == o.h && w == o.w; }
    bool operator!=(const Shape& o) const { return !(*this == o); }
};
std::string shape_text(const Shape& s);

struct Padding {
    int top = 0, left = 0, bottom = 0, right = 0;
    bool uniform() const { return top == left && left == bottom && bottom == right; }
};

// How FCC pairs a layer when its pairs are `auto` (docs/fcc.md).
struct FccOptions {
    bool sign_flexible = false;  // allow a negative scale for the Q-bar filter
    bool refit_scales = true;    // least-squares refit of both scales of a pair
    int exact_limit = 16;        // layers with at most this many filters use the exact matcher
    int wide_limit = 1024;       // layers with more filters use the blocked matcher (bounded memory and time)
    int block = 256;             // filters per block of the blocked matcher
};

// How a layer's complementary pairs are given: its `fcc:` section, or the
// config's top-level `fcc:` defaults.
struct PairSpec {
    enum class Mode { None, List, Auto };
    Mode mode = Mode::None;
    bool from_layer = false;  // the layer's own fcc section set the mode
    FccOptions options;
    std::vector<std::pair<int, int>> pairs;  // Mode::List: filter (or channel) indices [a, b]
    SourceLocation where;                    // of the `pairs` key (key: its full path), for later errors
};

struct LayerDesc {
    std::string name;
    LayerKind kind = LayerKind::Conv;
    std::vector<std::string> input_names;  // resolved names; "input" is the network input
    SourceLocation where;                  // of the layer's mapping; key: its path (network.layers[i])

    int out_channels = 0;  // conv, pointwise: filters; fc: features; others: set by inference
    int kernel = 1;
    int stride = 1;
    Padding padding;
    int in_channels_check = -1;  // the optional `in_channels` assertion
    PairSpec fcc;

    // Filled by shape inference.
    std::vector<int> input_ids;  // layer indices; -1 is the network input
    Shape in_shape;              // of the first input
    Shape out_shape;
    bool in_signed = true;
    bool out_signed = true;

    bool is_mac() const;
    int groups() const;              // depthwise: channels; others 1
    int weights_per_filter() const;  // (in_channels / groups) * K * K, or flattened input for fc
    int64_t weight_count() const { return int64_t(out_channels) * weights_per_filter(); }
    int64_t macs() const;            // multiply-accumulates of one inference
};

// Integer parameters of one layer; which fields are used depends on the kind.
struct LayerParams {
    std::vector<int32_t> weight;         // MAC: out x weights_per_filter, row-major (O, I/g, K, K)
    std::vector<int32_t> bias;           // MAC: one per output channel, in accumulator units
    std::vector<FixedPoint> requant;     // MAC: per output channel; add: {a, b} with one shift;
                                         // avgpool, se, relu, relu6: one
    IntRange out_range{0, 0};            // output clamp (relu6: [0, six])
    std::vector<int32_t> lut;            // swish, sigmoid: output for input lo..hi
    std::vector<std::pair<int, int>> pairs;  // validated complementary pairs

    // Real-valued view, kept for FCC and calibration; not used by the integer path.
    std::vector<float> weight_float;     // MAC, optional: the float weights before quantisation
    std::vector<double> weight_scale;    // MAC, optional: per output channel
    double out_scale = 0;                // real value of one output step
};

}  // namespace ddcpim
