// The data-dependent events, counted without the clock (issue 21; docs/cost.md,
// docs/fast-engine.md). The clocked macro counts, where they happen, the ones
// its drivers put on each lane, the cell products that are 1 on each side (the
// ones entering the adder trees) and the array bits a write changes. The fast
// engine gets the same numbers exactly:
//  - the activations come from one reference inference per image
//    (ImageActivity), cached per network and input: the clocked model equals
//    the reference bit for bit, so its lanes carry these codes;
//  - per tile, the ones each row's lane carries summed over the tile's MVMs
//    (for im2col tiles a slice of the layer's per-reduction-row sums, which
//    no mapping changes; for depthwise tiles through the mapper's own lanes),
//    times the ones of the row's cells on each side, give the products;
//  - write toggles follow the array of each macro through its loads in the
//    order the plan gives them (ArrayContents).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <tuple>
#include <vector>

#include "ddcpim/cost/macro_cost.hpp"
#include "ddcpim/host/system_plan.hpp"
#include "ddcpim/network/network.hpp"
#include "ddcpim/ref/tensor.hpp"

namespace ddcpim::host {

// One image's activations: the input codes every MAC layer reads (one byte each, what the lanes
// carry), from one reference inference, and the per-layer sums of ones the mappers' lane_ones read
// (mapping.hpp), computed on first use.
class ImageActivity {
public:
    ImageActivity(const Network& net, const Tensor& input);
    // LaneOnesSource::reduction_row_ones and kernel_row_ones of a layer at `input_bits`.
    const std::vector<uint64_t>& row_ones(size_t layer, const LayerDesc& l, int input_bits) const;
    const std::vector<uint64_t>& kernel_row_ones(size_t layer, const LayerDesc& l, int input_bits) const;
    size_t bytes() const;

private:
    struct Codes {
        Shape shape;
        std::vector<uint8_t> data;  // [c][y][x]
        uint8_t at(int c, int y, int x) const { return data[(size_t(c) * shape.h + y) * shape.w + x]; }
    };
    std::vector<Codes> m_inputs;  // per layer; empty for host layers
    mutable std::mutex m_mutex;   // the sums below are filled on first use, perhaps from several threads
    mutable std::map<std::tuple<size_t, int, int>, std::vector<uint64_t>> m_sums;  // (layer, kind, input_bits)
};

// The activity of a network on an input: computed once, then cached in the process (at most 128 MB
// of activations, most recently used first, by the network's build_id and the input's contents; a
// hand-built network, build_id 0, is not cached).
std::shared_ptr<const ImageActivity> image_activity(const Network& net, const Tensor& input);
// The same for the seeded sample input ref::sample_input(net.desc, seed), which it makes only when the
// activity of (network, seed) is not known yet (a sweep asks for the same one at every point).
std::shared_ptr<const ImageActivity> seeded_image_activity(const Network& net, uint64_t seed);

// The data-dependent events of a plan's MAC layers, image by image: input_ones_a/b and
// product_ones_q/qbar (lane_a_bits and write_toggles are counted with the runs and the loads). What
// depends on the weights only (the ones of each row's cells) is counted once, when it is made; count()
// may then run on several images at once.
class ActivityCounter {
public:
    ActivityCounter(const SystemPlan& plan, const Network& net);
    // Per layer (empty Events for host layers), one image.
    std::vector<cost::Events> count(const ImageActivity& image) const;
    // The same, kept in the process for the next run with the same tiles and input (a sweep's points
    // that differ only in bus widths, write ports or macros): the counts depend on nothing else.
    std::vector<cost::Events> count(const std::shared_ptr<const ImageActivity>& image) const;

private:
    struct TileOnes {
        TileShape shape;
        std::vector<uint64_t> q;  // per row: the ones of its cells on the Q side
    };
    struct LayerOnes {
        bool im2col = false;
        std::vector<std::vector<uint64_t>> q;  // im2col: per reduction row, the Q side's ones; one set per column
                                               // tile with shared trees, else one for all column tiles
        std::vector<TileOnes> tiles;           // other mappings: per tile
    };
    cost::Events layer(size_t l, const ImageActivity& image) const;
    const SystemPlan& m_plan;
    const Network& m_net;
    static std::shared_ptr<const std::vector<LayerOnes>> weight_ones(const SystemPlan& plan, const Network& net);
    std::shared_ptr<const std::vector<LayerOnes>> m_layers;  // per layer; shared by runs with the same tiles
    std::string m_key;  // the tiles and the input bits ("" for a network without a build_id: nothing kept)
};

// The array bits a run's loads flip, per layer: each macro's loads in the plan's order (its placement
// loads, then image by image its layers' units that load), followed through ArrayContents. A macro takes
// its loads in that order whatever the timing, so the answer depends on the plan only and is kept for the
// next run with the same tiles and loads (a sweep's points that change only buses or write ports).
std::vector<uint64_t> load_toggles(const SystemPlan& plan, const Network& net);

// The arrays of a run's macros, followed through their loads: how many bits each load changes.
// Loads repeat (a stream of images reloads the same tiles in the same order), so each distinct
// (what the rows held, what is written) is counted once and remembered.
class ArrayContents {
public:
    // The flips of a load depend on the tiles only: with a network that has a build_id they are kept in
    // the process, per network and mapping, for the next run with the same tiles (a sweep's points that
    // differ in bus widths, write ports or macros, say).
    ArrayContents(const SystemPlan& plan, const Network& net);
    ~ArrayContents();
    uint64_t load(int macro, const WorkUnit& u);

    using TileKey = std::pair<int, int>;  // layer, tile
    // A load: (layer, tile, first row, then per span the rows held: from, to, layer, tile, base) -> flips.
    struct LoadHash {
        size_t operator()(const std::vector<int64_t>& key) const;
    };
    using Seen = std::unordered_map<std::vector<int64_t>, uint64_t, LoadHash>;
    // Tiles' weight bits (each code's low Bw bits, a byte), N x rows_used by column, made once: shared by
    // the runs of the most recent mapping (a sweep's points in a row), or a run's own.
    struct Codes {
        std::mutex mutex;
        std::map<TileKey, std::vector<uint8_t>> tiles;
    };

private:
    struct Span {
        int end;             // rows [start, end) (the map's key is start)
        int layer, tile;     // whose rows they are
        int base;            // where that tile's row 0 sits
    };
    const std::vector<uint8_t>& codes(TileKey k);
    const SystemPlan& m_plan;
    uint32_t m_mask = 0;  // a weight's Bw bits
    std::vector<std::map<int, Span>> m_arrays;  // per macro: what each written row range holds
    std::shared_ptr<Codes> m_codes;
    std::shared_ptr<Seen> m_seen;  // load (tile, rows, what they held) -> flips
    std::shared_ptr<std::mutex> m_seen_mutex;                         // m_seen may be shared with other runs
};

}  // namespace ddcpim::host
