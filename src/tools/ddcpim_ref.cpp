// ddcpim_ref: runs a network through the plain C++ reference engine (the
// golden model) and prints a per-layer summary; --dump writes per-layer
// inputs, weights and raw accumulators as .npy files; --output writes the
// network's output codes.
#include <chrono>
#include <optional>

#include <fmt/format.h>

#include "cli_common.hpp"
#include "ddcpim/common/npy.hpp"
#include "ddcpim/network/npy_weights.hpp"
#include "ddcpim/ref/dump.hpp"
#include "ddcpim/ref/engine.hpp"
#include "ddcpim/ref/summary.hpp"

int main(int argc, char** argv) {
    using namespace ddcpim;
    CLI::App app{"ddcpim_ref: int8 reference inference of a network config (the golden model)"};
    cli::CommonOptions o;
    std::string dump_dir, export_dir, output_file;
    cli::add_common_options(app, o);
    app.add_option("--dump", dump_dir, "write NN_<layer>.{input,weight,acc}.npy and .json for every MAC layer");
    app.add_option("--export", export_dir,
                   "write the network's parameters as .npy files and DIR/network.yaml pointing at them");
    app.add_option("--output", output_file, "write the last layer's output codes (C x H x W, int32 .npy)");
    return cli::run_tool("ddcpim_ref", app, argc, argv, [&] {
        ConfigFile cfg = cli::load_config_from(o);
        cli::emit_resolved_config(o, cfg);
        auto t0 = std::chrono::steady_clock::now();
        Network net = build_network(cfg);
        Tensor input = cli::load_input(o, cfg);
        std::optional<LayerDumper> dumper;
        if (!dump_dir.empty()) dumper.emplace(net, dump_dir);
        auto t1 = std::chrono::steady_clock::now();
        ref::RunResult r = ref::run_network(net, input, [&](size_t i, const Tensor& in, const std::vector<int32_t>* acc,
                                                            const Tensor&) {
            if (dumper && acc) dumper->dump(i, in, *acc);
        });
        auto t2 = std::chrono::steady_clock::now();
        double run_s = std::chrono::duration<double>(t2 - t1).count();
        std::string summary = reference_summary(net, r, run_s);
        if (o.quiet) summary = summary.substr(summary.rfind("total:"));
        fmt::print("{}", summary);
        if (!o.quiet)
            fmt::print("parameters built in {:.3f} s\n", std::chrono::duration<double>(t1 - t0).count());
        if (!export_dir.empty()) {
            std::string yaml = export_dir + "/network.yaml";
            export_network(net, cfg, export_dir, yaml);
            fmt::print("exported parameters to {} (config {})\n", export_dir, yaml);
        }
        if (!output_file.empty()) {
            const Shape& s = r.output.shape;
            write_npy_int32(output_file, {s.c, s.h, s.w}, r.output.data);
            if (!o.quiet) fmt::print("wrote the output to {}\n", output_file);
        }
        if (!dump_dir.empty()) fmt::print("dumped MAC layers to {}\n", dump_dir);
        return 0;
    });
}
