// Seeded synthetic parameters shaped like a trained, quantised CNN:
//  - float weights: Laplacian, He-scaled by fan-in, with a log-normal spread
//    of per-channel magnitudes; quantised per output channel (symmetric,
//    scale = max|w| / (2^(Bw-1) - 1)). No structure is planted: filters are
//    independent, so FCC gets no help.
//  - bias, output scales and requantisation: calibrated by running the integer
//    network on a seeded calibration input, layer by layer, so activations use
//    their range as a post-training-quantised network's would.
#pragma once

#include "ddcpim/network/network.hpp"

namespace ddcpim {

// Deterministic for (config, seed) on every machine.
Network synthesize_network(const ConfigFile& config);

// Real-valued activation functions and the integer tables built from them.
std::vector<int32_t> build_activation_lut(LayerKind kind, int bits, bool in_signed, double in_scale,
                                          double out_scale, IntRange out_range);

// Multipliers for an add: a*ma + b*mb share one shift.
std::vector<FixedPoint> add_fixed_points(double factor_a, double factor_b);

}  // namespace ddcpim
