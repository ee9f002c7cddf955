"""A torch model built from a ddcpim network config, in three modes:

- "float": real-valued, batch norm after every conv/depthwise/pointwise layer whose input is larger than 1x1
  (the SE layers on pooled 1x1 maps and fc layers use a bias instead);
- "qat": integer codes flow between layers, every operation is the project's arithmetic (arith.py) with
  straight-through gradients; batch norm is folded into the weights first (quantisation.prepare);
- "exact": the same in float64/int64 without gradients, bit-exact with build/bin/ddcpim_ref.

The weights of a MAC layer are either free (plain int8 per-filter symmetric quantisation) or, after
fcc_constraint.attach, complementary pairs sharing one latent pattern.
"""
import math

import torch
import torch.nn.functional as F
from torch import nn

from . import arith
from .netspec import MAC_KINDS


class MacLayer(nn.Module):
    """conv, depthwise, pointwise or fc: float weights (O, Cin/groups, K, K) or (O, C*H*W) and a bias."""

    def __init__(self, layer, use_bn):
        super().__init__()
        self.kind, self.stride, self.padding = layer.kind, layer.stride, layer.padding
        c, h, w = layer.in_shape
        o = layer.shape[0]
        shape = {"fc": (o, c * h * w), "depthwise": (c, 1, layer.kernel, layer.kernel)}.get(
            layer.kind, (o, c, layer.kernel, layer.kernel))
        fan_in = math.prod(shape[1:])
        self.weight = nn.Parameter(torch.randn(shape) * math.sqrt(2.0 / fan_in))
        self.bias = nn.Parameter(torch.zeros(o))
        self.bn = nn.BatchNorm2d(o) if use_bn else None
        self.pairing = None      # fcc_constraint.Pairing once FCC fine-tuning starts
        self.tie = None          # fcc_constraint.Tie: the scratch recipe's pairs in float training

    def mac(self, x, w):
        """The sum of products of input x (N, C, H, W) with weights w, as src/ref/ops.cpp defines it."""
        if self.kind == "fc":
            return F.linear(x.flatten(1), w.flatten(1))[:, :, None, None]
        t, l, b, r = self.padding
        if t or l or b or r:
            x = F.pad(x, (l, r, t, b))
        return F.conv2d(x, w, stride=self.stride, groups=w.shape[0] if self.kind == "depthwise" else 1)

    def float_weight(self):
        return self.weight if self.tie is None else self.tie.apply(self.weight)

    def float_forward(self, x):
        y = self.mac(x, self.float_weight())
        return self.bn(y) if self.bn is not None else y + self.bias.view(1, -1, 1, 1)

    @torch.no_grad()
    def fold_bn(self):
        """Batch norm into the weights and bias: w * g/sqrt(v+e), (b - mean) * g/sqrt(v+e) + beta."""
        if self.tie is not None:      # the tied filters become real weights; to_pairing keeps them paired
            self.weight.copy_(self.tie.apply(self.weight))
        if self.bn is None:
            return
        bn = self.bn
        k = bn.weight / torch.sqrt(bn.running_var + bn.eps)
        self.weight.mul_(k.view(-1, *[1] * (self.weight.dim() - 1)))
        self.bias.copy_((self.bias - bn.running_mean) * k + bn.bias)
        self.bn = None

    def integer_params(self, s_in, exact=False):
        """(weight codes, per-filter scale, bias codes) for input scale s_in.

        Free filters: s = max(max|w|/127, |b|/(s_in*2^24)) (a dead filter keeps its bias in range), codes
        clamp(round(w/s), -127, 127). Paired filters come from the pairing (fcc_constraint.py).
        """
        dtype = torch.float64 if exact else self.weight.dtype
        w, b = self.weight.to(dtype), self.bias.to(dtype)
        flat = w.flatten(1)
        s = torch.maximum(flat.abs().amax(1) / arith.W_MAX, b.abs() / (s_in * arith.BIAS_LIMIT))
        s = torch.clamp(s, min=1e-12).detach()
        codes = torch.clamp(arith.round_ste(flat / s[:, None]), -arith.W_MAX, arith.W_MAX)
        if self.pairing is not None:
            codes, s = self.pairing.apply(codes, s, dtype)
        bias = torch.clamp(arith.round_ste(b / (s_in * s)), -arith.BIAS_LIMIT, arith.BIAS_LIMIT)
        return codes.view_as(w), s, bias

    def int_forward(self, x, s_in, s_out, exact):
        codes, s, bias = self.integer_params(s_in, exact)
        pre = self.mac(x, codes) + bias.view(1, -1, 1, 1)
        factor = s_in * s / s_out
        m, shift = arith.fixed_point(factor)
        if exact:
            return arith.requant_exact(torch.round(pre).to(torch.int64), m, shift).to(torch.float64)
        return arith.requant_train(pre, m, shift, factor)


class Model(nn.Module):
    """The network of a NetSpec; `quant` holds the fixed integer parameters once prepared for QAT."""

    def __init__(self, spec):
        super().__init__()
        self.spec = spec
        self.macs = nn.ModuleDict({
            l.name: MacLayer(l, use_bn=l.kind != "fc" and l.in_shape[1] * l.in_shape[2] > 1)
            for l in spec.layers if l.kind in MAC_KINDS})
        self.quant = None        # name -> dict (quantisation.prepare), plus "input"

    def forward(self, x, mode="float"):
        """float: real logits; qat: real logits (codes times the output scale, so the loss sees the same
        temperature as in float training); exact: the output codes, as ddcpim_ref writes them."""
        if mode == "float":
            return self._float(x)
        y = self._integer(x, exact=mode == "exact")
        return y if mode == "exact" else y * self.quant[self.spec.layers[-1].name]["scale"]

    def _float(self, x):
        vals = {"input": x}
        for l in self.spec.layers:
            a = vals[l.inputs[0]]
            k = l.kind
            if k in MAC_KINDS:
                y = self.macs[l.name].float_forward(a)
            elif k == "add":
                y = a + vals[l.inputs[1]]
            elif k == "se":
                y = a * vals[l.inputs[1]]
            elif k == "avgpool":
                y = a.mean(dim=(2, 3), keepdim=True)
            elif k == "relu":
                y = F.relu(a)
            elif k == "relu6":
                y = F.relu6(a)
            elif k == "sigmoid":
                y = torch.sigmoid(a)
            else:   # swish
                y = a * torch.sigmoid(a)
            vals[l.name] = y
        return vals[self.spec.layers[-1].name].flatten(1)

    def _integer(self, x, exact):
        """x: input codes. Returns the last layer's output codes (N, classes), float."""
        if self.quant is None:
            raise RuntimeError("the model has no quantisation yet (quantisation.prepare)")
        q = self.quant
        vals = {"input": x.to(torch.float64) if exact else x}
        for l in self.spec.layers:
            a = vals[l.inputs[0]]
            p = q[l.name]
            k = l.kind
            if k in MAC_KINDS:
                y = self.macs[l.name].int_forward(a, q[l.inputs[0]]["scale"], p["scale"], exact)
            elif k in ("sigmoid", "swish"):
                y = self._table(a, p, q[l.inputs[0]], exact)
            else:
                if k == "add":
                    (ma, sa), (mb, _) = p["requant"]
                    pre = (a * ma + vals[l.inputs[1]] * mb, 1, sa)
                elif k == "se":
                    pre = (a * vals[l.inputs[1]],) + tuple(p["requant"][0])
                elif k == "avgpool":
                    pre = (a.sum(dim=(2, 3), keepdim=True),) + tuple(p["requant"][0])
                else:   # relu, relu6
                    pre = (a,) + tuple(p["requant"][0])
                y = self._requant_fixed(*pre, exact)
            vals[l.name] = torch.clamp(y, p["lo"], p["hi"])
        return vals[self.spec.layers[-1].name].flatten(1)

    @staticmethod
    def _requant_fixed(x, m, s, exact):
        m_t, s_t = torch.tensor(int(m)), torch.tensor(int(s))
        if exact:
            return arith.requant_exact(torch.round(x).to(torch.int64), m_t, s_t).to(torch.float64)
        return arith.requant_train(x, m_t, s_t, m * 2.0 ** -s)

    @staticmethod
    def _table(a, p, src, exact):
        """sigmoid / swish: the exported table, with the real function's slope for the gradient."""
        lut = p["lut_t"].to(a.device)
        idx = (torch.round(a) - (-128 if src["signed"] else 0)).to(torch.int64).clamp(0, lut.numel() - 1)
        exact_y = lut[idx].to(a.dtype)
        if exact:
            return exact_y
        r = a * src["scale"]
        f = torch.sigmoid(r) if p["kind"] == "sigmoid" else r * torch.sigmoid(r)
        return arith.ste(torch.clamp(f / p["scale"], p["lo"], p["hi"]), exact_y)
