"""Running ddcpim_sim on a batch of images (or its seeded sample inputs), and reading what the data made switch."""
import json
import subprocess
import tempfile
from pathlib import Path

import numpy as np


class EnergyError(Exception):
    """A bad input or a failed run: one line for the user, exit status 2."""


def simulate(sim, config, images=None, count=1):
    """ddcpim_sim's JSON of one run (fast engine): on `images` (N, C, H, W) codes, or on `count` seeded samples."""
    with tempfile.TemporaryDirectory() as d:
        cmd = [str(sim), "--config", str(config), "--engine", "fast", "-q", "--json", f"{d}/r.json"]
        if images is not None:
            np.save(f"{d}/x.npy", np.ascontiguousarray(images, dtype=np.int32))
            cmd += ["--input", f"{d}/x.npy"]
        else:
            cmd += ["--images", str(count)]
        p = subprocess.run(cmd, capture_output=True, text=True)
        if p.returncode != 0:
            why = p.stderr.strip().splitlines()[-1] if p.stderr.strip() else f"exit status {p.returncode}"
            raise EnergyError(f"{config}: ddcpim_sim failed: {why}")
        return json.loads(Path(f"{d}/r.json").read_text())


def _densities(rows, side_bits):
    """Input and product densities over layers' activity records (sums of ones over sums of driven bits)."""
    bits = sum(a["lane_a_bits"] for a in rows)
    cells = bits * side_bits
    return {"input_density_a": sum(a["input_ones_a"] for a in rows) / bits if bits else 0.0,
            "product_density_q": sum(a["product_ones_q"] for a in rows) / cells if cells else 0.0,
            "product_density_qbar": sum(a["product_ones_qbar"] for a in rows) / cells if cells else 0.0}


def summary(run):
    """Energy per image (total and by component), densities of the whole run, and per MAC layer."""
    images = run["run"]["images"]
    side_bits = run["macro"]["weight_columns"] * run["macro"]["weight_bits"]
    macs = [l for l in run["layers"] if l["mapping"] != "host"]
    return {"network": run["network"], "images": images,
            "energy_uj_per_image": run["energy_uj"] / images,
            "by_component": {k: v / images for k, v in run["energy_uj_by_component"].items()},
            **_densities([l["activity"] for l in macs], side_bits),
            "layers": [{"name": l["name"], "kind": l["kind"], "energy_uj_per_image": l["energy_uj"] / images,
                        **_densities([l["activity"]], side_bits)} for l in macs]}
