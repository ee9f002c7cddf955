// Output fidelity of a network against a reference network of the same
// shape (the FCC network against the unpaired int8 one): over seeded sample
// inputs, the SQNR of the final logits and the top-1 agreement.
#pragma once

#include <cstdint>

#include "ddcpim/network/network.hpp"

namespace ddcpim::fcc {

struct Fidelity {
    int samples = 0;
    double sqnr_db = 0;       // 10 log10(sum ref^2 / sum (ref - cand)^2); +inf when identical
    double top1_agreement = 0;  // fraction of inputs whose arg-max agrees
    int identical_outputs = 0;  // inputs whose logits are all equal
    int reference_classes = 0;  // distinct top-1 classes of the reference: if 1, agreement says little
};

// Sample inputs are ref::sample_input(net, seed + i), i = 0..samples-1.
Fidelity compare_networks(const Network& reference, const Network& candidate, uint64_t seed, int samples);

}  // namespace ddcpim::fcc
