// Small FCC fixtures: random filter sets, and one-layer networks with given weights.
#pragma once

#include "ddcpim/common/rng.hpp"
#include "ddcpim/fcc/pair_cost.hpp"
#include "ddcpim/network/network.hpp"

namespace ddcpim::test {

// `count` independent Laplacian-ish filters of `length` Bw-bit weights, random scales.
fcc::FilterSet random_filters(Rng& rng, int count, int length, int bits = 8);

// A network with one pointwise (or depthwise) layer of `count` filters whose
// integer weights are `weights` (count x weights_per_filter), scales `scales`,
// float weights = scale * weight, requant factor 1/256 per channel.
Network one_layer_network(LayerKind kind, int in_channels, int count, int kernel, const std::vector<int32_t>& weights,
                          const std::vector<double>& scales);

}  // namespace ddcpim::test
