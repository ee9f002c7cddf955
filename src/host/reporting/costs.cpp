#include "ddcpim/host/costs.hpp"

#include <cmath>

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
    // Leakage while on, and while asleep holding resident weights at the retention fraction (edges
    // weighted by it; an empty macro asleep is off).
    double on = 0;
    for (size_t k = 0; k < r.macro_on_cycles.size(); ++k)
        on += double(r.macro_on_cycles[k]) +
              (r.macro_holds_weights[k] ? tech.retention_leakage * double(r.macro_sleep_cycles[k]) : 0.0);
    r.energy_pj = cost::energy(all, r.macro, tech, one_macro_mm2, uint64_t(std::llround(on)));
    // Waking a macro recharges its domain: once per macro with work, and once after every sleep.
    const double v = tech.supply(r.macro.supply_v);
    r.energy_pj.emplace_back("power-gating wake-ups", tech.dynamic_scale(v) * tech.wake_pj_per_mm2 * one_macro_mm2 *
                                                          double(uint64_t(r.macros_woken()) + r.gap_wakes()));
}

}  // namespace ddcpim::host
