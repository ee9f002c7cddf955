#!/usr/bin/python3
"""Tests of `scripts/ddcpim_import onnx` on small ONNX models built here (offline, a few seconds).

  /usr/bin/python3 tests/test_import_onnx.py BIN_DIR SOURCE_DIR [unittest options]

or with DDCPIM_BIN_DIR and DDCPIM_SOURCE_DIR in the environment; by default
SOURCE_DIR is this file's repository and BIN_DIR its build/bin. Needs Debian's
python3-onnx (only to build the models; they are executed by the numpy code below).
"""
import json
import random
import subprocess
import sys
import time
import unittest

import numpy as np
import onnx
import yaml
from onnx import TensorProto, helper, numpy_helper

import importer_test_case
from importer_test_case import ImporterTestCase, main

MAC_KINDS = {"conv", "depthwise", "pointwise", "fc"}
KINDS = MAC_KINDS | {"add", "avgpool", "se", "relu", "relu6", "sigmoid", "swish"}

# ---------------------------------------------------------------- a numpy executor of ONNX graphs (NCHW, float64)


def conv(x, w, b=None, group=1, pads=(0, 0, 0, 0), strides=(1, 1), auto_pad="NOTSET", dilations=(1, 1), **_):
    """ONNX Conv; pads [top, left, bottom, right]; 'SAME_UPPER' puts the odd extra pixel at the end."""
    assert list(dilations) == [1, 1]
    k, s = w.shape[2], strides[0]
    if auto_pad in ("SAME_UPPER", "SAME_LOWER"):
        tot = [max((-(-n // s) - 1) * s + k - n, 0) for n in x.shape[2:]]
        first = [t // 2 if auto_pad == "SAME_UPPER" else t - t // 2 for t in tot]
        pads = first + [t - f for t, f in zip(tot, first)]
    elif auto_pad == "VALID":
        pads = (0, 0, 0, 0)
    t, l, bo, r = pads
    x = np.pad(x, ((0, 0), (0, 0), (t, bo), (l, r)))
    ho, wo = (x.shape[2] - k) // s + 1, (x.shape[3] - k) // s + 1
    ci, co = w.shape[1], w.shape[0] // group
    y = np.zeros((x.shape[0], w.shape[0], ho, wo))
    for g in range(group):
        xg, wg = x[:, g * ci:(g + 1) * ci], w[g * co:(g + 1) * co]
        for ky in range(k):
            for kx in range(k):
                tap = xg[:, :, ky:ky + s * (ho - 1) + 1:s, kx:kx + s * (wo - 1) + 1:s]
                y[:, g * co:(g + 1) * co] += np.einsum("nchw,oc->nohw", tap, wg[:, :, ky, kx])
    return y if b is None else y + b.reshape(1, -1, 1, 1)


def per_axis(p, x, axis):
    """A scale or zero point: scalar, or 1-D along `axis` of x."""
    p = np.asarray(p)
    return p if p.ndim == 0 else p.reshape([-1 if i == axis % x.ndim else 1 for i in range(x.ndim)])


def quantize_linear(x, scale, zp=None, axis=1, **_):
    dt = np.uint8 if zp is None else zp.dtype      # ONNX: no zero point means uint8
    zp = 0 if zp is None else zp
    q = np.rint(x / per_axis(scale, x, axis)) + per_axis(zp, x, axis)  # np.rint rounds half to even
    return np.clip(q, np.iinfo(dt).min, np.iinfo(dt).max).astype(dt)


def dequantize_linear(x, scale, zp=None, axis=1, **_):
    zp = 0 if zp is None else per_axis(zp, x, axis).astype(np.int64)
    return (x.astype(np.int64) - zp) * per_axis(scale, x, axis).astype(np.float64)


def gemm(a, b, c=None, alpha=1.0, beta=1.0, transA=0, transB=0, **_):
    y = alpha * ((a.T if transA else a) @ (b.T if transB else b))
    return y if c is None else y + beta * c


def reshape(x, shape, **_):
    shape = [x.shape[i] if d == 0 else d for i, d in enumerate(shape.tolist())]
    return x.reshape(shape)


def pad(x, pads, value=None, mode="constant", **_):
    assert mode == "constant"
    n = x.ndim
    return np.pad(x, list(zip(pads[:n], pads[n:])), constant_values=0 if value is None else value)


def softmax(x, axis=-1, **_):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def f64(x):
    return x.astype(np.float64) if x.dtype.kind == "f" else x


OPS = {
    "Conv": conv, "Gemm": gemm, "MatMul": lambda a, b, **_: a @ b,
    "BatchNormalization": lambda x, g, b, m, v, epsilon=1e-5, **_: (
        (x - m.reshape(1, -1, 1, 1)) / np.sqrt(v.reshape(1, -1, 1, 1) + epsilon) * g.reshape(1, -1, 1, 1)
        + b.reshape(1, -1, 1, 1)),
    "Relu": lambda x, **_: np.maximum(x, 0),
    "Clip": lambda x, lo=None, hi=None, **_: np.clip(x, -np.inf if lo is None else lo, np.inf if hi is None else hi),
    "Add": lambda a, b, **_: a + b, "Mul": lambda a, b, **_: a * b,
    "Sigmoid": lambda x, **_: 1 / (1 + np.exp(-x)),
    "GlobalAveragePool": lambda x, **_: x.mean(axis=(2, 3), keepdims=True),
    "Flatten": lambda x, axis=1, **_: x.reshape(int(np.prod(x.shape[:axis])), -1),
    "Reshape": reshape, "Pad": pad, "Identity": lambda x, **_: x, "Dropout": lambda x, *_, **__: x,
    "Softmax": softmax, "QuantizeLinear": quantize_linear, "DequantizeLinear": dequantize_linear,
    "ReduceMean": lambda x, axes, keepdims=1, **_: x.mean(axis=tuple(axes), keepdims=bool(keepdims)),
    "AveragePool": lambda x, kernel_shape, **_: (                     # only the whole-input pool is built here
        x.mean(axis=(2, 3), keepdims=True) if list(kernel_shape) == list(x.shape[2:]) else None),
    "Squeeze": lambda x, axes, **_: np.squeeze(x, axis=tuple(int(a) for a in axes)),
    "Unsqueeze": lambda x, axes, **_: np.expand_dims(x, tuple(int(a) for a in axes)),
    "Constant": lambda value, **_: f64(numpy_helper.to_array(value)),
}


def run_onnx(model, x, nodes=None, inits=None):
    """Every tensor of the graph by name, for the input 'x' (N, C, H, W); or of a graph being built."""
    nodes = model.graph.node if model else nodes
    vals = {t.name: f64(numpy_helper.to_array(t)) for t in (model.graph.initializer if model else inits)}
    vals["x"] = np.asarray(x, dtype=np.float64)
    for node in nodes:
        attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        attrs = {k: v.decode() if isinstance(v, bytes) else v for k, v in attrs.items()}
        vals[node.output[0]] = OPS[node.op_type](*[vals[i] if i else None for i in node.input], **attrs)
    return vals


# ---------------------------------------------------------------- building models


class Builder:
    """Nodes and initializers of one graph. Each node's output tensor has the node's name."""

    def __init__(self, seed, h, w):
        self.rng, self.nodes, self.inits, self.h, self.w = np.random.default_rng(seed), [], [], h, w
        self.images = np.stack([smooth_image(self.rng, h, w) for _ in range(8)]) / 255

    def const(self, name, value, dtype=np.float32):
        self.inits.append(numpy_helper.from_array(np.asarray(value, dtype=dtype), name))
        return name

    def node(self, op, name, *inputs, **attrs):
        self.nodes.append(helper.make_node(op, list(inputs), [name], name=name, **attrs))
        return name

    def conv(self, name, x, cin, cout, k, group=1, bias=False, **attrs):
        w = self.const(name + ".w", self.rng.normal(0, 1.2 / np.sqrt(cin // group * k * k), (cout, cin // group, k, k)))
        ins = [x, w] + ([self.const(name + ".b", self.rng.normal(0, 0.5, cout))] if bias else [])
        return self.node("Conv", name, *ins, group=group, kernel_shape=[k, k], **attrs)

    def bn(self, name, x, c):
        """Running mean and variance near those of x on a few images, as training leaves them: so the
        output varies with the input instead of being dominated by constants."""
        r, v = self.rng, run_onnx(None, self.images, self.nodes, self.inits)[x]
        mean, var = v.mean(axis=(0, 2, 3)) * r.uniform(0.8, 1.2, c), v.var(axis=(0, 2, 3)) * r.uniform(0.8, 1.2, c)
        p = [self.const(f"{name}.{n}", v) for n, v in (("g", r.uniform(0.5, 1.5, c)), ("b", r.normal(0, 0.3, c)),
                                                         ("m", mean), ("v", var))]
        return self.node("BatchNormalization", name, x, *p, epsilon=1e-3)

    def clip(self, name, x, lo, hi=None):
        """Opset 13 Clip: min and max are inputs, max may be left out."""
        hi = [self.const(name + ".hi", hi)] if hi is not None else []
        return self.node("Clip", name, x, self.const(name + ".lo", lo), *hi)

    def model(self, out, classes):
        g = helper.make_graph(self.nodes, "test", [helper.make_tensor_value_info("x", TensorProto.FLOAT,
                                                                                 [1, 3, self.h, self.w])],
                              [helper.make_tensor_value_info(out, TensorProto.FLOAT, [1, classes])], self.inits)
        m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
        onnx.checker.check_model(m)
        return m


def every_op_model(seed=1):
    """16x16 input, 8 channels, 8 classes: all float ops of a MobileNet/EfficientNet block."""
    b = Builder(seed, 16, 16)
    x = b.conv("stem.conv", "x", 3, 8, 3, strides=[2, 2], pads=[0, 0, 1, 1])        # 8x8; '.' must become '_'
    x = b.clip("stem_clip", b.bn("stem_bn", x, 8), 0, 6)                                # relu6
    d = b.node("Relu", "dw_relu", b.bn("dw_bn", b.conv("dw", x, 8, 8, 3, group=8, pads=[1, 1, 1, 1]), 8))
    r = b.node("Add", "res", b.conv("pw", d, 8, 8, 1, bias=True), d)
    s = b.node("Mul", "swish", r, b.node("Sigmoid", "swish_sig", r))
    gate = b.conv("se_reduce", b.node("GlobalAveragePool", "se_pool", s), 8, 4, 1, bias=True)
    gate = b.node("Sigmoid", "se_gate", b.conv("se_expand", b.node("Relu", "se_relu", gate), 4, 8, 1, bias=True))
    f = b.node("Flatten", "flat", b.node("GlobalAveragePool", "pool", b.node("Mul", "se", s, gate)))
    w, bias = b.const("fc.w", b.rng.normal(0, 0.8, (8, 8))), b.const("fc.b", b.rng.normal(0, 0.3, 8))
    # 8 classes from 8 channels: a Gemm read with the wrong transB would still run, and give other logits.
    fc = b.node("Gemm", "fc", b.node("Dropout", "drop", f), w, bias, transB=1)
    return b.model(b.node("Softmax", "prob", fc, axis=1), 8), "fc"


def pad_matmul_model(seed=2, pads=(0, 0, 1, 0, 0, 0, 0, 2)):
    """14x14 input: conv 'SAME_UPPER' stride 2 (pads 0,0,1,1), a Pad node (top 1, right 2) before a valid conv,
    Reshape to (1, -1) of the 8x6x7 tensor (so the C, H, W flattening order matters), MatMul + Add head."""
    b = Builder(seed, 14, 14)
    x = b.node("Relu", "c1_relu", b.conv("c1", "x", 3, 8, 3, bias=True, strides=[2, 2], auto_pad="SAME_UPPER"))
    x = b.node("Pad", "pad", x, b.const("pad.pads", pads, np.int64))          # 7x7 -> 8x9
    x = b.clip("c2_clip", b.conv("c2", x, 8, 8, 3, bias=True), 0)             # 6x7; Clip without max = relu
    x = b.node("Reshape", "flat", b.node("Identity", "ident", x), b.const("flat.shape", [1, -1], np.int64))
    y = b.node("MatMul", "head", x, b.const("head.w", b.rng.normal(0, 0.15, (8 * 6 * 7, 10))))
    return b.model(b.node("Add", "head_bias", y, b.const("head.b", b.rng.normal(0, 0.3, 10))), 10), "head_bias"


def other_ops_model(seed=5):
    """12x12 input: the supported ops the two models above leave out. Conv 'SAME_LOWER' stride 2 (pads
    1,1,0,0), ReduceMean over H, W as the squeeze-excite pool, gate * features (gate first), AveragePool over
    the whole map, Squeeze and Unsqueeze, and a Gemm with alpha, beta, transB 0 and a Constant node's bias."""
    b = Builder(seed, 12, 12)
    x = b.node("Relu", "c1_relu", b.conv("c1", "x", 3, 8, 3, bias=True, strides=[2, 2], auto_pad="SAME_LOWER"))
    gate = b.node("Sigmoid", "gate", b.conv("se", b.node("ReduceMean", "se_mean", x, axes=[2, 3]), 8, 8, 1, bias=True))
    x = b.node("AveragePool", "pool", b.node("Mul", "scale", gate, x), kernel_shape=[6, 6])
    x = b.node("Squeeze", "sq", x, b.const("sq.axes", [2, 3], np.int64))
    x = b.node("Flatten", "flat", b.node("Unsqueeze", "unsq", x, b.const("unsq.axes", [2, 3], np.int64)))
    b.nodes.append(helper.make_node("Constant", [], ["fc_bias"], name="fc_bias", value=numpy_helper.from_array(
        b.rng.normal(0, 0.3, 10).astype(np.float32))))
    y = b.node("Gemm", "fc", x, b.const("fc.w", b.rng.normal(0, 1.0, (8, 10))), "fc_bias", alpha=0.5, beta=2.0)
    return b.model(y, 10), "fc"


def mutated(model, name, op_type=None, keep_inputs=None, **attrs):
    """A copy of model with node `name` changed: how a wrong translation would compute it."""
    m = onnx.ModelProto()
    m.CopyFrom(model)
    node = next(n for n in m.graph.node if n.name == name)
    if op_type:
        node.op_type = op_type
    if keep_inputs is not None:
        del node.input[keep_inputs:]
    for k, v in attrs.items():
        keep = [a for a in node.attribute if a.name != k]
        del node.attribute[:]
        node.attribute.extend(keep + [helper.make_attribute(k, v)])
    return m


def qdq_model(seed=3, scales=None):
    """12x12 QDQ int8 model: conv+relu, depthwise, pointwise, residual add, global pool, Gemm (transB 0,
    per-tensor weight scale). Without `scales` (tensor -> activation scale) the activations are not
    quantised: that float graph gives the ranges the scales are chosen from."""
    b = Builder(seed, 12, 12)
    q = {}    # weight tensor name -> int8 initializer, as the importer must write it (OIHW / (O, C))
    sx = {"x": 1 / 255}

    def qdq(name, x, s, dt=np.int8):
        zp = b.const(name + ".zp", 0, dt)
        quantized = b.node("QuantizeLinear", name + ".q", x, b.const(name + ".s", s), zp)
        return b.node("DequantizeLinear", name + ".dq", quantized, name + ".s", zp)

    def act(name, x):
        if scales is None:
            return name
        sx[name] = scales[name]
        return qdq(name, x, scales[name])

    def weights(name, w, s_in, axis0=True):
        """int8 weights and int32 bias as DequantizeLinear(initializer); scales per filter or one."""
        amax = np.abs(w).max(axis=tuple(range(1, w.ndim))) if axis0 else np.abs(w).max()
        s_w = (amax / b.rng.integers(90, 128, np.shape(amax))).astype(np.float32)   # not always +-127
        wq = np.clip(np.rint(w / (per_axis(s_w, w, 0) if axis0 else s_w)), -127, 127).astype(np.int8)
        wq.flat[0] = -128         # int8's full range: ddcpim's 8-bit weights hold -128 too
        s_b = (np.float32(s_in) * s_w).astype(np.float32)
        bq = np.rint(b.rng.normal(0, 0.3, np.size(wq, 0 if axis0 else 1)) / s_b).astype(np.int32)
        q[name] = wq if axis0 else wq.T
        dq = dict(axis=0) if axis0 else {}
        wn = b.node("DequantizeLinear", name + ".wdq", b.const(name + ".wq", wq, np.int8), b.const(name + ".ws", s_w),
                    b.const(name + ".wz", np.zeros(np.shape(s_w)), np.int8), **dq)
        return wn, b.node("DequantizeLinear", name + ".bdq", b.const(name + ".bq", bq, np.int32),
                          b.const(name + ".bs", s_b), **dq)

    def qconv(name, x, src, cin, cout, k, group=1, **attrs):
        w, bias = weights(name, b.rng.normal(0, 1.2 / np.sqrt(cin // group * k * k), (cout, cin // group, k, k)),
                          sx.get(src, 1.0))
        return act(name, b.node("Conv", name, x, w, bias, group=group, kernel_shape=[k, k], **attrs))

    x = qdq("in", "x", 1 / 255, np.uint8)
    c1 = act("relu1", b.node("Relu", "relu1", qconv("conv1", x, "x", 3, 8, 3, strides=[2, 2], pads=[1, 1, 1, 1])))
    pw = qconv("pw", qconv("dw", c1, "relu1", 8, 8, 3, group=8, pads=[1, 1, 1, 1]), "dw", 8, 8, 1)
    g = act("gap", b.node("GlobalAveragePool", "gap", act("add", b.node("Add", "add", pw, c1))))
    w, bias = weights("fc", b.rng.normal(0, 0.5, (8, 10)), sx.get("gap", 1.0), axis0=False)
    return b.model(act("fc", b.node("Gemm", "fc", b.node("Flatten", "flat", g), w, bias)), 10), q


def error_model(kind):
    """A small valid ONNX model with one thing in it the importer must refuse."""
    b = Builder(4, 12, 12)
    if kind == "maxpool":     # and a LeakyRelu: one run lists every unsupported op
        x = b.node("MaxPool", "pool1", b.conv("c", "x", 3, 8, 3), kernel_shape=[2, 2], strides=[2, 2])
        x = b.node("LeakyRelu", "leaky", x)
    elif kind == "dilation":
        x = b.conv("dil_conv", "x", 3, 8, 3, dilations=[2, 2])
    elif kind == "clip4":
        x = b.clip("clip4", b.conv("c", "x", 3, 8, 3), 0, 4)
    else:
        x = b.conv("grouped", b.conv("c", "x", 3, 8, 3), 8, 8, 3, group=2)
    f = b.node("Flatten", "flat", b.node("GlobalAveragePool", "gp", x))
    return b.model(b.node("Gemm", "fc", f, b.const("fc.w", b.rng.normal(0, 1, (4, 8))), transB=1), 4)


def hostile_model(conv=None, bn=None, fc_w=None, post=None, head=None):
    """A small valid-looking model, conv 'c' -> [BatchNormalization 'bn'] -> [post] -> pool -> Gemm 'fc' [-> head],
    to carry one hostile value: conv attributes, BN (scale, B, mean, var, epsilon), the fc weight."""
    b = Builder(4, 12, 12)
    x = b.conv("c", "x", 3, 8, 3, **(conv or {}))
    if bn is not None:
        *params, eps = bn
        x = b.node("BatchNormalization", "bn", x, *[b.const(f"bn.{n}", np.broadcast_to(v, 8))
                                                     for n, v in zip("gbmv", params)], epsilon=eps)
    if post:
        x = post(b, x)
    f = b.node("Flatten", "flat", b.node("GlobalAveragePool", "gp", x))
    y = b.node("Gemm", "fc", f, b.const("fc.w", b.rng.normal(0, 1, (4, 8)) if fc_w is None else fc_w), transB=1)
    if head:
        y = head(b, y)
    g = helper.make_graph(b.nodes, "test", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 12, 12])],
                          [helper.make_tensor_value_info(y, TensorProto.FLOAT, [1, 4])], b.inits)
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])


def with_value(shape, index, value):
    a = np.random.default_rng(0).normal(0, 1, shape)
    a[index] = value
    return a


def importer_front_end():
    """The importer's ONNX front end, in this process: (onnx_to_graph, check_values, ImportError_)."""
    scripts = str(importer_test_case.source_dir / "scripts")
    if scripts not in sys.path:
        sys.path.insert(0, scripts)
    import importer.graph
    from importer.onnx_model import onnx_to_graph
    return onnx_to_graph, getattr(importer.graph, "check_values", lambda ops: None), importer.graph.ImportError_


def hostile_with_bias():
    b = Builder(4, 12, 12)
    f = b.node("Flatten", "flat", b.node("GlobalAveragePool", "gp", b.conv("c", "x", 3, 8, 3, bias=True)))
    return b.model(b.node("Gemm", "fc", f, b.const("fc.w", b.rng.normal(0, 1, (4, 8))), transB=1), 4)


def mutated_init(model, name, value):
    """A copy of model with initializer `name` replaced by value (its dtype kept)."""
    m = onnx.ModelProto()
    m.CopyFrom(model)
    t = next(t for t in m.graph.initializer if t.name == name)
    t.CopyFrom(numpy_helper.from_array(np.asarray(value, dtype=numpy_helper.to_array(t).dtype), name))
    return m


def external_data_model():
    """hostile_model() with fc.w's data in a file outside the model's directory ('/dev/zero'): not followed."""
    m = hostile_model()
    t = next(t for t in m.graph.initializer if t.name == "fc.w")
    t.ClearField("raw_data")
    t.ClearField("float_data")
    t.data_location = TensorProto.EXTERNAL
    t.external_data.add(key="location", value="/dev/zero")
    return m


def rel_err(a, ref):
    return float(np.sqrt(np.mean((np.ravel(a) - np.ravel(ref)) ** 2) / np.mean(np.ravel(ref) ** 2)))


def smooth_image(rng, h, w):
    """(3, h, w) codes 0..255 like a small photo crop (the importer calibrates on such), not white noise."""
    coarse = rng.uniform(0, 255, (3, 4, 4))
    yi, xi = np.linspace(0, 3, h), np.linspace(0, 3, w)
    rows = np.stack([[np.interp(yi, np.arange(4), coarse[c, :, j]) for j in range(4)] for c in range(3)])  # 3,4,h
    img = np.stack([[np.interp(xi, np.arange(4), rows[c, :, i]) for i in range(h)] for c in range(3)])    # 3,h,w
    return np.clip(np.rint(img + rng.normal(0, 12, img.shape)), 0, 255).astype(np.int64)


def probe_image(seed, h, w):
    """A smooth image plus a faint one-pixel checkerboard. Global pooling forgets where things are; the
    checkerboard makes the phase of a stride-2 convolution (which side is padded) visible after it."""
    checker = np.indices((h, w)).sum(axis=0) % 2 * 60 - 30
    return np.clip(smooth_image(np.random.default_rng(seed), h, w) + checker, 0, 255)


# ---------------------------------------------------------------- tests


class ExecutorTest(unittest.TestCase):
    """The numpy executor above is the reference: check it against direct definitions."""

    def test_conv_matches_direct_loops(self):
        rng = np.random.default_rng(0)
        x, w, bias = rng.normal(size=(1, 4, 7, 6)), rng.normal(size=(6, 2, 3, 3)), rng.normal(size=6)
        t, l, bo, r = 0, 1, 2, 1
        xp = np.zeros((4, 7 + t + bo, 6 + l + r))
        xp[:, t:t + 7, l:l + 6] = x[0]
        ho, wo = (xp.shape[1] - 3) // 2 + 1, (xp.shape[2] - 3) // 2 + 1
        want = np.zeros((6, ho, wo))
        for o in range(6):
            g = o // 3                                     # group 2: filters 0..2 read channels 0..1
            for i in range(ho):
                for j in range(wo):
                    want[o, i, j] = bias[o] + sum(xp[2 * g + c, 2 * i + ky, 2 * j + kx] * w[o, c, ky, kx]
                                                  for c in range(2) for ky in range(3) for kx in range(3))
        np.testing.assert_allclose(conv(x, w, bias, group=2, pads=[t, l, bo, r], strides=[2, 2])[0], want)
        x8 = rng.normal(size=(1, 6, 8, 8))
        np.testing.assert_allclose(conv(x8, w, group=3, strides=[2, 2], auto_pad="SAME_UPPER"),
                                   conv(x8, w, group=3, strides=[2, 2], pads=[0, 0, 1, 1]))
        np.testing.assert_allclose(conv(x8, w, group=3, strides=[2, 2], auto_pad="SAME_LOWER"),
                                   conv(x8, w, group=3, strides=[2, 2], pads=[1, 1, 0, 0]))

    def test_quantize_pad_reshape(self):
        v = np.array([0.5, 1.5, 2.5, -0.5, -1.5, 300, -300])
        self.assertEqual(quantize_linear(v, np.float32(1), np.int8(0)).tolist(), [0, 2, 2, 0, -2, 127, -128])
        self.assertEqual(quantize_linear(v, np.float32(1)).tolist(), [0, 2, 2, 0, 0, 255, 0])
        q = np.array([[1, -2], [3, 4]], dtype=np.int8)
        self.assertEqual(dequantize_linear(q, np.array([1.0, 0.5]), axis=0).tolist(), [[1, -2], [1.5, 2]])
        self.assertEqual(dequantize_linear(q, np.array([1.0, 0.5]), axis=1).tolist(), [[1, -1], [3, 2]])
        p = pad(np.ones((1, 1, 2, 2)), np.array([0, 0, 1, 0, 0, 0, 0, 2]))      # top 1, right 2
        self.assertEqual(p[0, 0].tolist(), [[0, 0, 0, 0], [1, 1, 0, 0], [1, 1, 0, 0]])
        self.assertEqual(reshape(np.arange(12).reshape(1, 3, 2, 2), np.array([0, -1])).shape, (1, 12))


class ImportOnnxTest(ImporterTestCase):
    FORMAT = "onnx"

    def run_import(self, model, *args):
        path = self.dir / "model.onnx"
        if isinstance(model, onnx.ModelProto):
            onnx.save(model, str(path))
        elif isinstance(model, bytes):
            path.write_bytes(model)
        else:
            path = model
        return super().run_import(path, *args)
    def import_ok(self, model, *args):
        """Imports unpaired (--fcc none unless args say otherwise): these tests measure the quantisation."""
        r = self.run_import(model, "--fcc", "none", "--images", "40", "--calib", "16",
                            "--json", str(self.dir / "eval.json"), *args)
        self.assertEqual(r.returncode, 0, f"stdout:\n{r.stdout}\nstderr:\n{r.stderr}")
        ev = json.loads((self.dir / "eval.json").read_text())["rows"][0]
        self.assertEqual(ev["ref_cross_check"], "ok")             # numpy int8 engine == ddcpim_ref, bit for bit
        return ev, yaml.safe_load((self.dir / "out" / "network.yaml").read_text())["network"]["layers"]

    def run_ref(self, img):
        """ddcpim_ref on img (C, H, W codes): the last layer's output codes and the real value of one code."""
        np.save(self.dir / "x.npy", img.astype(np.int32))
        r = subprocess.run([str(self.ref), "--config", str(self.dir / "out" / "network.yaml"), "--input",
                            str(self.dir / "x.npy"), "--output", str(self.dir / "y.npy"), "-q"],
                           capture_output=True, text=True, env=self.env)
        self.assertEqual(r.returncode, 0, r.stderr)
        last = yaml.safe_load((self.dir / "out" / "network.yaml").read_text())["network"]["layers"][-1]["name"]
        return np.load(self.dir / "y.npy"), float(np.load(self.dir / "out" / "weights" / f"{last}.out_scale.npy")[0])

    def check_logits(self, model, logits_name, img, mutants, bound=0.05):
        """ddcpim_ref's real logits on img vs the float model's: relative RMS error (int8 gives about 0.01 on
        these models). Each mutant, a plausible mistranslation, must be at least twice the bound away."""
        codes, scale = self.run_ref(img)
        self.assertLess(np.abs(codes).max(), 127, "logits saturate: the test image is out of calibration range")
        ref = run_onnx(model, img[None] / 255)[logits_name]
        err = rel_err(codes * scale, ref)
        self.assertLess(err, bound, f"int8 {codes.ravel() * scale} vs float {ref.ravel()}")
        for label, m in mutants.items():
            self.assertGreater(rel_err(run_onnx(m, img[None] / 255)[logits_name], ref), 2 * bound, label)

    def test_every_float_op_imports_and_matches_float_model(self):
        model, logits = every_op_model()
        ev, layers = self.import_ok(model)
        self.assertGreater(ev["logit_sqnr_db"], 25)
        self.assertGreaterEqual(ev["top1_agreement"], 0.8)
        kinds = [l["kind"] for l in layers]
        self.assertLessEqual(set(kinds), KINDS)                   # no batchnorm, softmax, flatten... layers
        self.assertLessEqual({"conv", "depthwise", "pointwise", "add", "swish", "sigmoid", "se", "avgpool", "fc",
                              "relu6", "relu"}, set(kinds))
        self.assertEqual(sum(k in MAC_KINDS for k in kinds), 6)   # BN folded: one MAC layer per Conv/Gemm
        stem = next(l for l in layers if l["name"] == "stem_conv")  # 'stem.conv' with the '.' replaced
        self.assertEqual((stem["kind"], stem["padding"], stem.get("stride")), ("conv", [0, 0, 1, 1], 2))

        self.check_logits(model, logits, probe_image(9, 16, 16), {
            "pads flipped": mutated(model, "stem.conv", pads=[1, 1, 0, 0]),
            "fc weight not transposed": mutated(model, "fc", transB=0),
            "batchnorm not folded": mutated(model, "dw_bn", op_type="Identity", keep_inputs=1),
            "pointwise bias lost": mutated(model, "pw", keep_inputs=2)})

        # The imported network runs on the SystemC macros (DDC and baseline) bit-exactly against the reference.
        for mode in ([], ["--baseline"]):
            r = subprocess.run([str(self.bin / "ddcpim_sim"), "--config", str(self.dir / "out" / "network.yaml"),
                                "--verify", "--quiet", "--set", "fcc.pairs=auto", *mode],
                               capture_output=True, text=True, env=self.env, timeout=300)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertIn("verified", r.stdout + r.stderr)

    def test_pad_node_same_upper_and_matmul_head(self):
        model, logits = pad_matmul_model()
        ev, layers = self.import_ok(model)
        self.assertGreater(ev["logit_sqnr_db"], 25)
        # Pad, Identity, Reshape and the bias Add leave no layers of their own.
        self.assertEqual([l["kind"] for l in layers], ["conv", "relu", "conv", "relu", "fc"])
        self.assertEqual(layers[0]["padding"], [0, 0, 1, 1])       # SAME_UPPER, stride 2, even input
        self.assertEqual(layers[2]["padding"], [1, 0, 0, 2])       # the Pad node, folded into the conv
        head = np.load(self.dir / "out" / "weights" / f"{layers[4]['name']}.weight.npy")
        self.assertEqual(head.shape, (10, 8 * 6 * 7))

        self.check_logits(model, logits, probe_image(10, 14, 14), {
            "SAME_LOWER": mutated(model, "c1", auto_pad="SAME_LOWER"),
            "Pad sides flipped": pad_matmul_model(pads=(0, 0, 0, 2, 0, 0, 1, 0))[0],
            "head bias lost": mutated(model, "head_bias", op_type="Identity", keep_inputs=1)})

    def test_other_ops_same_lower_reducemean_averagepool_squeeze_gemm_alpha_beta(self):
        model, logits = other_ops_model()
        ev, layers = self.import_ok(model)
        self.assertGreater(ev["logit_sqnr_db"], 25)
        self.assertEqual([l["kind"] for l in layers],
                         ["conv", "relu", "avgpool", "pointwise", "sigmoid", "se", "avgpool", "fc"])
        self.assertEqual(layers[0]["padding"], [1, 1, 0, 0])          # SAME_LOWER: the extra pixel first
        self.assertEqual(layers[5]["inputs"], ["c1_relu", "gate"])     # features first, whatever the Mul's order
        # (SAME_UPPER would move the logits too little after two global pools: the padding is checked above.)
        self.check_logits(model, logits, probe_image(11, 12, 12), {
            "alpha ignored": mutated(model, "fc", alpha=1.0),
            "beta ignored": mutated(model, "fc", beta=1.0)})

    def test_qdq_model_keeps_its_int8_weights_and_scales(self):
        rng = np.random.default_rng(11)
        img = smooth_image(rng, 12, 12)
        # Activation scales as a QDQ exporter would choose them (range/127), with headroom so that no
        # activation saturates on our image: ddcpim and ONNX then round the same values.
        float_model, _ = qdq_model()
        vals = [run_onnx(float_model, im[None] / 255) for im in [img] + [smooth_image(rng, 12, 12) for _ in range(7)]]
        names = ("conv1", "relu1", "dw", "pw", "add", "gap", "fc")
        scales = {n: np.float32(1.25 * max(np.abs(v[n]).max() for v in vals) / 127) for n in names}
        model, wq = qdq_model(scales=scales)
        _, layers = self.import_ok(model, "--images", "20", "--calib", "8")
        self.assertEqual([(l["name"], l["kind"]) for l in layers],       # Q/DQ pairs leave no layers
                         list(zip(names, ["conv", "relu", "depthwise", "pointwise", "add", "avgpool", "fc"])))

        wdir = self.dir / "out" / "weights"
        init = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
        for name, w in wq.items():                     # exactly the model's integers, nothing requantised
            np.testing.assert_array_equal(np.load(wdir / f"{name}.weight.npy"), w, name)
            np.testing.assert_array_equal(np.load(wdir / f"{name}.bias.npy"), init[name + ".bq"], name)
        for name in names:
            self.assertAlmostEqual(np.load(wdir / f"{name}.out_scale.npy")[0] / scales[name], 1, delta=1e-9, msg=name)

        codes, _ = self.run_ref(img)
        want = run_onnx(model, img[None] / 255)["fc.q"].astype(np.int64).ravel()
        self.assertGreater(np.abs(want).max(), 40)     # the logits use the int8 range, not a few codes
        self.assertLessEqual(np.abs(codes.ravel() - want).max(), 2, f"ddcpim_ref {codes.ravel()} vs ONNX {want}")

        # relu1's int8 Q saturates at 127 when its scale is too small: the imported relu must clamp there too.
        scales["relu1"] = np.float32(scales["relu1"] / 2.5)
        model, _ = qdq_model(scales=scales)
        self.import_ok(model, "--images", "20", "--calib", "8", "--no-eval")
        np.testing.assert_array_equal(np.load(wdir / "relu1.clamp.npy"), [0, 127])
        relu1 = run_onnx(model, img[None] / 255)["relu1.q"]
        self.assertGreater(np.mean(relu1 == 127), 0.01)       # the saturation really happens on this image
        codes, _ = self.run_ref(img)
        want = run_onnx(model, img[None] / 255)["fc.q"].astype(np.int64).ravel()
        self.assertLessEqual(np.abs(codes.ravel() - want).max(), 2, f"ddcpim_ref {codes.ravel()} vs ONNX {want}")

    def expect_refusal(self, model, *words):
        r = self.run_import(model, "--no-eval")
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        for w in words:
            self.assertIn(w, r.stderr)

    def test_unsupported_op_names_node_and_op(self):
        self.expect_refusal(error_model("maxpool"), "node 'pool1' (MaxPool)",
                            "unsupported ops in the model: MaxPool (1 node), LeakyRelu (1 node)")

    def test_dilation_names_node_and_attribute(self):
        self.expect_refusal(error_model("dilation"), "'dil_conv'", "dilations")

    def test_clip_not_relu6_names_node(self):
        self.expect_refusal(error_model("clip4"), "'clip4'")

    def test_grouped_conv_not_depthwise_names_node_and_group(self):
        self.expect_refusal(error_model("grouped"), "'grouped'", "group")

    def refusal(self, model):
        """The message the importer's front end refuses `model` with, in this process (None if it takes it).
        Any other exception escapes and fails the test."""
        onnx_to_graph, check_values, ImportError_ = importer_front_end()
        path = self.dir / "model.onnx"
        path.write_bytes(model if isinstance(model, bytes) else model.SerializeToString())
        try:
            ops, *_ = onnx_to_graph(path)
            check_values(ops)
        except ImportError_ as e:
            self.assertNotIn("\n", str(e))
            return str(e)
        return None

    def expect_one_line_refusal(self, model, *words):
        """The command on `model`: exit 2, no traceback, one 'ddcpim_import: error:' line with `words`."""
        t0 = time.monotonic()
        r = self.run_import(model, "--no-eval", "--images", "4", "--calib", "2")
        self.assertLess(time.monotonic() - t0, 30)
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertNotIn("Traceback", r.stderr)
        lines = r.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, r.stderr)
        self.assertTrue(lines[0].startswith("ddcpim_import: error: "), lines[0])
        for w in words:
            self.assertIn(w, lines[0])

    def test_hostile_attributes_exit_2_naming_the_node(self):
        """Found by fuzzing: Conv strides [0, 0] was a ZeroDivisionError traceback. Every attribute the importer
        reads is checked for length, sign and range, the message naming the node and its op type."""
        self.expect_one_line_refusal(hostile_model(conv=dict(strides=[0, 0])),
                                     "node 'c' (Conv): attribute 'strides' [0, 0]: expected 2 integers 1..64")
        cases = {
            "negative strides": (hostile_model(conv=dict(strides=[-1, -1])), "node 'c' (Conv): attribute 'strides'"),
            "strides of 3 values": (hostile_model(conv=dict(strides=[1, 1, 1])), "attribute 'strides' [1, 1, 1]"),
            "negative pads": (hostile_model(conv=dict(pads=[-1, 0, 0, 0])), "attribute 'pads' [-1, 0, 0, 0]"),
            "2 pads": (hostile_model(conv=dict(pads=[1, 1])), "attribute 'pads' [1, 1]: expected 4 integers"),
            # 3 x 120012 x 120012 padded: refused by its size before anything is allocated.
            "huge pads": (hostile_model(conv=dict(pads=[60000] * 4)), "over ddcpim's limits.tensor_elements"),
            "group 0": (mutated(hostile_model(), "c", group=0), "node 'c' (Conv): attribute 'group' 0"),
            "kernel_shape 0": (mutated(hostile_model(), "c", kernel_shape=[0, 0]), "attribute 'kernel_shape' [0, 0]"),
            "dilations 0": (hostile_model(conv=dict(dilations=[0, 0])), "attribute 'dilations' [0, 0]"),
            "ReduceMean axes out of range": (
                hostile_model(post=lambda b, x: b.node("ReduceMean", "rm", x, axes=[6, 7])),
                "node 'rm' (ReduceMean): attribute 'axes' [6, 7]"),
            "Softmax over the batch": (hostile_model(head=lambda b, y: b.node("Softmax", "sm", y, axis=0)),
                                       "node 'sm' (Softmax): attribute 'axis' 0"),
            "Squeeze of the channels": (hostile_model(post=lambda b, x: b.node("Squeeze", "sq", b.node(
                "GlobalAveragePool", "gp0", x), b.const("sq.axes", [1], np.int64))), "node 'sq' (Squeeze): axes [1]"),
            "Constant without a value": (hostile_model(post=lambda b, x: (b.nodes.append(helper.make_node(
                "Constant", [], ["k"], name="k", value_float=1.0)), x)[1]), "node 'k' (Constant)"),
        }
        for name, (model, words) in cases.items():
            with self.subTest(name):
                self.assertIn(words, self.refusal(model) or "accepted")
        self.assertIsNone(self.refusal(hostile_model(head=lambda b, y: b.node("Softmax", "sm", y, axis=1))))

    def test_non_finite_or_absurd_parameters_exit_2(self):
        """NaN, inf and 1e38 weights were taken with a numpy warning, and BatchNormalization epsilon -1: the
        network then output zeros. Now refused, naming the node and the initializer."""
        self.expect_one_line_refusal(hostile_model(fc_w=with_value((4, 8), (1, 2), np.nan)),
                                     "node 'fc' (Gemm): B (the weight) 'fc.w' holds a non-finite value, nan at [1, 2]")
        self.expect_one_line_refusal(hostile_model(bn=(1.0, 0.0, 0.0, 1.0, -1.0)),
                                     "node 'bn' (BatchNormalization): attribute 'epsilon' -1.0: expected a finite "
                                     "value > 0")
        conv_w = with_value((8, 3, 3, 3), (2, 0, 1, 1), np.inf)
        qdq = qdq_model()[0]
        cases = {
            "+inf fc weight": (hostile_model(fc_w=with_value((4, 8), (0, 0), np.inf)), "'fc.w' holds a non-finite"),
            "-inf fc weight": (hostile_model(fc_w=with_value((4, 8), (3, 7), -np.inf)), "-inf at [3, 7]"),
            "1e38 fc weight": (hostile_model(fc_w=with_value((4, 8), (1, 2), 1e38)),
                               "'fc.w' holds an absurd magnitude, 1e+38 at [1, 2] (over the bound |value| <= 1e+06)"),
            "-1e38 fc weight": (hostile_model(fc_w=with_value((4, 8), (1, 2), -1e38)), "-1e+38 at [1, 2]"),
            "inf conv weight": (mutated_init(hostile_model(), "c.w", conv_w), "node 'c' (Conv): the weight 'c.w'"),
            "NaN conv bias": (mutated_init(hostile_with_bias(), "c.b", with_value(8, 3, np.nan)),
                              "node 'c' (Conv): the bias 'c.b' holds a non-finite value, nan at [3]"),
            "epsilon NaN": (hostile_model(bn=(1.0, 0.0, 0.0, 1.0, float("nan"))), "attribute 'epsilon' nan"),
            "epsilon 0": (hostile_model(bn=(1.0, 0.0, 0.0, 1.0, 0.0)), "attribute 'epsilon' 0.0"),
            "negative variance": (hostile_model(bn=(1.0, 0.0, 0.0, -2.0, 1e-3)),
                                  "input_var + epsilon = -1.999 <= 0 (channel 0)"),
            "variance 0, epsilon 1e-30": (hostile_model(bn=(1.0, 0.0, 0.0, 0.0, 1e-30)),
                                          "node 'bn' (BatchNormalization): folded into 'c', gives a weight holding "
                                          "an absurd magnitude"),
            "inf scale": (hostile_model(bn=(np.inf, 0.0, 0.0, 1.0, 1e-3)), "scale 'bn.g' holds a non-finite value"),
            "NaN mean": (hostile_model(bn=(1.0, 0.0, np.nan, 1.0, 1e-3)), "input_mean 'bn.m' holds a non-finite"),
            "scale of 1 value for 8 channels": (mutated_init(hostile_model(bn=(1.0, 0.0, 0.0, 1.0, 1e-3)), "bn.g",
                                                             np.ones(1)), "scale of 1 values for the 8 channels"),
            "QDQ weight scale 0": (mutated_init(qdq, "conv1.ws", np.zeros(8)),
                                   "node 'conv1.wdq' (DequantizeLinear): scale 'conv1.ws' holds 0.0"),
            "QDQ weight scale NaN": (mutated_init(qdq, "conv1.ws", np.full(8, np.nan)), "scale 'conv1.ws' holds nan"),
            "QDQ activation scale -1": (mutated_init(qdq, "in.s", -1.0), "node 'in.q' (QuantizeLinear): scale 'in.s'"),
        }
        for name, (model, words) in cases.items():
            with self.subTest(name):
                self.assertIn(words, self.refusal(model) or "accepted")

    def test_damaged_files_exit_2_in_one_line(self):
        """A byte flip that makes an op type invalid UTF-8: the ONNX checker's error has an empty message (the
        importer printed an IndexError traceback). Truncated and empty files, and external data, likewise."""
        data = hostile_model().SerializeToString()
        flipped = data.replace(b"GlobalAveragePool", b"GlobalAver\x9dgePool")
        self.assertNotEqual(flipped, data)
        self.expect_one_line_refusal(flipped, "graph.node[1] ('gp', GlobalAver\\x9dgePool): its op_type",
                                     "not valid UTF-8")
        cases = {
            "truncated": (data[:len(data) // 2], "not a readable ONNX model: DecodeError"),
            "empty": (b"", "the ONNX checker rejects the model"),
            "external data": (external_data_model(), "initializer 'fc.w': stored in an external data file"),
        }
        for name, (model, words) in cases.items():
            with self.subTest(name):
                self.assertIn(words, self.refusal(model) or "accepted")

    def test_checker_error_without_a_message(self):
        onnx_to_graph, _, _ = importer_front_end()
        real = onnx.checker.check_model

        def silent(model, *a, **kw):
            raise onnx.checker.ValidationError("")
        onnx.checker.check_model = silent
        try:
            self.assertIn("the ONNX checker rejects the model: ValidationError without a message",
                          self.refusal(hostile_model()) or "accepted")
        finally:
            onnx.checker.check_model = real

    def test_byte_flipped_models_are_refused_or_taken_never_crash(self):
        """The class of the fuzzing campaign's finds: 300 models with 1 to 4 random bytes changed, each taken or
        refused with one line (an ImportError_), no other exception."""
        rng = random.Random(15)
        models = [m.SerializeToString() for m in (every_op_model()[0], qdq_model()[0], pad_matmul_model()[0])]
        outcomes, crashes = {"taken": 0, "refused": 0}, []
        for i in range(300):
            data = bytearray(models[i % len(models)])
            for _ in range(rng.choice((1, 1, 2, 4))):
                data[rng.randrange(len(data))] = rng.randrange(256)
            try:
                outcomes["refused" if self.refusal(bytes(data)) else "taken"] += 1
            except Exception as e:      # anything but ImportError_ is a crash (AssertionError: a multi-line message)
                crashes.append(f"flip {i}: {type(e).__name__}: {str(e)[:200]}")
        self.assertEqual(crashes[:5], [], f"{len(crashes)} of 300 crashed")
        self.assertGreater(outcomes["refused"], 50, outcomes)

    def test_missing_model_file(self):
        self.expect_refusal(self.dir / "no_such.onnx", "no_such.onnx")

    def test_fcc_auto_is_written_and_loads(self):
        r = self.run_import(every_op_model()[0], "--fcc", "auto", "--no-eval")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(yaml.safe_load((self.dir / "out" / "network.yaml").read_text())["fcc"], {"pairs": "auto"})
        r = subprocess.run([str(self.ref), "--config", str(self.dir / "out" / "network.yaml"), "-q"],
                           capture_output=True, text=True, env=self.env)
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_fcc_auto_evaluates_the_network_ddcpim_runs(self):
        """The default, --fcc auto, with the evaluation: FCC rewrites weights, scales, requantisation and biases
        when the network is loaded, so the numpy engine must run those parameters, not the unpaired .npy files.
        Both networks are reported, each cross-checked against ddcpim_ref on the same network; the paired
        one's figures equal those of ddcpim_fcc's explicitly paired output, evaluated on the same images."""
        model, _ = qdq_model()
        out, ev = self.dir / "out", self.dir / "eval.json"
        r = self.run_import(model, "--images", "40", "--calib", "16", "--json", str(ev), "--fcc", "auto")
        self.assertEqual(r.returncode, 0, f"stdout:\n{r.stdout}\nstderr:\n{r.stderr}")
        self.assertIn("--fcc none leaves the network unpaired", r.stdout)
        self.assertNotIn("MISMATCH", r.stdout)
        text = (out / "network.yaml").read_text()
        self.assertEqual(yaml.safe_load(text)["fcc"], {"pairs": "auto"})
        self.assertIn("--fcc none", text)                           # the config says how to leave it unpaired
        unpaired, paired = json.loads(ev.read_text())["rows"]
        self.assertEqual((unpaired["network"], paired["network"]), ("int8, unpaired", "int8, FCC-paired at load"))
        for row in (unpaired, paired):
            self.assertEqual(row["ref_cross_check"], "ok", row)      # numpy engine == ddcpim_ref, same network
            self.assertEqual(row["ref_cross_check_layers"], 4)
        self.assertGreater(unpaired["logit_sqnr_db"], 25)
        self.assertLess(paired["logit_sqnr_db"], unpaired["logit_sqnr_db"] - 3)   # FCC after training costs

        # The unpaired row is the --fcc none import's network.
        r = self.run_import(model, "--images", "40", "--calib", "16", "--json", str(ev), "--fcc", "none")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        plain, = json.loads(ev.read_text())["rows"]
        self.assertEqual((plain["network"], plain["logit_sqnr_db"]), ("int8", unpaired["logit_sqnr_db"]))

        # The paired row is ddcpim_fcc's network (pairs listed, weights rewritten in its own files).
        r = self.run_import(model, "--images", "40", "--calib", "16", "--fcc", "auto", "--no-eval")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        fcc = self.dir / "fcc" / "network.yaml"
        r = subprocess.run([str(self.bin / "ddcpim_fcc"), "--config", str(out / "network.yaml"), "--out", str(fcc),
                            "-q"], capture_output=True, text=True, env=self.env)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.run_import(model, "--images", "40", "--calib", "16", "--eval-only", "--json", str(ev),
                            "--compare", str(fcc))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        rows = json.loads(ev.read_text())["rows"]
        self.assertEqual([x["network"] for x in rows], ["int8, unpaired", "int8, FCC-paired at load", "int8"])
        for key in ("top1_agreement", "logit_sqnr_db", "top1_histogram"):
            self.assertEqual(rows[1][key], paired[key], key)
            self.assertEqual(rows[2][key], paired[key], key)
        self.assertEqual(rows[2]["ref_cross_check"], "ok")

    def test_imported_network_has_a_technology(self):
        """technology: tech/28nm.yaml in the config, found from any directory: ddcpim_sim prints area and energy."""
        r = self.run_import(qdq_model()[0], "--no-eval")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(yaml.safe_load((self.dir / "out" / "network.yaml").read_text())["technology"],
                         "tech/28nm.yaml")
        env = {k: v for k, v in self.env.items() if k != "DDCPIM_TECH_DIR"}
        r = subprocess.run([str(self.bin / "ddcpim_sim"), "--config", str(self.dir / "out" / "network.yaml"), "-q"],
                           capture_output=True, text=True, env=env, cwd=self.dir, timeout=300)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("mm2", r.stdout)
        self.assertNotIn("no technology file", r.stdout + r.stderr)


if __name__ == "__main__":
    main()
