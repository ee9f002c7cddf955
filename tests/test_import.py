#!/usr/bin/python3
"""Tests of scripts/ddcpim_import on a tiny TF.js Layers model written here (offline, a few seconds).

  /usr/bin/python3 tests/test_import.py BIN_DIR SOURCE_DIR [unittest options]

or with DDCPIM_BIN_DIR and DDCPIM_SOURCE_DIR in the environment; by default
SOURCE_DIR is this file's repository and BIN_DIR its build/bin.
"""
import json
import subprocess

import numpy as np

from importer_test_case import ImporterTestCase, main


def layer(name, cls, inputs, **config):
    return {"name": name, "class_name": cls, "config": {"name": name, **config},
            "inbound_nodes": [[[i, 0, 0, {}] for i in inputs]] if inputs else []}


def tiny_model(rng, extra_layer=None):
    """Keras-style functional model on a 12x12x3 input and its weights (name -> float32 array).

    pad(0,1) -> conv 3x3/2 valid (no bias) -> BN -> relu6 -> depthwise 3x3/2 'same' (asymmetric: 0 top, 1
    bottom) -> BN -> relu -> pointwise (bias) -> BN -> add(relu) -> global pool -> dropout -> dense softmax.
    """
    layers = [
        layer("input_1", "InputLayer", [], batch_input_shape=[None, 12, 12, 3], dtype="float32"),
        layer("pad", "ZeroPadding2D", ["input_1"], padding=[[0, 1], [0, 1]]),
        layer("conv", "Conv2D", ["pad"], filters=8, kernel_size=[3, 3], strides=[2, 2], padding="valid",
              activation="linear", use_bias=False),
        layer("conv_bn", "BatchNormalization", ["conv"], epsilon=1e-3),
        layer("conv_relu", "ReLU", ["conv_bn"], max_value=6, negative_slope=0, threshold=0),
        layer("dw", "DepthwiseConv2D", ["conv_relu"], kernel_size=[3, 3], strides=[2, 2], padding="same",
              depth_multiplier=1, activation="linear", use_bias=False),
        layer("dw_bn", "BatchNormalization", ["dw"], epsilon=1e-3),
        layer("dw_relu", "ReLU", ["dw_bn"], max_value=None, negative_slope=0, threshold=0),
        layer("pw", "Conv2D", ["dw_relu"], filters=8, kernel_size=[1, 1], strides=[1, 1], padding="same",
              activation="linear", use_bias=True),
        layer("pw_bn", "BatchNormalization", ["pw"], epsilon=1e-3),
        layer("add", "Add", ["pw_bn", "dw_relu"]),
        layer("gap", "GlobalAveragePooling2D", ["add"]),
        layer("drop", "Dropout", ["gap"], rate=0.5),
        layer("dense", "Dense", ["drop"], units=4, activation="softmax", use_bias=True),
    ]
    if extra_layer:
        layers.insert(-1, layer(extra_layer, "MaxPooling2D", ["drop"], pool_size=[1, 1]))
        layers[-1]["inbound_nodes"] = [[[extra_layer, 0, 0, {}]]]

    def bn(c):
        return {"gamma": rng.uniform(0.5, 1.5, c), "beta": rng.normal(0, 0.2, c),
                "moving_mean": rng.normal(0, 0.2, c), "moving_variance": rng.uniform(0.5, 2, c)}

    w = {"conv/kernel": rng.normal(0, 0.3, (3, 3, 3, 8)), "dw/depthwise_kernel": rng.normal(0, 0.4, (3, 3, 8, 1)),
         "pw/kernel": rng.normal(0, 0.4, (1, 1, 8, 8)), "pw/bias": rng.normal(0, 0.1, 8),
         "dense/kernel": rng.normal(0, 0.5, (8, 4)), "dense/bias": rng.normal(0, 0.1, 4)}
    for name in ("conv_bn", "dw_bn", "pw_bn"):
        w.update({f"{name}/{k}": v for k, v in bn(8).items()})
    return layers, {k: np.asarray(v, dtype=np.float32) for k, v in w.items()}


def write_tfjs(directory, layers, weights, quantized=("conv/kernel",)):
    """model.json + one shard; the names in `quantized` are stored as uint8 with min/scale."""
    manifest, blobs = [], []
    for name, v in weights.items():
        entry = {"name": name, "shape": list(v.shape), "dtype": "float32"}
        if name in quantized:
            lo, scale = float(v.min()), float(v.max() - v.min()) / 255
            q = np.clip(np.round((v - lo) / scale), 0, 255).astype(np.uint8)
            weights[name] = (q.astype(np.float64) * scale + lo).astype(np.float32)   # what the model really is
            entry["quantization"] = {"dtype": "uint8", "min": lo, "scale": scale}
            blobs.append(q.tobytes())
        else:
            blobs.append(v.astype("<f4").tobytes())
        manifest.append(entry)
    (directory / "group1-shard1of1").write_bytes(b"".join(blobs))
    model = {"modelTopology": {"keras_version": "2.2.4", "backend": "tensorflow",
                               "model_config": {"class_name": "Model", "config": {
                                   "name": "tiny", "layers": layers, "input_layers": [["input_1", 0, 0]],
                                   "output_layers": [["dense", 0, 0]]}}},
             "weightsManifest": [{"paths": ["group1-shard1of1"], "weights": manifest}]}
    (directory / "model.json").write_text(json.dumps(model))
    return directory / "model.json"


def float_reference(w, img):
    """The tiny model in plain numpy (H, W, C), written independently of the importer: logits."""
    def bn(x, name):
        g, b, m, v = (w[f"{name}/{k}"].astype(np.float64) for k in ("gamma", "beta", "moving_mean", "moving_variance"))
        return (x - m) / np.sqrt(v + 1e-3) * g + b

    def conv(x, k, stride, pad, depthwise=False):   # k: (K, K, I, O) or (K, K, C, 1)
        t, b, l_, r = pad
        x = np.pad(x, ((t, b), (l_, r), (0, 0)))
        kk = k.shape[0]
        ho, wo = (x.shape[0] - kk) // stride + 1, (x.shape[1] - kk) // stride + 1
        out = np.zeros((ho, wo, x.shape[2] if depthwise else k.shape[3]))
        for y in range(ho):
            for xx in range(wo):
                patch = x[y * stride:y * stride + kk, xx * stride:xx * stride + kk, :]
                out[y, xx] = (patch * k[:, :, :, 0]).sum((0, 1)) if depthwise else np.tensordot(patch, k, 3)
        return out

    x = img.astype(np.float64) / 255
    a = np.clip(bn(conv(x, w["conv/kernel"], 2, (0, 1, 0, 1)), "conv_bn"), 0, 6)        # 6x6x8
    d = np.maximum(bn(conv(a, w["dw/depthwise_kernel"], 2, (0, 1, 0, 1), True), "dw_bn"), 0)  # 'same': 3x3x8
    p = bn(conv(d, w["pw/kernel"], 1, (0, 0, 0, 0)) + w["pw/bias"], "pw_bn")
    g = (p + d).mean((0, 1))
    return g @ w["dense/kernel"] + w["dense/bias"]


class ImportTest(ImporterTestCase):
    FORMAT = "tfjs"

    def test_import_matches_float_model(self):
        layers, weights = tiny_model(np.random.default_rng(5))
        model = write_tfjs(self.dir, layers, weights)
        r = self.run_import(model, "--fcc", "none", "--images", "40", "--calib", "16",
                            "--json", str(self.dir / "eval.json"))
        self.assertEqual(r.returncode, 0, f"stdout:\n{r.stdout}\nstderr:\n{r.stderr}")
        ev = json.loads((self.dir / "eval.json").read_text())["rows"][0]
        self.assertEqual(ev["ref_cross_check"], "ok")           # numpy int8 engine == ddcpim_ref, bit for bit
        self.assertGreater(ev["logit_sqnr_db"], 20)
        self.assertGreaterEqual(ev["top1_agreement"], 0.8)

        text = (self.dir / "out" / "network.yaml").read_text()
        self.assertIn("padding: [0, 0, 1, 1]", text)              # ZeroPadding2D folded into conv, asymmetric
        self.assertEqual(text.count("padding: [0, 0, 1, 1]"), 2)  # and 'same' with stride 2 on an even input
        self.assertNotIn("fcc:", text)

        # ddcpim_ref on an image of our own: its last accumulators give logits near the float reference.
        img = np.random.default_rng(9).integers(0, 256, (12, 12, 3))
        np.save(self.dir / "x.npy", img.transpose(2, 0, 1).astype(np.int32))
        r = subprocess.run([str(self.ref), "--config", str(self.dir / "out" / "network.yaml"), "--input",
                            str(self.dir / "x.npy"), "--dump", str(self.dir / "dump"), "-q"],
                           capture_output=True, text=True, env=self.env)
        self.assertEqual(r.returncode, 0, r.stderr)
        wdir = self.dir / "out" / "weights"
        acc = np.load(sorted((self.dir / "dump").glob("*_dense.acc.npy"))[0]).ravel().astype(np.int64)
        rq = np.load(wdir / "dense.requant.npy")
        logits = (acc + np.load(wdir / "dense.bias.npy")) * rq[:, 0] / 2.0 ** rq[:, 1] * np.load(
            wdir / "dense.out_scale.npy")[0]
        ref = float_reference(weights, img)
        err = np.sqrt(np.mean((logits - ref) ** 2)) / np.sqrt(np.mean(ref ** 2))
        self.assertLess(err, 0.1, f"int8 {logits} vs float {ref}")

        # weight files: shapes of docs/config.md, int8 range, C order.
        self.assertEqual(np.load(wdir / "conv.weight.npy").shape, (8, 3, 3, 3))
        self.assertEqual(np.load(wdir / "dw.weight.npy").shape, (8, 1, 3, 3))
        self.assertEqual(np.load(wdir / "pw.weight.npy").shape, (8, 8, 1, 1))
        self.assertEqual(np.load(wdir / "dense.weight.npy").shape, (4, 8))
        self.assertLessEqual(np.abs(np.load(wdir / "conv.weight.npy")).max(), 127)
        self.assertEqual(np.load(wdir / "conv_relu.clamp.npy")[0], 0)

    def test_fcc_auto_is_the_default_written_and_loads(self):
        layers, weights = tiny_model(np.random.default_rng(6))
        model = write_tfjs(self.dir, layers, weights)
        r = self.run_import(model, "--no-eval")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("--fcc none leaves the network unpaired", r.stdout)
        self.assertIn("fcc: {pairs: auto}", (self.dir / "out" / "network.yaml").read_text())
        r = subprocess.run([str(self.ref), "--config", str(self.dir / "out" / "network.yaml"), "-q"],
                           capture_output=True, text=True, env=self.env)
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_fcc_policy_is_written_and_decided_by_the_loader(self):
        layers, weights = tiny_model(np.random.default_rng(6))
        model = write_tfjs(self.dir, layers, weights)
        r = self.run_import(model, "--no-eval", "--fcc-policy", "rectified")
        self.assertEqual(r.returncode, 0, r.stderr)
        cfg = self.dir / "out" / "network.yaml"
        self.assertIn("fcc: {pairs: auto, policy: rectified}", cfg.read_text())
        report = self.dir / "policy.json"
        r = subprocess.run([str(self.ref.parent / "ddcpim_fcc"), "--config", str(cfg), "--policy", "--report",
                            str(report)], capture_output=True, text=True, env=self.env)
        self.assertEqual(r.returncode, 0, r.stderr)
        decided = {l["name"]: l["paired"] for l in json.loads(report.read_text())["layers"]}
        # The classifier's output is the network's: linear, never paired under `rectified`.
        self.assertFalse(decided["dense"])
        self.assertTrue(any(decided.values()), decided)
        for bad, words in ((("--fcc-policy", "kinds"), "needs --fcc-kinds"),
                           (("--fcc-policy", "kinds", "--fcc-kinds", "stem,tail"), "unknown role 'tail'"),
                           (("--fcc-kinds", "stem"), "only with --fcc-policy kinds")):
            r = self.run_import(model, "--no-eval", *bad)
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertIn(words, r.stderr)
            self.assertNotIn("Traceback", r.stderr)

    def expect_refusal(self, edit, *words, weights_edit=None):
        """The tiny model with `edit(layers by name, model.json)` and `weights_edit(weights)` applied: exit 2,
        no traceback, one error line holding `words`."""
        layers, weights = tiny_model(np.random.default_rng(5))
        if weights_edit:
            weights_edit(weights)
        model = write_tfjs(self.dir, layers, weights)
        doc = json.loads(model.read_text())
        edit({L["name"]: L for L in doc["modelTopology"]["model_config"]["config"]["layers"]}, doc)
        model.write_text(json.dumps(doc))
        r = self.run_import(model, "--no-eval", "--images", "4", "--calib", "2")
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertNotIn("Traceback", r.stderr)
        lines = r.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, r.stderr)
        for w in words:
            self.assertIn(w, lines[0])

    def test_hostile_values_exit_2_naming_the_layer(self):
        """Issue 15: strides 0 was a ZeroDivisionError traceback; NaN weights and BatchNormalization epsilon -1
        were taken (the network then outputs zeros); shard paths could name any file."""
        def cfg(layer, **kw):
            return lambda L, doc: L[layer]["config"].update(kw)

        def manifest(**kw):
            return lambda L, doc: doc["weightsManifest"][0].update(kw)

        def nan(name, index):
            return lambda w: w[name].__setitem__(index, np.nan)

        cases = {
            "strides 0": (cfg("conv", strides=[0, 0]),
                          ["layer 'conv' (Conv2D): strides [0, 0]: expected 2 integers 1..64"]),
            "negative kernel": (cfg("dw", kernel_size=[-3, -3]),
                                ["layer 'dw' (DepthwiseConv2D): kernel_size [-3, -3]"]),
            "negative padding": (cfg("pad", padding=[[0, -1], [0, 1]]), ["layer 'pad' (ZeroPadding2D): padding"]),
            "epsilon -1": (cfg("conv_bn", epsilon=-1), ["layer 'conv_bn' (BatchNormalization): epsilon -1: expected "
                                                        "a finite value > 0"]),
            "kernel_size a string": (cfg("pw", kernel_size="1"), ["layer 'pw' (Conv2D): kernel_size '1'"]),
            "input shape 0": (cfg("input_1", batch_input_shape=[None, 0, 12, 3]), ["layer 'input_1' (InputLayer)"]),
            "absolute shard path": (lambda L, doc: doc["weightsManifest"][0].update(
                paths=[str(self.dir / "group1-shard1of1")]), ["weight shard path", "relative to model.json"]),
            "shard path with ..": (manifest(paths=["../group1-shard1of1"]),
                                   ["weight shard path '../group1-shard1of1'"]),
            "negative shape": (lambda L, doc: doc["weightsManifest"][0]["weights"][1].update(shape=[-1]),
                               ["weight 'dw/depthwise_kernel': shape [-1]"]),
        }
        for name, (edit, words) in cases.items():
            with self.subTest(name):
                self.expect_refusal(edit, *words)
        for name, (fix, words) in {
            "NaN weight": (nan("dw/depthwise_kernel", (1, 2, 3, 0)),
                           ["layer 'dw': weight 'dw/depthwise_kernel' holds a non-finite value, nan at [1, 2, 3, 0]"]),
            "1e38 bias": (lambda w: w["dense/bias"].__setitem__(2, 1e38), ["weight 'dense/bias' holds an absurd "
                                                                            "magnitude, 1e+38 at [2]"]),
            "inf variance": (lambda w: w["pw_bn/moving_variance"].__setitem__(0, np.inf),
                             ["'pw_bn/moving_variance' holds a non-finite value, inf at [0]"]),
        }.items():
            with self.subTest(name):
                self.expect_refusal(lambda L, doc: None, *words, weights_edit=fix)

    def test_bad_options_exit_2(self):
        layers, weights = tiny_model(np.random.default_rng(5))
        model = write_tfjs(self.dir, layers, weights)
        for args, words in ((["--input-scale", "nan"], "--input-scale nan"), (["--quantile", "2"], "--quantile 2.0"),
                            (["--batch", "0"], "--batch 0"), (["--name", "a: {b}"], "--name 'a: {b}'")):
            with self.subTest(args[0]):
                r = self.run_import(model, "--no-eval", *args)
                self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
                self.assertIn(words, r.stderr)
                self.assertNotIn("Traceback", r.stderr)

    def test_unsupported_layer_fails_naming_it(self):
        layers, weights = tiny_model(np.random.default_rng(5), extra_layer="odd_pool")
        model = write_tfjs(self.dir, layers, weights)
        r = self.run_import(model, "--no-eval")
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn("'odd_pool'", r.stderr)
        self.assertIn("MaxPooling2D", r.stderr)


if __name__ == "__main__":
    main()
