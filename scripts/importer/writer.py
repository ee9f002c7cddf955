"""Writes the network config (network.yaml) and its .npy weight files."""
from pathlib import Path

import numpy as np


def fmt_value(v):
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(fmt_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {fmt_value(x)}" for k, x in v.items()) + "}"
    return str(v)


def write_network(out_dir, name, ops, in_shape, input_scale, params, fcc, source, header=None, fcc_skip=(),
                  technology=None, fcc_policy="all", fcc_kinds=()):
    """network.yaml and weights/*.npy. fcc: "auto" pairs every MAC layer at load; an op's `pairs` attribute
    (the trainer's) lists its layer's pairs; fcc_skip is written as fcc.skip. header: the comment lines at
    the top (default: the importer's). technology: written as `technology:` when given (a relative path is
    found beside the config, in $DDCPIM_TECH_DIR, share/ddcpim or the repository's configs/)."""
    out_dir = Path(out_dir)
    wdir = out_dir / "weights"
    wdir.mkdir(parents=True, exist_ok=True)
    for f in wdir.glob("*.npy"):
        f.unlink()
    if header is None:
        header = [f"{name}: imported by scripts/ddcpim_import from {source}",
                  "int8 post-training quantisation: per-filter symmetric weights, calibrated activation scales."]
    lines = [f"# {h}" for h in header] + [
        "# Input: unsigned 8-bit codes, real value = code * input.scale.",
        "macro: {}"]
    if technology is not None:
        lines.append(f"technology: {technology}   # area and energy (docs/cost.md); none: cycles only")
    lines.append("weights: {source: npy, dir: weights}")
    fcc_top = ({"pairs": "auto"} if fcc == "auto" else {}) | ({"skip": list(fcc_skip)} if fcc_skip else {})
    if fcc == "auto" and fcc_policy != "all":
        fcc_top["policy"] = fcc_policy
        if fcc_policy == "kinds":
            fcc_top["kinds"] = list(fcc_kinds)
    if fcc == "auto":
        which = "every MAC layer's filters" if fcc_policy == "all" else f"the filters of the layers policy {fcc_policy} picks"
        lines += [f"# FCC pairs {which} when the network is loaded (docs/fcc.md). To run it unpaired,",
                  "# delete this fcc line (or --set fcc.pairs=none), or import with --fcc none.",
                  f"fcc: {fmt_value(fcc_top)}"]
    elif fcc_top:
        lines.append(f"fcc: {fmt_value(fcc_top)}   # pairing at load / left unpaired (docs/fcc.md)")
    lines += ["network:", f"  name: {name}",
              f"  input: {{channels: {in_shape[0]}, height: {in_shape[1]}, width: {in_shape[2]}, "
              f"signed: false, scale: {input_scale!r}}}",
              "  layers:"]
    prev = "input"
    for op in ops:
        d = {"name": op.name, "kind": op.kind}
        if op.kind in ("add", "se"):
            d["inputs"] = op.inputs
        elif op.inputs[0] != prev:
            d["input"] = op.inputs[0]
        if op.kind in ("conv", "pointwise"):
            d["out_channels"] = op.weight.shape[0]
        if op.kind in ("conv", "depthwise"):
            d["kernel"] = op.kernel
        if op.kind in ("conv", "depthwise", "pointwise") and op.stride != 1:
            d["stride"] = op.stride
        if op.kind in ("conv", "depthwise") and any(op.padding):
            t, l, b, r = op.padding
            d["padding"] = t if t == l == b == r else [t, l, b, r]
        if op.kind == "fc":
            d["out_features"] = op.weight.shape[0]
        if getattr(op, "pairs", None):
            d["fcc"] = {"pairs": [list(map(int, p)) for p in op.pairs]}
        lines.append(f"    - {fmt_value(d)}   # -> {'x'.join(map(str, op.shape))}")
        prev = op.name
        p = params[op.name]
        for what in ("weight", "bias", "requant", "clamp", "lut"):
            if what in p:
                np.save(wdir / f"{op.name}.{what}.npy", np.ascontiguousarray(p[what], dtype=np.int32))
        for what in ("weight_float", "weight_scale", "out_scale"):
            if what in p:
                np.save(wdir / f"{op.name}.{what}.npy", np.ascontiguousarray(p[what], dtype=np.float64))
    path = out_dir / "network.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path
