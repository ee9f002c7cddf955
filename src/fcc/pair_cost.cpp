#include "ddcpim/fcc/pair_cost.hpp"

#include <algorithm>

#include "ddcpim/common/error.hpp"
#include "ddcpim/common/quant.hpp"

namespace ddcpim::fcc {

namespace {

// Integer squared errors of the four directed, signed variants of {a, b} in
// one pass: [a in Q] or [b in Q], times [partner as is] or [partner negated].
struct SquaredErrors {
    int64_t first[4] = {0, 0, 0, 0};   // |Q_first - S|^2
    int64_t second[4] = {0, 0, 0, 0};  // |Q_second' - ~S|^2
};

// round((qa - qb - 1) / 2) with round half up == floor((qa - qb) / 2). For
// Bw-bit qa and qb (qb possibly negated) this is always within the Bw-bit
// range, so the clamp of the definition never acts and is left out here;
// shared_pattern() keeps it and a test checks the two agree.
inline int32_t pattern(int32_t qa, int32_t qb) { return (qa - qb) >> 1; }

// One chunk of at most kChunk weights: 32-bit sums vectorise, and a term is at most 256^2.
constexpr int kChunk = 32767;

void add_chunk(SquaredErrors& e, const int32_t* qa, const int32_t* qb, int n, bool signs) {
    int32_t f0 = 0, s0 = 0, f1 = 0, s1 = 0, f2 = 0, s2 = 0, f3 = 0, s3 = 0;
    for (int k = 0; k < n; ++k) {
        int32_t a = qa[k], b = qb[k];
        int32_t p0 = pattern(a, b);   // a in Q, b in Q-bar
        int32_t p1 = pattern(b, a);   // b in Q, a in Q-bar
        f0 += (a - p0) * (a - p0);
        s0 += (b + p0 + 1) * (b + p0 + 1);
        f1 += (b - p1) * (b - p1);
        s1 += (a + p1 + 1) * (a + p1 + 1);
        if (signs) {
            int32_t p2 = pattern(a, -b);  // a in Q, -b in Q-bar
            int32_t p3 = pattern(b, -a);  // b in Q, -a in Q-bar
            f2 += (a - p2) * (a - p2);
            s2 += (-b + p2 + 1) * (-b + p2 + 1);
            f3 += (b - p3) * (b - p3);
            s3 += (-a + p3 + 1) * (-a + p3 + 1);
        }
    }
    e.first[0] += f0, e.second[0] += s0, e.first[1] += f1, e.second[1] += s1;
    e.first[2] += f2, e.second[2] += s2, e.first[3] += f3, e.second[3] += s3;
}

// Wider filters (a fully connected layer on a large map) add their chunks' sums in 64 bits.
SquaredErrors squared_errors(const int32_t* qa, const int32_t* qb, int n, bool signs) {
    SquaredErrors e;
    for (int k = 0; k < n; k += kChunk) add_chunk(e, qa + k, qb + k, std::min(kChunk, n - k), signs);
    return e;
}

double relative(const FilterSet& fs, int first, int second, int64_t e_first, int64_t e_second) {
    double sf = fs.scale[size_t(first)], ss = fs.scale[size_t(second)];
    double energy = fs.energy[size_t(first)] + fs.energy[size_t(second)];
    double err = sf * sf * double(e_first) + ss * ss * double(e_second);
    return energy > 0 ? err / energy : err;
}

}  // namespace

std::vector<int32_t> shared_pattern(const int32_t* qa, const int32_t* qb, int length, int bits, bool negate_b) {
    const int32_t lo = -(1 << (bits - 1)), hi = (1 << (bits - 1)) - 1;
    std::vector<int32_t> s(static_cast<size_t>(length));
    for (int k = 0; k < length; ++k) {
        int32_t v = pattern(qa[k], negate_b ? -qb[k] : qb[k]);
        s[size_t(k)] = v < lo ? lo : (v > hi ? hi : v);
    }
    return s;
}

double directed_cost(const FilterSet& fs, int a, int b, bool negate_b) {
    std::vector<int32_t> s = shared_pattern(fs.filter(a), fs.filter(b), fs.length, fs.bits, negate_b);
    int64_t ea = 0, eb = 0;
    for (int k = 0; k < fs.length; ++k) {
        int64_t qa = fs.filter(a)[k], qb = negate_b ? -fs.filter(b)[k] : fs.filter(b)[k];
        ea += (qa - s[size_t(k)]) * (qa - s[size_t(k)]);
        int64_t cb = complement(s[size_t(k)]);
        eb += (qb - cb) * (qb - cb);
    }
    return relative(fs, a, b, ea, eb);
}

PairChoice best_choice(const FilterSet& fs, int a, int b, bool sign_flexible) {
    SquaredErrors e = squared_errors(fs.filter(a), fs.filter(b), fs.length, sign_flexible);
    PairChoice best{relative(fs, a, b, e.first[0], e.second[0]), false, false};
    auto consider = [&](double c, bool swapped, bool negated) {
        if (c < best.cost) best = {c, swapped, negated};
    };
    consider(relative(fs, b, a, e.first[1], e.second[1]), true, false);
    if (sign_flexible) {
        consider(relative(fs, a, b, e.first[2], e.second[2]), false, true);
        consider(relative(fs, b, a, e.first[3], e.second[3]), true, true);
    }
    return best;
}

CostMatrix cost_matrix(const FilterSet& fs, bool sign_flexible) {
    CostMatrix m;
    m.n = fs.count;
    m.cost.assign(size_t(m.n) * m.n, 0);
    m.choice.assign(size_t(m.n) * m.n, {});
    for (int a = 0; a < m.n; ++a)
        for (int b = a + 1; b < m.n; ++b) {
            PairChoice c = best_choice(fs, a, b, sign_flexible);
            m.choice[size_t(a) * m.n + b] = c;
            m.cost[size_t(a) * m.n + b] = m.cost[size_t(b) * m.n + a] = c.cost;
        }
    return m;
}

}  // namespace ddcpim::fcc
