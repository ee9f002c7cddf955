#include "ddcpim/fcc/matching.hpp"

#include <algorithm>
#include <limits>
#include <numeric>

#include "ddcpim/common/error.hpp"

namespace ddcpim::fcc {

namespace {

Matching finish(const CostMatrix& m, std::vector<std::pair<int, int>> pairs) {
    Matching r;
    std::vector<char> used(size_t(m.n), 0);
    for (auto& p : pairs) {
        if (p.first > p.second) std::swap(p.first, p.second);
        used[size_t(p.first)] = used[size_t(p.second)] = 1;
    }
    std::sort(pairs.begin(), pairs.end());
    r.pairs = std::move(pairs);
    for (int i = 0; i < m.n; ++i)
        if (!used[size_t(i)]) r.unpaired.push_back(i);
    r.total = matching_cost(m, r.pairs);
    return r;
}

// With an unpaired filter u and two pairs, try every arrangement of the five
// filters (one left out, the other four in two pairs: 15 in all). This makes
// layers of up to five filters optimal and lets the odd filter move freely.
bool improve_five(const CostMatrix& m, std::pair<int, int>& p, std::pair<int, int>& q, int& unpaired) {
    const int e[5] = {unpaired, p.first, p.second, q.first, q.second};
    double now = m.at(p.first, p.second) + m.at(q.first, q.second);
    double best = now - 1e-12;
    int best_leave = -1, best_split = -1;
    int r[4];
    for (int leave = 0; leave < 5; ++leave) {
        for (int i = 0, k = 0; i < 5; ++i)
            if (i != leave) r[k++] = e[i];
        const double split[3] = {m.at(r[0], r[1]) + m.at(r[2], r[3]), m.at(r[0], r[2]) + m.at(r[1], r[3]),
                                 m.at(r[0], r[3]) + m.at(r[1], r[2])};
        for (int s = 0; s < 3; ++s)
            if (split[s] < best) best = split[s], best_leave = leave, best_split = s;
    }
    if (best_leave < 0) return false;
    for (int i = 0, k = 0; i < 5; ++i)
        if (i != best_leave) r[k++] = e[i];
    static const int kPartner[3][4] = {{0, 1, 2, 3}, {0, 2, 1, 3}, {0, 3, 1, 2}};
    const int* s = kPartner[best_split];
    p = {r[s[0]], r[s[1]]};
    q = {r[s[2]], r[s[3]]};
    unpaired = e[best_leave];
    return true;
}

// One pass of local moves; returns true if anything improved.
bool improve_once(const CostMatrix& m, std::vector<std::pair<int, int>>& pairs, int& unpaired) {
    bool improved = false;
    const double eps = 1e-12;
    for (size_t i = 0; i < pairs.size(); ++i) {
        for (size_t j = i + 1; j < pairs.size(); ++j) {
            auto [a, b] = pairs[i];
            auto [c, d] = pairs[j];
            double now = m.at(a, b) + m.at(c, d);
            double alt1 = m.at(a, c) + m.at(b, d);
            double alt2 = m.at(a, d) + m.at(b, c);
            if (alt1 < now - eps && alt1 <= alt2) {
                pairs[i] = {a, c}, pairs[j] = {b, d};
                improved = true;
            } else if (alt2 < now - eps) {
                pairs[i] = {a, d}, pairs[j] = {b, c};
                improved = true;
            }
            if (unpaired >= 0 && improve_five(m, pairs[i], pairs[j], unpaired)) improved = true;
        }
        if (unpaired >= 0) {
            auto [a, b] = pairs[i];
            int u = unpaired;
            double now = m.at(a, b);
            if (m.at(u, b) < now - eps && m.at(u, b) <= m.at(a, u)) {
                pairs[i] = {u, b}, unpaired = a;
                improved = true;
            } else if (m.at(a, u) < now - eps) {
                pairs[i] = {a, u}, unpaired = b;
                improved = true;
            }
        }
    }
    return improved;
}

}  // namespace

double matching_cost(const CostMatrix& m, const std::vector<std::pair<int, int>>& pairs) {
    double t = 0;
    for (auto [a, b] : pairs) t += m.at(a, b);
    return t;
}

Matching greedy_matching(const CostMatrix& m) {
    const int n = m.n;
    std::vector<std::pair<int, int>> edges;
    edges.reserve(size_t(n) * (n - 1) / 2);
    for (int a = 0; a < n; ++a)
        for (int b = a + 1; b < n; ++b) edges.emplace_back(a, b);
    // Stable on ties (index order), so results are deterministic.
    std::stable_sort(edges.begin(), edges.end(),
                     [&](const auto& x, const auto& y) { return m.at(x.first, x.second) < m.at(y.first, y.second); });
    std::vector<char> used(size_t(n), 0);
    std::vector<std::pair<int, int>> pairs;
    for (auto [a, b] : edges) {
        if (used[size_t(a)] || used[size_t(b)]) continue;
        used[size_t(a)] = used[size_t(b)] = 1;
        pairs.emplace_back(a, b);
    }
    int unpaired = -1;
    for (int i = 0; i < n; ++i)
        if (!used[size_t(i)]) unpaired = i;
    for (int pass = 0; pass < 100 && improve_once(m, pairs, unpaired); ++pass) {
    }
    return finish(m, pairs);
}

Matching exact_matching(const CostMatrix& m) {
    const int n = m.n;
    DDCPIM_ASSERT(n <= kExactMatchingLimit);
    const uint32_t full = n == 32 ? ~0u : ((1u << n) - 1);
    const double inf = std::numeric_limits<double>::infinity();
    // best[mask]: least cost to settle the filters in `mask` (the rest are settled).
    std::vector<double> best(size_t(1) << n, inf);
    std::vector<int> pick(size_t(1) << n, -2);
    best[0] = 0;
    for (uint32_t mask = 1; mask <= full; ++mask) {
        int i = __builtin_ctz(mask);
        uint32_t rest = mask & ~(1u << i);
        // With an odd count, the lowest open filter may stay unpaired when an
        // odd number remain, so exactly one ends unpaired overall.
        if (__builtin_popcount(mask) % 2 == 1 && best[rest] < best[mask]) {
            best[mask] = best[rest];
            pick[mask] = -1;
        }
        for (uint32_t r = rest; r; r &= r - 1) {
            int j = __builtin_ctz(r);
            double c = m.at(i, j) + best[rest & ~(1u << j)];
            if (c < best[mask]) {
                best[mask] = c;
                pick[mask] = j;
            }
        }
        if (mask == full) break;
    }
    std::vector<std::pair<int, int>> pairs;
    for (uint32_t mask = full; mask;) {
        int i = __builtin_ctz(mask);
        int j = pick[mask];
        mask &= ~(1u << i);
        if (j >= 0) {
            pairs.emplace_back(i, j);
            mask &= ~(1u << j);
        }
    }
    return finish(m, pairs);
}

Matching brute_force_matching(const CostMatrix& m) {
    DDCPIM_ASSERT(m.n <= kBruteForceLimit);
    std::vector<std::pair<int, int>> cur, best_pairs;
    double best = std::numeric_limits<double>::infinity();
    std::vector<char> used(size_t(m.n), 0);
    bool odd = m.n % 2 == 1;
    // Recursively pair the lowest open filter with each other one (or, once,
    // leave it unpaired when the count is odd).
    auto rec = [&](auto&& self, bool skipped) -> void {
        int i = 0;
        while (i < m.n && used[size_t(i)]) ++i;
        if (i == m.n) {
            double c = matching_cost(m, cur);
            if (c < best) best = c, best_pairs = cur;
            return;
        }
        used[size_t(i)] = 1;
        if (odd && !skipped) self(self, true);
        for (int j = i + 1; j < m.n; ++j) {
            if (used[size_t(j)]) continue;
            used[size_t(j)] = 1;
            cur.emplace_back(i, j);
            self(self, skipped);
            cur.pop_back();
            used[size_t(j)] = 0;
        }
        used[size_t(i)] = 0;
    };
    rec(rec, false);
    return finish(m, best_pairs);
}

}  // namespace ddcpim::fcc
