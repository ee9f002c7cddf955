#include "ddcpim/fcc/report.hpp"

#include <cmath>

#include <fmt/format.h>

namespace ddcpim::fcc {

namespace {
std::string db(double v) { return std::isinf(v) ? "inf" : fmt::format("{:.2f}", v); }
}  // namespace

std::string report_table(const NetworkReport& r) {
    std::string out = fmt::format("FCC of {} (sign_flexible: {}, refit_scales: {})\n", r.network,
                                  r.options.sign_flexible, r.options.refit_scales);
    out += fmt::format("{:<22} {:<9} {:>7} {:>6} {:>4} {:>5} {:>10} {:>10} {:>10} {:>9} {:>9}\n", "layer", "kind",
                       "filters", "pairs", "odd", "neg", "quant err", "fcc err", "refit err", "mean cost",
                       "max cost");
    int pairs = 0, filters = 0;
    for (const auto& l : r.layers) {
        pairs += l.pairs;
        filters += l.filters;
        out += fmt::format("{:<22} {:<9} {:>7} {:>6} {:>4} {:>5} {:>10.4f} {:>10.4f} {:>10.4f} {:>9.4f} {:>9.4f}\n",
                           l.name, l.kind, l.filters, l.pairs, l.unpaired, l.negated, l.quant_error,
                           l.error_before_refit, l.error_after_refit, l.mean_cost, l.worst_cost);
    }
    out += fmt::format("{} layers, {} filters in {} pairs, paired in {:.2f} s\n", r.layers.size(), filters, pairs,
                       r.seconds);
    out += fmt::format("fidelity against the unpaired int8 network on {} sample inputs: logit SQNR {} dB, "
                       "top-1 agreement {:.1f}% (the unpaired network's top-1 took {} distinct values)\n",
                       r.fidelity.samples, db(r.fidelity.sqnr_db), 100 * r.fidelity.top1_agreement,
                       r.fidelity.reference_classes);
    return out;
}

nlohmann::ordered_json report_json(const NetworkReport& r) {
    nlohmann::ordered_json j;
    j["network"] = r.network;
    j["config"] = r.config;
    j["options"] = {{"sign_flexible", r.options.sign_flexible},
                    {"refit_scales", r.options.refit_scales},
                    {"exact_limit", r.options.exact_limit}};
    j["seconds"] = r.seconds;
    j["layers"] = nlohmann::ordered_json::array();
    for (const auto& l : r.layers)
        j["layers"].push_back({{"name", l.name},
                               {"kind", l.kind},
                               {"filters", l.filters},
                               {"pairs", l.pairs},
                               {"unpaired", l.unpaired},
                               {"negated", l.negated},
                               {"exact_matching", l.exact},
                               {"cached", l.cached},
                               {"float_weights", l.has_float},
                               {"quant_error", l.quant_error},
                               {"error_before_refit", l.error_before_refit},
                               {"error_after_refit", l.error_after_refit},
                               {"mean_pair_cost", l.mean_cost},
                               {"worst_pair_cost", l.worst_cost},
                               {"seconds", l.seconds}});
    nlohmann::ordered_json fid;
    fid["samples"] = r.fidelity.samples;
    if (std::isinf(r.fidelity.sqnr_db)) fid["logit_sqnr_db"] = nullptr;  // identical logits
    else fid["logit_sqnr_db"] = r.fidelity.sqnr_db;
    fid["top1_agreement"] = r.fidelity.top1_agreement;
    fid["identical_outputs"] = r.fidelity.identical_outputs;
    fid["reference_top1_classes"] = r.fidelity.reference_classes;
    j["fidelity"] = fid;
    return j;
}

}  // namespace ddcpim::fcc
