#include "ddcpim/fcc/fidelity.hpp"

#include <cmath>
#include <limits>
#include <set>

#include "ddcpim/ref/engine.hpp"

namespace ddcpim::fcc {

namespace {
size_t argmax(const std::vector<int32_t>& v) {
    size_t best = 0;
    for (size_t i = 1; i < v.size(); ++i)
        if (v[i] > v[best]) best = i;  // first index on ties
    return best;
}
}  // namespace

Fidelity compare_networks(const Network& reference, const Network& candidate, uint64_t seed, int samples) {
    Fidelity f;
    f.samples = samples;
    double signal = 0, noise = 0;
    int agree = 0;
    std::set<size_t> classes;
    for (int i = 0; i < samples; ++i) {
        Tensor x = ref::sample_input(reference.desc, seed + uint64_t(i));
        auto r = ref::run_network(reference, x).output.data;
        auto c = ref::run_network(candidate, x).output.data;
        DDCPIM_ASSERT(r.size() == c.size());
        for (size_t k = 0; k < r.size(); ++k) {
            signal += double(r[k]) * r[k];
            noise += double(r[k] - c[k]) * (r[k] - c[k]);
        }
        agree += argmax(r) == argmax(c);
        classes.insert(argmax(r));
        f.identical_outputs += r == c;
    }
    f.sqnr_db = noise > 0 ? 10 * std::log10(signal / noise) : std::numeric_limits<double>::infinity();
    f.reference_classes = static_cast<int>(classes.size());
    f.top1_agreement = samples ? double(agree) / samples : 0;
    return f;
}

}  // namespace ddcpim::fcc
