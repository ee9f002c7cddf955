// Times the FCC pass over whole networks (default: the two shipped ones), with
// and without sign-flexible pairing, and measures the fidelity of the result.
// Not a test: the figures go in docs/fcc.md.
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "ddcpim/fcc/fcc_pass.hpp"
#include "ddcpim/fcc/fidelity.hpp"
#include <CLI/CLI.hpp>

#include "ddcpim/network/network.hpp"

int main(int argc, char** argv) {
    using namespace ddcpim;
    std::vector<std::string> configs;
    int samples = 16;
    CLI::App app{"ddcpim_fcc_bench: times the FCC pass over whole networks, with and without sign-flexible pairing, "
                 "and measures the fidelity of the result"};
    app.add_option("configs", configs, "network configs (default: configs/mobilenetv2.yaml configs/efficientnet_b0.yaml)");
    app.add_option("--samples", samples, "sample inputs for the fidelity")->check(CLI::Range(1, 100000))->capture_default_str();
    app.footer("Example:\n  DDCPIM_CACHE_DIR=off build/bin/ddcpim_fcc_bench configs/mobilenetv2.yaml --samples 8\n"
               "(the FCC cache is bypassed here: the bench times the pairing itself)");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e) == 0 ? 0 : 2;
    }
    if (configs.empty()) configs = {"configs/mobilenetv2.yaml", "configs/efficientnet_b0.yaml"};
    try {
        std::printf("%-16s %-13s %9s %7s %12s %12s %10s %8s %8s\n", "network", "sign_flexible", "fcc (s)", "pairs",
                    "mean err", "mean refit", "SQNR (dB)", "top-1", "classes");
        bool one_class = false;
        for (const auto& path : configs) {
            ConfigFile cfg = load_config(path);
            Network plain = build_network(cfg);
            for (bool flex : {false, true}) {
                Network paired = plain;
                for (auto& l : paired.desc.layers)
                    if (l.is_mac()) {
                        l.fcc.mode = PairSpec::Mode::Auto;
                        l.fcc.options.sign_flexible = flex;
                    }
                auto t0 = std::chrono::steady_clock::now();
                auto reports = fcc::run_fcc(paired, nullptr, nullptr);  // timing the pairing: no cache
                double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
                int pairs = 0;
                double err = 0, refit = 0;
                for (const auto& r : reports) pairs += r.pairs, err += r.error_before_refit, refit += r.error_after_refit;
                fcc::Fidelity f = fcc::compare_networks(plain, paired, cfg.weights.seed + 1000, samples);
                std::printf("%-16s %-13s %9.2f %7d %12.4f %12.4f %10.2f %7.1f%% %8d\n", cfg.network.name.c_str(),
                            flex ? "true" : "false", s, pairs, err / reports.size(), refit / reports.size(),
                            f.sqnr_db, 100 * f.top1_agreement, f.reference_classes);
                one_class = one_class || f.reference_classes <= 1;
            }
        }
        if (one_class)  // synthetic weights, whose logits all pick one class: the agreement figures are void
            std::printf("note: where 'classes' is 1 the reference network gives one class for every input, so SQNR "
                        "and top-1 say nothing about FCC there (the synthetic networks do so; docs/fcc.md)\n");
    } catch (const UserError& e) {
        std::fprintf(stderr, "ddcpim_fcc_bench: error: %s\n", e.what());
        return 2;
    }
    return 0;
}
