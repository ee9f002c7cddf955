#include "ddcpim/network/npy_weights.hpp"

#include <cmath>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "ddcpim/common/npy.hpp"

namespace ddcpim {

namespace fs = std::filesystem;

namespace {

std::string file_of(const std::string& dir, const LayerDesc& l, const char* what) {
    return (fs::path(dir) / fmt::format("{}.{}.npy", l.name, what)).string();
}

[[noreturn]] void bad(const std::string& file, const LayerDesc& l, const std::string& what) {
    SourceLocation loc{file};
    loc.layer = l.name;
    throw UserError(loc, what);
}

std::string shape_str(const std::vector<int64_t>& s) { return fmt::format("({})", fmt::join(s, ", ")); }

// Reads integer values, checking the element count and that each is a whole
// number within [lo, hi].
std::vector<int64_t> read_ints(const std::string& file, const LayerDesc& l, const std::vector<int64_t>& shape,
                               int64_t lo, int64_t hi, const std::string& what) {
    NpyArray a = read_npy(file);
    int64_t expected = 1;
    for (auto d : shape) expected *= d;
    if (a.shape != shape)
        bad(file, l, fmt::format("expected {} of shape {} ({} values), got shape {}", what, shape_str(shape),
                                 expected, shape_str(a.shape)));
    std::vector<int64_t> v(a.values.size());
    for (size_t i = 0; i < v.size(); ++i) {
        double x = a.values[i];
        if (x != std::floor(x) || x < double(lo) || x > double(hi))
            bad(file, l, fmt::format("{} element {} is {}, expected an integer in [{}, {}]", what, i, x, lo, hi));
        v[i] = static_cast<int64_t>(x);
    }
    return v;
}

std::vector<FixedPoint> read_requant(const std::string& dir, const LayerDesc& l, int64_t n) {
    std::string f = file_of(dir, l, "requant");
    const int64_t m = (int64_t(1) << kMultiplierBits) - 1;
    auto v = read_ints(f, l, {n, 2}, -m, m, "requantisation [multiplier, shift]");
    std::vector<FixedPoint> out;
    for (int64_t i = 0; i < n; ++i) {
        if (v[size_t(2 * i + 1)] < 0 || v[size_t(2 * i + 1)] > kMaxShift)
            bad(f, l, fmt::format("shift of row {} is {}, expected 0..{}", i, v[size_t(2 * i + 1)], kMaxShift));
        out.push_back({static_cast<int32_t>(v[size_t(2 * i)]), static_cast<int32_t>(v[size_t(2 * i + 1)])});
    }
    if (l.kind == LayerKind::Add && out[0].shift != out[1].shift)
        bad(f, l, "an add's two rows must share one shift");
    return out;
}

// An optional float file of exactly `shape`, every value finite; `positive`:
// every value > 0 except where `may_be_negative` allows a negative one (never 0).
std::vector<double> read_optional_floats(const std::string& file, const LayerDesc& l, const std::vector<int64_t>& shape,
                                         const std::string& what, bool positive,
                                         const std::vector<bool>& may_be_negative = {}) {
    if (!fs::exists(file)) return {};
    NpyArray a = read_npy(file);
    if (a.shape != shape)
        bad(file, l, fmt::format("expected {} of shape {}, got shape {}", what, shape_str(shape), shape_str(a.shape)));
    for (size_t i = 0; i < a.values.size(); ++i) {
        const double x = a.values[i];
        if (!std::isfinite(x)) bad(file, l, fmt::format("{} element {} is {}, expected a finite number", what, i, x));
        if (!positive) continue;
        const bool negative_ok = i < may_be_negative.size() && may_be_negative[i];
        if (x == 0 || (x < 0 && !negative_ok))
            bad(file, l, fmt::format("{} element {} is {}, expected a number > 0{}", what, i, x,
                                     x < 0 ? " (a negative scale belongs only to the Q-bar filter of a listed "
                                             "sign-flexible pair)"
                                           : ""));
    }
    return a.values;
}

}  // namespace

Network load_npy_network(const ConfigFile& config) {
    Network net;
    net.desc = config.network;
    net.origin = fmt::format("npy files in {}", config.weights.dir);
    const std::string& dir = config.weights.dir;
    const NetworkDesc& d = net.desc;
    for (const LayerDesc& l : d.layers) {
        LayerParams p;
        p.out_range = int_range(d.activation_bits, l.out_signed);
        if (l.is_mac()) {
            std::vector<int64_t> shape = l.kind == LayerKind::Fc
                ? std::vector<int64_t>{l.out_channels, l.weights_per_filter()}
                : std::vector<int64_t>{l.out_channels, l.in_shape.c / l.groups(), l.kernel, l.kernel};
            IntRange wr = int_range(d.weight_bits, true);
            auto w = read_ints(file_of(dir, l, "weight"), l, shape, wr.lo, wr.hi,
                               fmt::format("{}-bit weights", d.weight_bits));
            p.weight.assign(w.begin(), w.end());
            std::string bf = file_of(dir, l, "bias");
            if (fs::exists(bf)) {
                auto b = read_ints(bf, l, {l.out_channels}, INT32_MIN, INT32_MAX, "bias");
                p.bias.assign(b.begin(), b.end());
            }
            p.requant = read_requant(dir, l, l.out_channels);
            auto wf = read_optional_floats(file_of(dir, l, "weight_float"), l, shape, "float weights", false);
            p.weight_float.assign(wf.begin(), wf.end());
            // Sign-flexible FCC gives the Q-bar filter of a pair a negative scale; only a listed pair can say so.
            std::vector<bool> negative_ok(size_t(l.out_channels), false);
            if (l.fcc.mode == PairSpec::Mode::List)
                for (auto [a, b] : l.fcc.pairs)
                    if (b >= 0 && b < l.out_channels) negative_ok[size_t(b)] = true;
            p.weight_scale = read_optional_floats(file_of(dir, l, "weight_scale"), l, {l.out_channels},
                                                  "per-filter weight scales", true, negative_ok);
        } else if (l.kind == LayerKind::Add) {
            p.requant = read_requant(dir, l, 2);
        } else if (l.kind == LayerKind::Swish || l.kind == LayerKind::Sigmoid) {
            int64_t n = int64_t(1) << d.activation_bits;
            auto v = read_ints(file_of(dir, l, "lut"), l, {n}, p.out_range.lo, p.out_range.hi,
                               "activation table of one output code per input code");
            p.lut.assign(v.begin(), v.end());
        } else {
            p.requant = read_requant(dir, l, 1);
        }
        std::string cf = file_of(dir, l, "clamp");
        if (fs::exists(cf)) {
            auto c = read_ints(cf, l, {2}, p.out_range.lo, p.out_range.hi, "output clamp [lo, hi]");
            if (c[0] > c[1]) bad(cf, l, fmt::format("clamp lo {} is above hi {}", c[0], c[1]));
            p.out_range = {c[0], c[1]};
        }
        auto os = read_optional_floats(file_of(dir, l, "out_scale"), l, {1}, "the output scale", true);
        if (!os.empty()) p.out_scale = os[0];
        net.params.push_back(std::move(p));
    }
    return net;
}

void export_network(const Network& net, const ConfigFile& config, const std::string& dir,
                    const std::string& yaml_path) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) throw UserError({dir}, fmt::format("cannot create directory: {}", ec.message()));
    const NetworkDesc& d = net.desc;
    for (size_t i = 0; i < d.layers.size(); ++i) {
        const LayerDesc& l = d.layers[i];
        const LayerParams& p = net.params[i];
        auto requant = [&]() {
            std::vector<int32_t> v;
            for (auto& q : p.requant) v.insert(v.end(), {q.multiplier, q.shift});
            write_npy_int32(file_of(dir, l, "requant"), {int64_t(p.requant.size()), 2}, v);
        };
        if (l.is_mac()) {
            std::vector<int64_t> shape = l.kind == LayerKind::Fc
                ? std::vector<int64_t>{l.out_channels, l.weights_per_filter()}
                : std::vector<int64_t>{l.out_channels, l.in_shape.c / l.groups(), l.kernel, l.kernel};
            write_npy_int32(file_of(dir, l, "weight"), shape, p.weight);
            if (!p.bias.empty()) write_npy_int32(file_of(dir, l, "bias"), {l.out_channels}, p.bias);
            requant();
            if (!p.weight_float.empty())
                write_npy_float64(file_of(dir, l, "weight_float"), shape,
                                  std::vector<double>(p.weight_float.begin(), p.weight_float.end()));
            if (!p.weight_scale.empty())
                write_npy_float64(file_of(dir, l, "weight_scale"), {l.out_channels}, p.weight_scale);
        } else if (l.kind == LayerKind::Swish || l.kind == LayerKind::Sigmoid) {
            write_npy_int32(file_of(dir, l, "lut"), {int64_t(p.lut.size())}, p.lut);
        } else {
            requant();
        }
        IntRange full = int_range(d.activation_bits, l.out_signed);
        if (p.out_range.lo != full.lo || p.out_range.hi != full.hi)
            write_npy_int32(file_of(dir, l, "clamp"), {2},
                            {static_cast<int32_t>(p.out_range.lo), static_cast<int32_t>(p.out_range.hi)});
        if (p.out_scale > 0) write_npy_float64(file_of(dir, l, "out_scale"), {1}, {p.out_scale});
    }
    ConfigFile out = config;
    out.network = d;
    out.weights.source = "npy";
    out.fcc = FccDefaults{};  // the pairs are now explicit lists
    out.weights.dir = fs::relative(fs::absolute(dir), fs::absolute(fs::path(yaml_path)).parent_path()).string();
    // Exported pairs are explicit lists: the weights already hold them.
    for (size_t i = 0; i < out.network.layers.size(); ++i) {
        auto& spec = out.network.layers[i].fcc;
        const auto& pairs = net.params[i].pairs;
        spec.mode = pairs.empty() ? PairSpec::Mode::None : PairSpec::Mode::List;
        spec.from_layer = !pairs.empty();
        spec.pairs = pairs;
    }
    YAML::Emitter em;
    em << resolved_config_yaml(out);
    std::ofstream f(yaml_path);
    if (!f) throw UserError({yaml_path}, "cannot open for writing");
    f << "# Written by ddcpim from " << config.path << " (" << net.origin << ")\n" << em.c_str() << "\n";
}

}  // namespace ddcpim
