// How the host spreads a MAC layer over its macros, and what each piece of
// work costs on the clock. Both engines use this: the clocked host executes
// the plan and the clock counts its cycles; the fast engine adds up the same
// plan with the closed forms of docs/timing.md. A test holds the two equal.
//
//  - Units of work: a layer's tiles in order; when there are fewer tiles than
//    macros, each tile's MVMs are cut into ceil(M / tiles) chunks so that
//    every macro has work.
//  - The plan: units are handed out in order, each to the macro that is free
//    first (the lowest index on a tie). A macro loads a unit's weights unless
//    the unit's tile is already in its array, then runs the unit's MVMs in
//    runs of at most buffer_vectors.
#pragma once

#include <cstdint>
#include <vector>

#include "ddcpim/config/macro_params.hpp"
#include "ddcpim/cost/macro_cost.hpp"
#include "ddcpim/host/mapping.hpp"

namespace ddcpim::host {

// What one command costs a macro, from docs/timing.md.
struct CommandCost {
    uint64_t busy = 0;          // edges from taking the command to seeing it done, inclusive
    uint64_t compute = 0;       // edges an input bit was driven
    uint64_t write = 0;         // array write-port edges
    uint64_t load_wait = 0;     // stall edges before the first vector is active
    uint64_t stall = 0;         // stall edges while a later vector loads
    cost::Events events;        // what the macro's blocks count (host-side counts excluded)
    CommandCost& operator+=(const CommandCost& o);
    CommandCost operator*(uint64_t k) const;  // k such commands
};

// A weight load of `rows` rows.
CommandCost load_cost(const MacroParams& macro, int rows);
// A run of n MVMs on a tile of `rows_used` rows in `mode`.
CommandCost run_cost(const MacroParams& macro, const TileShape& tile, int n);

struct Unit {
    int tile = 0, first = 0, count = 0;  // MVMs [first, first + count) of a tile
};

struct MacroWork {
    std::vector<Unit> units;  // in order
    CommandCost cost;         // all its commands
    uint64_t commands = 0;
};

struct LayerPlan {
    std::vector<MacroWork> macros;  // one per macro
    // Edges from the layer's first command to its last result: the slowest
    // macro's commands back to back. A command written by the host is taken at
    // the next edge, except the first, which the host writes at a clock edge
    // in time for that edge; so one edge less than the sum.
    uint64_t span = 0;
    CommandCost total;              // summed over macros
};

std::vector<Unit> layer_units(const LayerMapper& mapper, int macros);
LayerPlan plan_layer(const LayerMapper& mapper, const MacroParams& macro);

}  // namespace ddcpim::host
