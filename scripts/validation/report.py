"""The validation's outputs: the table (text or markdown), the JSON and the plots (docs/validation.md)."""
import json
from pathlib import Path

from . import fit


def point(m, result):
    """One row of the comparison: the macro in our terms, the published figures and ours (before calibration)."""
    p = {k: m[k] for k in ("name", "index", "node", "supply_v", "venue", "cell", "rows", "weight_columns",
                           "weight_bits", "input_bits", "clock_mhz", "input_density", "weight_density",
                           "density_assumed", "precision_clamped", "processor", "density_in_summary", "notes",
                           "published_energy_fj", "published_tops_per_mm2", "published_area_mm2", "published_tops_1b",
                           "capacity_kb")}
    p["predicted_energy_fj"] = float(result["energy_per_1b_op_fj"])
    p["predicted_tops_per_mm2"] = float(result["tops_per_mm2_1b"])
    p["predicted_area_mm2"] = float(result["area_mm2"])
    p["predicted_tops_1b"] = float(result["peak_tops_1b"])
    p["max_clock_mhz"] = float(result["max_clock_mhz"])
    p["clock_over_limit"] = m["clock_mhz"] > p["max_clock_mhz"] * (1 + 1e-9)
    p["energy_per_mvm_pj"] = result.get("energy_per_mvm_pj", {})
    return p


def marks(p):
    """Footnote marks of a row: a assumed activity, c clamped precision, p a processor's density, f over f_max."""
    return "".join(c for c, on in (("a", p["density_assumed"]), ("c", p["precision_clamped"]),
                                   ("p", p["processor"]), ("f", p["clock_over_limit"])) if on)


def pct(x):
    return f"{x * 100:+.0f}%"


def table_rows(points):
    for p in points:
        yield [p["name"] + (f" [{marks(p)}]" if marks(p) else ""), p["node"], f"{p['supply_v']:g}",
               f"{p['published_energy_fj']:.3g}", f"{p['predicted_energy_fj']:.3g}", pct(p["energy_error_raw"]),
               pct(p["energy_error"]), f"{p['published_tops_per_mm2']:.4g}", f"{p['predicted_tops_per_mm2']:.4g}",
               pct(p["tops_per_mm2_error_raw"]), pct(p["tops_per_mm2_error"])]


HEADER = ["macro", "node", "V", "E pub fJ", "E ours fJ", "raw", "LOO", "TOPS/mm2 pub", "TOPS/mm2 ours", "raw", "LOO"]


def summary_lines(summary):
    out = []
    for metric, s in summary.items():
        out.append(f"{metric}: {s['points']} points, {s['macros']} macros, nodes {', '.join(s['nodes'])}; "
                   f"median |error| raw {s['raw']['median_abs_error']:.0%}, leave-one-out {s['median_abs_error']:.0%} "
                   f"(target {s['target_median_abs_error']:.0%}: {'met' if s['meets_target'] else 'missed'}); "
                   f"worst raw {s['raw']['worst_abs_error']:.0%} ({s['raw']['worst_macro']}), "
                   f"leave-one-out {s['worst_abs_error']:.0%} ({s['worst_macro']}); with a node trend fitted "
                   f"leave-one-out too: median {s['node_trend']['median_abs_error']:.0%}, worst "
                   f"{s['node_trend']['worst_abs_error']:.0%} ({s['node_trend']['worst_macro']})")
    return out


LEGEND = ("a: activity assumed (50% inputs and weights; none in the dataset); c: precision clamped to 2..8 bits; "
          "p: the published TOPS/mm2 is a processor's, outside the density summary; f: clock above our f_max(V)")


def text(points, summary):
    rows = [HEADER] + list(table_rows(points))
    widths = [max(len(r[i]) for r in rows) for i in range(len(HEADER))]
    lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))) for r in rows]
    return "\n".join(lines + ["", LEGEND] + summary_lines(summary))


def markdown(points, summary):
    head = ["macro", "node", "V", "E_OP1 published (fJ)", "ours (fJ)", "raw", "leave-one-out",
            "TOPS/mm² published", "ours", "raw", "leave-one-out"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(r) + " |" for r in table_rows(points)]
    return "\n".join(lines + ["", LEGEND + ".", ""] + [f"- {s}" for s in summary_lines(summary)])


def terms_markdown(points):
    """The table of each macro in our terms."""
    head = ["macro", "venue", "cell", "node", "supply (V)", "rows", "weight columns x Bw", "Ba", "clock (MHz)",
            "input / weight density", "notes"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for p in points:
        lines.append("| " + " | ".join([
            p["name"], p["venue"], p["cell"], p["node"], f"{p['supply_v']:g}", str(p["rows"]),
            f"{p['weight_columns']} x {p['weight_bits']}", str(p["input_bits"]), f"{p['clock_mhz']:.4g}",
            f"{p['input_density']:.0%} / {p['weight_density']:.0%}" + (" (assumed)" if p["density_assumed"] else ""),
            "; ".join(p["notes"])]) + " |")
    return "\n".join(lines)


def to_json(points, summary, path):
    doc = {"macros": points, "summary": summary,
           "method": {"error": "predicted / published - 1",
                      "leave_one_out": "one factor per metric: geometric mean of published / predicted over the "
                                       "other publications' points",
                      "target_median_abs_error": fit.TARGET_MEDIAN_ABS_ERROR}}
    Path(path).write_text(json.dumps(doc, indent=1) + "\n")


def plots(points, summary, out_dir):
    """validation_energy.png and validation_density.png in out_dir: ours against published, log axes."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    nodes = sorted({p["node"] for p in points}, key=lambda n: int(n[:-2]))
    colours = {n: plt.get_cmap("viridis")(i / max(1, len(nodes) - 1)) for i, n in enumerate(nodes)}
    written = []
    for metric, pub, ours, unit, fname in (
            ("energy", "published_energy_fj", "predicted_energy_fj", "energy per 1-bit op (fJ)", "validation_energy.png"),
            ("tops_per_mm2", "published_tops_per_mm2", "predicted_tops_per_mm2", "1-bit TOPS/mm²",
             "validation_density.png")):
        fig, ax = plt.subplots(figsize=(6.4, 5.6))
        xs = [p[pub] for p in points]
        ys = [p[ours] * (1 + p[f"{metric}_error"]) / (1 + p[f"{metric}_error_raw"]) for p in points]
        raw = [p[ours] for p in points]
        lo, hi = min(xs + ys + raw) / 1.6, max(xs + ys + raw) * 1.6
        ax.plot([lo, hi], [lo, hi], color="black", lw=0.8)
        t = fit.TARGET_MEDIAN_ABS_ERROR
        ax.fill_between([lo, hi], [lo * (1 - t), hi * (1 - t)], [lo * (1 + t), hi * (1 + t)], color="0.9",
                        label=f"±{t:.0%}")
        for p, x, y, r in zip(points, xs, ys, raw):
            counted = fit.METRICS[metric][2](p)
            ax.scatter([x], [r], facecolors="none", edgecolors=colours[p["node"]], s=28, lw=0.8)
            ax.plot([x, x], [r, y], color=colours[p["node"]], lw=0.5, alpha=0.6)
            ax.scatter([x], [y], color=colours[p["node"]], s=34, marker="o" if counted else "x")
            ax.annotate(p["name"], (x, y), fontsize=6, xytext=(3, 2), textcoords="offset points")
        for n in nodes:
            ax.scatter([], [], color=colours[n], label=n)
        ax.scatter([], [], facecolors="none", edgecolors="0.3", label="raw")
        ax.scatter([], [], color="0.3", label="leave-one-out")
        if metric == "tops_per_mm2":
            ax.scatter([], [], color="0.3", marker="x", label="processor (not in summary)")
        s = summary[metric]
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlim(lo, hi)
        ax.set_ylim(lo, hi)
        ax.set_xlabel(f"published {unit}")
        ax.set_ylabel(f"ours {unit}")
        ax.set_title(f"{unit}: median |error| raw {s['raw']['median_abs_error']:.0%}, "
                     f"leave-one-out {s['median_abs_error']:.0%}", fontsize=9)
        ax.legend(fontsize=7, loc="lower right")
        fig.tight_layout()
        fig.savefig(out_dir / fname, dpi=120)
        plt.close(fig)
        written.append(out_dir / fname)
    return written
