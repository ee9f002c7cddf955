"""Our figures for a published macro, from build/bin/ddcpim_cost (docs/validation.md).

One call per macro:
  ddcpim_cost --set technology=configs/tech/<node>.yaml --set macro.rows=R --set macro.weight_columns=N
      --set macro.weight_bits=Bw --set macro.input_bits=Ba --set macro.clock_mhz=F --set macro.supply_v=V
      --set macro.complementary=false --set macro.dual_broadcast=false --set macro.segment_rows=S
      --input-density D --weight-density D --json FILE
segment_rows, the depthwise tap size, must divide rows: the largest power of 2 that does, at most 64 (the default).
The published macros are single-sided, so complementary and dual_broadcast are off.
"""
import json
import subprocess
import tempfile
from pathlib import Path

from . import ValidationError

TOOL = "ddcpim_cost"
# The keys of the tool's JSON that the validation reads.
KEYS = ["area_mm2", "peak_tops_1b", "tops_per_mm2_1b", "energy_per_1b_op_fj", "supply_v", "max_clock_mhz", "node"]


def tool_path(bin_dir):
    """bin_dir/ddcpim_cost, or a ValidationError saying it is missing."""
    p = Path(bin_dir) / TOOL
    if not p.is_file():
        raise ValidationError(f"{p}: not found (build it: scripts/build)")
    return p


def command(tool, m, tech_dir, json_path):
    """The argument list that runs the tool on macro m."""
    sets = {
        "technology": str(Path(tech_dir) / f"{m['node']}.yaml"),
        "macro.rows": m["rows"],
        "macro.weight_columns": m["weight_columns"],
        "macro.weight_bits": m["weight_bits"],
        "macro.input_bits": m["input_bits"],
        "macro.clock_mhz": f"{m['clock_mhz']:.6g}",
        "macro.supply_v": f"{m['supply_v']:g}",
        "macro.complementary": "false",
        "macro.dual_broadcast": "false",
        "macro.segment_rows": m["segment_rows"],
    }
    args = [str(tool)]
    for k, v in sets.items():
        args += ["--set", f"{k}={v}"]
    return args + ["--input-density", f"{m['input_density']:g}", "--weight-density", f"{m['weight_density']:g}",
                   "--json", str(json_path)]


def predict(m, bin_dir, tech_dir):
    """The tool's JSON for macro m (a dataset dict); ValidationError if the tool fails or its JSON lacks a key."""
    tool = tool_path(bin_dir)
    tech = Path(tech_dir) / f"{m['node']}.yaml"
    if not tech.is_file():
        raise ValidationError(f"{tech}: not found (scripts/gen_tech writes it)")
    with tempfile.TemporaryDirectory(prefix="validate_cost-") as d:
        out = Path(d) / "cost.json"
        args = command(tool, m, tech_dir, out)
        try:
            r = subprocess.run(args, capture_output=True, text=True, timeout=120)
        except (OSError, subprocess.TimeoutExpired) as e:
            raise ValidationError(f"{tool}: could not run: {e}") from None
        if r.returncode != 0:
            said = (r.stderr.strip().splitlines() or ["no message"])[-1]
            raise ValidationError(f"{m['name']}: {tool.name} exited {r.returncode}: {said}")
        try:
            result = json.loads(out.read_text())
        except (OSError, ValueError) as e:
            raise ValidationError(f"{m['name']}: {tool.name} wrote no readable JSON: {e}") from None
    missing = [k for k in KEYS if k not in result]
    if missing:
        raise ValidationError(f"{m['name']}: {tool.name}'s JSON lacks '{missing[0]}'")
    return result
