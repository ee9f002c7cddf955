"""The fast engine's route (`run`'s default): every point evaluated in this process by the ddcpim module.

ddcpim.Model loads a config once and evaluates a point from the closed forms in milliseconds, returning the
dict `ddcpim_sim --engine fast --json` writes: the same figures as the clocked engine, so its rows go
through the same point_rows and Results as the clocked route's. One Model per network config, built at
that network's first point and kept (it builds weights and FCC pairs once per distinct network-affecting
parameter set). With --jobs J > 1 the pending points are shared among J forked worker processes, each with
its own Models (a network's weights and pairs are then built once per worker), and their results are taken
back in the points' order, so that the rows are those of one process, written in the same order. The
workers also format the rows (PreparedRows): for a big network that costs more than the point itself.

The module is the one built beside --bin (build/bin/ddcpim_sim -> build/python/ddcpim), so that the fast
and the clocked engine of one sweep (`--check`) are the same build.
"""
import multiprocessing
import os
import signal
import sys
import time
from pathlib import Path

from .results import PreparedRows
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

    def __init__(self, ddcpim, checked=(), layer_energy=False):
        self.ddcpim = ddcpim
        self.layer_energy = layer_energy   # lean points carry each layer's energy by component only if asked
        self.models = {}   # the spec's network path -> its Model, or the exception building it raised
        self.plant = bool(os.environ.get(PLANT_ENV))
        # Points (by index) --check compares with the clocked engine get the whole JSON; the others the
        # lean one (Model.evaluate): what the rows read, a fraction of the time to write and parse.
        self.checked = set(checked)

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
        j = self.model(point).evaluate(point.params, point.mode, lean=point.index not in self.checked,
                                       layer_energy=self.layer_energy)
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


# The pending points and the engine of a parallel run: set before the workers are forked, read in them.
_WORKER = {}


def _worker_start():
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # the parent takes interrupts and stops the workers
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _WORKER["engine"] = FastEngine(_WORKER["ddcpim"], _WORKER["keep"], _WORKER["layer_energy"])
    _WORKER["engine"].plant = False                # planted on pending point 0 only (_worker_evaluate)


def _evaluate(engine, point):
    """(json or None, kind of failure or "", message): "rejected" for a ConfigError, else the exception's
    type name."""
    try:
        return engine.evaluate(point), "", ""
    except engine.ddcpim.ConfigError as e:
        return None, "rejected", str(e)
    except Exception as e:   # not the point's parameters: still only this point's failure
        return None, type(e).__name__, f"{type(e).__name__}: {e}"


def _worker_evaluate(k):
    """Point k of the pending list: (k, its PreparedRows or None, its json if the check keeps it, kind of
    failure, message, seconds). The rows are made here: formatting them costs the writing process more than
    the point costs a worker."""
    t0 = time.monotonic()
    point = _WORKER["pending"][k]
    j, kind, err = _evaluate(_WORKER["engine"], point)
    rows = None
    if j is not None:
        if k == 0 and _WORKER["plant"]:   # test-only, see PLANT_ENV
            j["total_cycles"] = j.get("total_cycles", 0) + 1
        try:
            rows = PreparedRows(_WORKER["spec"], point, j, _WORKER["layer_energy"])
        except (ValueError, AttributeError) as e:
            j, kind, err = None, f"bad JSON: {e}", f"bad JSON: {e}"
    kept = j if point.index in _WORKER["keep"] else None
    return k, rows, kept, kind, err, time.monotonic() - t0


class FastRoute:
    """`run --engine fast`: the pending points in this process, one after the other, or in `jobs` forked
    worker processes, their results taken back in the points' order.

    An interrupt (SIGTERM, Ctrl-C) is taken between points: the point being evaluated finishes and its rows
    are written, then the sweep stops as the clocked route does (exit 130); a second one stops at once.
    Results are flushed after every point and fsync'ed about once a second (an fsync costs about as much as
    a point). `keep` names points (by index) whose outcomes are kept in `kept` for the check.
    """

    name = "fast"
    SYNC_EVERY = 1.0
    # Fewer points per worker than this and the workers' own network builds cost more than they save.
    MIN_POINTS_PER_JOB = 32

    def __init__(self, ddcpim, keep=(), jobs=1, layer_energy=False):
        self.ddcpim = ddcpim
        self.layer_energy = layer_energy   # the workers' rows as Results(layer_energy) makes them
        self.jobs = max(1, jobs)
        self.engine = FastEngine(ddcpim, keep, layer_energy)
        self.ConfigError = ddcpim.ConfigError
        self.keep = set(keep)
        self.kept = {}
        self.stop_requested = False

    def _on_signal(self, signum, frame):
        if self.stop_requested:
            raise KeyboardInterrupt
        self.stop_requested = True

    def workers(self, pending):
        """The worker processes a run of these points uses (1: this process)."""
        return max(1, min(self.jobs, len(pending) // self.MIN_POINTS_PER_JOB))

    def run(self, spec, points, pending, finish):
        """Evaluates `pending` (of the spec's `points`), calling finish(point, json, status, message,
        seconds, sync) for each, in order. Raises the spec's SweepError when the first point of a fresh
        sweep is rejected: a parameter name or value the simulator does not take, before anything is
        written."""
        old = {s: signal.signal(s, self._on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
        try:
            if self.workers(pending) > 1:
                self._run_parallel(spec, points, pending, finish)
            else:
                self._run_here(spec, points, pending, finish)
        finally:
            for s, h in old.items():
                signal.signal(s, h)

    def _run_here(self, spec, points, pending, finish):
        synced = time.monotonic()
        for i, p in enumerate(pending):
            t0 = time.monotonic()
            j, kind, err = _evaluate(self.engine, p)
            synced = self._finish(spec, points, pending, i, j, kind, err, time.monotonic() - t0, synced, finish)

    def _run_parallel(self, spec, points, pending, finish):
        _WORKER.update(ddcpim=self.ddcpim, pending=pending, spec=spec, keep=self.keep, plant=self.engine.plant,
                       layer_energy=self.layer_energy)
        self.engine.plant = False   # planted by the worker of the first point
        synced = time.monotonic()
        pool = multiprocessing.get_context("fork").Pool(self.workers(pending), initializer=_worker_start)
        try:
            # Runs of neighbouring points per worker: they share tiles, whose counts a worker keeps (a chunk of
            # 4 alternating between the workers had both count every mapping); eight chunks a worker still
            # keep both busy to the end. imap gives the results in the points' order.
            chunk = max(4, len(pending) // (self.workers(pending) * 8))
            for k, rows, kept, kind, err, secs in pool.imap(_worker_evaluate, range(len(pending)), chunksize=chunk):
                if pending[k].index in self.keep:
                    self.kept[pending[k].index] = (kept, None if kept is not None else err)
                synced = self._finish(spec, points, pending, k, rows, kind, err, secs, synced, finish)
            pool.close()
        finally:
            pool.terminate()
            pool.join()
            _WORKER.clear()

    def _finish(self, spec, points, pending, i, j, kind, err, secs, synced, finish):
        """Pending point i's outcome (j: its json, or a worker's PreparedRows) to finish(); returns when the
        results were last synced."""
        p = pending[i]
        if kind == "rejected":
            if i == 0 and len(pending) == len(points):
                raise spec.rejected_message(p, err, "the fast engine")
            status = "failed (rejected)"
        else:
            status = f"failed ({kind})" if kind else "ok"
        if p.index in self.keep and not isinstance(j, PreparedRows):   # a worker's are kept by _run_parallel
            self.kept[p.index] = (j, None if j is not None else err)
        now = time.monotonic()
        sync = now - synced >= self.SYNC_EVERY or i == len(pending) - 1
        finish(p, j, status, err, secs, sync)
        if self.stop_requested:
            raise KeyboardInterrupt
        return now if sync else synced

    def outcome(self, point):
        """The check's fast outcome of a point: the one this run produced, else evaluated now."""
        if point.index in self.kept:
            return self.kept[point.index]
        return self.engine.outcome(point)

    def stop(self):
        pass   # the workers of a parallel run are stopped before run() returns
