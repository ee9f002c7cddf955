// What a simulation of a network reports: per layer and in total.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ddcpim/config/macro_params.hpp"
#include "ddcpim/config/system_params.hpp"
#include "ddcpim/cost/macro_cost.hpp"
#include "ddcpim/ref/tensor.hpp"

namespace ddcpim::host {

struct LayerResult {
    std::string name;
    std::string kind;
    std::string shape;      // input -> output
    std::string mapping;    // im2col / toeplitz / diagonal / host
    int64_t macs = 0;
    int64_t mvms = 0;
    int tiles = 0;
    bool pairs_used = false;
    // Cycles: the layer's span on the clock (macro phase + host phase).
    uint64_t cycles = 0;
    uint64_t macro_cycles = 0;  // from the layer's first command to its last result
    uint64_t host_cycles = 0;   // host post-processing / element-wise work
    // Breakdown of macro activity, summed over macros.
    uint64_t compute = 0;       // cycles an input bit was driven
    uint64_t weight_load = 0;   // array write-port cycles
    uint64_t input_load = 0;    // cycles a run waited for its first input vector
    uint64_t stall = 0;         // cycles a run waited for a later input vector
    double utilization = 0;     // useful MACs / (MVMs x MAC slots of the array)
    std::string note;           // a mapping fallback and why, if any
    // The system (ARCHITECTURE section 8).
    bool resident = false;      // static placement keeps the layer's tiles
    std::string placed_on;      // the macros holding its tiles, e.g. "0-3,7" (resident layers)
    int tile_copies = 0;        // further copies of its tiles (replicated, docs/host.md section 8)
    uint64_t offchip_bits = 0;  // weight bits the layer reads from off-chip memory per image (streamed)
    cost::Events events;        // counted during the layer, summed over macros and images
    cost::Breakdown energy_pj;  // by component (when a technology file is loaded)
    double energy_uj() const { return cost::total(energy_pj) / 1e6; }
};

struct SimResult {
    std::string network;
    std::string mode;  // ddc | baseline
    std::string engine = "clocked";  // clocked (SystemC) | fast (closed forms, fast_engine.hpp)
    MacroParams macro;
    int host_ops_per_cycle = 0;
    // The system around the macros (ARCHITECTURE section 8; docs/host.md).
    MemoryParams memory;
    SystemParams system;
    std::string residency = "stream";
    std::string placement_choice;           // system.placement: throughput's pick (SystemPlan::choice)
    int images = 1;
    uint64_t first_image_cycles = 0;        // from the start to image 0's last layer done
    std::vector<uint64_t> image_done;       // per image: the edge its last layer was done
    uint64_t placement_bits = 0;            // resident tiles read from off-chip memory, once
    uint64_t stream_bits_per_image = 0;     // weight bits streamed from off-chip memory per image
    uint64_t offchip_bits = 0;              // all of the run: placement + streamed
    uint64_t link_bits = 0;                 // host-macro link traffic of the run
    std::vector<uint64_t> macro_busy_cycles;  // per macro: edges a command was in progress
    // system.power_gating: per macro, the edges it is powered (0 to its last command's done, with the
    // wake-ups, less the edges asleep; 0 for a macro without work). Without gating every macro is on for
    // the whole run. A macro idle longer than its wake-up while it waits for a layer's input sleeps:
    // macro_sleep_cycles are those edges, macro_gap_wakes the wake-ups after them; a macro holding
    // resident tiles sleeps in retention (macro_holds_weights: the technology's retention_leakage).
    bool power_gating = false;
    uint64_t wake_cycles = 0;
    std::vector<uint64_t> macro_on_cycles;
    std::vector<uint64_t> macro_sleep_cycles, macro_gap_wakes;
    std::vector<char> macro_holds_weights;
    uint64_t gap_wakes() const {
        uint64_t n = 0;
        for (uint64_t w : macro_gap_wakes) n += w;
        return n;
    }
    int macros_woken() const {
        int n = 0;
        for (uint64_t c : macro_on_cycles) n += c > 0;
        return n;
    }
    int resident_layers = 0, streamed_layers = 0;
    int stream_macros = 0;                  // macros with room for streamed tiles
    int resident_macros_needed = 0;         // fewest macros holding every tile resident
    // The busiest resource per image (host, a macro with its link, or the memory channel) and
    // its cycles: no stream of images can go faster than one per that many cycles.
    std::string bottleneck;
    uint64_t bottleneck_cycles = 0;
    double bound_images_per_second() const {
        return bottleneck_cycles ? macro.clock_mhz * 1e6 / double(bottleneck_cycles) : 0;
    }
    uint64_t total_cycles = 0;
    uint64_t macro_cycles = 0;
    uint64_t host_cycles = 0;
    int64_t macs = 0;
    std::vector<LayerResult> layers;
    bool verify_requested = false;
    bool verified = false;          // every layer matched the reference (when requested)
    std::string mismatch;           // the first mismatch, if any
    std::string error;              // a user's error met during the run (e.g. a dump file), if any
    Tensor output;                  // the network's output (image 0)
    std::vector<Tensor> image_outputs;  // every image's output (clocked engine)
    // Cost (docs/cost.md), when a technology file was found.
    std::string technology;         // its node, or empty
    cost::Breakdown area_um2;       // one macro, by component
    cost::Breakdown energy_pj;      // the whole run, by component
    cost::Capability capability;
    double area_mm2() const { return cost::total(area_um2) * macro.macros / 1e6; }
    double energy_uj() const { return cost::total(energy_pj) / 1e6; }
    double tops_per_mm2() const { return area_mm2() > 0 ? capability.peak_tops / area_mm2() : 0; }
    // On the network: 2 ops per MAC over the energy spent.
    double tops_per_w() const { return energy_uj() > 0 ? 2.0 * double(macs) * images / (energy_uj() * 1e6) : 0; }
    double weight_density() const { return area_mm2() > 0 ? capability.weight_capacity_kb / area_mm2() : 0; }
    // Over the cell array only: the same cells hold twice the weights with Q-bar.
    double array_weight_density() const {
        double cells = area_um2.empty() ? 0 : area_um2.front().second * macro.macros / 1e6;
        return cells > 0 ? capability.weight_capacity_kb / cells : 0;
    }
    double seconds = 0;             // wall time of the simulation

    double time_us() const { return total_cycles / macro.clock_mhz; }
    double first_image_us() const { return first_image_cycles / macro.clock_mhz; }
    // Measured: the images over the run's time, the pipeline's fill included (a
    // few images under-state the steady state, which bound_images_per_second gives).
    double images_per_second() const {
        return total_cycles ? double(images) * macro.clock_mhz * 1e6 / double(total_cycles) : 0;
    }
    double energy_per_image_uj() const { return images ? energy_uj() / images : 0; }
    double macro_busy_fraction(size_t m) const {
        return total_cycles ? double(macro_busy_cycles[m]) / double(total_cycles) : 0;
    }
    // Effective 8-bit TOPS: 2 ops per MAC (of every image) over the simulated time.
    double effective_tops() const { return total_cycles ? 2.0 * double(macs) * images / (time_us() * 1e6) : 0; }
};

}  // namespace ddcpim::host
