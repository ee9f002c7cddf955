// Building a Network from a ConfigFile, and writing the resolved config.
#include <atomic>

#include <fmt/format.h>

#include "ddcpim/fcc/fcc_pass.hpp"
#include "ddcpim/network/network.hpp"
#include "ddcpim/network/npy_weights.hpp"
#include "ddcpim/network/pairs.hpp"
#include "ddcpim/network/synthetic_weights.hpp"

namespace ddcpim {

Network build_network(const ConfigFile& config) {
    Network net = config.weights.source == "npy" ? load_npy_network(config) : synthesize_network(config);
    net.fcc_reports = fcc::run_fcc(net);  // layers whose pairs are `auto`
    validate_pairs(net);
    static std::atomic<uint64_t> next_id{1};
    net.build_id = next_id++;
    return net;
}

namespace {

YAML::Node layer_yaml(const LayerDesc& l, const std::string& previous) {
    YAML::Node n(YAML::NodeType::Map);
    n.SetStyle(YAML::EmitterStyle::Flow);
    n["name"] = l.name;
    n["kind"] = kind_name(l.kind);
    if (l.kind == LayerKind::Add || l.kind == LayerKind::Se) {
        YAML::Node ins(YAML::NodeType::Sequence);
        for (auto& s : l.input_names) ins.push_back(s);
        n["inputs"] = ins;
    } else if (l.input_names[0] != previous) {
        n["input"] = l.input_names[0];
    }
    if (l.in_channels_check >= 0) n["in_channels"] = l.in_channels_check;
    if (l.kind == LayerKind::Conv || l.kind == LayerKind::Pointwise) n["out_channels"] = l.out_channels;
    if (l.kind == LayerKind::Fc) n["out_features"] = l.out_channels;
    if (l.kind == LayerKind::Conv || l.kind == LayerKind::Depthwise) {
        n["kernel"] = l.kernel;
        n["stride"] = l.stride;
        if (l.padding.uniform()) {
            n["padding"] = l.padding.top;
        } else {
            YAML::Node p(YAML::NodeType::Sequence);
            for (int v : {l.padding.top, l.padding.left, l.padding.bottom, l.padding.right}) p.push_back(v);
            n["padding"] = p;
        }
    }
    if (l.kind == LayerKind::Pointwise && l.stride != 1) n["stride"] = l.stride;
    if (l.fcc.from_layer) {
        YAML::Node f(YAML::NodeType::Map);
        if (l.fcc.mode != PairSpec::Mode::List) {
            f["pairs"] = l.fcc.mode == PairSpec::Mode::Auto ? "auto" : "none";
        } else {
            YAML::Node ps(YAML::NodeType::Sequence);
            for (auto [a, b] : l.fcc.pairs) {
                YAML::Node pr(YAML::NodeType::Sequence);
                pr.SetStyle(YAML::EmitterStyle::Flow);
                pr.push_back(a);
                pr.push_back(b);
                ps.push_back(pr);
            }
            f["pairs"] = ps;
        }
        f["sign_flexible"] = l.fcc.options.sign_flexible;
        f["refit_scales"] = l.fcc.options.refit_scales;
        f["exact_limit"] = l.fcc.options.exact_limit;
        f["wide_limit"] = l.fcc.options.wide_limit;
        f["block"] = l.fcc.options.block;
        n["fcc"] = f;
    }
    return n;
}

}  // namespace

YAML::Node resolved_config_yaml(const ConfigFile& config) {
    YAML::Node root(YAML::NodeType::Map);
    root["macro"] = macro_params_to_yaml(config.macro);
    root["memory"] = memory_params_to_yaml(config.memory);
    root["system"] = system_params_to_yaml(config.system);
    root["host"]["ops_per_cycle"] = config.host.ops_per_cycle;
    root["technology"] = config.technology.empty() ? std::string("none") : config.technology;
    YAML::Node w(YAML::NodeType::Map);
    w["source"] = config.weights.source;
    w["seed"] = config.weights.seed;
    if (config.weights.source == "npy") w["dir"] = config.weights.dir;
    root["weights"] = w;
    YAML::Node fcc(YAML::NodeType::Map);
    fcc["pairs"] = config.fcc.mode == PairSpec::Mode::Auto ? "auto" : "none";
    fcc["sign_flexible"] = config.fcc.options.sign_flexible;
    fcc["refit_scales"] = config.fcc.options.refit_scales;
    fcc["exact_limit"] = config.fcc.options.exact_limit;
    fcc["wide_limit"] = config.fcc.options.wide_limit;
    fcc["block"] = config.fcc.options.block;
    fcc["policy"] = fcc::policy_name(config.fcc.policy);
    if (config.fcc.policy == fcc::Policy::Kinds) {
        YAML::Node kinds(YAML::NodeType::Sequence);
        for (auto r : config.fcc.kinds) kinds.push_back(fcc::role_name(r));
        kinds.SetStyle(YAML::EmitterStyle::Flow);
        fcc["kinds"] = kinds;
    }
    if (!config.fcc.skip.empty()) {
        YAML::Node skip(YAML::NodeType::Sequence);
        skip.SetStyle(YAML::EmitterStyle::Flow);
        for (const auto& s : config.fcc.skip) skip.push_back(s);
        fcc["skip"] = skip;
    }
    root["fcc"] = fcc;
    if (config.accuracy.measured) {
        const AccuracyRecord& a = config.accuracy;
        YAML::Node acc(YAML::NodeType::Map);
        acc["top1"] = a.top1;
        acc["dataset"] = a.dataset;
        acc["images"] = a.images;
        acc["engine"] = a.engine;
        if (a.int8_top1 >= 0) acc["int8_top1"] = a.int8_top1;
        if (!a.int8_network.empty()) acc["int8_network"] = a.int8_network;
        root["accuracy"] = acc;
    }
    const NetworkDesc& d = config.network;
    YAML::Node net(YAML::NodeType::Map);
    net["name"] = d.name;
    YAML::Node in(YAML::NodeType::Map);
    in.SetStyle(YAML::EmitterStyle::Flow);
    in["channels"] = d.input.shape.c;
    in["height"] = d.input.shape.h;
    in["width"] = d.input.shape.w;
    in["signed"] = d.input.is_signed;
    in["scale"] = d.input.scale;
    net["input"] = in;
    net["activation_bits"] = d.activation_bits;
    net["weight_bits"] = d.weight_bits;
    YAML::Node layers(YAML::NodeType::Sequence);
    std::string previous = "input";
    for (const auto& l : d.layers) {
        layers.push_back(layer_yaml(l, previous));
        previous = l.name;
    }
    net["layers"] = layers;
    root["network"] = net;
    YAML::Node limits(YAML::NodeType::Map);
    for (const auto& d : limit_decls()) limits[d.name] = config.network.limits.*d.member;
    root["limits"] = limits;
    return root;
}

}  // namespace ddcpim
