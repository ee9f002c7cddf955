"""`sweep system`: what doubled capacity buys at the system level, from a sweep over the number of macros
(configs/sweeps/system.yaml: static placement, a stream of images, DDC against the baseline).

For each network of the results CSV, one PNG of four panels against the macros M (log scale):
steady-state throughput (measured, and dotted the bound of the busiest resource), the first image's latency, the off-chip weight traffic per image and the energy
per image, one line per design (the baseline, and DDC for each depthwise mapping swept), with each
design's knee marked: the fewest macros that hold every tile resident. A markdown summary gives the knees
and the figures at a few M.
"""
import collections
import os

from .plot import num, plots_possible, read_csv
from .spec import SweepError

PANELS = (("images_per_second", "images / s", 1.0),
          ("first_image_cycles", "first image latency (ms)", None),
          ("offchip_bits_per_image", "off-chip weights per image (Mb)", 1e-6),
          ("energy_per_image_uj", "energy per image (uJ)", 1.0))


PANELS_KEYS = PANELS + (("macros_to_resident", "", None),)


def residency_title(data):
    """The placement the plot shows: one residency if the rows agree, else each line says its own."""
    found = {r.get("system.residency") for ds in data.values() for pts in ds.values() for _, r in pts}
    if len(found) == 1 and None not in found:
        return f"{found.pop()} placement"
    return "placement as each line says" if len(found) > 1 else "the configs' placement"


def designs(path):
    """{network: {design: [(M, row), ...] sorted by M}} of a compare sweep over macro.macros."""
    if not os.path.isfile(path):
        raise SweepError(f"{path}: no such results file")
    header, rows = read_csv(path)
    need = {"network", "mode", "macro.macros", "images_per_second", "first_image_cycles",
            "offchip_bits_per_image", "macros_to_resident"}
    if not header or not need <= set(header):
        raise SweepError(f"{path}: expected a results CSV of a sweep over macro.macros with the system columns "
                         f"({', '.join(sorted(need))}); run configs/sweeps/system.yaml")
    ok = [r for r in rows if r.get("status") == "ok" and num(r["macro.macros"]) is not None]
    # Every swept key but the macros names a line of its own: rows that differ in one are other designs,
    # never points of one line. The baseline maps depthwise diagonally whatever dw_mapping says: its rows
    # that differ only there are the same design, and must agree.
    swept = [k for k in header if "." in k and k != "macro.macros" and len({r.get(k) for r in ok}) > 1]
    out = collections.defaultdict(lambda: collections.defaultdict(dict))
    for r in ok:
        base = r["mode"] == "baseline"
        parts = []
        for k in swept:
            if k == "macro.dw_mapping":
                if not base:
                    parts.append(f"{r[k]} depthwise")
            else:
                parts.append(f"{k}={r[k]}")
        design = ("baseline" if base else "DDC") + (", " + ", ".join(parts) if parts else "")
        net = os.path.basename(r["network"]).rsplit(".", 1)[0]
        m = int(num(r["macro.macros"]))
        seen = out[net][design].get(m)
        if seen is not None and any(seen.get(k) != r.get(k) for k, _, _ in PANELS_KEYS):
            raise SweepError(f"{path}: two rows of {net}, {design}, {m} macros differ in their figures but in no "
                             "swept key this plot tells apart; sweep one network and design per line, or plot "
                             "with `sweep plot`")
        out[net][design][m] = r
    return {net: {d: sorted(v.items()) for d, v in ds.items()} for net, ds in out.items()}


def value(row, key, scale, clock_mhz=None):
    v = num(row.get(key))
    if v is None:
        return None
    if key == "first_image_cycles":
        return v / (float(row.get("macro.clock_mhz") or clock_mhz or 200) * 1e3)
    return v * scale


def plots(data, out_dir, dpi):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    files = []
    for net, ds in sorted(data.items()):
        fig, axes = plt.subplots(2, 2, figsize=(10, 7))
        for ax, (key, label, scale) in zip(axes.flat, PANELS):
            for k, (design, pts) in enumerate(sorted(ds.items())):
                xs = [m for m, r in pts if value(r, key, scale) is not None]
                ys = [value(r, key, scale) for m, r in pts if value(r, key, scale) is not None]
                line, = ax.plot(xs, ys, marker="o", ms=3, label=design)
                if key == "images_per_second":  # the busiest resource's bound, dotted
                    bx = [m for m, r in pts if num(r.get("bound_images_per_second"))]
                    ax.plot(bx, [num(r["bound_images_per_second"]) for m, r in pts
                                 if num(r.get("bound_images_per_second"))], ls=":", color=line.get_color(), lw=1)
                knee = num(pts[-1][1].get("macros_to_resident"))
                if knee:
                    ax.axvline(knee, color=line.get_color(), ls="--", lw=0.8)
            ax.set_xscale("log", base=2)
            if key != "offchip_bits_per_image":
                ax.set_yscale("log")
            ax.set_xlabel("macros M")
            ax.set_ylabel(label)
            ax.grid(True, which="both", lw=0.3)
        axes.flat[0].legend(fontsize=8)
        fig.suptitle(f"{net}: {residency_title({net: ds})}, a stream of images\n(images/s: measured, dotted the steady-state "
                     f"bound of the busiest resource; dashed: every tile resident)", fontsize=10)
        fig.tight_layout()
        path = os.path.join(out_dir, f"system_{net}.png")
        fig.savefig(path, dpi=dpi)
        plt.close(fig)
        files.append(path)
    return files


def report(data, at=(1, 64, 512)):
    lines = []
    for net, ds in sorted(data.items()):
        lines.append(f"### {net}\n")
        lines.append("| design | macros to hold it resident | " +
                     " | ".join(f"images/s at M={m}" for m in at) + " | " +
                     " | ".join(f"off-chip Mb/image at M={m}" for m in at) + " |")
        lines.append("|---|---|" + "---|" * (2 * len(at)))
        for design, pts in sorted(ds.items()):
            by_m = dict(pts)
            knee = pts[-1][1].get("macros_to_resident", "")
            ips = [f"{num(by_m[m]['images_per_second']):.1f}" if m in by_m else "-" for m in at]
            mb = [f"{num(by_m[m]['offchip_bits_per_image']) / 1e6:.1f}" if m in by_m else "-" for m in at]
            lines.append(f"| {design} | {knee} | " + " | ".join(ips) + " | " + " | ".join(mb) + " |")
        lines.append("")
    return "\n".join(lines)


def cmd_system(args):
    data = designs(args.csv)
    if not data:
        raise SweepError(f"{args.csv}: no finished points")
    plots_possible("system", args.out_dir)
    files = plots(data, args.out_dir, args.dpi)
    print(report(data))
    for f in files:
        print(f"wrote {f}")
    return 0
