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
    if (capacity <= 0) {
        for (size_t li : order) layers[li].resident = false, layers[li].slots.clear();
        return;
    }
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
    std::vector<size_t> by_traffic;
    for (size_t i = 0; i < p.layers.size(); ++i)
        if (p.layers[i].mac) by_traffic.push_back(i);
    std::stable_sort(by_traffic.begin(), by_traffic.end(),
                     [&](size_t a, size_t b) { return p.layers[a].stream_bits > p.layers[b].stream_bits; });
    std::vector<int> widest(p.layers.size(), 0);  // a layer's largest tile footprint
    for (size_t i : by_traffic)
        for (const TileShape& t : p.layers[i].tiles) widest[i] = std::max(widest[i], tile_footprint(t, m));
    // Every window of whole segments: layers with a tile wider than it must stay
    // (placed first), the rest by traffic. The least streamed traffic wins, then
    // the narrower window.
    std::vector<LayerPlacement> best;
    uint64_t best_traffic = UINT64_MAX;
    int best_window = m.rows;
    for (int window = 0; window <= m.rows; window += m.segment_rows) {
        std::vector<size_t> order;
        for (size_t i : by_traffic)
            if (widest[i] > window) order.push_back(i);
        const size_t forced = order.size();
        for (size_t i : by_traffic)
            if (widest[i] <= window) order.push_back(i);
        std::vector<LayerPlacement> trial = p.layers;
        pack(trial, order, m, macros, m.rows - window);
        bool valid = true;
        uint64_t traffic = 0;
        for (size_t k = 0; k < order.size(); ++k) {
            const LayerPlacement& l = trial[order[k]];
            if (!l.resident && k < forced) valid = false;
            if (!l.resident) traffic += l.stream_bits;
        }
        if (valid && traffic < best_traffic) {
            best = std::move(trial);
            best_traffic = traffic;
            best_window = window;
        }
        if (valid && traffic == 0) break;
    }
    p.layers = std::move(best);
    // Nothing streams: no window is kept.
    p.stream_window = p.streamed_layers() == 0 ? 0 : best_window;
    return p;
}

int macros_to_resident(const std::vector<LayerPlacement>& layers, const MacroParams& m) {
    uint64_t rows = 0, tiles = 0;
    for (const auto& l : layers)
        for (const TileShape& t : l.tiles) rows += uint64_t(tile_footprint(t, m)), ++tiles;
    if (tiles == 0) return 0;
    // One tile per macro always fits; the answer lies between the bounds. The
    // bisection takes a packing that fits k macros to fit more, which the
    // most-free-rows rule keeps in practice (it is not a theorem of bin packing).
    auto fits = [&](uint64_t k) {
        std::vector<LayerPlacement> all = layers;
        std::vector<size_t> order;
        for (size_t i = 0; i < all.size(); ++i)
            if (all[i].mac) order.push_back(i);
        std::stable_sort(order.begin(), order.end(),
                         [&](size_t a, size_t b) { return all[a].stream_bits > all[b].stream_bits; });
        pack(all, order, m, int(k), m.rows);
        for (size_t i : order)
            if (!all[i].resident) return false;
        return true;
    };
    uint64_t lo = std::max<uint64_t>(1, (rows + uint64_t(m.rows) - 1) / uint64_t(m.rows)), hi = tiles;
    while (lo < hi) {
        const uint64_t mid = lo + (hi - lo) / 2;
        if (fits(mid)) hi = mid;
        else lo = mid + 1;
    }
    return int(lo);
}

}  // namespace ddcpim::host
