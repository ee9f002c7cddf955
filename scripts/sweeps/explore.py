"""`sweep explore`: what a large design-space sweep says, as plots and a summary.

For each network of a results CSV (a `compare` sweep, as configs/sweeps/explore.yaml):
  - Pareto fronts, DDC against the baseline: area against latency, and energy per
    inference against latency (each point is one macro configuration; the front is the
    set no other point beats on both axes);
  - the DDC speedup against the macro size (rows x weight columns): the best, median and
    worst over the other parameters, which shows where doubled capacity pays most;
  - a markdown summary: front sizes, how many points of the joint front are DDC's, and
    the configuration of the largest speedup.
"""
import collections
import math

from .plot import num, plots_possible, read_csv
from .spec import SweepError


def pareto(points):
    """The points no other point beats on both coordinates (smaller is better), sorted by x."""
    front, best_y = [], math.inf
    for p in sorted(points, key=lambda p: (p[0], p[1])):
        if p[1] < best_y:
            front.append(p)
            best_y = p[1]
    return front


def _rows_of(path):
    import os
    if not os.path.isfile(path):
        raise SweepError(f"{path}: no such results file")
    header, rows = read_csv(path)
    need = {"network", "mode", "time_us", "area_mm2", "energy_uj", "speedup", "macro_speedup"}
    if not header or not need <= set(header):
        raise SweepError(f"{path}: expected a results CSV of a compare sweep with area and energy "
                         f"(columns {', '.join(sorted(need))})")
    params = header[2:header.index("total_cycles")]
    rows = [r for r in rows if r.get("status") == "ok" and num(r["time_us"]) is not None]
    return params, rows


def size_value(row, key):
    v = num(row.get(key))
    return int(v) if v is not None else "as configured"


def summarise(path):
    """Per network: the fronts and the speedup by macro size (plain data, for the plots and the text)."""
    params, rows = _rows_of(path)
    out = {}
    for net in dict.fromkeys(r["network"] for r in rows):
        mine = [r for r in rows if r["network"] == net]
        by_mode = {m: [r for r in mine if r["mode"] == m] for m in ("ddc", "baseline")}
        if not by_mode["ddc"] or not by_mode["baseline"]:
            raise SweepError(f"{path}: {net} has no ddc or no baseline rows (sweep it with modes: [compare])")
        s = {"params": params, "modes": by_mode, "fronts": {}}
        for axis in ("area_mm2", "energy_uj"):
            for m, rs in by_mode.items():
                s["fronts"][(axis, m)] = pareto([(num(r["time_us"]), num(r[axis]), r) for r in rs
                                                 if num(r[axis]) is not None])
            joint = pareto([(num(r["time_us"]), num(r[axis]), r) for r in mine if num(r[axis]) is not None])
            s["fronts"][(axis, "joint")] = joint
        # The macro size of a point: its swept rows and columns; a key the sweep did not vary is not a column,
        # and its points are all of the configs' size ("as configured").
        size = collections.defaultdict(list)
        for r in by_mode["ddc"]:
            size[(size_value(r, "macro.rows"), size_value(r, "macro.weight_columns"))].append(r)
        s["by_size"] = dict(sorted(size.items(), key=lambda kv: tuple(str(x).zfill(12) for x in kv[0])))
        s["best"] = max(by_mode["ddc"], key=lambda r: num(r["macro_speedup"]))
        out[net] = s
    return out


def _stem(net):
    return net.rsplit("/", 1)[-1].rsplit(".", 1)[0]


def plots(summary, out_dir, dpi=110):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    colours = {"ddc": "tab:blue", "baseline": "tab:orange"}
    files = []
    for net, s in summary.items():
        for axis, label in (("area_mm2", "area (mm$^2$, all macros)"), ("energy_uj", "energy per inference (uJ)")):
            fig, ax = plt.subplots(figsize=(7, 4.6))
            for m in ("baseline", "ddc"):
                rs = s["modes"][m]
                ax.scatter([num(r["time_us"]) / 1e3 for r in rs], [num(r[axis]) for r in rs], s=6, alpha=0.25,
                           color=colours[m], label=f"{m}: {len(rs)} macros")
                f = s["fronts"][(axis, m)]
                ax.step([p[0] / 1e3 for p in f], [p[1] for p in f], where="post", color=colours[m], linewidth=2,
                        label=f"{m} Pareto front ({len(f)} points)")
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_xlabel("latency of one inference (ms)")
            ax.set_ylabel(label)
            ax.set_title(f"{_stem(net)}: {label.split(' (')[0]} against latency, lower-left is better")
            ax.legend(fontsize=8)
            ax.grid(True, which="both", alpha=0.3)
            name = f"{out_dir}/explore_{_stem(net)}_pareto_{axis.split('_')[0]}.png"
            fig.tight_layout()
            fig.savefig(name, dpi=dpi)
            plt.close(fig)
            files.append(name)
    fig, axes = plt.subplots(1, len(summary), figsize=(6.2 * len(summary), 4.4), squeeze=False)
    for ax, (net, s) in zip(axes[0], summary.items()):
        labels = [f"{r}x{c}" for r, c in s["by_size"]]
        vals = [sorted(num(x["macro_speedup"]) for x in v) for v in s["by_size"].values()]
        xs = range(len(vals))
        ax.fill_between(xs, [v[0] for v in vals], [v[-1] for v in vals], alpha=0.2, color="tab:blue",
                        label="range over segment_rows, bus, write rate, macros")
        ax.plot(xs, [v[len(v) // 2] for v in vals], "o-", color="tab:blue", label="median")
        ax.plot(xs, [v[-1] for v in vals], "^:", color="tab:green", label="best")
        ax.axhline(1.0, color="grey", linewidth=0.8)
        ax.set_xticks(list(xs))
        ax.set_xticklabels(labels, rotation=45)
        ax.set_xlabel("macro size, rows x weight columns")
        ax.set_ylabel("DDC speedup, macro phases (baseline / DDC)")
        ax.set_title(f"{_stem(net)}: where DDC's speedup is largest")
        ax.legend(fontsize=8)
        ax.grid(True, alpha=0.3)
    fig.tight_layout()
    name = f"{out_dir}/explore_speedup_by_macro_size.png"
    fig.savefig(name, dpi=dpi)
    plt.close(fig)
    files.append(name)
    return files


def report(summary):
    """The markdown summary printed by `sweep explore`."""
    keys = ["macro.rows", "macro.weight_columns", "macro.segment_rows", "macro.input_bus_bits",
            "macro.write_rows_per_cycle", "macro.macros"]
    lines = ["| network | front | DDC points | baseline points | DDC share of the joint front |", "|---|---|---|---|---|"]
    for net, s in summary.items():
        for axis, what in (("area_mm2", "area x latency"), ("energy_uj", "energy x latency")):
            joint = s["fronts"][(axis, "joint")]
            ddc = sum(1 for p in joint if p[2]["mode"] == "ddc")
            lines.append(f"| {_stem(net)} | {what} | {len(s['fronts'][(axis, 'ddc')])} | "
                         f"{len(s['fronts'][(axis, 'baseline')])} | {ddc} of {len(joint)} |")
    lines += ["", "| network | largest macro speedup | total | at " + ", ".join(k.split('.')[1] for k in keys) + " |",
              "|---|---|---|---|"]
    for net, s in summary.items():
        b = s["best"]
        lines.append(f"| {_stem(net)} | {num(b['macro_speedup']):.2f}x | {num(b['speedup']):.2f}x | "
                     + ", ".join(b.get(k, "?") for k in keys) + " |")
    lines += ["", "| network | rows x columns | best | median | worst |", "|---|---|---|---|---|"]
    for net, s in summary.items():
        for (r, c), v in s["by_size"].items():
            x = sorted(num(e["macro_speedup"]) for e in v)
            lines.append(f"| {_stem(net)} | {r} x {c} | {x[-1]:.2f}x | {x[len(x) // 2]:.2f}x | {x[0]:.2f}x |")
    return "\n".join(lines)


def cmd_explore(args):
    summary = summarise(args.csv)
    plots_possible("explore", args.out_dir)
    files = plots(summary, args.out_dir, args.dpi)
    print(report(summary))
    for f in files:
        print(f"wrote {f}")
    return 0
