#!/usr/bin/python3
"""Tests of scripts/sweep on the tiny network (each point takes a few milliseconds).

  /usr/bin/python3 tests/test_sweep.py BIN_DIR SOURCE_DIR [unittest options]

or with DDCPIM_BIN_DIR and DDCPIM_SOURCE_DIR in the environment; by default
SOURCE_DIR is this file's repository and BIN_DIR its build/bin.
"""
import csv
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

SOURCE_DIR = Path(os.environ.get("DDCPIM_SOURCE_DIR", Path(__file__).resolve().parent.parent))
BIN_DIR = Path(os.environ.get("DDCPIM_BIN_DIR", SOURCE_DIR / "build" / "bin"))
TINY = "configs/tiny_residual.yaml"


def read_rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


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

    def sweep(self, *args):
        cmd = [sys.executable, str(SOURCE_DIR / "scripts" / "sweep"), *map(str, args)]
        if args[0] in ("run", "jobs"):
            cmd += ["--bin", str(self.sim)]
        return subprocess.run(cmd, cwd=self.dir, capture_output=True, text=True, timeout=300)

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

    def test_failed_point_exit_1_others_kept(self):
        # rows 32 is invalid with the default segment_rows (64): only that point fails.
        spec = self.spec(f"networks: [{TINY}]\nmodes: [ddc]\ngrid: {{macro.rows: [128, 32]}}\n")
        out = self.dir / "r.csv"
        r = self.sweep("run", spec, "--out", out)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("segment_rows", r.stderr)    # ddcpim_sim's message is shown
        self.assertEqual([row["macro.rows"] for row in read_rows(out)], ["128"])

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

    @unittest.skipUnless(has_matplotlib(), "matplotlib is missing (apt-get install python3-matplotlib): plot not tested")
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
