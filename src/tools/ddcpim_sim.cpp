// ddcpim_sim: cycle-accurate simulation of a network on DDC-PIM macros: the
// SystemC macro model behind TLM-2.0, driven by the host (docs/host.md).
#include <unistd.h>

#include <cstdlib>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>

#include <fmt/format.h>

#include "cli_common.hpp"
#include "ddcpim/host/costs.hpp"
#include "ddcpim/host/fast_engine.hpp"
#include "ddcpim/host/report.hpp"
#include "ddcpim/host/system.hpp"
#include "ddcpim/ref/dump.hpp"
#include "ddcpim/ref/engine.hpp"

namespace {

void write_file(const std::string& path, const std::string& text) {
    std::ofstream f(path);
    if (!f) throw ddcpim::UserError({path}, "cannot open for writing");
    f << text;
}

}  // namespace

// SystemC's banner is noise in a tool's output: its documented switch turns
// it off before the kernel starts.
int main(int argc, char** argv) {
    setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
    return sc_core::sc_elab_and_sim(argc, argv);
}

int sc_main(int argc, char** argv) {
    using namespace ddcpim;
    CLI::App app{"ddcpim_sim: cycle-accurate, bit-exact simulation of a network on DDC-PIM macros"};
    cli::CommonOptions o;
    bool baseline = false, compare = false, verify = false, ablate = false;
    std::string json_path, csv_path, trace_path, dump_dir, engine = "clocked";
    int images = 0;
    cli::add_common_options(app, o);
    app.add_option("--engine", engine,
                   "clocked: the SystemC model counts every cycle; fast: the same figures from the closed forms "
                   "(docs/timing.md), in milliseconds, with no activations computed")
        ->check(CLI::IsMember({"clocked", "fast"}))
        ->capture_default_str();
    app.add_flag("--baseline", baseline, "run the PIM baseline (complementary, dual_broadcast off; diagonal depthwise)");
    app.add_flag("--compare", compare, "run DDC and the baseline and print the speedup");
    app.add_flag("--ablate", ablate,
                 "the mechanisms one at a time: baseline, + Q-bar (pointwise pairs), + dual broadcast (depthwise "
                 "pairs), + toeplitz mapping; prints each step's speedup");
    app.add_option("--images", images,
                   "stream N images back to back (distinct seeded inputs, or the N of an --input (N, C, H, W) batch); "
                   "with system.residency: static the layers pipeline across images (docs/host.md)");
    app.add_flag("--verify", verify, "check every image's every layer against the reference engine; exit 1 on a mismatch");
    app.add_option("--json", json_path, "write the results as JSON");
    app.add_option("--csv", csv_path, "write the per-layer results as CSV");
    app.add_option("--trace", trace_path, "write a VCD waveform of macro 0 (FILE.vcd)");
    app.add_option("--dump", dump_dir, "write per-layer inputs, weights and simulated accumulators as .npy");
    app.footer(
        "Examples:\n"
        "  ddcpim_sim --config configs/mobilenetv2.yaml --compare          DDC against the baseline, clocked\n"
        "  ddcpim_sim --config configs/mobilenetv2.yaml --compare --engine fast --json r.json\n"
        "  ddcpim_sim --config configs/tiny_residual.yaml --verify --set macro.rows=128\n"
        "  ddcpim_sim --config configs/mobilenetv2.yaml --ablate --engine fast\n"
        "  ddcpim_sim --config my.yaml --check                              validate only\n"
        "Docs: docs/host.md (options, outputs), docs/config.md (the config), docs/fast-engine.md.");
    return cli::run_tool("ddcpim_sim", app, argc, argv, [&] {
        sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
        sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
        ConfigFile cfg = cli::load_config_from(o);
        if (app.count("--images") && (images < 1 || images > 65536))
            throw UserError({}, fmt::format("--images: expected 1 to 65536 images, got {}", images));
        // --images is system.images: the resolved config (--write-config, --print-config, the JSON's config)
        // says how many images ran, and re-running it runs as many.
        if (app.count("--images")) cfg.system.images = images;
        if (cli::emit_resolved_config(o, cfg)) return 0;
        const bool tty = isatty(2) && !o.quiet;
        auto t0 = std::chrono::steady_clock::now();
        if (tty) std::fprintf(stderr, "ddcpim_sim: building %s ...", cfg.network.name.c_str());
        Network net = build_network(cfg);
        bool batched = false;
        std::vector<Tensor> inputs = cli::load_inputs(o, cfg, &batched);
        if (!app.count("--images") && cfg.system.images > 1) images = cfg.system.images;
        if (batched && images && images != int(inputs.size()))
            throw UserError({o.input_npy}, fmt::format("{} {} but the batch holds {} images",
                                                       app.count("--images") ? "--images" : "system.images", images,
                                                       inputs.size()));
        if (!batched && images > 1) {
            // Distinct images: the config's seed for the first, then the next seeds.
            if (!o.input_npy.empty())
                throw UserError({o.input_npy}, fmt::format("--images {} needs a batch (N, C, H, W) or no --input", images));
            // The fast engine computes no activations: only the clocked one needs the other images' inputs,
            // which would otherwise hold memory in proportion to a long stream (--images 1000).
            if (engine != "fast")
                for (int i = 1; i < images; ++i)
                    inputs.push_back(ref::sample_input(cfg.network, cfg.weights.seed + uint64_t(i)));
        }
        const int image_count = batched ? int(inputs.size()) : std::max(1, images);
        cfg.system.images = image_count;  // a batch gives its own N
        host::SystemOptions system = host::system_options(cfg, image_count);
        // The fast engine's data-dependent events follow the same inputs as the clocked engine's lanes:
        // the given ones, or the seeded ones it regenerates per image (host/activity.hpp).
        if (!o.input_npy.empty()) system.inputs = std::make_shared<const std::vector<Tensor>>(inputs);
        if (tty) std::fprintf(stderr, "\r\033[K");

        if (ablate && (compare || baseline))
            throw UserError({}, "--ablate runs its own steps from the baseline to DDC; it does not combine with "
                                "--compare or --baseline");
        std::vector<std::pair<std::string, MacroParams>> modes;
        if (ablate) {
            modes = host::ablation_steps(cfg.macro);
        } else {
            if (compare || !baseline) modes.emplace_back("ddc", cfg.macro);
            if (compare || baseline) modes.emplace_back("baseline", cfg.macro.as_baseline());
        }
        // Problems found before the clock starts are a user's, with exit 2.
        for (const auto& [name, params] : modes) host::check_mappable(net.desc, net.params, params);
        const bool fast = engine == "fast";
        if (!fast) {
            // The clocked model allocates every macro's arrays and buffers: bounded before it does.
            uint64_t bytes = 0;
            for (const auto& [name, params] : modes)
                bytes += uint64_t(params.macros) * macro::Geometry(params).estimated_bytes();
            if (double(bytes) > double(cfg.network.limits.simulated_bytes))
                throw UserError({cfg.path, 0, 0, "", "macro.macros"},
                                fmt::format("{} mode(s) of {} macros need about {:.1f} GB of simulated arrays and "
                                            "buffers, over limits.simulated_bytes = {} (fewer or smaller macros, "
                                            "--engine fast, or raise the limit)",
                                            modes.size(), cfg.macro.macros, double(bytes) / 1e9,
                                            cfg.network.limits.simulated_bytes));
        }
        if (o.check)
            return cli::report_check("ddcpim_sim", cfg,
                                     fmt::format("{} layers, weights and pairs built, input loaded, mappable in {} "
                                                 "mode(s); nothing simulated",
                                                 net.desc.layers.size(), modes.size()));
        if (fast && verify)
            throw UserError({}, "--verify checks the clocked model against the reference engine; the fast engine "
                                "computes no activations (use --engine clocked)");
        if (fast && !trace_path.empty())
            throw UserError({}, "--trace records the clocked model's signals; the fast engine has none (use --engine "
                                "clocked)");
        if (!dump_dir.empty()) {
            std::error_code ec;
            std::filesystem::create_directories(dump_dir, ec);
            if (ec || !std::filesystem::is_directory(dump_dir))
                throw UserError({dump_dir}, "cannot create the dump directory");
        }
        std::vector<host::SimResult> results(modes.size());
        if (fast) {
            for (size_t i = 0; i < modes.size(); ++i) {
                results[i] = host::run_fast(net, modes[i].second, system);
                results[i].engine = "fast";
                results[i].network = cfg.network.name;
                results[i].mode = modes[i].first;
            }
            // The dumps hold activations: the reference engine's, which the clocked model equals bit for bit.
            if (!dump_dir.empty()) {
                LayerDumper dumper(net, dump_dir);
                ref::run_network(net, inputs.front(), [&](size_t i, const Tensor& in, const std::vector<int32_t>* acc, const Tensor&) {
                    if (acc) dumper.dump(i, in, *acc);
                });
            }
        } else {
            std::vector<std::unique_ptr<host::System>> systems;
            std::vector<host::System*> raw;
            for (size_t i = 0; i < modes.size(); ++i) {
                host::HostOptions opt;
                opt.system = system;
                opt.verify = verify;
                if (!dump_dir.empty() && i == 0) opt.dump_dir = dump_dir;
                if (tty && i == 0)
                    opt.progress = [t0, n = modes.size(), per_image = net.desc.layers.size()](size_t done, size_t total) {
                        double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
                        if (s > 1.0)
                            std::fprintf(stderr, "\r\033[Kddcpim_sim: layer %zu of %zu (image %zu of %zu), %.1f s%s",
                                         (done - 1) % per_image + 1, per_image, (done - 1) / per_image + 1,
                                         total / per_image, s, n > 1 ? " (all modes side by side)" : "");
                    };
                results[i].network = cfg.network.name;
                results[i].mode = modes[i].first;
                results[i].macro = modes[i].second;
                results[i].host_ops_per_cycle = cfg.host.ops_per_cycle;
                systems.push_back(std::make_unique<host::System>(fmt::format("system_{}", i).c_str(), net,
                                                                 modes[i].second, inputs, opt, results[i]));
                raw.push_back(systems.back().get());
            }
            sc_core::sc_trace_file* tf = nullptr;
            if (!trace_path.empty()) {
                tf = macro::open_vcd(trace_path);
                systems[0]->macros[0]->trace(tf);
            }
            host::run_to_completion(raw);
            if (tf) sc_core::sc_close_vcd_trace_file(tf);
            if (tty) std::fprintf(stderr, "\r\033[K");
        }
        for (const auto& r : results)
            if (!r.error.empty()) throw UserError({}, r.error);
        if (cfg.technology.empty()) {
            // technology: none: cycles only, as asked.
        } else if (std::filesystem::exists(cfg.technology)) {
            cost::Technology tech = cost::load_technology(cfg.technology);
            for (auto& r : results) host::apply_costs(r, tech);
        } else if (!o.quiet) {
            fmt::print(stderr, "ddcpim_sim: no technology file at {} (set technology: in the config): area and energy "
                               "are not reported\n", cfg.technology);
        }
        bool complete = true;
        for (const auto& r : results) {
            if (!o.quiet) fmt::print("{}\n", host::layer_table(r));
            fmt::print("{}", host::totals(r));
            if (!compare && !ablate) {
                std::string acc = accuracy_text(cfg);
                fmt::print("{}{}\n", acc.rfind("top-1", 0) == 0 ? "accuracy: " : "", acc);
            }
            complete = complete && r.mismatch.empty();
        }
        // The notes go to stderr: flush the report first so that a terminal or a 2>&1 pipe shows them after it.
        std::fflush(stdout);
        // A DDC result that looks wrong without an error says why, in one line each.
        if (!ablate && modes[0].first == "ddc") {
            bool config_pairs = false;
            for (const auto& p : net.params) config_pairs = config_pairs || !p.pairs.empty();
            for (const std::string& n : host::ddc_notes(results[0], compare ? &results[1] : nullptr, config_pairs))
                fmt::print(stderr, "ddcpim_sim: note: {}\n", n);
        }
        // A configuration an obvious alternative beats says so in one line (issue 22): static placement with
        // fewer images/s than streaming on the same macros (the fast engine answers in milliseconds), and
        // most macros idle.
        if (!ablate && !o.quiet) {
            const host::SimResult& r = results[0];
            if (r.residency == "static" && image_count > 1) {
                host::SystemOptions alt = system;
                alt.system.residency = "stream";
                const host::SimResult s = host::run_fast(net, modes[0].second, alt);
                if (s.images_per_second() > r.images_per_second() * 1.0001)
                    fmt::print(stderr, "ddcpim_sim: note: streaming (system.residency: stream) gives {:.1f} images/s "
                                       "on the same {} macros, more than static placement's {:.1f} "
                                       "(system.placement: throughput takes the faster plan)\n",
                               s.images_per_second(), modes[0].second.macros, r.images_per_second());
            }
            if (r.macro_busy_cycles.size() > 1) {
                double sum = 0;
                for (size_t m = 0; m < r.macro_busy_cycles.size(); ++m) sum += r.macro_busy_fraction(m);
                const double mean = sum / double(r.macro_busy_cycles.size());
                if (mean < 0.10)
                    fmt::print(stderr, "ddcpim_sim: note: the {} macros are busy {:.0f}% of the run on average: most "
                                       "are idle (fewer macros, more images, or static placement would use them)\n",
                               r.macro_busy_cycles.size(), 100 * mean);
            }
        }
        if (ablate && complete) {
            fmt::print("\nablation: the mechanisms added one at a time (speedup over the baseline, and over the step "
                       "before)\n{}",
                       host::ablation_table(results));
            for (const auto& r : results) DDCPIM_ASSERT(r.output.data == results[0].output.data);
        }
        if (compare && complete) {
            fmt::print("\nspeedup, baseline cycles / DDC cycles (macro: macro phases only)\n{}",
                       host::speedup_table(results[0], results[1]));
            // Every speedup travels with the accuracy of the network it was measured on (docs/fcc.md).
            double sp = results[0].macro_cycles ? double(results[1].macro_cycles) / double(results[0].macro_cycles) : 0;
            fmt::print("DDC {:.2f}x {} than the baseline (macro phases), {}\n", sp >= 1 ? sp : 1 / sp,
                       sp >= 1 ? "faster" : "slower", accuracy_text(cfg));
            // The two modes compute the same network; different outputs are a simulator bug.
            DDCPIM_ASSERT(results[0].output.data == results[1].output.data);
        }
        if (!json_path.empty()) {
            nlohmann::ordered_json j;
            if (ablate) {
                j = host::ablation_json(results);
            } else if (compare) {
                j = host::compare_json(results[0], results[1], verify);
            } else {
                j = host::result_json(results[0]);
            }
            j["accuracy"] = accuracy_json(cfg);
            // The run describes itself: the resolved config, every default written out.
            YAML::Emitter em;
            em << resolved_config_yaml(cfg);
            j["config"] = em.c_str();
            write_file(json_path, j.dump(2) + "\n");
        }
        if (!csv_path.empty()) {
            std::string csv = host::result_csv(results[0]);
            if (results.size() > 1) csv += host::result_csv(results[1]).substr(csv.find('\n') + 1);
            write_file(csv_path, csv);
        }
        for (const auto& r : results)
            if (!r.mismatch.empty()) {
                std::fprintf(stderr, "ddcpim_sim: verify failed (%s): %s\n", r.mode.c_str(), r.mismatch.c_str());
                return 1;
            }
        return 0;
    });
}
