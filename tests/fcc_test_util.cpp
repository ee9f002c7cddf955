#include "fcc_test_util.hpp"

#include <cmath>

namespace ddcpim::test {

fcc::FilterSet random_filters(Rng& rng, int count, int length, int bits) {
    fcc::FilterSet fs;
    fs.count = count;
    fs.length = length;
    fs.bits = bits;
    IntRange r = int_range(bits, true);
    for (int i = 0; i < count * length; ++i)
        fs.q.push_back(int32_t(r.clamp(std::llround(rng.laplace(double(r.hi) / 4)))));
    for (int o = 0; o < count; ++o) {
        fs.scale.push_back(0.01 * (0.5 + rng.uniform()));
        double e = 0;
        for (int k = 0; k < length; ++k) e += std::pow(fs.scale.back() * fs.q[size_t(o) * length + k], 2);
        fs.energy.push_back(e);
    }
    return fs;
}

Network one_layer_network(LayerKind kind, int in_channels, int count, int kernel, const std::vector<int32_t>& weights,
                          const std::vector<double>& scales) {
    Network net;
    net.desc.name = "one";
    net.desc.input.shape = {in_channels, kernel + 3, kernel + 2};
    LayerDesc l;
    l.name = "l";
    l.kind = kind;
    l.input_names = {"input"};
    l.out_channels = count;
    l.kernel = kernel;
    l.padding = {kernel / 2, kernel / 2, kernel / 2, kernel / 2};
    net.desc.layers.push_back(l);
    infer_shapes(net.desc);
    LayerParams p;
    p.weight = weights;
    p.weight_scale = scales;
    int n = net.desc.layers[0].weights_per_filter();
    for (int o = 0; o < count; ++o)
        for (int k = 0; k < n; ++k)
            p.weight_float.push_back(float(scales[size_t(o)] * weights[size_t(o) * n + k]));
    p.bias.assign(size_t(count), 100);
    p.requant.assign(size_t(count), fixed_point_from_real(1.0 / 256));
    p.out_range = int_range(8, true);
    net.params.push_back(p);
    return net;
}

}  // namespace ddcpim::test
