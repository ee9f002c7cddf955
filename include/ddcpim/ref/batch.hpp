// Many inputs through the reference engine: a batch of images (an .npy with a
// leading N axis), run on a few threads, with top-1 accuracy against labels.
// This is what training and evaluation scripts call; the per-image result is
// exactly run_network's.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ddcpim/network/network.hpp"
#include "ddcpim/ref/tensor.hpp"

namespace ddcpim::ref {

// Runs every input through the network and returns each one's output, in
// input order. `threads` 0 means the hardware's count. Deterministic: the
// result does not depend on the thread count.
std::vector<Tensor> run_batch(const Network& net, const std::vector<Tensor>& inputs, unsigned threads = 0);

// Index of the largest output code (the first one on a tie), over the whole
// output tensor flattened in C, H, W order.
int64_t top1_class(const Tensor& output);

// Reads a label file: a 1-D integer .npy of exactly `count` entries, each in
// [0, classes). Throws UserError naming the file and the offending entry.
std::vector<int64_t> read_labels(const std::string& path, size_t count, int64_t classes);

}  // namespace ddcpim::ref
