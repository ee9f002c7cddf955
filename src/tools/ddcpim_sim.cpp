// ddcpim_sim: the simulator's front end. The SystemC macro model is not built
// yet (issue 4); until it is, this runs the network through the reference
// engine and says so, so that the README's main job already works end to end.
#include <chrono>

#include <fmt/format.h>

#include "cli_common.hpp"
#include "ddcpim/ref/engine.hpp"
#include "ddcpim/ref/summary.hpp"

int main(int argc, char** argv) {
    using namespace ddcpim;
    CLI::App app{"ddcpim_sim: cycle-accurate simulation of the DDC-PIM macro (reference engine only, for now)"};
    cli::CommonOptions o;
    cli::add_common_options(app, o);
    return cli::run_tool("ddcpim_sim", app, argc, argv, [&] {
        ConfigFile cfg = cli::load_config_from(o);
        cli::emit_resolved_config(o, cfg);
        fmt::print(stderr,
                   "ddcpim_sim: note: the SystemC macro model is not implemented yet; this run uses the reference "
                   "engine and reports no cycles\n");
        Network net = build_network(cfg);
        Tensor input = cli::load_input(o, cfg);
        auto t0 = std::chrono::steady_clock::now();
        ref::RunResult r = ref::run_network(net, input);
        double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        std::string summary = reference_summary(net, r, s);
        if (o.quiet) summary = summary.substr(summary.rfind("total:"));
        fmt::print("{}", summary);
        return 0;
    });
}
