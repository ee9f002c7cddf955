// The fast engine against the clocked model: every per-layer figure and
// every energy event equal, on a few hundred random (network, macro) pairs
// (seeded, reproducible: DDCPIM_FAST_SEED and DDCPIM_FAST_CASES override)
// and on both shipped networks at the default macro and three others.
//
// SystemC elaborates once per process, so every clocked system of this file
// is built first and all run in one simulation (host::run_to_completion).
#include <cstdlib>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "ddcpim/host/costs.hpp"
#include "ddcpim/host/fast_engine.hpp"
#include "ddcpim/host/system.hpp"
#include "ddcpim/ref/engine.hpp"
#include "test_util.hpp"

using namespace ddcpim;

namespace {

// ---- random networks and macros ----

struct Case {
    std::string what;  // how to reproduce it
    ConfigFile cfg;
    std::shared_ptr<const Network> net;  // shared by cases that differ only in the macro
    std::vector<Tensor> inputs;  // one per image
    MacroParams macro;
    host::SystemOptions system;
    host::SimResult clocked;
};

int pick(std::mt19937_64& rng, int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); }
template <class T>
T one_of(std::mt19937_64& rng, std::initializer_list<T> v) {
    return *(v.begin() + pick(rng, 0, int(v.size()) - 1));
}

// A chain of 1 to 6 MAC layers of random kinds and shapes, with activations,
// a residual add where shapes allow and sometimes a pool and a classifier.
std::string random_network(std::mt19937_64& rng) {
    int c = pick(rng, 1, 12), h = pick(rng, 1, 14), w = pick(rng, 1, 14);
    std::ostringstream y;
    y << fmt::format("  name: random\n  input: {{channels: {}, height: {}, width: {}, signed: {}}}\n  layers:\n", c, h, w,
                     pick(rng, 0, 1) ? "true" : "false");
    const int macs = pick(rng, 1, 6);
    std::string prev;
    int prev_c = -1, prev_h = -1, prev_w = -1;
    for (int i = 0; i < macs; ++i) {
        const int kind = pick(rng, 0, 3);  // conv, depthwise, pointwise, fc (last only)
        const std::string name = fmt::format("l{}", i);
        if (kind == 3 && i == macs - 1) {
            if (pick(rng, 0, 1) && (h > 1 || w > 1)) {
                y << fmt::format("    - {{name: pool, kind: avgpool}}\n");
                h = w = 1;
            }
            c = pick(rng, 1, 24);
            y << fmt::format("    - {{name: {}, kind: fc, out_features: {}}}\n", name, c);
            h = w = 1;
            break;
        }
        if (kind == 1 || kind == 0) {
            const int k = one_of(rng, {1, 3, 5}), s = pick(rng, 1, 2);
            int p = pick(rng, 0, k / 2 + 1);
            while (h + 2 * p < k || w + 2 * p < k) ++p;
            const int oc = kind == 0 ? pick(rng, 1, 40) : c;
            if (kind == 0)
                y << fmt::format("    - {{name: {}, kind: conv, out_channels: {}, kernel: {}, stride: {}, padding: {}}}\n",
                                 name, oc, k, s, p);
            else
                y << fmt::format("    - {{name: {}, kind: depthwise, kernel: {}, stride: {}, padding: {}}}\n", name, k, s, p);
            c = oc;
            h = (h + 2 * p - k) / s + 1;
            w = (w + 2 * p - k) / s + 1;
        } else {
            c = pick(rng, 1, 48);
            y << fmt::format("    - {{name: {}, kind: pointwise, out_channels: {}}}\n", name, c);
        }
        std::string out = name;
        if (pick(rng, 0, 1)) {
            y << fmt::format("    - {{name: {}_act, kind: {}}}\n", name, one_of<const char*>(rng, {"relu", "relu6", "swish"}));
            out = name + "_act";
        }
        if (c == prev_c && h == prev_h && w == prev_w && pick(rng, 0, 1)) {
            y << fmt::format("    - {{name: {}_add, kind: add, inputs: [{}, {}]}}\n", name, prev, out);
            out = name + "_add";
        }
        prev = out;
        prev_c = c, prev_h = h, prev_w = w;
    }
    return y.str();
}

std::string random_macro(std::mt19937_64& rng) {
    const int rows = one_of(rng, {32, 64, 128, 256, 512});
    int seg = std::min(rows, one_of(rng, {8, 16, 32, 64, 128}));
    return fmt::format(
        "{{rows: {}, weight_columns: {}, weight_bits: {}, input_bits: {}, segment_rows: {}, adder_pipeline: {}, "
        "write_rows_per_cycle: {}, input_bus_bits: {}, macros: {}, buffer_vectors: {}, dw_mapping: {}, clock_mhz: {}, "
        "tree_sharing: {}}}",
        rows, one_of(rng, {1, 3, 8, 16, 32, 64}), pick(rng, 2, 8), pick(rng, 2, 8), seg, pick(rng, 0, 4),
        one_of(rng, {1, 2, 3, 8, 64}), one_of(rng, {32, 64, 100, 256, 1024}), one_of(rng, {1, 1, 2, 3, 4, 7, 16}),
        one_of(rng, {1, 2, 5, 16, 64}), one_of<const char*>(rng, {"toeplitz", "diagonal", "auto"}),
        one_of(rng, {100, 200, 333}), one_of<const char*>(rng, {"false", "false", "true"}));
}

// The mechanisms: DDC (Q-bar, dual broadcast), the baseline (neither), or Q-bar alone.
enum class Variant { Ddc, Baseline, QbarOnly };

std::unique_ptr<Case> make_case(const std::string& what, const std::string& yaml, Variant variant, int images = 1) {
    auto c = std::make_unique<Case>();
    c->what = what;
    c->cfg = test::parse_config_text(yaml, what);
    c->net = std::make_shared<Network>(build_network(c->cfg));
    c->system = host::system_options(c->cfg, 1);
    c->system.images = images;
    for (int i = 0; i < images; ++i) c->inputs.push_back(ref::sample_input(c->net->desc, c->cfg.weights.seed + uint64_t(i)));
    c->macro = variant == Variant::Baseline ? c->cfg.macro.as_baseline() : c->cfg.macro;
    if (variant == Variant::QbarOnly) c->macro.dual_broadcast = false;
    host::check_mappable(c->net->desc, c->net->params, c->macro);
    return c;
}

// ---- comparing the two engines ----

// Every difference, one line each: the case, the layer, the figure, both values.
std::vector<std::string> differences(const Case& c, const host::SimResult& fast) {
    std::vector<std::string> out;
    const host::SimResult& k = c.clocked;
    auto same = [&](const std::string& where, const char* figure, auto clocked, auto fast_value) {
        if (!(clocked == fast_value))
            out.push_back(fmt::format("{}: {}: {}: clocked {}, fast {}", c.what, where, figure, clocked, fast_value));
    };
    same("total", "total_cycles", k.total_cycles, fast.total_cycles);
    same("total", "macro_cycles", k.macro_cycles, fast.macro_cycles);
    same("total", "host_cycles", k.host_cycles, fast.host_cycles);
    same("total", "macs", k.macs, fast.macs);
    same("total", "energy_uj", k.energy_uj(), fast.energy_uj());
    same("total", "layers", k.layers.size(), fast.layers.size());
    same("total", "first_image_cycles", k.first_image_cycles, fast.first_image_cycles);
    same("total", "images", k.images, fast.images);
    same("total", "offchip_bits", k.offchip_bits, fast.offchip_bits);
    same("total", "placement_bits", k.placement_bits, fast.placement_bits);
    same("total", "stream_bits_per_image", k.stream_bits_per_image, fast.stream_bits_per_image);
    same("total", "link_bits", k.link_bits, fast.link_bits);
    same("total", "resident_layers", k.resident_layers, fast.resident_layers);
    same("total", "placement_choice", k.placement_choice, fast.placement_choice);
    same("total", "stream_macros", k.stream_macros, fast.stream_macros);
    same("total", "resident_macros_needed", k.resident_macros_needed, fast.resident_macros_needed);
    same("total", "images_per_second", k.images_per_second(), fast.images_per_second());
    same("total", "bottleneck", k.bottleneck + fmt::format(" {}", k.bottleneck_cycles),
         fast.bottleneck + fmt::format(" {}", fast.bottleneck_cycles));
    same("total", "image_done", fmt::format("{}", fmt::join(k.image_done, ",")), fmt::format("{}", fmt::join(fast.image_done, ",")));
    same("total", "macros", k.macro_busy_cycles.size(), fast.macro_busy_cycles.size());
    for (size_t m = 0; m < std::min(k.macro_busy_cycles.size(), fast.macro_busy_cycles.size()); ++m)
        same(fmt::format("macro {}", m), "busy_cycles", k.macro_busy_cycles[m], fast.macro_busy_cycles[m]);
    same("total", "power_gating", k.power_gating, fast.power_gating);
    same("total", "macro_sleep_cycles", fmt::format("{}", fmt::join(k.macro_sleep_cycles, ",")),
         fmt::format("{}", fmt::join(fast.macro_sleep_cycles, ",")));
    same("total", "macro_gap_wakes", fmt::format("{}", fmt::join(k.macro_gap_wakes, ",")),
         fmt::format("{}", fmt::join(fast.macro_gap_wakes, ",")));
    same("total", "macro_on_cycles", fmt::format("{}", fmt::join(k.macro_on_cycles, ",")),
         fmt::format("{}", fmt::join(fast.macro_on_cycles, ",")));
    // Off-chip traffic: the placement once, the streamed layers every image.
    if (fast.offchip_bits != fast.placement_bits + uint64_t(fast.images) * fast.stream_bits_per_image)
        out.push_back(fmt::format("{}: off-chip bits {} != placement {} + {} images x {} streamed", c.what,
                                  fast.offchip_bits, fast.placement_bits, fast.images, fast.stream_bits_per_image));
    for (size_t i = 0; i < std::min(k.layers.size(), fast.layers.size()); ++i) {
        const host::LayerResult &a = k.layers[i], &b = fast.layers[i];
        const std::string at = fmt::format("layer '{}'", a.name);
        same(at, "name", a.name, b.name);
        same(at, "mapping", a.mapping, b.mapping);
        same(at, "note", a.note, b.note);
        same(at, "pairs_used", a.pairs_used, b.pairs_used);
        same(at, "mvms", a.mvms, b.mvms);
        same(at, "tiles", a.tiles, b.tiles);
        same(at, "cycles", a.cycles, b.cycles);
        same(at, "macro_cycles", a.macro_cycles, b.macro_cycles);
        same(at, "host_cycles", a.host_cycles, b.host_cycles);
        same(at, "compute_cycles", a.compute, b.compute);
        same(at, "weight_load_cycles", a.weight_load, b.weight_load);
        same(at, "input_load_cycles", a.input_load, b.input_load);
        same(at, "stall_cycles", a.stall, b.stall);
        same(at, "utilization", a.utilization, b.utilization);
        same(at, "cell_products", a.events.cell_products, b.events.cell_products);
        same(at, "tree_evaluations", a.events.tree_evaluations, b.events.tree_evaluations);
        same(at, "accumulator_updates", a.events.accumulator_updates, b.events.accumulator_updates);
        same(at, "corrections", a.events.corrections, b.events.corrections);
        same(at, "rows_written", a.events.rows_written, b.events.rows_written);
        same(at, "input_bits", a.events.input_bits, b.events.input_bits);
        same(at, "output_values", a.events.output_values, b.events.output_values);
        same(at, "host_ops", a.events.host_ops, b.events.host_ops);
        same(at, "offchip_bits", a.events.offchip_bits, b.events.offchip_bits);
        same(at, "link_bits", a.events.link_bits, b.events.link_bits);
        same(at, "lane_a_bits", a.events.lane_a_bits, b.events.lane_a_bits);
        same(at, "input_ones_a", a.events.input_ones_a, b.events.input_ones_a);
        same(at, "input_ones_b", a.events.input_ones_b, b.events.input_ones_b);
        same(at, "product_ones_q", a.events.product_ones_q, b.events.product_ones_q);
        same(at, "product_ones_qbar", a.events.product_ones_qbar, b.events.product_ones_qbar);
        same(at, "write_toggles", a.events.write_toggles, b.events.write_toggles);
        same(at, "resident", a.resident, b.resident);
        same(at, "placed_on", a.placed_on, b.placed_on);
        same(at, "tile_copies", a.tile_copies, b.tile_copies);
        same(at, "streamed_bits_per_image", a.offchip_bits, b.offchip_bits);
        same(at, "energy_uj", a.energy_uj(), b.energy_uj());
    }
    return out;
}

int env_int(const char* name, int fallback) {
    const char* v = std::getenv(name);
    return v && *v ? std::atoi(v) : fallback;
}

// Runs every case's clocked system in one simulation, then the fast engine,
// and reports each difference. Returns the number of layers compared.
int compare_all(std::vector<std::unique_ptr<Case>>& cases) {
    std::vector<std::unique_ptr<host::System>> systems;
    std::vector<host::System*> raw;
    for (size_t i = 0; i < cases.size(); ++i) {
        Case& c = *cases[i];
        host::HostOptions opt;
        opt.system = c.system;
        opt.verify = true;  // every image's every layer, bit for bit
        c.clocked.macro = c.macro;
        systems.push_back(std::make_unique<host::System>(fmt::format("case_{}", i).c_str(), *c.net, c.macro, c.inputs,
                                                         opt, c.clocked));
        raw.push_back(systems.back().get());
    }
    host::run_to_completion(raw);

    const cost::Technology tech = cost::load_technology(test::source_path("configs/tech/28nm.yaml"));
    int layers = 0;
    for (auto& cp : cases) {
        Case& c = *cp;
        EXPECT_TRUE(c.clocked.error.empty()) << c.what << ": " << c.clocked.error;
        EXPECT_TRUE(c.clocked.verified && c.clocked.mismatch.empty()) << c.what << ": " << c.clocked.mismatch;
        host::SimResult fast = host::run_fast(*c.net, c.macro, c.system);
        host::apply_costs(c.clocked, tech);
        host::apply_costs(fast, tech);
        for (const std::string& d : differences(c, fast)) ADD_FAILURE() << d;
        layers += int(fast.layers.size());
    }
    return layers;
}

}  // namespace

// ctest runs each TEST in its own process (--gtest_filter): SystemC simulates once per process.

TEST(FastEngine, EqualsTheClockedModelOnRandomNetworksAndMacros) {
    const uint64_t seed = uint64_t(env_int("DDCPIM_FAST_SEED", 2024));
    const int random_cases = env_int("DDCPIM_FAST_CASES", 300);
    std::vector<std::unique_ptr<Case>> cases;
    std::mt19937_64 rng(seed);
    int rejected = 0;
    while (int(cases.size()) < random_cases) {
        const std::string net = random_network(rng), macro = random_macro(rng);
        const bool pairs = pick(rng, 0, 2) > 0;
        const int v = pick(rng, 0, 5);  // DDC half of the time, Q-bar alone a third, the baseline a sixth
        const Variant variant = v < 3 ? Variant::Ddc : v < 4 ? Variant::Baseline : Variant::QbarOnly;
        // The system: memory and link bandwidths from starving to ample, both residencies, 1 to 3 images.
        const std::string system = fmt::format(
            "memory: {{bytes_per_cycle: {}, latency: {}}}\nsystem: {{residency: {}, link_bytes_per_cycle: {}, "
            "placement: {}, power_gating: {}, prefetch: {}}}\n",
            one_of(rng, {8, 32, 64, 4096}), one_of(rng, {0, 1, 7, 40}), pick(rng, 0, 2) ? "static" : "stream",
            one_of(rng, {16, 64, 256, 8192}), one_of<const char*>(rng, {"traffic", "throughput"}),
            one_of<const char*>(rng, {"false", "false", "true"}), one_of<const char*>(rng, {"false", "true"}));
        const int images = one_of(rng, {1, 1, 2, 3});
        const std::string yaml = fmt::format("macro: {}\n{}weights: {{source: synthetic, seed: {}}}\nfcc: {{pairs: {}}}\n"
                                             "network:\n{}",
                                             macro, system, pick(rng, 1, 1000), pairs ? "auto" : "none", net);
        const std::string what = fmt::format("random case {} (seed {}{}, {} image(s))", cases.size(), seed,
                                             variant == Variant::Baseline   ? ", baseline"
                                             : variant == Variant::QbarOnly ? ", Q-bar without dual broadcast"
                                                                            : "",
                                             images);
        try {
            cases.push_back(make_case(what, yaml, variant, images));
        } catch (const UserError& e) {
            // A macro the network cannot use (a kernel taller than the array, say): draw again.
            ++rejected;
            ASSERT_LT(rejected, 10 * random_cases) << "the generator rarely makes a valid case: " << e.what() << "\n" << yaml;
        }
    }
    const int layers = compare_all(cases);
    // The generator must reach what the test is about.
    int depthwise_paired = 0, multi_macro = 0, kinds_seen = 0, pipelined = 0, partly_resident = 0, stacked = 0;
    int shared_trees = 0;  // cases on shared trees with pairs in use (two passes per bit)
    int chosen = 0;        // system.placement: throughput took a candidate other than the rule on all macros
    int gated = 0;         // system.power_gating
    int replicated = 0;    // the throughput rule took a placement with copies of hot tiles
    int prefetched = 0;    // system.prefetch with streamed layers
    int slept = 0;         // power-gated macros that slept in an idle gap
    std::map<std::string, int> mappings;
    for (auto& c : cases) {
        multi_macro += c->macro.macros > 1;
        bool paired = false;
        for (const auto& l : c->clocked.layers) paired = paired || l.pairs_used;
        shared_trees += c->macro.tree_sharing && paired;
        gated += c->clocked.power_gating;
        int copies = 0;
        for (const auto& l : c->clocked.layers) copies += l.tile_copies;
        replicated += copies > 0;
        prefetched += c->clocked.system.prefetch && c->clocked.streamed_layers > 0;
        slept += c->clocked.gap_wakes() > 0;
        const std::string& choice = c->clocked.placement_choice;
        chosen += !choice.empty() && choice.find(fmt::format(" on {} of ", c->macro.macros)) == std::string::npos;
        const host::SimResult& r = c->clocked;
        pipelined += r.residency == "static" && r.images > 1 && r.resident_layers > 0;
        partly_resident += r.resident_layers > 0 && r.streamed_layers > 0;
        // More resident tiles than macros: arrays hold several, each run at its own ROW_BASE.
        int resident_tiles = 0;
        for (const auto& l : r.layers) resident_tiles += l.resident ? l.tiles : 0;
        stacked += resident_tiles > r.macro.macros;
        for (const auto& l : c->clocked.layers) {
            depthwise_paired += l.kind == "depthwise" && l.pairs_used;
            ++mappings[l.mapping];
        }
    }
    for (const char* m : {"im2col", "toeplitz", "diagonal", "host"}) kinds_seen += mappings[m] > 0;
    EXPECT_EQ(kinds_seen, 4);
    EXPECT_GT(depthwise_paired, random_cases / 15);
    EXPECT_GT(multi_macro, random_cases / 3);
    EXPECT_GT(pipelined, random_cases / 15);
    EXPECT_GT(partly_resident, random_cases / 30);
    EXPECT_GT(stacked, random_cases / 30);
    EXPECT_GT(shared_trees, random_cases / 15);
    EXPECT_GT(gated, random_cases / 10);
    EXPECT_GE(replicated, random_cases / 60);  // and EqualsTheClockedModelWithReplicatedTiles below
    EXPECT_GT(prefetched, random_cases / 5);
    EXPECT_GT(slept, random_cases / 20);
    std::printf("compared %zu random cases, %d layers (%d depthwise layers with pairs, %d cases on several macros, %d "
                "pipelined, %d partly resident, %d with tiles sharing an array, %d on shared trees with pairs, %d placed on "
                "fewer macros or streamed by the throughput rule, %d with replicated tiles, %d prefetching, %d power-gated, %d of them sleeping in idle gaps)\n",
                cases.size(), layers, depthwise_paired, multi_macro, pipelined, partly_resident, stacked, shared_trees,
                chosen, replicated, prefetched, gated, slept);
}

TEST(FastEngine, EqualsTheClockedModelWithReplicatedTiles) {
    // Random networks on many macros, static, two images: the throughput placement replicates their hot
    // tiles (each case is kept only if it did), with and without prefetch for what streams.
    std::mt19937_64 rng(uint64_t(env_int("DDCPIM_FAST_SEED", 2024)) + 7);
    const int wanted = std::max(2, env_int("DDCPIM_FAST_CASES", 300) / 50);
    std::vector<std::unique_ptr<Case>> cases;
    for (int tries = 0; int(cases.size()) < wanted; ++tries) {
        ASSERT_LT(tries, 50 * wanted) << "the generator rarely makes a replicated case";
        const std::string yaml = fmt::format(
            "macro: {{rows: {}, weight_columns: {}, macros: {}, buffer_vectors: {}}}\nsystem: {{residency: static, "
            "prefetch: {}}}\nweights: {{source: synthetic, seed: {}}}\nfcc: {{pairs: auto}}\nnetwork:\n{}",
            one_of(rng, {64, 128, 256}), one_of(rng, {8, 16, 32}), one_of(rng, {8, 16, 32}), one_of(rng, {2, 4, 16}),
            pick(rng, 0, 1) ? "true" : "false", pick(rng, 1, 1000), random_network(rng));
        std::unique_ptr<Case> c;
        try {
            c = make_case(fmt::format("replication case {}", cases.size()), yaml, Variant::Ddc, 2);
        } catch (const UserError&) {
            continue;
        }
        const host::SystemPlan plan = host::choose_plan(*c->net, c->macro, c->system);
        if (plan.placement.tile_copies() == 0) continue;
        cases.push_back(std::move(c));
    }
    const int layers = compare_all(cases);
    std::printf("compared %zu cases with replicated tiles, %d layers\n", cases.size(), layers);
    for (const auto& c : cases) {
        int copies = 0;
        for (const auto& l : c->clocked.layers) copies += l.tile_copies;
        EXPECT_GT(copies, 0) << c->what;
    }
}

TEST(FastEngine, EqualsTheClockedModelOnBothShippedNetworks) {
    // The default macro, and three that change every timing parameter.
    // Each with a system: streamed, or static with a pipeline of two images.
    const std::vector<std::string> macros = {
        "{}",
        "{rows: 128, weight_columns: 64, segment_rows: 32, input_bus_bits: 128, macros: 4, buffer_vectors: 8}",
        "{rows: 512, weight_columns: 16, write_rows_per_cycle: 4, adder_pipeline: 0, macros: 3, dw_mapping: auto}",
        "{rows: 256, weight_columns: 32, weight_bits: 4, input_bits: 4, input_bus_bits: 64, macros: 16, buffer_vectors: 32}"};
    std::vector<std::unique_ptr<Case>> cases;
    // A network is built once per precision (pairing MobileNetV2 takes seconds).
    std::map<std::string, std::shared_ptr<const Network>> built;
    for (const char* file : {"configs/mobilenetv2.yaml", "configs/efficientnet_b0.yaml"})
        for (size_t m = 0; m < macros.size(); ++m)
            for (bool baseline : {false, true}) {
                if (baseline && m > 0) continue;  // the random cases cover the baseline's macros
                const bool pipelined = m == 3;
                ConfigFile cfg = load_config(test::source_path(file),
                                             {{"macro", macros[m]}, {"system.residency", pipelined ? "static" : "stream"}});
                auto c = std::make_unique<Case>();
                c->what = fmt::format("{} macro {} {}", file, macros[m], baseline ? "baseline" : "ddc");
                c->cfg = cfg;
                auto& net = built[fmt::format("{} {} {}", file, cfg.network.weight_bits, cfg.network.activation_bits)];
                if (!net) net = std::make_shared<Network>(build_network(cfg));
                c->net = net;
                c->system = host::system_options(cfg, pipelined ? 2 : 1);
                for (int i = 0; i < c->system.images; ++i)
                    c->inputs.push_back(ref::sample_input(c->net->desc, cfg.weights.seed + uint64_t(i)));
                c->macro = baseline ? cfg.macro.as_baseline() : cfg.macro;
                cases.push_back(std::move(c));
            }
    const int layers = compare_all(cases);
    EXPECT_GT(layers, 300);
    std::printf("compared %zu shipped-network cases, %d layers\n", cases.size(), layers);
}
