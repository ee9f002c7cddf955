// What the FCC pass did to one layer: pairs, weight errors, pair costs.
#pragma once

#include <string>

namespace ddcpim::fcc {

struct LayerReport {
    std::string name;
    std::string kind;
    int filters = 0;
    int pairs = 0;
    int unpaired = 0;
    int negated = 0;              // pairs whose Q-bar filter has a negative scale
    bool exact = false;           // matched by the exact matcher
    bool cached = false;          // the matching came from the FCC cache (cache.hpp)
    bool has_float = false;       // float weights were available (else s*Q)
    double quant_error = 0;       // |F - s Q|^2 / |F|^2: plain int quantisation, before FCC
    double error_before_refit = 0;  // after the rewrite, old scales
    double error_after_refit = 0;   // after the rewrite and the refit
    double mean_cost = 0;         // of the chosen pairs
    double worst_cost = 0;
    double seconds = 0;
};

}  // namespace ddcpim::fcc
