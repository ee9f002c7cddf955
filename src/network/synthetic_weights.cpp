#include "ddcpim/network/synthetic_weights.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "ddcpim/common/rng.hpp"
#include "ddcpim/ref/engine.hpp"
#include "ddcpim/ref/ops.hpp"

namespace ddcpim {

namespace {

constexpr double kCalibrationQuantile = 0.999;  // of |activation|, mapped to the top code
constexpr double kChannelSpread = 0.35;         // sigma of log per-channel magnitude
constexpr double kBiasFraction = 0.25;          // bias Laplace scale relative to the accumulator spread

double quantile_abs(std::vector<double> v, double q) {
    if (v.empty()) return 0;
    for (auto& x : v) x = std::fabs(x);
    size_t k = std::min(v.size() - 1, static_cast<size_t>(q * double(v.size() - 1)));
    std::nth_element(v.begin(), v.begin() + long(k), v.end());
    return v[k];
}

double safe_scale(double top_value, int64_t top_code) {
    return std::max(top_value, 1e-6) / double(top_code);
}

void generate_mac_weights(const LayerDesc& l, int bits, uint64_t seed, LayerParams& p) {
    Rng rng(seed, "weights/" + l.name);
    const int n = l.weights_per_filter();
    const double b = std::sqrt(1.0 / n);  // Laplace(b) has variance 2b^2 = 2/fan_in (He)
    const int64_t top = int_range(bits, true).hi;
    p.weight.resize(size_t(l.out_channels) * n);
    p.weight_float.resize(p.weight.size());
    p.weight_scale.resize(size_t(l.out_channels));
    for (int f = 0; f < l.out_channels; ++f) {
        double spread = std::exp(kChannelSpread * rng.normal());
        double mx = 0;
        for (int k = 0; k < n; ++k) {
            double w = rng.laplace(b * spread);
            p.weight_float[size_t(f) * n + k] = static_cast<float>(w);
            mx = std::max(mx, std::fabs(double(static_cast<float>(w))));
        }
        double s = safe_scale(mx, top);
        p.weight_scale[size_t(f)] = s;
        for (int k = 0; k < n; ++k) {
            size_t i = size_t(f) * n + k;
            p.weight[i] = static_cast<int32_t>(std::clamp<long long>(std::llround(p.weight_float[i] / s), -top, top));
        }
    }
}

// Bias, output scale and requantisation of a MAC layer from its accumulators.
void calibrate_mac(const LayerDesc& l, double in_scale, int bits, uint64_t seed, const std::vector<int32_t>& acc,
                   LayerParams& p) {
    const size_t plane = size_t(l.out_shape.h) * l.out_shape.w;
    std::vector<double> real(acc.size());
    for (int f = 0; f < l.out_channels; ++f)
        for (size_t i = 0; i < plane; ++i)
            real[size_t(f) * plane + i] = acc[size_t(f) * plane + i] * in_scale * p.weight_scale[size_t(f)];
    double spread = std::sqrt(std::max(1e-12, [&] {
        double s = 0;
        for (double v : real) s += v * v;
        return s / double(std::max<size_t>(1, real.size()));
    }()));
    Rng rng(seed, "bias/" + l.name);
    p.bias.resize(size_t(l.out_channels));
    std::vector<double> bias_real(size_t(l.out_channels));
    for (int f = 0; f < l.out_channels; ++f) {
        double acc_unit = in_scale * p.weight_scale[size_t(f)];
        double br = rng.laplace(kBiasFraction * spread);
        long long bi = std::llround(br / acc_unit);
        bi = std::clamp<long long>(bi, -(1LL << 24), 1LL << 24);
        p.bias[size_t(f)] = static_cast<int32_t>(bi);
        bias_real[size_t(f)] = double(bi) * acc_unit;
    }
    for (int f = 0; f < l.out_channels; ++f)
        for (size_t i = 0; i < plane; ++i) real[size_t(f) * plane + i] += bias_real[size_t(f)];
    p.out_range = int_range(bits, true);
    p.out_scale = safe_scale(quantile_abs(real, kCalibrationQuantile), p.out_range.hi);
    p.requant.clear();
    for (int f = 0; f < l.out_channels; ++f)
        p.requant.push_back(fixed_point_from_real(in_scale * p.weight_scale[size_t(f)] / p.out_scale));
}

std::vector<double> to_real(const Tensor& t, double scale) {
    std::vector<double> r(t.data.size());
    for (size_t i = 0; i < r.size(); ++i) r[i] = t.data[i] * scale;
    return r;
}

}  // namespace

std::vector<int32_t> build_activation_lut(LayerKind kind, int bits, bool in_signed, double in_scale,
                                          double out_scale, IntRange out_range) {
    IntRange in = int_range(bits, in_signed);
    std::vector<int32_t> lut;
    for (int64_t x = in.lo; x <= in.hi; ++x) {
        double r = double(x) * in_scale;
        double sig = 1.0 / (1.0 + std::exp(-r));
        double y = kind == LayerKind::Sigmoid ? sig : r * sig;
        lut.push_back(static_cast<int32_t>(out_range.clamp(std::llround(y / out_scale))));
    }
    return lut;
}

std::vector<FixedPoint> add_fixed_points(double fa, double fb) {
    FixedPoint big = fixed_point_from_real(std::max(fa, fb));
    auto at_shift = [&](double f) {
        long long m = std::llround(std::ldexp(f, big.shift));
        return FixedPoint{static_cast<int32_t>(std::min<long long>(m, (1LL << kMultiplierBits) - 1)), big.shift};
    };
    return {at_shift(fa), at_shift(fb)};
}

Network synthesize_network(const ConfigFile& config) {
    Network net;
    net.desc = config.network;
    net.origin = fmt::format("synthetic, seed {}", config.weights.seed);
    const NetworkDesc& d = net.desc;
    const int abits = d.activation_bits;
    const uint64_t seed = config.weights.seed;
    net.params.resize(d.layers.size());

    // Calibrate on an input of its own, not the one inferences use.
    Tensor input = ref::sample_input(d, seed ^ 0x5ca1ab1eULL);
    std::vector<Tensor> outs(d.layers.size());
    for (size_t i = 0; i < d.layers.size(); ++i) {
        const LayerDesc& l = d.layers[i];
        LayerParams& p = net.params[i];
        std::vector<const Tensor*> ins;
        std::vector<double> in_scales;
        for (int id : l.input_ids) {
            ins.push_back(id < 0 ? &input : &outs[size_t(id)]);
            in_scales.push_back(id < 0 ? d.input.scale : net.params[size_t(id)].out_scale);
        }
        const Tensor& x = *ins[0];
        const double sx = in_scales[0];
        switch (l.kind) {
            case LayerKind::Conv:
            case LayerKind::Depthwise:
            case LayerKind::Pointwise:
            case LayerKind::Fc: {
                generate_mac_weights(l, d.weight_bits, seed, p);
                std::vector<int32_t> acc = ref::mac_accumulate(l, p.weight, x);
                calibrate_mac(l, sx, abits, seed, acc, p);
                outs[i] = ref::mac_output(l, p, acc);
                continue;
            }
            case LayerKind::Add: {
                std::vector<double> r = to_real(x, sx);
                std::vector<double> rb = to_real(*ins[1], in_scales[1]);
                for (size_t k = 0; k < r.size(); ++k) r[k] += rb[k];
                p.out_range = int_range(abits, true);
                p.out_scale = safe_scale(quantile_abs(r, kCalibrationQuantile), p.out_range.hi);
                p.requant = add_fixed_points(sx / p.out_scale, in_scales[1] / p.out_scale);
                break;
            }
            case LayerKind::AvgPool: {
                const size_t plane = size_t(x.shape.h) * x.shape.w;
                std::vector<double> mean(size_t(x.shape.c), 0);
                for (int c = 0; c < x.shape.c; ++c) {
                    for (size_t k = 0; k < plane; ++k) mean[size_t(c)] += x.data[size_t(c) * plane + k];
                    mean[size_t(c)] *= sx / double(plane);
                }
                p.out_range = int_range(abits, l.out_signed);
                p.out_scale = safe_scale(quantile_abs(mean, 1.0), p.out_range.hi);
                p.requant = {fixed_point_from_real(sx / (double(plane) * p.out_scale))};
                break;
            }
            case LayerKind::Se: {
                const Tensor& g = *ins[1];
                const size_t plane = size_t(x.shape.h) * x.shape.w;
                std::vector<double> r(x.data.size());
                for (size_t k = 0; k < r.size(); ++k) r[k] = x.data[k] * sx * g.data[k / plane] * in_scales[1];
                p.out_range = int_range(abits, l.out_signed);
                p.out_scale = safe_scale(quantile_abs(r, kCalibrationQuantile), p.out_range.hi);
                p.requant = {fixed_point_from_real(sx * in_scales[1] / p.out_scale)};
                break;
            }
            case LayerKind::Relu:
            case LayerKind::Relu6: {
                std::vector<double> r = to_real(x, sx);
                for (auto& v : r) v = std::max(v, 0.0);
                double top = quantile_abs(r, kCalibrationQuantile);
                if (l.kind == LayerKind::Relu6) top = std::min(top, 6.0);
                IntRange full = int_range(abits, false);
                p.out_scale = safe_scale(top, full.hi);
                p.out_range = full;
                if (l.kind == LayerKind::Relu6)
                    p.out_range.hi = std::min<int64_t>(full.hi, std::llround(6.0 / p.out_scale));
                p.requant = {fixed_point_from_real(sx / p.out_scale)};
                break;
            }
            case LayerKind::Swish:
            case LayerKind::Sigmoid: {
                p.out_range = int_range(abits, l.out_signed);
                if (l.kind == LayerKind::Sigmoid) {
                    p.out_scale = 1.0 / double(p.out_range.hi);
                } else {
                    // swish's largest output over the input's range
                    IntRange in = int_range(abits, x.is_signed);
                    double top = std::max(std::fabs(in.lo * sx), std::fabs(in.hi * sx));
                    p.out_scale = safe_scale(top / (1 + std::exp(-top)), p.out_range.hi);
                }
                p.lut = build_activation_lut(l.kind, abits, x.is_signed, sx, p.out_scale, p.out_range);
                break;
            }
        }
        outs[i] = ref::run_non_mac(l, p, ins);
    }
    return net;
}

}  // namespace ddcpim
