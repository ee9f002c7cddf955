#include "ddcpim/fcc/wide_matching.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "ddcpim/common/error.hpp"
#include "ddcpim/fcc/matching.hpp"

namespace ddcpim::fcc {

namespace {

// Bytes the full matcher holds per matrix entry: the cost (8), the choice (16), and the edge list and
// its sort buffer (2 x 8 per pair, half the entries).
constexpr double kBytesPerEntry = 8 + 16 + 8;

// A fixed +-1 direction, one sign per weight position (splitmix64 of the position's index).
int sign_of(uint64_t k) {
    uint64_t z = k + 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return ((z ^ (z >> 31)) & 1) ? 1 : -1;
}

// `filters` (indices into fs) ordered by their projection, then folded so that the two ends meet. The
// projections are read from fs in place: a wide layer's weights are not copied.
std::vector<int> folded_order(const FilterSet& fs, const std::vector<int>& filters) {
    std::vector<int> sgn(size_t(fs.length));
    for (int k = 0; k < fs.length; ++k) sgn[size_t(k)] = sign_of(uint64_t(k));
    std::vector<int64_t> proj(size_t(fs.count), 0);
    for (int o : filters) {
        const int32_t* q = fs.filter(o);
        int64_t p = 0;
        for (int k = 0; k < fs.length; ++k) p += int64_t(q[k]) * sgn[size_t(k)];
        proj[size_t(o)] = p;
    }
    std::vector<int> order = filters;
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return proj[size_t(a)] < proj[size_t(b)]; });
    std::vector<int> folded;
    folded.reserve(order.size());
    for (size_t lo = 0, hi = order.size(); lo < hi;) {
        folded.push_back(order[lo++]);
        if (lo < hi) folded.push_back(order[--hi]);
    }
    return folded;
}

}  // namespace

PairingEstimate estimate_pairing(int filters, int length, bool sign_flexible, bool exact, int wide_limit, int block) {
    PairingEstimate e;
    const double n = filters, variants = sign_flexible ? 2 : 1;
    e.blocked = !exact && filters > wide_limit;
    if (!e.blocked) {
        e.work = n * (n - 1) / 2 * double(length) * variants;
        e.bytes = n * n * kBytesPerEntry + (exact ? std::ldexp(1.0, std::min(filters, 62)) * 12 : 0);
        return e;
    }
    const double b = std::min(n, double(block)), blocks = std::ceil(n / b);
    // The first pass, then the repair pass over a quarter of the pairs (at most as many blocks again).
    e.work = 2 * blocks * b * (b - 1) / 2 * double(length) * variants;
    e.bytes = b * b * kBytesPerEntry;  // one block at a time; the filters themselves are the caller's
    return e;
}

namespace {

// One blocked pass over `filters` (indices into fs): fold, cut into blocks, match each block.
LayerMatching blocked_pass(const FilterSet& fs, const std::vector<int>& filters, bool sign_flexible, int block) {
    const std::vector<int> folded = folded_order(fs, filters);
    LayerMatching out;
    for (size_t start = 0; start < folded.size(); start += size_t(block)) {
        const size_t end = std::min(folded.size(), start + size_t(block));
        FilterSet sub;
        sub.count = int(end - start);
        sub.length = fs.length;
        sub.bits = fs.bits;
        sub.q.reserve(size_t(sub.count) * size_t(fs.length));
        std::vector<int> global;
        for (size_t i = start; i < end; ++i) {
            const int o = folded[i];
            global.push_back(o);
            sub.q.insert(sub.q.end(), fs.filter(o), fs.filter(o) + fs.length);
            sub.scale.push_back(fs.scale[size_t(o)]);
            sub.energy.push_back(fs.energy[size_t(o)]);
        }
        const CostMatrix costs = cost_matrix(sub, sign_flexible);
        const Matching m = greedy_matching(costs);
        for (auto [a, b] : m.pairs) {
            const PairChoice& c = costs.choice_of(a, b);
            const int ga = global[size_t(a)], gb = global[size_t(b)];
            out.pairs.push_back({c.swapped ? gb : ga, c.swapped ? ga : gb, c.negated, c.cost});
        }
        out.unpaired += int(m.unpaired.size());
    }
    return out;
}

double total_cost(const std::vector<PairDecision>& pairs) {
    double t = 0;
    for (const auto& p : pairs) t += p.cost;
    return t;
}

}  // namespace

LayerMatching blocked_matching(const FilterSet& fs, bool sign_flexible, int block) {
    DDCPIM_ASSERT(block >= 2);
    std::vector<int> all(size_t(fs.count));
    std::iota(all.begin(), all.end(), 0);
    LayerMatching out = blocked_pass(fs, all, sign_flexible, block);
    // Repair: partners that the first pass split across a block boundary are left in poor pairs. The worst
    // quarter of the pairs (and the unpaired filter) are matched again among themselves, in a second folded
    // order of their own, and kept if that lowers their total.
    if (out.pairs.size() >= 4) {
        std::vector<PairDecision> pairs = out.pairs;
        std::stable_sort(pairs.begin(), pairs.end(), [](const auto& x, const auto& y) { return x.cost < y.cost; });
        const size_t keep = pairs.size() - pairs.size() / 4;
        std::vector<char> paired(size_t(fs.count), 0);
        std::vector<int> redo;
        for (size_t i = 0; i < pairs.size(); ++i) {
            paired[size_t(pairs[i].first)] = paired[size_t(pairs[i].second)] = 1;
            if (i >= keep) redo.push_back(pairs[i].first), redo.push_back(pairs[i].second);
        }
        for (int o = 0; o < fs.count; ++o)
            if (!paired[size_t(o)]) redo.push_back(o);
        std::sort(redo.begin(), redo.end());
        std::vector<PairDecision> worst(pairs.begin() + long(keep), pairs.end());
        LayerMatching again = blocked_pass(fs, redo, sign_flexible, block);
        if (total_cost(again.pairs) < total_cost(worst)) {
            pairs.resize(keep);
            pairs.insert(pairs.end(), again.pairs.begin(), again.pairs.end());
            out.pairs = std::move(pairs);
            out.unpaired = again.unpaired;
        }
    }
    // Pairs in the order of their first filter, as the other matchers give them.
    std::sort(out.pairs.begin(), out.pairs.end(), [](const PairDecision& x, const PairDecision& y) {
        return std::min(x.first, x.second) < std::min(y.first, y.second);
    });
    return out;
}

}  // namespace ddcpim::fcc
