// Prices a simulation's counted events and the macro's blocks with a
// technology file: area, energy per layer and in total (docs/cost.md).
#pragma once

#include "ddcpim/cost/technology.hpp"
#include "ddcpim/host/sim_result.hpp"

namespace ddcpim::host {

void apply_costs(SimResult& r, const cost::Technology& tech);

}  // namespace ddcpim::host
