"""TF.js Layers front end: model.json + weight shards -> graph of float ops."""
import json
from pathlib import Path

import numpy as np

from .graph import MAC_KINDS, ImportError_, Op, infer_shapes, same_padding, sanitize


def load_tfjs_weights(model_path, model):
    """All weight tensors by name, dequantised to float (as tfjs does: min + scale*q in float32)."""
    weights = {}
    for group in model.get("weightsManifest", []):
        data = b"".join((model_path.parent / p).read_bytes() for p in group["paths"])
        off = 0
        for w in group["weights"]:
            shape = tuple(w["shape"])
            n = int(np.prod(shape, dtype=np.int64))
            q = w.get("quantization")
            dtype = {"float32": "<f4", "int32": "<i4", "bool": "u1"}.get(w.get("dtype", "float32"))
            if q:
                qdt = {"uint8": "u1", "uint16": "<u2", "float16": "<f2"}.get(q["dtype"])
                if qdt is None:
                    raise ImportError_(f"weight '{w['name']}': unsupported quantization dtype {q['dtype']!r}")
                raw = np.frombuffer(data, qdt, n, off)
                off += raw.nbytes
                val = raw.astype(np.float32) if q["dtype"] == "float16" else \
                    (raw.astype(np.float64) * q["scale"] + q["min"]).astype(np.float32)
            else:
                if dtype is None:
                    raise ImportError_(f"weight '{w['name']}': unsupported dtype {w.get('dtype')!r}")
                val = np.frombuffer(data, dtype, n, off)
                off += val.nbytes
            weights[w["name"]] = val.astype(np.float64).reshape(shape)
        if off != len(data):
            raise ImportError_(f"weight group {group['paths']}: {len(data)} bytes, the manifest describes {off}")
    return weights


def tfjs_to_graph(model_path):
    """(ops, input shape C,H,W, notes) from a TF.js Layers model.json."""
    model = json.loads(Path(model_path).read_text())
    weights = load_tfjs_weights(Path(model_path), model)
    topo = model.get("modelTopology", {})
    mc = topo.get("model_config", topo)
    if mc.get("class_name") not in ("Model", "Functional"):
        raise ImportError_(f"model class {mc.get('class_name')!r}: only functional Keras models are supported")
    layers = mc["config"]["layers"]
    notes = []

    def param(layer, what, required=True):
        if f"{layer}/{what}" in weights:
            return weights[f"{layer}/{what}"]
        hits = [k for k in weights if k.endswith(f"/{layer}/{what}")]
        if len(hits) == 1:
            return weights[hits[0]]
        if required:
            raise ImportError_(f"layer '{layer}': weight '{layer}/{what}' not in the weights manifest")
        return None

    ops, by_name = [], {}
    alias = {}      # keras name -> (op name or 'input', pending zero padding [t, l, b, r], flattened)
    consumers = {}  # op name -> number of uses
    shapes = {}
    in_shape = None
    last_name = layers[-1]["name"]
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
        if op.name in by_name or op.name == "input":
            op.name = sanitize(op.name + "_")
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

    for L in layers:
        cls, name, cfg = L["class_name"], L["name"], L.get("config", {})
        nodes = L.get("inbound_nodes", [])
        if len(nodes) > 1:
            raise ImportError_(f"layer '{name}' ({cls}): shared layers (called more than once) are not supported")
        ins = [n[0] for n in nodes[0]] if nodes else []
        is_last = name == last_name
        if cls == "InputLayer":
            if in_shape is not None:
                raise ImportError_(f"layer '{name}' (InputLayer): only one input is supported")
            shp = cfg["batch_input_shape"]
            if len(shp) != 4 or None in shp[1:] or cfg.get("data_format", "channels_last") != "channels_last":
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
            if isinstance(p, int):
                p = [[p, p], [p, p]]
            elif isinstance(p[0], int):
                p = [[p[0], p[0]], [p[1], p[1]]]
            alias[name] = (src, [pad[0] + p[0][0], pad[1] + p[1][0], pad[2] + p[0][1], pad[3] + p[1][1]], False)
        elif cls in ("Conv2D", "DepthwiseConv2D"):
            src, pad, _ = use(ins[0], name, allow_pad=True)
            c, h, w = shapes[src]
            k = cfg["kernel_size"]
            s = cfg.get("strides", [1, 1])
            if k[0] != k[1] or s[0] != s[1] or list(cfg.get("dilation_rate", [1, 1])) != [1, 1] \
                    or cfg.get("data_format", "channels_last") != "channels_last" or cfg.get("groups", 1) != 1:
                raise ImportError_(f"layer '{name}' ({cls}): need a square kernel, equal strides, no dilation or groups")
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
            gamma = param(name, "gamma") if cfg.get("scale", True) else 1.0
            beta = param(name, "beta") if cfg.get("center", True) else 0.0
            mul = gamma / np.sqrt(param(name, "moving_variance") + eps)
            op.weight = op.weight * np.reshape(mul, (-1,) + (1,) * (op.weight.ndim - 1))
            b = op.bias if op.bias is not None else 0.0
            op.bias = (b - param(name, "moving_mean")) * mul + beta
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
            if cls == "AveragePooling2D" and (list(cfg["pool_size"]) != [h, w] or cfg.get("padding") != "valid"):
                raise ImportError_(f"layer '{name}' (AveragePooling2D): only a pool over the whole {h}x{w} input")
            alias[name] = (add_op(Op(sanitize(name), "avgpool", [src])), [0, 0, 0, 0], False)
        else:
            raise ImportError_(f"layer '{name}': class {cls} is not supported")
        if alias[name][1] != [0, 0, 0, 0] and is_last:
            raise ImportError_(f"layer '{name}': the network ends in padding")
    out_src = alias[last_name][0]
    if out_src != ops[-1].name:
        raise ImportError_(f"the output layer '{last_name}' is not the last operation")
    return ops, in_shape, notes
