// Command-line overrides: `--set KEY=VALUE` where KEY is a dotted path into
// the config (macro.rows, weights.seed, network.layers.conv1.stride or
// network.layers[3].stride) and VALUE is parsed as YAML (128, true, [1, 2]).
#pragma once

#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

namespace ddcpim {

struct Override {
    std::string key;
    std::string value;
};

// Parses "KEY=VALUE"; throws UserError on a missing '=' or an empty key.
Override parse_override(const std::string& text);

// Applies the overrides in order to `root`. A key whose parent does not exist
// is created (so a typo is then reported as an unknown key by the loader); a
// path through a scalar, or a layer name that no layer has, is a UserError.
void apply_overrides(YAML::Node& root, const std::vector<Override>& overrides);

}  // namespace ddcpim
