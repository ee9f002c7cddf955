// libFuzzer harness: the config loader with --set overrides. The input is a
// config's YAML text, optionally followed by a line "#--set" and KEY=VALUE
// lines. Every input must load (and, when small enough, build its synthetic
// network and pair it) or give a UserError; anything else is a bug.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "ddcpim/common/error.hpp"
#include "ddcpim/config/overrides.hpp"
#include "ddcpim/config/strict_node.hpp"
#include "ddcpim/network/network.hpp"

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
        // Building weights is bounded by the loader's resource limits; keep the harness fast too.
        if (cfg.network.total_macs() < 2'000'000 && cfg.weights.source == "synthetic") ddcpim::build_network(cfg);
    } catch (const ddcpim::UserError&) {
    }
    return 0;
}
