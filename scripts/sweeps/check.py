"""`run --check N`: the fast engine checked against the clocked one on N points of the sweep.

The fast engine computes every figure of the clocked SystemC model from closed forms; both compute each
figure the same way, so they must agree exactly: every field of the --json dict, recursively, floats
included, bar the fields that describe the run rather than the design point ("engine"; "output", the
activations the fast engine does not compute; "seconds"). No tolerance: a difference, even in the last bit
of a float, is a bug in the fast engine, and the check fails loudly (every differing field, both values,
exit 1) rather than letting a sweep's figures rest on it.

The N points are spread evenly over the spec's points, the first and the last among them, the same N each
time (no seed): a rerun checks the same points. A point's fast result is the one the sweep just wrote (so
the check sees what is in the CSV), or is evaluated now for points an earlier run wrote.
"""
import json
import math
import tempfile
from contextlib import closing

from .clocked import Runner
from .notes import fmt_secs, note, plural

# Values, not figures: the fast engine computes no activations (output, every image's image_outputs).
IGNORED = ("engine", "output", "image_outputs", "seconds")
MISSING = object()


def sample(points, n):
    """n of `points`, evenly spaced, the first and the last among them (all of them when n >= len)."""
    if n <= 0 or not points:
        return []
    if n >= len(points):
        return list(points)
    if n == 1:
        return [points[0]]
    idx = sorted({round(i * (len(points) - 1) / (n - 1)) for i in range(n)})
    return [points[i] for i in idx]


def same(a, b):
    """Exactly equal, type included: 3 and 3.0 are spelt differently in the CSV."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float) and math.isnan(a) and math.isnan(b):
        return True
    return a == b


def differences(clocked, fast, path=""):
    """[(path, clocked value, fast value)] for every field that differs, recursively; MISSING for a field
    one side lacks. Fields named in IGNORED are skipped at any depth."""
    if isinstance(clocked, dict) and isinstance(fast, dict):
        out = []
        for k in list(clocked) + [k for k in fast if k not in clocked]:
            if k in IGNORED:
                continue
            p = f"{path}.{k}" if path else str(k)
            out += differences(clocked.get(k, MISSING), fast.get(k, MISSING), p)
        return out
    if isinstance(clocked, list) and isinstance(fast, list):
        out = []
        for i in range(max(len(clocked), len(fast))):
            out += differences(clocked[i] if i < len(clocked) else MISSING,
                               fast[i] if i < len(fast) else MISSING, f"{path}[{i}]")
        return out
    if clocked is MISSING or fast is MISSING or not same(clocked, fast):
        return [(path, clocked, fast)]
    return []


def shown(v, limit=200):
    if v is MISSING:
        return "(missing)"
    s = json.dumps(v)
    return s if len(s) <= limit else s[:limit] + "..."


def clocked_outcome(result):
    """(json, None) or (None, message) of a Runner result, like FastEngine.outcome."""
    point, rc, j, err, _ = result
    if rc in (0, 1) and j is not None:
        return j, None
    lines = [l for l in err.strip().splitlines() if l.strip()]
    if rc == 2:
        msg = next((l for l in lines if "error:" in l), lines[-1] if lines else "no message")
        return None, msg.split("error:", 1)[-1].strip()
    return None, f"exit {rc}: " + (lines[-1] if lines else "no message")


def compare(clocked, fast):
    """The differences between two outcomes ((json, None) or (None, message)) of one point."""
    (cj, cmsg), (fj, fmsg) = clocked, fast
    if cj is not None and fj is not None:
        return differences(cj, fj)
    if cj is None and fj is None:   # both refused the point: with the same message, they agree
        return [] if cmsg == fmsg else [("(error message)", cmsg, fmsg)]
    return [("(outcome)", "a result" if cj is not None else f"error: {cmsg}",
             "a result" if fj is not None else f"error: {fmsg}")]


class Check:
    """Runs the sample on the clocked engine (--bin, `jobs` at a time) and compares it with the fast one."""

    def __init__(self, bin_path, jobs):
        self.bin, self.jobs = bin_path, jobs
        # The config by its absolute path, as the fast engine loaded it: a refused point's message then
        # names the file the same way on both engines.
        self.runner = Runner(bin_path, verify=False, absolute_config=True)

    def run(self, points, n, fast_outcome):
        """True when the sample agrees; prints every difference otherwise. fast_outcome(point) gives the
        fast engine's (json, None) or (None, message)."""
        chosen = sample(points, n)
        if not chosen:
            return True
        note(f"checking {plural(len(chosen), 'point')} of {len(points)} on the clocked engine ({self.bin}), "
             f"{plural(min(self.jobs, len(chosen)), 'job')} at a time")
        fast = {p.index: fast_outcome(p) for p in chosen}
        clocked, secs = {}, 0.0
        with tempfile.TemporaryDirectory(prefix="sweep-check-") as tmp:
            with closing(self.runner.run_all(chosen, self.jobs, tmp)) as results:
                for result in results:
                    clocked[result[0].index] = clocked_outcome(result)
                    secs += result[4]
        bad = 0
        for p in chosen:
            diffs = compare(clocked[p.index], fast[p.index])
            if diffs:
                bad += 1
            for path, c, f in diffs:
                note(f"CHECK FAILED point {p.index} ({p.describe()}): {path}: clocked {shown(c)}, fast {shown(f)}")
        if bad:
            note(f"check: the fast engine differs from the clocked engine at {bad} of {plural(len(chosen), 'point')} "
                 "(a bug in the fast engine: the rows above came from it)")
            return False
        note(f"checked {plural(len(chosen), 'point')} on the clocked engine: identical "
             f"({fmt_secs(secs)} of clocked runs)")
        return True

    def stop(self):
        self.runner.stop()

