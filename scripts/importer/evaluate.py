"""Float model vs int8 configs on the same images: top-1 agreement, logit SQNR, ddcpim_ref cross-check.

A config that pairs filters when it is loaded (`fcc: {pairs: auto}`, at the top or on a layer) is not the
network in its .npy files: FCC rewrites the paired layers' weights, scales, requantisation and biases at
load. Such a config is evaluated twice: unpaired (its files as they are, ddcpim_ref with fcc.pairs=none)
and paired, with the numpy engine reading the parameters ddcpim_ref itself loads (`ddcpim_ref --export`),
i.e. the network ddcpim_ref and ddcpim_sim run. Each row's cross-check compares the numpy engine with
ddcpim_ref on that same network.
"""
import os
import sys
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import yaml

from .intnet import IntNet
from .kernels import float_forward

PAIRED = "int8, FCC-paired at load"
UNPAIRED = "int8, unpaired"


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


def run_ref(bin_dir, args):
    """ddcpim_ref with args; its stdout, or RuntimeError with its stderr."""
    ref = Path(bin_dir) / "ddcpim_ref"
    if not ref.is_file():
        raise RuntimeError(f"{ref} not found: build ddcpim first (scripts/build) or pass --bin")
    env = dict(os.environ, SYSTEMC_DISABLE_COPYRIGHT_MESSAGE="1")
    r = subprocess.run([str(ref), *map(str, args)], capture_output=True, text=True, env=env)
    if r.returncode != 0:
        raise RuntimeError(f"ddcpim_ref failed ({r.returncode}): {r.stderr.strip()}")
    return r.stdout


def set_args(sets):
    return [a for s in sets for a in ("--set", s)]


def cross_check(bin_dir, config, net, codes, sets=()):
    """Run ddcpim_ref (with --set overrides) on one input, compare every MAC layer's accumulators with the
    numpy engine `net`."""
    with tempfile.TemporaryDirectory(prefix="ddcpim_import-") as tmp:
        np.save(Path(tmp) / "x.npy", codes.astype(np.int32))
        run_ref(bin_dir, ["--config", config, *set_args(sets), "--input", Path(tmp) / "x.npy",
                          "--dump", Path(tmp) / "dump", "-q"])
        accs = {}
        net.run(codes[None], accs)
        bad = []
        for f in sorted((Path(tmp) / "dump").glob("*.acc.npy")):
            name = f.name.split("_", 1)[1][:-len(".acc.npy")]
            if not np.array_equal(np.load(f), accs[name][0]):
                bad.append(name)
        return len(accs), bad


def fcc_at_load(config):
    """How ddcpim_ref treats config's FCC settings: 'none' (nothing paired at load), 'top' (fcc: {pairs: auto}
    at the top only, so fcc.pairs=none unpairs it), 'layers' (some layer's own fcc says auto)."""
    doc = yaml.safe_load(Path(config).read_text()) or {}
    layers = (doc.get("network") or {}).get("layers") or []
    if any(isinstance(l.get("fcc"), dict) and l["fcc"].get("pairs") == "auto" for l in layers):
        return "layers"
    return "top" if (doc.get("fcc") or {}).get("pairs") == "auto" else "none"


def variants(configs, bin_dir, tmp):
    """The networks to evaluate, as dicts: config (the file), network (a label), sets (ddcpim_ref --set
    overrides that give this network) and params (the config the numpy engine reads)."""
    out = []
    for i, c in enumerate(configs):
        how = fcc_at_load(c)
        if how == "none":
            out.append({"config": c, "network": "int8", "sets": [], "params": c})
            continue
        if how == "top":
            out.append({"config": c, "network": UNPAIRED, "sets": ["fcc.pairs=none"], "params": c})
        export = Path(tmp) / f"paired{i}"
        run_ref(bin_dir, ["--config", c, "--export", export, "-q"])
        out.append({"config": c, "network": PAIRED, "sets": [], "params": export / "network.yaml"})
    return out


def evaluate(ops, configs, images, input_scale, batch=8, bin_dir=None, cross=True):
    """Float logits vs each config's int8 logits on images (N, H, W, 3) uint8. bin_dir: ddcpim_ref's
    directory, needed for configs that pair at load and for the cross-check (cross)."""
    codes = images.transpose(0, 3, 1, 2).astype(np.int64)
    with tempfile.TemporaryDirectory(prefix="ddcpim_import-") as tmp:
        vs = variants(configs, bin_dir, tmp)
        nets = [IntNet(v["params"]) for v in vs]
        fl, il = [], [[] for _ in nets]
        for sl in batches(len(codes), batch, f"evaluating {len(vs)} network(s)"):
            fl.append(float_forward(ops, codes[sl] * input_scale)[ops[-1].name].reshape(sl.stop - sl.start, -1))
            for j, net in enumerate(nets):
                il[j].append(net.run(codes[sl])[1])
        fl = np.concatenate(fl)
        rows = []
        for j, v in enumerate(vs):
            x = np.concatenate(il[j])
            rows.append({"config": str(v["config"]), "network": v["network"], "ref_set": v["sets"],
                         "top1_agreement": float(np.mean(x.argmax(1) == fl.argmax(1))),
                         "logit_sqnr_db": sqnr_db(fl, x),
                         "top1_histogram": np.bincount(x.argmax(1), minlength=fl.shape[1]).tolist()})
            if cross:
                n, bad = cross_check(bin_dir, v["config"], nets[j], codes[0], v["sets"])
                rows[-1]["ref_cross_check"] = "ok" if not bad else f"MISMATCH in {bad}"
                rows[-1]["ref_cross_check_layers"] = n
    classes = np.bincount(fl.argmax(1), minlength=fl.shape[1]).tolist()
    return rows, classes


def print_rows(rows, classes, n):
    print(f"evaluation on {n} images; float top-1 class histogram: {classes}")
    print(f"{'config':40s} {'network':26s} {'top-1 agree':>11s} {'logit SQNR':>10s}  {'top-1 histogram':20s} "
          "ddcpim_ref cross-check")
    for r in rows:
        print(f"{r['config'][-40:]:40s} {r['network']:26s} {100 * r['top1_agreement']:10.1f}% "
              f"{r['logit_sqnr_db']:8.2f} dB  {str(r['top1_histogram']):20s} {r.get('ref_cross_check', '-')}")
    if any(r["network"] == PAIRED for r in rows):
        print(f"'{PAIRED}' is the network ddcpim_ref and ddcpim_sim run (fcc: {{pairs: auto}}). Pairing a "
              "network after training costs accuracy (docs/fcc.md); FCC-aware training recovers it "
              "(scripts/ddcpim_train, docs/training.md).")
