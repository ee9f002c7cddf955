"""Running ddcpim_sim's fast engine for the headline tables: its figures equal the clocked engine's
(docs/fast-engine.md), in a fraction of a second a run."""
import json
import os
import subprocess
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent.parent
NETWORKS = (("MobileNetV2", "configs/mobilenetv2.yaml"), ("EfficientNet-B0", "configs/efficientnet_b0.yaml"))


class RunError(Exception):
    """A run that failed: one line for the user."""


def run(bin_dir, config, mode, sets=()):
    """The --json of `ddcpim_sim --config CONFIG --MODE --engine fast` with --set SETS (mode ddc: no flag)."""
    if not (Path(bin_dir) / "ddcpim_sim").is_file():
        raise RunError(f"--bin {bin_dir}: no ddcpim_sim there (build it with scripts/build)")
    with tempfile.TemporaryDirectory(prefix="headline-") as tmp:
        out = Path(tmp) / "run.json"
        args = [str(Path(bin_dir) / "ddcpim_sim"), "--config", str(REPO / config), "--engine", "fast", "-q",
                "--json", str(out)] + ([] if mode == "ddc" else [f"--{mode}"])  # DDC is the default mode
        for s in sets:
            args += ["--set", s]
        env = dict(os.environ, SYSTEMC_DISABLE_COPYRIGHT_MESSAGE="1")
        r = subprocess.run(args, capture_output=True, text=True, cwd=REPO, env=env)
        if r.returncode != 0 or not out.exists():
            said = (r.stderr.strip().splitlines() or [f"exit status {r.returncode}"])[-1]
            raise RunError(f"{' '.join(args)}: {said}")
        return json.loads(out.read_text())
