// ddcpim_cost: the area, energy and clock limit of one macro from the cost model (docs/cost.md),
// without a network: what a datasheet gives (energy per 1-bit operation of a full-array MVM at a
// stated activity, 1-bit TOPS/mm^2). scripts/validate_cost compares it with published macros
// (docs/validation.md).
#include <cstdio>
#include <fstream>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include "cli_common.hpp"
#include "ddcpim/config/macro_params.hpp"
#include "ddcpim/config/overrides.hpp"
#include "ddcpim/config/strict_node.hpp"
#include "ddcpim/cost/macro_cost.hpp"
#include "ddcpim/cost/technology.hpp"
#include "ddcpim/network/network.hpp"

namespace {

nlohmann::ordered_json breakdown_json(const ddcpim::cost::Breakdown& b, double scale) {
    nlohmann::ordered_json j = nlohmann::ordered_json::object();
    for (const auto& [name, v] : b) j[name] = v * scale;
    return j;
}

}  // namespace

int main(int argc, char** argv) {
    using namespace ddcpim;
    CLI::App app{"ddcpim_cost: area, energy per 1-bit operation and TOPS/mm^2 of one macro (docs/cost.md)"};
    std::vector<std::string> sets;
    std::string json_path;
    double input_density = 0.5, weight_density = 0.5;
    app.add_option("--set", sets, "macro.KEY=VALUE (docs/config.md) or technology=FILE (default tech/28nm.yaml)");
    app.add_option("--input-density", input_density, "fraction of the input bits that are 1")
        ->check(CLI::Range(0.0, 1.0))
        ->capture_default_str();
    app.add_option("--weight-density", weight_density, "fraction of the weight bits that are 1")
        ->check(CLI::Range(0.0, 1.0))
        ->capture_default_str();
    app.add_option("--json", json_path, "write the figures as JSON");
    app.footer(
        "Example:\n"
        "  ddcpim_cost --set technology=tech/22nm.yaml --set macro.rows=256 --set macro.weight_columns=64 \\\n"
        "              --set macro.weight_bits=4 --set macro.input_bits=4 --set macro.complementary=false \\\n"
        "              --set macro.dual_broadcast=false --set macro.clock_mhz=100 --input-density 0.5\n"
        "Docs: docs/cost.md (the model), docs/validation.md (against published macros).");
    return cli::run_tool("ddcpim_cost", app, argc, argv, [&] {
        YAML::Node root(YAML::NodeType::Map);
        root["macro"] = YAML::Node(YAML::NodeType::Map);
        std::vector<Override> overrides;
        for (const std::string& s : sets) overrides.push_back(parse_override(s));
        apply_overrides(root, overrides);
        StrictNode top(root, "--set");
        const MacroParams p = parse_macro_params(top.child("macro"));
        const std::string tech_path = resolve_technology(top, "./ddcpim_cost");
        top.reject_unknown_keys();
        if (tech_path.empty()) throw UserError({"--set", 0, 0, "", "technology"}, "expected a technology file, got none");
        const cost::Technology t = cost::load_technology(tech_path);
        const double v = t.supply(p.supply_v);
        const cost::MvmFigures f = cost::full_array_mvm(p, t, input_density, weight_density);
        const cost::Capability cap = cost::capability(p);
        const double area_mm2 = cost::total(cost::macro_area(p, t)) / 1e6;
        fmt::print("technology {} at {:.3f} V (nominal {:.3f} V); clock {} MHz, limit {:.0f} MHz at this supply\n",
                   t.node, v, t.nominal_v, p.clock_mhz, t.max_clock_at(v));
        fmt::print("area: {:.4f} mm^2 (core, without buffers: {:.4f} mm^2)\n", area_mm2, f.core_area_mm2);
        fmt::print("one full-array MVM at input density {:.2f}, weight density {:.2f}: {:.3f} pJ, {:.0f} 1-bit ops\n",
                   input_density, weight_density, cost::total(f.energy_pj), f.ops_1b);
        fmt::print("energy per 1-bit op: {:.3f} fJ ({:.0f} 1-bit TOPS/W); 1-bit TOPS/mm^2: {:.1f}\n",
                   f.energy_per_1b_op_fj, f.tops_per_w_1b, f.tops_per_mm2_1b);
        if (p.clock_mhz > t.max_clock_at(v))
            fmt::print(stderr, "ddcpim_cost: note: the clock ({} MHz) is above the technology's limit at {:.3f} V "
                               "({:.0f} MHz)\n", p.clock_mhz, v, t.max_clock_at(v));
        if (!json_path.empty()) {
            nlohmann::ordered_json j;
            j["node"] = t.node;
            j["technology"] = tech_path;
            j["supply_v"] = v;
            j["nominal_v"] = t.nominal_v;
            j["max_clock_mhz"] = t.max_clock_at(v);
            j["macro"] = nlohmann::ordered_json::object();
            for (const auto& d : macro_param_decls())
                std::visit([&](auto member) { j["macro"][d.name] = p.*member; }, d.member);
            j["input_density"] = input_density;
            j["weight_density"] = weight_density;
            j["area_mm2"] = area_mm2;
            j["area_um2"] = breakdown_json(cost::macro_area(p, t), 1);
            j["core_area_mm2"] = f.core_area_mm2;
            j["peak_tops"] = cap.peak_tops / p.macros;
            j["peak_tops_1b"] = cap.peak_tops_1b / p.macros;
            j["tops_per_mm2_1b"] = f.tops_per_mm2_1b;
            j["energy_per_mvm_pj"] = breakdown_json(f.energy_pj, 1);
            j["ops_1b_per_mvm"] = f.ops_1b;
            j["energy_per_1b_op_fj"] = f.energy_per_1b_op_fj;
            j["tops_per_w_1b"] = f.tops_per_w_1b;
            std::ofstream out(json_path);
            if (!out) throw UserError({json_path}, "cannot open for writing");
            out << j.dump(2) << "\n";
        }
        return 0;
    });
}
