"""Which MAC layers to pair: the pairing policy (docs/fcc.md, "Pairing policies"), asked of the C++ loader.

There is one definition, src/fcc/policy.cpp: `ddcpim_fcc --policy --report FILE` writes its per-layer
decision (role, paired, reason). The trainer needs it before any export exists (the `scratch` recipe ties
filters from the first step, the fine-tuning recipe writes the unpaired layers as fcc.skip), so it asks.
"""
import json
import subprocess
import tempfile
from pathlib import Path

from .errors import TrainError

POLICIES = ("all", "rectified", "kinds", "list")
ROLES = ("stem", "expand", "depthwise", "project", "head", "fc", "se")


def decide(config, bin_dir, policy="all", kinds=(), skip=()):
    """{MAC layer: (paired, reason)} for a config under a policy, in layer order; also the paired MAC share."""
    exe = Path(bin_dir) / "ddcpim_fcc"
    if not exe.is_file():
        raise TrainError(f"{exe}: not found; build the project first (scripts/build) or pass --bin")
    # The decision needs the graph only: synthetic weights, so that a config whose npy files do not exist yet
    # (the trainer writes them) still loads.
    sets = ["weights={source: synthetic}", f"fcc.policy={policy}"]
    if policy == "kinds":
        sets.append(f"fcc.kinds=[{','.join(kinds)}]")
    if skip:
        sets.append(f"fcc.skip=[{','.join(skip)}]")
    with tempfile.TemporaryDirectory(prefix="ddcpim_policy-") as tmp:
        report = Path(tmp) / "policy.json"
        cmd = [str(exe), "--config", str(config), "--policy", "--report", str(report), "-q"]
        for s in sets:
            cmd += ["--set", s]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            raise TrainError(r.stderr.strip().splitlines()[-1] if r.stderr.strip() else
                             f"ddcpim_fcc --policy failed ({r.returncode}) on {config}")
        doc = json.loads(report.read_text())
    return {l["name"]: (l["paired"], l["reason"]) for l in doc["layers"]}, doc["paired_mac_fraction"]
