// Many design points on one loaded config, in one process: what a sweep or a
// notebook wants. The config file is read once; each point is a list of
// overrides (the same KEY=VALUE as --set) on top of it, evaluated by the fast
// engine and returned as the JSON that `ddcpim_sim --engine fast --json`
// writes. Weights are built (and FCC-paired) once per distinct network: a
// point that changes only macro or host parameters reuses them, one that
// changes the network, its weights or the precisions builds another.
#pragma once

#include <list>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include "ddcpim/config/overrides.hpp"
#include "ddcpim/cost/technology.hpp"
#include "ddcpim/network/network.hpp"

namespace ddcpim::explore {

class Explorer {
public:
    // Reads `config` with `overrides` applied; throws UserError as ddcpim_sim would.
    Explorer(std::string config, std::vector<Override> overrides = {});

    // mode: ddc | baseline | compare (as ddcpim_sim's default, --baseline and --compare).
    // The --json of the point. lean: only what a sweep writes (no "config", no top-level copy of the DDC
    // layers in compare mode, and per layer only its name, kind, cycles, macro and host cycles, energy and
    // energy by component, the last only with layer_energy): a fraction of the text to write and parse.
    nlohmann::ordered_json evaluate(const std::vector<Override>& point, const std::string& mode = "ddc",
                                    bool lean = false, bool layer_energy = true);

    // The resolved config of a point, as --print-config writes it (checks it without simulating).
    std::string resolved_config(const std::vector<Override>& point) const;
    // Checks a point's config as resolved_config does, without writing it out (a UserError when bad).
    void validate(const std::vector<Override>& point) const;

    const std::string& config_path() const { return m_path; }
    size_t networks_built() const { return m_built; }

private:
    // The point's config. A point is read from a copy of the file's tree, parsed once (a copy has no line
    // and column); where that fails, or anything after it, the point is read again from the text, so that
    // the error names the line and column as the tools do (from_text).
    ConfigFile load(const std::vector<Override>& point, bool from_text = false) const;
    nlohmann::ordered_json evaluate_config(const ConfigFile& cfg, const std::vector<Override>& point,
                                           const std::string& mode, bool lean, bool layer_energy);
    const Network& network_for(const ConfigFile& cfg, const std::vector<Override>& point);
    const cost::Technology* technology(const std::string& path);
    const std::string& config_text(const ConfigFile& cfg, const std::vector<Override>& point);

    std::string m_path;
    std::string m_text;                // the file, read once
    YAML::Node m_tree;                 // and parsed, with the session's overrides
    YAML::Node m_sections;             // the same without its network section
    ConfigFile m_base;                 // m_tree's config, read once
    std::vector<Override> m_overrides; // the session's, under every point
    std::map<std::string, std::shared_ptr<const Network>> m_networks;
    std::map<std::string, std::unique_ptr<cost::Technology>> m_technologies;
    size_t m_built = 0;
    std::list<std::pair<std::string, std::string>> m_config_texts;  // a point's overrides -> its resolved config
};

}  // namespace ddcpim::explore
