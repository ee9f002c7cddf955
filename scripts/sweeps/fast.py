"""The fast engine's route (`run`'s default): every point evaluated in this process by the ddcpim module.

ddcpim.Model loads a config once and evaluates a point from the closed forms in milliseconds, returning the
dict `ddcpim_sim --engine fast --json` writes: the same figures as the clocked engine, so its rows go
through the same point_rows and Results as the clocked route's. One Model per network config, built at
that network's first point and kept (it builds weights and FCC pairs once per distinct network-affecting
parameter set); the points run one after the other: at a few milliseconds each, processes or threads
would cost more than they save.

The module is the one built beside --bin (build/bin/ddcpim_sim -> build/python/ddcpim), so that the fast
and the clocked engine of one sweep (`--check`) are the same build.
"""
import os
import signal
import sys
import time
from pathlib import Path

from .spec import SweepError

# Test-only: with this set in the environment, the fast route adds 1 to total_cycles of the first result it
# produces, so that tests can see `run --check` catch a difference. Never set it for real sweeps.
PLANT_ENV = "DDCPIM_SWEEP_TEST_PLANT_DIFFERENCE"


def load_module(bin_path):
    """The ddcpim module of the build directory --bin is in: BUILD/bin/ddcpim_sim -> BUILD/python."""
    pydir = Path(bin_path).resolve().parent.parent / "python"
    if str(pydir) not in sys.path:
        sys.path.insert(0, str(pydir))
    try:
        import ddcpim
    except ImportError as e:
        raise SweepError(f"--engine fast: cannot import the ddcpim Python module from {pydir} (the build "
                         f"directory of --bin {bin_path}): {e}; build it with scripts/build, or run the "
                         "clocked engine with --engine clocked")
    if not hasattr(ddcpim, "Model"):
        raise SweepError(f"--engine fast: {getattr(ddcpim, '__file__', 'ddcpim')} has no Model: not the ddcpim "
                         "module of this repository; build it with scripts/build")
    return ddcpim


class FastEngine:
    """Evaluates points on the fast engine, one ddcpim.Model per network, built lazily and reused."""

    def __init__(self, ddcpim):
        self.ddcpim = ddcpim
        self.models = {}   # the spec's network path -> its Model, or the exception building it raised
        self.plant = bool(os.environ.get(PLANT_ENV))

    def model(self, point):
        m = self.models.get(point.network)
        if m is None:
            try:
                m = self.ddcpim.Model(str(point.config_path()))
            except Exception as e:   # ConfigError and the like: every point of this network fails with it
                m = e
            self.models[point.network] = m
        if isinstance(m, Exception):
            raise m.with_traceback(None)
        return m

    def evaluate(self, point):
        """The point's --json dict. Raises ddcpim.ConfigError for a parameter the simulator rejects."""
        j = self.model(point).evaluate(point.params, point.mode)
        if self.plant:   # test-only, see PLANT_ENV
            self.plant = False
            j["total_cycles"] = j.get("total_cycles", 0) + 1
        return j

    def outcome(self, point):
        """(json, None), or (None, message) when the engine rejected the point or failed."""
        try:
            return self.evaluate(point), None
        except self.ddcpim.ConfigError as e:
            return None, str(e)
        except Exception as e:
            return None, f"{type(e).__name__}: {e}"


class FastRoute:
    """`run --engine fast`: the pending points in this process, one after the other.

    An interrupt (SIGTERM, Ctrl-C) is taken between points: the point being evaluated finishes and its rows
    are written, then the sweep stops as the clocked route does (exit 130); a second one stops at once.
    Results are flushed after every point and fsync'ed about once a second (an fsync costs about as much as
    a point). `keep` names points (by index) whose outcomes are kept in `kept` for the check.
    """

    name = "fast"
    SYNC_EVERY = 1.0

    def __init__(self, ddcpim, keep=()):
        self.engine = FastEngine(ddcpim)
        self.ConfigError = ddcpim.ConfigError
        self.keep = set(keep)
        self.kept = {}
        self.stop_requested = False

    def _on_signal(self, signum, frame):
        if self.stop_requested:
            raise KeyboardInterrupt
        self.stop_requested = True

    def run(self, spec, points, pending, finish):
        """Evaluates `pending` (of the spec's `points`), calling finish(point, json, status, message,
        seconds, sync) for each. Raises the spec's SweepError when the first point of a fresh sweep is
        rejected: a parameter name or value the simulator does not take, before anything is written."""
        old = {s: signal.signal(s, self._on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
        synced = time.monotonic()
        try:
            for i, p in enumerate(pending):
                t0 = time.monotonic()
                try:
                    j, status, err = self.engine.evaluate(p), "ok", ""
                except self.ConfigError as e:
                    if i == 0 and len(pending) == len(points):
                        raise spec.rejected_message(p, str(e), "the fast engine")
                    j, status, err = None, "failed (rejected)", str(e)
                except Exception as e:   # not the point's parameters: still only this point's failure
                    j, status, err = None, f"failed ({type(e).__name__})", f"{type(e).__name__}: {e}"
                if p.index in self.keep:
                    self.kept[p.index] = (j, None if j is not None else err)
                now = time.monotonic()
                sync = now - synced >= self.SYNC_EVERY or i == len(pending) - 1
                if sync:
                    synced = now
                finish(p, j, status, err, now - t0, sync)
                if self.stop_requested:
                    raise KeyboardInterrupt
        finally:
            for s, h in old.items():
                signal.signal(s, h)

    def outcome(self, point):
        """The check's fast outcome of a point: the one this run produced, else evaluated now."""
        if point.index in self.kept:
            return self.kept[point.index]
        return self.engine.outcome(point)

    def stop(self):
        pass   # nothing runs in the background
