"""Reading a ddcpim_sim run JSON (docs/host.md section 6) and checking that it is one.

Three shapes: one mode ({mode: "ddc"|"baseline", layers, ...}), --compare ({mode: "compare", ddc,
baseline, speedup}) and --ablate ({mode: "ablate", steps: [{step, speedup, ..., result}]}). Every one is
read into a Run whose `results` lists the one-mode results it holds, by label (the mode, or the ablation
step's name), so that the report and the diff treat the three alike.
"""
import json
import math
from dataclasses import dataclass, field

RESULT_KEYS = ("network", "mode", "engine", "macro", "total_cycles", "macro_cycles", "host_cycles", "layers")
LAYER_KEYS = ("name", "kind", "cycles", "macro_cycles", "host_cycles", "compute_cycles", "weight_load_cycles",
              "input_load_cycles", "stall_cycles", "utilization")
LAYER_NUMBERS = LAYER_KEYS[2:]
STEP_KEYS = ("step", "speedup", "step_speedup", "macro_speedup", "result")


class RunError(Exception):
    """The file is not a ddcpim_sim run JSON; the message says why (one line)."""


@dataclass
class Run:
    path: str
    kind: str                    # "single", "compare" or "ablate"
    network: str
    engine: str
    config: str | None           # the resolved config as YAML text, None in files from before it existed
    results: list = field(default_factory=list)   # [(label, one-mode result dict)]
    speedup: dict | None = None  # compare: {total, macro, by_kind}
    steps: list | None = None    # ablate: the steps without their results
    raw: dict | None = None

    @property
    def accuracy(self):
        """The run's accuracy line ("top-1 87.9% vs 91.3% int8 (...)" or "accuracy not measured"), as
        ddcpim_sim printed it beside the speedup; files from before the record say so too."""
        acc = (self.raw or {}).get("accuracy")
        if isinstance(acc, dict) and isinstance(acc.get("text"), str):
            return acc["text"]
        return "accuracy not measured"

    @property
    def top1(self):
        """The measured top-1 (fraction) when the run's network has one that holds for this run, else None."""
        acc = (self.raw or {}).get("accuracy")
        if isinstance(acc, dict) and acc.get("measured") is True and is_number(acc.get("top1")):
            return acc["top1"]
        return None

    @property
    def mode(self):
        """The JSON's mode: "compare", "ablate", or the one mode ("ddc", "baseline")."""
        return self.results[0][0] if self.kind == "single" else self.kind

    def result(self, label):
        return dict(self.results).get(label)

    @property
    def focus(self):
        """The results the layer charts show: DDC and baseline of a compare run, the last ablation step, or
        the one mode."""
        if self.kind == "ablate":
            return self.results[-1:]
        return self.results


def is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def check_result(r, where):
    if not isinstance(r, dict):
        raise RunError(f"{where}: expected an object with a run's results")
    for k in RESULT_KEYS:
        if k not in r:
            raise RunError(f"{where}: missing key '{k}'")
    for k in ("total_cycles", "macro_cycles", "host_cycles"):
        if not is_number(r[k]):
            raise RunError(f"{where}: '{k}' is not a number")
    if not isinstance(r["macro"], dict):
        raise RunError(f"{where}: 'macro' is not an object")
    if not isinstance(r["layers"], list):
        raise RunError(f"{where}: 'layers' is not a list")
    for i, layer in enumerate(r["layers"]):
        if not isinstance(layer, dict):
            raise RunError(f"{where}: layers[{i}] is not an object")
        for k in LAYER_KEYS:
            if k not in layer:
                raise RunError(f"{where}: layers[{i}]: missing key '{k}'")
        for k in LAYER_NUMBERS:
            if not is_number(layer[k]):
                raise RunError(f"{where}: layers[{i}] ('{layer['name']}'): '{k}' is not a number")
        if "energy_uj" in layer and layer["energy_uj"] is not None and not is_number(layer["energy_uj"]):
            raise RunError(f"{where}: layers[{i}] ('{layer['name']}'): 'energy_uj' is not a number")
    for k in ("energy_uj_by_component", "area_mm2_by_component"):
        if k in r and not (isinstance(r[k], dict) and all(is_number(v) for v in r[k].values())):
            raise RunError(f"{where}: '{k}' is not an object of numbers")
    return r


def parse_run(doc, path="-"):
    """A Run from a decoded JSON document, or RunError."""
    if not isinstance(doc, dict) or not isinstance(doc.get("mode"), str):
        raise RunError("not a ddcpim_sim run JSON (no 'mode')")
    mode = doc["mode"]
    config = doc.get("config") if isinstance(doc.get("config"), str) else None
    if mode == "compare":
        for k in ("ddc", "baseline", "speedup"):
            if k not in doc:
                raise RunError(f"compare run: missing key '{k}'")
        ddc, base = check_result(doc["ddc"], "ddc"), check_result(doc["baseline"], "baseline")
        sp = doc["speedup"]
        if not isinstance(sp, dict) or not is_number(sp.get("total")) or not isinstance(sp.get("by_kind"), dict):
            raise RunError("compare run: 'speedup' lacks 'total' or 'by_kind'")
        return Run(path, "compare", str(doc.get("network", ddc["network"])), str(doc.get("engine", ddc["engine"])),
                   config, [("ddc", ddc), ("baseline", base)], speedup=sp, raw=doc)
    if mode == "ablate":
        steps = doc.get("steps")
        if not isinstance(steps, list) or not steps:
            raise RunError("ablate run: 'steps' missing or empty")
        results, plain = [], []
        for i, s in enumerate(steps):
            if not isinstance(s, dict):
                raise RunError(f"ablate run: steps[{i}] is not an object")
            for k in STEP_KEYS:
                if k not in s:
                    raise RunError(f"ablate run: steps[{i}]: missing key '{k}'")
            results.append((str(s["step"]), check_result(s["result"], f"steps[{i}] ('{s['step']}')")))
            plain.append({k: v for k, v in s.items() if k != "result"})
        first = results[0][1]
        return Run(path, "ablate", str(doc.get("network", first["network"])), str(doc.get("engine", first["engine"])),
                   config, results, steps=plain, raw=doc)
    r = check_result(doc, f"mode '{mode}'")
    return Run(path, "single", str(r["network"]), str(r["engine"]), config, [(mode, r)], raw=doc)


def load_run(path):
    """Reads and checks PATH; RunError (a one-line reason) when it is not a ddcpim_sim run JSON."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise RunError(f"cannot read: {e.strerror or e}") from None
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise RunError(f"not JSON: {str(e).splitlines()[0]}") from None
    try:
        return parse_run(doc, str(path))
    except RunError as e:
        msg = str(e)
        raise RunError(msg if msg.startswith("not a ddcpim_sim") else f"not a ddcpim_sim run JSON: {msg}") from None
