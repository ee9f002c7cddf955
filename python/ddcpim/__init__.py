"""ddcpim from Python: many design points on one loaded config (docs/python.md).

    import ddcpim
    model = ddcpim.Model("configs/mobilenetv2.yaml")
    r = model.evaluate({"macro.rows": 128}, mode="compare")
    r["speedup"]["total"]

`Model.evaluate` runs the fast engine in this process and returns the dict
that `ddcpim_sim --engine fast --json` writes. `run_clocked` runs the clocked
SystemC model in a child process (SystemC elaborates once per process) and
returns its `--json` dict. Bad input raises ConfigError with the message the
command-line tools print.
"""

import json
import os
import subprocess
import tempfile
from pathlib import Path

from ._core import ConfigError, Explorer

__all__ = ["ConfigError", "Model", "run_clocked", "set_value"]

MODES = ("ddc", "baseline", "compare")


def set_value(v):
    """A Python value as --set spells it (YAML): True -> true, [1, 2] -> [1, 2]."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, (list, tuple, dict)):
        return json.dumps(v)  # JSON is YAML
    return str(v)


def _pairs(params):
    """{key: value} or ["key=value", ...] as [(key, text)], in order."""
    if params is None:
        return []
    if isinstance(params, dict):
        return [(str(k), set_value(v)) for k, v in params.items()]
    if isinstance(params, str):   # one "KEY=VALUE", as --set takes it (not a sequence of characters)
        params = [params]
    out = []
    for item in params:
        if isinstance(item, str):
            key, eq, value = item.partition("=")
            if not eq or not key:
                raise ConfigError(f"--set: expected KEY=VALUE, got '{item}'")
            out.append((key, value))
        else:
            key, value = item
            out.append((str(key), set_value(value)))
    return out


def _mode(mode):
    if mode not in MODES:
        raise ConfigError(f"mode: expected one of {', '.join(MODES)}, got '{mode}'")
    return mode


class Model:
    """A config loaded once; each evaluate() is one design point on the fast engine.

    overrides apply to every point (like --set on the command line); a point's
    params apply on top. Weights are built and FCC-paired once per distinct
    network: points that change only macro or host parameters reuse them.
    """

    def __init__(self, config, overrides=None):
        self.config = str(config)
        self._explorer = Explorer(self.config, _pairs(overrides))

    def evaluate(self, params=None, mode="ddc", lean=False, layer_energy=True):
        """The fast engine's --json dict for one point. lean=True keeps only what `sweep run` writes: no
        "config", no top-level copy of the DDC layers (compare mode), and per layer only name, kind, cycles,
        macro_cycles, host_cycles, energy_uj and, unless layer_energy=False, energy_uj_by_component (a third
        of the text to write and parse, a tenth without the layers' components; every figure the same)."""
        return self._explorer.evaluate(_pairs(params), _mode(mode), bool(lean), bool(layer_energy))

    def evaluate_many(self, points, mode="ddc"):
        """evaluate() over an iterable of params; a list of dicts in the same order."""
        return [self.evaluate(p, mode) for p in points]

    def check(self, params=None):
        """Validates a point without simulating; returns its resolved config (YAML text)."""
        return self._explorer.resolved_config(_pairs(params))

    def validate(self, params=None):
        """Validates a point without simulating (check() without writing the config out); raises
        ConfigError when it is bad."""
        self._explorer.validate(_pairs(params))

    @property
    def networks_built(self):
        """How many distinct networks (weights, pairs) this model has built so far."""
        return self._explorer.networks_built


def _default_sim():
    # build/python/ddcpim/__init__.py -> build/bin/ddcpim_sim
    return os.environ.get("DDCPIM_SIM") or str(Path(__file__).resolve().parents[2] / "bin" / "ddcpim_sim")


def run_clocked(config, params=None, mode="ddc", verify=False, sim=None, timeout=None):
    """The clocked model's --json dict for one point, from a ddcpim_sim child process.

    With verify=True every layer is checked against the reference engine; a
    mismatch comes back as verified == False with the mismatch text.
    """
    sim = sim or _default_sim()
    args = [sim, "--config", str(config), "-q"]
    for k, v in _pairs(params):
        args += ["--set", f"{k}={v}"]
    if _mode(mode) == "compare":
        args.append("--compare")
    elif mode == "baseline":
        args.append("--baseline")
    if verify:
        args.append("--verify")
    with tempfile.TemporaryDirectory(prefix="ddcpim-") as tmp:
        out = os.path.join(tmp, "r.json")
        p = subprocess.run(args + ["--json", out], capture_output=True, text=True, timeout=timeout)
        prefix = "ddcpim_sim: error: "
        if p.returncode == 2:
            lines = [l for l in p.stderr.splitlines() if l.startswith(prefix)]
            raise ConfigError(lines[-1][len(prefix):] if lines else p.stderr.strip())
        if p.returncode not in (0, 1) or not os.path.exists(out):
            raise RuntimeError(f"ddcpim_sim exited {p.returncode}: {p.stderr.strip()}")
        with open(out) as f:
            return json.load(f)
