#include "ddcpim/host/placement.hpp"

#include <algorithm>
#include <numeric>

namespace ddcpim::host {

bool Placement::fully_resident() const { return is_static && streamed_layers() == 0; }

int Placement::resident_layers() const {
    int n = 0;
    for (const auto& l : layers) n += l.mac && l.resident;
    return n;
}

int Placement::streamed_layers() const {
    int n = 0;
    for (const auto& l : layers) n += l.mac && !l.resident;
    return n;
}

int tile_footprint(const TileShape& t, const MacroParams& m) {
    if (t.mode != macro::Mode::Depthwise) return t.rows_used;
    return (t.rows_used + m.segment_rows - 1) / m.segment_rows * m.segment_rows;
}

namespace {

int align_up(int v, int to) { return (v + to - 1) / to * to; }

// Packs the layers in `order` into macros of `capacity` rows each; a layer
// that does not fit whole is left out (resident = false).
void pack(std::vector<LayerPlacement>& layers, const std::vector<size_t>& order, const MacroParams& m, int macros,
          int capacity) {
    std::vector<int> next(size_t(macros), 0);  // first free row of each macro
    for (size_t li : order) {
        LayerPlacement& l = layers[li];
        std::vector<int> trial = next;
        std::vector<TileSlot> slots;
        bool fits = true;
        for (const TileShape& t : l.tiles) {
            const int rows = tile_footprint(t, m);
            const int align = t.mode == macro::Mode::Depthwise ? m.segment_rows : 1;
            int best = -1, best_free = -1;
            for (int k = 0; k < macros; ++k) {
                const int base = align_up(trial[size_t(k)], align);
                const int free = capacity - base;
                if (rows <= free && free > best_free) best = k, best_free = free;
            }
            if (best < 0) {
                fits = false;
                break;
            }
            const int base = align_up(trial[size_t(best)], align);
            slots.push_back({best, base});
            trial[size_t(best)] = base + rows;
        }
        l.resident = fits;
        l.slots = fits ? std::move(slots) : std::vector<TileSlot>{};
        if (fits) next = std::move(trial);
    }
}

}  // namespace

Placement place_network(std::vector<LayerPlacement> layers, const MacroParams& m, int macros, bool is_static) {
    Placement p;
    p.is_static = is_static;
    for (auto& l : layers) {
        l.rows = 0;
        for (const TileShape& t : l.tiles) l.rows += uint64_t(tile_footprint(t, m));
        l.resident = false;
        l.slots.clear();
    }
    p.layers = std::move(layers);
    if (!is_static) {
        p.stream_window = m.rows;
        return p;
    }
    std::vector<size_t> order;
    for (size_t i = 0; i < p.layers.size(); ++i)
        if (p.layers[i].mac) order.push_back(i);
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return p.layers[a].stream_bits > p.layers[b].stream_bits; });
    int window = 0;
    for (;;) {
        pack(p.layers, order, m, macros, m.rows - window);
        int needed = 0;
        for (size_t i : order)
            if (!p.layers[i].resident)
                for (const TileShape& t : p.layers[i].tiles) needed = std::max(needed, tile_footprint(t, m));
        needed = std::min(m.rows, align_up(needed, m.segment_rows));
        if (needed <= window) break;
        window = needed;
    }
    p.stream_window = window;
    return p;
}

int macros_to_resident(const std::vector<LayerPlacement>& layers, const MacroParams& m) {
    uint64_t rows = 0, tiles = 0;
    for (const auto& l : layers)
        for (const TileShape& t : l.tiles) rows += uint64_t(tile_footprint(t, m)), ++tiles;
    if (tiles == 0) return 0;
    // One tile per macro always fits; the answer lies between the bounds.
    for (uint64_t k = std::max<uint64_t>(1, (rows + uint64_t(m.rows) - 1) / uint64_t(m.rows)); k < tiles; ++k) {
        Placement p = place_network(layers, m, int(k), true);
        if (p.fully_resident()) return int(k);
    }
    return int(tiles);
}

}  // namespace ddcpim::host
