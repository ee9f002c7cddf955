"""TF.js Layers front end: model.json + weight shards -> graph of float ops.

Hostile input: a model that cannot be translated is an ImportError_ (exit 2) naming the layer (name and
class) and what is wrong: the shard paths must be plain files beside model.json, every weight's bytes must
be in its shards, the configuration values the importer reads are checked for type, sign and range, the
weights must be finite and of sane magnitude (graph.MAX_ABS); any other exception a layer's translation
raises (a malformed value the checks missed) is reported against that layer as well.
"""
import json
import math
from pathlib import Path

import numpy as np

from .graph import (MAC_KINDS, MAX_ABS, MAX_KERNEL, MAX_PADDING, MAX_STRIDE, MAX_VARIANCE, ImportError_, Op,
                    bad_values, infer_shapes, same_padding, sanitize, unique_name)


def shard_path(model_path, p):
    """A weight shard: a plain relative path to a regular file in model.json's directory (no '..', no
    absolute path: a model names only its own files)."""
    if not isinstance(p, str) or not p or Path(p).is_absolute() or ".." in Path(p).parts:
        raise ImportError_(f"weight shard path {p!r}: expected a file name relative to model.json's directory")
    f = model_path.parent / p
    if not f.is_file():
        raise ImportError_(f"weight shard '{p}': not a file in {model_path.parent}")
    return f


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def load_tfjs_weights(model_path, model):
    """All weight tensors by name, dequantised to float (as tfjs does: min + scale*q in float32)."""
    weights = {}
    manifest = model.get("weightsManifest", [])
    if not isinstance(manifest, list) or not all(isinstance(g, dict) and isinstance(g.get("paths"), list)
                                                 and isinstance(g.get("weights"), list) for g in manifest):
        raise ImportError_("weightsManifest: expected a list of {paths: [...], weights: [...]}")
    for group in manifest:
        data = b"".join(shard_path(model_path, p).read_bytes() for p in group["paths"])
        off = 0
        for w in group["weights"]:
            if not isinstance(w, dict) or not isinstance(w.get("name"), str):
                raise ImportError_(f"weight group {group['paths']}: an entry without a name: {str(w)[:80]}")
            shape = w.get("shape")
            if not isinstance(shape, list) or not all(_is_int(d) and d >= 0 for d in shape):
                raise ImportError_(f"weight '{w['name']}': shape {shape!r}: expected a list of integers >= 0")
            shape = tuple(shape)
            n = math.prod(shape)
            q = w.get("quantization")
            dtype = {"float32": "<f4", "int32": "<i4", "bool": "u1"}.get(w.get("dtype", "float32"))
            if q:
                qdt = {"uint8": "u1", "uint16": "<u2", "float16": "<f2"}.get(q.get("dtype"))
                if qdt is None:
                    raise ImportError_(f"weight '{w['name']}': unsupported quantization dtype {q.get('dtype')!r}")
                if q["dtype"] != "float16" and not all(
                        isinstance(q.get(k), (int, float)) and math.isfinite(q[k]) for k in ("min", "scale")):
                    raise ImportError_(f"weight '{w['name']}': quantization min {q.get('min')!r}, scale "
                                       f"{q.get('scale')!r}: expected finite numbers")
                if off + n * np.dtype(qdt).itemsize > len(data):
                    raise ImportError_(f"weight '{w['name']}' of shape {list(shape)}: past the end of its shards "
                                       f"({len(data)} bytes)")
                raw = np.frombuffer(data, qdt, n, off)
                off += raw.nbytes
                val = raw.astype(np.float32) if q["dtype"] == "float16" else \
                    (raw.astype(np.float64) * q["scale"] + q["min"]).astype(np.float32)
            else:
                if dtype is None:
                    raise ImportError_(f"weight '{w['name']}': unsupported dtype {w.get('dtype')!r}")
                if off + n * np.dtype(dtype).itemsize > len(data):
                    raise ImportError_(f"weight '{w['name']}' of shape {list(shape)}: past the end of its shards "
                                       f"({len(data)} bytes)")
                val = np.frombuffer(data, dtype, n, off)
                off += val.nbytes
            weights[w["name"]] = val.astype(np.float64).reshape(shape)
        if off != len(data):
            raise ImportError_(f"weight group {group['paths']}: {len(data)} bytes, the manifest describes {off}")
    return weights


def tfjs_to_graph(model_path):
    """(ops, input shape C,H,W, notes) from a TF.js Layers model.json."""
    model = json.loads(Path(model_path).read_text())
    if not isinstance(model, dict):
        raise ImportError_("model.json: expected an object with modelTopology and weightsManifest")
    weights = load_tfjs_weights(Path(model_path), model)
    topo = model.get("modelTopology", {})
    mc = topo.get("model_config", topo) if isinstance(topo, dict) else None
    if not isinstance(mc, dict) or mc.get("class_name") not in ("Model", "Functional"):
        raise ImportError_(f"model class {mc.get('class_name') if isinstance(mc, dict) else None!r}: only "
                           "functional Keras models are supported")
    layers = mc.get("config", {}).get("layers") if isinstance(mc.get("config"), dict) else None
    if not isinstance(layers, list) or not layers or not all(isinstance(L, dict) for L in layers):
        raise ImportError_("modelTopology: expected a non-empty list of layers (model_config.config.layers)")
    notes = []

    def param(layer, what, required=True, bound=MAX_ABS):
        """A weight of the layer, refused when it holds a non-finite or absurd value."""
        key = f"{layer}/{what}"
        if key not in weights:
            hits = [k for k in weights if k.endswith(f"/{layer}/{what}")]
            if len(hits) != 1:
                if required:
                    raise ImportError_(f"layer '{layer}': weight '{layer}/{what}' not in the weights manifest")
                return None
            key = hits[0]
        why = bad_values(weights[key], bound)
        if why:
            raise ImportError_(f"layer '{layer}': weight '{key}' holds {why}")
        return weights[key]

    def ints(name, cls, what, v, n, lo, hi):
        """A config value of n integers lo..hi (an integer alone stands for n equal ones)."""
        if _is_int(v):
            v = [v] * n
        if not isinstance(v, (list, tuple)) or len(v) != n or not all(_is_int(x) and lo <= x <= hi for x in v):
            raise ImportError_(f"layer '{name}' ({cls}): {what} {v!r}: expected {n} integers {lo}..{hi}")
        return list(v)

    ops, by_name = [], {}
    alias = {}      # keras name -> (op name or 'input', pending zero padding [t, l, b, r], flattened)
    consumers = {}  # op name -> number of uses
    shapes = {}
    in_shape = None
    last_name = layers[-1].get("name")
    folded = set()  # keras names of convolutions whose output was replaced by BatchNormalization's

    def use(keras_name, layer, allow_pad=False):
        if keras_name not in alias:
            raise ImportError_(f"layer '{layer}': input '{keras_name}' is not an earlier layer")
        if keras_name in folded:
            raise ImportError_(f"layer '{layer}': reads '{keras_name}' before its BatchNormalization, "
                               "which was folded into it")
        src, pad, flat = alias[keras_name]
        if pad != [0, 0, 0, 0] and not allow_pad:
            raise ImportError_(f"layer '{layer}': ZeroPadding2D can only feed a Conv2D or DepthwiseConv2D")
        consumers[src] = consumers.get(src, 0) + 1
        return src, pad, flat

    def add_op(op):
        op.name = unique_name(op.name, by_name)
        ops.append(op)
        by_name[op.name] = op
        infer_shapes([op], shapes)
        return op.name

    def activation(act, src, layer, is_last):
        if act in (None, "linear"):
            return src
        if act in ("relu", "relu6", "sigmoid", "swish"):
            consumers[src] = consumers.get(src, 0) + 1
            return add_op(Op(sanitize(f"{layer}_{act}"), act, [src]))
        if act == "softmax" and is_last:
            notes.append(f"final softmax of '{layer}' dropped: the network's output is the logits")
            return src
        raise ImportError_(f"layer '{layer}': activation '{act}' is not supported")

    for i, L in enumerate(layers):
        cls, name, cfg = L.get("class_name"), L.get("name"), L.get("config", {})
        if not isinstance(name, str) or not isinstance(cls, str) or not isinstance(cfg, dict):
            raise ImportError_(f"layer {i}: expected a name, a class_name and a config, got {name!r} ({cls!r})")
        try:
            nodes = L.get("inbound_nodes", [])
            if len(nodes) > 1:
                raise ImportError_(f"layer '{name}' ({cls}): shared layers (called more than once) are not supported")
            ins = [n[0] for n in nodes[0]] if nodes else []
            is_last = name == last_name
            if cls == "InputLayer":
                if in_shape is not None:
                    raise ImportError_(f"layer '{name}' (InputLayer): only one input is supported")
                shp = cfg["batch_input_shape"]
                if not isinstance(shp, list) or len(shp) != 4 or not all(_is_int(d) and d >= 1 for d in shp[1:]) \
                        or cfg.get("data_format", "channels_last") != "channels_last":
                    raise ImportError_(f"layer '{name}' (InputLayer): need a fixed (H, W, C) image input, got {shp}")
                in_shape = (shp[3], shp[1], shp[2])
                shapes["input"] = in_shape
                alias[name] = ("input", [0, 0, 0, 0], False)
                continue
            if len(ins) != (2 if cls == "Add" else 1):
                raise ImportError_(f"layer '{name}' ({cls}): {len(ins)} inputs")
            if cls in ("Dropout", "SpatialDropout2D"):
                alias[name] = alias[ins[0]]
            elif cls in ("Flatten", "Reshape"):
                src, pad, _ = alias[ins[0]]
                c, h, w = shapes[src]
                if cls == "Reshape" and (h, w) != (1, 1):
                    raise ImportError_(f"layer '{name}' (Reshape): only reshapes of a 1x1 spatial tensor are supported")
                alias[name] = (src, pad, True)
            elif cls == "ZeroPadding2D":
                src, pad, _ = alias[ins[0]]
                p = cfg["padding"]
                if _is_int(p):
                    p = [[p, p], [p, p]]
                elif isinstance(p, list) and len(p) == 2 and all(_is_int(v) for v in p):
                    p = [[p[0], p[0]], [p[1], p[1]]]
                if not isinstance(p, list) or len(p) != 2 or not all(
                        isinstance(v, list) and len(v) == 2 and all(_is_int(x) and 0 <= x <= MAX_PADDING for x in v)
                        for v in p):
                    raise ImportError_(f"layer '{name}' ({cls}): padding {cfg['padding']!r}: expected integers "
                                       f"0..{MAX_PADDING}: p, [ph, pw] or [[top, bottom], [left, right]]")
                alias[name] = (src, [pad[0] + p[0][0], pad[1] + p[1][0], pad[2] + p[0][1], pad[3] + p[1][1]], False)
            elif cls in ("Conv2D", "DepthwiseConv2D"):
                src, pad, _ = use(ins[0], name, allow_pad=True)
                c, h, w = shapes[src]
                k = ints(name, cls, "kernel_size", cfg["kernel_size"], 2, 1, MAX_KERNEL)
                s = ints(name, cls, "strides", cfg.get("strides", [1, 1]), 2, 1, MAX_STRIDE)
                if k[0] != k[1] or s[0] != s[1] or list(cfg.get("dilation_rate", [1, 1])) != [1, 1] \
                        or cfg.get("data_format", "channels_last") != "channels_last" or cfg.get("groups", 1) != 1:
                    raise ImportError_(f"layer '{name}' ({cls}): need a square kernel, equal strides, no dilation "
                                       "or groups")
                k, s = k[0], s[0]
                h, w = h + pad[0] + pad[2], w + pad[1] + pad[3]
                if cfg["padding"] == "same":
                    t, b = same_padding(h, k, s)
                    l_, r = same_padding(w, k, s)
                    pad = [pad[0] + t, pad[1] + l_, pad[2] + b, pad[3] + r]
                elif cfg["padding"] != "valid":
                    raise ImportError_(f"layer '{name}' ({cls}): padding '{cfg['padding']}'")
                if cls == "Conv2D":
                    wt = param(name, "kernel").transpose(3, 2, 0, 1)           # (K,K,I,O) -> (O,I,K,K)
                    kind = "pointwise" if k == 1 and pad == [0, 0, 0, 0] else "conv"
                else:
                    if cfg.get("depth_multiplier", 1) != 1:
                        raise ImportError_(f"layer '{name}' (DepthwiseConv2D): depth_multiplier must be 1")
                    wt = param(name, "depthwise_kernel")[:, :, :, 0].transpose(2, 0, 1)[:, None]  # (C,1,K,K)
                    kind = "depthwise"
                bias = param(name, "bias") if cfg.get("use_bias", True) else None
                out = add_op(Op(sanitize(name), kind, [src], kernel=k, stride=s, padding=pad, weight=wt, bias=bias))
                alias[name] = (activation(cfg.get("activation"), out, name, is_last), [0, 0, 0, 0], False)
            elif cls == "Dense":
                src, pad, flat = use(ins[0], name)
                c, h, w = shapes[src]
                if (h, w) != (1, 1) and not flat:
                    raise ImportError_(f"layer '{name}' (Dense): applied per position to a {h}x{w} input")
                kern = param(name, "kernel")                                  # (H*W*C, O), Keras order h, w, c
                wt = kern.reshape(h, w, c, -1).transpose(3, 2, 0, 1).reshape(kern.shape[1], c * h * w)
                bias = param(name, "bias") if cfg.get("use_bias", True) else None
                out = add_op(Op(sanitize(name), "fc", [src], weight=wt, bias=bias))
                alias[name] = (activation(cfg.get("activation"), out, name, is_last), [0, 0, 0, 0], False)
            elif cls == "BatchNormalization":
                src, pad, _ = use(ins[0], name)
                op = by_name.get(src)
                if op is None or op.kind not in MAC_KINDS or consumers[src] > 1 or getattr(op, "bn", False) \
                        or pad != [0, 0, 0, 0]:
                    raise ImportError_(f"layer '{name}' (BatchNormalization): can only be folded into a conv, "
                                       "depthwise or dense layer whose output nothing else reads")
                eps = cfg.get("epsilon", 1e-3)
                if not isinstance(eps, (int, float)) or isinstance(eps, bool) or not math.isfinite(eps) or eps <= 0:
                    raise ImportError_(f"layer '{name}' (BatchNormalization): epsilon {eps!r}: expected a finite "
                                       "value > 0")
                o = op.weight.shape[0]
                gamma = param(name, "gamma") if cfg.get("scale", True) else np.ones(o)
                beta = param(name, "beta") if cfg.get("center", True) else np.zeros(o)
                mean, var = param(name, "moving_mean"), param(name, "moving_variance", bound=MAX_VARIANCE)
                for what, v in (("gamma", gamma), ("beta", beta), ("moving_mean", mean), ("moving_variance", var)):
                    if np.size(v) != o:
                        raise ImportError_(f"layer '{name}' (BatchNormalization): {what} of {np.size(v)} values "
                                           f"for {o} channels")
                gamma, beta, mean, var = (np.reshape(v, -1) for v in (gamma, beta, mean, var))
                if np.any(var + eps <= 0):
                    i = int(np.argmax(var + eps <= 0))
                    raise ImportError_(f"layer '{name}' (BatchNormalization): moving_variance + epsilon = "
                                       f"{var[i] + eps:g} <= 0 (channel {i}): expected a variance >= 0")
                mul = gamma / np.sqrt(var + eps)
                op.weight = op.weight * np.reshape(mul, (-1,) + (1,) * (op.weight.ndim - 1))
                b = op.bias if op.bias is not None else 0.0
                op.bias = (b - mean) * mul + beta
                for what, v in (("weight", op.weight), ("bias", op.bias)):
                    why = bad_values(v)
                    if why:
                        raise ImportError_(f"layer '{name}' (BatchNormalization): folded into '{op.name}', gives "
                                           f"a {what} holding {why} (a variance + epsilon near 0?)")
                op.bn = True
                folded.add(ins[0])
                alias[name] = (src, [0, 0, 0, 0], False)
            elif cls == "ReLU":
                src, _, _ = use(ins[0], name)
                mv = cfg.get("max_value")
                if cfg.get("negative_slope", 0) or cfg.get("threshold", 0) or mv not in (None, 6, 6.0):
                    raise ImportError_(f"layer '{name}' (ReLU): only max_value None or 6, no slope or threshold")
                alias[name] = (add_op(Op(sanitize(name), "relu6" if mv else "relu", [src])), [0, 0, 0, 0], False)
            elif cls == "Activation":
                act = cfg["activation"]
                if act == "linear" or (act == "softmax" and is_last):
                    alias[name] = alias[ins[0]]
                    if act == "softmax":
                        notes.append(f"final softmax '{name}' dropped: the network's output is the logits")
                elif act in ("relu", "relu6", "sigmoid", "swish"):
                    src, _, _ = use(ins[0], name)
                    alias[name] = (add_op(Op(sanitize(name), act, [src])), [0, 0, 0, 0], False)
                else:
                    raise ImportError_(f"layer '{name}' (Activation): activation '{act}' is not supported")
            elif cls == "Add":
                a, _, _ = use(ins[0], name)
                b, _, _ = use(ins[1], name)
                alias[name] = (add_op(Op(sanitize(name), "add", [a, b])), [0, 0, 0, 0], False)
            elif cls in ("GlobalAveragePooling2D", "AveragePooling2D"):
                src, _, _ = use(ins[0], name)
                c, h, w = shapes[src]
                if cls == "AveragePooling2D" and (
                        ints(name, cls, "pool_size", cfg["pool_size"], 2, 1, 1 << 31) != [h, w]
                        or cfg.get("padding") != "valid"):
                    raise ImportError_(f"layer '{name}' (AveragePooling2D): only a pool over the whole {h}x{w} input")
                alias[name] = (add_op(Op(sanitize(name), "avgpool", [src])), [0, 0, 0, 0], False)
            else:
                raise ImportError_(f"layer '{name}': class {cls} is not supported")
            if alias[name][1] != [0, 0, 0, 0] and is_last:
                raise ImportError_(f"layer '{name}': the network ends in padding")
        except (ArithmeticError, LookupError, TypeError, ValueError, AttributeError) as e:
            # A malformed value no check caught: still the layer's fault, and said so.
            raise ImportError_(f"layer '{name}' ({cls}): cannot be translated: {type(e).__name__}: {e}")
    if in_shape is None or last_name not in alias:
        raise ImportError_("the model has no InputLayer, or its last layer is not connected")
    out_src = alias[last_name][0]
    if not ops or out_src != ops[-1].name:
        raise ImportError_(f"the output layer '{last_name}' is not the last operation")
    return ops, in_shape, notes

