"""`jobs` and `merge`: a sweep on other machines (GNU parallel, a Slurm job array; docs/sweeps.md).

`jobs` writes one shell command line per pending point: ddcpim_sim writing its JSON into --results-dir
(through NAME.json.part, renamed when complete, so a JSON there is always whole) and its output into
NAME.log. `merge` turns those JSON files into the same CSV rows `run` writes. A point is pending while
its JSON is missing, so rerunning `jobs` lists exactly what failed or has not run.

The lines run the clocked engine by default: this is the route for verification runs (--verify) and for
the clocked figures of a sweep; `jobs --engine fast` writes lines with ddcpim_sim --engine fast.
"""
import json
import multiprocessing
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

from .clocked import check_bin
from .fast import load_module
from .notes import fmt_secs, note, tail
from .results import PreparedRows, Results, check_out, make_parent
from .spec import REPO, Spec, SweepError


def job_line(point, bin_path, results_dir, verify, engine="clocked"):
    base = Path(results_dir) / point.slug()
    part, final, log = f"{base}.json.part", f"{base}.json", f"{base}.log"
    cmd = " ".join(shlex.quote(c) for c in point.command(bin_path, part, verify, engine))
    q = shlex.quote
    return (f"cd {q(str(REPO))} && SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1 {cmd} > {q(log)} 2>&1; rc=$?; "
            f"if [ $rc -le 1 ] && [ -s {q(part)} ]; then mv -f {q(part)} {q(final)}; fi; exit $rc")


def json_of(point, results_dir):
    return Path(results_dir) / f"{point.slug()}.json"


# The points a parallel check's workers validate: set before they are forked, read in them.
_CHECK = {}


def _first_rejected(span):
    """(index in the pending list, message) of the first point of pending[a:b] the module rejects, or None."""
    a, b = span
    ddcpim, pending, models = _CHECK["ddcpim"], _CHECK["pending"], {}
    for k in range(a, b):
        p = pending[k]
        try:
            model = models.get(p.network) or models.setdefault(p.network, ddcpim.Model(str(p.config_path())))
            model.validate(p.params)
        except ddcpim.ConfigError as e:
            return k, str(e)
    return None


def check_every_point(spec, pending, bin_path, jobs=1):
    """Validates every pending point's config as `ddcpim_sim --check` would, with the ddcpim module
    (a millisecond a point: the config is parsed, nothing is built or simulated), so that a bad value
    anywhere in the grid stops `jobs` or `run` before anything is written. With jobs > 1 and enough points,
    forked processes share the points; the first rejected point in the grid's order is reported either way.
    Skipped, with a note, where the module is not built (sanitizer builds)."""
    try:
        ddcpim = load_module(bin_path)
    except SweepError:
        note("the ddcpim module is not built beside --bin: only the first point is checked")
        return
    t0 = time.monotonic()
    workers = max(1, min(jobs, len(pending) // 256))
    _CHECK.update(ddcpim=ddcpim, pending=pending)
    try:
        if workers == 1:
            found = [_first_rejected((0, len(pending)))]
        else:
            step = -(-len(pending) // workers)
            spans = [(a, min(a + step, len(pending))) for a in range(0, len(pending), step)]
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                found = pool.map(_first_rejected, spans)
    finally:
        _CHECK.clear()
    rejected = [f for f in found if f is not None]
    if rejected:
        k, message = min(rejected)
        raise spec.rejected_message(pending[k], message, "--check")
    note(f"checked the config of all {len(pending)} pending points ({fmt_secs(time.monotonic() - t0)})")


def cmd_jobs(args):
    spec = Spec(args.spec, args.max_points)
    if args.engine == "fast" and args.verify:
        raise SweepError("--verify checks the clocked engine against the reference engine; the fast engine "
                         "computes no activations (use --engine clocked)")
    bin_path = Path(args.bin).resolve()
    check_bin(bin_path)
    rdir = Path(args.results_dir).resolve()
    check_out(args.out)
    if not rdir.is_dir():
        if rdir.exists():
            raise SweepError(f"--results-dir: '{args.results_dir}' is not a directory")
        try:
            rdir.mkdir(parents=True)
        except OSError as e:
            raise SweepError(f"--results-dir: cannot create the directory '{args.results_dir}': {e.strerror}")
        note(f"created the directory {rdir} for --results-dir")
    points = spec.points()
    pending = [p for p in points if not json_of(p, rdir).exists()]
    lines = [job_line(p, bin_path, rdir, args.verify, args.engine) for p in pending]
    if pending and not args.no_check:
        check_every_point(spec, pending, bin_path, os.cpu_count() or 1)
    if pending and len(pending) == len(points) and not args.no_check:
        # The first job runs here: if ddcpim_sim rejects the spec, no job list is written. Not when
        # results are there already: the parameter names have passed then.
        t0 = time.monotonic()
        rc = subprocess.run(["bash", "-c", lines[0]]).returncode
        log = Path(f"{rdir / pending[0].slug()}.log")
        if rc == 2:
            raise spec.rejected(pending[0], log.read_text() if log.exists() else "")
        secs = fmt_secs(time.monotonic() - t0)
        if rc == 0:
            note(f"checked the spec by running point {pending[0].index} here ({secs}): {json_of(pending[0], rdir)}")
            lines = lines[1:]
        else:
            note(f"point {pending[0].index} failed here (exit {rc}, {secs}); it stays in the job list; see {log}:")
            print(tail(log.read_text() if log.exists() else ""), file=sys.stderr)
    make_parent(args.out)
    try:
        Path(args.out).write_text("".join(l + "\n" for l in lines))
    except OSError as e:
        raise SweepError(f"--out: cannot write '{args.out}': {e.strerror}")
    note(f"{len(points)} points, {len(points) - len(pending)} already in {rdir}; "
         f"{len(lines)} job lines in {args.out}")
    if not lines:
        # An empty list is no job array: `sbatch --array=1-0` fails. Say so, for scripts and people.
        note(f"nothing left to run: every point has its JSON in {rdir}; {args.out} is empty "
             "(do not submit it; run `merge`)")
    return 0


def cmd_merge(args):
    spec = Spec(args.spec, args.max_points)
    rdir = Path(args.results_dir)
    if not rdir.is_dir():
        raise SweepError(f"--results-dir: '{rdir}' " + ("is not a directory" if rdir.exists() else
                         "does not exist (expected the directory given to `jobs --results-dir`)"))
    res = Results(spec, args.out, args.layer_energy)
    points = spec.points()
    added, present, missing, bad = 0, 0, [], []
    for p in points:
        if res.done(p):
            present += 1
            continue
        jp = json_of(p, rdir)
        if not jp.exists():
            missing.append(p)
            continue
        try:
            rows = PreparedRows(spec, p, json.loads(jp.read_text()), args.layer_energy)
        except (OSError, ValueError, AttributeError) as e:
            bad.append((p, f"{jp}: {e}"))
            continue
        res.write(rows)   # a failure to write --out is a SweepError (exit 2), not the JSON's fault
        added += 1
    res.close()
    note(f"{len(points)} points: {added} merged into {args.out}, {present} were there already, "
         f"{len(missing)} without results, {len(bad)} unreadable")
    for p, why in bad:
        print(f"    point {p.index}: {p.describe()}: {why}", file=sys.stderr)
    for p in missing:
        log = Path(f"{rdir / p.slug()}.log")
        why = "failed:\n" + tail(log.read_text(), 6) if log.exists() and log.stat().st_size else "not run yet"
        print(f"    point {p.index}: {p.describe()}: {why}", file=sys.stderr)
    return 1 if missing or bad else 0
