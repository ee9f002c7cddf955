"""Post-training quantisation: integer parameters as src/common/quant.cpp and src/ref/ops.cpp use them."""
import math

import numpy as np

from .graph import MAC_KINDS, ImportError_


def llround(x):
    """C's llround: halves away from zero."""
    x = np.asarray(x, dtype=np.float64)
    return (np.sign(x) * np.floor(np.abs(x) + 0.5)).astype(np.int64)


def fixed_point_from_real(factor):
    """src/common/quant.cpp fixed_point_from_real, exactly: (multiplier, shift)."""
    if factor == 0:
        return 0, 0
    if factor < 0:
        m, s = fixed_point_from_real(-factor)
        return -m, s
    shift = 0
    while shift < 46 and math.ldexp(factor, shift + 1) < (1 << 15) - 0.5:
        shift += 1
    m = int(llround(math.ldexp(factor, shift)))
    return min(m, (1 << 15) - 1), shift


def add_fixed_points(fa, fb):
    """src/network/synthetic_weights.cpp add_fixed_points: one shift, from the larger factor."""
    _, shift = fixed_point_from_real(max(fa, fb))
    return [[min(int(llround(math.ldexp(f, shift))), (1 << 15) - 1), shift] for f in (fa, fb)]


def activation_lut(kind, in_signed, in_scale, out_scale, lo, hi):
    codes = np.arange(-128, 128) if in_signed else np.arange(0, 256)
    r = codes * in_scale
    sig = 1 / (1 + np.exp(-r))
    return np.clip(llround((sig if kind == "sigmoid" else r * sig) / out_scale), lo, hi)


def safe_scale(top, code):
    return max(top, 1e-6) / code


class Calib:
    """Per-op statistics over the calibration images: a deterministic subsample of the values and the max."""

    def __init__(self, per_op=200000):
        self.per_op, self.samples, self.absmax = per_op, {}, {}
        self.rng = np.random.default_rng(12345)

    def add(self, name, y):
        flat = y.ravel()
        take = flat if flat.size <= self.per_op // 4 else flat[self.rng.integers(0, flat.size, self.per_op // 4)]
        self.samples.setdefault(name, []).append(take)
        self.absmax[name] = max(self.absmax.get(name, 0.0), float(np.abs(flat).max()))

    def top(self, name, q, positive=False):
        v = np.concatenate(self.samples[name])
        v = np.maximum(v, 0) if positive else np.abs(v)
        return float(np.quantile(v, q)) if q < 1 else float(v.max())


def quantize(ops, calib, input_scale, quantile, given=None):
    """Integer parameters per op: dict name -> {weight, bias, requant, clamp, lut, out_scale, ...}.

    given: activation scales the model prescribes (ONNX QDQ), by op name. A given scale with zero point 0
    that the layer's codes can hold (int8 for signed outputs; either for unsigned ones) is used exactly;
    any other given quantisation only replaces the calibrated range.
    """
    given = given or {}
    shapes = {op.name: op.shape for op in ops}
    consumers = {}
    for op in ops:
        for s in op.inputs:
            consumers.setdefault(s, []).append(op)
    scale = {"input": input_scale}
    signed = {"input": False}
    params = {}

    def exact(name, out_signed):
        g = given.get(name)
        return g.scale if g is not None and g.zero_point == 0 and (g.signed or not out_signed) else None

    def top(name, q, positive=False):
        if name in given:
            lo, hi = given[name].range()
            return hi if positive else max(-lo, hi)
        return calib.top(name, q, positive)

    for idx, op in enumerate(ops):
        sx = scale[op.inputs[0]]
        p = {}
        cons = consumers.get(op.name, [])
        if op.kind in MAC_KINDS:
            out_signed = True
            relu_only = cons and all(c.kind in ("relu", "relu6") for c in cons)
            if exact(op.name, True):
                s_out = exact(op.name, True)
            elif relu_only and all(c.name in given for c in cons):   # a fused conv+relu's QDQ after the relu
                s_out = safe_scale(max(given[c.name].range()[1] for c in cons), 127)
            else:
                if idx == len(ops) - 1:
                    t = top(op.name, 1.0)
                elif relu_only:   # negative outputs are cut anyway: spend the codes on the positive side
                    t = top(op.name, quantile, positive=True)
                    if all(c.kind == "relu6" for c in cons):
                        t = min(t, 6.0)
                else:
                    t = top(op.name, quantile)
                s_out = safe_scale(t, 127)
            b = op.bias if op.bias is not None else np.zeros(op.weight.shape[0])
            if op.qweight is not None:          # pre-quantised: taken as they are
                q, s_w = op.qweight, np.asarray(op.wscale, dtype=np.float64)
            else:
                w = op.weight.reshape(op.weight.shape[0], -1)
                # A dead filter (all weights ~0, e.g. gamma ~0) keeps a constant output, its bias: its scale
                # must keep that bias within 2^24 accumulator units.
                s_w = np.maximum(np.abs(w).max(axis=1) / 127, np.maximum(np.abs(b) / (sx * 2 ** 24), 1e-12))
                q = np.clip(llround(w / s_w[:, None]), -127, 127).reshape(op.weight.shape)
            units = b / (sx * s_w)
            if not np.all(np.abs(units) < 2.0 ** 31):     # NaN fails too; a given scale can make it overflow
                i = int(np.argmax(~(np.abs(units) < 2.0 ** 31)))
                raise ImportError_(f"layer '{op.name}' ({op.kind}): bias {b[i]:g} of filter {i} is {units[i]:g} "
                                   f"accumulator units (input scale {sx:g} x weight scale {s_w[i]:g}), beyond int32")
            bias = llround(units)
            p.update(weight=q, bias=bias, weight_float=op.weight, weight_scale=s_w,
                     requant=[fixed_point_from_real(sx * sw / s_out) for sw in s_w])
        elif op.kind in ("relu", "relu6"):
            out_signed = False
            src = next((o for o in ops if o.name == op.inputs[0]), None)
            shares = src is not None and src.kind in MAC_KINDS and all(
                c.kind in ("relu", "relu6") for c in consumers[src.name])
            if exact(op.name, False):
                s_out = exact(op.name, False)
            elif shares and op.name not in given:       # same scale as the MAC output: a pure clamp
                s_out = sx
            else:
                t = top(op.name, quantile, positive=True)
                s_out = safe_scale(min(t, 6.0) if op.kind == "relu6" else t, 255)
            p["requant"] = [fixed_point_from_real(sx / s_out)]
            hi = 127 if exact(op.name, False) and given[op.name].signed else 255   # an int8 QDQ saturates at 127
            if op.kind == "relu6":
                hi = int(min(hi, llround(6.0 / s_out)))
            if hi < 255 or op.kind == "relu6":
                p["clamp"] = [0, hi]
        elif op.kind == "add":
            out_signed = True
            s_out = exact(op.name, True) or safe_scale(top(op.name, quantile), 127)
            p["requant"] = add_fixed_points(sx / s_out, scale[op.inputs[1]] / s_out)
        elif op.kind == "se":              # features * per-channel gate, one requantisation
            out_signed = signed[op.inputs[0]] or signed[op.inputs[1]]
            s_out = exact(op.name, out_signed) or safe_scale(top(op.name, quantile, positive=not out_signed),
                                                             127 if out_signed else 255)
            p["requant"] = [fixed_point_from_real(sx * scale[op.inputs[1]] / s_out)]
        elif op.kind == "avgpool":
            out_signed = signed[op.inputs[0]]
            c, h, w = shapes[op.inputs[0]]
            s_out = exact(op.name, out_signed) or safe_scale(top(op.name, 1.0), 127 if out_signed else 255)
            p["requant"] = [fixed_point_from_real(sx / (h * w * s_out))]
        elif op.kind in ("sigmoid", "swish"):
            in_signed = signed[op.inputs[0]]
            if op.kind == "sigmoid":
                out_signed, lo, hi = False, 0, 255
                s_out = exact(op.name, False) or 1 / 255
                if exact(op.name, False) and given[op.name].signed:
                    hi = 127                    # an int8 QDQ saturates at 127
            else:
                t = max(128 * sx, 127 * sx) if in_signed else 255 * sx
                out_signed, lo, hi = True, -128, 127
                s_out = exact(op.name, True) or safe_scale(t / (1 + math.exp(-t)), 127)
            p["lut"] = activation_lut(op.kind, in_signed, sx, s_out, lo, hi)
        p["out_scale"] = [s_out]
        scale[op.name], signed[op.name] = s_out, out_signed
        params[op.name] = p
    return params
