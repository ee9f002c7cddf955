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
    // Leakage over the edges each macro is on. Asleep, a macro holding resident weights keeps only its
    // array cells at the data-retention voltage (retention_leakage of their leakage); its periphery
    // (trees, drivers, accumulators, buffers) is off like an empty macro's.
    uint64_t on = 0, retained = 0;
    for (size_t k = 0; k < r.macro_on_cycles.size(); ++k) {
        on += r.macro_on_cycles[k];
        if (r.macro_holds_weights[k]) retained += r.macro_sleep_cycles[k];
    }
    r.energy_pj = cost::energy(all, r.macro, tech, one_macro_mm2, on);
    const double v = tech.supply(r.macro.supply_v);
    const double array_mm2 = cost::component(r.area_um2, "array cells") / 1e6;
    for (auto& [name, pj] : r.energy_pj)
        if (name == "leakage")
            pj += tech.leaking(v) * tech.retention_leakage * array_mm2 * (double(retained) / r.macro.clock_mhz) * 1000.0;
    // Waking a macro recharges its domain: once per macro with work, and once after every sleep.
    r.energy_pj.emplace_back("power-gating wake-ups", tech.dynamic_scale(v) * tech.wake_pj_per_mm2 * one_macro_mm2 *
                                                          double(uint64_t(r.macros_woken()) + r.gap_wakes()));
}

}  // namespace ddcpim::host
