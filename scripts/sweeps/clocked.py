"""The clocked engine's route: one ddcpim_sim process per point (the SystemC model elaborates once per
process), --jobs of them at a time, each writing its --json to a temporary file.

`run --engine clocked` runs a sweep this way; `run --check N` runs its sample this way; `jobs` writes the
same command lines for other machines. The Runner keeps the child processes it started so that an
interrupt (Ctrl-C, SIGTERM) stops them rather than leaving them running.
"""
import json
import os
import subprocess
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import closing
from pathlib import Path

from .spec import REPO, SweepError

DEFAULT_BIN = REPO / "build" / "bin" / "ddcpim_sim"


def check_bin(bin_path):
    if not (Path(bin_path).is_file() and os.access(bin_path, os.X_OK)):
        raise SweepError(f"--bin: expected the ddcpim_sim executable, '{bin_path}' is not one (build it with scripts/build)")


class Runner:
    """Runs points as child processes; tracks them so that an interrupt ends them.

    They run from the repository root, where the spec's relative config paths point. With absolute_config
    the command names the config by its absolute path instead: the check does, so that a rejected point's
    message names the file as the fast engine (which loads it by that path) does.
    """

    def __init__(self, bin_path, verify, absolute_config=False):
        self.bin, self.verify, self.absolute_config = bin_path, verify, absolute_config
        self.procs = set()
        self.lock = threading.Lock()
        self.stopping = False
        self.env = dict(os.environ, SYSTEMC_DISABLE_COPYRIGHT_MESSAGE="1")

    def run(self, point, tmpdir):
        """(point, rc, json or None, stderr, seconds)."""
        json_path = Path(tmpdir) / f"{point.slug()}.json"
        t0 = time.monotonic()
        config = point.config_path() if self.absolute_config else None
        with self.lock:
            if self.stopping:
                return point, None, None, "not started (interrupted)", 0.0
            p = subprocess.Popen(point.command(self.bin, json_path, self.verify, config=config), cwd=REPO,
                                 env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            self.procs.add(p)
        _, err = p.communicate()
        with self.lock:
            self.procs.discard(p)
        j = None
        if p.returncode in (0, 1) and json_path.exists():   # 1: --verify found a mismatch, JSON still written
            try:
                j = json.loads(json_path.read_text())
            except (OSError, ValueError) as e:
                err += f"\nsweep: cannot read {json_path}: {e}"
            json_path.unlink(missing_ok=True)
        return point, p.returncode, j, err, time.monotonic() - t0

    def run_all(self, points, jobs, tmpdir):
        """Yields run()'s results as the points finish, `jobs` at a time. Closing the generator early (an
        interrupt in the consumer; use contextlib.closing) stops the running processes and cancels the rest."""
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            futs = [pool.submit(self.run, p, tmpdir) for p in points]
            try:
                for f in as_completed(futs):
                    yield f.result()
            except BaseException:
                self.stop()
                for f in futs:
                    f.cancel()
                raise

    def stop(self):
        with self.lock:
            self.stopping = True
            for p in self.procs:
                if p.poll() is None:
                    p.terminate()


class ClockedRoute:
    """`run --engine clocked`: the pending points as ddcpim_sim processes, `jobs` at a time."""

    name = "clocked"

    def __init__(self, bin_path, verify, jobs):
        self.runner = Runner(bin_path, verify)
        self.jobs = jobs

    def run(self, spec, points, pending, finish):
        """Runs `pending` (of the spec's `points`), calling finish(point, json, status, stderr, seconds) as
        each finishes. Raises the spec's SweepError when ddcpim_sim rejects the first point of a fresh sweep."""
        with tempfile.TemporaryDirectory(prefix="sweep-") as tmp:
            rest = pending
            if len(pending) == len(points):
                # The first point runs alone: if ddcpim_sim rejects the spec's parameters, nothing else has
                # run. A resumed sweep skips this: its parameter names have passed already.
                first = self.runner.run(pending[0], tmp)
                if first[1] == 2:
                    raise spec.rejected(first[0], first[3])
                finish(*self.outcome(first))
                rest = pending[1:]
            # closing(): an interrupt in finish() stops the processes and joins the threads right away,
            # inside the temporary directory's lifetime, not whenever the generator is collected.
            with closing(self.runner.run_all(rest, self.jobs, tmp)) as results:
                for result in results:
                    finish(*self.outcome(result))

    @staticmethod
    def outcome(result):
        point, rc, j, err, secs = result
        return point, j, "ok" if rc == 0 else f"failed (exit {rc})", err, secs

    def stop(self):
        self.runner.stop()
