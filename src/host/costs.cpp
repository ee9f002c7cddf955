#include "ddcpim/host/costs.hpp"

namespace ddcpim::host {

void apply_costs(SimResult& r, const cost::Technology& tech) {
    r.technology = tech.node;
    r.area_um2 = cost::macro_area(r.macro, tech);
    r.capability = cost::capability(r.macro);
    // A layer's events are summed over the images; its leakage is over its
    // first-image span once per image. The run's leakage is over the run's
    // time, which overlapping layers and images make shorter than the sum.
    cost::Events all;
    for (auto& l : r.layers) {
        l.energy_pj = cost::energy(l.events, r.macro, tech, r.area_mm2(), l.cycles * uint64_t(r.images));
        all += l.events;
    }
    r.energy_pj = cost::energy(all, r.macro, tech, r.area_mm2(), r.total_cycles);
}

}  // namespace ddcpim::host
