// The fast engine: every figure the clocked model reports (cycles and their
// breakdown, MVMs, utilisation, energy events), computed from the host's plan
// (schedule.hpp) and the closed forms of docs/timing.md instead of counted on
// a clock. It needs the network's shapes and pairs, not its data, and answers
// in microseconds per layer. tests/test_fast_engine.cpp holds it equal to the
// clocked engine on random networks and macros.
//
// It computes no activations: the network's output, where one is wanted,
// comes from the reference engine, which the clocked model equals bit for bit.
#pragma once

#include "ddcpim/host/sim_result.hpp"
#include "ddcpim/network/network.hpp"

namespace ddcpim::host {

struct FastOptions {
    int ops_per_cycle = 16;  // element-wise operations per host cycle (docs/host.md)
};

SimResult run_fast(const Network& net, const MacroParams& macro, const FastOptions& options = {});

}  // namespace ddcpim::host
