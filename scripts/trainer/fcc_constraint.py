"""The complementary-pair constraint during training (ARCHITECTURE section 3, step 5).

Every pair (a, b) of a layer keeps one latent pattern L (in code units). The forward pass uses
W_a = round(L) and W_b = -round(L) - 1 (straight-through rounding, clamped to the 8-bit range, so both are
in range and W_b == ~W_a exactly), and each filter its own trained scale; a negative scale for b is a
sign-flexible pair. Filters in no pair stay free (plain int8 quantisation).
"""
import torch
from torch import nn

from . import arith


class Pairing(nn.Module):
    """The pairs of one MAC layer: indices, latent patterns (P, fan_in), per-filter scales of paired filters."""

    def __init__(self, pairs, codes, scales):
        """pairs: [[a, b], ...]; codes (O, fan_in) and scales (O,): the starting point (ddcpim_fcc's output)."""
        super().__init__()
        idx = torch.tensor(pairs, dtype=torch.int64).view(-1, 2)
        self.register_buffer("a", idx[:, 0].clone())
        self.register_buffer("b", idx[:, 1].clone())
        codes = torch.as_tensor(codes, dtype=torch.float32).flatten(1)
        scales = torch.as_tensor(scales, dtype=torch.float32)
        self.latent = nn.Parameter(codes[self.a].clone())
        # Scales train as gains on their starting values: Adam's steps are absolute, and a scale of 1e-3
        # would not survive a step of the weights' size. A gain may turn negative (a sign-flexible pair).
        self.register_buffer("scale0_a", scales[self.a].clone())
        self.register_buffer("scale0_b", scales[self.b].clone())
        self.gain_a = nn.Parameter(torch.ones(len(self.a)))
        self.gain_b = nn.Parameter(torch.ones(len(self.b)))

    def pair_list(self):
        return [[int(a), int(b)] for a, b in zip(self.a, self.b)]

    def apply(self, codes, scales, dtype):
        """Free filters' codes and scales with the paired filters' replaced by the pattern and its complement."""
        wa = torch.clamp(arith.round_ste(self.latent.to(dtype)), arith.W_LO, arith.W_HI)
        codes = codes.index_put((self.a,), wa).index_put((self.b,), -wa - 1)
        sa, sb = (self.scale0_a * self.gain_a).to(dtype), (self.scale0_b * self.gain_b).to(dtype)
        scales = scales.index_put((self.a,), sa).index_put((self.b,), sb)
        return codes, scales

    @torch.no_grad()
    def check(self, codes):
        """W_b == ~W_a for every pair (codes as exported)."""
        flat = codes.flatten(1)
        return bool(torch.equal(flat[self.b], -flat[self.a] - 1))


def attach(model, layer_pairs):
    """Start FCC fine-tuning: layer_pairs maps a MAC layer to (pairs, codes (O, ...), scales (O,), bias codes).

    The paired filters start at the pass's patterns and refit scales, the free filters at their codes, so
    the model starts as the post-training FCC network. The real bias is the model's own: the pass only
    re-expresses it in the refit scale's units. A refit scale of (nearly) zero, which least squares gives
    a filter whose float weights are (nearly) zero, would make that bias infinite in accumulator units:
    such a filter starts from its own int8 scale instead. Layers without pairs stay free.
    """
    q = model.quant
    for name, (pairs, codes, scales, _bias) in layer_pairs.items():
        mac = model.macs[name]
        s_in = q[mac_input(model, name)]["scale"]
        with torch.no_grad():
            _, own_scales, _ = mac.integer_params(s_in)
        codes_t = torch.as_tensor(codes, dtype=torch.float32).flatten(1)
        scales_t = torch.as_tensor(scales, dtype=torch.float32)
        tiny = scales_t.abs() < 1e-3 * own_scales
        scales_t = torch.where(tiny, own_scales, scales_t)
        with torch.no_grad():
            mac.weight.copy_((codes_t * scales_t[:, None].abs()).view_as(mac.weight))
        mac.pairing = Pairing(pairs, codes_t, scales_t) if len(pairs) else None


def mac_input(model, name):
    return next(l.inputs[0] for l in model.spec.layers if l.name == name)


class Tie(nn.Module):
    """The `scratch` recipe's float constraint: filter b of each pair is -gain * filter a, from the first step.

    In float the complement ~W = -W - 1 is -W up to one code, so a pair is one direction with its own gain
    (and batch norm's per-channel scale after it). At the QAT stage the tie becomes a Pairing (to_pairing),
    which adds the exact complement; the filter rows of b in `weight` are never used while tied.
    """

    def __init__(self, out_channels):
        super().__init__()
        pairs = torch.arange(out_channels // 2 * 2).view(-1, 2)   # (0,1), (2,3), ...: any fixed choice will do
        self.register_buffer("a", pairs[:, 0].clone())
        self.register_buffer("b", pairs[:, 1].clone())
        self.gain = nn.Parameter(torch.ones(len(self.a)))

    def pair_list(self):
        return [[int(a), int(b)] for a, b in zip(self.a, self.b)]

    def apply(self, weight):
        g = self.gain.view(-1, *[1] * (weight.dim() - 1))
        return weight.index_put((self.b,), -g * weight[self.a])


@torch.no_grad()
def tie_to_pairing(mac, s_in):
    """After batch-norm folding: the tied float filters as a Pairing (latent = W_a in code units, W_b's
    scale the ratio that makes -scale_b * L equal W_b, negative when BN flipped the sign)."""
    codes, scales, _ = mac.integer_params(s_in)
    flat = mac.weight.detach().flatten(1)
    a, b = mac.tie.a, mac.tie.b
    wa, wb = flat[a], flat[b]
    s_a = scales[a]
    ratio = -(wb * wa).sum(1) / (wa * wa).sum(1).clamp(min=1e-30)
    s_b = ratio * s_a
    s_b = torch.where(s_b.abs() < 1e-12, s_a, s_b)      # a dead pair: any non-zero scale
    start = codes.flatten(1).clone()
    start[a] = flat[a] / s_a[:, None]
    all_scales = scales.clone()
    all_scales[b] = s_b
    return Pairing(mac.tie.pair_list(), start, all_scales)
