"""The HTML page of one run: header and totals, ablation steps, speedup by layer kind, per-layer cycles,
utilisation, energy and area by component, the resolved config (docs/report.md).

One self-contained file: inline CSS, inline SVG (reporting.svg), no script, no font, no URL. Every text
from the JSON is escaped. Charts are drawn from the JSON's figures as they are; the one derived split is
the per-layer bar's macro phase (see CYCLES_HOW).
"""
import os

from .svg import Bar, Group, esc, fmt_int, fmt_num, hbar_chart
from .system import SYSTEM_ROWS, has_system, images, per_image_note, system_value

PARTS = (  # per-layer bar parts: JSON key (None: derived), legend name, colour
    ("compute_cycles", "compute", "#4477AA"),
    ("weight_load_cycles", "weight load", "#EE6677"),
    ("input_load_cycles", "input load", "#CCBB44"),
    ("stall_cycles", "stall", "#AA3377"),
    (None, "other (overhead, idle macros)", "#BBBBBB"),
    ("host_cycles", "host", "#66CCEE"),
)
MODE_COLOURS = {"ddc": "#4477AA", "baseline": "#AAAAAA"}
TAGS = {"ddc": "DDC", "baseline": "base"}
LEGEND_NAMES = {"ddc": "DDC", "baseline": "baseline (base)"}

CYCLES_HOW = (
    "Each bar is one layer; its length is the layer's clock cycles (<code>cycles</code> = macro phase "
    "<code>macro_cycles</code> + host phase <code>host_cycles</code>). The macro phase is split by the "
    "breakdown columns, which the JSON sums over the macros: compute, weight load, input load and stall, "
    "each divided by the number of macros (M = {m}), and <em>other</em> = <code>macro_cycles</code> minus "
    "their sum / M, the command and pipeline overhead and idle macros that no column counts. Hover over a "
    "part for its exact figure.")

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: #222;
       margin: 0; background: #fafafa; }
main { max-width: 1160px; margin: 0 auto; padding: 16px 24px 48px; background: #fff; }
h1 { font-size: 24px; margin: 8px 0 4px; }
h2 { font-size: 19px; margin: 32px 0 6px; padding-top: 8px; border-top: 1px solid #ddd; }
h3 { font-size: 15px; margin: 18px 0 4px; }
p.sub { color: #555; margin: 0 0 12px; }
p.how { color: #444; font-size: 13.5px; max-width: 1000px; margin: 4px 0 10px; }
p.note { color: #8a4b00; font-size: 13.5px; }
table { border-collapse: collapse; font-size: 13.5px; margin: 6px 0 10px; }
th, td { border: 1px solid #ddd; padding: 3px 9px; text-align: right; }
th { background: #f2f2f2; }
td.k, th.k { text-align: left; }
td.diff { font-weight: 700; }
.ok { color: #1a7f37; font-weight: 600; }
.bad { color: #b00020; font-weight: 700; }
.plain { color: #555; }
.headline { font-size: 16px; margin: 8px 0; }
nav ul { columns: 3; font-size: 13.5px; padding-left: 18px; margin: 6px 0; }
pre { background: #f6f6f6; border: 1px solid #ddd; padding: 10px; font-size: 12px; overflow-x: auto; }
.chart-wrap { overflow-x: auto; }
svg.chart { display: block; font-family: inherit; }
code { font-size: 12.5px; background: #f3f3f3; padding: 0 3px; }
footer { color: #777; font-size: 12px; margin-top: 32px; }
"""


def mode_legend(results):
    return [(LEGEND_NAMES.get(label, label), MODE_COLOURS.get(label, "#4477AA")) for label, _ in results]


def tag(label):
    return TAGS.get(label, label)


def verified_html(r, engine, short=False):
    v = r.get("verified")
    if v is True:
        return '<span class="ok">' + ("yes" if short else "verified: bit-exact against the reference engine") + "</span>"
    if v is False:
        m = r.get("mismatch")
        detail = f": {esc(m if isinstance(m, str) else str(m))}" if m and not short else ""
        return f'<span class="bad">{"MISMATCH" if short else "verification failed"}{detail}</span>'
    if short:
        return '<span class="plain">not checked</span>'
    why = "the fast engine cannot verify" if engine == "fast" else "run without --verify"
    return f'<span class="plain">not verified ({esc(why)})</span>'


def verified_line(results, engine):
    """One sentence on the verification of every result shown."""
    states = {label: r.get("verified") for label, r in results}
    if len(set(map(str, states.values()))) == 1:
        return verified_html(results[0][1], engine) + (" (every mode)" if len(results) > 1 else "")
    return "; ".join(f"{esc(label)}: {verified_html(r, engine)}" for label, r in results)


def num_or_dash(r, key, fmt):
    v = r.get(key)
    return fmt(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else "-"


TOTAL_ROWS = (
    ("cycles, total", "total_cycles", fmt_int),
    ("cycles, macro phases", "macro_cycles", fmt_int),
    ("cycles, host phases", "host_cycles", fmt_int),
    ("time (us)", "time_us", lambda v: fmt_num(v, 4)),
    ("MACs", "macs", fmt_int),
    ("effective TOPS", "effective_tops", fmt_num),
    ("energy (uJ)", "energy_uj", lambda v: fmt_num(v, 4)),
    ("TOPS/W on the network", "tops_per_w", fmt_num),
    ("area (mm²)", "area_mm2", lambda v: fmt_num(v, 4)),
    ("peak TOPS", "peak_tops", fmt_num),
    ("TOPS/mm²", "tops_per_mm2", fmt_num),
    ("weight capacity (Kb)", "weight_capacity_kb", fmt_num),
)


# Which totals cover the whole run and which the first image, when a run streams several images.
WHOLE_RUN = ("total_cycles", "time_us", "energy_uj", "tops_per_w", "effective_tops")
FIRST_IMAGE = ("macro_cycles", "host_cycles")


def totals_table(results, engine):
    head = "".join(f"<th>{esc(label)}</th>" for label, _ in results)
    rows = []
    n = max(images(r) for _, r in results)
    for name, key, fmt in TOTAL_ROWS:
        if not any(key in r for _, r in results):
            continue
        if n > 1 and key in WHOLE_RUN:
            name = f"{name}, all {n} images"
        elif n > 1 and key in FIRST_IMAGE:
            name = f"{name}, first image"
        cells = "".join(f"<td>{num_or_dash(r, key, fmt)}</td>" for _, r in results)
        rows.append(f'<tr><td class="k">{esc(name)}</td>{cells}</tr>')
    tech = "".join(f"<td>{esc(r.get('technology') or 'none')}</td>" for _, r in results)
    rows.append(f'<tr><td class="k">technology</td>{tech}</tr>')
    ver = "".join(f"<td>{verified_html(r, engine, short=True)}</td>" for _, r in results)
    rows.append(f'<tr><td class="k">verified</td>{ver}</tr>')
    return f'<table><tr><th class="k">total</th>{head}</tr>\n' + "\n".join(rows) + "</table>"


def system_section(results):
    """Images, throughput, latency, traffic, placement, knee and busy macros, one column per mode."""
    head = "".join(f"<th>{esc(label)}</th>" for label, _ in results)
    rows = []
    for name, key, kind in SYSTEM_ROWS:
        vals = [system_value(r, key, kind) for _, r in results]
        if all(v is None for v in vals):
            continue
        rows.append(f'<tr><td class="k">{esc(name)}</td>' + "".join(f"<td>{esc(v or '-')}</td>" for v in vals)
                    + "</tr>")
    how = ('<p class="how">The run as a system (docs/host.md section 8, the JSON\'s <code>run</code>): images '
           'streamed back to back, throughput measured over the run and its steady-state bound (the busiest '
           'resource), the first image\'s latency, weights read from the off-chip memory per image, energy per '
           'image with that traffic, how the MAC layers were placed, how many macros would hold every tile '
           'resident, and how busy the macros were.</p>')
    note = per_image_note(results)
    return how + (f'<p class="note">{esc(note)}</p>' if note else "") + \
        f'<table><tr><th class="k">system</th>{head}</tr>\n' + "\n".join(rows) + "</table>"


def value_text(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return "null"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def params_table(results):
    keys = []
    for _, r in results:
        for k in r.get("macro", {}):
            if k not in keys:
                keys.append(k)
    head = "".join(f"<th>{esc(label)}</th>" for label, _ in results)
    rows = []
    for k in keys:
        vals = [value_text(r["macro"].get(k, "-")) for _, r in results]
        cls = ' class="diff"' if len(set(vals)) > 1 else ""
        cells = "".join(f"<td{cls}>{esc(v)}</td>" for v in vals)
        rows.append(f'<tr><td class="k">macro.{esc(k)}</td>{cells}</tr>')
    for _, r in results[:1]:
        for k, v in (r.get("host") or {}).items():
            rows.append(f'<tr><td class="k">host.{esc(k)}</td>' +
                        "".join(f"<td>{esc(value_text((rr.get('host') or {}).get(k, '-')))}</td>" for _, rr in results)
                        + "</tr>")
    return f'<table><tr><th class="k">parameter</th>{head}</tr>\n' + "\n".join(rows) + "</table>"


def layer_parts(layer, macros, n_images=1):
    """[(value, colour, title)] of one layer's bar: the breakdown / M, other, host (see CYCLES_HOW)."""
    m = max(int(macros), 1)
    per_macro = {key: layer[key] / m / n_images for key, _, _ in PARTS[:4]}
    other = layer["macro_cycles"] - sum(per_macro.values())
    over = other < -1e-9
    parts = []
    for key, name, colour in PARTS:
        if key is None:
            value = max(other, 0.0)
            title = (f"{layer['name']}: other {fmt_num(value, 4)} cycles "
                     f"(macro_cycles {fmt_int(layer['macro_cycles'])} minus the breakdown / {m})")
        elif key == "host_cycles":
            value = layer[key]
            title = f"{layer['name']}: host {fmt_int(value)} cycles"
        else:
            value = per_macro[key]
            title = f"{layer['name']}: {name} {fmt_int(layer[key])} cycles" + \
                    (f" summed over {m} macros ({fmt_num(value, 4)} per macro)" if m > 1 else "")
        parts.append((value, colour, title))
    return parts, over


def cycles_chart(run):
    results = run.focus
    first = results[0][1]
    by_name = [{l["name"]: l for l in r["layers"]} for _, r in results]
    groups, overlaps, slower = [], [], []
    compare = len(results) > 1
    for layer in first["layers"]:
        g = Group(layer["name"], sublabel=layer["kind"])
        for i, (label, r) in enumerate(results):
            l = by_name[i].get(layer["name"])
            if l is None:
                continue
            parts, over = layer_parts(l, r["macro"].get("macros", 1), images(r))
            if over:
                overlaps.append(f"{l['name']} ({label})")
            text, fill = fmt_int(l["cycles"]), "#333"
            if compare and i == 0 and "baseline" in dict(results) and l["cycles"] > 0 and l["macro_cycles"] > 0:
                b = by_name[1].get(layer["name"])
                if b is not None:
                    s = b["cycles"] / l["cycles"]
                    text += f"  ·  {s:.2f}x"
                    if s < 1:
                        fill = "#b00020"
                        slower.append(l["name"])
            g.bars.append(Bar(parts, tag=tag(label) if compare else "", text=text, text_fill=fill))
        groups.append(g)
    legend = [(name, colour) for _, name, colour in PARTS]
    svg = hbar_chart(groups, axis_label="cycles per layer", legend=legend, tag_width=40 if compare else 0,
                     aria="per-layer cycles", bar_h=11 if compare else 13)
    macros = sorted({str(r["macro"].get("macros", 1)) for _, r in results})
    how = CYCLES_HOW.format(m=esc(", ".join(macros)))
    if compare:
        how += (" Two bars per layer: DDC above, the baseline (<code>base</code>) below; the figure after the DDC "
                "bar is the layer's speedup, baseline / DDC cycles (layers with a macro phase).")
    extra = ""
    if slower:
        extra += (f'<p class="note">DDC is slower than the baseline in {len(slower)} layer(s) (speedup in red): '
                  f'{esc(", ".join(slower))}.</p>')
    if overlaps:
        extra += (f'<p class="note">In {len(overlaps)} layer(s) the breakdown / M exceeds the macro phase, so their '
                 f'bars run past the layer\'s cycles: {esc(", ".join(overlaps[:10]))}'
                 f'{" ..." if len(overlaps) > 10 else ""}.</p>')
    return f'<p class="how">{how}</p>{extra}<div class="chart-wrap">{svg}</div>'


def speedup_chart(run):
    sp = run.speedup
    base = {}
    for l in run.result("baseline")["layers"]:
        base[l["kind"]] = base.get(l["kind"], 0) + l["cycles"]
    total_base = sum(base.values()) or 1
    kinds = sorted(sp["by_kind"], key=lambda k: (-base.get(k, 0), k))
    groups = [Group("total", bars=[
        Bar([(sp["total"], "#228833", f"total speedup {sp['total']:.3f}x")], tag="total", text=f"{sp['total']:.2f}x"),
        Bar([(sp["macro"], "#4477AA", f"macro speedup {sp['macro']:.3f}x")] if sp.get("macro") is not None else [],
            tag="macro", text=f"{sp['macro']:.2f}x" if sp.get("macro") is not None else "-")],
        sublabel="all layers")]
    for k in kinds:
        v = sp["by_kind"][k] or {}
        t, m = v.get("total"), v.get("macro")
        share = f"{100 * base.get(k, 0) / total_base:.1f}% of base"
        groups.append(Group(k, sublabel=share, bars=[
            Bar([(t, "#228833", f"{k}: total speedup {t:.3f}x")] if t is not None else [], tag="total",
                text=f"{t:.2f}x" if t is not None else "-"),
            Bar([(m, "#4477AA", f"{k}: macro speedup {m:.3f}x")] if m is not None else [], tag="macro",
                text=f"{m:.2f}x" if m is not None else "host only")]))
    svg = hbar_chart(groups, axis_label="speedup, baseline cycles / DDC cycles", aria="speedup by layer kind",
                     legend=[("total (macro + host phases)", "#228833"), ("macro phases only", "#4477AA")],
                     tag_width=44, ref_line=1.0, ref_label="1.0x", tick_fmt=lambda v: f"{v:g}x",
                     xmax=1.05 * max([1.0] + [p[0] for g in groups for b in g.bars for p in b.parts]))
    how = ("Per layer kind, the baseline's cycles over DDC's, summed over the kind's layers (<code>speedup.by_kind"
           "</code>): right of the dashed 1.0x line DDC is faster. Kinds are ordered by their share of the "
           "baseline's cycles (grey). Host-only kinds have no macro phase and run the same in both modes.")
    return f'<p class="how">{how}</p><div class="chart-wrap">{svg}</div>'


def utilisation_chart(run):
    results = run.focus
    compare = len(results) > 1
    by_name = [{l["name"]: l for l in r["layers"]} for _, r in results]
    groups = []
    for layer in results[0][1]["layers"]:
        if not any(bn.get(layer["name"], {}).get("mvms", 0) for bn in by_name):
            continue
        g = Group(layer["name"], sublabel=layer["kind"])
        for i, (label, r) in enumerate(results):
            l = by_name[i].get(layer["name"])
            if l is None:
                continue
            u = 100 * l["utilization"]
            g.bars.append(Bar([(u, MODE_COLOURS.get(label, "#4477AA"), f"{l['name']} ({label}): utilisation {u:.2f}%")],
                              tag=tag(label) if compare else "", text=f"{u:.1f}%"))
        groups.append(g)
    if not groups:
        return '<p class="how">No layer runs on the macro.</p>'
    legend = mode_legend(results) if compare else []
    svg = hbar_chart(groups, axis_label="utilisation (% of the array's MAC slots)", legend=legend, aria="utilisation",
                     tag_width=40 if compare else 0, bar_h=9 if compare else 11, group_gap=5,
                     tick_fmt=lambda v: f"{v:g}%")
    how = ("Per layer on the macro: MACs / (MVMs x rows x weight columns x 2 with Q-bar): the share of the "
           "array's multiply slots that hold a real product. The axis ends at the largest value, not at 100%. "
           "Host-only layers (activations, adds, pooling) use no array and are left out.")
    return f'<p class="how">{how}</p><div class="chart-wrap">{svg}</div>'


def component_chart(results, key, unit, what, digits=4):
    present = [(label, r) for label, r in results if isinstance(r.get(key), dict)]
    if not present:
        return (f'<p class="note">No {esc(what)} figures: this run had no technology file (a config\'s '
                f'<code>technology:</code>, docs/cost.md), so ddcpim_sim reported cycles only.</p>')
    compare = len(present) > 1
    comps = []
    for _, r in present:
        for c in r[key]:
            if c not in comps:
                comps.append(c)
    groups = []
    for c in comps:
        g = Group(c)
        for label, r in present:
            total = sum(r[key].values()) or 1
            v = r[key].get(c, 0.0)
            g.bars.append(Bar([(v, MODE_COLOURS.get(label, "#4477AA"), f"{c} ({label}): {fmt_num(v, 5)} {unit}")],
                              tag=tag(label) if compare else "",
                              text=f"{fmt_num(v, 3)} {unit} ({100 * v / total:.0f}%)"))
        groups.append(g)
    legend = mode_legend(present) if compare else []
    svg = hbar_chart(groups, axis_label=f"{what} ({unit})", legend=legend, aria=f"{what} by component",
                     tag_width=40 if compare else 0, value_width=150)
    tot_key = "energy_uj" if key.startswith("energy") else "area_mm2"
    totals = ", ".join(f"{esc(label)} {fmt_num(r.get(tot_key) or sum(r[key].values()), 4)} {unit}"
                       for label, r in present)
    return f'<p class="plain">Total: {totals}.</p><div class="chart-wrap">{svg}</div>'


def ablation_section(run):
    rows = []
    for s, (_, r) in zip(run.steps, run.results):
        e = r.get("energy_uj")
        rows.append("<tr>" + f'<td class="k">{esc(s["step"])}</td>'
                    + f"<td>{fmt_int(r['total_cycles'])}</td><td>{fmt_int(r['macro_cycles'])}</td>"
                    + f"<td>{fmt_int(r['host_cycles'])}</td>"
                    + f"<td>{s['speedup']:.2f}x</td><td>{s['step_speedup']:.2f}x</td><td>{s['macro_speedup']:.2f}x</td>"
                    + f"<td>{fmt_num(e, 4) if isinstance(e, (int, float)) else '-'}</td>"
                    + f'<td class="k">{esc(s.get("layers_changed") or "-")}</td></tr>')
    table = ('<table><tr><th class="k">step</th><th>cycles</th><th>macro</th><th>host</th><th>speedup</th>'
             '<th>over the step before</th><th>macro speedup</th><th>energy (uJ)</th><th class="k">layers changed</th>'
             "</tr>\n" + "\n".join(rows) + "</table>")
    groups = []
    for s, (_, r) in zip(run.steps, run.results):
        groups.append(Group(str(s["step"]), bars=[Bar(
            [(r["macro_cycles"], "#4477AA", f"{s['step']}: macro phases {fmt_int(r['macro_cycles'])} cycles"),
             (r["host_cycles"], "#66CCEE", f"{s['step']}: host phases {fmt_int(r['host_cycles'])} cycles")],
            text=f"{fmt_int(r['total_cycles'])}  ·  {s['speedup']:.2f}x")]))
    svg = hbar_chart(groups, axis_label="cycles, whole network", aria="ablation steps", bar_h=16,
                     legend=[("macro phases", "#4477AA"), ("host phases", "#66CCEE")], value_width=150)
    how = ("The DDC mechanisms added one at a time, from the baseline down to the configured DDC macro "
           "(<code>--ablate</code>). Bar length = the network's cycles, split into macro and host phases; the figure "
           "after it is the speedup over the baseline. The charts below show the last step.")
    return f'<p class="how">{how}</p>{table}<div class="chart-wrap">{svg}</div>'


def render(run, title=None):
    """The whole page as a string."""
    focus = run.focus
    first = focus[0][1]
    title = title or f"ddcpim run report: {run.network} ({run.mode})"
    mode_text = run.mode
    if run.kind == "ablate":
        mode_text += f" ({len(run.results)} steps)"
    sections = []
    nav = []

    def section(ident, heading, body):
        nav.append(f'<li><a href="#{ident}">{esc(heading)}</a></li>')
        sections.append(f'<section id="{ident}"><h2>{esc(heading)}</h2>\n{body}\n</section>')

    head = [f'<h1>{esc(title)}</h1>',
            f'<p class="sub">network <b>{esc(run.network)}</b> · mode <b>{esc(mode_text)}</b> · engine '
            f'<b>{esc(run.engine)}</b> · {len(first["layers"])} layers · '
            f'{images(first)} image{"s" if images(first) > 1 else ""} on {first["macro"].get("macros", 1)} '
            f'macro{"s" if first["macro"].get("macros", 1) != 1 else ""} · from <code>{esc(os.path.basename(run.path))}'
            f'</code></p>',
            f'<p class="headline">{verified_line(focus, run.engine)}</p>']
    if run.kind == "ablate":
        head.append('<p class="headline">The totals and the layer charts show the last step, '
                    f'<b>{esc(focus[0][0])}</b> '
                    "(the configured DDC macro).</p>")
    if run.kind == "compare":
        sp = run.speedup
        m = f", <b>{sp['macro']:.2f}x</b> counting the macro phases only" if sp.get("macro") is not None else ""
        head.append(f'<p class="headline">Speedup, baseline cycles / DDC cycles: <b>{sp["total"]:.2f}x</b> '
                    f'in total{m}; the network: <b>{esc(run.accuracy)}</b>.</p>')
    else:
        head.append(f'<p class="headline">The network: <b>{esc(run.accuracy)}</b>.</p>')
    head.append('<div style="display:flex;gap:32px;flex-wrap:wrap;align-items:flex-start"><div><h3>Totals</h3>'
                + totals_table(focus, run.engine) + "</div><div><h3>Macro parameters</h3>" + params_table(focus)
                + ("<p class=\"plain\">Bold: the modes differ.</p>" if len(focus) > 1 else "") + "</div></div>")

    if run.kind == "ablate":
        section("ablation", "Ablation: the mechanisms one at a time", ablation_section(run))
    if run.kind == "compare":
        section("speedup", "Speedup by layer kind", speedup_chart(run))
    if has_system(focus):
        section("system", "The system: images, macros, throughput", system_section(focus))
    section("cycles", "Cycles per layer", cycles_chart(run))
    section("utilisation", "Utilisation per layer", utilisation_chart(run))
    section("energy", "Energy by component",
            '<p class="how">The run\'s energy split by where it is spent (<code>energy_uj_by_component</code>, summed '
            'over layers; docs/cost.md). Each bar\'s figure is its share of its mode\'s total.</p>'
            + component_chart(focus, "energy_uj_by_component", "uJ", "energy"))
    section("area", "Area by component",
            '<p class="how">The macros\' area split by block (<code>area_mm2_by_component</code>, all macros; '
            'docs/cost.md). The figures are the technology file\'s estimates.</p>'
            + component_chart(focus, "area_mm2_by_component", "mm²", "area"))
    cfg = run.config
    section("config", "Resolved config",
            f"<pre>{esc(cfg)}</pre>" if cfg else
            '<p class="note">This JSON has no "config" field (written by an older ddcpim_sim).</p>')

    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{esc(title)}</title>\n"
            f"<style>{CSS}</style>\n</head>\n<body>\n<main>\n" + "\n".join(head)
            + f'\n<nav><ul>{"".join(nav)}</ul></nav>\n' + "\n".join(sections)
            + f"\n<footer>Written by scripts/report from {esc(run.path)}. See docs/report.md.</footer>\n"
            "</main>\n</body>\n</html>\n")
