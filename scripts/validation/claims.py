"""The paper's claims with the checked model (docs/validation.md): DDC-PIM's weight density and area
efficiency against the published macros.

DDC-PIM (arXiv 2310.20424) claims up to 8.41x the weight density and 2.75x the area efficiency of
state-of-the-art SRAM-PIM macros. Here our default macro (256 rows x 32 weight columns of 8 bits) is
priced by ddcpim_cost three ways: DDC (Q-bar, one adder tree per bit-column per side), DDC with shared
trees (macro.tree_sharing) and the single-sided baseline on the same array; at 28 nm and at each compared
macro's node (configs/tech/<node>.yaml), at the compared macro's clock, so that TOPS/mm2 compares work per
cycle per area. Weight density: stored weight bits (a complementary pair counts as two weights) over the
core area (the macro without its buffers, the area our TOPS/mm2 uses). The published density is the
dataset's core size over its area (TOPS_a / N_core over TOPS/mm2, E). "calibrated" multiplies our density
and TOPS/mm2 by the factor (published / ours, geometric mean) the validation finds for TOPS/mm2 over every
published macro: DDC-PIM is not among them, so nothing about it is fitted.
"""
import json
import math
import subprocess
import tempfile
from pathlib import Path

from . import ValidationError, fit, predict

VARIANTS = {  # name: --set overrides of the default macro
    "DDC": {},
    "DDC, shared trees": {"macro.tree_sharing": "true"},
    "baseline": {"macro.complementary": "false", "macro.dual_broadcast": "false"},
}
DEFAULT_MACRO = {"rows": 256, "weight_columns": 32, "weight_bits": 8}


def ours(tool, tech, clock_mhz, sets):
    """(weight density Kb/mm2, 1-bit TOPS/mm2) of our default macro under `sets`, from ddcpim_cost."""
    args = [str(tool), "--set", f"technology={tech}", "--set", f"macro.clock_mhz={clock_mhz:.6g}"]
    for k, v in sets.items():
        args += ["--set", f"{k}={v}"]
    with tempfile.TemporaryDirectory(prefix="claims-") as d:
        out = Path(d) / "c.json"
        r = subprocess.run(args + ["--json", str(out)], capture_output=True, text=True, timeout=120)
        if r.returncode != 0:
            said = (r.stderr.strip().splitlines() or ["no message"])[-1]
            raise ValidationError(f"{tool.name} {' '.join(args[1:])}: exited {r.returncode}: {said}")
        j = json.loads(out.read_text())
    m = j["macro"]
    capacity_kb = m["rows"] * m["weight_columns"] * m["weight_bits"] * (2 if m["complementary"] else 1) / 1024
    return capacity_kb / j["core_area_mm2"], j["tops_per_mm2_1b"]


def compare(points, bin_dir, tech_dir):
    """Per compared macro (those in the density summary) and variant: our figures and the ratios to it."""
    tool = predict.tool_path(bin_dir)
    counted = [p for p in points if p["density_in_summary"]]
    factor = fit.geomean([p["published_tops_per_mm2"] / p["predicted_tops_per_mm2"] for p in counted])
    rows = []
    for p in counted:
        published_density = p["capacity_kb"] / p["published_area_mm2"]
        row = {"name": p["name"], "node": p["node"], "published_density_kb_per_mm2": published_density,
               "published_tops_per_mm2": p["published_tops_per_mm2"], "variants": {}}
        for name, sets in VARIANTS.items():
            v = {}
            for where, tech in (("28nm", Path(tech_dir) / "28nm.yaml"), ("node", Path(tech_dir) / f"{p['node']}.yaml")):
                density, tops = ours(tool, tech, p["clock_mhz"], sets)
                v[where] = {"density": density, "tops_per_mm2": tops,
                            "density_ratio": density / published_density,
                            "tops_ratio": tops / p["published_tops_per_mm2"],
                            "density_ratio_calibrated": density * factor / published_density,
                            "tops_ratio_calibrated": tops * factor / p["published_tops_per_mm2"]}
            row["variants"][name] = v
        rows.append(row)
    return {"calibration_factor": factor, "macros": rows}


def best(claims, variant, where, key):
    """The largest ratio over the compared macros (the paper's 'up to'), and which macro."""
    top = max(claims["macros"], key=lambda r: r["variants"][variant][where][key])
    return top["variants"][variant][where][key], top["name"]


def median(claims, variant, where, key):
    values = sorted(r["variants"][variant][where][key] for r in claims["macros"])
    n = len(values)
    return values[n // 2] if n % 2 else (values[n // 2 - 1] + values[n // 2]) / 2


def markdown(claims):
    head = ["compared macro", "node", "its density (Kb/mm²)", "DDC 28 nm", "DDC at its node",
            "shared trees at its node", "baseline at its node", "its 1-bit TOPS/mm²", "DDC at its node",
            "shared trees", "baseline"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in claims["macros"]:
        v = r["variants"]
        lines.append("| " + " | ".join([
            r["name"], r["node"], f"{r['published_density_kb_per_mm2']:.0f}",
            f"{v['DDC']['28nm']['density_ratio']:.2f}x",
            f"{v['DDC']['node']['density_ratio']:.2f}x",
            f"{v['DDC, shared trees']['node']['density_ratio']:.2f}x",
            f"{v['baseline']['node']['density_ratio']:.2f}x",
            f"{r['published_tops_per_mm2']:.0f}",
            f"{v['DDC']['node']['tops_ratio']:.2f}x",
            f"{v['DDC, shared trees']['node']['tops_ratio']:.2f}x",
            f"{v['baseline']['node']['tops_ratio']:.2f}x"]) + " |")
    out = ["Ratios are ours over the compared macro's (raw model; the compared macro's clock).", ""] + lines + [""]
    for variant in VARIANTS:
        d28, m28 = best(claims, variant, "28nm", "density_ratio")
        dn, mn = best(claims, variant, "node", "density_ratio")
        dc, mc = best(claims, variant, "node", "density_ratio_calibrated")
        tn, tmn = best(claims, variant, "node", "tops_ratio")
        tc, tmc = best(claims, variant, "node", "tops_ratio_calibrated")
        out.append(f"- {variant}: weight density up to {d28:.2f}x at 28 nm ({m28}), {dn:.2f}x at the compared "
                   f"node ({mn}), {dc:.2f}x calibrated ({mc}), median {median(claims, variant, 'node', 'density_ratio'):.2f}x; "
                   f"1-bit TOPS/mm² up to {tn:.2f}x ({tmn}), {tc:.2f}x calibrated ({tmc}), median "
                   f"{median(claims, variant, 'node', 'tops_ratio'):.2f}x.")
    out.append(f"- calibration factor (published / ours, TOPS/mm², all compared macros): "
               f"{claims['calibration_factor']:.2f}")
    return "\n".join(out)
