"""Property-based fuzzing of the Python side (issue 23) with Debian's python3-hypothesis: every input a user
can hand the tools is generated, valid and damaged, and each tool must answer with its own error (exit 2 and
one line at the command line, or the documented exception in process) or a result, never a traceback, a
hang or another exception.

- sweep specs (scripts/sweeps/spec.py): random YAML trees grafted onto a valid spec;
- IDX and npy datasets (scripts/trainer/data.py): random headers, bodies, gzip damage, dtypes and shapes;
- trainer checkpoints (scripts/trainer/checkpoint.py): random files where a checkpoint is expected;
- ddcpim.Model.evaluate: random override keys and values (the C++ loader behind the Python module);
- the ONNX importer: small conv networks generated with onnx.helper, then damaged (attributes, shapes,
  initialisers, truncated bytes); the TF.js importer: a valid model.json mutated.

Examples per property: DDCPIM_FUZZ_EXAMPLES (default 25, a fixed derandomised run in CI); a campaign sets
it higher (docs/reliability.md). Run by ctest as: test_python_fuzz.py BIN_DIR SOURCE_DIR.
"""
import contextlib
import gzip
import io
import json
import os
import struct
import sys
import tempfile
import unittest
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings, strategies as st

import importer_test_case as paths

sys.path.insert(0, str(paths.source_dir / "scripts"))
sys.path.insert(0, str(paths.bin_dir.parent / "python"))

from sweeps.spec import Spec, SweepError  # noqa: E402
from trainer.data import IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, check_labels, fit_to_input, load_split, read_idx  # noqa: E402
from trainer.errors import TrainError  # noqa: E402

EXAMPLES = int(os.environ.get("DDCPIM_FUZZ_EXAMPLES", "25"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))
TINY = str(paths.source_dir / "configs" / "tiny_residual.yaml")

scalars = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(allow_nan=True),
                    st.text(max_size=12))
trees = st.recursive(scalars, lambda kids: st.one_of(st.lists(kids, max_size=4),
                                                     st.dictionaries(st.text(max_size=10), kids, max_size=4)),
                     max_leaves=12)
KEYS = st.sampled_from(["macro.rows", "macro.weight_columns", "macro.segment_rows", "macro.dw_mapping",
                        "macro.macros", "system.images", "system.residency", "memory.bytes_per_cycle",
                        "fcc.policy", "fcc.kinds", "fcc.block", "limits.pairing_work", "network.layers.fc.kernel",
                        "network.layers[3].stride", "weights.seed", "host.ops_per_cycle", "bogus", "macro",
                        "macro.", ".rows", "network.layers[99].stride"])


def tmpdir():
    return tempfile.TemporaryDirectory(prefix="test_python_fuzz-")


class SweepSpecs(unittest.TestCase):
    @FUZZ
    @given(section=st.sampled_from(["networks", "modes", "grid", "zip", "set", "name", "extra"]), value=trees,
           key=KEYS)
    def test_a_damaged_spec_is_a_sweep_error(self, section, value, key):
        doc = {"networks": [TINY], "modes": ["ddc"], "grid": {"macro.rows": [128, 256]}}
        if section in ("grid", "zip", "set"):
            doc[section] = {key: value}
        else:
            doc[section] = value
        with tmpdir() as d:
            p = Path(d) / "spec.yaml"
            p.write_text(json.dumps(doc, default=str))   # JSON is YAML
            try:
                spec = Spec(str(p), 10_000)
                spec.points()
            except SweepError as e:
                self.assertNotIn("\n", str(e).strip(), "one line")


class Datasets(unittest.TestCase):
    @FUZZ
    @given(magic=st.sampled_from([IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, 0, 0x803 ^ 1]),
           dims=st.lists(st.integers(0, 2**32 - 1), min_size=0, max_size=4),
           body=st.binary(max_size=64), gz=st.booleans(), cut=st.integers(0, 40))
    def test_idx_files(self, magic, dims, body, gz, cut):
        raw = struct.pack(">I", magic) + b"".join(struct.pack(">I", d) for d in dims) + body
        with tmpdir() as d:
            p = Path(d) / "train-images-idx3-ubyte"
            if gz:
                data = gzip.compress(raw)
                (Path(d) / (p.name + ".gz")).write_bytes(data[:len(data) - cut] if cut else data)
            else:
                p.write_bytes(raw)
            try:
                a = read_idx(p, IDX_IMAGES_MAGIC)
                self.assertEqual(a.ndim, 3)
                self.assertEqual(a.size, len(body))
            except TrainError as e:
                self.assertNotIn("\n", str(e))

    @FUZZ
    @given(dtype=st.sampled_from(["uint8", "int16", "float32", "float64", "bool", "int64", "complex64", "object"]),
           shape=st.lists(st.integers(0, 6), min_size=0, max_size=5), labels=st.lists(st.integers(-3, 20),
                                                                                      max_size=8),
           scale=st.sampled_from([1, 255, 300, -1, 0.5, float("nan")]), classes=st.integers(1, 12))
    def test_npy_datasets(self, dtype, shape, labels, scale, classes):
        # What the pipeline does with --data DIR holding npy arrays: load, fit to the input, check labels.
        with np.errstate(all="ignore"):
            a = (np.arange(int(np.prod(shape)) if shape else 1) * scale % 300).reshape(shape) if shape else \
                np.array(scale)
        a = a.astype(dtype) if dtype != "object" else a.astype(object)
        with tmpdir() as d:
            np.save(Path(d) / "train_images.npy", a, allow_pickle=True)
            np.save(Path(d) / "train_labels.npy", np.array(labels, dtype=np.int64))
            try:
                x, y = load_split(d, "train")
                x = fit_to_input(x, (1, 4, 4), "fuzz")
                check_labels(y, classes, "fuzz")
                self.assertEqual(x.shape[1:], (1, 4, 4))
                self.assertEqual(x.dtype, np.uint8)
                self.assertEqual(len(x), len(y))
            except TrainError as e:
                self.assertNotIn("\n", str(e))

    @FUZZ
    @given(content=st.one_of(st.binary(max_size=200), st.builds(lambda t: json.dumps(t, default=str).encode(), trees)))
    def test_a_file_that_is_no_checkpoint(self, content):
        import torch  # noqa: F401  (the loader's dependency; imported here so the other tests stay light)
        from trainer import checkpoint
        from trainer.model import Model
        from trainer.netspec import load_netspec
        spec = load_netspec(paths.source_dir / "configs" / "fashion_mnist" / "mobilenetv2_half.yaml")
        with tmpdir() as d:
            p = Path(d) / "x.pt"
            p.write_bytes(content)
            with self.assertRaises(TrainError) as e:
                checkpoint.load(Model(spec), p, ["qat"])
            self.assertNotIn("\n", str(e.exception))


class ModuleArguments(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        try:
            import ddcpim
        except ImportError:   # sanitizer builds have no module
            raise unittest.SkipTest(f"the ddcpim module is not built in {paths.bin_dir.parent / 'python'}")
        cls.ddcpim = ddcpim
        cls.model = ddcpim.Model(TINY)

    @FUZZ
    @given(params=st.dictionaries(KEYS, scalars, max_size=3) | st.lists(st.text(max_size=20), max_size=3)
           | st.text(max_size=20), mode=st.sampled_from(["ddc", "baseline", "compare", "fast", ""]))
    def test_evaluate_returns_figures_or_a_config_error(self, params, mode):
        try:
            j = self.model.evaluate(params, mode)
            self.assertIn("total_cycles" if mode != "compare" else "speedup", j)
        except self.ddcpim.ConfigError as e:
            self.assertTrue(str(e))
        # The model stays usable after anything.
        self.assertGreater(self.model.evaluate()["total_cycles"], 0)


def run_import(argv):
    """ddcpim_import's main() in process: (exit status, stderr)."""
    sys.path.insert(0, str(paths.source_dir / "scripts"))
    import importlib.machinery
    import importlib.util
    loader = importlib.machinery.SourceFileLoader("ddcpim_import_cli", str(paths.source_dir / "scripts" / "ddcpim_import"))
    spec = importlib.util.spec_from_loader("ddcpim_import_cli", loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    err, out = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        rc = mod.main(argv)
    return rc, err.getvalue()


def conv_net(rng_seed, c_in, c_out, k, stride, pad, group, damage):
    """A small ONNX model: Conv -> Relu -> GlobalAveragePool -> Flatten -> Gemm, then one damage applied."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    rng = np.random.default_rng(rng_seed)
    w = rng.normal(0, 0.3, (c_out, max(1, c_in // max(group, 1)), k, k)).astype(np.float32)
    fc = rng.normal(0, 0.3, (4, c_out)).astype(np.float32)
    inits = [numpy_helper.from_array(w, "w"), numpy_helper.from_array(np.zeros(c_out, np.float32), "b"),
             numpy_helper.from_array(fc, "fc"), numpy_helper.from_array(np.zeros(4, np.float32), "fcb")]
    conv_attrs = dict(kernel_shape=[k, k], strides=[stride, stride], pads=[pad] * 4, group=group)
    nodes = [helper.make_node("Conv", ["x", "w", "b"], ["c"], **conv_attrs),
             helper.make_node("Relu", ["c"], ["r"]),
             helper.make_node("GlobalAveragePool", ["r"], ["p"]),
             helper.make_node("Flatten", ["p"], ["f"], axis=1),
             helper.make_node("Gemm", ["f", "fc", "fcb"], ["y"], transB=1)]
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, c_in, 8, 8])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])
    if damage == "drop_attribute":
        del nodes[0].attribute[0]
    elif damage == "nan_weight":
        w[0, 0, 0, 0] = np.nan
        inits[0] = numpy_helper.from_array(w, "w")
    elif damage == "missing_initializer":
        inits = inits[1:]
    elif damage == "bad_input_rank":
        x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, c_in])
    elif damage == "unknown_op":
        nodes[1] = helper.make_node("Frobnicate", ["c"], ["r"])
    elif damage == "cycle":
        nodes[1] = helper.make_node("Relu", ["r"], ["c"])
    graph = helper.make_graph(nodes, "fuzz", [x], [y], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]).SerializeToString()


class Importers(unittest.TestCase):
    @FUZZ
    @given(seed=st.integers(0, 2**16), c_in=st.integers(1, 4), c_out=st.integers(1, 6), k=st.integers(1, 4),
           stride=st.integers(0, 3), pad=st.integers(-1, 3), group=st.integers(0, 3),
           damage=st.sampled_from(["none", "drop_attribute", "nan_weight", "missing_initializer", "bad_input_rank",
                                   "unknown_op", "cycle", "truncate"]),
           cut=st.integers(1, 200))
    def test_onnx_models_import_or_exit_2(self, seed, c_in, c_out, k, stride, pad, group, damage, cut):
        data = conv_net(seed, c_in, c_out, k, stride, pad, group, damage)
        if damage == "truncate":
            data = data[:max(0, len(data) - cut)]
        with tmpdir() as d:
            m = Path(d) / "m.onnx"
            m.write_bytes(data)
            rc, err = run_import(["onnx", str(m), str(Path(d) / "out"), "--fcc", "none", "--no-eval",
                                  "--images", "4", "--calib", "2", "--bin", str(paths.bin_dir)])
        self.assertIn(rc, (0, 2), err)
        self.assertNotIn("Traceback", err)
        self.assertNotIn("internal error", err)
        if rc == 2:
            self.assertEqual(len(err.strip().splitlines()), 1, err)

    @FUZZ
    @given(path=st.lists(st.sampled_from(["modelTopology", "model_config", "config", "layers", 0, 1, 2, "config",
                                          "kernel_size", "strides", "filters", "name", "weightsManifest", "paths",
                                          "weights", "shape", "dtype", "batch_input_shape"]), min_size=1, max_size=6),
           value=trees)
    def test_tfjs_models_import_or_exit_2(self, path, value):
        from test_import import tiny_model, write_tfjs
        with tmpdir() as d:
            layers, weights = tiny_model(np.random.default_rng(3))
            model = write_tfjs(Path(d), layers, weights)
            doc = json.loads(model.read_text())
            node = doc
            for step in path[:-1]:
                if isinstance(node, dict) and step in node:
                    node = node[step]
                elif isinstance(node, list) and isinstance(step, int) and step < len(node):
                    node = node[step]
                else:
                    break
            last = path[-1]
            if isinstance(node, dict) and isinstance(last, str):
                node[last] = value
            elif isinstance(node, list) and isinstance(last, int) and last < len(node):
                node[last] = value
            model.write_text(json.dumps(doc, default=str))
            rc, err = run_import(["tfjs", str(model), str(Path(d) / "out"), "--fcc", "none", "--no-eval",
                                  "--images", "4", "--calib", "2", "--bin", str(paths.bin_dir)])
        self.assertIn(rc, (0, 2), err)
        self.assertNotIn("Traceback", err)
        self.assertNotIn("internal error", err)


if __name__ == "__main__":
    paths.main()
