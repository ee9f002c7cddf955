// Printing and writing simulation results: the per-layer table, the totals,
// the DDC-against-baseline speedup per layer kind, JSON and CSV.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "ddcpim/host/sim_result.hpp"

namespace ddcpim::host {

// The per-layer table, titled with the network, mode and engine, with a legend.
std::string layer_table(const SimResult& r);
// One-line notes on a DDC result that looks wrong without an error: no layer
// uses pairs (and why), or layers slower than in the baseline (and the cause).
// `baseline` may be null (no --compare).
std::vector<std::string> ddc_notes(const SimResult& ddc, const SimResult* baseline, bool config_pairs_any);
std::string totals(const SimResult& r);
// The system around the macros: first image, throughput, off-chip traffic, busy macros (part of totals).
std::string system_summary(const SimResult& r);
// Speedup = baseline cycles / DDC cycles, per layer kind and in total.
std::string speedup_table(const SimResult& ddc, const SimResult& baseline);

// lean: per layer only name, kind, cycles, macro_cycles, host_cycles, energy_uj and, with layer_energy,
// energy_uj_by_component (what a sweep's rows read; explore::Explorer for scripts/sweep, whose
// --layer-energy asks for the last).
nlohmann::ordered_json result_json(const SimResult& r, bool lean = false, bool layer_energy = true);
nlohmann::ordered_json speedup_json(const SimResult& ddc, const SimResult& baseline);
// --ablate: the mechanisms added one at a time (ablation_steps), each step's
// cycles, its speedup over the first step and over the step before, and the
// layers whose cycles the step changed, by kind.
std::vector<std::pair<std::string, MacroParams>> ablation_steps(const MacroParams& macro);
std::string ablation_table(const std::vector<SimResult>& steps);
nlohmann::ordered_json ablation_json(const std::vector<SimResult>& steps);

// --compare's JSON: both modes, the speedup, and copies of the DDC figures at the top.
// lean: both modes' results lean (result_json) and no top-level copy of the DDC layers.
nlohmann::ordered_json compare_json(const SimResult& ddc, const SimResult& baseline, bool verify, bool lean = false,
                                    bool layer_energy = true);
std::string result_csv(const SimResult& r);

}  // namespace ddcpim::host
