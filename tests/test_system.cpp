// The system around the macros (ARCHITECTURE section 8, docs/host.md "The
// system"): placement on hand-worked networks, the off-chip weight memory
// through its TLM socket, traffic and bandwidth, the pipeline of a stream of
// images against a schedule worked out by hand, and the command line.
#include <gtest/gtest.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>

#include <fstream>
#include <systemc>
#include <tlm_utils/simple_initiator_socket.h>

#include "ddcpim/cost/technology.hpp"
#include "ddcpim/host/costs.hpp"
#include "ddcpim/host/fast_engine.hpp"
#include "ddcpim/host/system_plan.hpp"
#include "ddcpim/memory/weight_memory.hpp"
#include "macro_bench.hpp"
#include "test_util.hpp"

using namespace ddcpim;

namespace {

// A macro small enough to count by hand: 64 rows, 8 columns of 8-bit weights
// (a weight row is 8 bytes), 16-row segments; Q-bar unused unless asked.
const char* kMacro =
    "macro: {rows: 64, weight_columns: 8, segment_rows: 16, complementary: false, dual_broadcast: false, "
    "dw_mapping: diagonal, input_bus_bits: 128, buffer_vectors: 4, macros: 2}\n";

// Pointwise layers all reading the 16-channel input: a layer of C outputs has
// C / 8 tiles of 16 rows (128 bytes, 1024 bits each).
std::string network(const std::vector<std::pair<std::string, int>>& layers, int hw = 2) {
    std::string y = fmt::format("network:\n  name: hand\n  input: {{channels: 16, height: {0}, width: {0}}}\n  layers:\n", hw);
    for (const auto& [name, out] : layers)
        y += fmt::format("    - {{name: {}, kind: pointwise, input: input, out_channels: {}}}\n", name, out);
    return y;
}

// a (16 -> 8, one tile of 16 rows) then b (8 -> 8, one tile of 8 rows) on one pixel, on the hand macro with a
// memory of 8 bytes per cycle and latency 2: the Pipeline and PowerGating cases.
std::string two_layers() {
    return std::string(kMacro) +
           "memory: {bytes_per_cycle: 8, latency: 2}\n"
           "network:\n  name: two\n  input: {channels: 16, height: 1, width: 1}\n  layers:\n"
           "    - {name: a, kind: pointwise, out_channels: 8}\n"
           "    - {name: b, kind: pointwise, out_channels: 8}\n";
}

struct Built {
    ConfigFile cfg;
    Network net;
};

Built build(const std::string& yaml) {
    Built b{test::parse_config_text(yaml), {}};
    b.net = build_network(b.cfg);
    return b;
}

host::SystemPlan plan_of(const Built& b, const std::string& residency, int macros) {
    MacroParams m = b.cfg.macro;
    m.macros = macros;
    host::SystemOptions o = host::system_options(b.cfg);
    o.system.residency = residency;
    return host::plan_system(b.net, m, o);
}

const host::LayerPlacement& layer(const host::SystemPlan& p, const Built& b, const std::string& name) {
    for (size_t i = 0; i < b.net.desc.layers.size(); ++i)
        if (b.net.desc.layers[i].name == name) return p.placement.layers[i];
    throw std::runtime_error("no layer " + name);
}

}  // namespace

// ---- placement ----

TEST(Placement, ANetworkThatFitsExactly) {
    // a: 5 tiles (80 rows), b: 3 tiles (48 rows): 128 rows on two 64-row macros.
    Built b = build(std::string(kMacro) + network({{"a", 40}, {"b", 24}}));
    host::SystemPlan p = plan_of(b, "static", 2);
    EXPECT_TRUE(p.placement.fully_resident());
    EXPECT_TRUE(p.placement.stream_macros.empty());
    EXPECT_EQ(p.resident_macros_needed, 2);
    // Most free rows first: a's tiles alternate (m0 48 rows, m1 32), then b fills m1, m0, m1.
    std::vector<std::pair<int, int>> a, bb;
    for (auto s : layer(p, b, "a").slots) a.emplace_back(s.macro, s.row_base);
    for (auto s : layer(p, b, "b").slots) bb.emplace_back(s.macro, s.row_base);
    EXPECT_EQ(a, (std::vector<std::pair<int, int>>{{0, 0}, {1, 0}, {0, 16}, {1, 16}, {0, 32}}));
    EXPECT_EQ(bb, (std::vector<std::pair<int, int>>{{1, 32}, {0, 48}, {1, 48}}));
    // Nothing crosses the memory per image once placed: the placement loads are all of it.
    host::SimResult r = host::run_fast(b.net, p.macro, p.options);
    EXPECT_EQ(r.stream_bits_per_image, 0u);
    EXPECT_EQ(r.placement_bits, 8u * 1024);
}

TEST(Placement, ANetworkThatMissesByOneTileStreamsTheLeastTrafficLayerThatLeavesRoom) {
    // c (1 tile) makes 144 rows for 128. Packed by traffic, each tile on the first macro with
    // room: a fills macro 0 (4 tiles) and puts one on macro 1, b fills macro 1, and c finds no
    // room. Nothing is then free to stream c through, so the resident layer with the least
    // traffic, b (3072 bits per image), is given up: a and c (on macro 1, rows 16..31) leave
    // macro 1's rows 32..63, and b streams through them.
    Built b = build(std::string(kMacro) + network({{"a", 40}, {"b", 24}, {"c", 8}}));
    host::SystemPlan p = plan_of(b, "static", 2);
    EXPECT_TRUE(layer(p, b, "a").resident);
    EXPECT_FALSE(layer(p, b, "b").resident);
    EXPECT_TRUE(layer(p, b, "c").resident);
    EXPECT_EQ(p.placement.stream_macros, (std::vector<int>{1}));
    EXPECT_EQ(p.placement.stream_base, (std::vector<int>{32}));
    std::vector<std::pair<int, int>> c;
    for (auto s : layer(p, b, "c").slots) c.emplace_back(s.macro, s.row_base);
    EXPECT_EQ(c, (std::vector<std::pair<int, int>>{{1, 16}}));
    EXPECT_EQ(p.resident_macros_needed, 3);
    host::SimResult r = host::run_fast(b.net, p.macro, p.options);
    EXPECT_EQ(r.stream_bits_per_image, 3u * 1024);  // b's three tiles, once each
    EXPECT_EQ(r.placement_bits, 6u * 1024);         // a's five and c's one
}

TEST(Placement, DdcHoldsAFullyPairedNetworkOnHalfTheMacros) {
    // Paired, 32 filters take 16 columns: 2 tiles of 16 rows for DDC, 4 for the baseline.
    const std::string yaml = std::string(kMacro) + "fcc: {pairs: auto}\n" +
                             network({{"a", 32}, {"b", 32}, {"c", 32}, {"d", 32}});
    Built b = build(yaml);
    MacroParams ddc = b.cfg.macro;
    ddc.complementary = true;
    ddc.macros = 1;
    const host::SystemOptions o = host::system_options(b.cfg);
    host::SystemPlan d = host::plan_system(b.net, ddc, o), base = host::plan_system(b.net, ddc.as_baseline(), o);
    EXPECT_EQ(d.resident_macros_needed, 2);  // 8 tiles x 16 rows
    EXPECT_EQ(base.resident_macros_needed, 4);
    for (size_t i = 0; i < b.net.desc.layers.size(); ++i) {
        EXPECT_EQ(d.placement.layers[i].tiles.size(), 2u);
        EXPECT_EQ(base.placement.layers[i].tiles.size(), 4u);
    }
}

// ---- the off-chip weight memory, through its socket ----

namespace {

// Two initiators reading at chosen edges; records when each read returned.
struct MemoryBench : sc_core::sc_module {
    sc_core::sc_clock clock;
    memory::WeightMemory memory;
    tlm_utils::simple_initiator_socket<MemoryBench> socket;
    std::vector<std::tuple<int, uint64_t, unsigned>> reads;  // macro, edge, bytes
    std::vector<uint64_t> returned;
    MemoryBench(sc_core::sc_module_name n, MemoryParams p, std::vector<std::tuple<int, uint64_t, unsigned>> r)
        : sc_module(n), clock("clock", sc_core::sc_time(10, sc_core::SC_NS)), memory("memory", p, clock.period()),
          socket("socket"), reads(std::move(r)), returned(reads.size(), 0) {
        memory.clk(clock);
        socket.bind(memory.socket);
        std::vector<uint8_t> fill(4096);
        for (size_t i = 0; i < fill.size(); ++i) fill[i] = uint8_t(i * 7);
        tlm::tlm_generic_payload t;
        t.set_command(tlm::TLM_WRITE_COMMAND);
        t.set_address(0);
        t.set_data_ptr(fill.data());
        t.set_data_length(unsigned(fill.size()));
        socket->transport_dbg(t);
        for (size_t i = 0; i < reads.size(); ++i)
            sc_core::sc_spawn([this, i] { read(i); }, fmt::format("reader_{}", i).c_str());
    }
    void read(size_t i) {
        auto [macro, edge, bytes] = reads[i];
        if (edge) sc_core::wait(clock.period() * double(edge));
        std::vector<uint8_t> data(bytes);
        tlm::tlm_generic_payload t;
        t.set_command(tlm::TLM_READ_COMMAND);
        t.set_address(64);
        t.set_data_ptr(data.data());
        t.set_data_length(bytes);
        t.set_streaming_width(bytes);
        memory::Requester who(macro);
        t.set_extension(&who);
        sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
        socket->b_transport(t, delay);
        t.clear_extension(&who);
        returned[i] = uint64_t(sc_core::sc_time_stamp() / clock.period() + 0.5);
        if (t.get_response_status() != tlm::TLM_OK_RESPONSE || data[0] != uint8_t(64 * 7)) returned[i] = ~0ULL;
    }
};

std::string run_memory(MemoryParams p, std::vector<std::tuple<int, uint64_t, unsigned>> reads,
                       std::vector<uint64_t> expect) {
    MemoryBench bench("bench", p, std::move(reads));
    sc_core::sc_start(sc_core::sc_time(10, sc_core::SC_US));
    std::string out;
    for (size_t i = 0; i < expect.size(); ++i)
        if (bench.returned[i] != expect[i])
            out += fmt::format("read {}: back at edge {}, expected {}\n", i, bench.returned[i], expect[i]);
    return out;
}

}  // namespace

TEST(WeightMemory, TwoMacrosLoadingAtOnceShareTheBandwidth) {
    // 128 bytes at 16 per cycle: 8 edges of channel each, plus 5 of latency. Both ask at edge 0: the
    // lower macro is served first (back at 13), the other when the channel frees (8 + 5 + 8 = 21).
    EXPECT_EQ(test::run_in_child([] { return run_memory({16, 5}, {{1, 0, 128}, {0, 0, 128}}, {21, 13}); }), "");
    // Alone, each would be back at 13.
    EXPECT_EQ(test::run_in_child([] { return run_memory({16, 5}, {{1, 0, 128}}, {13}); }), "");
    // The older request wins over the lower macro.
    EXPECT_EQ(test::run_in_child([] { return run_memory({16, 0}, {{0, 3, 32}, {1, 1, 32}}, {5, 3}); }), "");
}

TEST(WeightMemory, HalvingTheBandwidthDoublesTheTransfer) {
    EXPECT_EQ(test::run_in_child([] { return run_memory({64, 0}, {{0, 0, 512}}, {8}); }), "");
    EXPECT_EQ(test::run_in_child([] { return run_memory({32, 0}, {{0, 0, 512}}, {16}); }), "");
}

// ---- traffic ----

TEST(Traffic, OffChipBitsPerImageAreTheTilesStreamed) {
    // Streamed on one macro: a's 5 tiles and b's 3, each 16 rows of 8 bytes, once per image.
    Built b = build(std::string(kMacro) + network({{"a", 40}, {"b", 24}}));
    host::SystemOptions o = host::system_options(b.cfg, 3);
    MacroParams m = b.cfg.macro;
    m.macros = 1;
    host::SimResult r = host::run_fast(b.net, m, o);
    EXPECT_EQ(r.stream_bits_per_image, 8u * 16 * 8 * 8);
    EXPECT_EQ(r.offchip_bits, 3 * r.stream_bits_per_image);
    EXPECT_EQ(r.placement_bits, 0u);
}

TEST(Traffic, HalvingTheMemoryBandwidthDoublesALoadBoundLayersLoadTime) {
    // One 64-row tile (512 bytes) and one MVM: the layer waits mostly for its weights.
    const std::string yaml = std::string(kMacro) +
                             "memory: {latency: 0}\n"
                             "network:\n  name: one\n  input: {channels: 64, height: 1, width: 1}\n  layers:\n"
                             "    - {name: fc, kind: fc, out_features: 8}\n";
    Built b = build(yaml);
    MacroParams m = b.cfg.macro;
    m.macros = 1;
    host::SystemOptions o = host::system_options(b.cfg);
    o.memory.bytes_per_cycle = 64;
    const uint64_t fast = host::run_fast(b.net, m, o).layers[0].macro_cycles;
    o.memory.bytes_per_cycle = 32;
    const uint64_t slow = host::run_fast(b.net, m, o).layers[0].macro_cycles;
    // 512 / 64 = 8 edges of transfer become 16: the layer takes exactly 8 more.
    EXPECT_EQ(slow - fast, 8u);
    o.memory.bytes_per_cycle = 1;
    EXPECT_EQ(host::run_fast(b.net, m, o).layers[0].macro_cycles - fast, 512u - 8);
}

// ---- the pipeline ----

TEST(Pipeline, StaticPlacementOverlapsImagesAsWorkedOutByHand) {
    // a (16 -> 8, one tile of 16 rows) on macro 0 and b (8 -> 8, one tile of 8 rows) on macro 1,
    // one pixel: one MVM each. Memory 8 bytes per cycle, latency 2; links 256 bytes per cycle.
    Built b = build(two_layers());
    const int N = 4;
    host::SystemOptions o = host::system_options(b.cfg, N);
    o.system.residency = "static";
    const MacroParams& m = b.cfg.macro;
    host::SimResult r = host::run_fast(b.net, m, o);
    ASSERT_EQ(r.resident_layers, 2);
    ASSERT_EQ(r.layers[0].placed_on, "0");
    ASSERT_EQ(r.layers[1].placed_on, "1");

    // By hand (docs/host.md, "The system"), in edges. A command written before an edge's
    // processes is taken at that edge; after a done (seen after them), at the next.
    using host::load_cost;
    using host::run_cost;
    const host::TileShape ta{macro::Mode::Pointwise, 16, 1}, tb{macro::Mode::Pointwise, 8, 1};
    // Placement: both ask at edge 0; a (128 bytes, 16 edges) first, b (64 bytes, 8) at 16.
    const uint64_t a_loaded = (0 + 2 + 16) + load_cost(m, 16).busy - 1;   // done, seen after the edge
    const uint64_t b_loaded = (16 + 2 + 8) + load_cost(m, 8).busy - 1;
    // A run: its input over the link (1 edge), the command, its result back (1 edge).
    const uint64_t run_a = run_cost(m, ta, 1).busy, run_b = run_cost(m, tb, 1).busy;
    const uint64_t host_a = 1, host_b = 1;  // 8 outputs at 16 per cycle
    // Each macro goes on from an edge t (its last load's done, or its last result back): the input
    // takes the link at t + 1 ... so the run command is taken at t + 1, done at t + run, and its
    // result is back at t + run + 1.
    uint64_t m0 = a_loaded, m1 = b_loaded, end = 0, first = 0;
    std::vector<std::pair<uint64_t, uint64_t>> host_tasks;
    for (int i = 0; i < N; ++i) {
        // a: every image's input is there from the start.
        const uint64_t a_back = m0 + run_a + 1;
        m0 = a_back;
        const uint64_t a_end = a_back + host_a;  // the host is free then (checked below)
        // b waits for a's output and for macro 1.
        const uint64_t b_back = std::max(a_end, m1) + run_b + 1;
        m1 = b_back;
        const uint64_t b_end = b_back + host_b;
        host_tasks.push_back({a_back, a_end});
        host_tasks.push_back({b_back, b_end});
        end = b_end;
        if (i == 0) first = b_end;
    }
    // The host never had two tasks at once here, so none waited for it.
    std::sort(host_tasks.begin(), host_tasks.end());
    for (size_t k = 1; k < host_tasks.size(); ++k) ASSERT_LE(host_tasks[k - 1].second, host_tasks[k].first);
    EXPECT_EQ(r.first_image_cycles, first);
    EXPECT_EQ(r.total_cycles, end);
    // Overlapped: less than N first images one after the other.
    EXPECT_LT(r.total_cycles, uint64_t(N) * r.first_image_cycles);
    // Stream residency rewrites both layers for every image: slower than the pipeline.
    o.system.residency = "stream";
    EXPECT_GT(host::run_fast(b.net, m, o).total_cycles, r.total_cycles);
}

// ---- the command line ----

namespace {
std::string sim() { return std::string(DDCPIM_BIN_DIR) + "/ddcpim_sim --config " + test::source_path("configs/tiny_residual.yaml"); }
}  // namespace

TEST(SystemCli, StreamAndStaticGiveTheSameOutputsForEveryImageVerified) {
    test::TempDir d;
    std::string out;
    for (const char* mode : {"", " --baseline"})
        for (const char* residency : {"stream", "static"}) {
            const std::string json = d.file(std::string(residency) + (*mode ? "_base" : "") + ".json");
            ASSERT_EQ(test::run_command(sim() + mode + " --images 3 --verify --set macro.macros=3 --set system.residency=" +
                                            residency + " --json " + json + " -q",
                                        &out),
                      0)
                << out;
        }
    auto outputs = [&](const std::string& f) {
        std::ifstream in(d.file(f));
        nlohmann::json j = nlohmann::json::parse(in);
        EXPECT_EQ(j["verified"], true) << f;
        EXPECT_EQ(j["run"]["images"], 3) << f;
        return j["image_outputs"];
    };
    const nlohmann::json stream = outputs("stream.json"), fixed = outputs("static.json");
    ASSERT_EQ(stream.size(), 3u);
    EXPECT_EQ(stream, fixed);
    EXPECT_EQ(outputs("stream_base.json"), stream);
    EXPECT_EQ(outputs("static_base.json"), stream);
    EXPECT_NE(stream[0], stream[1]);  // distinct images
}

TEST(SystemCli, BadSystemInputIsAClearErrorWithStatus2) {
    std::string out;
    const std::pair<std::string, std::string> cases[] = {
        {" --set memory.bandwidth=8", "memory.bandwidth"},
        {" --set system.residence=static", "system.residence"},
        {" --set memory.bytes_per_cycle=0", "memory.bytes_per_cycle"},
        {" --set system.link_bytes_per_cycle=0", "system.link_bytes_per_cycle"},
        {" --images 0", "--images"},
        {" --set system.residency=static --set system.select_bits=4 --set macro.macros=17", "select_bits"},
    };
    for (const auto& [args, named] : cases) {
        EXPECT_EQ(test::run_command(sim() + args, &out), 2) << args << "\n" << out;
        EXPECT_NE(out.find(named), std::string::npos) << args << "\n" << out;
    }
}

// ---- system.placement: throughput (issue 22) ----

// On both shipped networks, DDC and the baseline, M = 1 to 2,048: static placement never gives fewer
// images/s than streaming on the same macros, and neither falls as M doubles. (A ctest entry of its
// own, label long: minutes under the sanitizers.)
TEST(ThroughputPlacement, StaticNeverLosesToStreamingAndMoreMacrosNeverSlowARunDown) {
    for (const char* config : {"configs/mobilenetv2.yaml", "configs/efficientnet_b0.yaml"}) {
        ConfigFile cfg = load_config(test::source_path(config));
        const Network net = build_network(cfg);
        for (bool baseline : {false, true}) {
            double previous_static = 0, previous_stream = 0;
            for (int M = 1; M <= 2048; M *= 2) {
                MacroParams m = baseline ? cfg.macro.as_baseline() : cfg.macro;
                m.macros = M;
                host::SystemOptions o = host::system_options(cfg, 2);
                o.system.residency = "stream";
                const double stream = host::run_fast(net, m, o).images_per_second();
                o.system.residency = "static";
                const double fixed = host::run_fast(net, m, o).images_per_second();
                const std::string at = fmt::format("{} {} M={}", config, baseline ? "baseline" : "ddc", M);
                EXPECT_GE(fixed, stream) << at;
                EXPECT_GE(stream, previous_stream) << at;
                EXPECT_GE(fixed, previous_static) << at;
                previous_static = fixed, previous_stream = stream;
            }
        }
    }
}

TEST(ThroughputPlacement, StaticNeverSpendsMoreEnergyPerImagePastTheKneeWhenGated) {
    // Power-gated, at every M (powers of two up to 2,048) that holds every tile resident, energy per image
    // is below that of the largest M that does not (which streams weights for every image): with 2 and 8
    // images; with one, where the resident plan has nothing to amortise its first writes over and the
    // chooser may stream, never above it. The macros wake for their first tile's read, not at edge 0, so
    // the ones whose tiles come last do not leak while the memory serves the others.
    const cost::Technology t = cost::load_technology(test::source_path("configs/tech/28nm.yaml"));
    for (const char* config : {"configs/mobilenetv2.yaml", "configs/efficientnet_b0.yaml"}) {
        ConfigFile cfg = load_config(test::source_path(config));
        const Network net = build_network(cfg);
        for (bool baseline : {false, true})
            for (int images : {1, 2, 8}) {
                MacroParams m = baseline ? cfg.macro.as_baseline() : cfg.macro;
                host::SystemOptions o = host::system_options(cfg, images);
                o.system.residency = "static";
                o.system.power_gating = true;
                o.wake_cycles = uint64_t(std::ceil(t.wake_ns * m.clock_mhz / 1000.0));
                auto energy_per_image = [&](int M) {
                    m.macros = M;
                    host::SimResult r = host::run_fast(net, m, o);
                    host::apply_costs(r, t);
                    return std::pair{r.energy_per_image_uj(), r.resident_macros_needed};
                };
                const int knee = energy_per_image(1).second;
                int below = 1;
                while (below * 2 < knee) below *= 2;
                ASSERT_LE(below * 2, 2048) << config << ": the knee is past 2,048 macros";
                const double streamed = energy_per_image(below).first;
                for (int M = below * 2; M <= 2048; M *= 2) {
                    const double e = energy_per_image(M).first;
                    const std::string at = fmt::format("{} {} {} image(s) M={} (knee {}): {} uJ against {} at M={}",
                                                       config, baseline ? "baseline" : "ddc", images, M, knee, e,
                                                       streamed, below);
                    if (images == 1) EXPECT_LE(e, streamed * (1 + 1e-12)) << at;
                    else EXPECT_LT(e, streamed) << at;
                }
            }
    }
}

TEST(ThroughputPlacement, CandidatesKnownFromEarlierRunsChooseAsAFreshNetworkDoes) {
    // choose_plan keeps what it learnt of each candidate (per network and every parameter but the macros),
    // and the fast engine the loads' flips per plan: a run after runs on other macro counts, which tried the
    // same smaller candidates, gives what a copy of the network that never ran gives.
    const ConfigFile cfg = load_config(test::source_path("configs/tiny_residual.yaml"));
    const Network warm = build_network(cfg);
    for (const char* residency : {"static", "stream"})
        for (int images : {1, 3}) {
            host::SystemOptions o = host::system_options(cfg, images);
            o.system.residency = residency;
            for (int M : {1, 2, 4, 8, 16, 2, 8}) {
                MacroParams m = cfg.macro;
                m.macros = M;
                const Network cold = build_network(cfg);
                const host::SimResult a = host::run_fast(warm, m, o), b = host::run_fast(cold, m, o);
                const std::string at = fmt::format("{} residency, {} images, M={}", residency, images, M);
                EXPECT_EQ(a.placement_choice, b.placement_choice) << at;
                EXPECT_EQ(a.total_cycles, b.total_cycles) << at;
                EXPECT_EQ(a.image_done, b.image_done) << at;
                EXPECT_EQ(a.macro_busy_cycles, b.macro_busy_cycles) << at;
                for (size_t l = 0; l < a.layers.size(); ++l) {
                    EXPECT_EQ(a.layers[l].cycles, b.layers[l].cycles) << at << " " << a.layers[l].name;
                    EXPECT_EQ(a.layers[l].events.write_toggles, b.layers[l].events.write_toggles) << at;
                    EXPECT_EQ(a.layers[l].events.offchip_bits, b.layers[l].events.offchip_bits) << at;
                }
            }
        }
}

TEST(ThroughputPlacement, TakesTheCandidateWhoseRunEndsFirstAndTrafficKeepsTheRule) {
    // Five layers of 3 tiles on 8 macros, two images: every candidate is replayed, the chosen one's run is the
    // shortest of them, and placement: traffic is the residency's rule on all 8 macros.
    Built b = build(std::string(kMacro) + network({{"a", 24}, {"b", 24}, {"c", 24}, {"d", 24}, {"e", 24}}, 8));
    MacroParams m = b.cfg.macro;
    m.macros = 8;
    host::SystemOptions o = host::system_options(b.cfg, 2);
    o.system.residency = "static";
    o.system.placement = "traffic";
    const host::SimResult rule = host::run_fast(b.net, m, o);
    EXPECT_EQ(rule.placement_choice, "");
    o.system.placement = "throughput";
    const host::SimResult best = host::run_fast(b.net, m, o);
    EXPECT_NE(best.placement_choice, "");
    EXPECT_LE(best.total_cycles, rule.total_cycles);
    // Every candidate, run on its own (the rule on the first M' macros, or every layer streamed there),
    // takes at least as long as the chosen plan.
    for (int size : {1, 2, 4, 8})
        for (const char* residency : {"static", "stream"}) {
            MacroParams k = m;
            k.macros = size;
            host::SystemOptions c = o;
            c.system.residency = residency;
            c.system.placement = "traffic";
            EXPECT_GE(host::run_fast(b.net, k, c).total_cycles, best.total_cycles) << residency << " on " << size;
        }
}

TEST(Replication, AOneTileLayerOnFourMacrosRunsAQuarterOfItsMvmsEachAfterTheExtraLoads) {
    // One layer a (16 -> 8: one tile of 16 rows, 128 bytes) on an 8 x 8 input: 64 MVMs. Four 64-row macros,
    // static, one image. Replication copies the tile onto macros 1, 2 and 3 (then every macro holds it) and
    // each copy runs 16 MVMs: four runs of 4 (buffer_vectors). Memory 64 bytes per cycle, latency 20; links
    // 256 bytes per cycle: one edge per vector each way.
    Built b = build(std::string(kMacro) + network({{"a", 8}}, 8));
    MacroParams m = b.cfg.macro;
    m.macros = 4;
    host::SystemOptions o = host::system_options(b.cfg, 1);
    o.system.residency = "static";
    const host::SimResult r = host::run_fast(b.net, m, o);
    ASSERT_EQ(r.layers[0].tile_copies, 3);
    EXPECT_EQ(r.layers[0].placed_on, "0-3");
    EXPECT_EQ(r.placement_choice, "static placement, 3 tile copies (replicated) on 4 of 4 macros");
    EXPECT_EQ(r.placement_bits, 4u * 128 * 8);  // every copy is written once
    EXPECT_EQ(r.layers[0].mvms, 64);

    // By hand (as Pipeline above): the four loads ask at edge 0 and are granted in macro order, two beats
    // each; copy q's tile is loaded at 2q + 20 + 2 + L - 1. A run of 4 from edge t: 4 edges of input, the
    // command, 4 edges of results: back at t + R4 + 7. The host then takes 8 x 8 x 8 / 16 = 32 edges.
    const host::TileShape tile{macro::Mode::Pointwise, 16, 64};
    const uint64_t L = host::load_cost(m, 16).busy, R4 = host::run_cost(m, tile, 4).busy, host_edges = 32;
    auto loaded = [&](uint64_t q) { return 2 * q + 20 + 2 + L - 1; };
    const uint64_t replicated_end = loaded(3) + 4 * (R4 + 7) + host_edges;
    EXPECT_EQ(r.total_cycles, replicated_end);
    // The rule alone keeps one copy: 16 runs after one load. A quarter of the MVM time, 6 edges of
    // extra loads.
    o.system.placement = "traffic";
    const host::SimResult one = host::run_fast(b.net, m, o);
    EXPECT_EQ(one.layers[0].tile_copies, 0);
    EXPECT_EQ(one.total_cycles, loaded(0) + 16 * (R4 + 7) + host_edges);
    EXPECT_EQ(one.total_cycles - replicated_end, 12 * (R4 + 7) - 6);
}

TEST(Prefetch, TheNextLayersTileLoadsWhileTheHostFinishesThePreviousOne) {
    // a (16 -> 8, one tile of 16 rows, 128 bytes), relu6, b (8 -> 8, one tile of 8 rows, 64 bytes) on a 4 x 4
    // input (16 MVMs each, four runs of 4), one macro, streamed. Memory 8 bytes per cycle, latency 2.
    const std::string yaml =
        std::string(kMacro) +
        "memory: {bytes_per_cycle: 8, latency: 2}\n"
        "network:\n  name: two\n  input: {channels: 16, height: 4, width: 4}\n  layers:\n"
        "    - {name: a, kind: pointwise, out_channels: 8}\n"
        "    - {name: a_act, kind: relu6}\n"
        "    - {name: b, kind: pointwise, out_channels: 8}\n";
    Built b = build(yaml);
    MacroParams m = b.cfg.macro;
    m.macros = 1;
    host::SystemOptions o = host::system_options(b.cfg, 1);
    o.system.prefetch = false;
    const host::SimResult plain = host::run_fast(b.net, m, o);
    o.system.prefetch = true;
    const host::SimResult early = host::run_fast(b.net, m, o);

    // By hand (as Pipeline and Replication above). a's tile: granted at 0, 16 beats, data at 18; a run of
    // 4 from edge t is back at t + R4 + 7. The host then takes 8 edges for a (16 x 8 values at 16 per
    // edge) and 8 for the relu6: b's input is ready 16 edges after a's last result.
    const host::TileShape ta{macro::Mode::Pointwise, 16, 16}, tb{macro::Mode::Pointwise, 8, 16};
    const uint64_t La = host::load_cost(m, 16).busy, Lb = host::load_cost(m, 8).busy;
    const uint64_t a_back = 18 + La - 1 + 4 * (host::run_cost(m, ta, 4).busy + 7);
    const uint64_t b_ready = a_back + 16, b_runs = 4 * (host::run_cost(m, tb, 4).busy + 7), host_b = 8;
    // Without prefetch b's tile is asked for when its input is ready: 8 beats, latency 2, then the load.
    EXPECT_EQ(plain.total_cycles, b_ready + 10 + Lb - 1 + b_runs + host_b);
    // With it, as soon as the macro is free (a's last result back); the runs wait for the input.
    const uint64_t b_loaded = a_back + 10 + Lb - 1;
    EXPECT_EQ(early.total_cycles, std::max(b_loaded, b_ready) + b_runs + host_b);
    EXPECT_EQ(plain.total_cycles - early.total_cycles, 16u);  // the host's 16 edges, hidden
    // The same reads, the same events: only the time moves.
    EXPECT_EQ(early.offchip_bits, plain.offchip_bits);
    EXPECT_EQ(early.layers[2].events.rows_written, plain.layers[2].events.rows_written);
}

// ---- system.power_gating (issue 22) ----

TEST(PowerGating, AnIdleMacroStopsLeakingAndTheBusyOneWakesOnce) {
    // One layer of one tile (16 rows) and one MVM on two macros with the traffic rule, streamed: macro 1 has
    // no work.
    // Gated, it is off throughout. Macro 0 is off until the memory grants its tile's read (edge 0) and wakes
    // (50 ns at 200 MHz: 10 edges) so as to be up when the data is there, the latency and the beats later: nothing
    // waits; it leaks from the wake-up's start to its last done and pays one wake-up. By hand from the
    // ungated run.
    Built b = build(std::string(kMacro) + network({{"a", 8}}, 1));
    MacroParams m = b.cfg.macro;
    m.macros = 2;
    host::SystemOptions o = host::system_options(b.cfg, 1);
    o.system.placement = "traffic";
    const cost::Technology t = cost::load_technology(test::source_path("configs/tech/28nm.yaml"));
    host::SimResult open = host::run_fast(b.net, m, o);
    ASSERT_EQ(open.macro_busy_cycles[1], 0u);
    o.system.power_gating = true;
    o.wake_cycles = uint64_t(std::ceil(t.wake_ns * m.clock_mhz / 1000.0));
    ASSERT_EQ(o.wake_cycles, 10u);
    const uint64_t data = uint64_t(o.memory.latency) + host::memory_beats(o.memory, host::tile_weight_bytes(m, 16));
    ASSERT_GT(data, 10u);
    host::SimResult gated = host::run_fast(b.net, m, o);
    EXPECT_EQ(gated.total_cycles, open.total_cycles);  // the wake-up hides behind the read
    EXPECT_EQ(gated.macro_on_cycles[0], open.macro_on_cycles[0] - (data - 10));
    EXPECT_EQ(gated.macro_on_cycles[1], 0u);
    EXPECT_EQ(gated.macros_woken(), 1);
    // A wake-up longer than the read delays the load: the macro is on from the grant.
    o.wake_cycles = 100;
    const host::SimResult slow = host::run_fast(b.net, m, o);
    EXPECT_EQ(slow.total_cycles, open.total_cycles + (100 - data));
    EXPECT_EQ(slow.macro_on_cycles[0], open.macro_on_cycles[0] + (100 - data));
    o.wake_cycles = 10;
    host::apply_costs(open, t);
    host::apply_costs(gated, t);
    auto part = [](const cost::Breakdown& b, const std::string& name) { return test::component(b, name); };
    const double mm2 = open.area_mm2() / 2;  // one macro
    // mW/mm^2 x mm^2 x cycles / MHz = nJ; x 1000 = pJ.
    EXPECT_NEAR(part(open.energy_pj, "leakage"), t.leakage_mw_per_mm2 * 2 * mm2 * open.total_cycles / m.clock_mhz * 1000, 1e-6);
    EXPECT_NEAR(part(gated.energy_pj, "leakage"),
                t.leakage_mw_per_mm2 * mm2 * double(gated.macro_on_cycles[0]) / m.clock_mhz * 1000, 1e-6);
    EXPECT_NEAR(part(gated.energy_pj, "power-gating wake-ups"), t.wake_pj_per_mm2 * mm2, 1e-9);
    EXPECT_LT(part(gated.energy_pj, "leakage"), part(open.energy_pj, "leakage") * 0.6);
    // Everything else is the same events.
    EXPECT_DOUBLE_EQ(part(gated.energy_pj, "adder trees"), part(open.energy_pj, "adder trees"));
}

TEST(PowerGating, AMacroWaitingLongerThanItsWakeUpSleepsInRetentionAndWakesAgain) {
    // The two layers of Pipeline above (a on macro 0, b on macro 1, one image), gated, 10 edges to wake.
    // Both start off and ask for their tiles at 0: a's read granted at 0 (16 beats, data at 18: macro 0
    // wakes from 8), b's at 16 (8 beats, data at 26: macro 1 wakes from 16). Macro 1 then waits for a's
    // output, longer than its wake-up: it sleeps until the input is ready and wakes again, 10 edges,
    // before b's run. By hand, in edges:
    Built b = build(two_layers());
    const MacroParams& m = b.cfg.macro;
    host::SystemOptions o = host::system_options(b.cfg, 1);
    o.system.residency = "static";
    o.system.placement = "traffic";
    o.system.power_gating = true;
    o.wake_cycles = 10;
    const host::SimResult r = host::run_fast(b.net, m, o);
    const host::TileShape ta{macro::Mode::Pointwise, 16, 1}, tb{macro::Mode::Pointwise, 8, 1};
    const uint64_t La = host::load_cost(m, 16).busy, Lb = host::load_cost(m, 8).busy;
    const uint64_t run_a = host::run_cost(m, ta, 1).busy, run_b = host::run_cost(m, tb, 1).busy;
    const uint64_t a_loaded = 0 + 2 + 16 + La - 1, b_loaded = 16 + 2 + 8 + Lb - 1;
    const uint64_t a_done = a_loaded + 1 + run_a - 1, a_end = a_done + 1 + 1;  // result back, host task of 1
    ASSERT_GT(a_end, b_loaded + 10);  // macro 1 idles longer than its wake-up
    const uint64_t b_done = a_end + 10 + run_b, end = b_done + 1 + 1;
    EXPECT_EQ(r.total_cycles, end);
    EXPECT_EQ(r.macro_gap_wakes, (std::vector<uint64_t>{0, 1}));
    EXPECT_EQ(r.macro_sleep_cycles, (std::vector<uint64_t>{0, a_end - (b_loaded + 10)}));
    EXPECT_EQ(r.macro_on_cycles, (std::vector<uint64_t>{a_done + 1 - 8, b_done + 1 - (a_end - (b_loaded + 10)) - 16}));
    // Energy: leakage over the edges on, and asleep (macro 1 holds b) its array cells' at the retention
    // fraction; three wake-ups.
    cost::Technology t = cost::load_technology(test::source_path("configs/tech/28nm.yaml"));
    ASSERT_LT(t.retention_leakage, 1.0);
    host::SimResult priced = r;
    host::apply_costs(priced, t);
    const double mm2 = priced.area_mm2() / 2;
    const double array_mm2 = test::component(priced.area_um2, "array cells") / 1e6;
    ASSERT_LT(array_mm2, mm2 / 4);  // the array is a small part of the macro: its periphery is off asleep
    const double leak_mm2_edges = mm2 * double(r.macro_on_cycles[0] + r.macro_on_cycles[1]) +
                                  t.retention_leakage * array_mm2 * double(r.macro_sleep_cycles[1]);
    EXPECT_NEAR(test::component(priced.energy_pj, "leakage"),
                t.leakage_mw_per_mm2 * leak_mm2_edges / m.clock_mhz * 1000, 1e-6);
    EXPECT_NEAR(test::component(priced.energy_pj, "power-gating wake-ups"), 3 * t.wake_pj_per_mm2 * mm2, 1e-9);
    // A wait no longer than the wake-up is not worth a sleep: with 1,000 edges to wake, nobody sleeps.
    o.wake_cycles = 1000;
    EXPECT_EQ(host::run_fast(b.net, m, o).gap_wakes(), 0u);
}

TEST(PowerGating, NeedsATechnologyFileThatSaysHowToWake) {
    Built b = build(std::string(kMacro) + "system: {power_gating: true}\ntechnology: none\n" + network({{"a", 8}}));
    try {
        host::system_options(b.cfg, 1);
        ADD_FAILURE() << "no error";
    } catch (const UserError& e) {
        EXPECT_NE(std::string(e.what()).find("system.power_gating"), std::string::npos) << e.what();
    }
}
