#include "ddcpim/host/placement.hpp"

#include <algorithm>

#include "ddcpim/common/error.hpp"
#include <mutex>
#include <queue>
#include <string>
#include <unordered_map>

#include <fmt/format.h>

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

int Placement::tile_copies() const {
    int n = 0;
    for (const auto& l : layers)
        for (const auto& c : l.copies) n += int(c.size());
    return n;
}

int tile_footprint(const TileShape& t, const MacroParams& m) {
    if (t.mode != macro::Mode::Depthwise) return t.rows_used;
    return (t.rows_used + m.segment_rows - 1) / m.segment_rows * m.segment_rows;
}

namespace {

int align_up(int v, int to) { return (v + to - 1) / to * to; }

// Spread packing: each tile on the macro with the fewest rows taken (the lowest
// index on a tie), kept in a heap so that thousands of macros stay cheap. If
// that macro has no room (after aligning a depthwise tile to a segment), none
// has.
std::vector<int> pack_spread(std::vector<LayerPlacement>& layers, const std::vector<size_t>& order,
                             const MacroParams& m, int macros, int capacity) {
    using Entry = std::pair<int, int>;  // rows taken, macro
    std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> heap;
    for (int k = 0; k < macros; ++k) heap.push({0, k});
    for (size_t li : order) {
        LayerPlacement& l = layers[li];
        auto trial = heap;
        std::vector<TileSlot> slots;
        bool fits = true;
        for (const TileShape& t : l.tiles) {
            const int rows = tile_footprint(t, m);
            const int align = t.mode == macro::Mode::Depthwise ? m.segment_rows : 1;
            const auto [taken, k] = trial.top();
            const int base = align_up(taken, align);
            if (rows > capacity - base) {
                fits = false;
                break;
            }
            trial.pop();
            trial.push({base + rows, k});
            slots.push_back({k, base});
        }
        l.resident = fits;
        l.slots = fits ? std::move(slots) : std::vector<TileSlot>{};
        if (fits) heap = std::move(trial);
    }
    std::vector<int> next(size_t(macros), 0);
    for (; !heap.empty(); heap.pop()) next[size_t(heap.top().second)] = heap.top().first;
    return next;
}

// Packs the layers in `order` into macros of `capacity` rows each; a layer
// that does not fit whole is left out (resident = false). Each tile goes to
// the macro with the fewest rows taken (`spread`: a layer's tiles run in
// parallel) or to the first with room (compact: whole macros stay free for the
// streamed layers). Returns each macro's first free row.
std::vector<int> pack(std::vector<LayerPlacement>& layers, const std::vector<size_t>& order, const MacroParams& m,
                      int macros, int capacity, bool spread) {
    if (spread) return pack_spread(layers, order, m, macros, capacity);
    std::vector<int> next(size_t(macros), 0);
    for (size_t li : order) {
        LayerPlacement& l = layers[li];
        std::vector<int> trial = next;
        std::vector<TileSlot> slots;
        bool fits = true;
        for (const TileShape& t : l.tiles) {
            const int rows = tile_footprint(t, m);
            const int align = t.mode == macro::Mode::Depthwise ? m.segment_rows : 1;
            int best = -1;
            for (int k = 0; k < macros && best < 0; ++k)
                if (rows <= capacity - align_up(trial[size_t(k)], align)) best = k;
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
    return next;
}

// The order that decides whether everything fits: by rows held, most first
// (independent of how many macros there are, unlike the traffic).
std::vector<size_t> mac_layers_by_rows(const std::vector<LayerPlacement>& layers) {
    std::vector<size_t> order;
    for (size_t i = 0; i < layers.size(); ++i)
        if (layers[i].mac) order.push_back(i);
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return layers[a].rows > layers[b].rows; });
    return order;
}

bool all_resident(const std::vector<LayerPlacement>& layers) {
    for (const auto& l : layers)
        if (l.mac && !l.resident) return false;
    return true;
}

std::vector<size_t> mac_layers_by_traffic(const std::vector<LayerPlacement>& layers) {
    std::vector<size_t> order;
    for (size_t i = 0; i < layers.size(); ++i)
        if (layers[i].mac) order.push_back(i);
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return layers[a].stream_bits > layers[b].stream_bits; });
    return order;
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
        l.copies.clear();
    }
    p.layers = std::move(layers);
    if (!is_static) {
        for (int k = 0; k < macros; ++k) p.stream_macros.push_back(k), p.stream_base.push_back(0);
        return p;
    }
    {
        // Everything, if it fits: then the traffic does not matter.
        std::vector<LayerPlacement> all = p.layers;
        pack(all, mac_layers_by_rows(all), m, macros, m.rows, true);
        if (all_resident(all)) {
            p.layers = std::move(all);
            return p;
        }
    }
    const std::vector<size_t> by_traffic = mac_layers_by_traffic(p.layers);
    std::vector<char> given_up(p.layers.size(), 0);
    for (;;) {
        std::vector<size_t> order;
        for (size_t i : by_traffic)
            if (!given_up[i]) order.push_back(i);
        std::vector<LayerPlacement> trial = p.layers;
        const std::vector<int> next = pack(trial, order, m, macros, m.rows, false);
        for (size_t i : by_traffic)
            if (given_up[i]) trial[i].resident = false, trial[i].slots.clear();
        int need = 0;  // the widest streamed tile, in whole segments
        for (size_t i : by_traffic)
            if (!trial[i].resident)
                for (const TileShape& t : trial[i].tiles) need = std::max(need, align_up(tile_footprint(t, m), m.segment_rows));
        p.stream_macros.clear();
        p.stream_base.clear();
        if (need > 0)
            for (int k = 0; k < macros; ++k) {
                const int base = align_up(next[size_t(k)], m.segment_rows);
                if (m.rows - base >= need) p.stream_macros.push_back(k), p.stream_base.push_back(base);
            }
        bool streamed = false;
        for (size_t i : by_traffic) streamed = streamed || !trial[i].resident;
        if (!streamed || !p.stream_macros.empty()) {
            p.layers = std::move(trial);
            return p;
        }
        // No room to stream through: give up the resident layer with the least traffic.
        for (auto it = by_traffic.rbegin(); it != by_traffic.rend(); ++it)
            if (trial[*it].resident) {
                given_up[*it] = 1;
                break;
            }
    }
}

void number_by_first_use(Placement& p, int macros) {
    DDCPIM_ASSERT(p.fully_resident());
    const size_t none = p.layers.size();
    std::vector<size_t> first(size_t(macros), none);
    auto visit = [&](auto&& f) {
        for (size_t l = 0; l < p.layers.size(); ++l) {
            for (TileSlot& s : p.layers[l].slots) f(l, s);
            for (auto& copies : p.layers[l].copies)
                for (TileSlot& s : copies) f(l, s);
        }
    };
    visit([&](size_t l, TileSlot& s) { first[size_t(s.macro)] = std::min(first[size_t(s.macro)], l); });
    std::vector<int> order(static_cast<size_t>(macros));
    for (int k = 0; k < macros; ++k) order[size_t(k)] = k;
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return first[size_t(a)] < first[size_t(b)]; });
    std::vector<int> renamed(static_cast<size_t>(macros));
    for (int k = 0; k < macros; ++k) renamed[size_t(order[size_t(k)])] = k;
    visit([&](size_t, TileSlot& s) { s.macro = renamed[size_t(s.macro)]; });
}

namespace {

int search_macros_to_resident(const std::vector<LayerPlacement>& layers, const MacroParams& m);

}  // namespace

int macros_to_resident(const std::vector<LayerPlacement>& layers, const MacroParams& m) {
    // The answer depends only on the tiles' footprints and modes, in layer order, and the array's rows
    // and segments; the candidates of one run and the points of a sweep ask it again and again.
    // The key holds them as raw bytes: a network's thousands of tiles, every candidate of every point.
    std::string key;
    auto put = [&key](int64_t v) { key.append(reinterpret_cast<const char*>(&v), sizeof v); };
    put(m.rows), put(m.segment_rows);
    for (const auto& l : layers) {
        put(l.mac ? -1 : -2);
        for (const TileShape& t : l.tiles) put(t.mode == macro::Mode::Depthwise ? -3 - tile_footprint(t, m) : tile_footprint(t, m));
    }
    static std::mutex mutex;
    static std::unordered_map<std::string, int> known;
    {
        std::lock_guard<std::mutex> lock(mutex);
        if (auto it = known.find(key); it != known.end()) return it->second;
    }
    const int n = search_macros_to_resident(layers, m);
    std::lock_guard<std::mutex> lock(mutex);
    if (known.size() >= 4096) known.clear();  // a bound on a long sweep's memory
    known.emplace(std::move(key), n);
    return n;
}

namespace {

int search_macros_to_resident(const std::vector<LayerPlacement>& layers, const MacroParams& m) {
    uint64_t rows = 0, tiles = 0;
    for (const auto& l : layers)
        for (const TileShape& t : l.tiles) rows += uint64_t(tile_footprint(t, m)), ++tiles;
    if (tiles == 0) return 0;
    // One tile per macro always fits; the answer lies between the bounds. The
    // bisection takes a packing that fits k macros to fit more, which the
    // most-free-rows rule keeps in practice (it is not a theorem of bin packing).
    auto fits = [&](uint64_t k) {
        std::vector<LayerPlacement> all = layers;
        for (auto& l : all) {
            l.rows = 0;
            for (const TileShape& t : l.tiles) l.rows += uint64_t(tile_footprint(t, m));
        }
        pack(all, mac_layers_by_rows(all), m, int(k), m.rows, true);
        return all_resident(all);
    };
    uint64_t lo = std::max<uint64_t>(1, (rows + uint64_t(m.rows) - 1) / uint64_t(m.rows)), hi = tiles;
    while (lo < hi) {
        const uint64_t mid = lo + (hi - lo) / 2;
        if (fits(mid)) hi = mid;
        else lo = mid + 1;
    }
    return int(lo);
}

}  // namespace

}  // namespace ddcpim::host
