"""The project's integer arithmetic (docs/config.md, "Integer arithmetic") on torch tensors.

Two forms of every operation:
- exact: int64 tensors, bit-exact with src/common/quant.cpp and src/ref/ops.cpp (evaluation and export);
- train: float tensors whose forward value is the same rounding and clamping (up to float32 rounding of
  large products) and whose gradient is the straight-through one of the smooth real-valued expression.
"""
import torch

MULT_LIMIT = (1 << 15) - 1       # |multiplier| <= 32767
MAX_SHIFT = 46
BIAS_LIMIT = 1 << 24             # |bias| in accumulator units, as the importer keeps it
W_MAX = 127                      # plain weights are symmetric: -128 never occurs
W_LO, W_HI = -128, 127           # a complementary pair uses the full Bw range


def round_half_away(x):
    """C's llround on floats: halves away from zero (src/common/quant.cpp rounds so)."""
    return torch.sign(x) * torch.floor(x.abs() + 0.5)


def ste(smooth, exact):
    """Forward: exact; backward: the gradient of smooth."""
    return smooth + (exact - smooth).detach()


def round_ste(x):
    return ste(x, round_half_away(x))


@torch.no_grad()
def fixed_point(factor):
    """(multiplier, shift) per element, exactly src/common/quant.cpp fixed_point_from_real on float64 input.

    shift is the largest s <= 46 with |factor| * 2^s < 32767.5 (counted over s = 1..46, a monotone test),
    the multiplier llround(|factor| * 2^shift) capped at 32767 with factor's sign; 0 gives (0, 0).
    """
    f = factor.to(torch.float64)
    a = f.abs()
    powers = torch.pow(2.0, torch.arange(1, MAX_SHIFT + 1, dtype=torch.float64))
    shift = (a.unsqueeze(-1) * powers < MULT_LIMIT + 0.5).sum(-1)
    m = torch.clamp(torch.floor(torch.ldexp(a, shift) + 0.5), max=MULT_LIMIT) * torch.sign(f)
    zero = f == 0
    return m.masked_fill(zero, 0).to(torch.int64), shift.masked_fill(zero, 0).to(torch.int64)


def requant_exact(x, m, s):
    """(x*m + 2^(s-1)) >> s in int64, per channel (axis 1) when m, s have one entry per channel."""
    m, s = _per_channel(m, x), _per_channel(s, x)
    rnd = torch.where(s > 0, torch.pow(2, torch.clamp(s - 1, min=0)), torch.zeros_like(s))
    return torch.div(x * m + rnd, torch.pow(2, s), rounding_mode="floor")


def requant_train(x, m, s, smooth_factor):
    """The same rounding on float x; the gradient flows through x * smooth_factor."""
    m, s, smooth_factor = (_per_channel(v, x) for v in (m, s, smooth_factor))
    scale = m.to(x.dtype) * torch.pow(2.0, -s.to(x.dtype))
    return ste(x * smooth_factor, torch.floor(x * scale + 0.5))


def requant(x, m, s, smooth_factor, exact):
    return requant_exact(x, m, s) if exact else requant_train(x, m, s, smooth_factor)


def clamp(x, lo, hi):
    return torch.clamp(x, lo, hi)


def _per_channel(v, x):
    if not torch.is_tensor(v):
        return v
    if v.dim() == 1 and x.dim() == 4:
        return v.view(1, -1, 1, 1)
    if v.dim() == 1 and x.dim() == 2:
        return v.view(1, -1)
    return v
