#include "ddcpim/network/pairs.hpp"

#include <fmt/format.h>

namespace ddcpim {

namespace {

[[noreturn]] void fail(const LayerDesc& l, size_t index, const std::string& what) {
    SourceLocation loc = l.fcc.where;
    loc.layer = l.name;
    loc.key = fmt::format("{}[{}]", loc.key, index);
    throw UserError(loc, what);
}

}  // namespace

void validate_pairs(Network& net) {
    for (size_t li = 0; li < net.desc.layers.size(); ++li) {
        const LayerDesc& l = net.desc.layers[li];
        LayerParams& p = net.params[li];
        if (l.fcc.mode == PairSpec::Mode::None) {
            p.pairs.clear();
            continue;
        }
        if (l.fcc.mode == PairSpec::Mode::Auto) {
            // Made by the FCC pass: complements by construction.
            const int n = l.weights_per_filter();
            for (auto [a, b] : p.pairs)
                for (int i = 0; i < n; ++i)
                    DDCPIM_ASSERT(p.weight[size_t(b) * n + i] == complement(p.weight[size_t(a) * n + i]));
            continue;
        }
        const int n = l.weights_per_filter();
        // Indices first, for every pair, so that a repeated index is reported
        // as such rather than as a failed complement check.
        std::vector<int> used_by(size_t(l.out_channels), -1);
        for (size_t k = 0; k < l.fcc.pairs.size(); ++k) {
            auto [a, b] = l.fcc.pairs[k];
            if (a == b) fail(l, k, fmt::format("pairs filter {} with itself", a));
            for (int f : {a, b}) {
                if (f >= l.out_channels)
                    fail(l, k, fmt::format("filter index {} is out of range: the layer has {} filters (0..{})", f,
                                           l.out_channels, l.out_channels - 1));
                if (used_by[size_t(f)] >= 0)
                    fail(l, k, fmt::format("filter {} is already in pair {}; a filter can be in one pair only", f,
                                           used_by[size_t(f)]));
                used_by[size_t(f)] = static_cast<int>(k);
            }
        }
        p.pairs.clear();
        for (size_t k = 0; k < l.fcc.pairs.size(); ++k) {
            auto [a, b] = l.fcc.pairs[k];
            const int32_t* wa = p.weight.data() + size_t(a) * n;
            const int32_t* wb = p.weight.data() + size_t(b) * n;
            for (int i = 0; i < n; ++i)
                if (wb[i] != complement(wa[i]))
                    fail(l, k, fmt::format("filters {} and {} are not complements: weight {} is {} in filter {} "
                                           "and {} in filter {}, expected {} (~w = -w - 1)",
                                           a, b, i, wa[i], a, wb[i], b, complement(wa[i])));
            p.pairs.emplace_back(a, b);
        }
    }
}

}  // namespace ddcpim
