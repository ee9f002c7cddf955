"""The comparison of real images against random codes, as text or markdown (docs/cost.md)."""

COMPONENTS = ("input lanes", "cell multipliers", "adder trees")


def pct(x):
    return f"{100 * x:.1f}%"


def totals_rows(pairs):
    """One row per network: energy per image and densities on real images and on random codes."""
    for real, sample in pairs:
        change = real["energy_uj_per_image"] / sample["energy_uj_per_image"] - 1
        macro_real = sum(real["by_component"].get(c, 0) for c in COMPONENTS)
        macro_sample = sum(sample["by_component"].get(c, 0) for c in COMPONENTS)
        yield [real["network"], f"{real['energy_uj_per_image']:.2f}", f"{sample['energy_uj_per_image']:.2f}",
               f"{100 * change:+.1f}%", f"{macro_real:.3f}", f"{macro_sample:.3f}",
               f"{100 * (macro_real / macro_sample - 1):+.1f}%" if macro_sample else "-",
               f"{pct(real['input_density_a'])} / {pct(sample['input_density_a'])}",
               f"{pct(real['product_density_q'])} / {pct(sample['product_density_q'])}",
               f"{pct(real['product_density_qbar'])} / {pct(sample['product_density_qbar'])}"]


HEAD = ["network", "uJ/image real", "random codes", "change", "lanes+products+trees real (uJ)", "random codes",
        "change", "input bits 1 (real / random)", "products 1, Q", "products 1, Q-bar"]


def layer_rows(real, sample):
    for a, b in zip(real["layers"], sample["layers"]):
        yield [a["name"], a["kind"], pct(a["input_density_a"]), pct(b["input_density_a"]), pct(a["product_density_q"]),
               pct(b["product_density_q"]), pct(a["product_density_qbar"]), pct(b["product_density_qbar"])]


LAYER_HEAD = ["layer", "kind", "input 1 real", "random", "Q products 1 real", "random", "Q-bar real", "random"]


def render(rows, head, markdown):
    rows = [head] + [list(r) for r in rows]
    if markdown:
        return "\n".join(["| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(head)] +
                         ["| " + " | ".join(r) + " |" for r in rows[1:]])
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    return "\n".join("  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths)))
                     for r in rows)
