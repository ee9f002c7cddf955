"""Two runs compared: what differs in the config, the totals and speedups, and every layer's cycles and
energy, matched by name (docs/report.md, "diff_runs").

Modes are matched by label: a compare run's `ddc` and `baseline`, a one-mode run's mode, an ablation's
steps. Two one-mode runs of different modes (a DDC run against a --baseline run) are compared with each
other. `diff_runs` returns a plain dict (the --json output); `format_text` prints it.
"""
from .configdiff import config_diff
from .system import images, macros, numbers
from .load import is_number

TOTALS = (  # label, key, integer?
    ("cycles, total", "total_cycles", True),
    ("cycles, macro", "macro_cycles", True),
    ("cycles, host", "host_cycles", True),
    ("time (us)", "time_us", False),
    ("MACs", "macs", True),
    ("energy (uJ)", "energy_uj", False),
    ("area (mm2)", "area_mm2", False),
)
LAYER_FIELDS = ("cycles", "macro_cycles", "host_cycles", "energy_uj")


def change(a, b):
    """{a, b, change, rel}: change = b - a and rel = change / a where both are numbers (rel None at a = 0)."""
    a = a if is_number(a) else None
    b = b if is_number(b) else None
    d = b - a if a is not None and b is not None else None
    rel = d / a if d is not None and a != 0 else (0.0 if d == 0 else None)
    return {"a": a, "b": b, "change": d, "rel": rel}


def differs(c):
    return c["a"] != c["b"]


def run_info(run):
    first = run.results[0][1]
    return {"path": run.path, "network": run.network, "mode": run.mode, "engine": run.engine,
            "modes": [label for label, _ in run.results], "images": images(first), "macros": macros(first)}


def pair_modes(ra, rb):
    la, lb = [l for l, _ in ra.results], [l for l, _ in rb.results]
    common = [l for l in la if l in lb]
    if common:
        return [(l, ra.result(l), rb.result(l)) for l in common], [l for l in la if l not in lb], \
               [l for l in lb if l not in la]
    if len(la) == 1 and len(lb) == 1:
        return [(f"{la[0]} -> {lb[0]}", ra.results[0][1], rb.results[0][1])], [], []
    return [], la, lb


def diff_layers(a, b):
    names_a = [l["name"] for l in a["layers"]]
    names_b = [l["name"] for l in b["layers"]]
    by_b = {l["name"]: l for l in b["layers"]}
    changed, unchanged = [], 0
    for la in a["layers"]:
        lb = by_b.get(la["name"])
        if lb is None:
            continue
        entry = {"name": la["name"], "kind": la["kind"] if la["kind"] == lb["kind"] else f"{la['kind']} -> {lb['kind']}"}
        for f in LAYER_FIELDS:
            entry[f] = change(la.get(f), lb.get(f))
        if any(differs(entry[f]) for f in LAYER_FIELDS) or la["kind"] != lb["kind"]:
            changed.append(entry)
        else:
            unchanged += 1
    order = {n: i for i, n in enumerate(names_a)}
    changed.sort(key=lambda e: (-abs(e["cycles"]["change"] or 0), -abs(e["energy_uj"]["change"] or 0), order[e["name"]]))
    set_a, set_b = set(names_a), set(names_b)
    return {"in_both": len(set_a & set_b), "changed": changed, "unchanged": unchanged,
            "only_in_a": [n for n in names_a if n not in set_b], "only_in_b": [n for n in names_b if n not in set_a]}


def diff_speedup(sa, sb):
    if not sa and not sb:
        return None
    sa, sb = sa or {}, sb or {}
    out = {"total": change(sa.get("total"), sb.get("total")), "macro": change(sa.get("macro"), sb.get("macro")),
           "by_kind": {}}
    ka, kb = sa.get("by_kind") or {}, sb.get("by_kind") or {}
    for k in list(ka) + [k for k in kb if k not in ka]:
        va, vb = ka.get(k) or {}, kb.get(k) or {}
        out["by_kind"][k] = {"total": change(va.get("total"), vb.get("total")),
                             "macro": change(va.get("macro"), vb.get("macro"))}
    return out


def diff_runs(ra, rb):
    """The differences of two Runs as a plain dict (see the module's docstring)."""
    cfg = config_diff(ra.config, rb.config)
    pairs, only_a, only_b = pair_modes(ra, rb)
    modes = []
    for label, a, b in pairs:
        m = {"mode": label, "totals": {key: change(a.get(key), b.get(key)) for _, key, _ in TOTALS}}
        sa, sb = numbers(a), numbers(b)
        m["system"] = {k: change(sa.get(k), sb.get(k)) for k in dict.fromkeys(list(sa) + list(sb))}
        m.update(diff_layers(a, b))
        modes.append(m)
    return {"a": run_info(ra), "b": run_info(rb),
            "config": None if cfg is None else [{"key": k, "a": va, "b": vb} for k, va, vb in cfg],
            "modes": modes, "modes_only_in_a": only_a, "modes_only_in_b": only_b,
            "speedup": diff_speedup(ra.speedup, rb.speedup),
            "accuracy": {"a": ra.accuracy, "b": rb.accuracy, "top1": change(ra.top1, rb.top1)}}


# --- text -------------------------------------------------------------------------------------------------

def fmt_value(v, integer):
    if v is None:
        return "-"
    if integer and float(v).is_integer():
        return f"{int(v):,}"
    return f"{v:.6g}" if abs(v) < 1e6 else f"{v:,.0f}"


def fmt_change(d, integer):
    if d is None:
        return "-"
    if d == 0:
        return "0"
    return ("+" if d > 0 else "-") + fmt_value(abs(d), integer)


def fmt_rel(r):
    return "-" if r is None else f"{100 * r:+.1f}%"


def fmt_x(v):
    return "-" if v is None else f"{v:.3f}x"


def table(rows, left=1, indent="  "):
    """Lines of a table: columns as wide as their widest cell, the first `left` columns left-aligned."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    def cell(i, c, w):
        return c.ljust(w) if i < left else c.rjust(w)
    return [indent + "  ".join(cell(i, c, w) for i, (c, w) in enumerate(zip(r, widths))).rstrip() for r in rows]


def names(lst, limit=30):
    if not lst:
        return "-"
    return ", ".join(lst[:limit]) + (f", ... ({len(lst) - limit} more)" if len(lst) > limit else "")


def format_text(d, top=20):
    lines = []
    for side in ("a", "b"):
        i = d[side]
        lines.append(f"{side.upper()}: {i['path']}: {i['network']}, {i['mode']}, {i['engine']} engine, "
                     f"{i['images']} image{'s' if i['images'] > 1 else ''} on {i['macros']} "
                     f"macro{'s' if i['macros'] != 1 else ''}")
    cfg = d["config"]
    if cfg is None:
        lines.append("config: not compared (a run JSON without a readable \"config\")")
    elif not cfg:
        lines.append("config: identical")
    else:
        lines.append(f"config: {len(cfg)} key{'s' if len(cfg) != 1 else ''} differ{'s' if len(cfg) == 1 else ''}: "
                     + "; ".join(f"{c['key']}: {c['a']} -> {c['b']}" for c in cfg[:3])
                     + (f"; ... ({len(cfg) - 3} more below)" if len(cfg) > 3 else ""))
        if len(cfg) > 3:
            shown = cfg[:max(top, 3) * 3]
            for c in shown:
                lines.append(f"  {c['key']}: {c['a']} -> {c['b']}")
            if len(cfg) > len(shown):
                lines.append(f"  ... and {len(cfg) - len(shown)} more (--json lists them all)")
    if d["modes_only_in_a"] or d["modes_only_in_b"]:
        lines.append(f"modes only in A: {names(d['modes_only_in_a'])}; only in B: {names(d['modes_only_in_b'])}")
    if not d["modes"]:
        lines.append("no mode in common: nothing else to compare")
    for m in d["modes"]:
        lines.append("")
        lines.append(f"[{m['mode']}] totals")
        rows = [["", "A", "B", "change", "rel"]]
        for label, key, integer in TOTALS:
            c = m["totals"][key]
            if c["a"] is None and c["b"] is None:
                continue
            rows.append([label, fmt_value(c["a"], integer), fmt_value(c["b"], integer),
                         fmt_change(c["change"], integer), fmt_rel(c["rel"])])
        lines += table(rows)
        if (d["a"]["images"] > 1 or d["b"]["images"] > 1 or d["a"]["macros"] > 1 or d["b"]["macros"] > 1) \
                and m["system"]:
            lines.append(f"[{m['mode']}] system (above: cycles, time and energy of the whole run, macro and host "
                         "phases of the first image; here: per image)")
            rows = [["", "A", "B", "change", "rel"]]
            for label, c in m["system"].items():
                integer = label in ("images", "first image latency (cycles)",
                                    "macros to hold every tile resident (knee)")
                rows.append([label, fmt_value(c["a"], integer), fmt_value(c["b"], integer),
                             fmt_change(c["change"], integer), fmt_rel(c["rel"])])
            lines += table(rows)
        n = len(m["changed"])
        lines.append(f"[{m['mode']}] layers: {m['in_both']} in both runs, {n} changed, {m['unchanged']} unchanged; "
                     f"only in A: {names(m['only_in_a'])}; only in B: {names(m['only_in_b'])}")
        if n:
            shown = m["changed"][:top]
            lines.append(f"  largest changes in cycles first ({len(shown)} of {n}; --top):")
            rows = [["layer", "kind", "cycles A", "cycles B", "change", "rel", "energy A", "energy B", "change", "rel"]]
            for e in shown:
                c, en = e["cycles"], e["energy_uj"]
                rows.append([e["name"], e["kind"], fmt_value(c["a"], True), fmt_value(c["b"], True),
                             fmt_change(c["change"], True), fmt_rel(c["rel"]), fmt_value(en["a"], False),
                             fmt_value(en["b"], False), fmt_change(en["change"], False), fmt_rel(en["rel"])])
            lines += table(rows, left=2, indent="    ")
            if n > len(shown):
                lines.append(f"    ... {n - len(shown)} more changed layers (--top {n} shows all)")
            lines.append("    (energy in uJ; rel = change / A)")
    acc = d["accuracy"]
    lines.append("")
    if acc["a"] == acc["b"]:
        lines.append(f"accuracy: {acc['a']} (both)")
    else:
        t = acc["top1"]
        pts = f" ({100 * t['change']:+.2f} points)" if t["change"] is not None else ""
        lines.append(f"accuracy: A {acc['a']}; B {acc['b']}{pts}")
    sp = d["speedup"]
    if sp:
        lines.append("")
        lines.append("speedup, baseline / DDC cycles")
        rows = [["", "A", "B", "change", "rel"]]
        same = []
        for label, c, always in [("total", sp["total"], True), ("macro", sp["macro"], True)] + \
                [(f"{k}{suffix}", v[part], False) for k, v in sp["by_kind"].items()
                 for part, suffix in (("total", ""), ("macro", ", macro"))]:
            if c["a"] is None and c["b"] is None:
                continue
            if not always and not differs(c):
                same.append(label)
                continue
            ch = "-" if c["change"] is None else ("0" if c["change"] == 0 else f"{c['change']:+.3f}x")
            rows.append([label, fmt_x(c["a"]), fmt_x(c["b"]), ch, fmt_rel(c["rel"])])
        lines += table(rows)
        kinds_same = [k for k in sp["by_kind"] if k in same and (f"{k}, macro" in same or
                      (sp["by_kind"][k]["macro"]["a"] is None and sp["by_kind"][k]["macro"]["b"] is None))]
        if kinds_same:
            lines.append(f"  unchanged by kind: {', '.join(kinds_same)}")
    return "\n".join(lines) + "\n"
