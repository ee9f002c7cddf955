"""The command line of scripts/sweep (docs/sweeps.md), and `run`'s loop.

  scripts/sweep run   SPEC --out results.csv [--engine fast|clocked] [--check N] [--jobs N] [--bin BIN] [--verify]
                      [--max-points N]
  scripts/sweep jobs  SPEC --out jobs.txt --results-dir DIR [--engine clocked|fast] [--bin BIN] [--verify] [--no-check]
                      [--max-points N]
  scripts/sweep merge SPEC --results-dir DIR --out results.csv [--max-points N]
  scripts/sweep plot  results.csv --out-dir DIR

`run` takes the spec's points not yet in the CSV and hands them to an engine's route (fast.FastRoute in this
process, the default; clocked.ClockedRoute, a ddcpim_sim process per point); each finished point comes back
through finish(), which writes its rows and reports progress, the same for both. The first pending point of
a fresh sweep checks the spec: if the simulator rejects it, the sweep stops with exit 2 naming the spec key,
before anything is written. --check N then compares N points of the fast engine with the clocked one.

Exit status: 0 all points done, 1 some point failed (or the check found a difference), 2 bad spec or
usage, 130 interrupted (Ctrl-C, SIGTERM; finished points are kept, a rerun runs the rest).
"""
import argparse
import os
import signal
import sys
from pathlib import Path

from . import fast
from .check import Check, sample
from .clocked import DEFAULT_BIN, ClockedRoute, check_bin
from .jobs import check_every_point, cmd_jobs, cmd_merge
from .notes import Progress, fmt_secs, note, plural
from .explore import cmd_explore
from .system import cmd_system
from .plot import cmd_plot
from .results import PreparedRows, Results
from .spec import DEFAULT_MAX_POINTS, Spec, SweepError


def on_sigterm(signum, frame):
    raise KeyboardInterrupt


def engine_of(args):
    """The engine `run` uses: fast unless asked otherwise. --verify alone means the clocked engine (the fast
    one computes no activations to verify), as `run --verify` did before there was a choice."""
    if args.check < 0:
        raise SweepError(f"--check: expected a number of points (0 or more), got {args.check}")
    engine = args.engine or ("clocked" if args.verify else "fast")
    if engine == "fast" and args.verify:
        raise SweepError("--verify checks the clocked engine against the reference engine; the fast engine "
                         "computes no activations (use --engine clocked)")
    if engine == "clocked" and args.check:
        raise SweepError("--check compares the fast engine with the clocked one: it goes with --engine fast")
    return engine


def cmd_run(args):
    spec = Spec(args.spec, args.max_points)
    engine = engine_of(args)
    bin_path = Path(args.bin).resolve()   # clocked points run from the repository root
    if engine == "clocked" or args.check:
        check_bin(bin_path)
    jobs = max(1, args.jobs)
    points = spec.points()
    checked = [p.index for p in sample(points, args.check)]
    route = (fast.FastRoute(fast.load_module(bin_path), keep=checked, jobs=jobs, layer_energy=args.layer_energy)
             if engine == "fast" else ClockedRoute(bin_path, args.verify, jobs))
    res = Results(spec, args.out, args.layer_energy)
    pending = [p for p in points if not res.done(p)]
    if pending:   # a bad value anywhere in the grid stops the run before its first point, as `jobs` does
        check_every_point(spec, pending, bin_path, jobs)
    how = f", {plural(min(jobs, len(pending)), 'job')} at a time" if engine == "clocked" else \
        ", on the fast engine in this process" if route.workers(pending) == 1 else \
        f", on the fast engine in {route.workers(pending)} worker processes"
    note(f"{plural(len(points), 'point')} in {spec.name}, {len(points) - len(pending)} already in {args.out}, "
         f"{len(pending)} to run" + (how if pending else ""))
    signal.signal(signal.SIGTERM, on_sigterm)
    failed = []
    rc = 0
    if pending:
        progress = Progress(len(pending), per_point=engine == "clocked")

        def finish(point, j, status, err, secs, sync=True):
            # j: the point's JSON, or its PreparedRows (a fast-engine worker's), or None when it failed
            if j is not None:
                try:
                    rows = res.write(j, sync) if isinstance(j, PreparedRows) else res.add(spec, point, j, sync)
                    if any(r[-1] != "ok" for r in rows):
                        status = "verify mismatch"
                except (ValueError, AttributeError) as e:
                    status = f"failed (bad JSON: {e})"
            if status != "ok":
                failed.append(point)
            progress.point(point, status, err, secs)

        try:
            route.run(spec, points, pending, finish)
        except KeyboardInterrupt:
            route.stop()
            res.close()   # flushed and synced before saying so
            note(f"interrupted: {progress.done} of {len(pending)} points finished and are in {args.out}; "
                 "run the same command again to run the rest")
            return 130
        finally:
            res.close()
        el = progress.elapsed()
        if failed:
            note(f"{len(failed)} of {len(pending)} points failed ({fmt_secs(el)}); the others are in {args.out}; "
                 "a rerun retries those without rows (a verify mismatch has its rows, status mismatch):")
            # The fast engine can fail thousands of points for one reason: the list is cut, the count is not.
            shown = failed if engine == "clocked" else failed[:100]
            for p in shown:
                print(f"    point {p.index}: {p.describe()}", file=sys.stderr)
            if len(shown) < len(failed):
                print(f"    ... and {len(failed) - len(shown)} more", file=sys.stderr)
            rc = 1
        else:
            note(f"all {len(points)} points in {args.out} ({len(pending)} run in {fmt_secs(el)})")
    else:
        res.close()
    if args.check:
        check = Check(bin_path, jobs)
        try:
            if not check.run(points, args.check, route.outcome):
                rc = 1
        except KeyboardInterrupt:
            check.stop()
            note(f"interrupted during the check; the rows are in {args.out}")
            return 130
    return rc


def main(argv=None):
    ap = argparse.ArgumentParser(
        prog="sweep", description="Design-space sweeps over ddcpim_sim (docs/sweeps.md).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Examples:\n"
               "  scripts/sweep run configs/sweeps/explore.yaml --out out/explore.csv            # fast engine\n"
               "  scripts/sweep run configs/sweeps/small.yaml --out out/small.csv --check 2      # + 2 clocked checks\n"
               "  scripts/sweep jobs configs/sweeps/paper_scale.yaml --out jobs.txt --results-dir /shared/paper\n"
               "  scripts/sweep merge configs/sweeps/paper_scale.yaml --results-dir /shared/paper --out paper.csv\n"
               "  scripts/sweep plot out/small.csv --out-dir out/plots\n"
               "  scripts/sweep explore out/explore.csv --out-dir out/plots        # Pareto fronts, DDC vs baseline\n"
               "  scripts/sweep system out/system.csv --out-dir out/plots          # throughput, traffic vs macros")
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run", help="run the pending points here, appending to a CSV")
    r.add_argument("spec")
    r.add_argument("--out", required=True, help="results CSV (appended to; points already in it are skipped)")
    r.add_argument("--engine", choices=("fast", "clocked"), default=None,
                   help="fast (the default): every point in this process from the closed forms, milliseconds "
                        "each; clocked: one ddcpim_sim process per point, the SystemC model (the default "
                        "with --verify)")
    r.add_argument("--check", type=int, default=0, metavar="N",
                   help="fast engine: afterwards run N points (evenly spaced, the first and the last among "
                        "them) on the clocked engine and require identical results (exit 1 otherwise)")
    r.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                   help="processes at once: the clocked engine's points, --check's, or the fast engine's "
                        "workers (from 32 points per worker; rows as from one process) (default: all cores)")
    r.add_argument("--bin", default=str(DEFAULT_BIN),
                   help="the ddcpim_sim executable; the fast engine's ddcpim module is the one of its build "
                        "directory (BUILD/bin/ddcpim_sim -> BUILD/python)")
    r.add_argument("--verify", action="store_true",
                   help="pass --verify: check every layer against the reference (clocked engine)")
    j = sub.add_parser("jobs", help="write one shell command per pending point (GNU parallel, Slurm arrays)")
    j.add_argument("spec")
    j.add_argument("--out", required=True, help="the job list, one command line per pending point")
    j.add_argument("--results-dir", required=True, help="where each job writes its JSON (and log)")
    j.add_argument("--engine", choices=("clocked", "fast"), default="clocked",
                   help="the engine of the job lines' ddcpim_sim (default: clocked)")
    j.add_argument("--bin", default=str(DEFAULT_BIN), help="the ddcpim_sim executable")
    j.add_argument("--verify", action="store_true", help="pass --verify to every job")
    j.add_argument("--no-check", action="store_true",
                   help="do not run the first pending point here to check the spec")
    m = sub.add_parser("merge", help="turn the jobs' JSON files into CSV rows")
    m.add_argument("spec")
    m.add_argument("--results-dir", required=True)
    m.add_argument("--out", required=True, help="results CSV (appended to; rows already in it are skipped)")
    for sp in (r, m):
        sp.add_argument("--layer-energy", action="store_true",
                        help="also write every layer's energy by component to the components file (ten times "
                             "the bytes of everything else: 481 MB for configs/sweeps/explore.yaml); without "
                             "it, only the whole network's area and energy by component")
    for sp in (r, j, m):
        sp.add_argument("--max-points", type=int, default=DEFAULT_MAX_POINTS, metavar="N",
                        help=f"refuse a spec of more than N points (default {DEFAULT_MAX_POINTS:,}): they are "
                             "counted from its list lengths before any is made, and held in memory")
    p = sub.add_parser("plot", help="PNG plots of a results CSV (needs matplotlib)")
    p.add_argument("csv")
    p.add_argument("--out-dir", required=True)
    p.add_argument("--dpi", type=int, default=110)
    e = sub.add_parser("explore", help="Pareto fronts and speedup by macro size of a compare sweep (needs matplotlib)")
    e.add_argument("csv")
    e.add_argument("--out-dir", required=True)
    e.add_argument("--dpi", type=int, default=100)
    s = sub.add_parser("system", help="throughput, latency, off-chip traffic and energy per image against the number "
                                      "of macros, with each design's knee (needs matplotlib)")
    s.add_argument("csv")
    s.add_argument("--out-dir", required=True)
    s.add_argument("--dpi", type=int, default=100)
    args = ap.parse_args(argv)
    try:
        if getattr(args, "max_points", 1) < 1:
            raise SweepError(f"--max-points: expected a number of points (1 or more), got {args.max_points}")
        return {"run": cmd_run, "jobs": cmd_jobs, "merge": cmd_merge, "plot": cmd_plot, "explore": cmd_explore,
                "system": cmd_system}[args.cmd](args)
    except SweepError as e:
        note(str(e))
        return 2
