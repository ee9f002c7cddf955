"""Float and integer kernels on batches (N, C, H, W), and the float forward pass of a graph."""
import numpy as np

from .graph import MAC_KINDS


def pad_nchw(x, pad):
    t, l, b, r = pad
    return np.pad(x, ((0, 0), (0, 0), (t, b), (l, r))) if any(pad) else x


def conv_nchw(x, w, kind, stride, pad, k):
    """Sum of products, float64 (exact for the integer path: |acc| < 2^53)."""
    x = pad_nchw(x, pad)
    n, c, hp, wp = x.shape
    ho, wo = (hp - k) // stride + 1, (wp - k) // stride + 1
    taps = [x[:, :, ky:ky + stride * (ho - 1) + 1:stride, kx:kx + stride * (wo - 1) + 1:stride]
            for ky in range(k) for kx in range(k)]
    if kind == "depthwise":
        wf = w.reshape(w.shape[0], k * k)
        out = np.zeros((n, c, ho, wo))
        for i, t in enumerate(taps):
            out += t * wf[:, i][None, :, None, None]
        return out
    cols = np.stack(taps, axis=2).reshape(n, c * k * k, ho * wo)    # order (c, ky, kx) = OIHW flattening
    return np.matmul(w.reshape(w.shape[0], -1), cols).reshape(n, w.shape[0], ho, wo)


def float_forward(ops, x, keep=None):
    """Float model on x (N, C, H, W) real values; returns {name: output}."""
    vals = {"input": x}
    last_use = {}
    for i, op in enumerate(ops):
        for s in op.inputs:
            last_use[s] = i
    for i, op in enumerate(ops):
        a = vals[op.inputs[0]]
        if op.kind in ("conv", "depthwise", "pointwise"):
            y = conv_nchw(a, op.weight, op.kind, op.stride, op.padding, op.kernel)
        elif op.kind == "fc":
            y = (a.reshape(len(a), -1) @ op.weight.T)[:, :, None, None]
        elif op.kind == "add":
            y = a + vals[op.inputs[1]]
        elif op.kind == "se":
            y = a * vals[op.inputs[1]]            # gate (N, C, 1, 1) broadcast over H, W
        elif op.kind == "avgpool":
            y = a.mean(axis=(2, 3), keepdims=True)
        elif op.kind == "relu":
            y = np.maximum(a, 0)
        elif op.kind == "relu6":
            y = np.clip(a, 0, 6)
        elif op.kind == "sigmoid":
            y = 1 / (1 + np.exp(-a))
        elif op.kind == "swish":
            y = a / (1 + np.exp(-a))
        if op.bias is not None and op.kind in MAC_KINDS:
            y = y + op.bias[None, :, None, None]
        vals[op.name] = y
        for s in op.inputs:
            if last_use[s] == i and (keep is None or s not in keep):
                vals.pop(s, None)
    return vals
