#include "ddcpim/host/report.hpp"

#include <map>

#include <fmt/format.h>

namespace ddcpim::host {

std::string layer_table(const SimResult& r) {
    std::string out = fmt::format("{:<20} {:<9} {:<24} {:<8} {:>11} {:>7} {:>9} {:>8} {:>7} {:>7} {:>7} {:>7} {:>6}\n",
                                  "layer", "kind", "shape", "mapping", "MACs", "MVMs", "cycles", "compute", "weights",
                                  "input", "stall", "host", "util");
    for (const auto& l : r.layers)
        out += fmt::format("{:<20} {:<9} {:<24} {:<8} {:>11} {:>7} {:>9} {:>8} {:>7} {:>7} {:>7} {:>7} {:>5.1f}%\n",
                           l.name, l.kind, l.shape, l.mapping + (l.pairs_used ? "+" : ""), l.macs, l.mvms, l.cycles,
                           l.compute, l.weight_load, l.input_load, l.stall, l.host_cycles, 100 * l.utilization);
    for (const auto& l : r.layers)
        if (!l.note.empty()) out += fmt::format("note: {}: {}\n", l.name, l.note);
    return out;
}

std::string totals(const SimResult& r) {
    std::string out = fmt::format(
        "{} ({}): {} cycles = {:.1f} us at {} MHz (macro {} + host {}); {:.1f} M MACs, {:.3f} effective TOPS",
        r.network, r.mode, r.total_cycles, r.time_us(), r.macro.clock_mhz, r.macro_cycles, r.host_cycles,
        r.macs / 1e6, r.effective_tops());
    if (r.verify_requested) out += r.verified ? "; verified against the reference engine" : "; VERIFY FAILED";
    return out + "\n";
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
    if (r.verify_requested) j["verified"] = r.verified;
    else j["verified"] = nullptr;
    if (!r.mismatch.empty()) j["mismatch"] = r.mismatch;
    j["output"] = r.output.data;  // the network's output codes (logits)
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
                               {"note", l.note}});
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

std::string result_csv(const SimResult& r) {
    std::string out = "mode,layer,kind,mapping,pairs_used,macs,mvms,tiles,cycles,macro_cycles,host_cycles,compute_cycles,"
                      "weight_load_cycles,input_load_cycles,stall_cycles,utilization\n";
    for (const auto& l : r.layers)
        out += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{:.6f}\n", r.mode, l.name, l.kind, l.mapping,
                           l.pairs_used ? 1 : 0, l.macs, l.mvms, l.tiles, l.cycles, l.macro_cycles, l.host_cycles,
                           l.compute, l.weight_load, l.input_load, l.stall, l.utilization);
    return out;
}

}  // namespace ddcpim::host
