// The fast engine: every figure the clocked model reports (cycles and their
// breakdown, MVMs, utilisation, energy events, traffic, per-macro busy),
// computed by replaying the system plan (system_plan.hpp) as a discrete-event
// schedule with the closed forms of docs/timing.md instead of counted on a
// clock. It needs the network's shapes and pairs, not its data, and answers
// in microseconds per layer. tests/test_fast_engine.cpp holds it equal to the
// clocked engine on random networks and macros.
//
// It computes no activations: the network's output, where one is wanted,
// comes from the reference engine, which the clocked model equals bit for bit.
#pragma once

#include "ddcpim/host/sim_result.hpp"
#include "ddcpim/host/system_plan.hpp"
#include "ddcpim/network/network.hpp"

namespace ddcpim::host {

SimResult run_fast(const Network& net, const MacroParams& macro, const SystemOptions& options = {});

}  // namespace ddcpim::host
