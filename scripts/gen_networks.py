#!/usr/bin/python3
"""Generate the network description files for the two reference CNNs.

Writes, relative to the repository root:

  configs/mobilenetv2.yaml       MobileNetV2, width 1.0, 224x224x3
                                 (Sandler et al., CVPR 2018)
  configs/efficientnet_b0.yaml   EfficientNet-B0, 224x224x3
                                 (Tan & Le, ICML 2019)

The output is deterministic: the same bytes on every run. Files whose
content is already correct are not rewritten.

Usage:
  scripts/gen_networks.py           write the files, print per-network stats
  scripts/gen_networks.py --check   write nothing; exit 1 if a file on disk
                                    differs from what would be written (CI)

Standard library only (no yaml, no numpy).  Besides emitting the YAML, the
script walks the emitted layer list with an independent shape checker
(`analyse`) that resolves every layer's input(s), verifies the optional
`in_channels` assertions, add/se operand shapes and name uniqueness, and
counts multiply-accumulates:

  conv       Cout * Cin * K * K * Ho * Wo
  depthwise  C * K * K * Ho * Wo
  pointwise  Cout * Cin * H * W
  fc         out * in            (in = C * H * W of the flattened input)

with Ho = floor((H + pad_top + pad_bottom - K) / stride) + 1 (same for W
with pad_left/pad_right).  Nothing else (activations, add, avgpool, se)
counts.  The totals are written into the header comment of each file.
"""

import argparse
import os
import re
import sys

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

WEIGHT_SEED = 2024
INPUT = {"channels": 3, "height": 224, "width": 224, "signed": True}

# Kinds that perform multiply-accumulates, in the order used for reports.
MAC_KINDS = ("conv", "depthwise", "pointwise", "fc")
ACTIVATIONS = ("relu", "relu6", "swish", "sigmoid")
ALL_KINDS = MAC_KINDS + ("add", "avgpool", "se") + ACTIVATIONS

# Key order inside each emitted layer mapping.
KEY_ORDER = ("name", "kind", "input", "inputs", "in_channels", "out_channels",
             "out_features", "kernel", "stride", "padding")


# --------------------------------------------------------------------------
# Network builder: an ordered list of layer dicts interleaved with comments.
# --------------------------------------------------------------------------

class Net:
    def __init__(self, name):
        self.name = name
        self.items = []          # ("comment", text) or ("layer", dict)
        self.last = "input"      # name of the most recently added layer

    def comment(self, text):
        self.items.append(("comment", text))

    def layer(self, name, kind, **keys):
        d = {"name": name, "kind": kind}
        d.update(keys)
        self.items.append(("layer", d))
        self.last = name
        return name

    def layers(self):
        return [d for tag, d in self.items if tag == "layer"]

    # Convenience wrappers. in_channels is always the generator's own idea of
    # the channel count; analyse() checks it against the real graph.
    def conv(self, name, cin, cout, k, s, p):
        return self.layer(name, "conv", in_channels=cin, out_channels=cout,
                          kernel=k, stride=s, padding=p)

    def dw(self, name, c, k, s, p):
        return self.layer(name, "depthwise", in_channels=c, kernel=k,
                          stride=s, padding=p)

    def pw(self, name, cin, cout, **keys):
        return self.layer(name, "pointwise", in_channels=cin,
                          out_channels=cout, **keys)


# --------------------------------------------------------------------------
# Independent shape inference / validation / MAC counting.
# --------------------------------------------------------------------------

NAME_RE = re.compile(r"^[A-Za-z0-9_]+$")


class NetworkError(Exception):
    pass


def _pads(p):
    """Return (top, left, bottom, right) from an int or a 4-element list."""
    if isinstance(p, int):
        return p, p, p, p
    if isinstance(p, (list, tuple)) and len(p) == 4 and all(
            isinstance(x, int) for x in p):
        return tuple(p)
    raise NetworkError("bad padding %r" % (p,))


def _out_hw(h, w, k, s, p):
    top, left, bottom, right = _pads(p)
    ho = (h + top + bottom - k) // s + 1
    wo = (w + left + right - k) // s + 1
    if ho < 1 or wo < 1:
        raise NetworkError("empty output %dx%d" % (ho, wo))
    return ho, wo


def analyse(input_spec, layers):
    """Check a layer list and return (shapes, macs_by_layer).

    shapes maps layer name -> (C, H, W); fc outputs are (out, 1, 1).
    """
    shapes = {"input": (input_spec["channels"], input_spec["height"],
                        input_spec["width"])}
    macs = {}
    prev = "input"
    for d in layers:
        name, kind = d.get("name"), d.get("kind")
        where = "layer %r" % (name,)
        if not isinstance(name, str) or not NAME_RE.match(name):
            raise NetworkError("%s: bad name" % where)
        if name in shapes:
            raise NetworkError("%s: duplicate name" % where)
        if kind not in ALL_KINDS:
            raise NetworkError("%s: unknown kind %r" % (where, kind))
        for key in d:
            if key not in KEY_ORDER:
                raise NetworkError("%s: unknown key %r" % (where, key))

        if kind in ("add", "se"):
            srcs = d.get("inputs")
            if not (isinstance(srcs, list) and len(srcs) == 2):
                raise NetworkError("%s: needs inputs: [a, b]" % where)
            if "input" in d:
                raise NetworkError("%s: input and inputs both given" % where)
        else:
            if "inputs" in d:
                raise NetworkError("%s: inputs only on add/se" % where)
            srcs = [d.get("input", prev)]
        for s in srcs:
            if s not in shapes:
                raise NetworkError("%s: input %r is not an earlier layer"
                                   % (where, s))
        c, h, w = shapes[srcs[0]]

        if "in_channels" in d and d["in_channels"] != c:
            raise NetworkError("%s: in_channels %d but input has %d"
                               % (where, d["in_channels"], c))

        n = 0
        if kind == "conv":
            k, s = d["kernel"], d.get("stride", 1)
            ho, wo = _out_hw(h, w, k, s, d.get("padding", 0))
            co = d["out_channels"]
            n = co * c * k * k * ho * wo
            out = (co, ho, wo)
        elif kind == "depthwise":
            k, s = d["kernel"], d.get("stride", 1)
            ho, wo = _out_hw(h, w, k, s, d.get("padding", 0))
            n = c * k * k * ho * wo
            out = (c, ho, wo)
        elif kind == "pointwise":
            ho, wo = _out_hw(h, w, 1, d.get("stride", 1), 0)
            co = d["out_channels"]
            n = co * c * ho * wo
            out = (co, ho, wo)
        elif kind == "fc":
            n = d["out_features"] * c * h * w
            out = (d["out_features"], 1, 1)
        elif kind == "add":
            if shapes[srcs[0]] != shapes[srcs[1]]:
                raise NetworkError("%s: add of %r and %r" % (
                    where, shapes[srcs[0]], shapes[srcs[1]]))
            out = (c, h, w)
        elif kind == "se":
            gate = shapes[srcs[1]]
            if gate != (c, 1, 1):
                raise NetworkError("%s: gate %r for features %r" % (
                    where, gate, (c, h, w)))
            out = (c, h, w)
        elif kind == "avgpool":
            out = (c, 1, 1)
        else:  # activation
            out = (c, h, w)

        shapes[name] = out
        if kind in MAC_KINDS:
            macs[name] = n
        prev = name
    return shapes, macs


def kind_counts(layers):
    counts = {}
    for d in layers:
        counts[d["kind"]] = counts.get(d["kind"], 0) + 1
    return [(k, counts[k]) for k in ALL_KINDS if k in counts]


# --------------------------------------------------------------------------
# MobileNetV2
# --------------------------------------------------------------------------

MOBILENETV2_BLOCKS = [  # (t, c, n, s) from Table 2 of the paper
    (1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2),
    (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1),
]


def build_mobilenetv2(name="mobilenetv2", input_spec=INPUT, stem_stride=2,
                      stem=32, blocks=MOBILENETV2_BLOCKS, head=1280, classes=1000,
                      width=1.0):
    net = Net(name)
    c_in, hw = input_spec["channels"], input_spec["height"]
    stem, head = _width(stem, width), _width(head, width)
    hw_stem = (hw + 2 - 3) // stem_stride + 1
    net.comment("stem: conv 3x3 stride %d, %d -> %d (%dx%d -> %dx%d)"
                % (stem_stride, c_in, stem, hw, hw, hw_stem, hw_stem))
    net.conv("conv1", c_in, stem, 3, stem_stride, 1)
    net.layer("conv1_act", "relu6")
    hw = hw_stem
    cin, x, b = stem, "conv1_act", 0
    for t, c, n, s in blocks:
        c = _width(c, width)
        for i in range(n):
            b += 1
            stride = s if i == 0 else 1
            residual = stride == 1 and cin == c
            hw_out = (hw + 2 - 3) // stride + 1
            p = "b%d_" % b
            net.comment("block %d: expand %d, %d -> %d, stride %d, %s "
                        "(%dx%d -> %dx%d)"
                        % (b, t, cin, c, stride,
                           "residual" if residual else "no residual",
                           hw, hw, hw_out, hw_out))
            hidden = cin * t
            if t != 1:
                net.pw(p + "expand", cin, hidden)
                net.layer(p + "expand_act", "relu6")
            net.dw(p + "dw", hidden, 3, stride, 1)
            net.layer(p + "dw_act", "relu6")
            proj = net.pw(p + "project", hidden, c)
            if residual:
                x = net.layer(p + "add", "add", inputs=[x, proj])
            else:
                x = proj
            cin, hw = c, hw_out
    net.comment("head: pointwise %d -> %d (%dx%d), global average pool, "
                "classifier" % (cin, head, hw, hw))
    net.pw("head", cin, head)
    net.layer("head_act", "relu6")
    net.layer("pool", "avgpool")
    net.layer("classifier", "fc", in_channels=head, out_features=classes)
    net.input_spec = input_spec
    return net


def _width(c, width):
    """Channels scaled by a width multiplier (at least 1)."""
    return max(1, int(round(c * width)))


# --------------------------------------------------------------------------
# EfficientNet-B0
# --------------------------------------------------------------------------

EFFICIENTNET_B0_STAGES = [  # (expand, kernel, stride, out, repeats), Table 1
    (1, 3, 1, 16, 1), (6, 3, 2, 24, 2), (6, 5, 2, 40, 2), (6, 3, 2, 80, 3),
    (6, 5, 1, 112, 3), (6, 5, 2, 192, 4), (6, 3, 1, 320, 1),
]


def build_efficientnet_b0(name="efficientnet_b0", input_spec=INPUT,
                          stem_stride=2, stem=32,
                          stages=EFFICIENTNET_B0_STAGES, head=1280,
                          classes=1000, width=1.0):
    net = Net(name)
    c_in, hw = input_spec["channels"], input_spec["height"]
    stem, head = _width(stem, width), _width(head, width)
    hw_stem = (hw + 2 - 3) // stem_stride + 1
    net.comment("stem: conv 3x3 stride %d, %d -> %d, swish (%dx%d -> %dx%d)"
                % (stem_stride, c_in, stem, hw, hw, hw_stem, hw_stem))
    net.conv("stem", c_in, stem, 3, stem_stride, 1)
    net.layer("stem_act", "swish")
    hw = hw_stem
    cin, x, b = stem, "stem_act", 0
    for stage, (e, k, s, c, n) in enumerate(stages, 1):
        c = _width(c, width)
        for i in range(n):
            b += 1
            stride = s if i == 0 else 1
            pad = k // 2
            residual = stride == 1 and cin == c
            hw_out = (hw + 2 * pad - k) // stride + 1
            hidden = cin * e
            # Reference implementation: reduced channels computed from the
            # block's input channels (before expansion).
            se_ch = max(1, cin // 4)  # se_ratio 0.25
            p = "b%d_" % b
            net.comment("block %d (stage %d): MBConv%d k%dx%d, %d -> %d, "
                        "stride %d, SE %d -> %d -> %d, %s (%dx%d -> %dx%d)"
                        % (b, stage, e, k, k, cin, c, stride, hidden, se_ch,
                           hidden,
                           "residual" if residual else "no residual",
                           hw, hw, hw_out, hw_out))
            if e != 1:
                net.pw(p + "expand", cin, hidden)
                net.layer(p + "expand_act", "swish")
            net.dw(p + "dw", hidden, k, stride, pad)
            feat = net.layer(p + "dw_act", "swish")
            net.layer(p + "se_pool", "avgpool")
            net.pw(p + "se_reduce", hidden, se_ch)
            net.layer(p + "se_reduce_act", "swish")
            net.pw(p + "se_expand", se_ch, hidden)
            gate = net.layer(p + "se_gate", "sigmoid")
            net.layer(p + "se", "se", inputs=[feat, gate])
            proj = net.pw(p + "project", hidden, c)
            if residual:
                x = net.layer(p + "add", "add", inputs=[x, proj])
            else:
                x = proj
            cin, hw = c, hw_out
    net.comment("head: pointwise %d -> %d, swish (%dx%d), global average "
                "pool, classifier" % (cin, head, hw, hw))
    net.pw("head", cin, head)
    net.layer("head_act", "swish")
    net.layer("pool", "avgpool")
    net.layer("classifier", "fc", in_channels=head, out_features=classes)
    net.input_spec = input_spec
    return net


# Fashion-MNIST variants (docs/training.md): 32x32x1 input (the 28x28 images
# centred), 10 classes, the same block structure at a width and depth that
# train on two CPU cores within the pipeline's hour.
FASHION_INPUT = {"channels": 1, "height": 32, "width": 32, "signed": False}
FASHION_MOBILENETV2_BLOCKS = [  # (t, c, n, s)
    (1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 2, 2), (6, 64, 2, 1), (6, 96, 1, 1),
]
FASHION_EFFICIENTNET_STAGES = [  # (expand, kernel, stride, out, repeats)
    (1, 3, 1, 16, 1), (6, 3, 2, 24, 2), (6, 5, 2, 40, 2), (6, 3, 1, 64, 2),
    (6, 5, 1, 96, 1),
]


def build_fashion_mobilenetv2(width=1.0, suffix=""):
    return build_mobilenetv2("fashion_mobilenetv2" + suffix, FASHION_INPUT,
                             stem_stride=2, stem=16,
                             blocks=FASHION_MOBILENETV2_BLOCKS, head=320,
                             classes=10, width=width)


def build_fashion_efficientnet_b0(width=1.0, suffix=""):
    return build_efficientnet_b0("fashion_efficientnet_b0" + suffix,
                                 FASHION_INPUT, stem_stride=2, stem=16,
                                 stages=FASHION_EFFICIENTNET_STAGES, head=320,
                                 classes=10, width=width)


# --------------------------------------------------------------------------
# YAML emission (flow-style mapping per layer, fixed key order).
# --------------------------------------------------------------------------

def _scalar(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        if not NAME_RE.match(v):
            raise NetworkError("refusing to emit unquoted string %r" % v)
        return v
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_scalar(x) for x in v) + "]"
    raise NetworkError("cannot emit %r" % (v,))


def _flow(d, order):
    keys = [k for k in order if k in d]
    extra = [k for k in d if k not in order]
    if extra:
        raise NetworkError("unexpected keys %r" % extra)
    return "{" + ", ".join("%s: %s" % (k, _scalar(d[k])) for k in keys) + "}"


def render(net, description):
    layers = net.layers()
    input_spec = getattr(net, "input_spec", INPUT)
    shapes, macs = analyse(input_spec, layers)
    total = sum(macs.values())
    counts = kind_counts(layers)
    mac_counts = [(k, n) for k, n in counts if k in MAC_KINDS]
    c, h, w = shapes[layers[-1]["name"]]

    out = []
    out.append("# Generated by scripts/gen_networks.py (do not edit by hand): "
               + description)
    out.append("# MACs: %d in %d multiply-accumulate layers (%s)"
               % (total, len(macs),
                  ", ".join("%s %d" % kn for kn in mac_counts)))
    out.append("# Layers: %d (%s); output %d" % (
        len(layers), ", ".join("%s %d" % kn for kn in counts), c))
    out.append("macro: {}")
    out.append("weights:")
    out.append("  source: synthetic")
    out.append("  seed: %d" % WEIGHT_SEED)
    out.append("# DDC deploys the FCC-transformed network: every MAC layer's filters")
    out.append("# are paired into complements when the config is loaded (docs/fcc.md).")
    out.append("fcc: {pairs: auto}")
    out.append("network:")
    out.append("  name: %s" % net.name)
    out.append("  input: " + _flow(input_spec, ("channels", "height",
                                                "width", "signed")))
    out.append("  layers:")
    for tag, item in net.items:
        if tag == "comment":
            out.append("    # " + item)
        else:
            out.append("    - " + _flow(item, KEY_ORDER))
    text = "\n".join(out) + "\n"
    return text, {"layers": len(layers), "counts": counts, "macs": total,
                  "mac_layers": len(macs), "per_layer": macs,
                  "output": (c, h, w)}


NETWORKS = [
    ("configs/mobilenetv2.yaml", build_mobilenetv2,
     "MobileNetV2, width multiplier 1.0, 224x224x3 input (Sandler et al., "
     "\"MobileNetV2: Inverted Residuals and Linear Bottlenecks\", CVPR 2018)."),
    ("configs/efficientnet_b0.yaml", build_efficientnet_b0,
     "EfficientNet-B0, 224x224x3 input (Tan & Le, \"EfficientNet: Rethinking "
     "Model Scaling for Convolutional Neural Networks\", ICML 2019)."),
    ("configs/fashion_mnist/mobilenetv2.yaml", build_fashion_mobilenetv2,
     "MobileNetV2 blocks for Fashion-MNIST, 32x32x1 input, 10 classes "
     "(docs/training.md)."),
    ("configs/fashion_mnist/mobilenetv2_half.yaml",
     lambda: build_fashion_mobilenetv2(0.5, "_half"),
     "the same MobileNetV2 for Fashion-MNIST at half width: the unpaired "
     "network of the same cell count as the paired one (docs/training.md)."),
    ("configs/fashion_mnist/efficientnet_b0.yaml", build_fashion_efficientnet_b0,
     "EfficientNet-B0 blocks (SE, swish, 5x5 depthwise) for Fashion-MNIST, "
     "32x32x1 input, 10 classes (docs/training.md)."),
    ("configs/fashion_mnist/efficientnet_b0_half.yaml",
     lambda: build_fashion_efficientnet_b0(0.5, "_half"),
     "the same EfficientNet-B0 for Fashion-MNIST at half width "
     "(docs/training.md)."),
]


# The shipped unpaired width family (besides 0.5, the half-width twins, and 1.0): a paired network stores
# 72-76% of its weights' cells under the rectified and kinds policies, 50% when every layer is paired.
WIDTH_FAMILY = (0.625, 0.75, 0.875)


def width_twins(width):
    """The two Fashion-MNIST networks at a width multiplier: (path, builder, description)."""
    tag = ("%g" % width)
    return [("configs/fashion_mnist/%s_w%s.yaml" % (name, tag),
             (lambda b=build: b(width, "_w" + tag)),
             "the same %s for Fashion-MNIST at width %s, unpaired: a member of the width "
             "family DDC's paired networks are compared with at equal weight cells (docs/fcc.md)." % (title, tag))
            for name, build, title in (("mobilenetv2", build_fashion_mobilenetv2, "MobileNetV2"),
                                       ("efficientnet_b0", build_fashion_efficientnet_b0, "EfficientNet-B0"))]


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Generates the shipped network configs: configs/mobilenetv2.yaml, configs/efficientnet_b0.yaml "
        "and the Fashion-MNIST networks in configs/fashion_mnist/ (deterministic; files already correct are not "
        "rewritten; MAC counts checked by an independent shape walk).",
        epilog="Example:\n  scripts/gen_networks.py --check && echo up to date   "
               "# what the ctest network_configs_up_to_date runs",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true",
                    help="write nothing; exit 1 if a file is out of date")
    ap.add_argument("--width", type=float, action="append", default=[],
                    help="also write the Fashion-MNIST networks at this width multiplier, as "
                         "configs/fashion_mnist/<network>_w<W>.yaml (repeatable; 0 < W <= 2): the unpaired "
                         "width family that DDC's paired networks are compared with at equal weight cells "
                         "(docs/fcc.md)")
    args = ap.parse_args(argv)
    for w in args.width:
        if not 0 < w <= 2:
            ap.error("--width must be in (0, 2], got %g" % w)

    stale = []
    widths = list(WIDTH_FAMILY) + [w for w in args.width if w not in WIDTH_FAMILY]
    for rel, build, description in NETWORKS + [n for w in widths for n in width_twins(w)]:
        net = build()
        text, st = render(net, description)
        path = os.path.join(REPO_ROOT, rel)
        print("%s: %s" % (rel, net.name))
        print("  layers: %d (%s)" % (st["layers"], ", ".join(
            "%s %d" % kn for kn in st["counts"])))
        print("  MACs:   %d (%.2f M) in %d multiply-accumulate layers" % (
            st["macs"], st["macs"] / 1e6, st["mac_layers"]))
        try:
            with open(path, "rb") as f:
                current = f.read()
        except FileNotFoundError:
            current = None
        data = text.encode("utf-8")
        if current == data:
            print("  up to date")
            continue
        if args.check:
            print("  OUT OF DATE (%s)" % ("missing" if current is None
                                          else "differs"))
            stale.append(rel)
            continue
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = path + ".tmp"
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
        print("  written")
    if stale:
        print("gen_networks: %d file(s) out of date; run scripts/"
              "gen_networks.py" % len(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
