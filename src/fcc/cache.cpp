#include "ddcpim/fcc/cache.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <sstream>

#include <fmt/format.h>

namespace ddcpim::fcc {

namespace {

constexpr const char* kMagic = "ddcpim fcc matching v1";

// Two independent 64-bit multiply-mix lanes over the bytes: 128 bits, so that
// two different layers never share a key in practice.
class Hasher {
public:
    void bytes(const void* data, size_t n) {
        const auto* p = static_cast<const unsigned char*>(data);
        for (size_t i = 0; i < n; ++i) {
            m_a = (m_a ^ p[i]) * 0x100000001b3ULL;                // FNV-1a
            m_b = (m_b + p[i] + 0x9e3779b97f4a7c15ULL) * 0xff51afd7ed558ccdULL;
            m_b ^= m_b >> 29;
        }
        m_length += n;
    }
    template <class T>
    void value(const T& v) { bytes(&v, sizeof v); }
    template <class T>
    void vector(const std::vector<T>& v) {
        value(uint64_t(v.size()));
        if (!v.empty()) bytes(v.data(), v.size() * sizeof(T));
    }
    CacheKey key() const {
        auto fin = [](uint64_t x) {
            x ^= x >> 33, x *= 0xc4ceb9fe1a85ec53ULL, x ^= x >> 33;
            return x;
        };
        return {fin(m_a ^ m_length), fin(m_b + m_length)};
    }

private:
    uint64_t m_a = 0xcbf29ce484222325ULL, m_b = 0x2545f4914f6cdd1dULL, m_length = 0;
};

std::string checksum(const std::string& text) {
    Hasher h;
    h.bytes(text.data(), text.size());
    return h.key().hex();
}

std::string default_dir() {
    auto env = [](const char* n) -> std::string {
        const char* v = std::getenv(n);
        return v ? v : "";
    };
    std::string d = env("DDCPIM_CACHE_DIR");
    if (d == "off") return "";
    if (!d.empty()) return d;
    if (!env("XDG_CACHE_HOME").empty()) return env("XDG_CACHE_HOME") + "/ddcpim";
    if (!env("HOME").empty()) return env("HOME") + "/.cache/ddcpim";
    return "";
}

std::mutex g_stats_mutex;

// Parses an entry; nullopt when anything is off.
std::optional<LayerMatching> parse_entry(const std::string& text, const CacheKey& key, int filters) {
    const size_t tail = text.rfind("checksum ");
    if (tail == std::string::npos || text.size() < tail + 9 + 32 + 1 || text.back() != '\n') return std::nullopt;
    if (text.substr(tail + 9, 32) != checksum(text.substr(0, tail))) return std::nullopt;
    std::istringstream in(text.substr(0, tail));
    std::string word, hex;
    std::getline(in, word);
    if (word != kMagic) return std::nullopt;
    LayerMatching m;
    int count = -1, exact = -1;
    size_t pairs = 0;
    if (!(in >> word >> hex) || word != "key" || hex != key.hex()) return std::nullopt;
    if (!(in >> word >> count) || word != "filters" || count != filters) return std::nullopt;
    if (!(in >> word >> exact) || word != "exact" || (exact != 0 && exact != 1)) return std::nullopt;
    if (!(in >> word >> m.unpaired) || word != "unpaired") return std::nullopt;
    if (!(in >> word >> pairs) || word != "pairs" || pairs > size_t(filters)) return std::nullopt;
    m.exact = exact == 1;
    std::vector<bool> used(size_t(filters), false);
    for (size_t i = 0; i < pairs; ++i) {
        PairDecision d;
        int negated = -1;
        std::string cost;
        if (!(in >> d.first >> d.second >> negated >> cost)) return std::nullopt;
        if (d.first < 0 || d.second < 0 || d.first >= filters || d.second >= filters || d.first == d.second)
            return std::nullopt;
        if (used[size_t(d.first)] || used[size_t(d.second)] || (negated != 0 && negated != 1)) return std::nullopt;
        used[size_t(d.first)] = used[size_t(d.second)] = true;
        char* end = nullptr;
        d.cost = std::strtod(cost.c_str(), &end);
        if (end != cost.c_str() + cost.size()) return std::nullopt;
        d.negated = negated == 1;
        m.pairs.push_back(d);
    }
    if (2 * int(pairs) + m.unpaired != filters) return std::nullopt;
    if (in >> word) return std::nullopt;  // trailing text
    return m;
}

}  // namespace

std::string CacheKey::hex() const { return fmt::format("{:016x}{:016x}", hi, lo); }

CacheKey matching_key(const FilterSet& fs, const FccOptions& options, bool exact) {
    Hasher h;
    h.bytes(kMagic, std::strlen(kMagic));
    h.value(int32_t(fs.count));
    h.value(int32_t(fs.length));
    h.value(int32_t(fs.bits));
    h.vector(fs.q);
    h.vector(fs.scale);
    h.vector(fs.energy);
    h.value(uint8_t(options.sign_flexible));
    h.value(uint8_t(exact));
    if (!exact && fs.count > options.wide_limit) {  // the blocked matcher: its block size decides the pairs
        h.value(uint8_t(2));
        h.value(int32_t(options.block));
    }
    return h.key();
}

FccCache::FccCache(std::string dir) : m_dir(std::move(dir)) {}

FccCache& FccCache::process_cache() {
    static FccCache cache(default_dir());
    return cache;
}

std::string FccCache::entry_path(const CacheKey& key) const { return m_dir + "/fcc/" + key.hex() + ".pairs"; }

std::optional<LayerMatching> FccCache::load(const CacheKey& key, int filters) {
    if (!enabled()) return std::nullopt;
    std::ifstream f(entry_path(key), std::ios::binary);
    if (!f) {
        std::lock_guard<std::mutex> lock(g_stats_mutex);
        ++m_stats.misses;
        return std::nullopt;
    }
    std::ostringstream text;
    text << f.rdbuf();
    std::optional<LayerMatching> m = parse_entry(text.str(), key, filters);
    std::lock_guard<std::mutex> lock(g_stats_mutex);
    if (m) ++m_stats.hits;
    else ++m_stats.corrupt;
    return m;
}

void FccCache::store(const CacheKey& key, const LayerMatching& m) {
    if (!enabled()) return;
    std::string text = fmt::format("{}\nkey {}\nfilters {}\nexact {}\nunpaired {}\npairs {}\n", kMagic, key.hex(),
                                   2 * m.pairs.size() + size_t(m.unpaired), m.exact ? 1 : 0, m.unpaired, m.pairs.size());
    for (const PairDecision& d : m.pairs)
        text += fmt::format("{} {} {} {:a}\n", d.first, d.second, d.negated ? 1 : 0, d.cost);
    text += "checksum " + checksum(text) + "\n";
    // Write a private file, then rename it over the entry: readers see the old
    // entry, no entry, or the whole new one.
    std::error_code ec;
    const std::filesystem::path dir = m_dir + "/fcc";
    std::filesystem::create_directories(dir, ec);
    static std::atomic<uint64_t> counter{0};
    thread_local std::mt19937_64 rng(std::random_device{}());
    const std::filesystem::path tmp =
        dir / fmt::format(".tmp-{}-{}-{:x}", getpid(), counter.fetch_add(1), rng());
    {
        std::ofstream f(tmp, std::ios::binary);
        if (!f) return;  // an unwritable cache only loses its benefit
        f << text;
        f.flush();
        if (!f) {
            std::filesystem::remove(tmp, ec);
            return;
        }
    }
    std::filesystem::rename(tmp, entry_path(key), ec);
    if (ec) {
        std::filesystem::remove(tmp, ec);
        return;
    }
    std::lock_guard<std::mutex> lock(g_stats_mutex);
    ++m_stats.stored;
}

CacheStats FccCache::stats() const {
    std::lock_guard<std::mutex> lock(g_stats_mutex);
    return m_stats;
}

}  // namespace ddcpim::fcc
