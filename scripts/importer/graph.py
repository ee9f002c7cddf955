"""The importer's format-independent graph: float ops with the kinds of docs/config.md.

Hostile or damaged models are refused here as well as in the front ends (ImportError_, exit 2): every
layer's geometry within the ranges ddcpim's config loader takes (docs/config.md), every activation tensor
within its default limits.tensor_elements (checked before anything is allocated for it), every float
parameter finite and of a sane magnitude (check_values).
"""
import numpy as np

MAC_KINDS = ("conv", "depthwise", "pointwise", "fc")

# ddcpim's ranges (src/network/network_loader.cpp, docs/config.md) and default limits.
MAX_KERNEL, MAX_STRIDE, MAX_PADDING, MAX_CHANNELS = 64, 64, 65536, 65536
MAX_TENSOR_ELEMENTS = 1 << 26
MAX_NAME = 200
# Float parameters beyond these are absurd for a trained network: a damaged or hostile file. Quantised
# to int8 per filter such a value would silence the rest of its filter (or overflow the int32 bias).
MAX_ABS = 1e6          # weights, biases, BatchNormalization's scale, shift and mean
MAX_VARIANCE = 1e12    # BatchNormalization's variance: a standard deviation of 1e6


class GivenScale:
    """An activation quantisation a model prescribes (ONNX QuantizeLinear): real = (code - zero_point) * scale."""

    def __init__(self, scale, zero_point, signed):
        self.scale, self.zero_point, self.signed = float(scale), int(zero_point), bool(signed)

    def range(self):
        lo, hi = (-128, 127) if self.signed else (0, 255)
        return (lo - self.zero_point) * self.scale, (hi - self.zero_point) * self.scale


class ImportError_(Exception):
    """A model the importer cannot translate (exit 2)."""


class Op:
    """One layer of the imported network: kind as in docs/config.md, float parameters."""

    def __init__(self, name, kind, inputs, **kw):
        self.name, self.kind, self.inputs = name, kind, list(inputs)
        self.kernel, self.stride, self.padding = kw.get("kernel", 1), kw.get("stride", 1), kw.get("padding", [0] * 4)
        self.weight = kw.get("weight")    # float (O, I/groups, K, K), fc (O, C*H*W)
        self.bias = kw.get("bias")        # float (O,) or None
        # Pre-quantised weights taken as they are (ONNX QDQ): integer codes like `weight`, per-filter scales (O,).
        self.qweight, self.wscale = kw.get("qweight"), kw.get("wscale")
        self.shape = None                 # output (C, H, W)


def conv_out(h, k, s, pad_a, pad_b):
    return (h + pad_a + pad_b - k) // s + 1


def same_padding(h, k, s):
    """Keras/TF 'same': output ceil(h/s), the extra pixel of an odd total goes at the end."""
    total = max((-(-h // s) - 1) * s + k - h, 0)
    return total // 2, total - total // 2


def sanitize(name):
    """A layer name ddcpim takes: ASCII letters, digits, '_' and '-', 1 to MAX_NAME characters, not 'input'."""
    if isinstance(name, bytes):    # a protobuf string that is not valid UTF-8
        name = name.decode("utf-8", "replace")
    out = "".join(c if (c.isascii() and c.isalnum()) or c in "_-" else "_" for c in str(name))[:MAX_NAME]
    return out if out not in ("", "input") else (out or "layer") + "_"


def unique_name(name, taken):
    """sanitize(name), made unique among `taken` (and 'input') by trailing '_', or a number once that is too
    long."""
    name = sanitize(name)
    base, i = name, 1
    while name in taken or name == "input":
        if len(name) < MAX_NAME:
            name += "_"
        else:
            name = f"{base[:MAX_NAME - 12]}_{i}"
            i += 1
    return name


def bad_values(a, bound=MAX_ABS):
    """Why float array `a` cannot be a parameter of a trained network (its first non-finite value, or the
    first one over `bound` in magnitude, with its index), or None."""
    a = np.asarray(a, dtype=np.float64)
    for mask, what in ((~np.isfinite(a), "a non-finite value"), (np.abs(a) > bound, "an absurd magnitude")):
        if np.any(mask):
            i = np.unravel_index(int(np.argmax(mask)), a.shape) if a.ndim else ()
            where = f" at {list(map(int, i))}" if a.ndim else ""
            over = f" (over the bound |value| <= {bound:g})" if what.startswith("an absurd") else ""
            return f"{what}, {float(a[i]):g}{where}{over}"
    return None


def check_values(ops):
    """Every MAC layer's float weights and biases finite and within MAX_ABS (whatever the front end folded
    into them): ImportError_ naming the layer otherwise."""
    for op in ops:
        if op.kind not in MAC_KINDS:
            continue
        for what, v in (("weight", op.weight), ("bias", op.bias)):
            why = None if v is None else bad_values(v)
            if why:
                raise ImportError_(f"layer '{op.name}' ({op.kind}): its {what} (after folding) holds {why}")


def check_geometry(op):
    """Kernel, stride, padding and channels within the ranges ddcpim's config loader takes."""
    def bad(what, v, lo, hi):
        if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or not lo <= v <= hi:
            raise ImportError_(f"layer '{op.name}' ({op.kind}): {what} {v!r}: expected an integer {lo}..{hi}")
    if op.kind in ("conv", "depthwise", "pointwise"):
        bad("kernel", op.kernel, 1, MAX_KERNEL)
        bad("stride", op.stride, 1, MAX_STRIDE)
        if len(op.padding) != 4:
            raise ImportError_(f"layer '{op.name}' ({op.kind}): padding {op.padding}: expected 4 values")
        for p in op.padding:
            bad("padding", p, 0, MAX_PADDING)
    if op.kind in MAC_KINDS:
        if op.weight is None or op.weight.ndim != (2 if op.kind == "fc" else 4) or 0 in op.weight.shape:
            raise ImportError_(f"layer '{op.name}' ({op.kind}): weight of shape "
                               f"{None if op.weight is None else op.weight.shape}")
        bad("output channels", op.weight.shape[0], 1, MAX_CHANNELS)
        if op.bias is not None and np.size(op.bias) != op.weight.shape[0]:
            raise ImportError_(f"layer '{op.name}' ({op.kind}): {np.size(op.bias)} biases for "
                               f"{op.weight.shape[0]} outputs")


def check_elements(op, what, shape):
    n = 1
    for d in shape:
        n *= int(d)
    if n > MAX_TENSOR_ELEMENTS:
        raise ImportError_(f"layer '{op.name}' ({op.kind}): {what} {'x'.join(map(str, shape))} has {n} elements, "
                           f"over ddcpim's limits.tensor_elements = {MAX_TENSOR_ELEMENTS}")


def infer_shapes(ops, shapes):
    """Set op.shape for each op, from shapes (name -> C,H,W, including 'input'), which it extends. Refuses
    (ImportError_) geometry out of ddcpim's ranges and tensors over its element limit, before any exists."""
    for op in ops:
        c, h, w = shapes[op.inputs[0]]
        check_geometry(op)
        if op.kind in ("conv", "depthwise", "pointwise"):
            t, l, b, r = op.padding
            check_elements(op, "padded input", (c, h + t + b, w + l + r))
            if op.kernel > h + t + b or op.kernel > w + l + r:
                raise ImportError_(f"layer '{op.name}': kernel {op.kernel} larger than its padded input")
            o = op.weight.shape[0]
            if op.kind == "depthwise" and o != c:
                raise ImportError_(f"layer '{op.name}': depthwise over {o} channels, input has {c}")
            if op.kind != "depthwise" and op.weight.shape[1] != c:
                raise ImportError_(f"layer '{op.name}': {op.weight.shape[1]} input channels, input has {c}")
            op.shape = (o, conv_out(h, op.kernel, op.stride, t, b), conv_out(w, op.kernel, op.stride, l, r))
        elif op.kind == "fc":
            if op.weight.shape[1] != c * h * w:
                raise ImportError_(f"layer '{op.name}': {op.weight.shape[1]} inputs, input has {c}x{h}x{w}")
            op.shape = (op.weight.shape[0], 1, 1)
        elif op.kind == "avgpool":
            op.shape = (c, 1, 1)
        elif op.kind == "se":
            if shapes[op.inputs[1]] != (c, 1, 1):
                raise ImportError_(f"layer '{op.name}': gate of shape {shapes[op.inputs[1]]} for {c} channels")
            op.shape = (c, h, w)
        elif op.kind == "add":
            if shapes[op.inputs[1]] != (c, h, w):
                raise ImportError_(f"layer '{op.name}': add of shapes {(c, h, w)} and {shapes[op.inputs[1]]}")
            op.shape = (c, h, w)
        else:
            op.shape = (c, h, w)
        check_elements(op, "output", op.shape)
        shapes[op.name] = op.shape
