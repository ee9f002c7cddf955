#include "ddcpim/host/report.hpp"

#include <map>
#include <numeric>

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

// nlohmann's ordered_map is a vector of pair<const string, json>; the pair's move may throw, so the
// vector copies its members, deeply, each time it grows. Objects that hold big members (a result holds
// every layer) get their room up front.
nlohmann::ordered_json object_with_room(size_t keys) {
    nlohmann::ordered_json j = nlohmann::ordered_json::object();
    j.get_ref<nlohmann::ordered_json::object_t&>().reserve(keys);
    return j;
}
}  // namespace

std::string layer_table(const SimResult& r) {
    std::string out = fmt::format("{} ({}, {} engine): per layer\n", r.network, r.mode, r.engine);
    out += fmt::format("{:<20} {:<9} {:<24} {:<8} {:>11} {:>7} {:>9} {:>8} {:>7} {:>7} {:>7} {:>7} {:>6} {:>9} {}\n",
                                  "layer", "kind", "shape", "mapping", "MACs", "MVMs", "cycles", "compute", "weights",
                                  "input", "stall", "host", "util", "off-chip", "placement");
    for (const auto& l : r.layers)
        out += fmt::format("{:<20} {:<9} {:<24} {:<8} {:>11} {:>7} {:>9} {:>8} {:>7} {:>7} {:>7} {:>7} {:>5.1f}% {:>9} {}\n",
                           l.name, l.kind, l.shape, l.mapping + (l.pairs_used ? "+" : ""), l.macs, l.mvms, l.cycles,
                           l.compute, l.weight_load, l.input_load, l.stall, l.host_cycles, 100 * l.utilization,
                           l.mapping == "host" ? std::string("-") : fmt::format("{:.1f}", double(l.offchip_bits) / 1e3),
                           l.mapping == "host" ? ""
                           : l.resident        ? fmt::format("{} tile(s){} resident on {}", l.tiles,
                                                                 l.tile_copies ? fmt::format(" + {} cop{}", l.tile_copies,
                                                                                             l.tile_copies == 1 ? "y" : "ies")
                                                                               : std::string(),
                                                                 l.placed_on)
                                               : fmt::format("{} tile(s) streamed", l.tiles));
    out += "cycles: the layer's span for the first image (from its input being ready: macro phase, then host\n"
           "work). compute, weights (array writes), input (wait for the first vector) and stall: macro activity\n"
           "summed over the macros and images, without each command's fixed edges, so they\n"
           "need not add up to cycles. host: element-wise work. util: useful MACs / (MVMs x MAC slots of the\n"
           "array). mapping '+': complementary pairs in use (Q-bar holds the partner filter). off-chip: Kb of\n"
           "weights read per image (streamed layers). placement: the layer's tiles, resident on the listed\n"
           "macros (system.residency: static; '+ N copies': replicated, its MVMs split) or streamed.\n";
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
        notes.push_back(fmt::format(
            "DDC is slower than the baseline in {} layer(s): {}. {}", slower.size(), list,
            d.macro.tree_sharing
                ? "With macro.tree_sharing a tile with pairs takes two cycles per input bit, which a layer whose "
                  "filters fill no more column tiles unpaired than paired does not repay"
                : "Toeplitz depthwise tiles write many weight rows and load two input lanes, which small feature "
                  "maps do not repay; macro.dw_mapping: auto picks the faster scheme per layer"));
    }
    return notes;
}

std::string totals(const SimResult& r) {
    std::string out = fmt::format(
        "{} ({}): {} cycles = {:.1f} us at {} MHz{} (macro {} + host {}{}); {}MACs{}, {:.3f} effective TOPS",
        r.network, r.mode, r.total_cycles, r.time_us(), r.macro.clock_mhz,
        r.images > 1 ? fmt::format(" for {} images", r.images) : "", r.macro_cycles, r.host_cycles,
        r.images > 1 ? ", first image's layers" : "", count_text(r.macs), r.images > 1 ? " per image" : "",
        r.effective_tops());
    if (r.verify_requested) out += r.verified ? "; verified against the reference engine" : "; VERIFY FAILED";
    out += "\n";
    if (!r.technology.empty())
        out += fmt::format("  {} macro(s) at {}: {:.4f} mm2, peak {:.3f} TOPS (8-bit), {:.2f} TOPS/mm2; {:.1f} uJ on the "
                           "network, {:.2f} TOPS/W; weights {:.0f} Kb effective, {:.0f} Kb/mm2 of macro ({:.0f} of cell array)\n",
                           r.macro.macros, r.technology, r.area_mm2(), r.capability.peak_tops, r.tops_per_mm2(),
                           r.energy_uj(), r.tops_per_w(), r.capability.weight_capacity_kb, r.weight_density(),
                           r.array_weight_density());
    {
        cost::Events all;
        for (const auto& l : r.layers) all += l.events;
        const cost::Activity a = cost::activity(all, r.macro);
        out += fmt::format("  activity: input bits 1: {:.1f}% on lane A{}; products 1: {:.1f}% of the driven rows' cells "
                           "on the Q side{}; {:.1f}% of the bits written changed\n",
                           100 * a.input_a, r.macro.complementary ? fmt::format(", {:.1f}% on lane B", 100 * a.input_b) : "",
                           100 * a.product_q,
                           r.macro.complementary ? fmt::format(", {:.1f}% on the Q-bar side", 100 * a.product_qbar) : "",
                           100 * a.write_flip);
    }
    out += system_summary(r);
    return out;
}

std::string system_summary(const SimResult& r) {
    const int mac_layers = r.resident_layers + r.streamed_layers;
    std::string out = fmt::format(
        "  system: {} residency, {} image(s): first image {} cycles ({:.1f} us), {:.1f} images/s over the run, at "
        "most {:.1f} in steady state; off-chip weights {:.1f} Kb/image streamed",
        r.residency, r.images, r.first_image_cycles, r.first_image_us(), r.images_per_second(),
        r.bound_images_per_second(), double(r.stream_bits_per_image) / 1e3);
    if (r.placement_bits) out += fmt::format(" + {:.1f} Kb placed once", double(r.placement_bits) / 1e3);
    if (!r.technology.empty()) out += fmt::format("; {:.2f} uJ/image with the traffic", r.energy_per_image_uj());
    out += "\n";
    double lo = 1, hi = 0, sum = 0;
    for (size_t m = 0; m < r.macro_busy_cycles.size(); ++m) {
        const double f = r.macro_busy_fraction(m);
        lo = std::min(lo, f), hi = std::max(hi, f), sum += f;
    }
    const double mean = r.macro_busy_cycles.empty() ? 0 : sum / double(r.macro_busy_cycles.size());
    out += fmt::format("  steady state: the {} is the busiest resource, {} cycles per image\n", r.bottleneck,
                       r.bottleneck_cycles);
    out += fmt::format("  macros busy {:.0f}% on average (least {:.0f}%, most {:.0f}%); {}{} of {} MAC layers resident; "
                       "{} macro{} hold{} every tile resident\n",
                       100 * mean, 100 * lo, 100 * hi,
                       r.residency == "static" ? "" : "stream: ", r.resident_layers, mac_layers,
                       r.resident_macros_needed, r.resident_macros_needed == 1 ? "" : "s",
                       r.resident_macros_needed == 1 ? "s" : "");
    if (!r.placement_choice.empty())
        out += fmt::format("  placement (system.placement: throughput): {}\n", r.placement_choice);
    if (r.power_gating)
        out += fmt::format("  power gating: {} of {} macro(s) woken ({} cycles each), the others off for the whole run; "
                           "{} more wake-ups after idle gaps, asleep {} macro-cycles\n",
                           r.macros_woken(), r.macro_on_cycles.size(), r.wake_cycles, r.gap_wakes(),
                           std::accumulate(r.macro_sleep_cycles.begin(), r.macro_sleep_cycles.end(), uint64_t(0)));
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
    out += fmt::format("system: every tile resident on {} macros (baseline) vs {} (DDC); off-chip weights {:.1f} vs "
                       "{:.1f} Kb/image streamed; at most {:.1f} vs {:.1f} images/s in steady state ({} residency, {} macro{})\n",
                       b.resident_macros_needed, d.resident_macros_needed, double(b.stream_bits_per_image) / 1e3,
                       double(d.stream_bits_per_image) / 1e3, b.bound_images_per_second(), d.bound_images_per_second(),
                       d.residency, d.macro.macros, d.macro.macros == 1 ? "" : "s");
    return out;
}

nlohmann::ordered_json result_json(const SimResult& r, bool lean, bool layer_energy) {
    nlohmann::ordered_json j = object_with_room(40);
    j["network"] = r.network;
    j["mode"] = r.mode;
    j["engine"] = r.engine;
    nlohmann::ordered_json macro;
    for (const auto& d : macro_param_decls())
        std::visit([&](auto member) { macro[d.name] = r.macro.*member; }, d.member);
    j["macro"] = macro;
    j["host"] = {{"ops_per_cycle", r.host_ops_per_cycle}};
    nlohmann::ordered_json memory, system;
    for (const auto& d : memory_param_decls()) std::visit([&](auto member) { memory[d.name] = r.memory.*member; }, d.member);
    for (const auto& d : system_param_decls()) std::visit([&](auto member) { system[d.name] = r.system.*member; }, d.member);
    j["memory"] = memory;
    j["system"] = system;
    nlohmann::ordered_json s;
    s["images"] = r.images;
    s["first_image_cycles"] = r.first_image_cycles;
    s["first_image_us"] = r.first_image_us();
    s["images_per_second"] = r.images_per_second();
    s["image_done_cycles"] = r.image_done;
    s["bottleneck"] = r.bottleneck;
    s["bottleneck_cycles_per_image"] = r.bottleneck_cycles;
    s["bound_images_per_second"] = r.bound_images_per_second();
    s["offchip_bits_per_image"] = r.stream_bits_per_image;
    s["placement_bits"] = r.placement_bits;
    s["offchip_bits"] = r.offchip_bits;
    s["link_bits"] = r.link_bits;
    if (!r.technology.empty()) s["energy_per_image_uj"] = r.energy_per_image_uj();
    else s["energy_per_image_uj"] = nullptr;
    s["resident_layers"] = r.resident_layers;
    s["streamed_layers"] = r.streamed_layers;
    s["stream_macros"] = r.stream_macros;
    s["macros_to_resident"] = r.resident_macros_needed;
    s["power_gating"] = r.power_gating;
    s["wake_cycles"] = r.wake_cycles;
    s["macro_on_cycles"] = r.macro_on_cycles;
    s["macro_sleep_cycles"] = r.macro_sleep_cycles;
    s["macro_gap_wakes"] = r.macro_gap_wakes;
    if (r.placement_choice.empty()) s["placement_choice"] = nullptr;
    else s["placement_choice"] = r.placement_choice;
    s["macro_busy_cycles"] = r.macro_busy_cycles;
    std::vector<double> busy;
    for (size_t m = 0; m < r.macro_busy_cycles.size(); ++m) busy.push_back(r.macro_busy_fraction(m));
    s["macro_busy_fraction"] = busy;
    j["run"] = s;
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
    if (r.image_outputs.size() > 1) {
        j["image_outputs"] = nlohmann::ordered_json::array();
        for (const Tensor& t : r.image_outputs) j["image_outputs"].push_back(t.data);
    }
    j["layers"] = nlohmann::ordered_json::array();
    if (lean) {
        for (const auto& l : r.layers) {
            nlohmann::ordered_json layer = {{"name", l.name},
                                            {"kind", l.kind},
                                            {"cycles", l.cycles},
                                            {"macro_cycles", l.macro_cycles},
                                            {"host_cycles", l.host_cycles},
                                            {"energy_uj", l.energy_uj()}};
            if (layer_energy && !r.technology.empty())
                for (auto& [name, v] : l.energy_pj) layer["energy_uj_by_component"][name] = v / 1e6;
            j["layers"].push_back(std::move(layer));
        }
        return j;
    }
    nlohmann::ordered_json& layers = j["layers"];
    layers.get_ref<nlohmann::ordered_json::array_t&>().reserve(r.layers.size());
    for (const auto& l : r.layers) {
        nlohmann::ordered_json layer = object_with_room(26);
        layer["name"] = l.name;
        layer["kind"] = l.kind;
        layer["shape"] = l.shape;
        layer["mapping"] = l.mapping;
        layer["pairs_used"] = l.pairs_used;
        layer["macs"] = l.macs;
        layer["mvms"] = l.mvms;
        layer["tiles"] = l.tiles;
        layer["cycles"] = l.cycles;
        layer["macro_cycles"] = l.macro_cycles;
        layer["host_cycles"] = l.host_cycles;
        layer["compute_cycles"] = l.compute;
        layer["weight_load_cycles"] = l.weight_load;
        layer["input_load_cycles"] = l.input_load;
        layer["stall_cycles"] = l.stall;
        layer["utilization"] = l.utilization;
        layer["energy_uj"] = l.energy_uj();
        layer["resident"] = l.resident;
        layer["placed_on"] = l.placed_on;
        layer["tile_copies"] = l.tile_copies;
        layer["offchip_bits_per_image"] = l.offchip_bits;
        layer["offchip_bits"] = l.events.offchip_bits;
        layer["link_bits"] = l.events.link_bits;
        layer["note"] = l.note;
        // What the data made switch (docs/cost.md): the figures the data-dependent energy follows.
        const cost::Events& e = l.events;
        const cost::Activity a = cost::activity(e, r.macro);
        layer["activity"] = {{"input_density_a", a.input_a},      {"input_density_b", a.input_b},
                             {"product_density_q", a.product_q},  {"product_density_qbar", a.product_qbar},
                             {"write_flip_fraction", a.write_flip}, {"lane_a_bits", e.lane_a_bits},
                             {"input_ones_a", e.input_ones_a},    {"input_ones_b", e.input_ones_b},
                             {"product_ones_q", e.product_ones_q}, {"product_ones_qbar", e.product_ones_qbar},
                             {"write_toggles", e.write_toggles}};
        if (!r.technology.empty()) {
            nlohmann::ordered_json by_component = object_with_room(l.energy_pj.size());
            for (auto& [name, v] : l.energy_pj) by_component[name] = v / 1e6;
            layer["energy_uj_by_component"] = std::move(by_component);
        }
        layers.push_back(std::move(layer));
    }
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

nlohmann::ordered_json compare_json(const SimResult& ddc, const SimResult& baseline, bool verify, bool lean,
                                    bool layer_energy) {
    nlohmann::ordered_json j = object_with_room(16);
    const bool complete = ddc.mismatch.empty() && baseline.mismatch.empty();
    j["network"] = ddc.network;
    j["mode"] = "compare";
    j["engine"] = ddc.engine;
    j["ddc"] = result_json(ddc, lean, layer_energy);
    j["baseline"] = result_json(baseline, lean, layer_energy);
    if (complete) j["speedup"] = speedup_json(ddc, baseline);
    // What doubled capacity buys at the system level.
    j["system"] = {{"macros_to_resident", {{"ddc", ddc.resident_macros_needed}, {"baseline", baseline.resident_macros_needed}}},
                   {"offchip_bits_per_image", {{"ddc", ddc.stream_bits_per_image}, {"baseline", baseline.stream_bits_per_image}}},
                   {"images_per_second", {{"ddc", ddc.images_per_second()}, {"baseline", baseline.images_per_second()}}},
                   {"bound_images_per_second", {{"ddc", ddc.bound_images_per_second()}, {"baseline", baseline.bound_images_per_second()}}},
                   {"first_image_cycles", {{"ddc", ddc.first_image_cycles}, {"baseline", baseline.first_image_cycles}}}};
    j["macro"] = j["ddc"]["macro"];
    j["total_cycles"] = ddc.total_cycles;
    j["macro_cycles"] = ddc.macro_cycles;
    j["host_cycles"] = ddc.host_cycles;
    if (verify) j["verified"] = ddc.verified && baseline.verified;
    else j["verified"] = nullptr;
    if (!lean) j["layers"] = j["ddc"]["layers"];
    return j;
}

std::string result_csv(const SimResult& r) {
    std::string out = "mode,layer,kind,mapping,pairs_used,macs,mvms,tiles,cycles,macro_cycles,host_cycles,compute_cycles,"
                      "weight_load_cycles,input_load_cycles,stall_cycles,utilization,energy_uj,resident,placed_on,"
                      "offchip_bits_per_image,busy_fraction\n";
    for (const auto& l : r.layers)
        out += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{:.6f},{:.6f},{},\"{}\",{},\n", r.mode, l.name, l.kind,
                           l.mapping, l.pairs_used ? 1 : 0, l.macs, l.mvms, l.tiles, l.cycles, l.macro_cycles,
                           l.host_cycles, l.compute, l.weight_load, l.input_load, l.stall, l.utilization, l.energy_uj(),
                           l.resident ? 1 : 0, l.placed_on, l.offchip_bits);
    // The run as a whole (kind "run": cycles of all images, first image in macro_cycles' place is not
    // meaningful, so only the columns that apply are filled), then one row per macro (kind "macro").
    out += fmt::format("{},run,run,,,{},,,{},,,,,,,,{:.6f},,,{},\n", r.mode, r.macs * r.images, r.total_cycles,
                       r.energy_uj(), r.stream_bits_per_image);
    for (size_t m = 0; m < r.macro_busy_cycles.size(); ++m)
        out += fmt::format("{},macro_{},macro,,,,,,{},,,,,,,,,,,,{:.6f}\n", r.mode, m, r.macro_busy_cycles[m],
                           r.macro_busy_fraction(m));
    return out;
}

}  // namespace ddcpim::host
