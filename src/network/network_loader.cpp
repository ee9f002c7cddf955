// Parses the `weights:` and `network:` sections of a config (docs/config.md).
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <set>

#include <fmt/format.h>

#include "ddcpim/network/network.hpp"

namespace ddcpim {

namespace fs = std::filesystem;

int NetworkDesc::find_layer(const std::string& name) const {
    for (size_t i = 0; i < layers.size(); ++i)
        if (layers[i].name == name) return static_cast<int>(i);
    return -1;
}

int64_t NetworkDesc::total_macs() const {
    int64_t n = 0;
    for (const auto& l : layers) n += l.macs();
    return n;
}

namespace {

constexpr int kMaxDim = 1 << 16;

Padding parse_padding(const StrictNode& n) {
    if (n.is_scalar()) {
        int p = static_cast<int>(n.as_int(0, kMaxDim));
        return {p, p, p, p};
    }
    if (!n.is_sequence() || n.size() != 4) n.fail("expected an integer or a list [top, left, bottom, right]");
    Padding p;
    p.top = static_cast<int>(n.element(0).as_int(0, kMaxDim));
    p.left = static_cast<int>(n.element(1).as_int(0, kMaxDim));
    p.bottom = static_cast<int>(n.element(2).as_int(0, kMaxDim));
    p.right = static_cast<int>(n.element(3).as_int(0, kMaxDim));
    return p;
}

FccOptions parse_fcc_options(const StrictNode& n, FccOptions o) {
    o.sign_flexible = n.get_bool("sign_flexible", o.sign_flexible);
    o.refit_scales = n.get_bool("refit_scales", o.refit_scales);
    o.exact_limit = static_cast<int>(n.get_int("exact_limit", o.exact_limit, 0, 22));
    o.wide_limit = static_cast<int>(n.get_int("wide_limit", o.wide_limit, 2, 1 << 20));
    o.block = static_cast<int>(n.get_int("block", o.block, 2, 4096));
    return o;
}

FccDefaults parse_fcc_defaults(const StrictNode& n) {
    n.expect_map();
    FccDefaults d;
    if (auto p = n.optional_child("pairs"))
        d.mode = p->as_choice({"auto", "none"}) == "auto" ? PairSpec::Mode::Auto : PairSpec::Mode::None;
    d.options = parse_fcc_options(n, d.options);
    if (auto p = n.optional_child("policy")) {
        std::string v = p->as_choice(fcc::policy_names());
        d.policy = static_cast<fcc::Policy>(
            std::find(fcc::policy_names().begin(), fcc::policy_names().end(), v) - fcc::policy_names().begin());
    }
    if (auto k = n.optional_child("kinds")) {
        if (d.policy != fcc::Policy::Kinds) k->fail("fcc.kinds is read only with policy: kinds");
        if (!k->is_sequence() || k->size() == 0) k->fail("expected a non-empty list of roles (stem, expand, "
                                                          "depthwise, project, head, fc, se)");
        for (size_t i = 0; i < k->size(); ++i) {
            std::string v = k->element(i).as_choice(fcc::role_names());
            auto r = static_cast<fcc::Role>(std::find(fcc::role_names().begin(), fcc::role_names().end(), v) -
                                            fcc::role_names().begin());
            if (std::find(d.kinds.begin(), d.kinds.end(), r) != d.kinds.end())
                k->element(i).fail(fmt::format("role '{}' is listed twice", v));
            d.kinds.push_back(r);
        }
    } else if (d.policy == fcc::Policy::Kinds) {
        n.fail("policy: kinds needs kinds: [roles] (stem, expand, depthwise, project, head, fc, se)");
    }
    if (auto s = n.optional_child("skip")) {
        if (!s->is_sequence()) s->fail("expected a list of MAC layer names");
        for (size_t i = 0; i < s->size(); ++i) {
            StrictNode e = s->element(i);
            std::string name = e.as_string();
            if (std::find(d.skip.begin(), d.skip.end(), name) != d.skip.end())
                e.fail(fmt::format("layer '{}' is listed twice", name));
            d.skip.push_back(name);
            d.skip_where.push_back(e.location());
        }
    }
    n.reject_unknown_keys();
    return d;
}

// A layer's `fcc:` section on top of the config's defaults.
PairSpec parse_fcc(const StrictNode& n, const FccDefaults& defaults, PairSpec::Mode default_mode) {
    PairSpec spec;
    spec.mode = default_mode;
    n.expect_map();
    spec.options = parse_fcc_options(n, defaults.options);
    auto pairs = n.optional_child("pairs");
    n.reject_unknown_keys();
    if (!pairs) return spec;
    spec.from_layer = true;
    spec.where = pairs->location();
    if (pairs->is_scalar()) {
        std::string v = pairs->as_choice({"auto", "none"});
        spec.mode = v == "auto" ? PairSpec::Mode::Auto : PairSpec::Mode::None;
        return spec;
    }
    if (!pairs->is_sequence()) pairs->fail("expected 'auto', 'none' or a list of [a, b] pairs");
    spec.mode = PairSpec::Mode::List;
    for (size_t i = 0; i < pairs->size(); ++i) {
        StrictNode p = pairs->element(i);
        if (!p.is_sequence() || p.size() != 2) p.fail("expected a pair [a, b] of filter indices");
        spec.pairs.emplace_back(static_cast<int>(p.element(0).as_int(0, kMaxDim)),
                                static_cast<int>(p.element(1).as_int(0, kMaxDim)));
    }
    return spec;
}

LayerDesc parse_layer(const StrictNode& n, const std::string& previous, const FccDefaults& fcc) {
    n.expect_map();
    LayerDesc l;
    l.where = n.location();  // where.key is the layer's path, e.g. network.layers[3]
    l.name = n.require_string("name");
    // Letters, digits, '_' and '-' (no '.': --set paths split on it), checked by a loop: a regex
    // recurses per character and overflows the stack on a long enough name.
    constexpr size_t kMaxName = 200;
    const bool chars_ok = std::all_of(l.name.begin(), l.name.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    });
    if (l.name.empty() || l.name.size() > kMaxName || !chars_ok || l.name == "input")
        n.child("name").fail(fmt::format("expected a name of 1 to {} letters, digits, '_' and '-' other than 'input', "
                                         "got '{}'{}",
                                         kMaxName, l.name.substr(0, 60), l.name.size() > 60 ? "..." : ""));
    StrictNode ln = n.with_layer(l.name);
    std::string kind = ln.child("kind").as_choice(kind_names());
    l.kind = kind_from_name(kind);

    bool two_inputs = l.kind == LayerKind::Add || l.kind == LayerKind::Se;
    {
        // Every key this kind takes, checked before any is required: `kernel_size: 3` is an
        // unknown key (did you mean 'kernel'?), not a missing 'kernel'.
        std::vector<std::string> keys{"name", "kind", two_inputs ? "inputs" : "input"};
        auto add = [&](std::initializer_list<const char*> more) { keys.insert(keys.end(), more.begin(), more.end()); };
        if (l.is_mac()) add({"in_channels", "fcc"});
        if (l.kind == LayerKind::Conv) add({"out_channels", "kernel", "stride", "padding"});
        if (l.kind == LayerKind::Depthwise) add({"kernel", "stride", "padding"});
        if (l.kind == LayerKind::Pointwise) add({"out_channels", "stride"});
        if (l.kind == LayerKind::Fc) add({"out_features"});
        // The two spellings of a layer's outputs, each right for some kinds.
        if (l.kind == LayerKind::Fc && ln.has("out_channels"))
            ln.child("out_channels").fail("unknown key, did you mean 'out_features'? (an fc layer's outputs are out_features)");
        if ((l.kind == LayerKind::Conv || l.kind == LayerKind::Pointwise) && ln.has("out_features"))
            ln.child("out_features").fail(fmt::format("unknown key, did you mean 'out_channels'? (a {} layer's outputs are "
                                                      "out_channels)", kind));
        ln.reject_keys_outside(keys);
    }
    if (two_inputs) {
        StrictNode in = ln.child("inputs");
        if (!in.is_sequence() || in.size() != 2)
            in.fail(l.kind == LayerKind::Add ? "expected two layer names [a, b]" : "expected [features, gate]");
        l.input_names = {in.element(0).as_string(), in.element(1).as_string()};
    } else {
        l.input_names = {ln.get_string("input", previous)};
    }

    switch (l.kind) {
        case LayerKind::Conv:
            l.out_channels = static_cast<int>(ln.require_int("out_channels", 1, kMaxDim));
            l.kernel = static_cast<int>(ln.require_int("kernel", 1, 64));
            l.stride = static_cast<int>(ln.get_int("stride", 1, 1, 64));
            if (auto p = ln.optional_child("padding")) l.padding = parse_padding(*p);
            break;
        case LayerKind::Depthwise:
            l.kernel = static_cast<int>(ln.require_int("kernel", 1, 64));
            l.stride = static_cast<int>(ln.get_int("stride", 1, 1, 64));
            if (auto p = ln.optional_child("padding")) l.padding = parse_padding(*p);
            break;
        case LayerKind::Pointwise:
            l.out_channels = static_cast<int>(ln.require_int("out_channels", 1, kMaxDim));
            l.stride = static_cast<int>(ln.get_int("stride", 1, 1, 64));
            break;
        case LayerKind::Fc:
            l.out_channels = static_cast<int>(ln.require_int("out_features", 1, kMaxDim));
            break;
        default:
            break;
    }
    if (l.is_mac()) {
        l.in_channels_check = static_cast<int>(ln.get_int("in_channels", -1, 1, int64_t(1) << 30));
        l.fcc.mode = fcc.mode;  // the pairing policy may turn it off once the graph is known (parse_config)
        l.fcc.options = fcc.options;
        l.fcc.where = l.where;
        l.fcc.where.key += ".fcc.pairs";
        if (auto f = ln.optional_child("fcc")) l.fcc = parse_fcc(*f, fcc, l.fcc.mode);
    }
    ln.reject_unknown_keys();
    return l;
}

InputDesc parse_input(const StrictNode& n) {
    n.expect_map();
    InputDesc in;
    in.shape.c = static_cast<int>(n.require_int("channels", 1, kMaxDim));
    in.shape.h = static_cast<int>(n.require_int("height", 1, kMaxDim));
    in.shape.w = static_cast<int>(n.require_int("width", 1, kMaxDim));
    in.is_signed = n.get_bool("signed", true);
    in.scale = n.get_double("scale", in.scale, 1e-12, 1e12);
    n.reject_unknown_keys();
    return in;
}

// The technology file: relative to the config first (the shipped configs find
// configs/tech/28nm.yaml so), then in $DDCPIM_TECH_DIR, the installed data
// directory and the repository's configs/, so that a config written anywhere
// (an imported network, say) still finds tech/28nm.yaml. A file named
// explicitly that is found nowhere is an error; the default, found nowhere,
// leaves area and energy unreported (the tools say so).
std::string resolve_technology_impl(const StrictNode& top, const std::string& config_path) {
    const auto given = top.optional_child("technology");
    if (given && given->as_string() == "none") return "";  // cycles only, by request
    const fs::path name = given ? given->as_string() : std::string("tech/28nm.yaml");
    std::vector<fs::path> tried{name.is_absolute() ? name : fs::path(config_path).parent_path() / name};
    if (name.is_relative()) {
        std::vector<fs::path> dirs;
        if (const char* d = std::getenv("DDCPIM_TECH_DIR"); d && *d) dirs.emplace_back(d);
        dirs.emplace_back(DDCPIM_INSTALL_DATA_DIR);
        dirs.emplace_back(DDCPIM_REPO_CONFIG_DIR);
        for (const fs::path& d : dirs) {
            tried.push_back(d / name);
            tried.push_back(d / "tech" / name.filename());
        }
    }
    for (const fs::path& p : tried) {
        std::error_code ec;
        if (fs::is_regular_file(p, ec)) return p.lexically_normal().string();
    }
    if (given) {
        std::vector<std::string> where;
        for (const fs::path& p : tried) where.push_back(p.lexically_normal().string());
        given->fail(fmt::format("expected a technology file (docs/cost.md); not found at {}", fmt::join(where, ", ")));
    }
    return tried.front().lexically_normal().string();
}

WeightSource parse_weights(const StrictNode& n, const std::string& config_path) {
    n.expect_map();
    WeightSource w;
    w.source = n.child("source").as_choice({"synthetic", "npy"});
    if (w.source == "synthetic") {
        w.seed = static_cast<uint64_t>(n.get_int("seed", 1, 0, int64_t(1) << 62));
    } else {
        w.seed = static_cast<uint64_t>(n.get_int("seed", 1, 0, int64_t(1) << 62));
        StrictNode d = n.child("dir");
        std::string text = d.as_string();
        // A leading ~ is the user's home, so a config can point at a cache outside the checkout.
        const char* home = std::getenv("HOME");
        if (home && (text == "~" || text.rfind("~/", 0) == 0)) text = home + text.substr(1);
        fs::path dir = text;
        if (dir.is_relative()) dir = fs::path(config_path).parent_path() / dir;
        if (!fs::is_directory(dir)) d.fail(fmt::format("expected a directory of .npy files, '{}' is not one", dir.string()));
        w.dir = dir.string();
    }
    n.reject_unknown_keys();
    return w;
}

}  // namespace

const std::vector<LimitDecl>& limit_decls() {
    static const std::vector<LimitDecl> d = {
        {"tensor_elements", "elements of one activation tensor (a layer's input, padded, or output)",
         &Limits::tensor_elements},
        {"layer_weights", "weights of one MAC layer", &Limits::layer_weights},
        {"network_weights", "weights of the whole network", &Limits::network_weights},
        {"pairing_work", "FCC: weight comparisons to pair one layer (pairs evaluated x weights per filter)",
         &Limits::pairing_work},
        {"pairing_bytes", "FCC: bytes of cost matrices held to pair one layer", &Limits::pairing_bytes},
        {"simulated_bytes", "memory of the clocked model's macros, estimated from their buffers and arrays",
         &Limits::simulated_bytes},
    };
    return d;
}

namespace {
// Every top-level section but network: macro, memory, system, weights, technology, accuracy, host, fcc,
// limits (the limits land in cfg.network.limits).
void parse_sections(StrictNode& top, const YAML::Node& root, const std::string& path, ConfigFile& cfg) {
    if (!root.IsDefined() || root.IsNull())
        throw UserError({path}, "empty config: expected a mapping with at least network: (docs/config.md)");
    if (!root.IsMap()) top.fail("expected a mapping with keys macro, weights, network");
    cfg.path = path;
    if (auto m = top.optional_child("macro")) cfg.macro = parse_macro_params(*m);
    if (auto m = top.optional_child("memory")) cfg.memory = parse_memory_params(*m);
    if (auto s = top.optional_child("system")) cfg.system = parse_system_params(*s);
    if (cfg.macro.macros > addressable_macros(cfg.system)) {
        SourceLocation loc = top.location();
        loc.key = "macro.macros";
        throw UserError(loc, fmt::format("{} macros, but the interconnect addresses at most {} (system.select_bits = "
                                         "{}): raise select_bits or use fewer macros",
                                         cfg.macro.macros, addressable_macros(cfg.system), cfg.system.select_bits));
    }
    // Synthetic, seed 1, when absent: a first network needs no weights section.
    if (auto w = top.optional_child("weights")) cfg.weights = parse_weights(*w, path);
    cfg.technology = resolve_technology_impl(top, path);
    if (auto a = top.optional_child("accuracy")) {
        a->expect_map();
        cfg.accuracy.measured = true;
        cfg.accuracy.top1 = a->get_double("top1", -1, 0, 1);
        if (cfg.accuracy.top1 < 0) a->fail("expected top1: the measured top-1 as a fraction (0 to 1)");
        cfg.accuracy.dataset = a->get_string("dataset", "");
        cfg.accuracy.images = a->get_int("images", 0, 0, int64_t(1) << 40);
        cfg.accuracy.engine = a->get_string("engine", "ddcpim_ref");
        cfg.accuracy.int8_top1 = a->get_double("int8_top1", -1, -1, 1);
        cfg.accuracy.int8_network = a->get_string("int8_network", "");
        a->reject_unknown_keys();
    }
    if (auto h = top.optional_child("host")) {
        h->expect_map();
        cfg.host.ops_per_cycle = static_cast<int>(h->get_int("ops_per_cycle", cfg.host.ops_per_cycle, 1, 1 << 20));
        h->reject_unknown_keys();
    }
    if (auto f = top.optional_child("fcc")) cfg.fcc = parse_fcc_defaults(*f);
    if (auto lim = top.optional_child("limits")) {
        lim->expect_map();
        for (const auto& d : limit_decls())
            cfg.network.limits.*d.member = lim->get_int(d.name, cfg.network.limits.*d.member, 1, int64_t(1) << 50);
        lim->reject_unknown_keys();
    }

}
}  // namespace

ConfigFile parse_config(const YAML::Node& root, const std::string& path) {
    StrictNode top(root, path);
    ConfigFile cfg;
    parse_sections(top, root, path, cfg);
    StrictNode net = top.child("network");
    net.expect_map();
    NetworkDesc& nd = cfg.network;
    nd.name = net.require_string("name");
    nd.input = parse_input(net.child("input"));
    nd.activation_bits = static_cast<int>(net.get_int("activation_bits", cfg.macro.input_bits, 2, 8));
    nd.weight_bits = static_cast<int>(net.get_int("weight_bits", cfg.macro.weight_bits, 2, 8));
    StrictNode layers = net.child("layers");
    if (!layers.is_sequence() || layers.size() == 0) layers.fail("expected a non-empty list of layers");
    std::set<std::string> names;
    std::string previous = "input";
    for (size_t i = 0; i < layers.size(); ++i) {
        StrictNode ln = layers.element(i);
        LayerDesc l = parse_layer(ln, previous, cfg.fcc);
        if (!names.insert(l.name).second)
            ln.child("name").fail(fmt::format("layer name '{}' is used twice", l.name));
        previous = l.name;
        nd.layers.push_back(std::move(l));
    }
    for (size_t i = 0; i < cfg.fcc.skip.size(); ++i) {
        auto it = std::find_if(nd.layers.begin(), nd.layers.end(),
                               [&](const LayerDesc& l) { return l.name == cfg.fcc.skip[i]; });
        if (it == nd.layers.end() || !it->is_mac())
            throw UserError(cfg.fcc.skip_where[i],
                            fmt::format("expected the name of a MAC layer (conv, depthwise, pointwise, fc), "
                                        "got '{}'{}", cfg.fcc.skip[i],
                                        it == nd.layers.end() ? ", which is no layer" : ", which computes no MACs"));
    }
    net.reject_unknown_keys();
    top.reject_unknown_keys();
    infer_shapes(nd);
    // The pairing policy (with fcc.skip) decides which layers `pairs: auto` pairs; a layer's own fcc.pairs wins.
    cfg.fcc_policy = fcc::decide_pairing(nd, cfg.fcc.policy, cfg.fcc.kinds, cfg.fcc.skip);
    for (const auto& d : cfg.fcc_policy) {
        LayerDesc& l = nd.layers[static_cast<size_t>(d.layer)];
        if (!d.paired && !l.fcc.from_layer) l.fcc.mode = PairSpec::Mode::None;
    }
    return cfg;
}

std::optional<ConfigFile> parse_config_sections(const YAML::Node& root, const std::string& path,
                                                const ConfigFile& network_from) {
    StrictNode top(root, path);
    ConfigFile cfg;
    parse_sections(top, root, path, cfg);
    // The macro's precisions are the network's defaults: changed, the network must be read again.
    if (cfg.macro.input_bits != network_from.macro.input_bits || cfg.macro.weight_bits != network_from.macro.weight_bits)
        return std::nullopt;
    top.reject_unknown_keys();
    const Limits limits = cfg.network.limits;
    cfg.network = network_from.network;
    cfg.network.limits = limits;
    cfg.fcc_policy = network_from.fcc_policy;
    return cfg;
}

std::string accuracy_text(const ConfigFile& config) {
    const AccuracyRecord& a = config.accuracy;
    if (!a.measured)
        return config.weights.source == "synthetic" ? "accuracy not measured (synthetic weights)"
                                                    : "accuracy not measured";
    bool at_load = std::any_of(config.network.layers.begin(), config.network.layers.end(),
                               [](const LayerDesc& l) { return l.is_mac() && l.fcc.mode == PairSpec::Mode::Auto; });
    if (at_load)
        return fmt::format("accuracy not measured for this run (it pairs layers at load; the recorded top-1 {:.1f}% is "
                           "the network's as stored)", 100 * a.top1);
    std::string twin = a.int8_top1 >= 0 ? fmt::format(" vs {:.1f}% int8", 100 * a.int8_top1) : "";
    return fmt::format("top-1 {:.1f}%{} ({}, {} images, {})", 100 * a.top1, twin,
                       a.dataset.empty() ? "dataset not named" : a.dataset, a.images, a.engine);
}

nlohmann::ordered_json accuracy_json(const ConfigFile& config) {
    const AccuracyRecord& a = config.accuracy;
    const std::string text = accuracy_text(config);
    nlohmann::ordered_json j = {{"measured", a.measured && text.rfind("top-1", 0) == 0}, {"text", text}};
    if (a.measured) {
        j["top1"] = a.top1;
        j["int8_top1"] = a.int8_top1 >= 0 ? nlohmann::ordered_json(a.int8_top1) : nullptr;
        j["dataset"] = a.dataset;
        j["images"] = a.images;
        j["engine"] = a.engine;
    }
    return j;
}

ConfigFile load_config(const std::string& path, const std::vector<Override>& overrides) {
    YAML::Node root = load_yaml_file(path);
    apply_overrides(root, overrides);
    return parse_config(root, path);
}

std::string resolve_technology(const StrictNode& top, const std::string& config_path) {
    return resolve_technology_impl(top, config_path);
}

}  // namespace ddcpim
