"""Accuracy as the project measures it: build/bin/ddcpim_ref on a batch of images (its top-1 is the figure
reported), and the torch model's exact integer mode, which must give the same output codes."""
import os
import re
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from .errors import TrainError

REPO = Path(__file__).resolve().parents[2]
DEFAULT_BIN = REPO / "build" / "bin"


def ddcpim_ref(config, images, labels=None, bin_dir=DEFAULT_BIN, outputs=False, extra=()):
    """Run ddcpim_ref on uint8 images (N, C, H, W): returns (top-1 or None, output codes (N, classes) or None)."""
    exe = Path(bin_dir) / "ddcpim_ref"
    if not exe.is_file():
        raise TrainError(f"{exe}: not found; build the project first (scripts/build) or pass --bin")
    with tempfile.TemporaryDirectory(prefix="ddcpim_train-") as tmp:
        tmp = Path(tmp)
        np.save(tmp / "x.npy", np.ascontiguousarray(images, dtype=np.int32))
        cmd = [str(exe), "--config", str(config), "--input", str(tmp / "x.npy"), "-q", *extra]
        if labels is not None:
            np.save(tmp / "y.npy", np.asarray(labels, dtype=np.int64))
            cmd += ["--labels", str(tmp / "y.npy")]
        if outputs:
            cmd += ["--output", str(tmp / "out.npy")]
        r = subprocess.run(cmd, capture_output=True, text=True,
                           env=dict(os.environ, SYSTEMC_DISABLE_COPYRIGHT_MESSAGE="1"))
        if r.returncode != 0:
            raise RuntimeError(f"ddcpim_ref failed ({r.returncode}) on {config}: {r.stderr.strip()}")
        top1 = None
        if labels is not None:
            m = re.search(r"top-1: (\d+)/(\d+)", r.stdout)
            if not m:
                raise RuntimeError(f"ddcpim_ref printed no top-1 line: {r.stdout!r}")
            top1 = int(m.group(1)) / int(m.group(2))
        out = np.load(tmp / "out.npy").reshape(len(images), -1) if outputs else None
    return top1, out


def ddcpim_fcc(config, out_yaml, sign_flexible=False, bin_dir=DEFAULT_BIN, samples=8):
    """Pair the MAC layers of an exported network with the project's own FCC pass (no matcher in Python)."""
    exe = Path(bin_dir) / "ddcpim_fcc"
    cmd = [str(exe), "--config", str(config), "--out", str(out_yaml), "--samples", str(samples),
           "--set", f"fcc.sign_flexible={'true' if sign_flexible else 'false'}"]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"ddcpim_fcc failed ({r.returncode}) on {config}: {r.stderr.strip()}")
    return r.stdout
