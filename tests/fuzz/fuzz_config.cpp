// libFuzzer harness: the config loader with --set overrides. The input is a
// config's YAML text, optionally followed by a line "#--set" and KEY=VALUE
// lines. Every input must load (and, when its weights are few and its pairing
// cheap by the pass's estimate, build its synthetic network and pair it, wide
// layers included) or give a UserError; anything else is a bug.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "ddcpim/common/error.hpp"
#include "ddcpim/config/overrides.hpp"
#include "ddcpim/config/strict_node.hpp"
#include "ddcpim/fcc/matching.hpp"
#include "ddcpim/fcc/wide_matching.hpp"
#include "ddcpim/network/network.hpp"

namespace {
bool fast_enough(const ddcpim::ConfigFile& cfg) {
    int64_t weights = 0;
    for (const auto& l : cfg.network.layers) {
        if (!l.is_mac()) continue;
        weights += l.weight_count();
        if (l.fcc.mode != ddcpim::PairSpec::Mode::Auto) continue;
        const auto& o = l.fcc.options;
        const bool exact = l.out_channels <= o.exact_limit && l.out_channels <= ddcpim::fcc::kExactMatchingLimit;
        const auto est = ddcpim::fcc::estimate_pairing(l.out_channels, l.weights_per_filter(), o.sign_flexible, exact,
                                                       o.wide_limit, o.block);
        if (est.work > 2e8 || est.bytes > 256e6) return false;
    }
    return weights < 1'000'000 && cfg.network.total_macs() < 2'000'000;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string input(reinterpret_cast<const char*>(data), size);
    const size_t cut = input.find("\n#--set\n");
    const std::string yaml = input.substr(0, cut);
    try {
        std::vector<ddcpim::Override> sets;
        if (cut != std::string::npos) {
            std::istringstream lines(input.substr(cut + 8));
            std::string line;
            while (std::getline(lines, line))
                if (!line.empty()) sets.push_back(ddcpim::parse_override(line));
        }
        YAML::Node root = ddcpim::load_yaml_text(yaml, "fuzz.yaml");
        ddcpim::apply_overrides(root, sets);
        ddcpim::ConfigFile cfg = ddcpim::parse_config(root, "fuzz.yaml");
        // Building weights is bounded by the loader's resource limits; keep the harness fast too: build (and
        // pair) when the weights are few and every layer's pairing is cheap by the pass's own estimate, so
        // that wide layers (the blocked matcher, fcc.wide_limit and fcc.block from the input) are reached.
        if (cfg.weights.source == "synthetic" && fast_enough(cfg)) ddcpim::build_network(cfg);
    } catch (const ddcpim::UserError&) {
    }
    return 0;
}
