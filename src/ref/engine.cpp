#include "ddcpim/ref/engine.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "ddcpim/common/rng.hpp"
#include "ddcpim/ref/ops.hpp"

namespace ddcpim::ref {

RunResult run_network(const Network& net, const Tensor& input, const LayerObserver& observer) {
    const auto& layers = net.desc.layers;
    // Free each output after its last reader, so memory stays near the widest layer.
    std::vector<size_t> last_use(layers.size(), layers.size());
    for (size_t i = 0; i < layers.size(); ++i)
        for (int id : layers[i].input_ids)
            if (id >= 0) last_use[size_t(id)] = i;

    RunResult r;
    std::vector<Tensor> outputs(layers.size());
    std::vector<int32_t> acc;
    for (size_t i = 0; i < layers.size(); ++i) {
        const LayerDesc& l = layers[i];
        std::vector<const Tensor*> ins;
        for (int id : l.input_ids) ins.push_back(id < 0 ? &input : &outputs[size_t(id)]);
        acc.clear();
        outputs[i] = run_layer(l, net.params[i], ins, l.is_mac() ? &acc : nullptr);
        const auto& d = outputs[i].data;
        auto [mn, mx] = std::minmax_element(d.begin(), d.end());
        r.shapes.push_back(outputs[i].shape);
        r.out_min.push_back(*mn);
        r.out_max.push_back(*mx);
        if (observer) observer(i, *ins[0], l.is_mac() ? &acc : nullptr, outputs[i]);
        for (int id : l.input_ids)
            if (id >= 0 && last_use[size_t(id)] == i) outputs[size_t(id)] = Tensor();
    }
    r.output = std::move(outputs.back());
    return r;
}

Tensor sample_input(const NetworkDesc& net, uint64_t seed) {
    const Shape& s = net.input.shape;
    IntRange range = int_range(net.activation_bits, net.input.is_signed);
    Tensor t(s, net.input.is_signed);
    Rng rng(seed, "sample-input");
    // A coarse random grid, bilinearly interpolated, plus a little noise.
    const int grid = 8;
    for (int c = 0; c < s.c; ++c) {
        std::vector<double> g(size_t(grid + 1) * (grid + 1));
        for (auto& v : g) v = rng.uniform();
        for (int y = 0; y < s.h; ++y)
            for (int x = 0; x < s.w; ++x) {
                double gy = double(y) * grid / std::max(1, s.h), gx = double(x) * grid / std::max(1, s.w);
                int y0 = int(gy), x0 = int(gx);
                double fy = gy - y0, fx = gx - x0;
                auto G = [&](int a, int b) { return g[size_t(a) * (grid + 1) + b]; };
                double v = (1 - fy) * ((1 - fx) * G(y0, x0) + fx * G(y0, x0 + 1)) +
                           fy * ((1 - fx) * G(y0 + 1, x0) + fx * G(y0 + 1, x0 + 1));
                v = 0.9 * v + 0.1 * rng.uniform();
                double span = double(range.hi - range.lo);
                t.at(c, y, x) = static_cast<int32_t>(range.clamp(int64_t(std::llround(range.lo + v * span))));
            }
    }
    return t;
}

void check_input(const NetworkDesc& net, const Tensor& input, const std::string& origin) {
    if (input.shape != net.input.shape)
        throw UserError({origin}, fmt::format("input has shape {}, the network '{}' expects {}",
                                              shape_text(input.shape), net.name, shape_text(net.input.shape)));
    IntRange range = int_range(net.activation_bits, net.input.is_signed);
    for (size_t i = 0; i < input.data.size(); ++i)
        if (!range.contains(input.data[i]))
            throw UserError({origin}, fmt::format("input element {} is {}, outside the {}-bit {} range [{}, {}]", i,
                                                  input.data[i], net.activation_bits,
                                                  net.input.is_signed ? "signed" : "unsigned", range.lo, range.hi));
}

}  // namespace ddcpim::ref
