#!/usr/bin/python3
"""Tests of the cost model's validation (docs/validation.md): the scaling model against the figures its source
publishes, scripts/gen_tech --check, scripts/validate_cost on the real ddcpim_cost (skipped when it is not built)
and on a stand-in, and the user's mistakes.

  /usr/bin/python3 tests/test_validation.py BIN_DIR SOURCE_DIR [unittest options]

or with DDCPIM_BIN_DIR and DDCPIM_SOURCE_DIR in the environment; by default SOURCE_DIR is this file's repository
and BIN_DIR its build/bin.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

SOURCE_DIR = Path(os.environ.get("DDCPIM_SOURCE_DIR", Path(__file__).resolve().parent.parent))
BIN_DIR = Path(os.environ.get("DDCPIM_BIN_DIR", SOURCE_DIR / "build" / "bin"))
PY = sys.executable or "/usr/bin/python3"

# A stand-in for ddcpim_cost: the same interface, a rough count of the same events (docs/cost.md), so the
# command's plumbing (arguments, JSON, errors, fit, plots) is tested without the C++ tool.
STUB = r'''#!/usr/bin/python3
import json, math, sys
import yaml
args = sys.argv[1:]
sets, opts = {}, {}
while args:
    a = args.pop(0)
    if a == "--set":
        k, v = args.pop(0).split("=", 1)
        sets[k] = v
    else:
        opts[a] = args.pop(0)
if "STUB_FAIL" in sets.get("technology", ""):
    print("ddcpim_cost: error: stub failure", file=sys.stderr)
    sys.exit(2)
t = yaml.safe_load(open(sets["technology"]))
A, E, S = t["area_um2"], t["energy_pj"], t["supply"]
R, N = int(sets["macro.rows"]), int(sets["macro.weight_columns"])
Bw, Ba = int(sets["macro.weight_bits"]), int(sets["macro.input_bits"])
f, V = float(sets["macro.clock_mhz"]), float(sets["macro.supply_v"]) or S["nominal_v"]
di, dw = float(opts["--input-density"]), float(opts["--weight-density"])
L = math.log2(R)
cols = N * Bw
area = {"array cells": R * cols * (A["cell_6t"] + A["cell_gate_per_side"]),
        "adder trees": cols * (2 * R * A["adder_bit"] + 2 * (L + 1) * A["register_bit"]),
        "shift-accumulators": N * (32 * (A["register_bit"] + A["adder_bit"]) + Bw * (L + 1) * A["adder_bit"]),
        "input drivers": R * (A["driver_per_row_lane"] + 2 * Ba * A["register_bit"]),
        "controller": A["controller"]}
mm2 = sum(area.values()) * 1e-6
dyn = (V / S["nominal_v"]) ** 2
ones = R * cols * di * dw
e = {"input lanes": dyn * Ba * R * di * cols * E["lane_one_per_cell"],
     "cell multipliers": dyn * Ba * ones * E["product_one"],
     "adder trees": dyn * Ba * ones * L * E["adder_bit"],
     "shift-accumulators": dyn * Ba * N * (32 * (E["adder_bit"] + E["register_bit"]) + Bw * (L + 1) * E["adder_bit"]),
     "leakage": E["leakage_mw_per_mm2"] * V / S["nominal_v"] * mm2 * Ba / f * 1e3}
ops = 2 * R * cols * Ba
tops1 = 2 * R * cols * f * 1e-6
vt, al, vn = S["threshold_v"], S["alpha"], S["nominal_v"]
fmax = S["max_clock_mhz"] * ((V - vt) ** al / V) / ((vn - vt) ** al / vn) if V > vt else 0
out = {"area_mm2": mm2, "area_um2": area, "peak_tops": tops1 / (Bw * Ba), "peak_tops_1b": tops1,
       "tops_per_mm2_1b": tops1 / mm2, "energy_per_1b_op_fj": sum(e.values()) / ops * 1e3,
       "energy_per_mvm_pj": e, "tops_per_w_1b": ops / sum(e.values()), "supply_v": V, "max_clock_mhz": fmax,
       "node": t["node"]}
json.dump(out, open(opts["--json"], "w"))
'''


def run(*args, **kw):
    return subprocess.run([PY, *map(str, args)], capture_output=True, text=True, timeout=600, **kw)


def stated_bounds():
    """{metric: bound} from docs/validation.md's <!-- validation-bounds: energy=X tops_per_mm2=Y --> line."""
    text = (SOURCE_DIR / "docs" / "validation.md").read_text()
    m = re.search(r"<!-- validation-bounds: (.*?) -->", text)
    assert m, "docs/validation.md states no validation-bounds line"
    return {k: float(v) for k, v in (kv.split("=") for kv in m.group(1).split())}


class ScalingTest(unittest.TestCase):
    """The scaling model reproduces the figures its source publishes."""

    @classmethod
    def setUpClass(cls):
        sys.path.insert(0, str(SOURCE_DIR / "scripts"))
        from validation import scaling
        cls.s = scaling

    def test_erratum_worked_example(self):
        # Stillmaker and Baas's erratum to section 4.2.1 (4 significant figures there): the energy factor of
        # 32 nm (HP) at 0.9 V is 0.4571, of 65 nm at 1.3 V 2.604, and 1 pJ/op scales to 0.1755 pJ/op (their quotient
        # of the rounded factors, 0.17554, truncated).
        self.assertAlmostEqual(self.s.energy_factor_at(32, 0.9), 0.4571, places=4)
        self.assertAlmostEqual(self.s.energy_factor_at(65, 1.3), 2.604, places=3)
        self.assertAlmostEqual(self.s.energy_factor_at(32, 0.9) / self.s.energy_factor_at(65, 1.3), 0.1755, delta=1e-4)

    def test_area_table(self):
        # The paper's area table, to its two significant figures: 45 -> 7 nm is 1/17, 45 -> 65 nm 1.5.
        self.assertAlmostEqual(self.s.area_factor(7) / self.s.area_factor(45), 1 / 17, delta=0.002)
        self.assertAlmostEqual(self.s.area_factor(65) / self.s.area_factor(45), 1.5, delta=0.05)

    def test_tabulated_nodes_are_not_blended(self):
        for n in (65, 45, 32, 20, 14, 10, 7):
            self.assertEqual(self.s.energy_factor(n, 0.8), self.s.energy_factor_at(n, 0.8))
            self.assertEqual(self.s.delay_factor(n, 0.8), self.s.delay_factor_at(n, 0.8))

    def test_interpolation_lies_between_and_extrapolation_continues(self):
        e32, e20 = self.s.energy_factor(32, 0.9), self.s.energy_factor(20, 0.9)
        self.assertTrue(e20 < self.s.energy_factor(28, 0.9) < e32)
        self.assertTrue(self.s.area_factor(4) < self.s.area_factor(5) < self.s.area_factor(7))
        self.assertTrue(self.s.extrapolated(5) and not self.s.extrapolated(7))


class GenTechTest(unittest.TestCase):
    def test_committed_files_are_up_to_date(self):
        r = run(SOURCE_DIR / "scripts" / "gen_tech", "--check")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_check_finds_a_stale_file(self):
        d = Path(tempfile.mkdtemp(prefix="test_validation-"))
        try:
            self.assertEqual(run(SOURCE_DIR / "scripts" / "gen_tech", "--nodes", "22", "--out-dir", d).returncode, 0)
            self.assertEqual(run(SOURCE_DIR / "scripts" / "gen_tech", "--nodes", "22", "--out-dir", d,
                                 "--check").returncode, 0)
            f = d / "22nm.yaml"
            f.write_text(f.read_text().replace("alpha: 1.3", "alpha: 1.4"))
            r = run(SOURCE_DIR / "scripts" / "gen_tech", "--nodes", "22", "--out-dir", d, "--check")
            self.assertEqual(r.returncode, 1)
            self.assertIn("22nm.yaml", r.stdout)
        finally:
            shutil.rmtree(d, ignore_errors=True)

    def test_offchip_energy_is_not_scaled(self):
        import yaml
        src = yaml.safe_load((SOURCE_DIR / "configs" / "tech" / "28nm.yaml").read_text())
        for f in (SOURCE_DIR / "configs" / "tech").glob("*nm.yaml"):
            t = yaml.safe_load(f.read_text())
            self.assertEqual(t["energy_pj"]["offchip_bit"], src["energy_pj"]["offchip_bit"], f)


class UserErrorTest(unittest.TestCase):
    def setUp(self):
        self.dir = Path(tempfile.mkdtemp(prefix="test_validation-"))

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def one_line_exit_2(self, r, *words):
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        lines = r.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, r.stderr)
        for w in words:
            self.assertIn(w, lines[0])

    def test_missing_binary(self):
        self.one_line_exit_2(run(SOURCE_DIR / "scripts" / "validate_cost", "--bin", self.dir), "ddcpim_cost")

    def stub_bin(self):
        b = self.dir / "bin"
        b.mkdir()
        (b / "ddcpim_cost").write_text(STUB)
        (b / "ddcpim_cost").chmod(0o755)
        return b

    def test_bad_csv(self):
        b = self.stub_bin()
        bad = self.dir / "bad.csv"
        bad.write_text("label,Index\nx,1\n")
        self.one_line_exit_2(run(SOURCE_DIR / "scripts" / "validate_cost", "--bin", b, "--csv", bad), "bad.csv")
        good = (SOURCE_DIR / "docs" / "data" / "validation" / "dimc_macros.csv").read_text().splitlines()
        bad.write_text("\n".join([good[0], good[1].replace(",0.57,", ",fast,")]) + "\n")
        self.one_line_exit_2(run(SOURCE_DIR / "scripts" / "validate_cost", "--bin", b, "--csv", bad), "E_OP1")

    def test_bad_tech_source(self):
        bad = self.dir / "28nm.yaml"
        bad.write_text("node: 28nm\narea_um2: {}\n")
        self.one_line_exit_2(run(SOURCE_DIR / "scripts" / "gen_tech", "--source", bad, "--out-dir", self.dir),
                             "28nm.yaml")

    def test_tool_failure(self):
        b = self.stub_bin()
        tech = self.dir / "STUB_FAIL"
        shutil.copytree(SOURCE_DIR / "configs" / "tech", tech)
        self.one_line_exit_2(run(SOURCE_DIR / "scripts" / "validate_cost", "--bin", b, "--tech-dir", tech),
                             "stub failure")

    def test_stub_end_to_end(self):
        """The command's plumbing on the stand-in: every macro, the leave-one-out factors, the JSON, the plots."""
        b = self.stub_bin()
        out = self.dir / "v.json"
        r = run(SOURCE_DIR / "scripts" / "validate_cost", "--bin", b, "--json", out, "--plot", self.dir)
        self.assertEqual(r.returncode, 0, r.stderr)
        doc = json.loads(out.read_text())
        self.assertEqual(len(doc["macros"]), 14)
        for m in doc["macros"]:
            for k in ("name", "node", "supply_v", "energy_error", "tops_per_mm2_error", "energy_error_raw",
                      "tops_per_mm2_error_raw", "predicted_energy_fj", "published_energy_fj"):
                self.assertIn(k, m)
            # The macro runs the published 1-bit throughput (the clock is passed to 6 significant figures).
            self.assertAlmostEqual(m["predicted_tops_1b"], m["published_tops_1b"], delta=1e-5 * m["published_tops_1b"])
        check_leave_one_out(self, doc)
        self.assertTrue((self.dir / "validation_energy.png").is_file())


def check_leave_one_out(test, doc):
    """Each macro's factor is the geometric mean of published / ours over the other publications' points."""
    import math
    ms = doc["macros"]
    for m in ms:
        others = [o["published_energy_fj"] / o["predicted_energy_fj"] for o in ms if o["index"] != m["index"]]
        k = math.exp(sum(map(math.log, others)) / len(others))
        test.assertAlmostEqual(m["energy_error"], m["predicted_energy_fj"] * k / m["published_energy_fj"] - 1, places=9)
    for metric in ("energy", "tops_per_mm2"):
        s = doc["summary"][metric]
        for k in ("median_abs_error", "worst_abs_error", "worst_macro"):
            test.assertIn(k, s)


class RealToolTest(unittest.TestCase):
    """validate_cost on build/bin/ddcpim_cost: its leave-one-out medians within docs/validation.md's bounds."""

    def setUp(self):
        if not (BIN_DIR / "ddcpim_cost").is_file():
            self.skipTest(f"{BIN_DIR / 'ddcpim_cost'} not built")
        self.dir = Path(tempfile.mkdtemp(prefix="test_validation-"))

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def test_medians_within_stated_bounds(self):
        out = self.dir / "v.json"
        r = run(SOURCE_DIR / "scripts" / "validate_cost", "--bin", BIN_DIR, "--json", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        doc = json.loads(out.read_text())
        check_leave_one_out(self, doc)
        bounds = stated_bounds()
        for metric, bound in bounds.items():
            self.assertLessEqual(doc["summary"][metric]["median_abs_error"], bound, metric)
        self.assertGreaterEqual(doc["summary"]["energy"]["macros"], 8)
        self.assertGreaterEqual(len(doc["summary"]["energy"]["nodes"]), 4)


if __name__ == "__main__":
    if len(sys.argv) >= 3 and not sys.argv[1].startswith("-"):
        BIN_DIR, SOURCE_DIR = Path(sys.argv[1]).resolve(), Path(sys.argv[2]).resolve()
        del sys.argv[1:3]
    unittest.main()
