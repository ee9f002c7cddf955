// The FCC cache (include/ddcpim/fcc/cache.hpp): a second pass hits it and
// gives the very same network; a changed weight or option misses; a corrupt
// entry is detected and recomputed; concurrent writers never leave a torn
// entry.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "ddcpim/fcc/cache.hpp"
#include "ddcpim/fcc/fcc_pass.hpp"
#include "test_util.hpp"

using namespace ddcpim;

namespace {

// A small network, unpaired as loaded, every MAC layer marked for `auto`.
Network unpaired_network(uint64_t seed = 3) {
    ConfigFile cfg = test::parse_config_text(fmt::format(R"(macro: {{}}
weights: {{source: synthetic, seed: {}}}
network:
  name: cache_test
  input: {{channels: 6, height: 6, width: 6}}
  layers:
    - {{name: conv, kind: conv, out_channels: 40, kernel: 3, padding: 1}}
    - {{name: dw, kind: depthwise, kernel: 3, padding: 1}}
    - {{name: pw, kind: pointwise, out_channels: 15}}
    - {{name: fc, kind: fc, out_features: 10}}
)",
                                                         seed));
    Network net = build_network(cfg);
    for (auto& l : net.desc.layers)
        if (l.is_mac()) l.fcc.mode = PairSpec::Mode::Auto;
    return net;
}

Network paired(const Network& unpaired, fcc::FccCache* cache, std::vector<fcc::LayerReport>* reports = nullptr) {
    Network n = unpaired;
    auto r = fcc::run_fcc(n, nullptr, cache);
    if (reports) *reports = r;
    return n;
}

void expect_same(const Network& a, const Network& b) {
    ASSERT_EQ(a.params.size(), b.params.size());
    for (size_t i = 0; i < a.params.size(); ++i) {
        const LayerParams &x = a.params[i], &y = b.params[i];
        EXPECT_EQ(x.pairs, y.pairs) << i;
        EXPECT_EQ(x.weight, y.weight) << i;
        EXPECT_EQ(x.bias, y.bias) << i;
        EXPECT_EQ(x.weight_scale, y.weight_scale) << i;
        ASSERT_EQ(x.requant.size(), y.requant.size()) << i;
        for (size_t k = 0; k < x.requant.size(); ++k) {
            EXPECT_EQ(x.requant[k].multiplier, y.requant[k].multiplier) << i;
            EXPECT_EQ(x.requant[k].shift, y.requant[k].shift) << i;
        }
    }
}

std::vector<std::filesystem::path> entries(const test::TempDir& d) {
    std::vector<std::filesystem::path> v;
    if (std::filesystem::exists(d.path() + "/fcc"))
        for (auto& e : std::filesystem::directory_iterator(d.path() + "/fcc")) v.push_back(e.path());
    return v;
}

}  // namespace

TEST(FccCache, ASecondPassHitsAndGivesTheSameNetwork) {
    test::TempDir d;
    const Network base = unpaired_network();
    const Network uncached = paired(base, nullptr);
    fcc::FccCache cache(d.path());
    std::vector<fcc::LayerReport> first, second;
    expect_same(paired(base, &cache, &first), uncached);
    EXPECT_EQ(cache.stats().misses, 4u);
    EXPECT_EQ(cache.stats().stored, 4u);
    EXPECT_EQ(entries(d).size(), 4u);
    expect_same(paired(base, &cache, &second), uncached);
    EXPECT_EQ(cache.stats().hits, 4u);
    for (size_t i = 0; i < first.size(); ++i) {
        EXPECT_FALSE(first[i].cached);
        EXPECT_TRUE(second[i].cached);
        EXPECT_EQ(first[i].pairs, second[i].pairs);
        EXPECT_EQ(first[i].mean_cost, second[i].mean_cost);
        EXPECT_EQ(first[i].error_after_refit, second[i].error_after_refit);
    }
    // A fresh cache object on the same directory (another process, say) hits too.
    fcc::FccCache again(d.path());
    paired(base, &again);
    EXPECT_EQ(again.stats().hits, 4u);
}

TEST(FccCache, AChangedWeightOrOptionMisses) {
    test::TempDir d;
    fcc::FccCache cache(d.path());
    Network base = unpaired_network();
    paired(base, &cache);
    ASSERT_EQ(cache.stats().stored, 4u);
    // One weight of the pointwise layer changed: that layer misses, the others hit.
    Network changed = base;
    const size_t pw = size_t(changed.desc.find_layer("pw"));
    changed.params[pw].weight[7] = changed.params[pw].weight[7] == 0 ? 1 : 0;
    const Network expected = paired(changed, nullptr);
    expect_same(paired(changed, &cache), expected);
    EXPECT_EQ(cache.stats().hits, 3u);
    EXPECT_EQ(cache.stats().misses, 5u);
    // An option that changes the matching: sign-flexible pairing misses everywhere.
    Network flexible = base;
    for (auto& l : flexible.desc.layers) l.fcc.options.sign_flexible = true;
    expect_same(paired(flexible, &cache), paired(flexible, nullptr));
    EXPECT_EQ(cache.stats().misses, 9u);
    // The exact matcher's limit decides which matcher runs: a layer crossing it misses.
    Network exact = base;
    exact.desc.layers[size_t(exact.desc.find_layer("pw"))].fcc.options.exact_limit = 14;
    expect_same(paired(exact, &cache), paired(exact, nullptr));
    EXPECT_EQ(cache.stats().misses, 10u);
    // A scale that changes only the refit (not the filters' integers) still misses: energies are in the key.
    Network rescaled = base;
    const size_t conv = size_t(rescaled.desc.find_layer("conv"));
    if (!rescaled.params[conv].weight_scale.empty()) {
        rescaled.params[conv].weight_scale[0] *= 1.5;
        paired(rescaled, &cache);
        EXPECT_EQ(cache.stats().misses, 11u);
    }
}

TEST(FccCache, ACorruptEntryIsDetectedAndRecomputed) {
    test::TempDir d;
    const Network base = unpaired_network();
    const Network expected = paired(base, nullptr);
    {
        fcc::FccCache cache(d.path());
        paired(base, &cache);
    }
    auto files = entries(d);
    ASSERT_EQ(files.size(), 4u);
    // Four kinds of damage, one per entry: a changed pair index, a truncation, garbage, an empty file.
    auto read = [](const std::filesystem::path& p) {
        std::ifstream f(p);
        std::ostringstream s;
        s << f.rdbuf();
        return s.str();
    };
    auto write = [](const std::filesystem::path& p, const std::string& t) { std::ofstream(p, std::ios::trunc) << t; };
    std::string a = read(files[0]);
    const size_t at = a.find("pairs ");
    ASSERT_NE(at, std::string::npos);
    const size_t digit = a.find_first_of("0123456789", a.find('\n', at) + 1);
    a[digit] = a[digit] == '1' ? '2' : '1';
    write(files[0], a);
    std::string b = read(files[1]);
    write(files[1], b.substr(0, b.size() / 2));
    write(files[2], "not a cache entry\n");
    write(files[3], "");
    fcc::FccCache cache(d.path());
    expect_same(paired(base, &cache), expected);
    EXPECT_EQ(cache.stats().corrupt, 4u);
    EXPECT_EQ(cache.stats().hits, 0u);
    EXPECT_EQ(cache.stats().stored, 4u);  // rewritten whole
    fcc::FccCache after(d.path());
    expect_same(paired(base, &after), expected);
    EXPECT_EQ(after.stats().hits, 4u);
}

TEST(FccCache, ConcurrentWritersLeaveNoTornEntry) {
    test::TempDir d;
    const Network base = unpaired_network();
    const Network expected = paired(base, nullptr);
    // Eight workers pair the same network through one directory at once, many times over,
    // while the entries are being replaced: every load is a clean hit or a miss, never corrupt.
    std::vector<std::thread> workers;
    std::vector<fcc::CacheStats> stats(8);
    std::vector<int> wrong(8, 0);
    for (int t = 0; t < 8; ++t)
        workers.emplace_back([&, t] {
            fcc::FccCache cache(d.path());
            for (int i = 0; i < 25; ++i) {
                Network n = base;
                fcc::run_fcc(n, nullptr, &cache);
                for (size_t k = 0; k < n.params.size(); ++k) wrong[size_t(t)] += n.params[k].weight != expected.params[k].weight;
                // Rewrite every entry while the others read it.
                for (size_t k = 0; k < base.params.size(); ++k) {
                    const LayerDesc& l = base.desc.layers[k];
                    if (!l.is_mac()) continue;
                    fcc::FilterSet fs = fcc::filter_set(base, k);
                    const bool exact = fs.count <= l.fcc.options.exact_limit && fs.count <= fcc::kExactMatchingLimit;
                    const fcc::CacheKey key = fcc::matching_key(fs, l.fcc.options, exact);
                    if (auto m = cache.load(key, fs.count)) cache.store(key, *m);
                }
            }
            stats[size_t(t)] = cache.stats();
        });
    for (auto& w : workers) w.join();
    uint64_t hits = 0;
    for (int t = 0; t < 8; ++t) {
        EXPECT_EQ(stats[size_t(t)].corrupt, 0u) << t;
        EXPECT_EQ(wrong[size_t(t)], 0) << t;
        hits += stats[size_t(t)].hits;
    }
    EXPECT_GT(hits, 8u * 20u * 4u * 2u);
    for (auto& p : entries(d)) EXPECT_EQ(p.filename().string().rfind(".tmp-", 0), std::string::npos) << p;
}

TEST(FccCache, AnUnwritableDirectoryOnlyLosesTheBenefit) {
    test::TempDir d;
    test::write_text(d.file("file"), "x");
    fcc::FccCache cache(d.file("file") + "/below");  // a directory under a file cannot exist
    const Network base = unpaired_network();
    expect_same(paired(base, &cache), paired(base, nullptr));
    EXPECT_EQ(cache.stats().stored, 0u);
    fcc::FccCache off("");
    EXPECT_FALSE(off.enabled());
    expect_same(paired(base, &off), paired(base, nullptr));
}
