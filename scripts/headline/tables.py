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


def cost_detail(bin_dir):
    """docs/cost.md's table: the default macro as DDC, DDC with shared trees and the baseline, MobileNetV2."""
    j = run(bin_dir, NETWORKS[0][1], "compare")
    shared = run(bin_dir, NETWORKS[0][1], "ddc", ("macro.tree_sharing=true",))
    d, b = j["ddc"], j["baseline"]
    cols = (d, shared, b)

    def share(r, part, of):
        return r[part] / r[of]

    def trees_area(r):
        return r["area_mm2_by_component"]["adder trees"]

    def energy_part(r, name):
        return r["energy_uj_by_component"][name]

    def row(label, cells):
        return f"| {label} | " + " | ".join(cells) + " |"

    speed = [f"{r['macro_cycles']:,}, {b['macro_cycles'] / r['macro_cycles']:.2f}x" for r in (d, shared)]
    return ["| | DDC | DDC, `tree_sharing: true` | baseline |", "|---|---|---|---|",
            row("area (1 macro)", [f"{r['area_mm2']:.3f} mm²" for r in cols]),
            row("of which adder trees", [f"{trees_area(d):.3f} mm² ({trees_area(d) / d['area_mm2']:.0%})",
                                         f"{trees_area(shared):.3f} mm²", f"{trees_area(b):.3f} mm²"]),
            row("peak TOPS (8-bit)", [f"{r['peak_tops']:.3f}" for r in cols]),
            row("TOPS/mm² (8-bit)", [f"{r['tops_per_mm2']:.2f}" for r in cols]),
            row("macro cycles, speedup over the baseline", speed + [f"{b['macro_cycles']:,}"]),
            row("energy on MobileNetV2 (one image, one macro, weights streamed)", [f"{r['energy_uj']:,.0f} uJ" for r in cols]),
            row("of which off-chip weight reads",
                [f"{energy_part(d, 'off-chip weights'):,.0f} uJ ({energy_part(d, 'off-chip weights') / d['energy_uj']:.0%})",
                 f"{energy_part(shared, 'off-chip weights'):,.0f} uJ",
                 f"{energy_part(b, 'off-chip weights'):,.0f} uJ ({energy_part(b, 'off-chip weights') / b['energy_uj']:.0%})"]),
            row("of which adder trees",
                [f"{energy_part(d, 'adder trees'):,.0f} uJ ({energy_part(d, 'adder trees') / d['energy_uj']:.0%})",
                 f"{energy_part(shared, 'adder trees'):,.0f} uJ",
                 f"{energy_part(b, 'adder trees'):,.0f} uJ ({energy_part(b, 'adder trees') / b['energy_uj']:.0%})"]),
            row("TOPS/W on MobileNetV2 (8-bit)", [f"{r['tops_per_w']:.2f}" for r in cols]),
            row("weight capacity", [f"{r['weight_capacity_kb']:,.0f} Kb" for r in cols]),
            row("weight density, macro / cell array",
                [f"{r['weight_density_kb_per_mm2']:,.0f} / {r['array_weight_density_kb_per_mm2']:,.0f} Kb/mm²" for r in cols])]


# The system table: static placement (the default throughput rule), 8 images, at these macro counts.
SYSTEM_MACROS = (1, 64, 512, 2048)
SYSTEM_DESIGNS = (("baseline", "baseline", "toeplitz"), ("DDC toeplitz", "ddc", "toeplitz"),
                  ("DDC diagonal", "ddc", "diagonal"))


def system(bin_dir):
    """What doubled capacity buys at the system level: one column per network and design."""
    runs = {}  # (network, design, M) -> the run's JSON
    for name, config in NETWORKS:
        for mapping in ("toeplitz", "diagonal"):
            for m in SYSTEM_MACROS:
                j = run(bin_dir, config, "compare", (f"macro.dw_mapping={mapping}", f"macro.macros={m}",
                                                     "system.residency=static", "system.images=8"))
                for design, mode, design_mapping in SYSTEM_DESIGNS:
                    if design_mapping == mapping:
                        runs[(name, design, m)] = j[mode]
    columns = [(name, design) for name, _ in NETWORKS for design, _, _ in SYSTEM_DESIGNS]

    def row(label, value, text, best):
        cells = []
        for name, _ in NETWORKS:
            values = [value(name, design) for design, _, _ in SYSTEM_DESIGNS]
            top = best(values)
            cells += [f"**{text(v)}**" if v == top and values.count(top) == 1 else text(v) for v in values]
        return f"| {label} | " + " | ".join(cells) + " |"

    def at(m, key):
        return lambda name, design: runs[(name, design, m)]["run"][key]

    def mb(bits):
        return "0" if bits == 0 else f"{bits / 1e6:.1f} Mb"

    def bound(m):
        return lambda name, design: (runs[(name, design, m)]["run"]["images_per_second"],
                                     runs[(name, design, m)]["run"]["bound_images_per_second"])

    header = "| | " + " | | | ".join(name for name, _ in NETWORKS) + " | | |"
    return [header, "|" + "---|" * (1 + len(columns)),
            "| | " + " | ".join(design for _, design in columns) + " |",
            row("macros to hold every tile resident (the knee)", at(1, "macros_to_resident"), lambda v: f"{v:,}", min),
            row("off-chip weights per image, M = 1", at(1, "offchip_bits_per_image"), mb, min),
            row("images/s, M = 64", at(64, "images_per_second"), lambda v: f"{v:.1f}", max),
            row("images/s, M = 512 (steady-state bound)", bound(512), lambda v: f"{v[0]:.1f} ({v[1]:.0f})", max),
            row("images/s, M = 2,048", at(2048, "images_per_second"), lambda v: f"{v:.1f}", max),
            row("off-chip weights per image, M = 512", at(512, "offchip_bits_per_image"), mb, min),
            row("energy per image, M = 64; M = 512",
                lambda name, design: (runs[(name, design, 64)]["run"]["energy_per_image_uj"],
                                      runs[(name, design, 512)]["run"]["energy_per_image_uj"]),
                lambda v: f"{v[0] / 1e3:.1f}; {v[1] / 1e3:.1f} mJ", min)]


TABLES = {"speedups": speedups, "sensitivity": sensitivity, "ablation": ablation, "cost": cost, "cost-detail": cost_detail,
          "system": system}
