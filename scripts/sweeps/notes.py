"""What the sweep says on stderr: one-line notes, the tail of a failed run's output, and progress lines.

Everything goes to stderr, flushed, so that it interleaves correctly with ddcpim_sim's own messages and shows
up at once in a Slurm or CI log; stdout is kept for what a script may read (plot's file names).
"""
import sys
import time


def note(msg):
    print(f"sweep: {msg}", file=sys.stderr, flush=True)


def tail(text, n=12):
    """The last n lines of a failed run's output, indented under the line that names the point."""
    lines = text.strip().splitlines()
    return "\n".join("    " + l for l in lines[-n:]) if lines else "    (no output)"


def fmt_secs(s):
    return f"{s:.2f} s" if s < 10 else f"{s:.1f} s" if s < 120 else f"{s / 60:.1f} min"


def plural(n, word):
    return f"{n} {word}" + ("" if n == 1 else "s")


class Progress:
    """Progress lines of `run`.

    per_point (the clocked engine, a process per point taking seconds): one line per finished point, with
    its own time, the elapsed time and an estimate of the rest. Otherwise (the fast engine, milliseconds a
    point, thousands of points): a line every `every` seconds and at the end, with the rate and an
    estimate; the first `detail` failed points get a line each with the simulator's message, later ones
    are only counted (and listed at the end), so that a parameter value every point shares does not bury
    the progress under thousands of identical messages.
    """

    def __init__(self, total, per_point, every=2.0, detail=10):
        self.total, self.per_point, self.every, self.detail = total, per_point, every, detail
        self.t0 = time.monotonic()
        self.last = self.t0
        self.done = 0
        self.failed = 0

    def elapsed(self):
        return time.monotonic() - self.t0

    def point(self, point, status, err, secs):
        """Counts a finished point and prints what is due."""
        self.done += 1
        now = time.monotonic()
        el = now - self.t0
        eta = el / self.done * (self.total - self.done)
        to_go = f", about {fmt_secs(eta)} to go" if self.done < self.total else ""
        ok = status == "ok"
        if not ok:
            self.failed += 1
        if self.per_point:
            note(f"[{self.done}/{self.total}] {status}: {point.describe()} ({fmt_secs(secs)}); "
                 f"elapsed {fmt_secs(el)}" + to_go)
            if not ok:
                print(tail(err), file=sys.stderr, flush=True)
            return
        if not ok and self.failed <= self.detail + 1:
            note(f"[{self.done}/{self.total}] {status}: point {point.index}: {point.describe()}")
            if self.failed <= self.detail:
                print(tail(err), file=sys.stderr, flush=True)
            else:
                note(f"(more than {self.detail} points failed: the others are counted in the progress lines "
                     "and listed at the end)")
        if now - self.last >= self.every or self.done == self.total:
            self.last = now
            rate = self.done / el if el > 0 else float("inf")
            failed = f", {self.failed} failed" if self.failed else ""
            note(f"[{self.done}/{self.total}] {100.0 * self.done / self.total:.0f}%{failed}; "
                 f"{rate:.0f} points/s, elapsed {fmt_secs(el)}" + to_go)
