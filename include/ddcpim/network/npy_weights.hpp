// Network parameters as one .npy file per layer and parameter, in a directory
// (docs/config.md, "Weights from files"):
//   <layer>.weight.npy   MAC layers: (O, I/groups, K, K), fc: (O, I); integers
//   <layer>.bias.npy     MAC layers, optional: (O,), accumulator units
//   <layer>.requant.npy  (n, 2) rows of [multiplier, shift]: n = O for MAC
//                        layers, 2 for add (one shared shift), 1 for avgpool,
//                        se, relu, relu6
//   <layer>.clamp.npy    optional (2,): [lo, hi] output clamp (relu6's "six")
//   <layer>.lut.npy      swish, sigmoid: (2^bits,), output for each input code
//   <layer>.weight_float.npy, <layer>.weight_scale.npy, <layer>.out_scale.npy:
//                        optional real-valued view (float64), used by FCC
#pragma once

#include <string>

#include "ddcpim/network/network.hpp"

namespace ddcpim {

// Reads every layer's files from config.weights.dir. Throws UserError naming
// the file and what was expected (shape, integer values, range).
Network load_npy_network(const ConfigFile& config);

// Writes `net`'s parameters to `dir` (created if needed) in the format above,
// and a config YAML at `yaml_path` whose weights section points at `dir`.
void export_network(const Network& net, const ConfigFile& config, const std::string& dir,
                    const std::string& yaml_path);

}  // namespace ddcpim
