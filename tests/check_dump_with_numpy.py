#!/usr/bin/python3
"""Independent check of the reference engine with numpy.

Runs `ddcpim_ref --dump` on the tiny residual network and on MobileNetV2, then
recomputes every MAC layer's accumulators from the dumped input and weights
with numpy (a plain grouped convolution written here, not the C++ code) and
compares them exactly. Exit 0 when all match.
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np


def conv(x, w, stride, pad, groups):
    top, left, bottom, right = pad
    x = np.pad(x.astype(np.int64), ((0, 0), (top, bottom), (left, right)))
    c, h, wd = x.shape
    o, ipg, kh, kw = w.shape
    ho, wo = (h - kh) // stride + 1, (wd - kw) // stride + 1
    opg = o // groups
    out = np.zeros((o, ho, wo), dtype=np.int64)
    for ky in range(kh):
        for kx in range(kw):
            patch = x[:, ky:ky + stride * (ho - 1) + 1:stride, kx:kx + stride * (wo - 1) + 1:stride]
            for g in range(groups):
                wg = w[g * opg:(g + 1) * opg, :, ky, kx].astype(np.int64)
                out[g * opg:(g + 1) * opg] += np.einsum("oi,ihw->ohw", wg, patch[g * ipg:(g + 1) * ipg])
    return out


def check(ref_bin, config):
    with tempfile.TemporaryDirectory() as d:
        subprocess.run([ref_bin, "--config", config, "--dump", d, "--quiet"], check=True, stdout=subprocess.DEVNULL)
        layers = sorted(f[:-5] for f in os.listdir(d) if f.endswith(".json"))
        assert layers, "no layers dumped"
        for base in layers:
            meta = json.load(open(os.path.join(d, base + ".json")))
            x = np.load(os.path.join(d, base + ".input.npy"))
            w = np.load(os.path.join(d, base + ".weight.npy"))
            acc = np.load(os.path.join(d, base + ".acc.npy"))
            pad = meta["padding"]
            pad = [pad] * 4 if isinstance(pad, int) else pad
            expect = conv(x, w, meta["stride"], pad, meta["groups"])
            if expect.shape != acc.shape or not np.array_equal(expect, acc):
                print(f"MISMATCH {config} {base}: shapes {expect.shape} vs {acc.shape}")
                return False
            lo, hi = (-128, 127) if meta["input_signed"] else (0, 255)
            assert x.min() >= lo and x.max() <= hi, base
        print(f"ok: {config}: {len(layers)} MAC layers match numpy exactly")
        return True


def main():
    ref_bin, configs = sys.argv[1], sys.argv[2]
    ok = all(check(ref_bin, os.path.join(configs, c)) for c in ("tiny_residual.yaml", "mobilenetv2.yaml"))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
