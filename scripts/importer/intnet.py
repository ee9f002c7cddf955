"""The int8 engine of src/ref/ops.cpp in numpy, batched, for evaluating many images quickly."""
from pathlib import Path

import numpy as np
import yaml

from .graph import MAC_KINDS, ImportError_
from .kernels import conv_nchw

ABITS = 8


class IntNet:
    """A network config with npy weights, run exactly as src/ref/ops.cpp does (batched)."""

    def __init__(self, config):
        config = Path(config)
        doc = yaml.safe_load(config.read_text())
        if doc["weights"]["source"] != "npy":
            raise ImportError_(f"{config}: only npy weights can be evaluated")
        self.dir = (config.parent / doc["weights"]["dir"]).resolve()
        net = doc["network"]
        self.abits = net.get("activation_bits", ABITS)
        self.input = net["input"]
        self.layers = net["layers"]
        self.p = {}
        for l in self.layers:
            d = {}
            for what in ("weight", "bias", "requant", "clamp", "lut", "out_scale"):
                f = self.dir / f"{l['name']}.{what}.npy"
                if f.exists():
                    d[what] = np.load(f)
            self.p[l["name"]] = d

    @staticmethod
    def requant(x, m, s):
        """(x*m + 2^(s-1)) >> s, int64, per channel along axis 1 when m, s are vectors."""
        m = np.asarray(m, dtype=np.int64)
        s = np.asarray(s, dtype=np.int64)
        if m.ndim:
            m, s = m[None, :, None, None], s[None, :, None, None]
        rnd = np.where(s > 0, np.left_shift(np.int64(1), np.maximum(s - 1, 0)), 0)
        return np.right_shift(x * m + rnd, s)

    def run(self, x, accs=None):
        """x: (N, C, H, W) integer codes. Returns (outputs by name, final layer's real pre-requant output)."""
        B = self.abits
        vals = {"input": x.astype(np.int64)}
        sig = {"input": self.input.get("signed", True)}
        prev = "input"
        real_out = None
        for l in self.layers:
            name, kind, p = l["name"], l["kind"], self.p[l["name"]]
            ins = l.get("inputs") or [l.get("input", prev)]
            a = vals[ins[0]]
            if kind in MAC_KINDS:
                w = p["weight"].astype(np.float64)
                if kind == "fc":
                    acc = (a.reshape(len(a), -1).astype(np.float64) @ w.reshape(w.shape[0], -1).T)[:, :, None, None]
                else:
                    k = w.shape[-1]
                    pad = l.get("padding", 0)
                    pad = [pad] * 4 if isinstance(pad, int) else pad
                    acc = conv_nchw(a.astype(np.float64), w, kind, l.get("stride", 1), pad, k)
                acc = acc.astype(np.int64)
                if accs is not None:
                    accs[name] = acc
                bias = p.get("bias", np.zeros(w.shape[0], dtype=np.int64)).astype(np.int64)
                x_b = acc + bias[None, :, None, None]
                m, s = p["requant"][:, 0], p["requant"][:, 1]
                y = self.requant(x_b, m, s)
                lo, hi, out_signed = -(1 << (B - 1)), (1 << (B - 1)) - 1, True
                if "out_scale" in p:
                    real_out = x_b * (m / 2.0 ** s)[None, :, None, None] * float(p["out_scale"][0])
            elif kind == "add":
                (ma, sa), (mb, _) = p["requant"]
                y = a * int(ma) + vals[ins[1]] * int(mb)
                if sa > 0:
                    y = (y + (1 << (int(sa) - 1))) >> int(sa)
                lo, hi, out_signed = -(1 << (B - 1)), (1 << (B - 1)) - 1, True
            elif kind == "se":
                g = vals[ins[1]]
                y = self.requant(a * g, *p["requant"][0])
                out_signed = sig[ins[0]] or sig[ins[1]]
                lo, hi = (-(1 << (B - 1)), (1 << (B - 1)) - 1) if out_signed else (0, (1 << B) - 1)
            elif kind == "avgpool":
                y = self.requant(a.sum(axis=(2, 3), keepdims=True), *p["requant"][0])
                out_signed = sig[ins[0]]
                lo, hi = (-(1 << (B - 1)), (1 << (B - 1)) - 1) if out_signed else (0, (1 << B) - 1)
            elif kind in ("relu", "relu6"):
                y = self.requant(a, *p["requant"][0])
                lo, hi, out_signed = 0, (1 << B) - 1, False
            elif kind in ("sigmoid", "swish"):
                lo_in = -(1 << (B - 1)) if sig[ins[0]] else 0
                y = p["lut"].astype(np.int64)[a - lo_in]
                out_signed = kind == "swish"
                lo, hi = None, None
            else:
                raise ImportError_(f"layer '{name}': kind {kind} is not supported by the numpy engine")
            if lo is not None:
                if "clamp" in p:
                    lo, hi = int(p["clamp"][0]), int(p["clamp"][1])
                y = np.clip(y, lo, hi)
            vals[name], sig[name] = y, out_signed
            prev = name
        if self.layers[-1]["kind"] not in MAC_KINDS or real_out is None:
            p = self.p[prev]
            real_out = vals[prev] * float(p["out_scale"][0]) if "out_scale" in p else vals[prev].astype(float)
        return vals, real_out.reshape(len(x), -1)
