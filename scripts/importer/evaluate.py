"""Float model vs int8 configs on the same images: top-1 agreement, logit SQNR, ddcpim_ref cross-check."""
import os
import sys
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from .intnet import IntNet
from .kernels import float_forward


def sqnr_db(ref, test):
    err = np.sum((ref - test) ** 2)
    return float("inf") if err == 0 else float(10 * np.log10(np.sum(ref ** 2) / err))


def batches(n, size, what=None):
    """Slices of at most size over n items; with `what`, a progress line on a terminal's stderr."""
    show = what is not None and sys.stderr.isatty()
    for i in range(0, n, size):
        if show:
            print(f"\r{what}: {i}/{n} images", end="", file=sys.stderr, flush=True)
        yield slice(i, min(n, i + size))
    if show:
        print("\r\033[K", end="", file=sys.stderr, flush=True)


def cross_check(bin_dir, config, net, codes):
    """Run ddcpim_ref on one input, compare every MAC layer's accumulators with the numpy engine."""
    ref = Path(bin_dir) / "ddcpim_ref"
    with tempfile.TemporaryDirectory(prefix="ddcpim_import-") as tmp:
        np.save(Path(tmp) / "x.npy", codes.astype(np.int32))
        env = dict(os.environ, SYSTEMC_DISABLE_COPYRIGHT_MESSAGE="1")
        r = subprocess.run([str(ref), "--config", str(config), "--input", str(Path(tmp) / "x.npy"),
                            "--dump", str(Path(tmp) / "dump"), "-q"], capture_output=True, text=True, env=env)
        if r.returncode != 0:
            raise RuntimeError(f"ddcpim_ref failed ({r.returncode}): {r.stderr.strip()}")
        accs = {}
        net.run(codes[None], accs)
        bad = []
        for f in sorted((Path(tmp) / "dump").glob("*.acc.npy")):
            name = f.name.split("_", 1)[1][:-len(".acc.npy")]
            if not np.array_equal(np.load(f), accs[name][0]):
                bad.append(name)
        return len(accs), bad


def evaluate(ops, configs, images, input_scale, batch=8, bin_dir=None):
    """Float logits vs each config's int8 logits on images (N, H, W, 3) uint8."""
    codes = images.transpose(0, 3, 1, 2).astype(np.int64)
    nets = [IntNet(c) for c in configs]
    fl, il = [], [[] for _ in nets]
    for sl in batches(len(codes), batch, f"evaluating {len(configs)} config(s)"):
        fl.append(float_forward(ops, codes[sl] * input_scale)[ops[-1].name].reshape(sl.stop - sl.start, -1))
        for j, net in enumerate(nets):
            il[j].append(net.run(codes[sl])[1])
    fl = np.concatenate(fl)
    rows = []
    for j, c in enumerate(configs):
        x = np.concatenate(il[j])
        rows.append({"config": str(c), "top1_agreement": float(np.mean(x.argmax(1) == fl.argmax(1))),
                     "logit_sqnr_db": sqnr_db(fl, x),
                     "top1_histogram": np.bincount(x.argmax(1), minlength=fl.shape[1]).tolist()})
        if bin_dir is not None:
            n, bad = cross_check(bin_dir, c, nets[j], codes[0])
            rows[-1]["ref_cross_check"] = "ok" if not bad else f"MISMATCH in {bad}"
            rows[-1]["ref_cross_check_layers"] = n
    classes = np.bincount(fl.argmax(1), minlength=fl.shape[1]).tolist()
    return rows, classes


def print_rows(rows, classes, n):
    print(f"evaluation on {n} images; float top-1 class histogram: {classes}")
    print(f"{'config':50s} {'top-1 agree':>11s} {'logit SQNR':>10s}  {'top-1 histogram':20s} ddcpim_ref cross-check")
    for r in rows:
        print(f"{r['config'][-50:]:50s} {100 * r['top1_agreement']:10.1f}% {r['logit_sqnr_db']:8.2f} dB  "
              f"{str(r['top1_histogram']):20s} {r.get('ref_cross_check', '-')}")
