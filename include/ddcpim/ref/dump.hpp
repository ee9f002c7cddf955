// Per-layer dumps for offline checking with numpy: for every layer that
// multiplies and accumulates, NN_<layer>.input.npy (C,H,W),
// NN_<layer>.weight.npy (O, I/groups, K, K; fc: O, C, H, W), NN_<layer>.acc.npy (O,Ho,Wo) raw
// int32 accumulators before bias and requantisation, and NN_<layer>.json with
// kind, stride, padding, groups, input_signed and pairs. NN is the layer's
// index in the network, zero-padded.
#pragma once

#include <string>
#include <vector>

#include "ddcpim/network/network.hpp"
#include "ddcpim/ref/tensor.hpp"

namespace ddcpim {

class LayerDumper {
public:
    // Creates `dir`; throws UserError if it cannot.
    LayerDumper(const Network& net, std::string dir);
    // Writes the files of layer `index` (a MAC layer).
    void dump(size_t index, const Tensor& input, const std::vector<int32_t>& acc) const;
    std::string prefix(size_t index) const;

private:
    const Network& m_net;
    std::string m_dir;
    int m_width;
};

}  // namespace ddcpim
