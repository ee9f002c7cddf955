// The system around the macros (ARCHITECTURE section 8): the off-chip weight
// memory (`memory:`) and the chip-level choices (`system:`), declared once in
// tables with name, description, default and range, like `macro:`. Parsing,
// the resolved-config output and docs/config.md come from these tables.
#pragma once

#include <string>
#include <variant>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "ddcpim/config/strict_node.hpp"

namespace ddcpim {

struct MemoryParams {
    int bytes_per_cycle = 64;  // off-chip weight memory bandwidth, shared by all macros
    int latency = 20;          // cycles from a granted request to its last byte, beyond the transfer
};

struct SystemParams {
    std::string residency = "stream";  // stream: weights written per layer; static: placed once
    std::string placement = "throughput";  // throughput: the candidate plan with the most images/s; traffic: one rule
    int link_bytes_per_cycle = 256;    // host <-> each macro: input vectors and results
    int select_bits = 12;              // interconnect address bits that pick a macro
    int images = 1;                    // images streamed back to back (ddcpim_sim --images sets it too)
    bool power_gating = false;         // a macro is switched off while it has no work (the technology's wake costs)
    bool prefetch = true;              // a layer's first streamed tile on a macro loads before the layer's input is ready
};

template <class P>
struct ParamDecl {
    const char* name;
    const char* description;
    std::variant<int P::*, bool P::*, std::string P::*> member;
    int64_t min = 0, max = 0;          // integer range (inclusive)
    std::vector<std::string> choices;  // for string parameters
};

const std::vector<ParamDecl<MemoryParams>>& memory_param_decls();
const std::vector<ParamDecl<SystemParams>>& system_param_decls();

// Read the `memory:` / `system:` node: every key optional, unknown keys and
// out-of-range values are UserErrors naming the key.
MemoryParams parse_memory_params(const StrictNode& node);
SystemParams parse_system_params(const StrictNode& node);
YAML::Node memory_params_to_yaml(const MemoryParams& p);
YAML::Node system_params_to_yaml(const SystemParams& p);

// The macros the interconnect can address: 2^select_bits.
inline int64_t addressable_macros(const SystemParams& s) { return int64_t(1) << s.select_bits; }

}  // namespace ddcpim
