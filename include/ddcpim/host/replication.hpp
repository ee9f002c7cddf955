// Replicated hot tiles (docs/host.md section 8, "Replication"). Once every tile
// is resident, the macros left over can hold further copies of the tiles whose
// runs are longest (MobileNetV2's stem conv: one tile, 12,544 MVMs) and split
// their MVMs, so that one tile no longer sets the latency. The rule, greedy and
// deterministic:
//  - a tile's time per image on a macro is its share of the MVMs, run in
//    buffer-sized commands with their link transfers (unit_busy); a macro's
//    busy time per image is the sum over the tiles it holds, and the largest
//    of those bounds images/s;
//  - repeatedly take the tile with the longest share (the lowest layer, then
//    tile, on a tie) and give it one more copy, on the least busy macro (the
//    lowest index on a tie) that has room for it and holds no copy yet, if
//    that shortens the share and the macro's busy time stays within the
//    bound the placement had before; a tile that cannot be copied is left;
//  - the MVMs are split evenly over the copies.
// Each copy is written once, before the first image, like any resident tile:
// extra off-chip traffic at the start, none per image. system.placement:
// throughput takes the replicated plan only when its run ends sooner.
#pragma once

#include "ddcpim/config/macro_params.hpp"
#include "ddcpim/config/system_params.hpp"
#include "ddcpim/host/placement.hpp"

namespace ddcpim::host {

// Adds copies to a fully resident placement on `macros` macros (placement.copies).
void replicate_tiles(Placement& placement, const MacroParams& m, const SystemParams& system, int macros);

}  // namespace ddcpim::host
