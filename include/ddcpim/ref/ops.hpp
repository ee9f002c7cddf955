// The reference engine's layer operations: plain C++, exact integer arithmetic
// (ARCHITECTURE section 2). The golden model the simulator is checked against.
#pragma once

#include <vector>

#include "ddcpim/network/layer.hpp"
#include "ddcpim/ref/tensor.hpp"

namespace ddcpim::ref {

// Raw accumulators of a conv, pointwise, depthwise or fc layer, before bias
// and requantisation: out_shape.c x out_shape.h x out_shape.w, each the exact
// sum of input * weight (padding contributes zeros).
std::vector<int32_t> mac_accumulate(const LayerDesc& l, const std::vector<int32_t>& weight, const Tensor& in);

// Bias, per-channel requantisation and clamping of accumulators.
Tensor mac_output(const LayerDesc& l, const LayerParams& p, const std::vector<int32_t>& acc);

// Element-wise and pooling layers. `inputs` are the layer's input tensors in order.
Tensor run_non_mac(const LayerDesc& l, const LayerParams& p, const std::vector<const Tensor*>& inputs);

// Any layer. When `acc` is non-null and the layer is a MAC layer, it receives
// the raw accumulators.
Tensor run_layer(const LayerDesc& l, const LayerParams& p, const std::vector<const Tensor*>& inputs,
                 std::vector<int32_t>* acc = nullptr);

}  // namespace ddcpim::ref
