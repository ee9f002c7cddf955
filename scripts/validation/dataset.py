"""The published macros (docs/data/validation/dimc_macros.csv) and how each is expressed in our terms.

The CSV keeps the UIUC-IMC-Benchmarking dataset's column names and values (docs/validation.md). Its TOPS, TOPS/W,
TOPS/mm2 and E_OP1 count 1-bit operations: a B_x-bit by B_w-bit MAC is 2 x B_x x B_w of them.

A macro in our terms (docs/validation.md, "Each macro in our terms"):
  rows          N_row, the published array's wordlines (N, the dot-product length, where N_row is not given)
  bit-columns   N_col (Core Size x 1024 / rows where N_col is not given)
  precisions    B_x and B_w clamped to the 2..8 bits our macro supports (marked)
  weight cols   bit-columns / B_w(clamped)
  clock         the published 1-bit throughput of one macro (TOPS_a / N_core) over our macro's 1-bit operations
                per cycle (2 x rows x bit-columns): both do the same work per second on the same array
  supply, node  as published
  densities     50% inputs and weights: the dataset states no activity (marked "assumed")
"""
import csv
import math
from pathlib import Path

from . import ValidationError

DEFAULT_CSV = Path(__file__).resolve().parents[2] / "docs" / "data" / "validation" / "dimc_macros.csv"

# The columns read; the CSV may hold more.
REQUIRED = ["label", "Index", "Tech (nm)", "Cell Type", "Core Size(Kb)", "N_row", "N_col", "Supply V(V)", "B_x",
            "B_w", "N", "T_core(ns)", "E_OP1 (fJ)", "N_core", "TOPS_a", "TOPS/mm2", "Compute Model", "IMC_Processor",
            "Journal/Conference", "Year", "Authors", "Paper Title", "source"]
MIN_BITS, MAX_BITS = 2, 8
ASSUMED_DENSITY = 0.5


def number(row, key, where, optional=False):
    """The float in row[key], or None when optional and blank; else a ValidationError naming the cell."""
    text = (row.get(key) or "").strip()
    if not text:
        if optional:
            return None
        raise ValidationError(f"{where}: column '{key}' is empty")
    try:
        v = float(text)
    except ValueError:
        raise ValidationError(f"{where}: column '{key}': expected a number, got '{text}'") from None
    if not math.isfinite(v) or v <= 0:
        raise ValidationError(f"{where}: column '{key}': expected a positive number, got '{text}'")
    return v


def clamp_bits(b):
    """(bits our macro runs, whether that differs from b)."""
    used = min(MAX_BITS, max(MIN_BITS, int(round(b))))
    return used, used != b


def largest_pow2_divisor(n, cap=64):
    """The largest power of 2 that divides n, at most cap (our segment_rows must divide rows)."""
    p = 1
    while p < cap and n % (2 * p) == 0:
        p *= 2
    return p


def load(path=DEFAULT_CSV):
    """The macros of the CSV at path, as dicts (published figures and our terms); ValidationError on bad input."""
    path = Path(path)
    try:
        with open(path, newline="") as f:
            reader = csv.DictReader(f)
            header = reader.fieldnames or []
            rows = list(reader)
    except OSError as e:
        raise ValidationError(f"{path}: cannot read: {e.strerror}") from None
    except csv.Error as e:
        raise ValidationError(f"{path}: not a CSV file: {e}") from None
    missing = [k for k in REQUIRED if k not in header]
    if missing:
        raise ValidationError(f"{path}: missing column '{missing[0]}'")
    if not rows:
        raise ValidationError(f"{path}: no macros")
    macros = [macro(r, f"{path}:{i + 2}") for i, r in enumerate(rows)]
    labels = [m["name"] for m in macros]
    dup = next((n for n in labels if labels.count(n) > 1), None)
    if dup:
        raise ValidationError(f"{path}: label '{dup}' appears twice")
    return macros


def macro(row, where):
    """One CSV row as a dict: the published figures, then the macro in our terms."""
    name = (row["label"] or "").strip()
    if not name:
        raise ValidationError(f"{where}: column 'label' is empty")
    if (row["Compute Model"] or "").strip() != "DIMC":
        raise ValidationError(f"{where}: Compute Model is '{row['Compute Model']}', expected DIMC")
    m = {
        "name": name,
        "index": int(number(row, "Index", where)),
        "node_nm": number(row, "Tech (nm)", where),
        "cell": row["Cell Type"].strip(),
        "venue": f"{row['Journal/Conference'].strip()} {row['Year'].strip()}",
        "authors": row["Authors"].strip(),
        "title": row["Paper Title"].strip(),
        "supply_v": number(row, "Supply V(V)", where),
        "published_bx": number(row, "B_x", where),
        "published_bw": number(row, "B_w", where),
        "t_core_ns": number(row, "T_core(ns)", where),
        "published_energy_fj": number(row, "E_OP1 (fJ)", where),
        "published_tops_per_mm2": number(row, "TOPS/mm2", where),
        "processor": (row["IMC_Processor"] or "").strip().upper() == "Y",
        "source": row["source"].strip(),
    }
    if m["node_nm"] != int(m["node_nm"]):
        raise ValidationError(f"{where}: column 'Tech (nm)': expected whole nanometres, got {m['node_nm']}")
    m["node"] = f"{int(m['node_nm'])}nm"
    notes = []
    n_core = number(row, "N_core", where)
    m["published_tops_1b"] = number(row, "TOPS_a", where) / n_core  # one macro's 1-bit throughput
    m["published_area_mm2"] = m["published_tops_1b"] / m["published_tops_per_mm2"]
    m["capacity_kb"] = number(row, "Core Size(Kb)", where)  # weight bits the macro stores
    rows = number(row, "N_row", where, optional=True)
    if rows is None:
        rows = number(row, "N", where)
        notes.append("rows = N (N_row not given)")
    cols = number(row, "N_col", where, optional=True)
    if cols is None:
        cols = number(row, "Core Size(Kb)", where) * 1024 / rows
        notes.append("bit-columns = core size / rows (N_col not given)")
    m["rows"], bit_cols = int(rows), int(cols)
    m["input_bits"], bx_clamped = clamp_bits(m["published_bx"])
    m["weight_bits"], bw_clamped = clamp_bits(m["published_bw"])
    if bx_clamped:
        notes.append(f"B_x {m['published_bx']:g} run as {m['input_bits']}")
    if bw_clamped:
        notes.append(f"B_w {m['published_bw']:g} run as {m['weight_bits']}")
    m["precision_clamped"] = bx_clamped or bw_clamped
    m["weight_columns"] = bit_cols // m["weight_bits"]
    if m["weight_columns"] < 1:
        raise ValidationError(f"{where}: {bit_cols} bit-columns hold no {m['weight_bits']}-bit weight")
    if m["weight_columns"] * m["weight_bits"] != bit_cols:
        notes.append(f"{bit_cols} bit-columns run as {m['weight_columns'] * m['weight_bits']}")
    m["bit_columns"] = m["weight_columns"] * m["weight_bits"]
    m["segment_rows"] = largest_pow2_divisor(m["rows"])
    # The same 1-bit operations per second as published: 2 x rows x bit-columns per cycle.
    m["clock_mhz"] = m["published_tops_1b"] * 1e6 / (2 * m["rows"] * m["bit_columns"])
    m["input_density"] = m["weight_density"] = ASSUMED_DENSITY
    m["density_assumed"] = True
    m["density_in_summary"] = not m["processor"]
    if m["processor"]:
        notes.append("TOPS/mm2 is the processor's (IMC_Processor = Y): outside the density summary")
    m["notes"] = notes
    return m


def distinct_macros(macros):
    """The number of distinct publications (Index) among macros."""
    return len({m["index"] for m in macros})
