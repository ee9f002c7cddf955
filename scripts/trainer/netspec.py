"""The network a config describes, read as ddcpim's loader reads it (docs/config.md), for building torch models.

Only what the trainer needs: layer kinds, inputs, kernel, stride, padding and the shapes they give. The
C++ loader stays the authority on everything else; the trainer's exports are loaded and checked by it.
"""
from pathlib import Path

import yaml

from .errors import TrainError

MAC_KINDS = ("conv", "depthwise", "pointwise", "fc")
ELEMENTWISE_KINDS = ("add", "avgpool", "se", "relu", "relu6", "swish", "sigmoid")
KINDS = MAC_KINDS + ELEMENTWISE_KINDS


class Layer:
    """One layer: name, kind, input names and, once shapes are inferred, in_shape and shape (C, H, W)."""

    def __init__(self, d, prev, where):
        self.name, self.kind = d.get("name"), d.get("kind")
        if not isinstance(self.name, str):
            raise TrainError(f"{where}: a layer has no name")
        if self.kind not in KINDS:
            raise TrainError(f"{where}: layer '{self.name}': kind '{self.kind}' cannot be built by the trainer "
                             f"(it builds {', '.join(KINDS)})")
        self.inputs = list(d["inputs"]) if self.kind in ("add", "se") else [d.get("input", prev)]
        self.out_channels = d.get("out_channels", d.get("out_features"))
        self.kernel = 1 if self.kind in ("pointwise", "fc") else d.get("kernel", 1)
        self.stride = d.get("stride", 1)
        pad = 0 if self.kind in ("pointwise", "fc") else d.get("padding", 0)
        self.padding = [pad] * 4 if isinstance(pad, int) else list(pad)   # top, left, bottom, right
        self.in_shape = self.shape = None


class NetSpec:
    """A whole network: input shape and signedness, layers in order, the config's path and parsed document."""

    def __init__(self, path, doc):
        self.path, self.doc = Path(path), doc
        net = doc.get("network") if isinstance(doc, dict) else None
        if not isinstance(net, dict) or not isinstance(net.get("layers"), list) or "input" not in net:
            raise TrainError(f"{path}: expected a ddcpim config with network.input and network.layers (docs/config.md)")
        self.name = net.get("name", Path(path).stem)
        inp = net["input"]
        self.input_shape = (inp["channels"], inp["height"], inp["width"])
        self.input_signed = inp.get("signed", True)
        for key in ("activation_bits", "weight_bits"):
            if net.get(key, 8) != 8 or (doc.get("macro") or {}).get(key.replace("activation", "input"), 8) != 8:
                raise TrainError(f"{path}: the trainer builds 8-bit networks; {key} must be 8")
        self.layers, prev = [], "input"
        for i, d in enumerate(net["layers"]):
            self.layers.append(Layer(d, prev, f"{path}: network.layers[{i}]"))
            prev = self.layers[-1].name
        self.infer_shapes()

    def infer_shapes(self):
        shapes = {"input": self.input_shape}
        for l in self.layers:
            for s in l.inputs:
                if s not in shapes:
                    raise TrainError(f"{self.path}: layer '{l.name}': input '{s}' is not an earlier layer")
            c, h, w = l.in_shape = shapes[l.inputs[0]]
            if l.kind in ("conv", "depthwise", "pointwise"):
                t, left, b, r = l.padding
                ho = (h + t + b - l.kernel) // l.stride + 1
                wo = (w + left + r - l.kernel) // l.stride + 1
                l.shape = (c if l.kind == "depthwise" else l.out_channels, ho, wo)
            elif l.kind == "fc":
                l.shape = (l.out_channels, 1, 1)
            elif l.kind == "avgpool":
                l.shape = (c, 1, 1)
            else:
                l.shape = (c, h, w)
            shapes[l.name] = l.shape

    def fingerprint(self):
        """What a checkpoint must match: every layer's name, kind and shapes."""
        return [[l.name, l.kind, list(l.in_shape), list(l.shape)] for l in self.layers]

    @property
    def classes(self):
        c, h, w = self.layers[-1].shape
        return c * h * w


def load_netspec(path):
    path = Path(path)
    if not path.is_file():
        raise TrainError(f"{path}: config file not found")
    try:
        doc = yaml.safe_load(path.read_text())
    except yaml.YAMLError as e:
        raise TrainError(f"{path}: malformed YAML: {e}") from None
    try:
        return NetSpec(path, doc)
    except (KeyError, TypeError, ValueError) as e:
        raise TrainError(f"{path}: not a network the trainer can read ({type(e).__name__}: {e}); "
                         f"check it with build/bin/ddcpim_ref --config {path}") from None
