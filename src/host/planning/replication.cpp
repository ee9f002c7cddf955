#include "ddcpim/host/replication.hpp"

#include <algorithm>
#include <queue>
#include <tuple>

#include "ddcpim/common/error.hpp"
#include "ddcpim/host/system_plan.hpp"

namespace ddcpim::host {

namespace {

int align_up(int v, int to) { return (v + to - 1) / to * to; }

// MVMs [first, last) of copy c of k: the even split plan_system uses.
int share(int vectors, int c, int k) { return int(int64_t(vectors) * (c + 1) / k - int64_t(vectors) * c / k); }

}  // namespace

void replicate_tiles(Placement& p, const MacroParams& m, const SystemParams& system, int macros) {
    DDCPIM_ASSERT(p.fully_resident());
    std::vector<uint64_t> busy(size_t(macros), 0);
    std::vector<int> free_row(size_t(macros), 0);
    // The one layer whose tiles a macro holds, kFree for none, kShared for several.
    constexpr size_t kFree = ~size_t(0), kShared = ~size_t(0) - 1;
    std::vector<size_t> owner(size_t(macros), kFree);
    struct Hot {
        uint64_t cost;  // the tile's longest share, per image
        size_t layer;
        int tile;
        bool operator<(const Hot& o) const {  // the heap's top: the longest, then the lowest layer and tile
            return std::tie(cost, o.layer, o.tile) < std::tie(o.cost, layer, tile);
        }
    };
    std::priority_queue<Hot> hot;
    for (size_t l = 0; l < p.layers.size(); ++l) {
        LayerPlacement& lp = p.layers[l];
        if (!lp.mac) continue;
        lp.copies.assign(lp.tiles.size(), {});
        for (size_t t = 0; t < lp.tiles.size(); ++t) {
            const TileShape& shape = lp.tiles[t];
            const TileSlot& s = lp.slots[t];
            const uint64_t cost = unit_busy(m, system, shape, shape.vectors);
            busy[size_t(s.macro)] += cost;
            size_t& o = owner[size_t(s.macro)];
            o = o == kFree || o == l ? l : kShared;
            free_row[size_t(s.macro)] = std::max(free_row[size_t(s.macro)], s.row_base + tile_footprint(shape, m));
            if (shape.vectors > 1) hot.push({cost, l, int(t)});
        }
    }
    const uint64_t bound = *std::max_element(busy.begin(), busy.end());
    while (!hot.empty()) {
        const Hot h = hot.top();
        hot.pop();
        LayerPlacement& lp = p.layers[h.layer];
        const TileShape& shape = lp.tiles[size_t(h.tile)];
        std::vector<TileSlot>& copies = lp.copies[size_t(h.tile)];
        const int k = 1 + int(copies.size());
        if (shape.vectors <= k) continue;
        const uint64_t longest = unit_busy(m, system, shape, (shape.vectors + k) / (k + 1));  // ceil(V / (k + 1))
        if (longest >= h.cost) continue;  // one more copy would not shorten it
        const int rows = tile_footprint(shape, m);
        const int align = shape.mode == macro::Mode::Depthwise ? m.segment_rows : 1;
        auto holds = [&](int q) {
            if (lp.slots[size_t(h.tile)].macro == q) return true;
            for (const TileSlot& c : copies)
                if (c.macro == q) return true;
            return false;
        };
        // A macro serves its queue in order, image by image: a copy on a macro that also holds another
        // layer's tiles would tie this layer's next image to that layer's progress. Copies go to macros
        // holding nothing or only this layer.
        int target = -1;
        for (int q = 0; q < macros; ++q)
            if (rows <= m.rows - align_up(free_row[size_t(q)], align) && !holds(q) &&
                (owner[size_t(q)] == kFree || owner[size_t(q)] == h.layer) &&
                (target < 0 || busy[size_t(q)] < busy[size_t(target)]))
                target = q;
        if (target < 0 || busy[size_t(target)] + longest > bound) continue;
        // Take the old shares off, add the new ones.
        auto each_copy = [&](int copies_now, auto&& f) {
            for (int c = 0; c < copies_now; ++c)
                f(c == 0 ? lp.slots[size_t(h.tile)].macro : copies[size_t(c - 1)].macro,
                  unit_busy(m, system, shape, share(shape.vectors, c, copies_now)));
        };
        each_copy(k, [&](int q, uint64_t cost) { busy[size_t(q)] -= cost; });
        const int base = align_up(free_row[size_t(target)], align);
        copies.push_back({target, base});
        owner[size_t(target)] = h.layer;
        free_row[size_t(target)] = base + rows;
        each_copy(k + 1, [&](int q, uint64_t cost) { busy[size_t(q)] += cost; });
        hot.push({longest, h.layer, h.tile});
    }
}

}  // namespace ddcpim::host
