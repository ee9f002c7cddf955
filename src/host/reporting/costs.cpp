#include "ddcpim/host/costs.hpp"

namespace ddcpim::host {

void apply_costs(SimResult& r, const cost::Technology& tech) {
    r.technology = tech.node;
    r.area_um2 = cost::macro_area(r.macro, tech);
    r.capability = cost::capability(r.macro);
    const double one_macro_mm2 = cost::total(r.area_um2) / 1e6;
    // A layer's events are summed over the images; its leakage is over its first-image span once per
    // image, by the macros that are powered (all of them, or with power gating those with work). The
    // run's leakage is over the run's time, which overlapping layers and images make shorter than the
    // sum; with power gating, each macro's over the edges it is on.
    const double leaking_mm2 = r.power_gating ? one_macro_mm2 * r.macros_woken() : r.area_mm2();
    cost::Events all;
    for (auto& l : r.layers) {
        l.energy_pj = cost::energy(l.events, r.macro, tech, leaking_mm2, l.cycles * uint64_t(r.images));
        all += l.events;
    }
    if (!r.power_gating) {
        r.energy_pj = cost::energy(all, r.macro, tech, r.area_mm2(), r.total_cycles);
        return;
    }
    uint64_t on = 0;
    for (uint64_t c : r.macro_on_cycles) on += c;
    r.energy_pj = cost::energy(all, r.macro, tech, one_macro_mm2, on);
    // Waking a macro recharges its domain, once per macro with work.
    const double v = tech.supply(r.macro.supply_v);
    r.energy_pj.emplace_back("power-gating wake-ups",
                             tech.dynamic_scale(v) * tech.wake_pj_per_mm2 * one_macro_mm2 * r.macros_woken());
}

}  // namespace ddcpim::host
