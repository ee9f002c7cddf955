// Runs a whole network through the reference operations, layer by layer.
#pragma once

#include <functional>
#include <vector>

#include "ddcpim/network/network.hpp"
#include "ddcpim/ref/tensor.hpp"

namespace ddcpim::ref {

// Called after each layer with its first input, the raw accumulators (MAC
// layers; null otherwise) and its output.
using LayerObserver = std::function<void(size_t layer, const Tensor& input, const std::vector<int32_t>* acc,
                                         const Tensor& output)>;

struct RunResult {
    Tensor output;                    // of the last layer
    std::vector<Shape> shapes;        // per layer
    std::vector<int32_t> out_min, out_max;  // per layer, for the summary
};

RunResult run_network(const Network& net, const Tensor& input, const LayerObserver& observer = {});

// The network's sample input: deterministic for a seed, smooth like an image,
// spread over most of the input range.
Tensor sample_input(const NetworkDesc& net, uint64_t seed);

// Checks that an input tensor fits the network (shape, range); throws UserError.
void check_input(const NetworkDesc& net, const Tensor& input, const std::string& origin);

}  // namespace ddcpim::ref
