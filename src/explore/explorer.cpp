#include "ddcpim/explore/explorer.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "ddcpim/common/error.hpp"
#include "ddcpim/config/strict_node.hpp"
#include "ddcpim/host/costs.hpp"
#include "ddcpim/host/fast_engine.hpp"
#include "ddcpim/host/mapping.hpp"
#include "ddcpim/host/report.hpp"

namespace ddcpim::explore {

namespace {

// Overrides that cannot change the network or its weights. The macro's
// precisions can (they are the network's defaults), so the network's key
// also holds the parsed precisions.
bool macro_or_host_only(const Override& o) {
    for (const char* section : {"macro", "memory", "system", "host", "technology"}) {
        const std::string s = section;
        if (o.key == s || o.key.rfind(s + ".", 0) == 0) return true;
    }
    return false;
}

}  // namespace

Explorer::Explorer(std::string config, std::vector<Override> overrides)
    : m_path(std::move(config)), m_overrides(std::move(overrides)) {
    load_yaml_file(m_path);  // the tools' errors for a missing or malformed file
    std::ifstream f(m_path, std::ios::binary);
    std::ostringstream text;
    text << f.rdbuf();
    m_text = text.str();
    m_base = load({}, true);  // a bad config fails here, not at the first point
    m_tree = YAML::Load(m_text);
    apply_overrides(m_tree, m_overrides);
    m_sections = YAML::Clone(m_tree);
    m_sections.remove("network");
}

ConfigFile Explorer::load(const std::vector<Override>& point, bool from_text) const {
    if (!from_text) {
        try {
            // A point that leaves the network alone reads only the other sections (a tenth of the tree) and
            // takes the network, parsed once, from the file's.
            if (std::all_of(point.begin(), point.end(), macro_or_host_only)) {
                YAML::Node root = YAML::Clone(m_sections);
                apply_overrides(root, point);
                if (std::optional<ConfigFile> cfg = parse_config_sections(root, m_path, m_base)) return std::move(*cfg);
            }
            YAML::Node root = YAML::Clone(m_tree);
            apply_overrides(root, point);
            return parse_config(root, m_path);
        } catch (const UserError&) {
            // again from the text, below: the same error with its line and column
        }
    }
    YAML::Node root = YAML::Load(m_text);
    apply_overrides(root, m_overrides);
    apply_overrides(root, point);
    return parse_config(root, m_path);
}

const Network& Explorer::network_for(const ConfigFile& cfg, const std::vector<Override>& point) {
    std::string key = std::to_string(cfg.network.weight_bits) + "/" + std::to_string(cfg.network.activation_bits);
    for (const Override& o : point)
        if (!macro_or_host_only(o)) key += "\n" + o.key + "=" + o.value;
    auto& net = m_networks[key];
    if (!net) {
        // Built from the text: its layers keep their lines and columns for the errors that name them.
        net = std::make_shared<Network>(build_network(load(point, true)));
        ++m_built;
    }
    return *net;
}

const cost::Technology* Explorer::technology(const std::string& path) {
    if (path.empty()) return nullptr;  // technology: none
    auto it = m_technologies.find(path);
    if (it == m_technologies.end()) {
        std::unique_ptr<cost::Technology> t;
        if (std::filesystem::exists(path)) t = std::make_unique<cost::Technology>(cost::load_technology(path));
        it = m_technologies.emplace(path, std::move(t)).first;
    }
    return it->second.get();
}

nlohmann::ordered_json Explorer::evaluate(const std::vector<Override>& point, const std::string& mode, bool lean,
                                          bool layer_energy) {
    if (mode != "ddc" && mode != "baseline" && mode != "compare")
        throw UserError({}, "mode: expected ddc, baseline or compare, got '" + mode + "'");
    try {
        return evaluate_config(load(point), point, mode, lean, layer_energy);
    } catch (const UserError&) {
        // A config read from the parsed tree has no line and column: again from the text, for the error
        // the tools give.
    }
    return evaluate_config(load(point, true), point, mode, lean, layer_energy);
}

nlohmann::ordered_json Explorer::evaluate_config(const ConfigFile& cfg, const std::vector<Override>& point,
                                                 const std::string& mode, bool lean, bool layer_energy) {
    const Network& net = network_for(cfg, point);
    std::vector<host::SimResult> results;
    for (const char* m : {"ddc", "baseline"}) {
        if (mode != "compare" && mode != m) continue;
        const MacroParams macro = std::string(m) == "ddc" ? cfg.macro : cfg.macro.as_baseline();
        host::check_mappable(net.desc, net.params, macro);
        host::SimResult r = host::run_fast(net, macro, host::system_options(cfg));
        r.engine = "fast";
        r.network = cfg.network.name;
        r.mode = m;
        if (const cost::Technology* t = technology(cfg.technology)) host::apply_costs(r, *t);
        results.push_back(std::move(r));
    }
    nlohmann::ordered_json j =
        mode == "compare" ? host::compare_json(results[0], results[1], false, lean, layer_energy)
                          : host::result_json(results[0], lean, layer_energy);
    j["accuracy"] = accuracy_json(cfg);
    if (lean) return j;  // no config either
    j["config"] = config_text(cfg, point);
    return j;
}

void Explorer::validate(const std::vector<Override>& point) const { load(point); }

const std::string& Explorer::config_text(const ConfigFile& cfg, const std::vector<Override>& point) {
    // The resolved config follows from the file, the session's overrides and the point's: written once per
    // point, the most recent few kept (a notebook asks the same point again).
    std::string key;
    for (const Override& o : point) (key += o.key) += '\0', (key += o.value) += '\0';
    for (auto it = m_config_texts.begin(); it != m_config_texts.end(); ++it)
        if (it->first == key) {
            m_config_texts.splice(m_config_texts.begin(), m_config_texts, it);
            return m_config_texts.front().second;
        }
    YAML::Emitter em;  // as ddcpim_sim's --json
    em << resolved_config_yaml(cfg);
    m_config_texts.emplace_front(std::move(key), em.c_str());
    if (m_config_texts.size() > 16) m_config_texts.pop_back();
    return m_config_texts.front().second;
}

std::string Explorer::resolved_config(const std::vector<Override>& point) const {
    YAML::Emitter em;
    em << resolved_config_yaml(load(point));
    return em.c_str();
}

}  // namespace ddcpim::explore
