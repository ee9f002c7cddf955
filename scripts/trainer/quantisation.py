"""From a trained float model to the project's int8 network: batch-norm folding, activation scales, export.

Activation scales come from the importer's post-training quantisation (scripts/importer/quantize.py) on
calibration images, so trained and imported networks are quantised by one policy; they stay fixed during
quantisation-aware training, while each MAC layer's weight codes, scales, bias and requantisation follow
its weights at every step (model.MacLayer.integer_params).
"""
import numpy as np
import torch

from importer.graph import Op, infer_shapes
from importer.kernels import float_forward
from importer.quantize import Calib, quantize
from importer.writer import write_network

from .arith import fixed_point
from .netspec import MAC_KINDS

INPUT_SCALE = 1 / 255        # input codes are pixel values 0..255; the float model sees pixel/255


def to_ops(model, weights=None):
    """The model as the importer's graph (float weights as numpy), BN folded; weights overrides per layer."""
    ops = []
    for l in model.spec.layers:
        kw = {}
        if l.kind in MAC_KINDS:
            mac = model.macs[l.name]
            w, b = (weights or {}).get(l.name, (mac.weight.detach(), mac.bias.detach()))
            kw = dict(weight=w.double().numpy(), bias=b.double().numpy(), kernel=l.kernel, stride=l.stride,
                      padding=list(l.padding))
        ops.append(Op(l.name, l.kind, l.inputs, **kw))
    infer_shapes(ops, {"input": tuple(model.spec.input_shape)})
    return ops


@torch.no_grad()
def prepare(model, calib_codes, quantile=0.9999, batch=250):
    """Fold batch norm and fix every layer's integer parameters from calibration images (uint8 codes)."""
    for mac in model.macs.values():
        mac.fold_bn()
    ops = to_ops(model)
    calib = Calib()
    for i in range(0, len(calib_codes), batch):
        x = calib_codes[i:i + batch].astype(np.float64) * INPUT_SCALE
        vals = float_forward(ops, x, keep={op.name for op in ops})
        for op in ops:
            calib.add(op.name, vals[op.name])
    params = quantize(ops, calib, INPUT_SCALE, quantile)
    model.quant = quant_state(model.spec, params)
    return params


def output_signed(layer, q):
    """Whether a layer's output codes are signed (docs/config.md, the kinds table), given q[input]["signed"]."""
    if layer.kind in MAC_KINDS or layer.kind in ("add", "swish"):
        return True
    if layer.kind in ("relu", "relu6", "sigmoid"):
        return False
    return any(q[s]["signed"] for s in layer.inputs)     # avgpool: its input's; se: either input's


def quant_state(spec, params):
    """Per layer: output scale, signedness, clamp range; fixed requantisation and tables of non-MAC layers."""
    q = {"input": {"scale": INPUT_SCALE, "signed": False, "lo": 0, "hi": 255}}
    for l in spec.layers:
        p = params[l.name]
        signed = output_signed(l, q)
        lo, hi = (-128, 127) if signed else (0, 255)
        if "clamp" in p:
            lo, hi = int(p["clamp"][0]), int(p["clamp"][1])
        d = {"kind": l.kind, "scale": float(p["out_scale"][0]), "signed": signed, "lo": lo, "hi": hi}
        if "requant" in p and l.kind not in MAC_KINDS:
            d["requant"] = [[int(m), int(s)] for m, s in p["requant"]]
        if "lut" in p:
            d["lut"] = [int(v) for v in p["lut"]]
            d["lut_t"] = torch.tensor(d["lut"], dtype=torch.int64)
        q[l.name] = d
    return q


@torch.no_grad()
def integer_params(model):
    """Every layer's parameters as ddcpim's npy files hold them (docs/config.md), from the exact path."""
    q = model.quant
    params = {}
    for l in model.spec.layers:
        p = q[l.name]
        d = {"out_scale": [p["scale"]]}
        if l.kind in MAC_KINDS:
            mac = model.macs[l.name]
            s_in = q[l.inputs[0]]["scale"]
            codes, s, bias = mac.integer_params(s_in, exact=True)
            m, shift = fixed_point(s_in * s / p["scale"])
            d.update(weight=codes.to(torch.int64).numpy(), bias=bias.to(torch.int64).numpy(),
                     requant=np.stack([m.numpy(), shift.numpy()], axis=1),
                     weight_float=(codes * s.view(-1, *[1] * (codes.dim() - 1))).numpy(),
                     weight_scale=s.numpy())
            pairs = mac.pairing.pair_list() if mac.pairing is not None else None
            if pairs:
                d["pairs"] = pairs
        else:
            if "requant" in p:
                d["requant"] = p["requant"]
            if "lut" in p:
                d["lut"] = p["lut"]
            full = (-128, 127) if p["signed"] else (0, 255)
            if (p["lo"], p["hi"]) != full and l.kind not in ("sigmoid", "swish"):
                d["clamp"] = [p["lo"], p["hi"]]
        params[l.name] = d
    return params


def export(model, out_dir, header, fcc_skip=()):
    """Write OUT_DIR/network.yaml and OUT_DIR/weights/*.npy; pairs, when the model has them, listed per layer."""
    params = integer_params(model)
    ops = to_ops(model)
    for op in ops:
        op.pairs = params[op.name].pop("pairs", None)
    return write_network(out_dir, model.spec.name, ops, tuple(model.spec.input_shape), INPUT_SCALE, params,
                         "none", None, header=header, fcc_skip=list(fcc_skip))
