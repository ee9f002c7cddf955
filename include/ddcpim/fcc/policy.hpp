// Which MAC layers FCC pairs: the pairing policy (ARCHITECTURE section 3, step 6; docs/fcc.md).
//
// A pair holds one direction: filter b is -(L + 1) where filter a is L. That is free only where the layer's
// output goes through a nonlinearity f for which f(y) and f(-y) are not affinely related (relu, relu6,
// swish: the pair is CReLU). After a linear consumer (an add, the next MAC layer, the network output) or an
// odd-symmetric one (sigmoid(-y) = 1 - sigmoid(y)) the pair is a loss of rank. The policy is read from the
// config's `fcc:` section and decided from the graph, once, for every tool that pairs.
#pragma once

#include <string>

#include <nlohmann/json.hpp>
#include <vector>

namespace ddcpim {
struct NetworkDesc;
}

namespace ddcpim::fcc {

enum class Policy { All, Rectified, Kinds, List };

// A MAC layer's role in the network, for `policy: kinds`.
enum class Role { Stem, Expand, Depthwise, Project, Head, Fc, Se };

const std::vector<std::string>& policy_names();  // all, rectified, kinds, list
const std::vector<std::string>& role_names();    // stem, expand, depthwise, project, head, fc, se
const char* policy_name(Policy p);
const char* role_name(Role r);

struct PolicyDecision {
    int layer = -1;       // index in the network's layers (MAC layers only)
    Role role = Role::Stem;
    bool paired = false;  // the policy pairs it (a layer's own fcc.pairs still wins)
    std::string reason;   // "rectified by relu6 'b2_expand_act'", "linear consumer add 'b1_add'", ...
};

// Every MAC layer's role and the policy's decision, from the graph (shapes must be inferred). `skip` (fcc.skip)
// leaves layers unpaired under every policy; `list` is `all` less `skip`.
std::vector<PolicyDecision> decide_pairing(const NetworkDesc& net, Policy policy, const std::vector<Role>& kinds,
                                           const std::vector<std::string>& skip);

// The decisions as a table (layer, kind, role, MACs, paired, reason, and the paired share of MACs) and as JSON
// ({"policy", "paired_mac_fraction", "layers": [{"name", "kind", "role", "macs", "paired", "reason"}]}).
std::string policy_table(const NetworkDesc& net, const std::vector<PolicyDecision>& d, const std::string& policy);
nlohmann::ordered_json policy_json(const NetworkDesc& net, const std::vector<PolicyDecision>& d,
                                   const std::string& policy);

}  // namespace ddcpim::fcc
