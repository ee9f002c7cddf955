"""What DDC costs in accuracy and what it buys in cycles and cells, per trained network (docs/fcc.md,
"Accuracy against cycles and cells").

For every network: ddcpim_ref's top-1 (from its shipped `accuracy:` record, or the results.json of the work
directory it was exported into), the macro cycles of one image on the default DDC macro (dw_mapping auto and
toeplitz) and on the baseline macro (ddcpim_sim's fast engine, equal to the clocked one in every figure), the
weight words it stores (a complementary pair takes one column for two filters) and the share of its MACs in
paired filters. Pareto fronts: fewest cycles (or cells) for the most accuracy.
"""
import csv
import json
import math
import os
import subprocess
import tempfile
from pathlib import Path

import yaml

from .errors import TrainError
from .netspec import MAC_KINDS, load_netspec

FIELDS = ("network", "family", "policy", "recipe", "top1", "int8_top1", "test_images", "paired_mac_fraction",
          "weights", "cells", "cycles_ddc_auto", "cycles_ddc_toeplitz", "cycles_baseline", "speedup_auto",
          "config")


def storage(config):
    """(weights, stored weight words, share of MACs in paired filters) of a network with listed pairs."""
    spec = load_netspec(config)
    pairs = {l["name"]: len(((l.get("fcc") or {}).get("pairs")) or [])
             for l in spec.doc["network"]["layers"] if isinstance((l.get("fcc") or {}).get("pairs"), list)}
    weights = cells = macs = paired_macs = 0
    for l in spec.layers:
        if l.kind not in MAC_KINDS:
            continue
        o = l.shape[0]
        fan_in = math.prod(l.in_shape) if l.kind == "fc" else l.kernel ** 2 * (1 if l.kind == "depthwise"
                                                                                else l.in_shape[0])
        p = pairs.get(l.name, 0)
        m = o * l.shape[1] * l.shape[2] * fan_in
        weights += o * fan_in
        cells += (o - p) * fan_in
        macs += m
        paired_macs += m * 2 * p / o
    return weights, cells, paired_macs / macs


def cycles(config, bin_dir, dw_mapping):
    """Macro cycles of one image, DDC and baseline, on the default macro with macro.dw_mapping set."""
    exe = Path(bin_dir) / "ddcpim_sim"
    with tempfile.TemporaryDirectory(prefix="ddcpim_tradeoff-") as tmp:
        out = Path(tmp) / "run.json"
        r = subprocess.run([str(exe), "--config", str(config), "--engine", "fast", "--compare", "-q", "--json",
                            str(out), "--set", f"macro.dw_mapping={dw_mapping}"], capture_output=True, text=True,
                           env=dict(os.environ, SYSTEMC_DISABLE_COPYRIGHT_MESSAGE="1"))
        if r.returncode != 0:
            raise TrainError(f"ddcpim_sim failed on {config}: {r.stderr.strip()}")
        j = json.loads(out.read_text())
    return j["ddc"]["macro_cycles"], j["baseline"]["macro_cycles"]


def accuracy(config):
    """(top-1, int8 twin's top-1 or None, images) from the network's accuracy record or its work directory."""
    doc = yaml.safe_load(Path(config).read_text())
    rec = doc.get("accuracy")
    if rec:
        return rec["top1"], rec.get("int8_top1"), rec["images"]
    results = Path(config).parent.parent / "results.json"
    if results.is_file():
        stage = json.loads(results.read_text()).get("stages", {}).get(Path(config).parent.name, {})
        if "top1" in stage:
            return stage["top1"], None, stage.get("test_images")
    raise TrainError(f"{config}: no measured accuracy (ship it, or run the trainer's evaluate stage)")


def describe(config, bin_dir):
    """One row of the table."""
    config = Path(config)
    # A shipped network is named by its directory; one in a trainer's work directory by both.
    work = config.parent.parent
    name = f"{work.name}/{config.parent.name}" if (work / "results.json").is_file() else config.parent.name
    top1, int8_top1, images = accuracy(config)
    weights, cells, paired = storage(config)
    auto, base = cycles(config, bin_dir, "auto")
    toeplitz, _ = cycles(config, bin_dir, "toeplitz")
    family = "efficientnet_b0" if "efficientnet" in load_netspec(config).name else "mobilenetv2"
    leaf = config.parent.name
    paired_run = paired > 0
    sign_flexible = leaf.endswith("_sf")
    leaf = leaf[:-3] if sign_flexible else leaf
    recipe = "none" if not paired_run else ("scratch" if leaf.endswith("scratch") else "finetune")
    recipe += ", sign-flexible" if sign_flexible else ""
    policy = "none" if not paired_run else (leaf.split("fcc", 1)[1].replace("_scratch", "").strip("_") or "all")
    return {"network": name, "family": family, "policy": policy, "recipe": recipe, "top1": top1,
            "int8_top1": int8_top1, "test_images": images, "paired_mac_fraction": round(paired, 4),
            "weights": weights, "cells": cells, "cycles_ddc_auto": auto, "cycles_ddc_toeplitz": toeplitz,
            "cycles_baseline": base, "speedup_auto": round(base / auto, 3), "config": str(config)}


def deployed_cycles(row):
    """A paired network runs on the DDC macro; an unpaired one on whichever macro is faster for it."""
    return row["cycles_ddc_auto"] if row["paired_mac_fraction"] > 0 else min(row["cycles_ddc_auto"],
                                                                           row["cycles_baseline"])


def unique(rows):
    """One row per network: a work directory's export that was shipped is listed once, by its shipped name."""
    out = {}
    for r in sorted(rows, key=lambda r: "/" in r["network"]):
        key = (r["family"], r["policy"], r["recipe"], r["top1"], r["cells"], r["cycles_ddc_auto"])
        out.setdefault(key, r)
    return list(out.values())


def pareto(rows, cost):
    """Rows no other row dominates: at most the cost and at least the accuracy, one of them strictly."""
    front = []
    for r in rows:
        dominated = any(cost(o) <= cost(r) and o["top1"] >= r["top1"] and (cost(o) < cost(r) or o["top1"] > r["top1"])
                        for o in rows if o is not r)
        if not dominated:
            front.append(r)
    return sorted(front, key=cost)


def write_csv(rows, path):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=FIELDS, lineterminator="\n")
        w.writeheader()
        for r in rows:
            w.writerow(r)


def short_label(r):
    """A point's label on the plots: the policy and recipe of a paired network, the width of an unpaired one."""
    if r["paired_mac_fraction"] > 0:
        policy = r["policy"].split("-")[0]
        return f"{policy}, {r['recipe']}"
    name = r["network"]
    for tag, label in (("_half", "w0.5"), ("_w", None)):
        if tag in name:
            return label or "w" + name.split("_w", 1)[1].split("/")[0]
    return "int8 w1.0" + (" (retrained)" if "/" in name else "")


def plot(rows, out_dir):
    """accuracy against cycles and against cells, per network family, Pareto fronts drawn; returns the files.
    The accuracy axis spans the useful range (7 points below the best): a network below it is drawn on its
    floor as a down-pointing marker with its figure."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    files = []
    for axis, cost, label in (("cycles", deployed_cycles, "macro cycles per image (paired: DDC macro, dw_mapping "
                                                          "auto; unpaired: the faster macro)"),
                              ("cells", lambda r: r["cells"], "8-bit weight words stored (a pair: one column)")):
        fig, axes = plt.subplots(1, 2, figsize=(13, 5))
        for ax, family in zip(axes, ("mobilenetv2", "efficientnet_b0")):
            fam = [r for r in rows if r["family"] == family]
            if not fam:
                continue
            best = max(100 * r["top1"] for r in fam)
            floor = best - 7
            for r in fam:
                paired = r["paired_mac_fraction"] > 0
                y = 100 * r["top1"]
                below = y < floor
                ax.scatter(cost(r), max(y, floor), marker=("v" if below else "o") if paired else "s",
                           color="tab:red" if paired else "tab:blue", zorder=3)
                text = short_label(r) + (f" ({y:.1f}%)" if below else "")
                ax.annotate(text, (cost(r), max(y, floor)), fontsize=7, xytext=(4, 3), textcoords="offset points")
            front = pareto(fam, cost)
            ax.plot([cost(r) for r in front], [100 * r["top1"] for r in front], "k--", lw=1, label="Pareto front")
            ax.set_ylim(floor - 0.3, best + 0.6)
            ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v / 1000:.0f}k"))
            ax.set_title(f"{family} (Fashion-MNIST): red paired (DDC), blue unpaired", fontsize=10)
            ax.set_xlabel(label, fontsize=9)
            ax.set_ylabel("top-1 % (ddcpim_ref, 10,000 test images)", fontsize=9)
            ax.grid(alpha=0.3)
            ax.legend(fontsize=8, loc="lower right")
        fig.tight_layout()
        f = out_dir / f"fcc_tradeoff_{axis}.png"
        fig.savefig(f, dpi=110)
        plt.close(fig)
        files.append(f)
    return files


def markdown(rows):
    """The table docs/fcc.md shows: per network family, rows by accuracy, the fronts marked."""
    out = []
    for family in ("mobilenetv2", "efficientnet_b0"):
        fam = [r for r in rows if r["family"] == family]
        if not fam:
            continue
        on = {axis: {r["network"] for r in pareto(fam, cost)}
              for axis, cost in (("cycles", deployed_cycles), ("cells", lambda r: r["cells"]))}
        out += [f"| {family} | policy | recipe | top-1 | paired MACs | weight words | DDC cycles (auto) | "
                "DDC cycles (toeplitz) | baseline cycles | speedup (auto) | front |",
                "|---|---|---|---|---|---|---|---|---|---|---|"]
        for r in sorted(fam, key=lambda r: -r["top1"]):
            front = ", ".join(a for a in ("cycles", "cells") if r["network"] in on[a]) or "-"
            out.append(f"| `{r['network']}` | {r['policy']} | {r['recipe']} | {100 * r['top1']:.2f}% | "
                       f"{100 * r['paired_mac_fraction']:.1f}% | {r['cells']:,} | {r['cycles_ddc_auto']:,} | "
                       f"{r['cycles_ddc_toeplitz']:,} | {r['cycles_baseline']:,} | {r['speedup_auto']:.2f}x | {front} |")
        out.append("")
    return "\n".join(out)
