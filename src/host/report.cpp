#include "ddcpim/host/report.hpp"

#include <map>

#include <fmt/format.h>

namespace ddcpim::host {

namespace {
// 14,556 or 300.8 M: small counts stay exact.
std::string count_text(int64_t n) {
    if (n >= 10'000'000'000) return fmt::format("{:.1f} G", double(n) / 1e9);
    if (n >= 10'000'000) return fmt::format("{:.1f} M", double(n) / 1e6);
    std::string s = std::to_string(n), out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (i && (s.size() - i) % 3 == 0) out += ',';
        out += s[i];
    }
    return out + " ";
}
}  // namespace

std::string layer_table(const SimResult& r) {
    std::string out = fmt::format("{} ({}, {} engine): per layer\n", r.network, r.mode, r.engine);
    out += fmt::format("{:<20} {:<9} {:<24} {:<8} {:>11} {:>7} {:>9} {:>8} {:>7} {:>7} {:>7} {:>7} {:>6}\n",
                                  "layer", "kind", "shape", "mapping", "MACs", "MVMs", "cycles", "compute", "weights",
                                  "input", "stall", "host", "util");
    for (const auto& l : r.layers)
        out += fmt::format("{:<20} {:<9} {:<24} {:<8} {:>11} {:>7} {:>9} {:>8} {:>7} {:>7} {:>7} {:>7} {:>5.1f}%\n",
                           l.name, l.kind, l.shape, l.mapping + (l.pairs_used ? "+" : ""), l.macs, l.mvms, l.cycles,
                           l.compute, l.weight_load, l.input_load, l.stall, l.host_cycles, 100 * l.utilization);
    out += "cycles: the layer's span (macro phase, then host work). compute, weights (array writes), input (wait\n"
           "for the first vector) and stall: macro activity summed over the macros, without each command's fixed\n"
           "edges, so they need not add up to cycles. host: element-wise work. util: useful MACs / (MVMs x MAC\n"
           "slots of the array). mapping '+': complementary pairs in use (Q-bar holds the partner filter).\n";
    for (const auto& l : r.layers)
        if (!l.note.empty()) out += fmt::format("note: {}: {}\n", l.name, l.note);
    return out;
}

std::vector<std::string> ddc_notes(const SimResult& d, const SimResult* b, bool config_pairs_any) {
    std::vector<std::string> notes;
    if (!d.macro.complementary) return notes;
    bool mac = false, paired = false;
    for (const auto& l : d.layers) {
        mac = mac || l.mapping != "host";
        paired = paired || l.pairs_used;
    }
    if (mac && !paired)
        notes.push_back(config_pairs_any
                            ? "no layer uses complementary pairs: the network's pairs are all depthwise, which need "
                              "macro.dual_broadcast: true"
                            : "no layer uses complementary pairs, so Q-bar stays idle and DDC gains nothing: the config "
                              "pairs no layer (fcc pairs default to none; add `fcc: {pairs: auto}` at the top level to "
                              "pair every MAC layer, docs/fcc.md)");
    if (!b) return notes;
    std::vector<std::string> slower;
    for (size_t i = 0; i < d.layers.size() && i < b->layers.size(); ++i) {
        const LayerResult &x = d.layers[i], &y = b->layers[i];
        if (x.cycles <= y.cycles) continue;
        // The component that grew most is the cause.
        const std::pair<int64_t, const char*> parts[] = {
            {int64_t(x.weight_load) - int64_t(y.weight_load), "weight writes"},
            {int64_t(x.input_load + x.stall) - int64_t(y.input_load + y.stall), "input loading"},
            {int64_t(x.compute) - int64_t(y.compute), "compute"},
            {int64_t(x.host_cycles) - int64_t(y.host_cycles), "host work"}};
        const auto* cause = &parts[0];
        for (const auto& p : parts)
            if (p.first > cause->first) cause = &p;
        slower.push_back(fmt::format("{} ({} vs {} cycles, {} +{})", x.name, x.cycles, y.cycles, cause->second,
                                     cause->first));
    }
    if (!slower.empty()) {
        std::string list;
        for (size_t i = 0; i < slower.size() && i < 4; ++i) list += (i ? ", " : "") + slower[i];
        if (slower.size() > 4) list += fmt::format(" and {} more", slower.size() - 4);
        notes.push_back(fmt::format("DDC is slower than the baseline in {} layer(s): {}. Toeplitz depthwise tiles "
                                    "write many weight rows and load two input lanes, which small feature maps do not "
                                    "repay; macro.dw_mapping: auto picks the faster scheme per layer",
                                    slower.size(), list));
    }
    return notes;
}

std::string totals(const SimResult& r) {
    std::string out = fmt::format(
        "{} ({}): {} cycles = {:.1f} us at {} MHz (macro {} + host {}); {}MACs, {:.3f} effective TOPS",
        r.network, r.mode, r.total_cycles, r.time_us(), r.macro.clock_mhz, r.macro_cycles, r.host_cycles,
        count_text(r.macs), r.effective_tops());
    if (r.verify_requested) out += r.verified ? "; verified against the reference engine" : "; VERIFY FAILED";
    out += "\n";
    if (!r.technology.empty())
        out += fmt::format("  {} macro(s) at {}: {:.4f} mm2, peak {:.3f} TOPS (8-bit), {:.2f} TOPS/mm2; {:.1f} uJ on the "
                           "network, {:.2f} TOPS/W; weights {:.0f} Kb effective, {:.0f} Kb/mm2 of macro ({:.0f} of cell array)\n",
                           r.macro.macros, r.technology, r.area_mm2(), r.capability.peak_tops, r.tops_per_mm2(),
                           r.energy_uj(), r.tops_per_w(), r.capability.weight_capacity_kb, r.weight_density(),
                           r.array_weight_density());
    return out;
}

namespace {
struct KindTotals {
    uint64_t ddc = 0, base = 0, ddc_macro = 0, base_macro = 0;
};
std::map<std::string, KindTotals> by_kind(const SimResult& d, const SimResult& b) {
    std::map<std::string, KindTotals> m;
    for (size_t i = 0; i < d.layers.size() && i < b.layers.size(); ++i) {
        auto& k = m[d.layers[i].kind];
        k.ddc += d.layers[i].cycles;
        k.base += b.layers[i].cycles;
        k.ddc_macro += d.layers[i].macro_cycles;
        k.base_macro += b.layers[i].macro_cycles;
    }
    return m;
}
double ratio(uint64_t a, uint64_t b) { return b ? double(a) / double(b) : 0; }
std::string ratio_text(uint64_t a, uint64_t b) { return b ? fmt::format("{:.2f}x", ratio(a, b)) : "-"; }
}  // namespace

std::string speedup_table(const SimResult& d, const SimResult& b) {
    std::string out = fmt::format("{:<10} {:>12} {:>12} {:>9} {:>15}\n", "kind", "baseline", "ddc", "speedup",
                                  "macro speedup");
    for (auto& [kind, t] : by_kind(d, b))
        out += fmt::format("{:<10} {:>12} {:>12} {:>9} {:>15}\n", kind, t.base, t.ddc, ratio_text(t.base, t.ddc),
                           ratio_text(t.base_macro, t.ddc_macro));
    out += fmt::format("{:<10} {:>12} {:>12} {:>9} {:>15}\n", "total", b.total_cycles, d.total_cycles,
                       ratio_text(b.total_cycles, d.total_cycles), ratio_text(b.macro_cycles, d.macro_cycles));
    return out;
}

nlohmann::ordered_json result_json(const SimResult& r) {
    nlohmann::ordered_json j;
    j["network"] = r.network;
    j["mode"] = r.mode;
    j["engine"] = r.engine;
    nlohmann::ordered_json macro;
    for (const auto& d : macro_param_decls())
        std::visit([&](auto member) { macro[d.name] = r.macro.*member; }, d.member);
    j["macro"] = macro;
    j["host"] = {{"ops_per_cycle", r.host_ops_per_cycle}};
    j["total_cycles"] = r.total_cycles;
    j["macro_cycles"] = r.macro_cycles;
    j["host_cycles"] = r.host_cycles;
    j["time_us"] = r.time_us();
    j["macs"] = r.macs;
    j["effective_tops"] = r.effective_tops();
    if (!r.technology.empty()) {
        j["technology"] = r.technology;
        j["area_mm2"] = r.area_mm2();
        for (auto& [name, v] : r.area_um2) j["area_mm2_by_component"][name] = v * r.macro.macros / 1e6;
        j["energy_uj"] = r.energy_uj();
        for (auto& [name, v] : r.energy_pj) j["energy_uj_by_component"][name] = v / 1e6;
        j["peak_tops"] = r.capability.peak_tops;
        j["peak_tops_1b"] = r.capability.peak_tops_1b;
        j["tops_per_mm2"] = r.tops_per_mm2();
        j["tops_per_w"] = r.tops_per_w();
        j["weight_capacity_kb"] = r.capability.weight_capacity_kb;
        j["weight_density_kb_per_mm2"] = r.weight_density();
        j["array_weight_density_kb_per_mm2"] = r.array_weight_density();
    } else {
        j["technology"] = nullptr;
    }
    if (r.verify_requested) j["verified"] = r.verified;
    else j["verified"] = nullptr;
    if (!r.mismatch.empty()) j["mismatch"] = r.mismatch;
    // The network's output codes (logits); the fast engine computes none (fast_engine.hpp).
    if (r.engine == "fast") j["output"] = nullptr;
    else j["output"] = r.output.data;
    j["layers"] = nlohmann::ordered_json::array();
    for (const auto& l : r.layers)
        j["layers"].push_back({{"name", l.name},
                               {"kind", l.kind},
                               {"shape", l.shape},
                               {"mapping", l.mapping},
                               {"pairs_used", l.pairs_used},
                               {"macs", l.macs},
                               {"mvms", l.mvms},
                               {"tiles", l.tiles},
                               {"cycles", l.cycles},
                               {"macro_cycles", l.macro_cycles},
                               {"host_cycles", l.host_cycles},
                               {"compute_cycles", l.compute},
                               {"weight_load_cycles", l.weight_load},
                               {"input_load_cycles", l.input_load},
                               {"stall_cycles", l.stall},
                               {"utilization", l.utilization},
                               {"energy_uj", l.energy_uj()},
                               {"note", l.note}});
    if (!r.technology.empty())
        for (size_t i = 0; i < r.layers.size(); ++i)
            for (auto& [name, v] : r.layers[i].energy_pj) j["layers"][i]["energy_uj_by_component"][name] = v / 1e6;
    return j;
}

nlohmann::ordered_json speedup_json(const SimResult& d, const SimResult& b) {
    nlohmann::ordered_json j;
    j["total"] = ratio(b.total_cycles, d.total_cycles);
    j["macro"] = ratio(b.macro_cycles, d.macro_cycles);
    for (auto& [kind, t] : by_kind(d, b)) {
        j["by_kind"][kind]["total"] = ratio(t.base, t.ddc);
        // Host-only kinds have no macro phase.
        if (t.ddc_macro) j["by_kind"][kind]["macro"] = ratio(t.base_macro, t.ddc_macro);
        else j["by_kind"][kind]["macro"] = nullptr;
    }
    return j;
}

std::vector<std::pair<std::string, MacroParams>> ablation_steps(const MacroParams& macro) {
    MacroParams m = macro.as_baseline();
    std::vector<std::pair<std::string, MacroParams>> steps{{"baseline", m}};
    m.complementary = true;  // Q-bar: pointwise, conv and fc pairs
    steps.emplace_back("+ Q-bar", m);
    m.dual_broadcast = true;  // a second lane: depthwise pairs
    steps.emplace_back("+ dual broadcast", m);
    m.dw_mapping = macro.dw_mapping == "diagonal" ? "toeplitz" : macro.dw_mapping;  // toeplitz, or auto as configured
    steps.emplace_back("+ " + m.dw_mapping + " mapping", m);
    return steps;
}

namespace {
// Layers whose cycles differ between two runs of the same network, counted by kind.
std::string changed_layers(const SimResult& before, const SimResult& after) {
    std::map<std::string, int> n;
    for (size_t i = 0; i < std::min(before.layers.size(), after.layers.size()); ++i)
        if (before.layers[i].cycles != after.layers[i].cycles) ++n[after.layers[i].kind];
    std::string out;
    for (auto& [kind, count] : n) out += fmt::format("{}{} {}", out.empty() ? "" : ", ", kind, count);
    return out.empty() ? "none" : out;
}
}  // namespace

std::string ablation_table(const std::vector<SimResult>& s) {
    std::string out = fmt::format("{:<26} {:>12} {:>12} {:>9} {:>9}  {}\n", "step", "cycles", "macro", "speedup",
                                  "step", "layers changed (by kind)");
    for (size_t i = 0; i < s.size(); ++i) {
        const SimResult& r = s[i];
        out += fmt::format("{:<26} {:>12} {:>12} {:>9} {:>9}  {}\n", r.mode, r.total_cycles, r.macro_cycles,
                           ratio_text(s[0].total_cycles, r.total_cycles),
                           i ? ratio_text(s[i - 1].total_cycles, r.total_cycles) : std::string("-"),
                           i ? changed_layers(s[i - 1], r) : std::string("-"));
    }
    return out;
}

nlohmann::ordered_json ablation_json(const std::vector<SimResult>& s) {
    nlohmann::ordered_json j;
    j["network"] = s.empty() ? "" : s[0].network;
    j["mode"] = "ablate";
    j["engine"] = s.empty() ? "" : s[0].engine;
    j["steps"] = nlohmann::ordered_json::array();
    for (size_t i = 0; i < s.size(); ++i) {
        nlohmann::ordered_json step;
        step["step"] = s[i].mode;
        step["speedup"] = ratio(s[0].total_cycles, s[i].total_cycles);
        step["step_speedup"] = i ? ratio(s[i - 1].total_cycles, s[i].total_cycles) : 1.0;
        step["macro_speedup"] = ratio(s[0].macro_cycles, s[i].macro_cycles);
        step["layers_changed"] = i ? changed_layers(s[i - 1], s[i]) : "";
        step["result"] = result_json(s[i]);
        j["steps"].push_back(step);
    }
    return j;
}

nlohmann::ordered_json compare_json(const SimResult& ddc, const SimResult& baseline, bool verify) {
    nlohmann::ordered_json j;
    const bool complete = ddc.mismatch.empty() && baseline.mismatch.empty();
    j["network"] = ddc.network;
    j["mode"] = "compare";
    j["engine"] = ddc.engine;
    j["ddc"] = result_json(ddc);
    j["baseline"] = result_json(baseline);
    if (complete) j["speedup"] = speedup_json(ddc, baseline);
    j["macro"] = j["ddc"]["macro"];
    j["total_cycles"] = ddc.total_cycles;
    j["macro_cycles"] = ddc.macro_cycles;
    j["host_cycles"] = ddc.host_cycles;
    if (verify) j["verified"] = ddc.verified && baseline.verified;
    else j["verified"] = nullptr;
    j["layers"] = j["ddc"]["layers"];
    return j;
}

std::string result_csv(const SimResult& r) {
    std::string out = "mode,layer,kind,mapping,pairs_used,macs,mvms,tiles,cycles,macro_cycles,host_cycles,compute_cycles,"
                      "weight_load_cycles,input_load_cycles,stall_cycles,utilization,energy_uj\n";
    for (const auto& l : r.layers)
        out += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{:.6f},{:.6f}\n", r.mode, l.name, l.kind,
                           l.mapping, l.pairs_used ? 1 : 0, l.macs, l.mvms, l.tiles, l.cycles, l.macro_cycles,
                           l.host_cycles, l.compute, l.weight_load, l.input_load, l.stall, l.utilization, l.energy_uj());
    return out;
}

}  // namespace ddcpim::host
