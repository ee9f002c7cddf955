// FCC pairing cost (ARCHITECTURE section 3, step 1). For filters a and b with
// quantised weights Q_a, Q_b and scales s_a, s_b, the shared pattern is
//   S = clamp(round((Q_a - Q_b - 1) / 2))       (round half up: floor((Q_a - Q_b) / 2))
// so that S ~ Q_a and ~S = -S - 1 ~ Q_b at once, and the cost is
//   (s_a^2 |Q_a - S|^2 + s_b^2 |Q_b - ~S|^2) / (|F_a|^2 + |F_b|^2),
// the squared error relative to the two float filters' energy.
// A pair is directed: `first` goes in Q, `second` in Q-bar. With sign-flexible
// pairing the second filter may be negated first (it then gets a negative
// scale), which lets positively correlated filters pair too.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace ddcpim::fcc {

// The filters of one layer in the integer domain.
struct FilterSet {
    int count = 0;                 // filters (output channels; depthwise: channels)
    int length = 0;                // weights per filter
    int bits = 8;                  // Bw
    std::vector<int32_t> q;        // count x length quantised weights
    std::vector<double> scale;     // per filter, > 0
    std::vector<double> energy;    // per filter: |F|^2 of the float weights (or of s*Q)
    const int32_t* filter(int f) const { return q.data() + size_t(f) * length; }
};

struct PairChoice {
    double cost = 0;       // relative squared error (see above)
    bool swapped = false;  // true: b goes in Q and a in Q-bar
    bool negated = false;  // true: the filter in Q-bar is negated (negative scale)
};

// The pattern S for a directed pair, Q_b possibly negated.
std::vector<int32_t> shared_pattern(const int32_t* qa, const int32_t* qb, int length, int bits, bool negate_b);

// Cost of one directed choice.
double directed_cost(const FilterSet& fs, int a, int b, bool negate_b);

// The best of the directions (and signs, when sign_flexible) for {a, b}.
PairChoice best_choice(const FilterSet& fs, int a, int b, bool sign_flexible);

// All pairs' best choices: a symmetric count x count matrix of costs (the
// diagonal is unused), and the choice behind each entry (for a < b).
struct CostMatrix {
    int n = 0;
    std::vector<double> cost;          // n x n
    std::vector<PairChoice> choice;    // n x n, valid for a < b
    double at(int a, int b) const { return cost[size_t(a) * n + b]; }
    const PairChoice& choice_of(int a, int b) const {
        return a < b ? choice[size_t(a) * n + b] : choice[size_t(b) * n + a];
    }
};
CostMatrix cost_matrix(const FilterSet& fs, bool sign_flexible);

}  // namespace ddcpim::fcc
