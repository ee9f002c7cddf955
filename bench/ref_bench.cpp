// Times one reference-engine inference of a network (default MobileNetV2):
// the median of several runs, after one warm-up. Not a test: the figure goes
// in the README.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "ddcpim/network/network.hpp"
#include "ddcpim/ref/engine.hpp"

int main(int argc, char** argv) {
    using namespace ddcpim;
    std::string config = "configs/mobilenetv2.yaml";
    int runs = 5;
    CLI::App app{"ddcpim_ref_bench: times one reference-engine inference of a network (median of RUNS after a warm-up)"};
    app.add_option("config", config, "network config")->capture_default_str();
    app.add_option("runs", runs, "timed runs")->check(CLI::Range(1, 10000))->capture_default_str();
    app.footer("Example:\n  build/bin/ddcpim_ref_bench configs/efficientnet_b0.yaml 7");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e) == 0 ? 0 : 2;
    }
    try {
        auto tb = std::chrono::steady_clock::now();
        ConfigFile cfg = load_config(config);
        Network net = build_network(cfg);
        double build_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - tb).count();
        Tensor input = ref::sample_input(cfg.network, cfg.weights.seed);
        ref::run_network(net, input);  // warm-up
        std::vector<double> times;
        for (int i = 0; i < runs; ++i) {
            auto t0 = std::chrono::steady_clock::now();
            ref::run_network(net, input);
            times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
        }
        std::sort(times.begin(), times.end());
        double med = times[times.size() / 2];
        double macs = double(cfg.network.total_macs());
        std::printf("network: %s\nparameters built (synthetic + calibration) in: %.3f s\n", cfg.network.name.c_str(),
                    build_s);
        std::printf("reference inference, median of %d: %.3f s (min %.3f s), %.2f GMAC/s\n", runs, med, times.front(),
                    macs / med / 1e9);
    } catch (const UserError& e) {
        std::fprintf(stderr, "ddcpim_ref_bench: error: %s\n", e.what());
        return 2;
    }
    return 0;
}
