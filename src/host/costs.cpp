#include "ddcpim/host/costs.hpp"

namespace ddcpim::host {

void apply_costs(SimResult& r, const cost::Technology& tech) {
    r.technology = tech.node;
    r.area_um2 = cost::macro_area(r.macro, tech);
    r.capability = cost::capability(r.macro);
    r.energy_pj.clear();
    for (auto& l : r.layers) {
        l.energy_pj = cost::energy(l.events, r.macro, tech, r.area_mm2(), l.cycles);
        if (r.energy_pj.empty()) {
            r.energy_pj = l.energy_pj;
        } else {
            for (size_t i = 0; i < l.energy_pj.size(); ++i) r.energy_pj[i].second += l.energy_pj[i].second;
        }
    }
}

}  // namespace ddcpim::host
