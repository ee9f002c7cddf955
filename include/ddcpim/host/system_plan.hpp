// The plan both engines carry out for a run of N images on the system of
// ARCHITECTURE section 8: the placement, which macro runs which units of
// every layer and in what order, and the cost of each step. The clocked host
// (host.cpp) executes it on the SystemC model, whose clock counts the cycles;
// the fast engine (fast_engine.cpp) replays it as a discrete-event schedule
// with the closed forms of docs/timing.md. tests/test_fast_engine.cpp holds
// the two equal.
//
// The rules (docs/host.md, "The system"), in edges of the clock:
//  - each macro serves a fixed queue: its resident tiles' loads (static), then
//    for every image in turn its units of every layer in network order;
//  - a layer's units on a macro start when the layer's input is ready (the
//    host has finished the producers for that image) and the macro is free;
//  - a streamed unit first reads its tile's rows from the off-chip memory (one
//    request at a time, oldest first, the lower macro on a tie: latency plus
//    bytes / bytes_per_cycle), then loads them; a run first sends its input
//    vectors over the macro's link and afterwards reads its results back;
//  - power-gated (system.power_gating), a macro with work is off until the memory grants the read of
//    its first tile (its first command is a load): it wakes from max(grant, data - wake) and takes the
//    load at max(data, grant + wake), data = grant + latency + beats; later, a macro free at edge f
//    whose next item's input is ready at r > f + wake sleeps from f + wake to r and takes its first
//    command at r + wake (asleep it keeps resident tiles in retention);
//  - the host does one task at a time (a MAC layer's partial sums and
//    requantisation once all its units are back, or an element-wise layer),
//    of those ready, the lowest image first (images go through in order),
//    then the lowest layer.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "ddcpim/config/system_params.hpp"
#include "ddcpim/host/mapping.hpp"
#include "ddcpim/host/placement.hpp"
#include "ddcpim/host/schedule.hpp"
#include "ddcpim/network/network.hpp"

namespace ddcpim::host {

struct SystemOptions {
    MemoryParams memory;
    SystemParams system;
    int ops_per_cycle = 16;  // host element-wise operations per cycle
    int images = 1;
    // The images' inputs, which the data-dependent events follow (activity.hpp). Null: image i is
    // ref::sample_input(network, input_seed + i), as ddcpim_sim makes them.
    std::shared_ptr<const std::vector<Tensor>> inputs;
    uint64_t input_seed = 0;
    // system.power_gating: edges a macro takes to wake (the technology's wake_ns at the clock); 0 without
    // gating.
    uint64_t wake_cycles = 0;
    // Copy the longest-running tiles onto spare macros (replication.hpp) when every tile is resident;
    // choose_plan sets it on the candidates it tries.
    bool replicate = false;
};

// One unit of work on one macro: MVMs [first, first + count) of a tile, its
// weights at rows [row_base, row_base + rows_used), loaded first when `load`.
struct WorkUnit {
    int layer = 0;
    int tile = 0;
    int first = 0, count = 0;
    int row_base = 0;
    bool load = false;
};

struct SystemPlan {
    MacroParams macro;
    SystemOptions options;
    std::vector<std::unique_ptr<LayerMapper>> mappers;      // per layer; null for host layers
    Placement placement;
    std::vector<std::vector<std::vector<WorkUnit>>> units;  // [layer][macro]: one image's units, in order
    std::vector<std::vector<WorkUnit>> placement_loads;     // [macro]: resident tiles, loaded once
    std::vector<uint64_t> host_ops;                         // per layer: the host's operations per image
    std::vector<std::vector<size_t>> consumers;             // per layer: the layers reading its output
    std::vector<int> parts;                                 // per MAC layer: macros with units
    int resident_macros_needed = 0;                         // macros_to_resident of this network
    std::string choice;  // which candidate system.placement: throughput took ("" for traffic)
};

// The plan of a run on M = macro.macros macros. system.placement: traffic is plan_system as asked.
// throughput (docs/host.md section 8) builds the candidates (the residency's rule on the first M'
// macros, M' = M and every power of two below, the others idle; with static residency the same with
// every layer streamed too; with static residency and every tile resident, that placement with its hot
// tiles replicated, replication.hpp), replays each with the fast engine's schedule and keeps the one whose run
// ends first (the first of those on a tie): static then never gives fewer images/s than streaming on
// the same macros, and images/s never falls as M doubles. Both engines carry out the plan it returns.
SystemPlan choose_plan(const Network& net, const MacroParams& macro, const SystemOptions& options);

SystemPlan plan_system(const Network& net, const MacroParams& macro, const SystemOptions& options);

// ---- Costs of the steps (shared by both engines) ----
uint64_t tile_weight_bytes(const MacroParams& m, int rows);               // rows x ceil(N * Bw / 8)
uint64_t memory_beats(const MemoryParams& mem, uint64_t bytes);           // ceil(bytes / bytes_per_cycle)
uint64_t link_cycles(const SystemParams& s, uint64_t bytes);              // one transaction
int input_lanes(const MacroParams& m, const TileShape& t);  // 2: depthwise, dual broadcast, a tile with pairs
uint64_t result_values(const MacroParams& m, macro::Mode mode);           // values read back per MVM
// A run of n MVMs: link cycles to send its inputs (one transaction per vector
// and lane, rows_used bytes) and to read its results (one per vector).
uint64_t run_input_link_cycles(const MacroParams& m, const SystemParams& s, const TileShape& t, int n);
uint64_t run_result_link_cycles(const MacroParams& m, const SystemParams& s, const TileShape& t, int n);
uint64_t host_cycles(uint64_t operations, int ops_per_cycle);
// A macro's busy edges for n MVMs of a tile: its run commands of at most buffer_vectors MVMs, each
// with its input and result transfers (no weight load).
uint64_t unit_busy(const MacroParams& m, const SystemParams& s, const TileShape& t, int n);
// A bound the run's cycles (its last host task's end) cannot be under, from the plan's closed forms: the
// first image's critical path, and each resource's work over the run. choose_plan skips the replay of a
// candidate whose bound is no shorter than the best run so far.
uint64_t cycles_lower_bound(const SystemPlan& plan, const Network& net);

}  // namespace ddcpim::host

namespace ddcpim::host {

// The options of a config's `memory:`, `system:` and `host:` sections;
// images > 0 overrides system.images.
SystemOptions system_options(const ConfigFile& cfg, int images = 0);

// When each layer of each image became ready and finished, in edges; what
// both engines record and the summary is computed from.
struct Timeline {
    std::vector<std::vector<uint64_t>> input_ready;  // [image][layer]: its input is ready
    std::vector<std::vector<uint64_t>> macros_done;  // [image][layer]: its last unit's results are back (MAC)
    std::vector<std::vector<uint64_t>> host_start;   // [image][layer]: the host started its task
    std::vector<std::vector<uint64_t>> host_end;     // [image][layer]: ... and finished it
    void resize(size_t images, size_t layers);
};

// The per-layer results that come from the plan alone: names, shapes,
// mapping, placement. Both engines start from this.
void describe_layers(const SystemPlan& plan, const Network& net, SimResult& r);
// The cycle figures from a timeline: per layer (image 0), first image, total.
void summarise_timeline(const SystemPlan& plan, const Timeline& t, SimResult& r);

}  // namespace ddcpim::host
