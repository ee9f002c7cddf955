// A disk cache of the FCC pass's matching decisions. Pairing a layer means a
// cost matrix over all filter pairs and a matching over it: seconds for
// MobileNetV2, repeated by every sweep point although it depends on the
// weights and the fcc options only. The rewrite that follows (patterns,
// scale refit, requantisation) is cheap and is always redone from the
// decision, so the cache holds only which filters pair and how.
//
// - Key: a 128-bit hash of everything the matching reads (the quantised
//   filters, their scales and float energies, the precision, sign_flexible
//   and whether the exact matcher runs) and a format version. Any changed
//   weight or option gives another key, so a stale entry is never found.
// - Entries: one text file per key, written to a temporary file and renamed
//   into place, so concurrent writers (sweep workers sharing the directory)
//   never leave a torn entry. Each ends in a checksum of its text; an entry
//   that fails it, or does not parse, or does not fit the layer, is counted as
//   corrupt, recomputed and rewritten, never trusted.
// - Where: $DDCPIM_CACHE_DIR, else $XDG_CACHE_HOME/ddcpim, else
//   $HOME/.cache/ddcpim; DDCPIM_CACHE_DIR=off turns the cache off. A directory
//   that cannot be written only costs the cache's benefit.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ddcpim/fcc/pair_cost.hpp"
#include "ddcpim/network/layer.hpp"

namespace ddcpim::fcc {

// What the matching decided for one layer.
struct PairDecision {
    int first = 0, second = 0;  // first goes in Q, second in Q-bar
    bool negated = false;       // the second filter's scale is negated
    double cost = 0;
};
struct LayerMatching {
    bool exact = false;  // the exact matcher ran
    std::vector<PairDecision> pairs;
    int unpaired = 0;
};

struct CacheKey {
    uint64_t hi = 0, lo = 0;
    std::string hex() const;
};
CacheKey matching_key(const FilterSet& fs, const FccOptions& options, bool exact);

struct CacheStats {
    uint64_t hits = 0, misses = 0, corrupt = 0, stored = 0;
};

class FccCache {
public:
    // An empty directory: the cache is off.
    explicit FccCache(std::string dir);
    // The cache the environment asks for (see above); one per process.
    static FccCache& process_cache();

    bool enabled() const { return !m_dir.empty(); }
    const std::string& dir() const { return m_dir; }
    std::string entry_path(const CacheKey& key) const;
    // The decision for `key` if a sound entry exists for a layer of `filters` filters.
    std::optional<LayerMatching> load(const CacheKey& key, int filters);
    void store(const CacheKey& key, const LayerMatching& m);
    CacheStats stats() const;

private:
    std::string m_dir;
    CacheStats m_stats;
};

}  // namespace ddcpim::fcc
