"""ONNX front end: a float or QDQ-quantised ONNX model -> graph of float ops.

Walks the nodes in their (topological) order. Every tensor becomes one of:
  Const  an initializer or a folded constant (with its integer codes when it came out of DequantizeLinear),
  Act    an activation: the op that produced it, zero padding still to apply, whether it was flattened,
  QAct   an activation after QuantizeLinear, which only DequantizeLinear may read.
Layout: ONNX is NCHW with OIHW weights and [top, left, bottom, right] pads, as the project's format is.

Hostile input: a model that cannot be translated is an ImportError_ (exit 2) naming the node (name and op
type) and what is wrong: attributes the importer reads are checked for type, length, sign and range; the
constants it reads must be finite and of sane magnitude (graph.MAX_ABS); any other exception a node's
translation raises (a malformed value the checks missed) is reported against that node as well.
"""
import importlib.util
import math
import re

import numpy as np

from .graph import (MAC_KINDS, MAX_ABS, MAX_KERNEL, MAX_PADDING, MAX_STRIDE, MAX_VARIANCE, GivenScale,
                    ImportError_, Op, bad_values, infer_shapes, same_padding, unique_name)

# The attributes each supported op may carry; any other attribute is refused, naming it.
ATTRIBUTES = {
    "Conv": {"auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"},
    "Gemm": {"alpha", "beta", "transA", "transB"},
    "MatMul": set(), "Add": set(), "Mul": set(), "Relu": set(), "Sigmoid": set(), "Identity": set(),
    "GlobalAveragePool": set(),
    "BatchNormalization": {"epsilon", "momentum", "training_mode", "spatial"},
    "Clip": {"min", "max"},
    "Flatten": {"axis"},
    "Reshape": {"allowzero"},
    "Squeeze": {"axes"}, "Unsqueeze": {"axes"},
    "ReduceMean": {"axes", "keepdims"},
    "AveragePool": {"kernel_shape", "strides", "pads", "auto_pad", "ceil_mode", "count_include_pad"},
    "Pad": {"mode", "pads", "value"},
    "Dropout": {"ratio", "seed"},
    "Softmax": {"axis"},
    "Constant": {"value"},
    "QuantizeLinear": {"axis", "saturate"}, "DequantizeLinear": {"axis"},
}
NO_PAD = [0, 0, 0, 0]


class Const:
    def __init__(self, value, codes=None, scale=None):
        self.dtype = np.asarray(value).dtype          # the stored type (int8 codes, int32 biases, float...)
        self.value = np.asarray(value, dtype=np.float64)
        # From DequantizeLinear: integer codes and the scale broadcast to the tensor's shape (zero point 0).
        self.codes, self.scale = codes, scale


class Act:
    def __init__(self, src, pad=NO_PAD, flat=False):
        self.src, self.pad, self.flat = src, list(pad), flat


class QAct:
    def __init__(self, act, given):
        self.act, self.given = act, given


def _attrs(node):
    import onnx
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def _text(s):
    """A protobuf string for a message: bytes (not valid UTF-8) decoded with escapes, control characters
    escaped, so that a message stays one line."""
    if isinstance(s, bytes):
        s = s.decode("utf-8", "backslashreplace")
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(s))


def _first_line(e, limit=400):
    """An exception's message as one line (the checker's spread over several), at most `limit` characters."""
    text = " ".join(l.strip() for l in str(e).splitlines() if l.strip())
    return text if len(text) <= limit else text[:limit] + "..."


def _not_text(model):
    """The first string of the graph that is not valid UTF-8 (protobuf then hands it over as bytes), as
    'where: value', or None."""
    g = model.graph
    for i, n in enumerate(g.node):
        where = f"graph.node[{i}] ('{_text(n.name)}', {_text(n.op_type)})"
        for field in ("name", "op_type", "domain"):
            if isinstance(getattr(n, field), bytes):
                return f"{where}: its {field} '{_text(getattr(n, field))}'"
        for field in ("input", "output"):
            for t in getattr(n, field):
                if isinstance(t, bytes):
                    return f"{where}: its {field} '{_text(t)}'"
        for a in n.attribute:
            if isinstance(a.name, bytes):
                return f"{where}: an attribute name '{_text(a.name)}'"
    for what, items in (("initializer", g.initializer), ("graph input", g.input), ("graph output", g.output)):
        for t in items:
            if isinstance(t.name, bytes):
                return f"{what} '{_text(t.name)}'"
    return None


def _saturate(q, signed):
    return np.clip(q, -128, 127) if signed else np.clip(q, 0, 255)


class OnnxFrontEnd:
    def __init__(self, path):
        import onnx
        from onnx import numpy_helper
        self.numpy_helper = numpy_helper
        try:
            # External data is not followed: its locations are paths the file chooses (absolute, '..').
            self.model = onnx.load(str(path), load_external_data=False)
        except OSError:
            raise
        except Exception as e:   # protobuf's DecodeError and friends: not an ONNX file
            raise ImportError_(f"not a readable ONNX model: {type(e).__name__}: "
                               f"{_first_line(e) or 'no details (a damaged or truncated file?)'}")
        bad = _not_text(self.model)
        if bad:
            raise ImportError_(f"{bad} is not valid UTF-8 text (a damaged file?)")
        try:
            onnx.checker.check_model(self.model)
        except Exception as e:
            raise ImportError_(f"the ONNX checker rejects the model: {_first_line(e) or self.checker_culprit(e)}")
        g = self.model.graph
        self.vals = {}
        for i in g.initializer:
            if i.data_location == onnx.TensorProto.EXTERNAL:
                raise ImportError_(f"initializer '{_text(i.name)}': stored in an external data file, which is not "
                                   "supported (save the model with its weights inside: onnx.save(model, path, "
                                   "save_as_external_data=False))")
            self.vals[i.name] = self.read_initializer(i)
        self.ops, self.by_name, self.shapes, self.notes, self.given = [], {}, {}, [], {}
        self.uses = {}       # tensor -> readers left (a graph output counts as one)
        self.pending = {}    # op name -> reads of it (through any alias) not yet made
        for n in g.node:
            for t in n.input:
                if t:
                    self.uses[t] = self.uses.get(t, 0) + 1
        for o in g.output:
            self.uses[o.name] = self.uses.get(o.name, 0) + 1
        self.output_names = [o.name for o in g.output]

    def checker_culprit(self, e):
        """What to say when the checker gives no message: the first node it rejects on its own, if any."""
        import onnx
        try:
            ctx = onnx.checker.C.CheckerContext()
            ctx.ir_version = self.model.ir_version
            ctx.opset_imports = {o.domain: o.version for o in self.model.opset_import}
            for n in self.model.graph.node:
                try:
                    onnx.checker.check_node(n, ctx)
                except Exception as ne:
                    return self.err(n, f"{_first_line(ne) or 'rejected without a reason'}").args[0]
        except Exception:
            pass
        return f"{type(e).__name__} without a message (a damaged file?)"

    def read_initializer(self, t):
        try:
            a = self.numpy_helper.to_array(t)
        except Exception as e:
            raise ImportError_(f"initializer '{_text(t.name)}' (dims {list(t.dims)}): cannot be read: "
                               f"{type(e).__name__}: {_first_line(e)}")
        if a.dtype.kind not in "biuf":
            raise ImportError_(f"initializer '{_text(t.name)}': of type {a.dtype}, expected numbers")
        return Const(a)

    # ------------------------------------------------------------ helpers

    def err(self, node, what):
        name = node.name or (node.output[0] if node.output else "")
        return ImportError_(f"node '{_text(name)}' ({_text(node.op_type)}): {what}")

    def finite(self, node, i, what, c, bound=MAX_ABS):
        """Constant c (input i of node) as a float array, refused when it holds a non-finite or absurd value."""
        why = bad_values(c.value, bound)
        if why:
            raise self.err(node, f"{what} '{_text(node.input[i])}' holds {why}")
        return c.value

    def ints(self, node, at, name, default, n, lo, hi):
        """Integer-list attribute `name`: exactly n values (any length when n is None), each lo..hi."""
        v = at.get(name, default)
        if not isinstance(v, (list, tuple)) or (n is not None and len(v) != n) or \
                not all(isinstance(x, int) and lo <= x <= hi for x in v):
            raise self.err(node, f"attribute '{name}' {_text(v)}: expected "
                                 f"{'' if n is None else f'{n} '}integers {lo}..{hi}")
        return list(v)

    def int_attr(self, node, at, name, default, lo, hi):
        v = at.get(name, default)
        if not isinstance(v, int) or not lo <= v <= hi:
            raise self.err(node, f"attribute '{name}' {_text(v)}: expected an integer {lo}..{hi}")
        return v

    def str_attr(self, node, at, name, default):
        v = at.get(name, default)
        return _text(v) if isinstance(v, (bytes, str)) else v

    def const(self, node, i, what, required=True):
        if i >= len(node.input) or not node.input[i]:
            if required:
                raise self.err(node, f"{what} (input {i}) is missing")
            return None
        v = self.vals.get(node.input[i])
        if not isinstance(v, Const):
            raise self.err(node, f"{what} must be a constant (an initializer), '{node.input[i]}' is computed")
        return v

    def act(self, node, i, allow_pad=False):
        """Read input i as an activation: counts the read, refuses pending padding unless a Conv reads it."""
        v = self.vals.get(node.input[i]) if i < len(node.input) else None
        if isinstance(v, QAct):
            raise self.err(node, f"reads '{node.input[i]}', the output of a QuantizeLinear: "
                                 "only DequantizeLinear may read quantised tensors")
        if not isinstance(v, Act):
            raise self.err(node, f"input {i} '{node.input[i] if i < len(node.input) else ''}' must be an "
                                 "activation (constant operands are not supported here)")
        if v.pad != NO_PAD and not allow_pad:
            raise self.err(node, "reads a Pad's output: Pad can only feed a Conv")
        self.pending[v.src] = self.pending.get(v.src, 0) - 1
        return v

    def alias(self, node, v, out=0):
        """The node's output is v (no new op): its readers become readers of v's op."""
        name = node.output[out]
        self.vals[name] = v
        src = v.src if isinstance(v, Act) else v.act.src if isinstance(v, QAct) else None
        if src is not None:
            self.pending[src] = self.pending.get(src, 0) + self.uses.get(name, 0)

    def unique(self, node):
        return unique_name(node.name or node.output[0], self.by_name)

    def emit(self, node, kind, inputs, **kw):
        name = self.unique(node)
        op = Op(name, kind, inputs, **kw)
        try:
            infer_shapes([op], self.shapes)
        except ImportError_ as e:     # 'layer NAME (kind): why' -> 'node NAME (Op): why'
            raise self.err(node, re.sub(r"^layer '[^']*'( \([a-z0-9]+\))?: ", "", str(e)))
        self.ops.append(op)
        self.by_name[name] = op
        self.pending[name] = self.uses.get(node.output[0], 0)
        self.vals[node.output[0]] = Act(name)
        return op

    def foldable(self, node, a):
        """The MAC op a reads, if this node is its only reader (so its output may be rewritten in place)."""
        op = self.by_name.get(a.src)
        if op is None or op.kind not in MAC_KINDS or a.pad != NO_PAD or self.pending.get(a.src, 0) != 0:
            return None
        return op

    # ------------------------------------------------------------ the walk

    def run(self):
        g = self.model.graph
        ins = [i for i in g.input if i.name not in self.vals]
        if len(ins) != 1:
            raise ImportError_(f"the model has {len(ins)} inputs besides its initializers; exactly one is supported")
        dims = ins[0].type.tensor_type.shape.dim
        shp = [d.dim_value if d.HasField("dim_value") else None for d in dims]
        if len(shp) != 4 or None in shp[1:] or min(shp[1:]) < 1:
            raise ImportError_(f"input '{ins[0].name}': need a fixed N x C x H x W image input, got "
                               f"{[d.dim_param or d.dim_value for d in dims]}")
        self.in_shape = tuple(shp[1:])
        self.shapes["input"] = self.in_shape
        self.vals[ins[0].name] = Act("input")
        self.pending["input"] = self.uses.get(ins[0].name, 0)
        if len(self.output_names) != 1:
            raise ImportError_(f"the model has {len(self.output_names)} outputs; exactly one is supported")
        unsupported = {}    # every unsupported op type at once, so one run tells the whole story
        for node in g.node:
            if node.op_type not in ATTRIBUTES or node.domain not in ("", "ai.onnx"):
                unsupported.setdefault(f"{node.domain + '.' if node.domain else ''}{node.op_type}", []).append(node)
        if unsupported:
            first = next(iter(unsupported.values()))[0]
            listing = ", ".join(f"{op} ({len(ns)} node{'s' if len(ns) > 1 else ''})" for op, ns in unsupported.items())
            raise self.err(first, f"op not supported; unsupported ops in the model: {listing} "
                                  "(docs/import.md lists the supported ops)")
        for node in g.node:
            if not node.output or not node.output[0]:
                raise self.err(node, "has no output")
            try:
                at = _attrs(node)
                extra = set(at) - ATTRIBUTES[node.op_type]
                if extra:
                    raise self.err(node, f"attribute '{_text(sorted(extra)[0])}' is not supported")
                getattr(self, "op_" + node.op_type)(node, at)
            except (ArithmeticError, LookupError, TypeError, ValueError) as e:
                # A malformed value no check above caught: still the node's fault, and said so.
                raise self.err(node, f"cannot be translated: {type(e).__name__}: {_text(_first_line(e))}")
        out = self.vals.get(self.output_names[0])
        if not isinstance(out, Act) or not self.ops or out.src != self.ops[-1].name or out.pad != NO_PAD:
            raise ImportError_(f"the output '{self.output_names[0]}' is not the result of the last operation")
        return self.ops, self.in_shape, self.notes, self.given

    # ------------------------------------------------------------ MAC ops

    def op_Conv(self, node, at):
        x = self.act(node, 0, allow_pad=True)
        wc = self.const(node, 1, "the weight")
        b = self.const(node, 2, "the bias", required=False)
        w = self.finite(node, 1, "the weight", wc)
        if w.ndim != 4:
            raise self.err(node, f"weight of shape {w.shape}: only 2-D convolutions are supported")
        if 0 in w.shape:
            raise self.err(node, f"weight of shape {w.shape}: empty")
        k = w.shape[2]
        if w.shape[3] != k:
            raise self.err(node, f"weight of shape {w.shape}: only square kernels are supported")
        if not 1 <= k <= MAX_KERNEL:
            raise self.err(node, f"weight of shape {w.shape}: kernel {k}, expected 1..{MAX_KERNEL}")
        ks = self.ints(node, at, "kernel_shape", [k, k], 2, 1, MAX_KERNEL)
        if ks != [k, k]:
            raise self.err(node, f"attribute 'kernel_shape' {ks}: the weight's kernel is {k}x{k}")
        strides = self.ints(node, at, "strides", [1, 1], 2, 1, MAX_STRIDE)
        if strides[0] != strides[1]:
            raise self.err(node, f"attribute 'strides' {strides}: need equal strides")
        dil = self.ints(node, at, "dilations", [1, 1], 2, 1, MAX_KERNEL)
        if dil != [1, 1]:
            raise self.err(node, f"attribute 'dilations' {dil}: only 1 is supported")
        if b is not None:
            self.finite(node, 2, "the bias", b)
            if b.value.size != w.shape[0]:
                raise self.err(node, f"bias of shape {b.value.shape} for {w.shape[0]} filters")
        c, h, wd = self.shapes[x.src]
        group = self.int_attr(node, at, "group", 1, 1, 1 << 31)
        if group == 1:
            kind = "conv"
        elif group == c and w.shape[0] == c and w.shape[1] == 1:
            kind = "depthwise"
        else:
            raise self.err(node, f"attribute 'group' {group}: only 1 or depthwise (group = channels = {c}, "
                                 "one filter per channel) is supported")
        s = strides[0]
        h, wd = h + x.pad[0] + x.pad[2], wd + x.pad[1] + x.pad[3]
        auto = self.str_attr(node, at, "auto_pad", "NOTSET")
        if auto == "NOTSET":
            # ONNX [x1_begin, x2_begin, x1_end, x2_end] is [top, left, bottom, right]
            pad = self.ints(node, at, "pads", [0, 0, 0, 0], 4, 0, MAX_PADDING)
        elif auto == "VALID":
            pad = [0, 0, 0, 0]
        elif auto in ("SAME_UPPER", "SAME_LOWER"):
            (t, bt), (l_, r) = same_padding(h, k, s), same_padding(wd, k, s)   # extra pixel at the end
            pad = [t, l_, bt, r] if auto == "SAME_UPPER" else [bt, r, t, l_]
        else:
            raise self.err(node, f"attribute 'auto_pad' {auto!r} is not supported")
        pad = [a + b_ for a, b_ in zip(pad, x.pad)]
        if kind == "conv" and k == 1 and pad == NO_PAD:
            kind = "pointwise"
        qw, ws = self.filter_codes(node, wc, w)
        self.emit(node, kind, [x.src], kernel=k, stride=s, padding=pad, weight=w,
                  bias=None if b is None else b.value.reshape(-1), qweight=qw, wscale=ws)

    def filter_codes(self, node, c, w, transpose=False):
        """Pre-quantised weights as (codes, per-filter scale) in the op's layout, or (None, None)."""
        if c.codes is None:
            return None, None
        codes, scale = (c.codes.T, c.scale.T) if transpose else (c.codes, c.scale)
        s = scale.reshape(len(scale), -1)
        if not np.all(s == s[:, :1]):
            self.notes.append(f"node '{node.name}': weight scales vary within a filter; re-quantised per filter")
            return None, None
        if codes.min() < -128 or codes.max() > 127:
            self.notes.append(f"node '{node.name}': weight codes outside int8; re-quantised")
            return None, None
        return codes.astype(np.int64), s[:, 0].astype(np.float64)

    def fc_input(self, node):
        x = self.act(node, 0)
        c, h, w = self.shapes[x.src]
        if (h, w) != (1, 1) and not x.flat:
            raise self.err(node, f"reads a {c}x{h}x{w} tensor: flatten it first (Flatten or Reshape)")
        return x

    def op_Gemm(self, node, at):
        if self.int_attr(node, at, "transA", 0, 0, 1):
            raise self.err(node, "attribute 'transA' 1 is not supported")
        x = self.fc_input(node)
        bc = self.const(node, 1, "B (the weight)")
        cc = self.const(node, 2, "C (the bias)", required=False)
        trans = self.int_attr(node, at, "transB", 0, 0, 1) == 0     # B is (in, out): the op wants (out, in)
        alpha, beta = float(at.get("alpha", 1.0)), float(at.get("beta", 1.0))
        for name, v in (("alpha", alpha), ("beta", beta)):
            if not math.isfinite(v) or abs(v) > MAX_ABS:
                raise self.err(node, f"attribute '{name}' {v}: expected a finite value, |{name}| <= {MAX_ABS:g}")
        bv = self.finite(node, 1, "B (the weight)", bc)
        w = (bv.T if trans else bv) * alpha
        if w.ndim != 2 or 0 in w.shape:
            raise self.err(node, f"weight of shape {bc.value.shape}: need 2-D")
        if cc is not None:
            self.finite(node, 2, "C (the bias)", cc)
        qw, ws = self.filter_codes(node, bc, w, transpose=trans)
        if alpha != 1.0 and qw is not None:
            qw, ws = (qw, ws * alpha) if alpha > 0 else (None, None)    # scales stay positive
        bias = None
        if cc is not None:
            try:
                bias = np.broadcast_to(cc.value * beta, (1, w.shape[0])).reshape(-1).copy()
            except ValueError:
                raise self.err(node, f"bias of shape {cc.value.shape} for {w.shape[0]} outputs")
        self.emit(node, "fc", [x.src], weight=w, bias=bias, qweight=qw, wscale=ws)

    def op_MatMul(self, node, at):
        x = self.fc_input(node)
        bc = self.const(node, 1, "the right operand (the weight)")
        self.finite(node, 1, "the weight", bc)
        if bc.value.ndim != 2 or 0 in bc.value.shape:
            raise self.err(node, f"weight of shape {bc.value.shape}: need 2-D")
        qw, ws = self.filter_codes(node, bc, bc.value.T, transpose=True)
        self.emit(node, "fc", [x.src], weight=bc.value.T.copy(), bias=None, qweight=qw, wscale=ws)

    def op_BatchNormalization(self, node, at):
        if self.int_attr(node, at, "training_mode", 0, 0, 1):
            raise self.err(node, "attribute 'training_mode' 1: only inference models are supported")
        eps = at.get("epsilon", 1e-5)
        if not isinstance(eps, float) or not math.isfinite(eps) or eps <= 0:
            raise self.err(node, f"attribute 'epsilon' {_text(eps)}: expected a finite value > 0")
        x = self.act(node, 0)
        op = self.foldable(node, x)
        if op is None:
            raise self.err(node, "can only be folded into a Conv, Gemm or MatMul whose output nothing else reads")
        o = op.weight.shape[0]
        gamma, beta, mean, var = (
            self.finite(node, i, n, self.const(node, i, n), MAX_VARIANCE if i == 4 else MAX_ABS).reshape(-1)
            for i, n in ((1, "scale"), (2, "B"), (3, "input_mean"), (4, "input_var")))
        for n, v in (("scale", gamma), ("B", beta), ("input_mean", mean), ("input_var", var)):
            if v.size != o:
                raise self.err(node, f"{n} of {v.size} values for the {o} channels of '{op.name}'")
        if np.any(var + eps <= 0):
            i = int(np.argmax(var + eps <= 0))
            raise self.err(node, f"input_var + epsilon = {var[i] + eps:g} <= 0 (channel {i}): expected a variance "
                                 ">= 0")
        mul = gamma / np.sqrt(var + eps)
        op.weight = op.weight * mul.reshape((-1,) + (1,) * (op.weight.ndim - 1))
        op.bias = ((op.bias if op.bias is not None else 0.0) - mean) * mul + beta
        for what, v in (("weight", op.weight), ("bias", op.bias)):
            why = bad_values(v)
            if why:
                raise self.err(node, f"folded into '{op.name}', gives a {what} holding {why} "
                                     "(a variance + epsilon near 0?)")
        if op.qweight is not None:
            self.notes.append(f"node '{node.name}': BatchNormalization folded into the quantised weights of "
                              f"'{op.name}'; they are re-quantised")
            op.qweight = op.wscale = None
        self.alias(node, Act(op.name))

    # ------------------------------------------------------------ element-wise and pooling

    def op_Relu(self, node, at):
        self.emit(node, "relu", [self.act(node, 0).src])

    def op_Sigmoid(self, node, at):
        self.emit(node, "sigmoid", [self.act(node, 0).src])

    def op_Clip(self, node, at):
        lo = self.const(node, 1, "min", required=False)
        hi = self.const(node, 2, "max", required=False)
        lo = float(lo.value) if lo is not None else at.get("min", -math.inf)
        hi = float(hi.value) if hi is not None else at.get("max", math.inf)
        if lo != 0 or not (hi == 6.0 or hi >= 3.4e38):      # 3.4e38: float32's max stands for "no maximum"
            raise self.err(node, f"Clip({lo}, {hi}): only Clip(0, 6) (ReLU6) and Clip(0, no max) (ReLU) are "
                                 "supported")
        self.emit(node, "relu6" if hi == 6.0 else "relu", [self.act(node, 0).src])

    def op_Add(self, node, at):
        a, b = (self.vals.get(t) for t in node.input[:2])
        if isinstance(a, Const) or isinstance(b, Const):     # a bias after a MAC op
            ci, ai = (0, 1) if isinstance(a, Const) else (1, 0)
            x = self.act(node, ai)
            op = self.foldable(node, x)
            if op is None:
                raise self.err(node, "adding a constant is supported only as the bias of a Conv, Gemm or MatMul "
                                     "whose output nothing else reads")
            o = op.weight.shape[0]
            v = self.finite(node, ci, "the bias", self.vals[node.input[ci]])
            if v.size != o or (v.ndim == 4 and v.shape[1] != o) or (v.ndim == 2 and v.shape[-1] != o):
                raise self.err(node, f"constant of shape {v.shape} is not a per-channel bias of {o} channels")
            op.bias = (op.bias if op.bias is not None else 0.0) + v.reshape(-1)
            self.alias(node, Act(op.name))
            return
        x, y = self.act(node, 0), self.act(node, 1)
        if self.shapes[x.src] != self.shapes[y.src]:
            raise self.err(node, f"operands of shapes {self.shapes[x.src]} and {self.shapes[y.src]}: "
                                 "only equal shapes (a residual) are supported")
        self.emit(node, "add", [x.src, y.src])

    def op_Mul(self, node, at):
        a, b = (self.vals.get(t) for t in node.input[:2])
        if isinstance(a, Const) or isinstance(b, Const):
            raise self.err(node, "multiplying by a constant is not supported")
        x, y = self.act(node, 0), self.act(node, 1)
        for p, q in ((x, y), (y, x)):         # swish: x * sigmoid(x)
            sig = self.by_name.get(q.src)
            if sig is not None and sig.kind == "sigmoid" and sig.inputs[0] == p.src:
                if self.pending.get(sig.name, 0) == 0:     # the Mul is the sigmoid's only reader: fuse
                    del self.by_name[sig.name], self.shapes[sig.name], self.pending[sig.name]
                    self.given.pop(sig.name, None)     # a QDQ between the two: the sigmoid's range, not swish's
                    sig.kind, sig.name = "swish", self.unique(node)   # named after the Mul: it gives the result
                    self.by_name[sig.name], self.shapes[sig.name] = sig, sig.shape
                    self.pending[sig.name] = 0
                    self.alias(node, Act(sig.name))
                else:
                    self.emit(node, "swish", [p.src])
                return
        sx, sy = self.shapes[x.src], self.shapes[y.src]
        if sy == (sx[0], 1, 1) and sx != sy:
            self.emit(node, "se", [x.src, y.src])
        elif sx == (sy[0], 1, 1) and sx != sy:
            self.emit(node, "se", [y.src, x.src])
        else:
            raise self.err(node, f"operands of shapes {sx} and {sy}: only x * sigmoid(x) (swish) and "
                                 "features * per-channel gate (squeeze-excite) are supported")

    def op_GlobalAveragePool(self, node, at):
        self.emit(node, "avgpool", [self.act(node, 0).src])

    def op_ReduceMean(self, node, at):
        x = self.act(node, 0)
        axes = sorted(a % 4 for a in self.ints(node, at, "axes", [], None, -4, 3))
        if axes != [2, 3]:
            raise self.err(node, f"attribute 'axes' {at.get('axes')}: only the mean over H and W is supported")
        keep = self.int_attr(node, at, "keepdims", 1, 0, 1)
        self.emit(node, "avgpool", [x.src])
        if not keep:
            self.vals[node.output[0]].flat = True

    def op_AveragePool(self, node, at):
        x = self.act(node, 0)
        c, h, w = self.shapes[x.src]
        ks = self.ints(node, at, "kernel_shape", [], 2, 1, 1 << 31)
        pads = self.ints(node, at, "pads", [0, 0, 0, 0], 4, 0, 1 << 31)
        self.ints(node, at, "strides", [1, 1], 2, 1, 1 << 31)
        auto = self.str_attr(node, at, "auto_pad", "NOTSET")
        if ks != [h, w] or any(pads) or auto not in ("NOTSET", "VALID"):
            raise self.err(node, f"attribute 'kernel_shape' {ks}: only a pool over the whole {h}x{w} input "
                                 "without padding is supported")
        self.emit(node, "avgpool", [x.src])

    def op_Softmax(self, node, at):
        x = self.act(node, 0)
        # The rank is not tracked through every reshape: refuse what is the batch axis at any rank (a softmax
        # over one image: all ones), and axes beyond rank 4.
        src = self.by_name.get(x.src)
        flat = x.flat or (src is not None and src.kind == "fc")      # surely (N, classes)
        axis = self.int_attr(node, at, "axis", -1, -2 if flat else -4, 1 if flat else 3)
        if axis == 0 or (flat and axis == -2):
            raise self.err(node, f"attribute 'axis' {axis}: a Softmax over the batch; only one over the classes "
                                 "is supported")
        if node.output[0] not in self.output_names:
            raise self.err(node, "Softmax is supported only as the model's final node")
        self.notes.append(f"final Softmax '{node.name}' dropped: the network's output is the logits")
        self.alias(node, x)

    # ------------------------------------------------------------ shape-only ops (aliases)

    def op_Identity(self, node, at):
        v = self.vals.get(node.input[0])
        if isinstance(v, Const):
            self.vals[node.output[0]] = v
        else:
            self.alias(node, self.act(node, 0, allow_pad=True))

    def op_Dropout(self, node, at):
        if len(node.output) > 1 and node.output[1] and self.uses.get(node.output[1]):
            raise self.err(node, "its mask output is read: only inference is supported")
        self.alias(node, self.act(node, 0))

    def op_Flatten(self, node, at):
        if at.get("axis", 1) != 1:
            raise self.err(node, f"attribute 'axis' {at.get('axis')}: only 1 is supported")
        x = self.act(node, 0)
        self.alias(node, Act(x.src, flat=True))

    def op_Reshape(self, node, at):
        x = self.act(node, 0)
        target = [int(v) for v in self.const(node, 1, "the shape").value.reshape(-1)]
        c, h, w = self.shapes[x.src]
        n = c * h * w
        known = [v for v in target[1:] if v > 0]
        if len(target) == 2 and (target[1] in (-1, n)):
            self.alias(node, Act(x.src, flat=True))
        elif (h, w) == (1, 1) and int(np.prod(known)) == c and all(v in (-1, 1, c) for v in target[1:]):
            self.alias(node, Act(x.src, flat=x.flat))
        else:
            raise self.err(node, f"reshape of {c}x{h}x{w} to {target}: only flattening, or reshaping a 1x1 "
                                 "tensor, is supported")

    def squeeze_like(self, node, at):
        x = self.act(node, 0)
        axes = at.get("axes")
        if axes is None and len(node.input) > 1 and node.input[1]:
            axes = [int(v) for v in self.const(node, 1, "axes").value.reshape(-1)]
        if axes is not None:
            axes = self.ints(node, {"axes": list(axes)}, "axes", [], None, -4, 3)
            if not axes or not {a % 4 for a in axes} <= {2, 3}:
                raise self.err(node, f"axes {axes}: only the H and W axes (2, 3) are supported")
        c, h, w = self.shapes[x.src]
        if (h, w) != (1, 1):
            raise self.err(node, f"on a {c}x{h}x{w} tensor: supported only on 1x1 spatial tensors")
        self.alias(node, x)

    def op_Squeeze(self, node, at):
        self.squeeze_like(node, at)

    def op_Unsqueeze(self, node, at):
        self.squeeze_like(node, at)

    def op_Pad(self, node, at):
        mode = self.str_attr(node, at, "mode", "constant")
        if mode != "constant":
            raise self.err(node, f"attribute 'mode' {mode!r}: only constant (zero) padding is supported")
        p = at.get("pads")
        p = list(p) if p is not None else [int(v) for v in self.const(node, 1, "pads").value.reshape(-1)]
        value = self.const(node, 2, "constant_value", required=False) if len(node.input) > 2 else None
        v = float(value.value) if value is not None else float(at.get("value", 0.0))
        if len(p) != 8 or p[0] or p[1] or p[4] or p[5] or min(p) < 0 or v != 0:
            raise self.err(node, f"pads {p}, value {v}: only zero padding of H and W (>= 0) is supported")
        x = self.act(node, 0, allow_pad=True)
        pad = [x.pad[0] + p[2], x.pad[1] + p[3], x.pad[2] + p[6], x.pad[3] + p[7]]
        self.alias(node, Act(x.src, pad))

    def op_Constant(self, node, at):
        if "value" not in at:
            raise self.err(node, "needs a 'value' tensor")
        self.vals[node.output[0]] = self.read_initializer(at["value"])

    # ------------------------------------------------------------ QDQ

    def qparams(self, node):
        """(scale, zero point, signed codes) of a QuantizeLinear or DequantizeLinear."""
        scale = self.const(node, 1, "the scale").value
        if scale.size == 0 or not np.all(np.isfinite(scale)) or np.any(scale <= 0) or np.any(scale > MAX_ABS):
            bad = scale.reshape(-1)[np.argmax(~(np.isfinite(scale) & (scale > 0) & (scale <= MAX_ABS)).reshape(-1))] \
                if scale.size else "(empty)"
            raise self.err(node, f"scale '{_text(node.input[1])}' holds {bad}: expected finite scales, "
                                 f"0 < scale <= {MAX_ABS:g}")
        zpc = self.const(node, 2, "the zero point", required=False)
        if zpc is None:        # ONNX: without a zero point the codes are uint8
            return scale, np.zeros_like(scale), node.op_type == "DequantizeLinear" and self.input_signed(node)
        allowed = (np.int8, np.uint8, np.int32) if node.op_type == "DequantizeLinear" else (np.int8, np.uint8)
        if zpc.dtype not in allowed:    # int32: a bias's DequantizeLinear
            raise self.err(node, f"zero point of type {zpc.dtype}: only int8 and uint8 "
                                 f"{'(int32 for biases) ' if np.int32 in allowed else ''}are supported")
        return scale, zpc.value, zpc.dtype == np.int8

    def input_signed(self, node):
        v = self.vals.get(node.input[0])
        return isinstance(v, Const) and v.dtype in (np.int8, np.int32)

    def op_QuantizeLinear(self, node, at):
        v = self.vals.get(node.input[0])
        scale, zp, signed = self.qparams(node)
        if isinstance(v, Const):      # a float weight quantised in the graph: fold
            self.finite(node, 0, "the input", v)
            s, z = self.broadcast(node, v.value, scale, zp, at)
            q = _saturate(np.round(v.value / s) + z, signed)
            self.vals[node.output[0]] = Const(q, codes=(q - z), scale=s)
            return
        if scale.size != 1:
            raise self.err(node, "per-axis quantisation of an activation is not supported")
        x = self.act(node, 0)
        given = GivenScale(float(scale.reshape(-1)[0]), int(zp.reshape(-1)[0]), signed)
        self.given[x.src] = given
        self.alias(node, QAct(x, given))

    def op_DequantizeLinear(self, node, at):
        v = self.vals.get(node.input[0])
        if isinstance(v, QAct):
            self.pending[v.act.src] = self.pending.get(v.act.src, 0) - 1
            self.alias(node, v.act)
            return
        if not isinstance(v, Const):
            raise self.err(node, "dequantises neither a constant nor a QuantizeLinear output")
        self.finite(node, 0, "the input", v, bound=2.0 ** 31)
        scale, zp, _ = self.qparams(node)
        s, z = self.broadcast(node, v.value, scale, zp, at)
        codes = v.value - z
        if np.any(z != 0):
            self.notes.append(f"node '{node.name}': non-zero weight zero point; weights re-quantised symmetric")
            self.vals[node.output[0]] = Const(codes * s)
        else:
            self.vals[node.output[0]] = Const(codes * s, codes=codes.astype(np.int64), scale=s)

    def broadcast(self, node, x, scale, zp, at):
        """Scale and zero point broadcast to x's shape (per tensor, or per axis)."""
        if scale.size == 1:
            if zp.size != 1:
                raise self.err(node, f"zero point of shape {zp.shape} for a single scale")
            return np.full(x.shape, float(scale.reshape(-1)[0])), np.full(x.shape, float(zp.reshape(-1)[0]))
        axis = self.int_attr(node, at, "axis", 1, -max(x.ndim, 1), max(x.ndim, 1) - 1) % max(x.ndim, 1)
        if zp.shape != scale.shape and zp.size != 0:
            raise self.err(node, f"zero point of shape {zp.shape} for scales of shape {scale.shape}")
        if scale.ndim != 1 or scale.size != x.shape[axis]:
            raise self.err(node, f"scale of shape {scale.shape} for a {x.shape} tensor along axis {axis}")
        shape = [1] * x.ndim
        shape[axis] = -1
        return (np.broadcast_to(scale.reshape(shape), x.shape).astype(np.float64),
                np.broadcast_to(zp.reshape(shape), x.shape).astype(np.float64))


def onnx_to_graph(path):
    """(ops, input shape C,H,W, notes, given activation scales by op name) from an ONNX model."""
    if importlib.util.find_spec("onnx") is None:
        raise ImportError_("the onnx Python package is missing: install python3-onnx (scripts/setup does)")
    return OnnxFrontEnd(path).run()
