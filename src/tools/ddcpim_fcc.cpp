// ddcpim_fcc: rewrites every multiply-accumulate layer of a network into
// complementary filter pairs (FCC, ARCHITECTURE section 3), writes the
// transformed network (YAML plus .npy weights) and reports what it cost.
#include <algorithm>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "cli_common.hpp"
#include "ddcpim/fcc/fcc_pass.hpp"
#include "ddcpim/fcc/report.hpp"
#include "ddcpim/network/npy_weights.hpp"
#include "ddcpim/network/pairs.hpp"

namespace {
bool g_progress = false;
void progress(size_t i, size_t n, const std::string& name) {
    if (g_progress) std::fprintf(stderr, "\r\033[Kfcc: layer %zu of %zu (%s)", i + 1, n, name.c_str());
}
}  // namespace

int main(int argc, char** argv) {
    using namespace ddcpim;
    CLI::App app{"ddcpim_fcc: complementary filter pairing (FCC) of a network"};
    cli::CommonOptions o;
    std::string out_yaml, report_path;
    int samples = 16;
    bool policy_only = false;
    cli::add_common_options(app, o);
    app.add_flag("--policy", policy_only, "print which MAC layers the pairing policy (fcc.policy) pairs, each with "
                                          "its role and the reason, and exit (with --report: as JSON)");
    app.add_option("--out", out_yaml, "the FCC network's config; its weights go to <out stem>.weights/ (required unless --check)");
    app.add_option("--report", report_path, "write the report as JSON");
    app.add_option("--samples", samples, "sample inputs for the fidelity measurement")->check(CLI::Range(1, 100000));
    app.footer(
        "Example:\n"
        "  ddcpim_fcc --config configs/mobilenetv2.yaml --out out/mnv2_fcc.yaml --report out/mnv2_fcc.json\n"
        "  ddcpim_fcc --config configs/mobilenetv2.yaml --policy --set fcc.policy=rectified\n"
        "Docs: docs/fcc.md.");
    return cli::run_tool("ddcpim_fcc", app, argc, argv, [&] {
        ConfigFile cfg = cli::load_config_from(o);
        if (cli::emit_resolved_config(o, cfg)) return 0;
        if (policy_only) {
            if (report_path.empty()) {
                fmt::print("{}", fcc::policy_table(cfg.network, cfg.fcc_policy, fcc::policy_name(cfg.fcc.policy)));
            } else {
                std::ofstream f(report_path);
                if (!f) throw UserError({report_path}, "cannot open for writing");
                f << fcc::policy_json(cfg.network, cfg.fcc_policy, fcc::policy_name(cfg.fcc.policy)).dump(2) << "\n";
            }
            return 0;
        }
        if (out_yaml.empty() && !o.check) throw UserError({}, "--out is required: the FCC network's config file");
        // The unpaired network: explicit lists stay (they are in the weights), auto ones are off.
        ConfigFile plain = cfg;
        for (auto& l : plain.network.layers)
            if (l.fcc.mode == PairSpec::Mode::Auto) l.fcc.mode = PairSpec::Mode::None;
        Network reference = build_network(plain);
        if (o.check)
            return cli::report_check("ddcpim_fcc", cfg,
                                     fmt::format("{} layers and their weights built; nothing paired",
                                                 reference.desc.layers.size()));
        // Every MAC layer the pairing policy chooses (fcc.policy, fcc.skip) is paired, unless its own fcc
        // section says otherwise (`none`, or an explicit list, which its weights already hold).
        Network paired = reference;
        for (const auto& d : cfg.fcc_policy) {
            LayerDesc& l = paired.desc.layers[static_cast<size_t>(d.layer)];
            l.fcc.mode = l.fcc.from_layer ? cfg.network.layers[static_cast<size_t>(d.layer)].fcc.mode
                         : d.paired       ? PairSpec::Mode::Auto
                                          : PairSpec::Mode::None;
        }
        g_progress = !o.quiet && isatty(2);
        auto t0 = std::chrono::steady_clock::now();
        fcc::NetworkReport rep;
        rep.layers = fcc::run_fcc(paired, progress);
        rep.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        if (g_progress) std::fprintf(stderr, "\r\033[K");
        validate_pairs(paired);
        rep.network = cfg.network.name;
        rep.config = cfg.path;
        rep.options = cfg.fcc.options;
        rep.fidelity = fcc::compare_networks(reference, paired, cfg.weights.seed + 1000, samples);

        std::filesystem::path out(out_yaml);
        std::string weights_dir = (out.parent_path() / (out.stem().string() + ".weights")).string();
        ConfigFile out_cfg = cfg;
        out_cfg.network = paired.desc;
        export_network(paired, out_cfg, weights_dir, out_yaml);
        std::string table = fcc::report_table(rep);
        if (o.quiet) table = table.substr(table.rfind("fidelity"));
        fmt::print("{}", table);
        fmt::print("wrote {} and {}/\n", out_yaml, weights_dir);
        if (!report_path.empty()) {
            std::ofstream f(report_path);
            if (!f) throw UserError({report_path}, "cannot open for writing");
            f << fcc::report_json(rep).dump(2) << "\n";
        }
        return 0;
    });
}
