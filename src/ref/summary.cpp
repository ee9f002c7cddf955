#include "ddcpim/ref/summary.hpp"

#include <fmt/format.h>

namespace ddcpim {

std::string reference_summary(const Network& net, const ref::RunResult& r, double seconds) {
    const auto& layers = net.desc.layers;
    std::string out = fmt::format("network {} ({} layers, weights: {}, {}-bit activations, {}-bit weights)\n",
                                  net.desc.name, layers.size(), net.origin, net.desc.activation_bits,
                                  net.desc.weight_bits);
    out += fmt::format("{:>4}  {:<22} {:<9} {:>12} {:>12} {:>14} {:>6}  {}\n", "#", "layer", "kind", "input",
                       "output", "MACs", "pairs", "output range");
    int64_t total_macs = 0;
    for (size_t i = 0; i < layers.size(); ++i) {
        const LayerDesc& l = layers[i];
        total_macs += l.macs();
        out += fmt::format("{:>4}  {:<22} {:<9} {:>12} {:>12} {:>14} {:>6}  [{}, {}]\n", i, l.name, kind_name(l.kind),
                           shape_text(l.in_shape), shape_text(l.out_shape), l.is_mac() ? fmt::format("{}", l.macs()) : "-",
                           l.is_mac() ? fmt::format("{}", net.params[i].pairs.size()) : "-", r.out_min[i],
                           r.out_max[i]);
    }
    const Tensor& o = r.output;
    size_t top = 0;
    for (size_t i = 1; i < o.data.size(); ++i)
        if (o.data[i] > o.data[top]) top = i;
    out += fmt::format("total: {} MACs ({:.1f} M) in {:.3f} s; output {} , arg-max index {} (value {})\n", total_macs,
                       total_macs / 1e6, seconds, shape_text(o.shape), top, o.data.empty() ? 0 : o.data[top]);
    return out;
}

}  // namespace ddcpim
