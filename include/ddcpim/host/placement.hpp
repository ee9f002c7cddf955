// Where a network's weight tiles live on the M macros (ARCHITECTURE section 8).
//  - stream: no tile stays; every layer writes its tiles when it runs, at row 0.
//  - static: tiles are placed once, before the first image, and kept. A tile
//    takes rows_used rows of one macro (a depthwise tile whole segments, from a
//    segment boundary: its outputs come out per segment); several tiles share
//    an array at different rows (the run's ROW_BASE, docs/memory-map.md). A
//    paired layer has half the column tiles, so it needs half the rows.
//    If every tile fits, nothing streams: layers are placed by the rows they
//    hold, most first, each tile on the macro with the fewest rows taken (the
//    lowest index on a tie), which spreads a layer's tiles for parallelism.
//    Otherwise layers are placed in order of their weight traffic per image
//    when streamed, most first, each tile on the first macro with room, which
//    keeps whole macros free for the streamed layers. A layer that does not
//    fit whole streams. Streamed tiles need room: they
//    run on the macros whose free rows (from a segment boundary) hold the
//    largest streamed tile. While no macro has that room, the resident layer
//    with the least traffic is given up and the rest placed again.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ddcpim/config/macro_params.hpp"
#include "ddcpim/host/mapping.hpp"

namespace ddcpim::host {

struct TileSlot {
    int macro = -1;
    int row_base = 0;
};

struct LayerPlacement {
    bool mac = false;
    bool resident = false;
    std::vector<TileShape> tiles;  // the layer's tiles (MAC layers)
    std::vector<TileSlot> slots;   // per tile, when resident
    // Per tile, when resident and replicated (replication.hpp): its further copies. The tile's MVMs
    // are split evenly over slots[t] and copies[t], in that order. Empty: no copies.
    std::vector<std::vector<TileSlot>> copies;
    uint64_t rows = 0;             // rows the tiles take when resident (their footprints)
    uint64_t stream_bits = 0;      // weight bits the layer reads per image when it streams
};

struct Placement {
    bool is_static = false;
    std::vector<LayerPlacement> layers;  // one per network layer
    // The macros streamed tiles run on, and the first row they are written at.
    std::vector<int> stream_macros, stream_base;
    bool fully_resident() const;
    int resident_layers() const;
    int streamed_layers() const;
    int tile_copies() const;  // copies made by replication, over all tiles
};

// Rows a tile takes in an array: rows_used, or whole segments for a depthwise tile.
int tile_footprint(const TileShape& t, const MacroParams& m);

// `layers` has tiles and stream_bits filled for MAC layers; the result has the
// rest. `macros` may differ from m.macros (macros_to_resident asks for others).
Placement place_network(std::vector<LayerPlacement> layers, const MacroParams& m, int macros, bool is_static);

// Renumbers the macros of a fully resident placement by the first layer each holds (network order;
// those holding nothing last, each group in its old order). Macros are identical, so only the names
// change, but the off-chip memory serves the placement's loads lowest macro first (on a tie): the
// early layers' tiles then arrive first, and the first image need not wait for the last layer's.
void number_by_first_use(Placement& placement, int macros);
// The fewest macros that hold every tile resident (static placement, nothing
// streamed), searched upwards from the total footprint over `rows`.
int macros_to_resident(const std::vector<LayerPlacement>& layers, const MacroParams& m);

}  // namespace ddcpim::host
