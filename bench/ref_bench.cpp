// Times one reference-engine inference of a network (default MobileNetV2):
// the median of several runs, after one warm-up. Not a test: the figure goes
// in the README.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "ddcpim/network/network.hpp"
#include "ddcpim/ref/engine.hpp"

int main(int argc, char** argv) {
    using namespace ddcpim;
    std::string config = argc > 1 ? argv[1] : "configs/mobilenetv2.yaml";
    int runs = argc > 2 ? std::stoi(argv[2]) : 5;
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
