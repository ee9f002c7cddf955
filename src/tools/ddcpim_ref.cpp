// ddcpim_ref: runs a network through the plain C++ reference engine (the
// golden model) and prints a per-layer summary; --dump writes per-layer
// inputs, weights and raw accumulators as .npy files; --output writes the
// network's output codes. Given a batch (--input with a leading N axis) it
// runs every image and, with --labels, prints the top-1 accuracy.
#include <chrono>
#include <optional>

#include <fmt/format.h>

#include "cli_common.hpp"
#include "ddcpim/common/npy.hpp"
#include "ddcpim/network/npy_weights.hpp"
#include "ddcpim/ref/batch.hpp"
#include "ddcpim/ref/dump.hpp"
#include "ddcpim/ref/engine.hpp"
#include "ddcpim/ref/summary.hpp"

namespace {

// --input with a leading N axis: every image through the engine, the outputs
// stacked, and top-1 accuracy against --labels.
int run_batch_mode(const ddcpim::Network& net, const std::vector<ddcpim::Tensor>& inputs, const std::string& labels_file,
                   const std::string& output_file, bool quiet, unsigned threads) {
    using namespace ddcpim;
    std::vector<int64_t> labels;
    const Shape out_shape = net.desc.layers.back().out_shape;
    if (!labels_file.empty()) labels = ref::read_labels(labels_file, inputs.size(), out_shape.size());
    auto t0 = std::chrono::steady_clock::now();
    std::vector<Tensor> outputs = ref::run_batch(net, inputs, threads);
    double run_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!quiet) fmt::print("batch: {} images in {:.3f} s ({:.2f} ms per image)\n", inputs.size(), run_s,
                           1e3 * run_s / double(inputs.size()));
    if (!labels.empty()) {
        size_t correct = 0;
        for (size_t i = 0; i < outputs.size(); ++i) correct += ref::top1_class(outputs[i]) == labels[i];
        fmt::print("top-1: {}/{} = {:.2f}%\n", correct, outputs.size(), 100.0 * double(correct) / double(outputs.size()));
    }
    if (!output_file.empty()) {
        std::vector<int32_t> stacked;
        stacked.reserve(outputs.size() * size_t(out_shape.size()));
        for (const Tensor& t : outputs) stacked.insert(stacked.end(), t.data.begin(), t.data.end());
        write_npy_int32(output_file, {int64_t(outputs.size()), out_shape.c, out_shape.h, out_shape.w}, stacked);
        if (!quiet) fmt::print("wrote {} outputs to {}\n", outputs.size(), output_file);
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    using namespace ddcpim;
    CLI::App app{"ddcpim_ref: int8 reference inference of a network config (the golden model)"};
    cli::CommonOptions o;
    std::string dump_dir, export_dir, output_file, labels_file;
    unsigned threads = 0;
    cli::add_common_options(app, o);
    app.add_option("--dump", dump_dir, "write NN_<layer>.{input,weight,acc}.npy and .json for every MAC layer");
    app.add_option("--export", export_dir,
                   "write the network's parameters as .npy files and DIR/network.yaml pointing at them");
    app.add_option("--output", output_file,
                   "write the last layer's output codes (C x H x W, int32 .npy; N x C x H x W for a batch input)");
    app.add_option("--labels", labels_file,
                   "with a batch input: the images' classes (1-D integer .npy, N entries); prints top-1 accuracy");
    app.add_option("--threads", threads, "threads for a batch input (default: all cores)");
    app.footer(
        "Examples:\n"
        "  ddcpim_ref --config configs/mobilenetv2.yaml                     one inference of the sample input\n"
        "  ddcpim_ref --config net.yaml --input images.npy --labels labels.npy   top-1 over a batch\n"
        "  ddcpim_ref --config configs/tiny_residual.yaml --dump out/dump   per-layer .npy dumps\n"
        "Docs: docs/config.md.");
    return cli::run_tool("ddcpim_ref", app, argc, argv, [&] {
        ConfigFile cfg = cli::load_config_from(o);
        if (cli::emit_resolved_config(o, cfg)) return 0;
        auto t0 = std::chrono::steady_clock::now();
        Network net = build_network(cfg);
        bool batched = false;
        std::vector<Tensor> inputs = cli::load_inputs(o, cfg, &batched);
        if (o.check)
            return cli::report_check("ddcpim_ref", cfg,
                                     fmt::format("{} layers, weights and pairs built, {} input(s) loaded; nothing run",
                                                 net.desc.layers.size(), inputs.size()));
        if (batched) return run_batch_mode(net, inputs, labels_file, output_file, o.quiet, threads);
        if (!labels_file.empty())
            throw UserError({labels_file}, "--labels needs a batch input: --input X.npy of shape (N, C, H, W)");
        const Tensor& input = inputs.front();
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
