#include "ddcpim/ref/ops.hpp"

#include <algorithm>

namespace ddcpim::ref {

namespace {

// One (input channel, kernel tap) of a convolution: acc[oh][ow] += w * in[ih][iw]
// over all output positions whose input position lies inside the image.
void accumulate_tap(int32_t* acc, const int32_t* in, int in_h, int in_w, int out_h, int out_w, int stride,
                    int dy, int dx, int32_t w) {
    if (w == 0) return;
    // Valid output columns: 0 <= ow*stride + dx < in_w.
    int ow_lo = dx >= 0 ? 0 : (-dx + stride - 1) / stride;
    int ow_hi = std::min(out_w, dx >= in_w ? 0 : (in_w - dx + stride - 1) / stride);
    for (int oh = 0; oh < out_h; ++oh) {
        int ih = oh * stride + dy;
        if (ih < 0 || ih >= in_h) continue;
        int32_t* a = acc + size_t(oh) * out_w;
        const int32_t* row = in + size_t(ih) * in_w;
        if (stride == 1) {
            for (int ow = ow_lo; ow < ow_hi; ++ow) a[ow] += w * row[ow + dx];
        } else {
            for (int ow = ow_lo; ow < ow_hi; ++ow) a[ow] += w * row[ow * stride + dx];
        }
    }
}

}  // namespace

std::vector<int32_t> mac_accumulate(const LayerDesc& l, const std::vector<int32_t>& weight, const Tensor& in) {
    const Shape& o = l.out_shape;
    std::vector<int32_t> acc(static_cast<size_t>(o.size()), 0);
    const size_t plane_in = size_t(in.shape.h) * in.shape.w;
    const size_t plane_out = size_t(o.h) * o.w;
    if (l.kind == LayerKind::Fc) {
        const int n = l.weights_per_filter();
        for (int f = 0; f < o.c; ++f) {
            const int32_t* w = weight.data() + size_t(f) * n;
            int32_t s = 0;
            for (int k = 0; k < n; ++k) s += w[k] * in.data[k];
            acc[f] = s;
        }
        return acc;
    }
    const int k = l.kernel;
    const int groups = l.groups();
    const int in_per_group = in.shape.c / groups;
    const int out_per_group = o.c / groups;
    for (int f = 0; f < o.c; ++f) {
        int32_t* a = acc.data() + size_t(f) * plane_out;
        int first_in = (f / out_per_group) * in_per_group;
        for (int i = 0; i < in_per_group; ++i) {
            const int32_t* src = in.data.data() + size_t(first_in + i) * plane_in;
            const int32_t* w = weight.data() + (size_t(f) * in_per_group + i) * k * k;
            for (int ky = 0; ky < k; ++ky)
                for (int kx = 0; kx < k; ++kx)
                    accumulate_tap(a, src, in.shape.h, in.shape.w, o.h, o.w, l.stride, ky - l.padding.top,
                                   kx - l.padding.left, w[ky * k + kx]);
        }
    }
    return acc;
}

Tensor mac_output(const LayerDesc& l, const LayerParams& p, const std::vector<int32_t>& acc) {
    Tensor out(l.out_shape, l.out_signed);
    const size_t plane = size_t(l.out_shape.h) * l.out_shape.w;
    for (int f = 0; f < l.out_shape.c; ++f) {
        const FixedPoint& q = p.requant[size_t(f)];
        const int64_t b = p.bias.empty() ? 0 : p.bias[size_t(f)];
        for (size_t i = 0; i < plane; ++i) {
            size_t idx = size_t(f) * plane + i;
            out.data[idx] = static_cast<int32_t>(p.out_range.clamp(q.apply(int64_t(acc[idx]) + b)));
        }
    }
    return out;
}

Tensor run_non_mac(const LayerDesc& l, const LayerParams& p, const std::vector<const Tensor*>& inputs) {
    const Tensor& x = *inputs[0];
    Tensor out(l.out_shape, l.out_signed);
    switch (l.kind) {
        case LayerKind::Add: {
            const Tensor& y = *inputs[1];
            const FixedPoint& qa = p.requant[0];
            const FixedPoint& qb = p.requant[1];
            // One shared shift: (a*ma + b*mb + round) >> shift.
            for (size_t i = 0; i < out.data.size(); ++i) {
                int64_t s = int64_t(x.data[i]) * qa.multiplier + int64_t(y.data[i]) * qb.multiplier;
                if (qa.shift > 0) s = (s + (int64_t(1) << (qa.shift - 1))) >> qa.shift;
                out.data[i] = static_cast<int32_t>(p.out_range.clamp(s));
            }
            break;
        }
        case LayerKind::AvgPool: {
            const size_t plane = size_t(x.shape.h) * x.shape.w;
            for (int c = 0; c < x.shape.c; ++c) {
                int64_t s = 0;
                for (size_t i = 0; i < plane; ++i) s += x.data[size_t(c) * plane + i];
                out.data[size_t(c)] = static_cast<int32_t>(p.out_range.clamp(p.requant[0].apply(s)));
            }
            break;
        }
        case LayerKind::Se: {
            const Tensor& g = *inputs[1];
            const size_t plane = size_t(x.shape.h) * x.shape.w;
            for (int c = 0; c < x.shape.c; ++c)
                for (size_t i = 0; i < plane; ++i) {
                    size_t idx = size_t(c) * plane + i;
                    int64_t prod = int64_t(x.data[idx]) * g.data[size_t(c)];
                    out.data[idx] = static_cast<int32_t>(p.out_range.clamp(p.requant[0].apply(prod)));
                }
            break;
        }
        case LayerKind::Relu:
        case LayerKind::Relu6:
            for (size_t i = 0; i < out.data.size(); ++i)
                out.data[i] = static_cast<int32_t>(p.out_range.clamp(p.requant[0].apply(x.data[i])));
            break;
        case LayerKind::Swish:
        case LayerKind::Sigmoid: {
            // The table covers the input's whole range; index = x - lowest input.
            const int64_t lo = x.is_signed ? -int64_t(p.lut.size() / 2) : 0;
            for (size_t i = 0; i < out.data.size(); ++i) out.data[i] = p.lut[size_t(x.data[i] - lo)];
            break;
        }
        default:
            DDCPIM_ASSERT(false && "run_non_mac on a MAC layer");
    }
    return out;
}

Tensor run_layer(const LayerDesc& l, const LayerParams& p, const std::vector<const Tensor*>& inputs,
                 std::vector<int32_t>* acc) {
    if (!l.is_mac()) return run_non_mac(l, p, inputs);
    std::vector<int32_t> a = mac_accumulate(l, p.weight, *inputs[0]);
    Tensor out = mac_output(l, p, a);
    if (acc) *acc = std::move(a);
    return out;
}

}  // namespace ddcpim::ref

