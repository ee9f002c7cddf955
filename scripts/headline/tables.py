"""The headline tables as README.md shows them: markdown rows from the runs' JSON."""
from .runs import NETWORKS, run

# The paper's total speedups over its PIM baseline (Duan et al., TCAD 2024), quoted beside ours.
PAPER = {"MobileNetV2": "2.84x", "EfficientNet-B0": "2.69x"}
# The sensitivity rows: a change from the default macro, as --set overrides.
SENSITIVITY = (("none", ()),
               ("`input_bus_bits: 512`", ("macro.input_bus_bits=512",)),
               ("`write_rows_per_cycle: 8`", ("macro.write_rows_per_cycle=8",)),
               ("both", ("macro.input_bus_bits=512", "macro.write_rows_per_cycle=8")),
               ("`dw_mapping: auto`", ("macro.dw_mapping=auto",)))
# The ablation's steps (ddcpim_sim --ablate) as the table labels them.
STEPS = {"baseline": "baseline",
         "+ Q-bar": "+ Q-bar (`complementary`: pointwise, conv, fc pairs)",
         "+ dual broadcast": "+ dual broadcast (depthwise pairs, diagonal)",
         "+ toeplitz mapping": "+ toeplitz mapping (DDC)"}
KIND_ORDER = ("pointwise", "conv", "fc", "depthwise")


def x(v):
    return f"{v:.2f}x"


def kind_macro(speedup, kind):
    return speedup["by_kind"][kind]["macro"]


def speedups(bin_dir):
    rows = ["| network | DDC cycles (macro / total) | baseline cycles (macro / total) | speedup, macro | "
            "speedup, total | depthwise | pointwise | fc | paper |",
            "|---|---|---|---|---|---|---|---|---|"]
    for name, config in NETWORKS:
        j = run(bin_dir, config, "compare")
        d, b, s = j["ddc"], j["baseline"], j["speedup"]
        rows.append(f"| {name} | {d['macro_cycles']:,} / {d['total_cycles']:,} | "
                    f"{b['macro_cycles']:,} / {b['total_cycles']:,} | **{x(s['macro'])}** | {x(s['total'])} | "
                    + " | ".join(x(kind_macro(s, k)) for k in ("depthwise", "pointwise", "fc"))
                    + f" | {PAPER[name]} |")
    return rows


def sensitivity(bin_dir):
    rows = ["| change from the default | MobileNetV2 | depthwise | EfficientNet-B0 | depthwise |",
            "|---|---|---|---|---|"]
    for label, sets in SENSITIVITY:
        cells = []
        for _, config in NETWORKS:
            s = run(bin_dir, config, "compare", sets)["speedup"]
            cells += [x(s["macro"]), x(kind_macro(s, "depthwise"))]
        rows.append(f"| {label} | " + " | ".join(cells) + " |")
    return rows


def ablation(bin_dir):
    runs = [run(bin_dir, config, "ablate")["steps"] for _, config in NETWORKS]
    rows = ["| step | MobileNetV2 | | EfficientNet-B0 | | layers the step changes |", "|---|---|---|---|---|---|"]
    for i, first in enumerate(runs[0]):
        cells = []
        kinds = set()
        for steps in runs:
            s = steps[i]
            ratio = x(s["speedup"]) + (f" ({x(s['step_speedup'])})" if i >= 2 else "")
            cells += [f"{s['result']['total_cycles']:,}", ratio]
            kinds |= {part.split()[0] for part in s["layers_changed"].split(", ") if part}
        changed = ", ".join(k for k in KIND_ORDER if k in kinds)
        rows.append(f"| {STEPS.get(first['step'], first['step'])} | " + " | ".join(cells) + " | "
                    + (f"{changed} |" if changed else "|"))
    return rows


def cost(bin_dir):
    j = run(bin_dir, NETWORKS[0][1], "compare")
    d, b = j["ddc"], j["baseline"]
    trees = d["area_mm2_by_component"]["adder trees"] / d["area_mm2"]

    def energy(r, offchip_label):
        e = r["energy_uj"]
        off = r["energy_uj_by_component"]["off-chip weights"]
        return f"{e:,.0f} uJ ({off:,.0f} {offchip_label}), {r['tops_per_w']:.2f}"

    def density(r):
        return f"{r['weight_density_kb_per_mm2']:,.0f} ({r['array_weight_density_kb_per_mm2']:,.0f}) Kb/mm²"

    return ["| | DDC | baseline |", "|---|---|---|",
            f"| area, one macro | {d['area_mm2']:.3f} mm² (adder trees {trees:.0%}) | {b['area_mm2']:.3f} mm² |",
            f"| peak, 8-bit | {d['peak_tops']:.2f} TOPS, {d['tops_per_mm2']:.2f} TOPS/mm² | "
            f"{b['peak_tops']:.2f} TOPS, {b['tops_per_mm2']:.2f} TOPS/mm² |",
            f"| MobileNetV2 energy, TOPS/W | {energy(d, 'off-chip weights')} | {energy(b, 'off-chip')} |",
            f"| weight density, macro (cell array) | {density(d)} | {density(b)} |"]


TABLES = {"speedups": speedups, "sensitivity": sensitivity, "ablation": ablation, "cost": cost}
