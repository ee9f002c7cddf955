"""The system around the macros in a run (docs/host.md section 8), for the report and the diff: how many
images on how many macros, throughput and its bound, the first image's latency, off-chip traffic and energy
per image, placement, the knee and how busy the macros were. A one-image, one-macro run has nothing here
worth a section, and says so by `has_system`."""

from .load import is_number

# label, key in the result's "run" object (or a function of the result), formatter name
SYSTEM_ROWS = (
    ("images", "images", "int"),
    ("images/s over the run", "images_per_second", "num"),
    ("images/s bound in steady state", "bound_images_per_second", "num"),
    ("busiest resource", "bottleneck", "text"),
    ("first image latency (us)", "first_image_us", "num"),
    ("first image latency (cycles)", "first_image_cycles", "int"),
    ("off-chip weights per image (Mb)", "offchip_bits_per_image", "mb"),
    ("energy per image (uJ)", "energy_per_image_uj", "num"),
    ("MAC layers resident / streamed", None, "placement"),
    ("macros to hold every tile resident (knee)", "macros_to_resident", "int"),
    ("macros busy: mean / least / most", None, "busy"),
)


def images(result):
    run = result.get("run") or {}
    n = run.get("images", 1)
    return int(n) if is_number(n) and n >= 1 else 1


def macros(result):
    n = (result.get("macro") or {}).get("macros", 1)
    return int(n) if is_number(n) and n >= 1 else 1


def has_system(results):
    """Whether any result streamed several images or ran on several macros."""
    return any(images(r) > 1 or macros(r) > 1 for _, r in results)


def system_value(result, key, kind):
    """The row's value as text (the formatter decides), or None when the run does not have it."""
    run = result.get("run") or {}
    if kind == "placement":
        a, b = run.get("resident_layers"), run.get("streamed_layers")
        res = ((result.get("system") or {}).get("residency") or "?")
        return None if a is None or b is None else f"{a} / {b} ({res})"
    if kind == "busy":
        f = [x for x in run.get("macro_busy_fraction") or [] if is_number(x)]
        if not f:
            return None
        return f"{100 * sum(f) / len(f):.0f}% / {100 * min(f):.0f}% / {100 * max(f):.0f}%"
    v = run.get(key)
    if v is None:
        return None
    if kind == "text":
        return str(v)
    if not is_number(v):
        return None
    if kind == "int":
        return f"{int(v):,}"
    if kind == "mb":
        return f"{v / 1e6:.3f}"
    return f"{v:.4g}" if abs(v) < 1e6 else f"{v:,.0f}"


def numbers(result):
    """The system figures as numbers, for the diff: {label: value}."""
    run = result.get("run") or {}
    out = {}
    for label, key, kind in SYSTEM_ROWS:
        if key is not None and kind != "text" and is_number(run.get(key)):
            out[label] = run[key] / 1e6 if kind == "mb" else run[key]
    return out


def per_image_note(results):
    """Why a multi-image run's totals and layer bars read as they do (one sentence), or ""."""
    n = max(images(r) for _, r in results)
    if n <= 1:
        return ""
    return (f"This run streamed {n} images: the total cycles, time and energy are the whole run's, the macro "
            f"and host phases (and each layer's cycles) the first image's, and each layer's breakdown is "
            f"summed over the {n} images, drawn here averaged per image.")
