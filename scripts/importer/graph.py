"""The importer's format-independent graph: float ops with the kinds of docs/config.md."""

MAC_KINDS = ("conv", "depthwise", "pointwise", "fc")


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
    out = "".join(c if c.isalnum() or c in "_-" else "_" for c in name)
    return out if out != "input" else "input_"


def infer_shapes(ops, shapes):
    """Set op.shape for each op, from shapes (name -> C,H,W, including 'input'), which it extends."""
    for op in ops:
        c, h, w = shapes[op.inputs[0]]
        if op.kind in ("conv", "depthwise", "pointwise"):
            t, l, b, r = op.padding
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
        shapes[op.name] = op.shape
