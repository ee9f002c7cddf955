#include "ddcpim/host/schedule.hpp"

#include <algorithm>

#include "ddcpim/host/system_plan.hpp"
#include "ddcpim/macro/geometry.hpp"

namespace ddcpim::host {

CommandCost& CommandCost::operator+=(const CommandCost& o) {
    busy += o.busy;
    compute += o.compute;
    write += o.write;
    load_wait += o.load_wait;
    stall += o.stall;
    events += o.events;
    return *this;
}

CommandCost CommandCost::operator*(uint64_t k) const {
    CommandCost c;
    c.busy = busy * k;
    c.compute = compute * k;
    c.write = write * k;
    c.load_wait = load_wait * k;
    c.stall = stall * k;
    c.events = events * k;
    return c;
}

CommandCost load_cost(const MacroParams& m, int rows) {
    CommandCost c;
    // docs/timing.md, "Weight load of n rows": the controller's edge, the
    // write-port edges, the controller seeing rows_written.
    c.write = rows == 0 ? 0 : uint64_t((rows + m.write_rows_per_cycle - 1) / m.write_rows_per_cycle);
    c.busy = rows == 0 ? 1 : c.write + 2;
    c.events.rows_written = uint64_t(rows);
    return c;
}

CommandCost run_cost(const MacroParams& m, const TileShape& tile, int n) {
    // The array's sizes (macro::Geometry's, without building its segment spans: this runs per command).
    const uint64_t rows = uint64_t(m.rows), columns = uint64_t(m.weight_columns);
    const uint64_t bit_columns = columns * uint64_t(m.weight_bits), segments = uint64_t(m.rows / m.segment_rows);
    const bool two_lanes = input_lanes(m, tile) == 2;
    // With shared trees a tile with pairs holds each input bit for two cycles (one per side).
    const bool two_passes = m.tree_sharing && tile.uses_qbar;
    const uint64_t ba = uint64_t(m.input_bits) * (two_passes ? 2 : 1);  // compute cycles per vector
    const uint64_t vectors = uint64_t(n);
    const uint64_t bits_per_vector = uint64_t(tile.rows_used) * uint64_t(m.input_bits) * (two_lanes ? 2 : 1);
    // Bus beats to load one vector (at least one, even for zero rows).
    const uint64_t lin = std::max<uint64_t>(1, (bits_per_vector + uint64_t(m.input_bus_bits) - 1) / uint64_t(m.input_bus_bits));
    CommandCost c;
    c.busy = lin + (vectors - 1) * std::max(ba, lin) + ba + uint64_t(m.adder_pipeline) + 4;
    c.compute = vectors * ba;
    c.load_wait = lin;
    c.stall = (vectors - 1) * (lin > ba ? lin - ba : 0);
    // One adder-tree frame, reconfigurable-unit frame and accumulator frame per driven bit; the trees
    // sum the Q-bar side too unless they are shared and the tile has no pairs.
    const uint64_t frames = vectors * uint64_t(m.input_bits), sides = m.complementary ? 2 : 1;
    const uint64_t summed = m.complementary && (!m.tree_sharing || tile.uses_qbar) ? 2 : 1;
    const uint64_t out_segments = tile.mode == macro::Mode::Depthwise ? segments : 1;
    c.events.cell_products = frames * rows * bit_columns * summed;
    c.events.tree_evaluations = frames * bit_columns * summed;
    c.events.accumulator_updates = frames * sides * columns * out_segments;
    if (tile.mode == macro::Mode::Depthwise && m.complementary) c.events.corrections = frames * columns * out_segments;
    c.events.input_bits = vectors * bits_per_vector;
    c.events.lane_a_bits = vectors * uint64_t(tile.rows_used) * uint64_t(m.input_bits);  // the ones: activity.hpp
    c.events.output_values = vectors * 2 * columns * segments;  // Geometry::slot_values()
    return c;
}

std::vector<Unit> layer_units(const LayerMapper& mapper, int macros) {
    const MappingSummary& s = mapper.summary();
    std::vector<Unit> units;
    for (int t = 0; t < s.tiles; ++t) {
        const int vectors = int(s.mvms / s.tiles);  // every tile of a layer runs the same MVMs
        const int chunks = std::max(1, std::min(vectors, (macros + s.tiles - 1) / s.tiles));
        for (int c = 0; c < chunks; ++c) {
            int first = int(int64_t(vectors) * c / chunks), last = int(int64_t(vectors) * (c + 1) / chunks);
            units.push_back({t, first, last - first});
        }
    }
    return units;
}

LayerPlan plan_layer(const LayerMapper& mapper, const MacroParams& m) {
    LayerPlan plan;
    plan.macros.resize(size_t(m.macros));
    std::vector<int> loaded(size_t(m.macros), -1);
    // Tiles of a layer come in at most a few shapes; cost each run length once.
    TileShape shape;
    int shape_tile = -1;
    for (const Unit& u : layer_units(mapper, m.macros)) {
        size_t k = 0;
        for (size_t i = 1; i < plan.macros.size(); ++i)
            if (plan.macros[i].cost.busy < plan.macros[k].cost.busy) k = i;
        MacroWork& w = plan.macros[k];
        if (shape_tile != u.tile) {
            shape = mapper.tile_shape(u.tile);
            shape_tile = u.tile;
        }
        if (loaded[k] != u.tile) {
            w.cost += load_cost(m, shape.rows_used);
            ++w.commands;
            loaded[k] = u.tile;
        }
        const int full = u.count / m.buffer_vectors, rest = u.count % m.buffer_vectors;
        if (full > 0) w.cost += run_cost(m, shape, m.buffer_vectors) * uint64_t(full);
        if (rest > 0) w.cost += run_cost(m, shape, rest);
        w.commands += uint64_t(full + (rest > 0 ? 1 : 0));
        w.units.push_back(u);
    }
    for (const MacroWork& w : plan.macros) {
        plan.total += w.cost;
        if (w.commands) plan.span = std::max(plan.span, w.cost.busy - 1);
    }
    return plan;
}

}  // namespace ddcpim::host
