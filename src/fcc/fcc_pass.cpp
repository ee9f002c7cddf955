#include "ddcpim/fcc/fcc_pass.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <optional>

#include <fmt/format.h>

#include "ddcpim/common/error.hpp"
#include "ddcpim/common/quant.hpp"
#include "ddcpim/fcc/wide_matching.hpp"

namespace ddcpim::fcc {

namespace {

// The float filters: the stored float weights, or s*Q when there are none.
std::vector<double> float_weights(const LayerParams& p, const FilterSet& fs) {
    std::vector<double> f(fs.q.size());
    for (int o = 0; o < fs.count; ++o)
        for (int k = 0; k < fs.length; ++k) {
            size_t i = size_t(o) * fs.length + k;
            f[i] = p.weight_float.empty() ? fs.scale[size_t(o)] * fs.q[i] : double(p.weight_float[i]);
        }
    return f;
}

double squared_error(const double* f, const int32_t* w, double s, int n) {
    double e = 0;
    for (int k = 0; k < n; ++k) e += (f[k] - s * w[k]) * (f[k] - s * w[k]);
    return e;
}

// Least-squares scale of integer pattern w for float filter f; `fallback`
// when w is all zeros.
double refit(const double* f, const int32_t* w, int n, double fallback) {
    double num = 0, den = 0;
    for (int k = 0; k < n; ++k) num += f[k] * w[k], den += double(w[k]) * w[k];
    return den > 0 ? num / den : fallback;
}

}  // namespace

FilterSet filter_set(const Network& net, size_t index) {
    const LayerDesc& l = net.desc.layers[index];
    const LayerParams& p = net.params[index];
    FilterSet fs;
    fs.count = l.out_channels;
    fs.length = l.weights_per_filter();
    fs.bits = net.desc.weight_bits;
    fs.q = p.weight;
    fs.scale = p.weight_scale.empty() ? std::vector<double>(size_t(fs.count), 1.0) : p.weight_scale;
    std::vector<double> f = float_weights(p, fs);
    fs.energy.assign(size_t(fs.count), 0);
    for (int o = 0; o < fs.count; ++o)
        for (int k = 0; k < fs.length; ++k) fs.energy[size_t(o)] += f[size_t(o) * fs.length + k] * f[size_t(o) * fs.length + k];
    return fs;
}

LayerReport pair_layer(Network& net, size_t index, const FccOptions& options, FccCache* cache) {
    auto t0 = std::chrono::steady_clock::now();
    const LayerDesc& l = net.desc.layers[index];
    LayerParams& p = net.params[index];
    FilterSet fs = filter_set(net, index);
    std::vector<double> f = float_weights(p, fs);
    const int n = fs.length;

    LayerReport r;
    r.name = l.name;
    r.kind = kind_name(l.kind);
    r.filters = fs.count;
    r.has_float = !p.weight_float.empty();
    double energy = 0, quant = 0;
    for (int o = 0; o < fs.count; ++o) {
        energy += fs.energy[size_t(o)];
        quant += squared_error(f.data() + size_t(o) * n, fs.filter(o), fs.scale[size_t(o)], n);
    }

    // The matching (the expensive part) comes from the cache when it can. Its cost is bounded before it starts.
    const bool exact = fs.count <= options.exact_limit && fs.count <= kExactMatchingLimit;
    const PairingEstimate est =
        estimate_pairing(fs.count, fs.length, options.sign_flexible, exact, options.wide_limit, options.block);
    const Limits& lim = net.desc.limits;
    const bool over_work = est.work > double(lim.pairing_work);
    if (over_work || est.bytes > double(lim.pairing_bytes)) {
        const char* over = over_work ? "pairing_work" : "pairing_bytes";
        SourceLocation where = l.where;
        where.layer = l.name;
        where.key = std::string("limits.") + over;
        throw UserError(where, fmt::format("pairing {} filters of {} weights ({} matcher) needs about {:.3g} weight "
                                             "comparisons and {:.3g} bytes, over limits.{} = {} (raise it in a limits: "
                                             "section, lower fcc.block or fcc.wide_limit, or leave the layer unpaired "
                                             "with fcc.skip)",
                                             fs.count, fs.length, est.blocked ? "blocked" : exact ? "exact" : "full",
                                             est.work, est.bytes, over,
                                             over_work ? lim.pairing_work : lim.pairing_bytes));
    }
    const CacheKey key = matching_key(fs, options, exact);
    std::optional<LayerMatching> decided = cache ? cache->load(key, fs.count) : std::nullopt;
    r.cached = decided.has_value();
    if (!decided && est.blocked) {
        decided = blocked_matching(fs, options.sign_flexible, options.block);
        if (cache) cache->store(key, *decided);
    }
    if (!decided) {
        CostMatrix costs = cost_matrix(fs, options.sign_flexible);
        Matching m = exact ? exact_matching(costs) : greedy_matching(costs);
        LayerMatching lm;
        lm.exact = exact;
        lm.unpaired = int(m.unpaired.size());
        for (auto [a, b] : m.pairs) {
            const PairChoice& c = costs.choice_of(a, b);
            lm.pairs.push_back({c.swapped ? b : a, c.swapped ? a : b, c.negated, c.cost});
        }
        if (cache) cache->store(key, lm);
        decided = std::move(lm);
    }
    r.exact = decided->exact;

    std::vector<int32_t> w = p.weight;
    std::vector<double> old_scale = fs.scale, plain_scale = fs.scale, new_scale = fs.scale;
    p.pairs.clear();
    for (const PairDecision& d : decided->pairs) {
        const int first = d.first, second = d.second;
        std::vector<int32_t> s = shared_pattern(fs.filter(first), fs.filter(second), n, fs.bits, d.negated);
        for (int k = 0; k < n; ++k) {
            w[size_t(first) * n + k] = s[size_t(k)];
            w[size_t(second) * n + k] = complement(s[size_t(k)]);
        }
        if (d.negated) plain_scale[size_t(second)] = -old_scale[size_t(second)], ++r.negated;
        p.pairs.emplace_back(first, second);
        r.mean_cost += d.cost;
        r.worst_cost = std::max(r.worst_cost, d.cost);
    }
    r.pairs = static_cast<int>(decided->pairs.size());
    r.unpaired = decided->unpaired;
    if (r.pairs) r.mean_cost /= r.pairs;

    double before = 0, after = 0;
    for (int o = 0; o < fs.count; ++o) {
        const double* fo = f.data() + size_t(o) * n;
        const int32_t* wo = w.data() + size_t(o) * n;
        new_scale[size_t(o)] = options.refit_scales ? refit(fo, wo, n, plain_scale[size_t(o)]) : plain_scale[size_t(o)];
        // A pattern nearly orthogonal to its filter refits to a scale near zero or of the other sign:
        // the filter would die, and its bias (divided by the ratio) blow up. Keep the plain scale then.
        const double r = new_scale[size_t(o)] / plain_scale[size_t(o)];
        if (!std::isfinite(r) || r < 1.0 / 1024 || r > 1024) new_scale[size_t(o)] = plain_scale[size_t(o)];
        // An unpaired filter keeps its weights and scale exactly.
        bool paired = false;
        for (auto [a, b] : p.pairs) paired |= (a == o || b == o);
        if (!paired) new_scale[size_t(o)] = old_scale[size_t(o)];
        before += squared_error(fo, wo, plain_scale[size_t(o)], n);
        after += squared_error(fo, wo, new_scale[size_t(o)], n);
    }
    r.quant_error = energy > 0 ? quant / energy : 0;
    r.error_before_refit = energy > 0 ? before / energy : 0;
    r.error_after_refit = energy > 0 ? after / energy : 0;

    // Carry each filter's scale change s_old -> s_new into the integer path:
    // the output is s_in * s * (acc + bias) / s_out, so the requantisation
    // factor scales by s_new / s_old and the bias (in accumulator units) by
    // s_old / s_new.
    for (int o = 0; o < fs.count; ++o) {
        double ratio = new_scale[size_t(o)] / old_scale[size_t(o)];
        if (ratio == 1.0) continue;
        FixedPoint& q = p.requant[size_t(o)];
        double factor = double(q.multiplier) / std::ldexp(1.0, q.shift) * ratio;
        q = fixed_point_from_real(factor);
        if (!p.bias.empty()) {
            double b = std::clamp(double(p.bias[size_t(o)]) / ratio, -1073741824.0, 1073741824.0);
            p.bias[size_t(o)] = static_cast<int32_t>(std::llround(b));
        }
    }
    p.weight = std::move(w);
    if (!p.weight_scale.empty()) p.weight_scale = new_scale;
    // The float view stays: it is what the rewritten weights approximate.
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return r;
}

std::vector<LayerReport> run_fcc(Network& net, void (*progress)(size_t, size_t, const std::string&), FccCache* cache) {
    std::vector<LayerReport> reports;
    const auto& layers = net.desc.layers;
    for (size_t i = 0; i < layers.size(); ++i) {
        if (!layers[i].is_mac() || layers[i].fcc.mode != PairSpec::Mode::Auto) continue;
        if (progress) progress(i, layers.size(), layers[i].name);
        reports.push_back(pair_layer(net, i, layers[i].fcc.options, cache));
    }
    return reports;
}

}  // namespace ddcpim::fcc
