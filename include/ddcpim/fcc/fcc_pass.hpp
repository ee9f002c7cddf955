// The FCC pass over a network (ARCHITECTURE section 3): for each MAC layer
// whose pairs are `auto`, pair its filters (depthwise: channels) by minimum
// cost, rewrite each pair to W_first = S, W_second = ~S, refit the two scales
// by least squares, and carry the scale change into the layer's integer
// requantisation and bias so the network's outputs keep their meaning.
#pragma once

#include <string>
#include <vector>

#include "ddcpim/fcc/cache.hpp"
#include "ddcpim/fcc/layer_report.hpp"
#include "ddcpim/fcc/matching.hpp"
#include "ddcpim/network/network.hpp"

namespace ddcpim::fcc {


// The filters of layer `index` as a FilterSet (scales 1 when the layer has none).
FilterSet filter_set(const Network& net, size_t index);

// Pairs and rewrites one layer in place; returns its report. The matching
// comes from `cache` when it holds it (cache.hpp; null: always computed).
LayerReport pair_layer(Network& net, size_t index, const FccOptions& options, FccCache* cache = nullptr);

// Runs pair_layer on every layer whose spec is Auto. `progress` (may be null)
// is called before each layer.
std::vector<LayerReport> run_fcc(Network& net, void (*progress)(size_t, size_t, const std::string&) = nullptr,
                                 FccCache* cache = &FccCache::process_cache());

}  // namespace ddcpim::fcc
