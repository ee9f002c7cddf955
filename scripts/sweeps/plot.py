"""`plot`: PNGs of a results CSV (docs/sweeps.md, "plot"), per network: speedup and cycles against the
swept macro shape, energy stacked by layer kind and by component (from the sidecars), and area efficiency
against latency with the Pareto front. Reads only the CSV files, whichever engine wrote them; matplotlib
is imported here only, so the other subcommands do not need it.
"""
import csv
import math
from pathlib import Path

from .notes import note
from .results import sidecar
from .spec import SweepError


def plots_possible(command, out_dir):
    """Checks that matplotlib is there and makes `out_dir`, or raises SweepError."""
    import os
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise SweepError(f"{command} needs matplotlib: apt-get install python3-matplotlib")
    try:
        os.makedirs(out_dir, exist_ok=True)
    except OSError as e:
        raise SweepError(f"--out-dir: cannot create '{out_dir}': {e.strerror}")


def read_csv(path):
    with open(path, newline="") as f:
        r = csv.reader(f)
        header = next(r, None)
        return header, [dict(zip(header, row)) for row in r if row]


def num(s):
    try:
        v = float(s)
        return v if math.isfinite(v) else None
    except (TypeError, ValueError):
        return None


def sort_key(v):
    n = num(v)
    return (0, n, "") if n is not None else (1, 0.0, v)


def short_names(keys):
    """Parameter keys shortened to their last part where that stays unambiguous."""
    last = [k.rsplit(".", 1)[-1] for k in keys]
    return {k: (s if last.count(s) == 1 else k) for k, s in zip(keys, last)}


def cmd_plot(args):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise SweepError("plot needs matplotlib: apt-get install python3-matplotlib")
    if not Path(args.csv).is_file():
        raise SweepError(f"{args.csv}: no such results file")
    header, rows = read_csv(args.csv)
    if not header or "total_cycles" not in header or header[:2] != ["network", "mode"]:
        raise SweepError(f"{args.csv}: not a results file of scripts/sweep (expected columns network, mode, ...)")
    params = header[2:header.index("total_cycles")]
    rows = [r for r in rows if r.get("status") in ("ok", "mismatch")]
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    plt.rcParams.update({"font.size": 8, "figure.dpi": args.dpi})

    def save(fig, name):
        p = out / name
        fig.tight_layout()
        fig.savefig(p)
        plt.close(fig)
        written.append(p)

    networks = sorted({r["network"] for r in rows})
    for net in networks:
        nrows = [r for r in rows if r["network"] == net]
        stem = Path(net).stem
        varying = [k for k in params if len({r[k] for r in nrows}) > 1]
        short = short_names(varying)
        xs = [k for k in ("macro.rows", "macro.weight_columns") if k in varying]
        if not xs:
            xs = [k for k in varying if all(num(r[k]) is not None for r in nrows)]

        # speedup and cycles against one parameter, one line per value of the others
        for x in xs:
            others = [k for k in varying if k != x]
            groups = sorted({tuple(r[k] for k in others) for r in nrows}, key=lambda t: [sort_key(v) for v in t])
            has_speedup = any(num(r["speedup"]) for r in nrows)
            fig, axes = plt.subplots(1, 2 if has_speedup else 1, figsize=(10 if has_speedup else 5.5, 3.8),
                                     squeeze=False)
            ax_s, ax_c = (axes[0][0], axes[0][1]) if has_speedup else (None, axes[0][0])
            colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
            xvals = sorted({num(r[x]) for r in nrows if num(r[x]) is not None})
            for gi, g in enumerate(groups):
                label = ", ".join(f"{short[k]}={v}" for k, v in zip(others, g)) or stem
                color = colors[gi % len(colors)]
                grows = [r for r in nrows if tuple(r[k] for k in others) == g and num(r[x]) is not None]
                for mode, style in (("ddc", "-"), ("baseline", "--")):
                    pts = sorted((num(r[x]), num(r["total_cycles"])) for r in grows if r["mode"] == mode
                                 and num(r["total_cycles"]) is not None)
                    if pts:
                        ax_c.plot(*zip(*pts), style, marker="o", ms=3, color=color,
                                  label=label if mode == "ddc" or not any(r["mode"] == "ddc" for r in grows) else None)
                if ax_s is not None:
                    pts = sorted((num(r[x]), num(r["speedup"])) for r in grows if r["mode"] == "ddc"
                                 and num(r["speedup"]) is not None)
                    if pts:
                        ax_s.plot(*zip(*pts), "-", marker="o", ms=3, color=color, label=label)
            for ax in [a for a in (ax_s, ax_c) if a is not None]:
                if xvals and min(xvals) > 0 and max(xvals) / min(xvals) >= 4:
                    ax.set_xscale("log", base=2)
                ax.set_xticks(xvals)
                ax.set_xticklabels([f"{v:g}" for v in xvals])
                ax.minorticks_off()
                ax.set_xlabel(x)
                ax.grid(alpha=0.3)
            ax_c.set_ylabel("total cycles (solid DDC, dashed baseline)")
            ax_c.set_title(f"{stem}: cycles")
            ax_c.legend(fontsize=6)
            if ax_s is not None:
                ax_s.axhline(1.0, color="gray", lw=0.8)
                ax_s.set_ylabel("speedup (baseline cycles / DDC cycles)")
                ax_s.set_title(f"{stem}: DDC speedup over the baseline")
            save(fig, f"{stem}_vs_{x.replace('.', '_')}.png")

        # energy: per layer kind from the layers sidecar, else per component from the components sidecar
        def point_label(r):
            return "\n".join(f"{short[k]}={r[k]}" for k in varying) or stem

        def stacked(name, title, parts_of, ylabel):
            labels = []
            seen = set()
            for r in sorted(nrows, key=lambda r: [sort_key(r[k]) for k in varying]):
                lab = point_label(r)
                if lab not in seen:
                    seen.add(lab)
                    labels.append((lab, tuple(r[k] for k in params)))
            modes = [m for m in ("ddc", "baseline") if any(r["mode"] == m for r in nrows)]
            data = {(pk, m): parts_of(pk, m) for _, pk in labels for m in modes}
            if not any(data.values()):
                return False
            parts = sorted({c for d in data.values() for c in d})
            width = 0.8 / len(modes)
            fig, ax = plt.subplots(figsize=(max(5.5, 0.9 * len(labels) * len(modes) + 2.5), 4))
            cmap = plt.get_cmap("tab20")
            hatches = {"ddc": "", "baseline": "//"}
            for mi, m in enumerate(modes):
                bottom = [0.0] * len(labels)
                xpos = [i + (mi - (len(modes) - 1) / 2) * width for i in range(len(labels))]
                for ci, c in enumerate(parts):
                    vals = [data[(pk, m)].get(c, 0.0) for _, pk in labels]
                    ax.bar(xpos, vals, width * 0.95, bottom=bottom, color=cmap(ci % 20), hatch=hatches[m],
                           edgecolor="white", lw=0.3, label=c if mi == 0 else None)
                    bottom = [b + v for b, v in zip(bottom, vals)]
            ax.set_xticks(range(len(labels)))
            ax.set_xticklabels([lab for lab, _ in labels], fontsize=6)
            ax.set_ylabel(ylabel)
            ax.set_title(title + ("" if len(modes) < 2 else "  (left bar DDC, right bar hatched baseline)"))
            ax.legend(fontsize=6, ncol=1, bbox_to_anchor=(1.01, 1), loc="upper left")
            save(fig, name)
            return True

        lpath, cpath = sidecar(args.csv, "layers"), sidecar(args.csv, "components")
        made_kind = made_comp = False
        if lpath.is_file():
            _, lrows = read_csv(lpath)
            by_kind = {}
            for r in lrows:
                e = num(r.get("energy_uj"))
                if r.get("network") == net and e is not None:
                    d = by_kind.setdefault((tuple(r[k] for k in params), r["mode"]), {})
                    d[r["kind"]] = d.get(r["kind"], 0.0) + e
            made_kind = stacked(f"{stem}_energy_by_kind.png", f"{stem}: energy per layer kind",
                                lambda pk, m: by_kind.get((pk, m), {}), "energy (uJ)")
        if cpath.is_file():
            _, crows = read_csv(cpath)
            by_comp = {}
            for r in crows:
                v = num(r.get("value"))
                if r.get("network") == net and r.get("quantity") == "energy_uj" and r.get("layer") == "" \
                        and v is not None:
                    d = by_comp.setdefault((tuple(r[k] for k in params), r["mode"]), {})
                    d[r["component"]] = d.get(r["component"], 0.0) + v
            made_comp = stacked(f"{stem}_energy_by_component.png", f"{stem}: energy per component",
                                lambda pk, m: by_comp.get((pk, m), {}), "energy (uJ)")
        if not made_kind and not made_comp:
            note(f"{stem}: no per-layer or per-component energy in {args.csv}'s sidecars: no energy plot")

        # area efficiency against latency, with the Pareto front (less time, more TOPS/mm2)
        pts = [(num(r["time_us"]), num(r["tops_per_mm2"]), r) for r in nrows
               if num(r["time_us"]) is not None and num(r["tops_per_mm2"]) is not None]
        if not pts:
            note(f"{stem}: no tops_per_mm2 in {args.csv}: no Pareto plot")
            continue
        front = [p for p in pts if not any(q[0] <= p[0] and q[1] >= p[1] and (q[0] < p[0] or q[1] > p[1])
                                           for q in pts)]
        front.sort(key=lambda p: p[0])
        fig, ax = plt.subplots(figsize=(6.5, 4.5))
        for mode, marker, color in (("ddc", "o", "tab:blue"), ("baseline", "s", "tab:orange")):
            mp = [p for p in pts if p[2]["mode"] == mode]
            if mp:
                ax.scatter([p[0] for p in mp], [p[1] for p in mp], marker=marker, s=18, color=color,
                           alpha=0.8, label="DDC" if mode == "ddc" else "baseline")
        ax.step([p[0] for p in front], [p[1] for p in front], where="post", color="black", lw=1,
                label="Pareto front")
        ax.scatter([p[0] for p in front], [p[1] for p in front], s=70, facecolors="none",
                   edgecolors="black", lw=0.8)
        for t, e, r in front:
            ax.annotate(", ".join(f"{short[k]}={r[k]}" for k in varying), (t, e), fontsize=5,
                        xytext=(3, 3), textcoords="offset points")
        times = [p[0] for p in pts]
        logx = min(times) > 0 and max(times) / min(times) > 10
        if logx:
            ax.set_xscale("log")
        ax.set_xlabel("latency: time_us (us" + ("; log scale)" if logx else ")"))
        ax.set_ylabel("area efficiency: tops_per_mm2 (peak TOPS/mm2)")
        ax.set_title(f"{stem}: area efficiency against latency")
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=7)
        save(fig, f"{stem}_pareto.png")

    if not written:
        note(f"{args.csv}: nothing to plot (no finished rows, or no parameter varies)")
        return 1
    for p in written:
        print(p)
    return 0
