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
