#!/usr/bin/python3
"""Tests of scripts/sweep on the tiny network (a point takes about a millisecond on the fast engine, a few on the
clocked one).

  /usr/bin/python3 tests/test_sweep.py BIN_DIR SOURCE_DIR [unittest options]

or with DDCPIM_BIN_DIR and DDCPIM_SOURCE_DIR in the environment; by default
SOURCE_DIR is this file's repository and BIN_DIR its build/bin.
"""
import csv
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest
from pathlib import Path

SOURCE_DIR = Path(os.environ.get("DDCPIM_SOURCE_DIR", Path(__file__).resolve().parent.parent))
BIN_DIR = Path(os.environ.get("DDCPIM_BIN_DIR", SOURCE_DIR / "build" / "bin"))
TINY = "configs/tiny_residual.yaml"


def read_rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def lines_of(path):
    """(header, data lines) of a CSV file, as text."""
    lines = Path(path).read_text().splitlines()
    return lines[0], lines[1:]


def has_matplotlib():
    try:
        import matplotlib
        return matplotlib is not None
    except ImportError:
        return False


class SweepTest(unittest.TestCase):
    def setUp(self):
        self.dir = Path(tempfile.mkdtemp(prefix="test_sweep-"))
        self.sim = BIN_DIR / "ddcpim_sim"
        if not self.sim.is_file():
            self.fail(f"{self.sim} not found: build first (scripts/build)")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def spec(self, text, name="spec.yaml"):
        p = self.dir / name
        p.write_text(text)
        return p

    def sweep_cmd(self, *args):
        cmd = [sys.executable, str(SOURCE_DIR / "scripts" / "sweep"), *map(str, args)]
        if args[0] in ("run", "jobs") and "--bin" not in args:
            cmd += ["--bin", str(self.sim)]
        return cmd

    def sweep(self, *args, env=None):
        return subprocess.run(self.sweep_cmd(*args), cwd=self.dir, capture_output=True, text=True, timeout=300,
                              env=env)

    def ok(self, r):
        self.assertEqual(r.returncode, 0, f"stdout:\n{r.stdout}\nstderr:\n{r.stderr}")
        return r

    TWO_POINTS = f"networks: [{TINY}]\nmodes: [ddc]\ngrid:\n  macro.rows: [128, 256]\n"

    def test_run_two_points_then_rerun_runs_nothing(self):
        spec, out = self.spec(self.TWO_POINTS), self.dir / "r.csv"
        r = self.ok(self.sweep("run", spec, "--out", out, "--jobs", "2"))
        self.assertIn("2 to run", r.stderr)
        rows = read_rows(out)
        self.assertEqual(len(rows), 2)
        self.assertEqual(sorted(r["macro.rows"] for r in rows), ["128", "256"])
        for row in rows:
            self.assertEqual((row["network"], row["mode"], row["status"]), (TINY, "ddc", "ok"))
            self.assertGreater(int(row["total_cycles"]), 0)
            self.assertGreater(int(row["macro_cycles"]), 0)
            self.assertGreater(float(row["time_us"]), 0)
            self.assertEqual(row["speedup"], "")   # ddc alone: no speedup
        layers = read_rows(self.dir / "r.layers.csv")
        self.assertEqual(len(layers), 2 * 17)    # tiny_residual has 17 layers
        self.assertEqual({l["macro.rows"] for l in layers}, {"128", "256"})

        r = self.ok(self.sweep("run", spec, "--out", out))
        self.assertIn("2 already in", r.stderr)
        self.assertIn("0 to run", r.stderr)
        self.assertEqual(len(read_rows(out)), 2)
        self.assertEqual(len(read_rows(self.dir / "r.layers.csv")), 2 * 17)

    def test_resume_runs_only_missing_points(self):
        spec, out = self.spec(self.TWO_POINTS), self.dir / "r.csv"
        self.ok(self.sweep("run", spec, "--out", out))
        lines = out.read_text().splitlines(keepends=True)
        out.write_text("".join(lines[:2]) + lines[2][:10])   # as if killed while writing the second row
        r = self.ok(self.sweep("run", spec, "--out", out))
        self.assertIn("1 already in", r.stderr)
        self.assertIn("1 to run", r.stderr)
        rows = read_rows(out)
        self.assertEqual(sorted(r["macro.rows"] for r in rows), ["128", "256"])
        self.assertEqual(len(read_rows(self.dir / "r.layers.csv")), 2 * 17)   # not written twice

    def test_killed_while_writing_a_sidecar(self):
        # As if killed in the middle of writing point 2's component rows (its main row not written yet): the
        # rerun drops point 2's partial group and writes it again, whole; point 1's rows stay as they are.
        spec = self.spec(self.TWO_POINTS)
        self.ok(self.sweep("run", spec, "--out", self.dir / "whole.csv"))
        for suffix in ("", ".layers", ".components"):
            shutil.copy(self.dir / f"whole{suffix}.csv", self.dir / f"r{suffix}.csv")
        main = (self.dir / "r.csv").read_text().splitlines(keepends=True)
        (self.dir / "r.csv").write_text("".join(main[:2]))
        comps = (self.dir / "r.components.csv").read_text().splitlines(keepends=True)
        second = [i for i, l in enumerate(comps) if ",256," in l]
        cut = second[len(second) // 2]
        (self.dir / "r.components.csv").write_text("".join(comps[:cut]) + comps[cut][:7])
        r = self.ok(self.sweep("run", spec, "--out", self.dir / "r.csv"))
        self.assertIn("1 to run", r.stderr)
        self.assertIn("r.components.csv: dropped an incomplete last line", r.stderr)
        self.assertIn("r.components.csv: dropped the rows of an unfinished point", r.stderr)
        self.assertIn("r.layers.csv: dropped the rows of an unfinished point", r.stderr)
        for suffix in ("", ".layers", ".components"):
            whole = (self.dir / f"whole{suffix}.csv").read_text().splitlines()
            got = (self.dir / f"r{suffix}.csv").read_text().splitlines()
            self.assertEqual((got[0], sorted(got[1:])), (whole[0], sorted(whole[1:])), suffix)

    def test_compare_gives_two_rows_with_one_speedup(self):
        spec = self.spec(f"networks: [{TINY}]\nmodes: [compare]\n"
                         "zip: {macro.rows: [128, 256], macro.weight_columns: [16, 32]}\n"
                         "set: {host.ops_per_cycle: 8}\n")
        out = self.dir / "c.csv"
        self.ok(self.sweep("run", spec, "--out", out))
        rows = read_rows(out)
        self.assertEqual(len(rows), 4)
        self.assertEqual({(r["macro.rows"], r["macro.weight_columns"], r["host.ops_per_cycle"]) for r in rows},
                         {("128", "16", "8"), ("256", "32", "8")})
        for rows_ in ("128", "256"):
            d = next(r for r in rows if r["macro.rows"] == rows_ and r["mode"] == "ddc")
            b = next(r for r in rows if r["macro.rows"] == rows_ and r["mode"] == "baseline")
            self.assertEqual(d["speedup"], b["speedup"])
            self.assertAlmostEqual(float(d["speedup"]), int(b["total_cycles"]) / int(d["total_cycles"]), places=9)

    def test_bad_specs_exit_2_naming_the_key(self):
        cases = {
            "unknown macro parameter": (f"networks: [{TINY}]\ngrid: {{macro.rowz: [128, 256]}}\n", "macro.rowz"),
            "empty list": (f"networks: [{TINY}]\ngrid: {{macro.rows: []}}\n", "grid.macro.rows"),
            "unequal zip": (f"networks: [{TINY}]\nzip: {{macro.rows: [128, 256], macro.weight_columns: [16]}}\n",
                            "zip.macro.weight_columns"),
            "unknown top-level key": (f"networks: [{TINY}]\ngird: {{macro.rows: [128]}}\n", "'gird'"),
            "unknown section": (f"networks: [{TINY}]\ngrid: {{foo.rows: [128]}}\n", "foo.rows"),
            "missing network": ("networks: [configs/no_such_net.yaml]\n", "networks[0]"),
            "unknown mode": (f"networks: [{TINY}]\nmodes: [fast]\n", "modes[0]"),
            "list under set": (f"networks: [{TINY}]\nset: {{macro.rows: [128]}}\n", "set.macro.rows"),
        }
        for name, (text, key) in cases.items():
            with self.subTest(name):
                spec, out = self.spec(text, "bad.yaml"), self.dir / "bad.csv"
                r = self.sweep("run", spec, "--out", out)
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertIn(f"sweep: {spec}: key ", r.stderr)
                self.assertIn(key, r.stderr)
                self.assertFalse(out.exists(), "a rejected spec leaves no results file")
                r = self.sweep("jobs", spec, "--out", self.dir / "jobs.txt", "--results-dir", self.dir / "jr")
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertIn(key, r.stderr)
                self.assertFalse((self.dir / "jobs.txt").exists())

    def test_unknown_parameter_stops_before_other_points(self):
        spec = self.spec(f"networks: [{TINY}]\ngrid: {{macro.rows: [128, 256], macro.rowz: [1, 2]}}\n")
        r = self.sweep("run", spec, "--out", self.dir / "r.csv")
        self.assertEqual(r.returncode, 2)
        self.assertIn("key 'grid.macro.rowz'", r.stderr)
        self.assertNotIn("[1/", r.stderr)   # no point reported as run

    def test_huge_grid_refused_before_any_point_is_made(self):
        """Issue 15: 8 parameters x 100 values (10^16 points) grew by about 95 MB/s and ran nothing. The points
        are counted from the list lengths first: exit 2 at once, in bounded memory, for run, jobs and merge."""
        grid = "".join(f"  macro.p{i}: [{', '.join(str(v) for v in range(100))}]\n" for i in range(8))
        spec = self.spec(f"networks: [{TINY}]\nmodes: [ddc]\ngrid:\n{grid}", "huge.yaml")

        def limit_memory():     # 1 GiB of address space: materialising the points would fail, not swap
            resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

        for cmd in (["run", spec, "--out", self.dir / "huge.csv"],
                    ["jobs", spec, "--out", self.dir / "jobs.txt", "--results-dir", self.dir / "jr"],
                    ["merge", spec, "--results-dir", self.dir, "--out", self.dir / "huge.csv"]):
            with self.subTest(cmd[0]):
                t0 = time.monotonic()
                r = subprocess.run(self.sweep_cmd(*cmd), cwd=self.dir, capture_output=True, text=True, timeout=60,
                                   preexec_fn=limit_memory)
                self.assertLess(time.monotonic() - t0, 5)
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertEqual(r.stderr, f"sweep: {spec}: 10,000,000,000,000,000 points (1 network x 1 mode x grid "
                                           f"{' x '.join(['100'] * 8)}), over --max-points 1,000,000: split the "
                                           "spec, or raise --max-points (the points are held in memory)\n")
                self.assertFalse((self.dir / "huge.csv").exists())
                self.assertFalse((self.dir / "jobs.txt").exists())

    def test_max_points(self):
        spec = self.spec(self.TWO_POINTS)
        r = self.sweep("jobs", spec, "--out", self.dir / "jobs.txt", "--results-dir", self.dir / "jr", "--no-check",
                       "--max-points", "1")
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn(f"sweep: {spec}: 2 points (1 network x 1 mode x grid 2), over --max-points 1:", r.stderr)
        self.ok(self.sweep("jobs", spec, "--out", self.dir / "jobs.txt", "--results-dir", self.dir / "jr",
                           "--no-check", "--max-points", "2"))
        self.assertEqual(len((self.dir / "jobs.txt").read_text().splitlines()), 2)
        r = self.sweep("run", spec, "--out", self.dir / "r.csv", "--max-points", "0")
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("--max-points: expected a number of points (1 or more), got 0", r.stderr)

    def test_duplicate_keys_refused_naming_the_key(self):
        """PyYAML keeps the last of two equal keys, silently: a spec with one is refused, naming it."""
        cases = {
            "grid": (f"networks: [{TINY}]\ngrid:\n  macro.rows: [128]\n  macro.rows: [256]\n",
                     "dup.yaml:4:3: key 'macro.rows' is given twice in one mapping (lines 3 and 4)"),
            "top level": (f"networks: [{TINY}]\nmodes: [ddc]\nnetworks: [{TINY}]\n",
                          "dup.yaml:3:1: key 'networks' is given twice in one mapping (lines 1 and 3)"),
            "set": (f"networks: [{TINY}]\nset: {{macro.rows: 128, macro.rows: 256}}\n",
                    "key 'macro.rows' is given twice"),
        }
        for name, (text, msg) in cases.items():
            with self.subTest(name):
                spec, out = self.spec(text, "dup.yaml"), self.dir / "dup.csv"
                r = self.sweep("run", spec, "--out", out)
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertIn(msg, r.stderr)
                self.assertFalse(out.exists())
        # A '<<' merge is no duplicate: the mapping's own key overrides the merged one, as YAML means it.
        spec = self.spec(f"networks: [{TINY}]\nmodes: [ddc]\ngrid:\n  <<: {{macro.rows: [128]}}\n"
                         "  macro.rows: [256]\n", "merge.yaml")
        self.ok(self.sweep("jobs", spec, "--out", self.dir / "j.txt", "--results-dir", self.dir / "jr", "--no-check"))
        self.assertIn("macro.rows=256", (self.dir / "j.txt").read_text())
        self.assertNotIn("macro.rows=128", (self.dir / "j.txt").read_text())

    def test_failed_point_exit_1_others_kept(self):
        # A point whose config is valid but whose network cannot be built within the limits (pairing 4,000
        # filters is estimated before it starts, past limits.pairing_work): only that point fails. (A config
        # the loader rejects stops the run before its first point: the next tests.)
        spec = self.spec(f"networks: [{TINY}]\nmodes: [ddc]\n"
                         "grid: {network.layers.classifier.out_features: [10, 4000]}\n"
                         "set: {limits.pairing_work: 10000000}\n")
        out = self.dir / "r.csv"
        r = self.sweep("run", spec, "--out", out)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("limits.pairing_work", r.stderr)    # the simulator's message is shown
        self.assertEqual([row["network.layers.classifier.out_features"] for row in read_rows(out)], ["10"])

    def test_jobs_checks_every_point_before_running_any(self):
        """A bad value in the last point stops `jobs` (issue 14: sweeps validate with --check), before the
        first point runs and before a job list exists."""
        spec = self.spec(f"networks: [{TINY}]\nmodes: [ddc]\ngrid:\n  macro.segment_rows: [64, 32, 48]\n")
        rdir = self.dir / "jr"
        r = self.sweep("jobs", spec, "--out", self.dir / "jobs.txt", "--results-dir", rdir)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("key 'grid.macro.segment_rows': expected a power of 2, got 48", r.stderr)
        self.assertIn("--check rejected point 3", r.stderr)
        self.assertFalse((self.dir / "jobs.txt").exists())
        self.assertEqual(list(rdir.glob("*.json")), [], "no point ran")
        spec = self.spec(f"networks: [{TINY}]\nmodes: [ddc]\ngrid:\n  macro.segment_rows: [64, 32]\n")
        r = self.ok(self.sweep("jobs", spec, "--out", self.dir / "jobs.txt", "--results-dir", rdir))
        self.assertIn("checked the config of all 2 pending points", r.stderr)

    def test_jobs_and_merge_reproduce_run(self):
        text = f"networks: [{TINY}]\nmodes: [compare]\ngrid: {{macro.rows: [128, 256], macro.weight_columns: [16, 32]}}\n"
        spec = self.spec(text)
        self.ok(self.sweep("run", spec, "--out", self.dir / "run.csv"))
        jobs, rdir = self.dir / "jobs.txt", self.dir / "results"
        r = self.ok(self.sweep("jobs", spec, "--out", jobs, "--results-dir", rdir))
        lines = jobs.read_text().splitlines()
        self.assertEqual(len(lines), 3)    # the first point ran here to check the spec
        # Not all run yet: merge says which are missing and exits 1.
        r = self.sweep("merge", spec, "--results-dir", rdir, "--out", self.dir / "merged.csv")
        self.assertEqual(r.returncode, 1)
        self.assertIn("3 without results", r.stderr)
        for i in range(1, len(lines) + 1):   # as a Slurm array task would
            self.ok(subprocess.run(["bash", "-c", f'sed -n "{i}p" {jobs} | bash'], capture_output=True, text=True))
        self.ok(self.sweep("merge", spec, "--results-dir", rdir, "--out", self.dir / "merged.csv"))
        for suffix in ("", ".layers", ".components"):
            run = (self.dir / f"run{suffix}.csv").read_text().splitlines()
            merged = (self.dir / f"merged{suffix}.csv").read_text().splitlines()
            self.assertEqual(run[0], merged[0])
            self.assertEqual(sorted(run[1:]), sorted(merged[1:]), suffix)
        self.assertEqual(len(read_rows(self.dir / "merged.csv")), 8)
        r = self.ok(self.sweep("merge", spec, "--results-dir", rdir, "--out", self.dir / "merged.csv"))
        self.assertIn("0 merged", r.stderr)
        self.assertEqual(len(read_rows(self.dir / "merged.csv")), 8)
        r = self.ok(self.sweep("jobs", spec, "--out", jobs, "--results-dir", rdir))
        self.assertEqual(jobs.read_text(), "")   # nothing pending

    def test_out_in_a_missing_directory_is_created(self):
        spec = self.spec(self.TWO_POINTS)
        out = self.dir / "new" / "sub" / "r.csv"
        r = self.ok(self.sweep("run", spec, "--out", out))
        self.assertIn(f"created the directory {out.parent}", r.stderr)
        self.assertEqual(len(read_rows(out)), 2)
        self.assertEqual(len(read_rows(out.parent / "r.layers.csv")), 2 * 17)
        jobs, rdir = self.dir / "j" / "k" / "jobs.txt", self.dir / "res" / "a"
        r = self.ok(self.sweep("jobs", spec, "--out", jobs, "--results-dir", rdir))
        self.assertIn(f"created the directory {rdir}", r.stderr)
        self.assertIn(f"created the directory {jobs.parent}", r.stderr)
        lines = jobs.read_text().splitlines()
        self.assertEqual(len(lines), 1)   # point 1 ran here
        self.ok(subprocess.run(["bash", "-c", lines[0]], capture_output=True, text=True))
        merged = self.dir / "m" / "merged.csv"
        r = self.ok(self.sweep("merge", spec, "--results-dir", rdir, "--out", merged))
        self.assertIn("2 merged", r.stderr)
        self.assertIn(f"created the directory {merged.parent}", r.stderr)
        for suffix in ("", ".layers", ".components"):
            ran = (out.parent / f"r{suffix}.csv").read_text().splitlines()
            got = (merged.parent / f"merged{suffix}.csv").read_text().splitlines()
            self.assertEqual((ran[0], sorted(ran[1:])), (got[0], sorted(got[1:])), suffix)

    def test_out_that_cannot_be_written_exit_2_in_one_line(self):
        spec = self.spec(self.TWO_POINTS)
        afile = self.dir / "afile"
        afile.write_text("")
        (self.dir / "adir").mkdir()
        jobs, rdir = self.dir / "jobs.txt", self.dir / "res"
        cases = {
            "run --out under a file": (("run", spec, "--out", afile / "sub" / "r.csv"),
                                       f"sweep: --out: cannot create the directory '{afile / 'sub'}'"),
            "run --out a directory": (("run", spec, "--out", self.dir / "adir"), "sweep: --out: "),
            "merge --out under a file": (("merge", spec, "--results-dir", self.dir / "adir",
                                          "--out", afile / "m.csv"),
                                         f"sweep: --out: cannot create the directory '{afile}'"),
            "merge --results-dir missing": (("merge", spec, "--results-dir", self.dir / "nope", "--out", "m.csv"),
                                            f"sweep: --results-dir: '{self.dir / 'nope'}' does not exist"),
            "jobs --out under a file": (("jobs", spec, "--out", afile / "jobs.txt", "--results-dir", rdir),
                                        f"sweep: --out: cannot create the directory '{afile}'"),
            "jobs --results-dir a file": (("jobs", spec, "--out", jobs, "--results-dir", afile),
                                          f"sweep: --results-dir: '{afile}' is not a directory"),
            "jobs --results-dir under a file": (("jobs", spec, "--out", jobs, "--results-dir", afile / "r"),
                                                f"sweep: --results-dir: cannot create the directory '{afile / 'r'}'"),
        }
        for name, (args, msg) in cases.items():
            with self.subTest(name):
                r = self.sweep(*args)
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
                self.assertTrue(r.stderr.startswith(msg), f"expected '{msg}...', got: {r.stderr}")
                self.assertFalse(jobs.exists() or rdir.exists(), "nothing ran, nothing was written")

    def test_nothing_left_to_run_and_the_docs_slurm_recipe(self):
        # docs/sweeps.md's Slurm recipe against a stand-in sbatch that runs the array's tasks here, one after
        # the other; with every point done, `jobs` writes an empty list and the recipe submits nothing.
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        import sweep_recipe
        spec, rdir = self.spec(self.TWO_POINTS), self.dir / "shared"
        bindir, calls = self.dir / "fakebin", self.dir / "sbatch_calls.txt"
        bindir.mkdir()
        (bindir / "sbatch").write_text(f"""#!/bin/bash
echo "$*" >> {calls}
array=""; script=""
for a in "$@"; do case $a in --array=*) array=${{a#--array=}};; -*) ;; *) script=$a;; esac; done
range=${{array%%\\%*}}; first=${{range%-*}}; last=${{range#*-}}
if ! [[ $first =~ ^[0-9]+$ && $last =~ ^[0-9]+$ && $first -ge 1 && $first -le $last ]]; then
  echo "sbatch: error: Invalid job array specification" >&2; exit 1
fi
for ((i = first; i <= last; i++)); do SLURM_ARRAY_TASK_ID=$i bash "$script" || exit 1; done
echo "Submitted batch job 1"
""")
        (bindir / "sbatch").chmod(0o755)
        script, submit, merge = sweep_recipe.recipe(SOURCE_DIR, rdir, spec, self.sim, self.dir / "sweep.sbatch",
                                                    self.dir / "merged.csv")
        (self.dir / "sweep.sbatch").write_text(script)
        env = dict(os.environ, PATH=f"{bindir}:{os.environ['PATH']}")

        def sh(snippet):
            return subprocess.run(["bash", "-c", snippet], cwd=self.dir, env=env, capture_output=True, text=True,
                                  timeout=300)

        r = self.ok(sh(submit))
        self.assertEqual(calls.read_text().split()[0], "--array=1-1%32")   # point 1 ran in `jobs`
        self.ok(sh(merge))
        self.ok(self.sweep("run", spec, "--out", self.dir / "run.csv"))
        self.assertEqual(sorted((self.dir / "merged.csv").read_text().splitlines()),
                         sorted((self.dir / "run.csv").read_text().splitlines()))
        calls.unlink()
        r = self.ok(sh(submit))   # every point done
        self.assertEqual((rdir / "jobs.txt").read_text(), "")
        self.assertIn("nothing left to run", r.stderr)
        self.assertFalse(calls.exists(), "the recipe called sbatch with an empty job list")

    # ------------------------------------------------------------ the fast engine (run's default) and --check

    SMALL_COMPARE = (f"networks: [{TINY}]\nmodes: [compare]\n"
                     "grid: {macro.rows: [128, 256], macro.weight_columns: [16, 32]}\n"
                     "zip: {macro.buffer_vectors: [4, 16], macro.macros: [1, 2]}\n"
                     "set: {host.ops_per_cycle: 8}\n")

    def test_fast_and_clocked_engines_write_the_same_files(self):
        spec = self.spec(self.SMALL_COMPARE)
        r = self.ok(self.sweep("run", spec, "--out", self.dir / "fast.csv", "--engine", "fast"))
        self.assertIn("8 to run, on the fast engine", r.stderr)
        r = self.ok(self.sweep("run", spec, "--out", self.dir / "clocked.csv", "--engine", "clocked", "--jobs", "2"))
        self.assertIn("8 to run, 2 jobs at a time", r.stderr)
        self.ok(self.sweep("run", spec, "--out", self.dir / "default.csv"))
        for suffix in ("", ".layers", ".components"):
            fast_head, fast_rows = lines_of(self.dir / f"fast{suffix}.csv")
            clocked_head, clocked_rows = lines_of(self.dir / f"clocked{suffix}.csv")
            self.assertNotIn("engine", fast_head.split(","), "no engine column: the engines' rows are the same")
            self.assertEqual(fast_head, clocked_head, suffix)
            self.assertEqual(sorted(fast_rows), sorted(clocked_rows), suffix)
            self.assertEqual((self.dir / f"default{suffix}.csv").read_text(),
                             (self.dir / f"fast{suffix}.csv").read_text(), "the default engine is fast")
        self.assertEqual(len(read_rows(self.dir / "fast.csv")), 16)   # 8 compare points, ddc and baseline

    def test_check_passes_and_catches_a_planted_difference(self):
        spec = self.spec(f"networks: [{TINY}]\nmodes: [ddc]\ngrid: {{macro.rows: [64, 128, 256, 512], "
                         "macro.weight_columns: [16, 32]}\n")
        out = self.dir / "r.csv"
        r = self.ok(self.sweep("run", spec, "--out", out, "--check", "3"))
        self.assertIn("checking 3 points of 8 on the clocked engine", r.stderr)
        self.assertIn("sweep: checked 3 points on the clocked engine: identical", r.stderr)
        self.assertNotIn("CHECK FAILED", r.stderr)
        first = next(row for row in read_rows(out) if (row["macro.rows"], row["macro.weight_columns"]) == ("64", "16"))
        cycles = int(first["total_cycles"])
        # Every point done: --check alone still checks (the fast results evaluated again).
        r = self.ok(self.sweep("run", spec, "--out", out, "--check", "2"))
        self.assertIn("0 to run", r.stderr)
        self.assertIn("checked 2 points on the clocked engine: identical", r.stderr)

        planted = self.dir / "planted.csv"
        env = dict(os.environ, DDCPIM_SWEEP_TEST_PLANT_DIFFERENCE="1")
        r = self.sweep("run", spec, "--out", planted, "--check", "3", env=env)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn(f"sweep: CHECK FAILED point 1 ({TINY} ddc macro.rows=64 macro.weight_columns=16): "
                      f"total_cycles: clocked {cycles}, fast {cycles + 1}", r.stderr)
        self.assertEqual(r.stderr.count("CHECK FAILED"), 1, r.stderr)   # only the planted field differs
        self.assertNotIn("identical", r.stderr)
        self.assertEqual(len(read_rows(planted)), 8, "the rows written stay")

    def test_check_of_a_stream_of_images(self):
        # Issue 22, finding 2: with system.images > 1 the clocked run lists every image's outputs, which the
        # fast engine does not compute; that is not a difference in any figure.
        spec = self.spec(f"networks: [{TINY}]\nmodes: [ddc]\ngrid: {{macro.macros: [1, 2]}}\n"
                         "set: {system.images: 3}\n")
        r = self.ok(self.sweep("run", spec, "--out", self.dir / "s.csv", "--check", "2"))
        self.assertIn("checked 2 points on the clocked engine: identical", r.stderr)
        self.assertNotIn("CHECK FAILED", r.stderr)

    def test_check_needs_the_fast_engine(self):
        spec = self.spec(self.TWO_POINTS)
        for args in (("--engine", "clocked", "--check", "1"), ("--check", "-1"), ("--engine", "fast", "--verify")):
            with self.subTest(args):
                r = self.sweep("run", spec, "--out", self.dir / "r.csv", *args)
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
                self.assertFalse((self.dir / "r.csv").exists())

    def test_verify_runs_the_clocked_engine(self):
        r = self.ok(self.sweep("run", self.spec(self.TWO_POINTS), "--out", self.dir / "v.csv", "--verify"))
        self.assertIn("2 jobs at a time", r.stderr)   # the clocked route: --verify needs its activations
        self.assertEqual([(row["verified"], row["status"]) for row in read_rows(self.dir / "v.csv")],
                         [("true", "ok")] * 2)

    def test_fast_engine_without_the_module_exit_2(self):
        r = self.sweep("run", self.spec(self.TWO_POINTS), "--out", self.dir / "r.csv",
                       "--bin", self.dir / "nobuild" / "bin" / "ddcpim_sim")
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("cannot import the ddcpim Python module from", r.stderr)
        self.assertIn("build it with scripts/build", r.stderr)
        self.assertFalse((self.dir / "r.csv").exists())

    def test_first_point_rejected_names_the_spec_key_on_both_engines(self):
        cases = {   # a name the simulator does not know, and a value it refuses
            "unknown name": ("set: {macro.rowz: 1}\n", "key 'set.macro.rowz': unknown key"),
            "bad value": ("grid: {macro.segment_rows: [48, 64]}\n",
                          "key 'grid.macro.segment_rows': expected a power of 2, got 48"),
        }
        for name, (text, msg) in cases.items():
            for engine in ("fast", "clocked"):
                with self.subTest(name, engine=engine):
                    spec, out = self.spec(f"networks: [{TINY}]\n" + text, "bad.yaml"), self.dir / "bad.csv"
                    r = self.sweep("run", spec, "--out", out, "--engine", engine)
                    self.assertEqual(r.returncode, 2, r.stderr)
                    self.assertIn(f"sweep: {spec}: {msg}", r.stderr)
                    self.assertIn("rejected point 1:", r.stderr)
                    self.assertNotIn("[1/", r.stderr)
                    self.assertFalse(out.exists(), "nothing written")

    def test_a_value_spelt_twice_is_one_point(self):
        cases = {
            "grid": ("grid: {macro.clock_mhz: [200, 200.0]}\n", "key 'grid.macro.clock_mhz': expected each value "
                                                                 "once: 200 and 200.0 are the same number"),
            "grid, exponent": ("grid: {macro.rows: [128, 1.28e2]}\n", "key 'grid.macro.rows'"),
            "zip": ("zip: {macro.clock_mhz: [200, 200.0], macro.rows: [128, 128]}\n",
                    "key 'zip': expected each combination once"),
            "network": (f"networks: [./{TINY}]\n", "key 'networks': expected each config file once"),
        }
        for name, (text, msg) in cases.items():
            with self.subTest(name):
                spec = self.spec(f"networks: [{TINY}]\n" + text if name != "network" else
                                 f"networks: [{TINY}, ./{TINY}]\n", "dup.yaml")
                r = self.sweep("run", spec, "--out", self.dir / "dup.csv")
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertIn(msg, r.stderr)
                self.assertFalse((self.dir / "dup.csv").exists())
        # Different values that only look alike are not duplicates.
        self.ok(self.sweep("run", self.spec(f"networks: [{TINY}]\nmodes: [ddc]\n"
                                            "grid: {macro.clock_mhz: [200, 200.5]}\n"), "--out", self.dir / "ok.csv"))

    def test_interrupted_fast_sweep_resumes_without_duplicates_or_losses(self):
        # 2560 points, about a millisecond each: the sweep is stopped (SIGTERM) once it has written 50 rows,
        # long before it could finish; the same command then runs the rest.
        spec = self.spec(f"networks: [{TINY}]\nmodes: [ddc]\ngrid:\n"
                         "  macro.rows: [64, 128, 256, 512]\n  macro.weight_columns: [8, 16, 32, 64]\n"
                         "  macro.buffer_vectors: [1, 2, 4, 8, 16]\n  macro.input_bus_bits: [64, 128, 256, 512]\n"
                         "  macro.macros: [1, 2, 3, 4]\n  macro.write_rows_per_cycle: [1, 8]\n")
        points = 4 * 4 * 5 * 4 * 4 * 2
        whole, cut = self.dir / "whole.csv", self.dir / "cut.csv"
        self.ok(self.sweep("run", spec, "--out", whole))
        p = subprocess.Popen(self.sweep_cmd("run", spec, "--out", cut), cwd=self.dir, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + 120
            while p.poll() is None and time.monotonic() < deadline:
                if cut.exists() and cut.read_text().count("\n") > 50:
                    break
                time.sleep(0.005)
            self.assertIsNone(p.poll(), "the sweep finished (or failed) before it could be interrupted: "
                                        "make the spec bigger")
            p.send_signal(signal.SIGTERM)
            _, err = p.communicate(timeout=60)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
        self.assertEqual(p.returncode, 130, err)
        self.assertRegex(err, r"sweep: interrupted: \d+ of 2560 points finished and are in .*cut.csv; "
                              r"run the same command again to run the rest")
        done = len(read_rows(cut))
        self.assertGreater(done, 50)
        self.assertLess(done, points)
        r = self.ok(self.sweep("run", spec, "--out", cut))
        self.assertIn(f"{done} already in", r.stderr)
        self.assertIn(f"{points - done} to run", r.stderr)
        for suffix in ("", ".layers", ".components"):
            whole_head, whole_rows = lines_of(self.dir / f"whole{suffix}.csv")
            cut_head, cut_rows = lines_of(self.dir / f"cut{suffix}.csv")
            self.assertEqual(cut_head, whole_head)
            self.assertEqual(len(set(cut_rows)), len(cut_rows), f"cut{suffix}.csv: a row is there twice")
            self.assertEqual(set(cut_rows), set(whole_rows), f"cut{suffix}.csv: rows lost or different")
        self.assertEqual(len(read_rows(cut)), points)

    def test_layer_energy_only_when_asked(self):
        # Without --layer-energy the components file holds the whole network's area and energy by component;
        # with it, every layer's energy by component too, the same from either engine and from merge, each
        # layer's components adding up to its energy in the layers file.
        spec = self.spec(self.SMALL_COMPARE)
        self.ok(self.sweep("run", spec, "--out", self.dir / "plain.csv"))
        self.ok(self.sweep("run", spec, "--out", self.dir / "fast.csv", "--layer-energy", "--jobs", "1"))
        self.ok(self.sweep("run", spec, "--out", self.dir / "clocked.csv", "--layer-energy", "--engine", "clocked"))
        plain = read_rows(self.dir / "plain.components.csv")
        self.assertEqual({r["layer"] for r in plain}, {""})
        self.assertEqual({r["quantity"] for r in plain}, {"area_mm2", "energy_uj"})
        full = read_rows(self.dir / "fast.components.csv")
        self.assertEqual([r for r in full if r["layer"] == ""], plain)
        for suffix in ("", ".layers"):
            self.assertEqual((self.dir / f"plain{suffix}.csv").read_text(),
                             (self.dir / f"fast{suffix}.csv").read_text(), suffix)
        self.assertEqual(sorted(lines_of(self.dir / "fast.components.csv")[1]),
                         sorted(lines_of(self.dir / "clocked.components.csv")[1]))
        keys = ["network", "mode", "macro.rows", "macro.weight_columns", "macro.buffer_vectors", "macro.macros"]
        by_layer = {}
        for r in full:
            if r["layer"]:
                k = tuple(r[c] for c in keys) + (r["layer"],)
                by_layer[k] = by_layer.get(k, 0.0) + float(r["value"])
        layers = read_rows(self.dir / "fast.layers.csv")
        self.assertEqual(len(by_layer), len(layers))   # every layer of every point and mode
        for L in layers:
            self.assertAlmostEqual(by_layer[tuple(L[c] for c in keys) + (L["layer"],)], float(L["energy_uj"]),
                                   delta=1e-9 * max(1.0, float(L["energy_uj"])))
        jobs, rdir = self.dir / "jobs.txt", self.dir / "results"
        self.ok(self.sweep("jobs", spec, "--out", jobs, "--results-dir", rdir, "--engine", "fast"))
        for line in jobs.read_text().splitlines():   # each line ends in its own exit, as an array task's
            self.ok(subprocess.run(["bash", "-c", line], capture_output=True, text=True))
        self.ok(self.sweep("merge", spec, "--results-dir", rdir, "--out", self.dir / "merged.csv", "--layer-energy"))
        self.assertEqual(sorted(lines_of(self.dir / "merged.components.csv")[1]),
                         sorted(lines_of(self.dir / "fast.components.csv")[1]))

    def test_fast_engine_on_every_core_writes_the_rows_of_one_process(self):
        # 128 points: with --jobs 2 two forked workers share them; the files are those of --jobs 1, byte
        # for byte (the results are taken back in the points' order).
        spec = self.spec(f"networks: [{TINY}]\nmodes: [compare]\ngrid:\n"
                         "  macro.rows: [64, 128, 256, 512]\n  macro.weight_columns: [8, 16, 32, 64]\n"
                         "  macro.macros: [1, 2, 3, 4]\n  macro.write_rows_per_cycle: [1, 8]\n")
        r = self.ok(self.sweep("run", spec, "--out", self.dir / "one.csv", "--jobs", "1"))
        self.assertIn("128 to run, on the fast engine in this process", r.stderr)
        r = self.ok(self.sweep("run", spec, "--out", self.dir / "two.csv", "--jobs", "2"))
        self.assertIn("128 to run, on the fast engine in 2 worker processes", r.stderr)
        for suffix in ("", ".layers", ".components"):
            self.assertEqual((self.dir / f"one{suffix}.csv").read_text(), (self.dir / f"two{suffix}.csv").read_text(),
                             suffix)
        self.assertEqual(len(read_rows(self.dir / "two.csv")), 256)

    def test_jobs_with_the_fast_engine(self):
        spec = self.spec(self.TWO_POINTS)
        self.ok(self.sweep("run", spec, "--out", self.dir / "run.csv", "--engine", "clocked"))
        jobs, rdir = self.dir / "jobs.txt", self.dir / "results"
        self.ok(self.sweep("jobs", spec, "--out", jobs, "--results-dir", rdir, "--engine", "fast"))
        lines = jobs.read_text().splitlines()
        self.assertEqual(len(lines), 1)   # point 1 ran here
        self.assertIn(" --engine fast ", lines[0])
        self.ok(subprocess.run(["bash", "-c", lines[0]], capture_output=True, text=True))
        self.ok(self.sweep("merge", spec, "--results-dir", rdir, "--out", self.dir / "merged.csv"))
        for suffix in ("", ".layers", ".components"):
            self.assertEqual(sorted((self.dir / f"run{suffix}.csv").read_text().splitlines()),
                             sorted((self.dir / f"merged{suffix}.csv").read_text().splitlines()), suffix)
        r = self.sweep("jobs", spec, "--out", jobs, "--results-dir", self.dir / "r2", "--engine", "fast", "--verify")
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("use --engine clocked", r.stderr)

    @unittest.skipUnless(has_matplotlib(), "matplotlib is missing (apt-get install python3-matplotlib): plot not tested")
    def test_explore_draws_the_fronts_and_finds_the_best_speedup(self):
        spec = self.spec(f"networks: [{TINY}]\nmodes: [compare]\n"
                         "grid: {macro.rows: [64, 128, 256], macro.weight_columns: [4, 16], macro.segment_rows: [16, 64]}\n")
        out = self.dir / "r.csv"
        self.ok(self.sweep("run", spec, "--out", out))
        r = self.ok(self.sweep("explore", out, "--out-dir", self.dir / "new" / "plots"))
        for name in ("explore_tiny_residual_pareto_area.png", "explore_tiny_residual_pareto_energy.png",
                     "explore_speedup_by_macro_size.png"):
            self.assertEqual((self.dir / "new" / "plots" / name).read_bytes()[:8], b"\x89PNG\r\n\x1a\n", name)
        # The best speedup it reports is the CSV's largest macro speedup, at that row's parameters.
        rows = [row for row in read_rows(out) if row["mode"] == "ddc"]
        best = max(rows, key=lambda row: float(row["macro_speedup"]))
        self.assertIn(f"| tiny_residual | {float(best['macro_speedup']):.2f}x |", r.stdout)
        self.assertIn(f"{best['macro.rows']}, {best['macro.weight_columns']}, {best['macro.segment_rows']}", r.stdout)
        # A front holds no point that another point beats on both axes.
        sys.path.insert(0, str(SOURCE_DIR / "scripts"))
        from sweeps.explore import pareto
        pts = [(1, 5), (2, 4), (2, 6), (3, 1), (4, 1), (0.5, 9)]
        self.assertEqual([p[:2] for p in pareto([p + (None,) for p in pts])], [(0.5, 9), (1, 5), (2, 4), (3, 1)])
        # Not a compare sweep, or no file: one line, exit 2.
        r = self.sweep("explore", self.dir / "missing.csv", "--out-dir", self.dir / "p")
        self.assertEqual(r.returncode, 2, r.stderr)

    def test_system_plots_against_the_macros_and_marks_the_knees(self):
        spec = self.spec(f"networks: [{TINY}]\nmodes: [compare]\n"
                         "grid: {macro.macros: [1, 2, 4, 8], system.residency: [static], system.images: [3]}\n")
        out = self.dir / "r.csv"
        self.ok(self.sweep("run", spec, "--out", out))
        rows = read_rows(out)
        for row in rows:
            # The system's figures are columns of the CSV.
            self.assertGreater(float(row["images_per_second"]), 0)
            self.assertGreater(int(row["first_image_cycles"]), 0)
            self.assertGreaterEqual(float(row["bound_images_per_second"]), float(row["images_per_second"]))
        knee = {row["mode"]: row["macros_to_resident"] for row in rows}
        # With the traffic rule, fully resident at the knee: nothing streamed per image from then on. The
        # throughput rule may stream instead (prefetched streaming can edge out a resident plan that first
        # writes every tile), never for fewer images/s.
        traffic_spec = self.spec(f"networks: [{TINY}]\nmodes: [compare]\n"
                                 "grid: {macro.macros: [1, 2, 4, 8], system.residency: [static], system.images: [3], "
                                 "system.placement: [traffic]}\n")
        traffic_out = self.dir / "traffic.csv"
        self.ok(self.sweep("run", traffic_spec, "--out", traffic_out))
        traffic = {(row["mode"], row["macro.macros"]): row for row in read_rows(traffic_out)}
        for row in rows:
            by_rule = traffic[(row["mode"], row["macro.macros"])]
            if int(row["macro.macros"]) >= int(row["macros_to_resident"]):
                self.assertEqual(by_rule["offchip_bits_per_image"], "0", by_rule)
            self.assertGreaterEqual(float(row["images_per_second"]), float(by_rule["images_per_second"]), row)
        r = self.ok(self.sweep("system", out, "--out-dir", self.dir / "plots"))
        self.assertEqual((self.dir / "plots" / "system_tiny_residual.png").read_bytes()[:8], b"\x89PNG\r\n\x1a\n")
        self.assertIn(f"| baseline | {knee['baseline']} |", r.stdout)
        self.assertIn(f"| DDC | {knee['ddc']} |", r.stdout)
        r = self.sweep("system", self.dir / "missing.csv", "--out-dir", self.dir / "p")
        self.assertEqual(r.returncode, 2, r.stderr)

    def test_system_keeps_every_swept_key_apart(self):
        # Issue 22, finding 3: rows that differ in a swept key other than the macros are lines of their own,
        # never overwritten; what cannot be told apart is refused in one line.
        spec = self.spec(f"networks: [{TINY}]\nmodes: [compare]\n"
                         "grid: {macro.macros: [1, 4], system.residency: [static, stream], system.images: [2]}\n")
        out = self.dir / "r.csv"
        self.ok(self.sweep("run", spec, "--out", out))
        r = self.ok(self.sweep("system", out, "--out-dir", self.dir / "plots"))
        for design in ("baseline, system.residency=static", "baseline, system.residency=stream",
                       "DDC, system.residency=static", "DDC, system.residency=stream"):
            self.assertIn(f"| {design} |", r.stdout)
        rows = read_rows(out)
        self.assertEqual(len(rows), 8)
        # Two rows of one line that disagree (here: a column the plot does not sweep edited by hand).
        header, body = (out.read_text().splitlines()[0], out.read_text().splitlines()[1:])
        bad = self.dir / "bad.csv"
        dup = [l for l in body if ",stream," in l][0]
        fields = dup.split(",")
        ips = header.split(",").index("images_per_second")
        fields[ips] = str(float(fields[ips]) * 2)
        bad.write_text("\n".join([header] + body + [",".join(fields)]) + "\n")
        r = self.sweep("system", bad, "--out-dir", self.dir / "p2")
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
        self.assertIn("differ in their figures", r.stderr)

    def test_explore_without_the_size_keys_and_run_prechecks_the_grid(self):
        # Issue 22, finding 5: explore on a compare sweep that did not vary macro.rows (no such column) was a
        # traceback; `run` with a bad value late in the grid failed after the first points, leaving them.
        spec = self.spec(f"networks: [{TINY}]\nmodes: [compare]\ngrid: {{macro.weight_columns: [16, 32]}}\n")
        out = self.dir / "e.csv"
        self.ok(self.sweep("run", spec, "--out", out))
        r = self.ok(self.sweep("explore", out, "--out-dir", self.dir / "plots"))
        self.assertIn("as configured x 16", r.stdout)
        self.assertNotIn("Traceback", r.stderr)
        bad = self.spec(f"networks: [{TINY}]\nmodes: [ddc]\ngrid: {{macro.rows: [128, 256, 100000]}}\n")
        r = self.sweep("run", bad, "--out", self.dir / "bad.csv")
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("--check rejected point 3", r.stderr)
        self.assertFalse((self.dir / "bad.csv").exists(), "no point ran before the grid was checked")
        # A grid big enough for the check to share its points among two processes: the first rejected point
        # in the grid's order, as one process finds it (points 601 to 1,200 are all bad).
        big = self.spec(f"networks: [{TINY}]\nmodes: [ddc]\n"
                        "grid: {macro.rows: [128, 100000], macro.clock_mhz: [" + ", ".join(map(str, range(100, 700))) + "]}\n")
        said = []
        for jobs in ("1", "2"):
            r = self.sweep("run", big, "--out", self.dir / "big.csv", "--jobs", jobs)
            self.assertEqual(r.returncode, 2, r.stderr)
            said.append([l for l in r.stderr.splitlines() if "rejected" in l])
        self.assertIn("--check rejected point 601", said[0][0])
        self.assertEqual(said[0], said[1])
        self.assertFalse((self.dir / "big.csv").exists())

    def test_plot_writes_pngs(self):
        spec = self.spec(f"networks: [{TINY}]\nmodes: [compare]\n"
                         "grid: {macro.rows: [128, 256], macro.weight_columns: [16, 32]}\n")
        out = self.dir / "r.csv"
        self.ok(self.sweep("run", spec, "--out", out))
        r = self.ok(self.sweep("plot", out, "--out-dir", self.dir / "plots"))
        names = {Path(l).name for l in r.stdout.split()}
        self.assertIn("tiny_residual_vs_macro_rows.png", names)
        self.assertIn("tiny_residual_vs_macro_weight_columns.png", names)
        rows = read_rows(out)
        if all(row["tops_per_mm2"] for row in rows):
            self.assertIn("tiny_residual_pareto.png", names)
        if all(row["energy_uj"] for row in rows):
            self.assertIn("tiny_residual_energy_by_kind.png", names)
        for n in names:
            self.assertEqual((self.dir / "plots" / n).read_bytes()[:8], b"\x89PNG\r\n\x1a\n", n)

    @unittest.skipUnless(has_matplotlib(), "matplotlib is missing (apt-get install python3-matplotlib): plot not tested")
    def test_plot_all_kinds_from_a_written_csv(self):
        # Every plot from hand-written results, whatever the simulator reports today.
        cols = ["network", "mode", "macro.rows", "total_cycles", "macro_cycles", "host_cycles", "time_us", "speedup",
                "macro_speedup", "area_mm2", "energy_uj", "peak_tops", "tops_per_mm2", "tops_per_w",
                "weight_density_kb_per_mm2", "weight_capacity_kb", "verified", "status"]
        main = [",".join(cols)]
        layers = ["network,mode,macro.rows,layer,kind,cycles,macro_cycles,host_cycles,energy_uj"]
        comps = ["network,mode,macro.rows,layer,kind,quantity,component,value"]
        for rows_ in (64, 128, 256):
            for mode, cyc in (("ddc", 1000 - rows_), ("baseline", 1500 - rows_)):
                main.append(f"n.yaml,{mode},{rows_},{cyc},{cyc - 100},100,{cyc / 200},{(1400 - rows_) / (900 - rows_)},"
                            f"1.5,{rows_ / 100},{rows_ / 10},1.0,{1 + rows_ / 1000 + (mode == 'ddc')},2,200,32,,ok")
                layers += [f"n.yaml,{mode},{rows_},{n},{k},10,9,1,{e}" for n, k, e in
                           (("a", "conv", 1.0), ("b", "depthwise", 2.0), ("c", "pointwise", 0.5))]
                comps += [f"n.yaml,{mode},{rows_},,,energy_uj,{c},{v}" for c, v in (("adders", 1.0), ("leak", 0.2))]
        (self.dir / "s.csv").write_text("\n".join(main) + "\n")
        (self.dir / "s.layers.csv").write_text("\n".join(layers) + "\n")
        (self.dir / "s.components.csv").write_text("\n".join(comps) + "\n")
        r = self.ok(self.sweep("plot", self.dir / "s.csv", "--out-dir", self.dir / "p"))
        self.assertEqual(sorted(Path(l).name for l in r.stdout.split()),
                         ["n_energy_by_component.png", "n_energy_by_kind.png", "n_pareto.png", "n_vs_macro_rows.png"])


if __name__ == "__main__":
    argv = sys.argv[1:]
    if len(argv) >= 2 and not argv[0].startswith("-") and not argv[1].startswith("-"):
        BIN_DIR, SOURCE_DIR = Path(argv[0]).resolve(), Path(argv[1]).resolve()
        argv = argv[2:]
    unittest.main(argv=[sys.argv[0]] + argv, verbosity=2)
