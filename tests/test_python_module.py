#!/usr/bin/python3
"""The Python module ddcpim (docs/python.md): the fast engine in process equals the
clocked engine of ddcpim_sim, networks are built once, bad input raises ConfigError with
the command line's message, and the docs' example runs.

Usage: test_python_module.py BUILD_BIN_DIR SOURCE_DIR
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

BIN = Path(sys.argv[1]).resolve()
SRC = Path(sys.argv[2]).resolve()
sys.argv[1:] = sys.argv[3:]
sys.path.insert(0, str(BIN.parent / "python"))
import ddcpim  # noqa: E402

TINY = str(SRC / "configs" / "tiny_residual.yaml")
FASHION = str(SRC / "configs" / "fashion_mnist" / "mobilenetv2.yaml")
SIM = str(BIN / "ddcpim_sim")


def differences(a, b, path=""):
    """Every path at which two JSON values differ, skipping what only one engine has."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in sorted(set(a) | set(b)):
            if k in ("engine", "output"):
                continue
            if k not in a or k not in b:
                out.append(f"{path}.{k}: only in {'clocked' if k in a else 'fast'}")
            else:
                out += differences(a[k], b[k], f"{path}.{k}")
        return out
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{path}: {len(a)} vs {len(b)} items"]
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in differences(x, y, f"{path}[{i}]")]
    return [] if a == b else [f"{path}: clocked {a!r}, fast {b!r}"]


class FastEqualsClocked(unittest.TestCase):
    def test_points_in_every_mode(self):
        points = [
            (TINY, {}, "compare"),
            (TINY, {"macro.macros": 3, "macro.dw_mapping": "auto"}, "compare"),
            (TINY, {"macro.rows": 64, "macro.segment_rows": 16, "macro.input_bus_bits": 48}, "ddc"),
            (TINY, {"macro.weight_bits": 4, "macro.input_bits": 3, "macro.buffer_vectors": 3}, "baseline"),
            (FASHION, {"macro.macros": 4, "macro.write_rows_per_cycle": 2}, "compare"),
        ]
        models = {}
        for config, params, mode in points:
            model = models.setdefault(config, ddcpim.Model(config))
            fast = model.evaluate(params, mode)
            clocked = ddcpim.run_clocked(config, params, mode, sim=SIM)
            self.assertEqual(fast["engine"], "fast")
            self.assertEqual(clocked["engine"], "clocked")
            self.assertEqual(differences(clocked, fast), [], f"{config} {params} {mode}")
            self.assertGreater(fast["total_cycles"], 0)

    def test_the_cli_fast_engine_writes_the_same_json(self):
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "r.json")
            subprocess.run([SIM, "--config", TINY, "--engine", "fast", "--compare", "--set", "macro.macros=2",
                            "--json", out, "-q"], check=True, capture_output=True)
            import json
            with open(out) as f:
                cli = json.load(f)
        api = ddcpim.Model(TINY).evaluate({"macro.macros": 2}, "compare")
        self.assertEqual(differences(cli, api), [])
        self.assertIsNone(cli["ddc"]["output"])


class Networks(unittest.TestCase):
    def test_built_once_per_distinct_network(self):
        m = ddcpim.Model(TINY)
        for rows in (64, 128, 256):
            m.evaluate({"macro.rows": rows, "host.ops_per_cycle": 8})
        m.evaluate({"macro": {"rows": 512, "macros": 2}})
        self.assertEqual(m.networks_built, 1)
        m.evaluate({"weights.seed": 9})
        self.assertEqual(m.networks_built, 2)
        m.evaluate({"macro.weight_bits": 4})   # the network's default precision
        self.assertEqual(m.networks_built, 3)
        m.evaluate({"weights.seed": 9})
        self.assertEqual(m.networks_built, 3)

    def test_a_changed_network_changes_the_figures(self):
        m = ddcpim.Model(TINY)
        a = m.evaluate({}, "ddc")
        b = m.evaluate({"network.layers.classifier.out_features": 40}, "ddc")
        self.assertNotEqual(a["total_cycles"], b["total_cycles"])
        self.assertEqual(differences(ddcpim.run_clocked(TINY, {"network.layers.classifier.out_features": 40}, sim=SIM), b), [])

    def test_overrides_of_the_model_apply_to_every_point(self):
        m = ddcpim.Model(TINY, overrides=["macro.macros=2"])
        self.assertEqual(m.evaluate()["macro"]["macros"], 2)
        self.assertEqual(m.evaluate({"macro.rows": 128})["macro"]["macros"], 2)
        self.assertIn("rows: 128", m.check({"macro.rows": 128}))

    def test_a_point_reads_the_config_the_command_line_reads(self):
        # Points that leave the network alone take it from the file's, parsed once (explorer.cpp); the
        # others (the macro's precisions are the network's defaults) read the whole tree again.
        m = ddcpim.Model(FASHION, overrides=["macro.macros=2"])
        points = [{}, {"macro.rows": 64}, {"macro.input_bits": 4}, {"macro.weight_bits": 6, "macro.rows": 128},
                  {"system.images": 3, "memory.latency": 7}, {"host.ops_per_cycle": 4}, {"technology": "none"},
                  {"limits.pairing_bytes": 10 ** 9}, {"network.activation_bits": 6}, {"fcc.policy": "all"}]
        for point in points:
            args = [SIM, "--config", FASHION, "--print-config", "--set", "macro.macros=2"]
            for k, v in point.items():
                args += ["--set", f"{k}={v}"]
            cli = subprocess.run(args, check=True, capture_output=True, text=True).stdout
            cli = "\n".join(line for line in cli.splitlines() if not line.startswith("#"))
            self.assertEqual(m.check(point).strip(), cli.strip(), point)

    def test_the_dict_is_the_json_text_parsed(self):
        # evaluate converts the result to Python objects directly; they are what json.loads makes of the
        # --json text: the same keys in the same order, ints as ints, floats as floats, nulls as None.
        m = ddcpim.Model(TINY)
        for mode, lean, layer_energy in (("compare", False, True), ("ddc", True, True), ("baseline", True, False)):
            point = [("macro.rows", "128"), ("system.images", "2")]
            direct = m._explorer.evaluate(point, mode, lean, layer_energy)
            text = json.loads(m._explorer.evaluate_json(point, mode, lean, layer_energy))
            self.assertEqual(json.dumps(direct), json.dumps(text))
            self.assertEqual(direct, text)

    def test_lean_keeps_what_a_sweep_writes(self):
        m = ddcpim.Model(TINY)
        for mode in ("compare", "ddc"):
            full, lean = m.evaluate({"macro.rows": 128}, mode), m.evaluate({"macro.rows": 128}, mode, lean=True)
            # layer_energy=False (a sweep without --layer-energy): the same, less each layer's components.
            leaner = m.evaluate({"macro.rows": 128}, mode, lean=True, layer_energy=False)
            stripped = json.loads(json.dumps(lean))
            for side in (("ddc", "baseline") if mode == "compare" else (None,)):
                for L in (stripped[side] if side else stripped)["layers"]:
                    self.assertIn("energy_uj_by_component", L)
                    del L["energy_uj_by_component"]
            self.assertEqual(differences(stripped, leaner), [])
            self.assertEqual(stripped, leaner)
            self.assertIn("rows: 128", full["config"])
            self.assertNotIn("config", lean)
            self.assertEqual(mode == "compare", "layers" in full and "layers" not in lean)
            # Every other field is there and the same; a layer keeps what the rows read.
            keep = {"name", "kind", "cycles", "macro_cycles", "host_cycles", "energy_uj", "energy_uj_by_component"}
            for side in (("ddc", "baseline") if mode == "compare" else (None,)):
                f, l = (full[side], lean[side]) if side else (full, lean)
                self.assertEqual(len(f["layers"]), len(l["layers"]))
                for a, b in zip(f["layers"], l["layers"]):
                    self.assertEqual(set(b), keep)
                    self.assertEqual({k: a[k] for k in keep}, b)
                f.pop("layers"), l.pop("layers")
            full.pop("config"), full.pop("layers", None)
            self.assertEqual(differences(full, lean), [])
        # The resolved config is written once per point and kept: each point gets its own.
        for rows in (64, 128, 64):
            self.assertIn(f"rows: {rows}\n", m.evaluate({"macro.rows": rows})["config"])


class Errors(unittest.TestCase):
    def cli_error(self, *args):
        p = subprocess.run([SIM, *args, "-q"], capture_output=True, text=True)
        self.assertEqual(p.returncode, 2, p.stderr)
        m = re.search(r"^ddcpim_sim: error: (.*)$", p.stderr, re.M)
        self.assertIsNotNone(m, p.stderr)
        return m.group(1)

    def test_a_bad_value_raises_the_cli_message(self):
        expected = self.cli_error("--config", TINY, "--set", "macro.segment_rows=48")
        with self.assertRaises(ddcpim.ConfigError) as e:
            ddcpim.Model(TINY).evaluate({"macro.segment_rows": 48})
        self.assertEqual(str(e.exception), expected)
        with self.assertRaises(ddcpim.ConfigError) as e:
            ddcpim.run_clocked(TINY, {"macro.segment_rows": 48}, sim=SIM)
        self.assertEqual(str(e.exception), expected)
        self.assertIsInstance(e.exception, ValueError)
        # validate() (what `sweep run` checks every point with) says the same, and nothing for a good point.
        with self.assertRaises(ddcpim.ConfigError) as e:
            ddcpim.Model(TINY).validate({"macro.segment_rows": 48})
        self.assertEqual(str(e.exception), expected)
        self.assertIsNone(ddcpim.Model(TINY).validate({"macro.segment_rows": 32}))

    def test_an_unknown_key_and_a_missing_file(self):
        expected = self.cli_error("--config", TINY, "--set", "macro.rowz=3")
        with self.assertRaises(ddcpim.ConfigError) as e:
            ddcpim.Model(TINY).evaluate({"macro.rowz": 3})
        self.assertEqual(str(e.exception), expected)
        expected = self.cli_error("--config", "/nonexistent/x.yaml")
        with self.assertRaises(ddcpim.ConfigError) as e:
            ddcpim.Model("/nonexistent/x.yaml")
        self.assertEqual(str(e.exception), expected)

    def test_a_kernel_taller_than_the_array(self):
        expected = self.cli_error("--config", TINY, "--set", "macro.rows=16", "--set", "macro.segment_rows=16")
        with self.assertRaises(ddcpim.ConfigError) as e:
            ddcpim.Model(TINY).evaluate({"macro.rows": 16, "macro.segment_rows": 16})
        self.assertEqual(str(e.exception), expected)

    def test_a_bad_mode_and_a_bad_override(self):
        with self.assertRaises(ddcpim.ConfigError):
            ddcpim.Model(TINY).evaluate({}, "fast")
        with self.assertRaises(ddcpim.ConfigError):
            ddcpim.Model(TINY, overrides=["no-equals-sign"])
        # The model stays usable after an error.
        m = ddcpim.Model(TINY)
        with self.assertRaises(ddcpim.ConfigError):
            m.evaluate({"macro.rows": -1})
        self.assertGreater(m.evaluate()["total_cycles"], 0)
        # One "KEY=VALUE" string is one override, as --set takes it (issue 22: it was read as characters).
        self.assertEqual(m.evaluate("macro.rows=128"), m.evaluate({"macro.rows": 128}))


class DocsExample(unittest.TestCase):
    def test_every_python_block_of_docs_python_md_runs(self):
        text = (SRC / "docs" / "python.md").read_text()
        blocks = re.findall(r"```python\n(.*?)```", text, re.S)
        self.assertTrue(blocks)
        # Run from a checkout whose build/ is this build: the example says sys.path "build/python".
        with tempfile.TemporaryDirectory() as d:
            os.symlink(SRC / "configs", Path(d) / "configs")
            os.symlink(BIN.parent, Path(d) / "build")
            for code in blocks:
                p = subprocess.run([sys.executable, "-c", code], cwd=d, capture_output=True, text=True,
                                   env=dict(os.environ, DDCPIM_SIM=SIM))
                self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
                self.assertIn("speedup", p.stdout)


if __name__ == "__main__":
    unittest.main(verbosity=2)
