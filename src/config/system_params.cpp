#include "ddcpim/config/system_params.hpp"

namespace ddcpim {

const std::vector<ParamDecl<MemoryParams>>& memory_param_decls() {
    using P = MemoryParams;
    static const std::vector<ParamDecl<P>> decls = {
        {"bytes_per_cycle", "off-chip weight memory bandwidth in bytes per cycle, shared by all macros (one "
                            "request at a time, oldest first)", &P::bytes_per_cycle, 1, 1 << 20, {}},
        {"latency", "cycles from a granted request to its data, beyond the transfer itself", &P::latency, 0,
         1 << 20, {}},
    };
    return decls;
}

const std::vector<ParamDecl<SystemParams>>& system_param_decls() {
    using P = SystemParams;
    static const std::vector<ParamDecl<P>> decls = {
        {"residency", "stream: every layer writes its weights when it runs; static: the network's tiles are "
                      "placed across the macros once and kept (the layers that do not fit stream)",
         &P::residency, 0, 0, {"stream", "static"}},
        {"placement", "throughput: of the candidate plans (the residency's rule on the first M' macros, M' = M and "
                      "every power of two below; with static residency also every layer streamed, and where every "
                      "tile is resident the same with its longest-running tiles copied onto the room left) the one "
                      "whose run gives the most images/s, so static never loses to streaming and more macros never "
                      "slow a run down; traffic: the residency's rule on all M macros (docs/host.md section 8)",
         &P::placement, 0, 0, {"throughput", "traffic"}},
        {"link_bytes_per_cycle", "host to macro link bandwidth in bytes per cycle, one link per macro: input "
                                 "vectors in, results out", &P::link_bytes_per_cycle, 1, 1 << 20, {}},
        {"select_bits", "interconnect address bits that pick a macro: at most 2^select_bits macros", &P::select_bits,
         1, 24, {}},
        {"images", "images streamed back to back, distinct seeded inputs (ddcpim_sim --images N sets it; an --input "
                   "batch gives its own N)", &P::images, 1, 65536, {}},
        {"power_gating", "switch a macro's supply off while it has no work: a macro with none in the run is off "
                         "throughout, one with work wakes when the memory grants its first tile's read, to be up "
                         "when the data is (the technology file's wake_ns and wake_pj_per_mm2), and leaks until its "
                         "last command, except asleep in a wait longer than its "
                         "wake-up (only its array cells then leak, at retention_leakage, if it holds resident "
                         "tiles); false: every macro leaks for the whole run",
         &P::power_gating, 0, 0, {}},
        {"prefetch", "load a streamed layer's first tile on each macro as soon as the macro is free, before the "
                     "layer's input is ready (read from the off-chip memory like any load; its runs still wait for "
                     "the input); false: the load waits for the input (docs/host.md section 8)",
         &P::prefetch, 0, 0, {}},
    };
    return decls;
}

namespace {

template <class P>
P parse_params(const StrictNode& node, const std::vector<ParamDecl<P>>& decls) {
    P p;
    if (node.raw().IsNull()) return p;
    node.expect_map();
    for (const auto& d : decls) {
        auto c = node.optional_child(d.name);
        if (!c) continue;
        std::visit(
            [&](auto member) {
                auto& v = p.*member;
                using T = std::decay_t<decltype(v)>;
                if constexpr (std::is_same_v<T, int>) v = static_cast<int>(c->as_int(d.min, d.max));
                else if constexpr (std::is_same_v<T, bool>) v = c->as_bool();
                else v = c->as_choice(d.choices);
            },
            d.member);
    }
    node.reject_unknown_keys();
    return p;
}

template <class P>
YAML::Node params_to_yaml(const P& p, const std::vector<ParamDecl<P>>& decls) {
    YAML::Node n(YAML::NodeType::Map);
    for (const auto& d : decls) std::visit([&](auto member) { n[d.name] = p.*member; }, d.member);
    return n;
}

}  // namespace

MemoryParams parse_memory_params(const StrictNode& node) { return parse_params(node, memory_param_decls()); }
SystemParams parse_system_params(const StrictNode& node) {
    // The number of macros is the macro section's (the macros are alike): say where it is, not only that
    // system has no such key.
    if (node.is_map())
        if (auto m = node.optional_child("macros"))
            m->fail("the number of macros is macro.macros (--set macro.macros=N); system: holds the links, "
                    "residency and images");
    return parse_params(node, system_param_decls());
}
YAML::Node memory_params_to_yaml(const MemoryParams& p) { return params_to_yaml(p, memory_param_decls()); }
YAML::Node system_params_to_yaml(const SystemParams& p) { return params_to_yaml(p, system_param_decls()); }

}  // namespace ddcpim
