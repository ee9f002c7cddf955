#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "ddcpim/network/network.hpp"

namespace ddcpim {

namespace {

struct TensorInfo {
    Shape shape;
    bool is_signed;
};

[[noreturn]] void fail(const LayerDesc& l, const std::string& key, const std::string& what) {
    SourceLocation loc = l.where;
    loc.layer = l.name;
    loc.key = loc.key.empty() ? key : loc.key + "." + key;
    throw UserError(loc, what);
}

Shape conv_output(const LayerDesc& l, const Shape& in) {
    int hp = in.h + l.padding.top + l.padding.bottom;
    int wp = in.w + l.padding.left + l.padding.right;
    if (l.kernel > hp || l.kernel > wp)
        fail(l, "kernel",
             fmt::format("kernel {}x{} is larger than the padded input {}x{} (input {}, padding {},{},{},{})",
                         l.kernel, l.kernel, hp, wp, shape_text(in), l.padding.top, l.padding.left,
                         l.padding.bottom, l.padding.right));
    return {0, (hp - l.kernel) / l.stride + 1, (wp - l.kernel) / l.stride + 1};
}

void check_in_channels(const LayerDesc& l, int64_t actual, const char* what) {
    if (l.in_channels_check >= 0 && l.in_channels_check != actual)
        fail(l, "in_channels",
             fmt::format("expected {} {} from input '{}' ({}), the config says {}", actual, what,
                         l.input_names[0], shape_text(l.in_shape), l.in_channels_check));
}

}  // namespace

void infer_shapes(NetworkDesc& net) {
    std::vector<TensorInfo> infos;
    double total_weights = 0;
    auto info_of = [&](int id) -> TensorInfo {
        return id < 0 ? TensorInfo{net.input.shape, net.input.is_signed} : infos[static_cast<size_t>(id)];
    };
    for (size_t i = 0; i < net.layers.size(); ++i) {
        LayerDesc& l = net.layers[i];
        l.input_ids.clear();
        for (size_t k = 0; k < l.input_names.size(); ++k) {
            const std::string& n = l.input_names[k];
            int id = -1;
            if (n != "input") {
                id = net.find_layer(n);
                if (id < 0 || id >= static_cast<int>(i))
                    fail(l, l.input_names.size() > 1 ? fmt::format("inputs[{}]", k) : "input",
                         fmt::format("'{}' is not the name of an earlier layer or 'input'", n));
            }
            l.input_ids.push_back(id);
        }
        TensorInfo in = info_of(l.input_ids[0]);
        l.in_shape = in.shape;
        l.in_signed = in.is_signed;
        Shape out;
        bool out_signed = true;
        switch (l.kind) {
            case LayerKind::Conv:
            case LayerKind::Pointwise:
                check_in_channels(l, in.shape.c, "channels");
                out = conv_output(l, in.shape);
                out.c = l.out_channels;
                break;
            case LayerKind::Depthwise:
                check_in_channels(l, in.shape.c, "channels");
                out = conv_output(l, in.shape);
                out.c = in.shape.c;
                l.out_channels = in.shape.c;
                break;
            case LayerKind::Fc:
                check_in_channels(l, in.shape.size(), "input features (C*H*W)");
                out = {l.out_channels, 1, 1};
                break;
            case LayerKind::Add: {
                TensorInfo b = info_of(l.input_ids[1]);
                if (b.shape != in.shape)
                    fail(l, "inputs",
                         fmt::format("add needs equal shapes: '{}' is {}, '{}' is {}", l.input_names[0],
                                     shape_text(in.shape), l.input_names[1], shape_text(b.shape)));
                out = in.shape;
                break;
            }
            case LayerKind::AvgPool:
                out = {in.shape.c, 1, 1};
                out_signed = in.is_signed;
                break;
            case LayerKind::Se: {
                TensorInfo g = info_of(l.input_ids[1]);
                if (g.shape != Shape{in.shape.c, 1, 1})
                    fail(l, "inputs",
                         fmt::format("se needs a gate of {}x1x1 for features '{}' ({}); '{}' is {}", in.shape.c,
                                     l.input_names[0], shape_text(in.shape), l.input_names[1],
                                     shape_text(g.shape)));
                out = in.shape;
                out_signed = in.is_signed || g.is_signed;
                break;
            }
            case LayerKind::Relu:
            case LayerKind::Relu6:
            case LayerKind::Sigmoid:
                out = in.shape;
                out_signed = false;
                break;
            case LayerKind::Swish:
                out = in.shape;
                break;
        }
        if (l.kind != LayerKind::Depthwise && l.kind != LayerKind::Conv && l.kind != LayerKind::Pointwise &&
            l.kind != LayerKind::Fc)
            l.out_channels = out.c;
        l.out_shape = out;
        l.out_signed = out_signed;
        infos.push_back({out, out_signed});

        // Resource bounds (Limits), before any tensor or weight is allocated.
        const Limits& lim = net.limits;
        const double padded = double(l.in_shape.c) * (double(l.in_shape.h) + l.padding.top + l.padding.bottom) *
                              (double(l.in_shape.w) + l.padding.left + l.padding.right);
        const double largest = std::max({padded, double(out.c) * out.h * out.w});
        if (largest > double(lim.tensor_elements))
            fail(l, "kind",
                 fmt::format("a tensor of {:.0f} elements (input {} padded, output {}), over limits.tensor_elements = "
                             "{} (raise it in a limits: section if the machine has the memory)",
                             largest, shape_text(l.in_shape), shape_text(out), lim.tensor_elements));
        if (l.is_mac()) {
            const double w = double(l.out_channels) * double(l.weights_per_filter());
            if (w > double(lim.layer_weights))
                fail(l, "kind",
                     fmt::format("{:.0f} weights, over limits.layer_weights = {} (raise it in a limits: section if "
                                 "the machine has the memory)",
                                 w, lim.layer_weights));
            total_weights += w;
            if (total_weights > double(lim.network_weights))
                fail(l, "kind",
                     fmt::format("the network's weights reach {:.0f} here, over limits.network_weights = {}",
                                 total_weights, lim.network_weights));
        }

        // int32 accumulators must not overflow (ARCHITECTURE section 2).
        if (l.is_mac()) {
            double worst = double(l.weights_per_filter()) * std::ldexp(1.0, net.activation_bits) *
                           std::ldexp(1.0, net.weight_bits - 1);
            if (worst >= 2147483648.0)
                fail(l, "kind",
                     fmt::format("{} products of {}-bit inputs and {}-bit weights could overflow the 32-bit "
                                 "accumulator; lower the precision or the fan-in",
                                 l.weights_per_filter(), net.activation_bits, net.weight_bits));
        }
    }
}

}  // namespace ddcpim
