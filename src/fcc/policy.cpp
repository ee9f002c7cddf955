#include "ddcpim/fcc/policy.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "ddcpim/network/network.hpp"

namespace ddcpim::fcc {

const std::vector<std::string>& policy_names() {
    static const std::vector<std::string> names = {"all", "rectified", "kinds", "list"};
    return names;
}

const std::vector<std::string>& role_names() {
    static const std::vector<std::string> names = {"stem", "expand", "depthwise", "project", "head", "fc", "se"};
    return names;
}

const char* policy_name(Policy p) { return policy_names()[static_cast<size_t>(p)].c_str(); }
const char* role_name(Role r) { return role_names()[static_cast<size_t>(r)].c_str(); }

namespace {

bool is_rectifier(LayerKind k) { return k == LayerKind::Relu || k == LayerKind::Relu6 || k == LayerKind::Swish; }

using Consumers = std::vector<std::vector<int>>;

Consumers consumers_of(const NetworkDesc& net) {
    Consumers c(net.layers.size());
    for (size_t i = 0; i < net.layers.size(); ++i)
        for (int in : net.layers[i].input_ids)
            if (in >= 0) c[static_cast<size_t>(in)].push_back(static_cast<int>(i));
    return c;
}

// Whether every path from layer i's output meets a rectifier first; the reason either way. A global average
// pool is linear per channel, so it commutes with a per-channel pair: look through it to its consumers.
bool rectified(const NetworkDesc& net, const Consumers& cons, size_t i, std::string& why) {
    const auto& users = cons[i];
    if (users.empty()) {
        why = "network output (linear)";
        return false;
    }
    std::string by;
    for (int u : users) {
        const LayerDesc& l = net.layers[static_cast<size_t>(u)];
        if (is_rectifier(l.kind)) {
            by += fmt::format("{}{} '{}'", by.empty() ? "" : ", ", kind_name(l.kind), l.name);
            continue;
        }
        if (l.kind == LayerKind::AvgPool) {
            std::string inner;
            if (!rectified(net, cons, static_cast<size_t>(u), inner)) {
                why = fmt::format("avgpool '{}', then {}", l.name, inner);
                return false;
            }
            by += fmt::format("{}avgpool '{}' then {}", by.empty() ? "" : ", ", l.name, inner);
            continue;
        }
        if (l.kind == LayerKind::Sigmoid) {
            why = fmt::format("sigmoid '{}' (odd-symmetric: sigmoid(-y) = 1 - sigmoid(y))", l.name);
            return false;
        }
        why = fmt::format("linear consumer {} '{}'", kind_name(l.kind), l.name);
        return false;
    }
    why = "rectified by " + by;
    return true;
}

bool on_1x1(const LayerDesc& l) { return l.in_shape.h * l.in_shape.w == 1; }

// Whether layer i's output reaches an se layer's gate input through activations and MAC layers on 1x1 maps
// (a squeeze-excitation branch).
bool feeds_se_gate(const NetworkDesc& net, const Consumers& cons, size_t i) {
    std::vector<size_t> todo = {i};
    std::vector<bool> seen(net.layers.size(), false);
    while (!todo.empty()) {
        size_t n = todo.back();
        todo.pop_back();
        for (int u : cons[n]) {
            const LayerDesc& l = net.layers[static_cast<size_t>(u)];
            bool act = is_rectifier(l.kind) || l.kind == LayerKind::Sigmoid;
            if (l.kind == LayerKind::Se && l.input_ids.size() == 2 && l.input_ids[1] == static_cast<int>(n))
                return true;
            if ((act || (l.is_mac() && on_1x1(l))) && !seen[static_cast<size_t>(u)]) {
                seen[static_cast<size_t>(u)] = true;
                todo.push_back(static_cast<size_t>(u));
            }
        }
    }
    return false;
}

Role role_of(const NetworkDesc& net, const Consumers& cons, size_t i) {
    const LayerDesc& l = net.layers[i];
    if (l.kind == LayerKind::Conv) return Role::Stem;
    if (l.kind == LayerKind::Depthwise) return Role::Depthwise;
    if (on_1x1(l) && feeds_se_gate(net, cons, i)) return Role::Se;
    if (l.kind == LayerKind::Fc) return Role::Fc;
    std::string why;
    if (!rectified(net, cons, i, why)) return Role::Project;
    bool dw_after = std::any_of(net.layers.begin() + static_cast<long>(i) + 1, net.layers.end(),
                                [](const LayerDesc& x) { return x.kind == LayerKind::Depthwise; });
    return dw_after ? Role::Expand : Role::Head;
}

}  // namespace

std::vector<PolicyDecision> decide_pairing(const NetworkDesc& net, Policy policy, const std::vector<Role>& kinds,
                                           const std::vector<std::string>& skip) {
    Consumers cons = consumers_of(net);
    std::vector<PolicyDecision> out;
    for (size_t i = 0; i < net.layers.size(); ++i) {
        const LayerDesc& l = net.layers[i];
        if (!l.is_mac()) continue;
        PolicyDecision d;
        d.layer = static_cast<int>(i);
        d.role = role_of(net, cons, i);
        if (std::find(skip.begin(), skip.end(), l.name) != skip.end()) {
            d.reason = "in fcc.skip";
        } else if (policy == Policy::All || policy == Policy::List) {
            d.paired = true;
            d.reason = fmt::format("policy {}", policy_name(policy));
        } else if (policy == Policy::Kinds) {
            d.paired = std::find(kinds.begin(), kinds.end(), d.role) != kinds.end();
            d.reason = fmt::format("role {} {} fcc.kinds", role_name(d.role), d.paired ? "in" : "not in");
        } else {
            d.paired = rectified(net, cons, i, d.reason);
        }
        out.push_back(std::move(d));
    }
    return out;
}

namespace {
double paired_fraction(const NetworkDesc& net, const std::vector<PolicyDecision>& d) {
    int64_t all = 0, paired = 0;
    for (const auto& x : d) {
        int64_t m = net.layers[static_cast<size_t>(x.layer)].macs();
        all += m;
        if (x.paired) paired += m;
    }
    return all ? double(paired) / double(all) : 0.0;
}
}  // namespace

std::string policy_table(const NetworkDesc& net, const std::vector<PolicyDecision>& d, const std::string& policy) {
    size_t w = 5;
    for (const auto& x : d) w = std::max(w, net.layers[static_cast<size_t>(x.layer)].name.size());
    std::string out = fmt::format("{:<{}}  {:<9}  {:<9}  {:>10}  {:<6}  {}\n", "layer", w, "kind", "role", "MACs",
                                  "paired", "why");
    for (const auto& x : d) {
        const LayerDesc& l = net.layers[static_cast<size_t>(x.layer)];
        out += fmt::format("{:<{}}  {:<9}  {:<9}  {:>10}  {:<6}  {}\n", l.name, w, kind_name(l.kind),
                           role_name(x.role), l.macs(), x.paired ? "yes" : "no", x.reason);
    }
    size_t n = static_cast<size_t>(std::count_if(d.begin(), d.end(), [](const auto& x) { return x.paired; }));
    out += fmt::format("policy {}: {} of {} MAC layers paired, {:.1f}% of the MACs\n", policy, n, d.size(),
                       100.0 * paired_fraction(net, d));
    return out;
}

nlohmann::ordered_json policy_json(const NetworkDesc& net, const std::vector<PolicyDecision>& d,
                                   const std::string& policy) {
    nlohmann::ordered_json j;
    j["network"] = net.name;
    j["policy"] = policy;
    j["paired_mac_fraction"] = paired_fraction(net, d);
    j["layers"] = nlohmann::ordered_json::array();
    for (const auto& x : d) {
        const LayerDesc& l = net.layers[static_cast<size_t>(x.layer)];
        j["layers"].push_back({{"name", l.name}, {"kind", kind_name(l.kind)}, {"role", role_name(x.role)},
                               {"macs", l.macs()}, {"paired", x.paired}, {"reason", x.reason}});
    }
    return j;
}

}  // namespace ddcpim::fcc
