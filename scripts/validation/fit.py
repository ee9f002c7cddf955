"""Signed errors of our figures against the published ones, the leave-one-out calibration, and the summary.

An error is predicted / published - 1. The raw error uses our figure as the model gives it. The leave-one-out
error multiplies it by one calibration factor per metric: the geometric mean of published / predicted over the
points of the OTHER publications (every point of the macro's own publication is left out, so a macro with two
supply points never calibrates itself). A second calibration, reported beside it, also fits a trend with
the node (published / predicted = a x (node / 28 nm)^b, least squares on logs, leave-one-out the same way):
it measures how much of the error is the node scaling's. Nothing else is fitted.
"""
import math
import statistics

# The target of docs/validation.md: leave-one-out median absolute error per metric.
TARGET_MEDIAN_ABS_ERROR = 0.25

METRICS = {
    # metric: (our figure's key in a point, the published figure's key, whether the point is in the summary)
    "energy": ("predicted_energy_fj", "published_energy_fj", lambda p: True),
    "tops_per_mm2": ("predicted_tops_per_mm2", "published_tops_per_mm2", lambda p: p["density_in_summary"]),
}


def geomean(values):
    return math.exp(sum(math.log(v) for v in values) / len(values))


def node_nm(p):
    return float(p["node"].rstrip("nm"))


def node_trend(others, ours, theirs):
    """(a, b) of log(published / predicted) = a + b log(node / 28) over `others`, least squares."""
    xs = [math.log(node_nm(q) / 28) for q in others]
    ys = [math.log(q[theirs] / q[ours]) for q in others]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx if sxx > 0 else 0.0
    return my - b * mx, b


def calibrate(points, metric):
    """Set p[metric + '_error_raw'], p[metric + '_error'] (leave-one-out) and p[metric + '_factor'] on points."""
    ours, theirs, counted = METRICS[metric]
    for p in points:
        p[f"{metric}_error_raw"] = p[ours] / p[theirs] - 1
        others = [q[theirs] / q[ours] for q in points if counted(q) and q["index"] != p["index"]]
        k = geomean(others) if others else 1.0
        p[f"{metric}_factor"] = k
        p[f"{metric}_error"] = p[ours] * k / p[theirs] - 1
        others = [q for q in points if counted(q) and q["index"] != p["index"]]
        a, b = node_trend(others, ours, theirs) if others else (0.0, 0.0)
        p[f"{metric}_node_exponent"] = b
        p[f"{metric}_error_node"] = p[ours] * math.exp(a + b * math.log(node_nm(p) / 28)) / p[theirs] - 1


def summarise(points, metric):
    """{median_abs_error, worst_abs_error, worst_macro, raw: {...}, points, macros, nodes} over the counted points."""
    counted = [p for p in points if METRICS[metric][2](p)]

    def stats(key):
        worst = max(counted, key=lambda p: abs(p[key]))
        return {"median_abs_error": statistics.median(abs(p[key]) for p in counted),
                "worst_abs_error": abs(worst[key]), "worst_macro": worst["name"]}

    s = stats(f"{metric}_error")
    s["raw"] = stats(f"{metric}_error_raw")
    s["node_trend"] = stats(f"{metric}_error_node")
    s["points"] = len(counted)
    s["macros"] = len({p["index"] for p in counted})
    s["nodes"] = sorted({p["node"] for p in counted}, key=lambda n: int(n[:-2]))
    s["target_median_abs_error"] = TARGET_MEDIAN_ABS_ERROR
    s["meets_target"] = s["median_abs_error"] <= TARGET_MEDIAN_ABS_ERROR
    return s


def evaluate(points):
    """Calibrate every metric on points (in place) and return the summary {metric: summarise(...)}."""
    for metric in METRICS:
        calibrate(points, metric)
    return {metric: summarise(points, metric) for metric in METRICS}
