// Complementary filter pairs (ARCHITECTURE section 3): a pair [a, b] says that
// filter b's quantised weights are the bitwise complement of filter a's,
// W_b = ~W_a = -W_a - 1, so one SRAM column stores both (a in Q, b in Q-bar).
#pragma once

#include "ddcpim/network/network.hpp"

namespace ddcpim {

// Checks every listed pair of every layer against the weights: indices in
// range, no index used twice, exact complements. Fills LayerParams::pairs.
// Throws UserError naming the layer, the pair and the first weight that differs.
void validate_pairs(Network& net);

}  // namespace ddcpim
