"""scripts/ddcpim_train and its package scripts/trainer (issue 11): the torch model's exact integer mode
against build/bin/ddcpim_ref on random networks of every layer kind, complementary pairs through
fine-tuning and export, a seeded Fashion-MNIST smoke run, and the errors of bad input.

Run by ctest as: test_train.py BIN_DIR SOURCE_DIR (see tests/importer_test_case.py for the paths).
"""
import gzip
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

import numpy as np
import torch

import importer_test_case as paths

sys.path.insert(0, str(paths.source_dir / "scripts"))

from trainer import evaluation, fcc_constraint, pairing_policy, quantisation, training  # noqa: E402
from trainer.data import FASHION_MNIST_DIR  # noqa: E402
from trainer.model import Model  # noqa: E402
from trainer.netspec import load_netspec  # noqa: E402
from trainer.pipeline import read_pairs  # noqa: E402

ENV = dict(os.environ, SYSTEMC_DISABLE_COPYRIGHT_MESSAGE="1")


def random_network(rng, name):
    """A small network using every layer kind, with random sizes, strides, paddings and activations."""
    c0 = int(rng.integers(1, 4))
    hw = int(rng.integers(8, 14))
    c1, c2, c3 = (int(v) for v in rng.integers(3, 12, 3))
    act = lambda: str(rng.choice(["relu", "relu6", "swish"]))  # noqa: E731
    pad = [int(v) for v in rng.integers(0, 3, 4)]
    layers = [
        {"name": "conv", "kind": "conv", "out_channels": c1, "kernel": int(rng.integers(1, 4)),
         "stride": int(rng.integers(1, 3)), "padding": pad},
        {"name": "conv_act", "kind": act()},
        {"name": "dw", "kind": "depthwise", "kernel": 3, "stride": int(rng.integers(1, 3)), "padding": 1},
        {"name": "dw_act", "kind": act()},
        {"name": "se_pool", "kind": "avgpool"},
        {"name": "se_reduce", "kind": "pointwise", "out_channels": max(1, c1 // 2)},
        {"name": "se_reduce_act", "kind": "swish"},
        {"name": "se_expand", "kind": "pointwise", "out_channels": c1},
        {"name": "se_gate", "kind": "sigmoid"},
        {"name": "se", "kind": "se", "inputs": ["dw_act", "se_gate"]},
        {"name": "pw1", "kind": "pointwise", "out_channels": c2},
        {"name": "pw1_act", "kind": act()},
        {"name": "pw2", "kind": "pointwise", "out_channels": c2},
        {"name": "res", "kind": "add", "inputs": ["pw1_act", "pw2"]},
        {"name": "pw3", "kind": "pointwise", "out_channels": c3},
    ]
    if rng.random() < 0.5:      # end on a feature map: many output codes to compare
        layers.append({"name": "out_act", "kind": act()})
    else:
        layers += [{"name": "pool", "kind": "avgpool"}, {"name": "fc", "kind": "fc", "out_features": 10}]
    doc = {"weights": {"source": "npy", "dir": "weights"},
           "network": {"name": name, "input": {"channels": c0, "height": hw, "width": hw, "signed": False},
                       "layers": layers}}
    return doc


def write_config(path, doc):
    import yaml
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def randomise(model, rng):
    """Random weights and batch-norm statistics, so that folding and every code range are exercised."""
    g = torch.Generator().manual_seed(int(rng.integers(1 << 30)))
    with torch.no_grad():
        for mac in model.macs.values():
            mac.weight.mul_(1 + torch.rand(mac.weight.shape, generator=g))
            mac.bias.copy_(torch.randn(mac.bias.shape, generator=g) * 0.1)
            if mac.bn is not None:
                n = mac.bn.num_features
                mac.bn.running_mean.copy_(torch.randn(n, generator=g) * 0.2)
                mac.bn.running_var.copy_(torch.rand(n, generator=g) + 0.5)
                mac.bn.weight.copy_(torch.randn(n, generator=g))
                mac.bn.bias.copy_(torch.randn(n, generator=g) * 0.2)


class TrainerTestCase(unittest.TestCase):
    def setUp(self):
        self.dir = Path(tempfile.mkdtemp(prefix="test_train-"))
        self.bin = paths.bin_dir
        if not (self.bin / "ddcpim_ref").is_file():
            self.fail(f"{self.bin}/ddcpim_ref not found: build first (scripts/build)")
        torch.manual_seed(0)
        torch.set_num_threads(2)

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def prepared(self, doc, rng, name):
        cfg = write_config(self.dir / name / "network.yaml", doc)
        spec = load_netspec(cfg)
        model = Model(spec)
        randomise(model, rng)
        calib = rng.integers(0, 256, (64,) + spec.input_shape).astype(np.uint8)
        quantisation.prepare(model, calib)
        return model, spec

    def run_train(self, *args, check=None):
        r = subprocess.run([sys.executable, str(paths.source_dir / "scripts" / "ddcpim_train"), *map(str, args),
                            "--bin", str(self.bin)], capture_output=True, text=True, timeout=900, env=ENV)
        if check is not None:
            self.assertEqual(r.returncode, check, r.stdout + r.stderr)
        return r


class ExactEvaluation(TrainerTestCase):
    def test_random_networks_equal_ddcpim_ref(self):
        """The torch model's exact mode gives ddcpim_ref's output codes on every image, to the bit."""
        rng = np.random.default_rng(11)
        kinds = set()
        for i in range(8):
            doc = random_network(rng, f"random{i}")
            kinds |= {l["kind"] for l in doc["network"]["layers"]}
            model, spec = self.prepared(doc, rng, f"net{i}")
            if i % 2:    # half of them with complementary pairs in the pointwise and depthwise layers
                pairs = {}
                for name in ("dw", "pw1"):
                    mac = model.macs[name]
                    with torch.no_grad():
                        codes, s, bias = mac.integer_params(quantisation_scale_in(model, name), exact=True)
                    o = codes.shape[0]
                    p = [[a, a + 1] for a in range(0, o - 1, 2)]
                    codes = codes.flatten(1).clone()
                    for a, b in p:
                        codes[b] = -codes[a] - 1
                    pairs[name] = (p, codes.numpy(), s.numpy(), bias.numpy())
                fcc_constraint.attach(model, pairs)
            path = quantisation.export(model, self.dir / f"net{i}" / "export", ["test"])
            images = rng.integers(0, 256, (24,) + spec.input_shape).astype(np.uint8)
            _, ref_codes = evaluation.ddcpim_ref(path, images, bin_dir=self.bin, outputs=True)
            ours = training.logits(model, images, "exact")
            self.assertEqual(ours.shape, ref_codes.shape)
            self.assertTrue(np.array_equal(ours.astype(np.int64), ref_codes),
                            f"network {i}: {np.sum(ours != ref_codes)} of {ours.size} codes differ")
            self.assertGreater(len(np.unique(ref_codes)), 3, f"network {i}: degenerate outputs")
        self.assertEqual(kinds, {"conv", "depthwise", "pointwise", "fc", "add", "avgpool", "se", "relu", "relu6",
                                 "swish", "sigmoid"})

    def test_fixed_point_equals_the_importers(self):
        from importer.quantize import fixed_point_from_real
        from trainer.arith import fixed_point
        rng = np.random.default_rng(3)
        f = np.concatenate([10 ** rng.uniform(-14, 6, 5000) * rng.choice([-1, 1], 5000),
                            [0.0, 1.0, 0.5, 32767.4, 32767.6, 2.0 ** -47]])
        m, s = fixed_point(torch.tensor(f))
        for i, v in enumerate(f):
            self.assertEqual((int(m[i]), int(s[i])), fixed_point_from_real(float(v)), v)


def quantisation_scale_in(model, name):
    return model.quant[fcc_constraint.mac_input(model, name)]["scale"]


class FineTuning(TrainerTestCase):
    def test_pairs_stay_complements_and_verify_on_the_simulator(self):
        rng = np.random.default_rng(5)
        doc = random_network(rng, "pairs")
        model, spec = self.prepared(doc, rng, "int8")
        int8 = quantisation.export(model, self.dir / "int8" / "export", ["test"])
        post = self.dir / "post" / "network.yaml"
        post.parent.mkdir()
        evaluation.ddcpim_fcc(int8, post, bin_dir=self.bin)
        fcc_constraint.attach(model, read_pairs(post))
        images = rng.integers(0, 256, (256,) + spec.input_shape).astype(np.uint8)
        labels = rng.integers(0, spec.classes, 256)
        training.train(model, images, labels, "qat", 1, 1e-3, 1, batch=32,
                       param_groups=training.param_groups_fcc(model, 1e-3, 0.5), log=lambda s: None)
        paired = 0
        for name, mac in model.macs.items():
            if mac.pairing is None:
                continue
            codes, _, _ = mac.integer_params(quantisation_scale_in(model, name), exact=True)
            self.assertTrue(mac.pairing.check(codes), name)
            paired += len(mac.pairing.a)
        self.assertGreater(paired, 10)
        moved = sum(int((mac.pairing.latent - torch.round(mac.pairing.latent)).abs().sum() > 0)
                    for mac in model.macs.values() if mac.pairing is not None)
        self.assertGreater(moved, 0, "fine-tuning left every latent pattern where it started")
        path = quantisation.export(model, self.dir / "fcc" / "export", ["test"])
        text = path.read_text()
        self.assertIn("fcc: {pairs: [[", text)
        # ddcpim_ref's loader checks every listed pair as an exact complement; the simulator verifies
        # every layer against the reference engine, in DDC and baseline.
        r = subprocess.run([str(self.bin / "ddcpim_sim"), "--config", str(path), "--verify", "--compare"],
                           capture_output=True, text=True, env=ENV)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("verified against the reference engine", r.stdout)


class Scratch(TrainerTestCase):
    """The scratch recipe: pairs tied from the first float step, exact complements at every QAT step."""

    def test_ties_hold_in_float_and_complements_at_every_qat_step(self):
        rng = np.random.default_rng(21)
        doc = random_network(rng, "scratch")
        cfg = self.dir / "scratch.yaml"
        write_config(cfg, doc)
        spec = load_netspec(cfg)
        decision, _ = pairing_policy.decide(cfg, self.bin, "rectified")
        chosen = [n for n, (ok, _) in decision.items() if ok]
        self.assertIn("pw1", chosen)                  # rectified
        self.assertNotIn("pw2", chosen)               # feeds an add: linear
        self.assertNotIn("se_expand", chosen)         # sigmoid: odd-symmetric
        torch.manual_seed(3)
        model = Model(spec)
        for n in chosen:
            model.macs[n].tie = fcc_constraint.Tie(model.macs[n].weight.shape[0])
        images = rng.integers(0, 256, (64,) + tuple(spec.input_shape)).astype(np.uint8)
        labels = rng.integers(0, spec.classes, 64)

        def tied(step):
            for n in chosen:
                mac = model.macs[n]
                w = mac.float_weight().detach().flatten(1)
                g = mac.tie.gain.detach()[:, None]
                self.assertTrue(torch.equal(w[mac.tie.b], -g * w[mac.tie.a]), f"{n} at float step {step}")

        training.train(model, images, labels, "float", 2, 1e-2, 1, batch=16, log=lambda s: None, on_step=tied)
        quantisation.prepare(model, images)
        for n in chosen:
            mac = model.macs[n]
            mac.pairing = fcc_constraint.tie_to_pairing(mac, quantisation_scale_in(model, n))
            mac.tie = None
        # The pairing starts where the folded float filters are: W_a's codes within rounding, and W_b's real
        # weights within one code of -ratio * W_a (the complement's -1).
        checked = []

        def complements(step):
            for n in chosen:
                mac = model.macs[n]
                codes, _, _ = mac.integer_params(quantisation_scale_in(model, n), exact=True)
                self.assertTrue(mac.pairing.check(codes), f"{n} at QAT step {step}")
            checked.append(step)

        training.train(model, images, labels, "qat", 2, 1e-3, 2, batch=16, log=lambda s: None,
                       param_groups=training.param_groups_fcc(model, 1e-3, 0.05), on_step=complements)
        self.assertEqual(checked, list(range(1, 9)))
        path = quantisation.export(model, self.dir / "scratch_export", ["test"])
        r = subprocess.run([str(self.bin / "ddcpim_sim"), "--config", str(path), "--verify", "--compare"],
                           capture_output=True, text=True, env=ENV)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(r.stdout.count("verified against the reference engine"), 2, r.stdout)

    @unittest.skipUnless((FASHION_MNIST_DIR / "train-images-idx3-ubyte.gz").is_file(),
                         "Debian's dataset-fashion-mnist is not installed (scripts/setup installs it)")
    def test_pipeline_is_deterministic_and_exports_its_pairs(self):
        cfg = self.dir / "tiny.yaml"
        cfg.write_text(TINY)

        def run(out):
            self.run_train("all", "--config", cfg, "--out", out, "--train-images", 2000, "--test-images", 300,
                           "--max-steps", 40, "--epochs-float", 2, "--epochs-qat", 2, "--batch", 64, "--seed", 5,
                           "--recipe", "scratch", "--fcc-policy", "rectified", check=0)
            return json.loads((out / "results.json").read_text())

        a, b = run(self.dir / "a"), run(self.dir / "b")
        name = "fcc_rectified_scratch"
        self.assertEqual({k: v.get("top1") for k, v in a["stages"].items()},
                         {k: v.get("top1") for k, v in b["stages"].items()})
        self.assertIn("top1", a["stages"][name])
        self.assertEqual(a["policy"]["layers"]["fc"]["paired"], False)
        self.assertEqual(a["policy"]["layers"]["pw0"]["paired"], True)
        text = (self.dir / "a" / name / "network.yaml").read_text()
        self.assertIn("fcc: {pairs: [[", text)
        for f in sorted((self.dir / "a" / name / "weights").glob("*.npy")):
            self.assertEqual(f.read_bytes(), (self.dir / "b" / name / "weights" / f.name).read_bytes(), f.name)
        self.assertFalse((self.dir / "a" / "int8").exists(), "scratch exports only the paired network")


TINY = """weights: {source: npy, dir: weights}
network:
  name: tiny_fashion
  input: {channels: 1, height: 32, width: 32, signed: false}
  layers:
    - {name: conv, kind: conv, out_channels: 16, kernel: 3, stride: 2, padding: 1}
    - {name: conv_act, kind: relu6}
    - {name: pw0, kind: pointwise, out_channels: 32}
    - {name: pw0_act, kind: relu6}
    - {name: dw, kind: depthwise, kernel: 3, stride: 2, padding: 1}
    - {name: dw_act, kind: relu6}
    - {name: pw, kind: pointwise, out_channels: 16}
    - {name: pw_act, kind: relu6}
    - {name: fc, kind: fc, out_features: 10}
"""


@unittest.skipUnless((FASHION_MNIST_DIR / "train-images-idx3-ubyte.gz").is_file(),
                     "Debian's dataset-fashion-mnist is not installed (scripts/setup installs it)")
class SmokeRun(TrainerTestCase):
    def pipeline(self, out):
        cfg = self.dir / "tiny.yaml"
        cfg.write_text(TINY)
        self.run_train("all", "--config", cfg, "--out", out, "--train-images", 4000, "--test-images", 500,
                       "--max-steps", 150, "--epochs-float", 5, "--epochs-qat", 5, "--epochs-fcc", 5,
                       "--batch", 64, "--seed", 7, check=0)
        return json.loads((out / "results.json").read_text())["stages"]

    def test_fine_tuning_beats_post_training_fcc_and_is_deterministic(self):
        a = self.pipeline(self.dir / "a")
        for stage in ("float", "int8", "fcc_post", "fcc"):
            self.assertIn("top1", a[stage], stage)
        self.assertGreater(a["float"]["top1"], 0.6)
        self.assertGreater(a["int8"]["top1"], 0.6)
        self.assertGreater(a["fcc"]["top1"], a["fcc_post"]["top1"] + 0.15, a)
        b = self.pipeline(self.dir / "b")
        self.assertEqual({k: v.get("top1") for k, v in a.items()}, {k: v.get("top1") for k, v in b.items()})
        for f in sorted((self.dir / "a" / "fcc" / "weights").glob("*.npy")):
            self.assertEqual(f.read_bytes(), (self.dir / "b" / "fcc" / "weights" / f.name).read_bytes(), f.name)


class Distillation(TrainerTestCase):
    def test_distill_pairs_an_int8_network_against_its_float_model(self):
        """An exported int8 network (with weight_float) is loaded back exactly, paired, fine-tuned against
        its float self on pictures, exported with verified pairs, and measured on the held-out set."""
        from PIL import Image
        from trainer import distillation
        rng = np.random.default_rng(9)
        doc = random_network(rng, "distil")
        doc["network"]["input"] = {"channels": 3, "height": 16, "width": 16, "signed": False}
        model, spec = self.prepared(doc, rng, "int8")
        int8 = quantisation.export(model, self.dir / "int8" / "export", ["test"])
        student, teacher = distillation.load_int8(int8)
        images = rng.integers(0, 256, (8, 3, 16, 16)).astype(np.uint8)
        self.assertTrue(np.array_equal(training.logits(student, images, "exact"),
                                       training.logits(model, images, "exact")))
        pics = self.dir / "pics"
        pics.mkdir()
        for i in range(3):
            Image.fromarray(rng.integers(0, 256, (40, 50, 3)).astype(np.uint8)).save(pics / f"p{i}.png")
        out = self.dir / "distil"
        self.run_train("distill", "--config", int8, "--out", out, "--pictures", pics, "--distill-images", 64,
                       "--epochs-fcc", 1, "--batch", 16, check=0)
        result = json.loads((out / "results.json").read_text())
        self.assertEqual(set(result["rows"]), {"int8", "fcc_post", "fcc"})
        self.assertEqual(result["held_out_images"], 192)
        self.assertIn("fcc: {pairs: [[", (out / "fcc" / "network.yaml").read_text())
        self.assertGreater(result["rows"]["int8"]["logit_sqnr_db"], result["rows"]["fcc_post"]["logit_sqnr_db"])


class BadInput(TrainerTestCase):
    def config(self, text=TINY, name="tiny.yaml"):
        p = self.dir / name
        p.write_text(text)
        return p

    def assert_error(self, args, *needles):
        # Bounded, so that a check that stops failing cannot turn into a full training run.
        r = self.run_train(*args, "--max-steps", 2, "--train-images", 256, "--test-images", 64)
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertNotIn("Traceback", r.stderr)
        for n in needles:
            self.assertIn(n, r.stderr)

    def idx_dir(self, n_images=10, n_labels=10, magic=0x803, truncate=False, size=28):
        d = self.dir / "idx"
        d.mkdir(exist_ok=True)
        body = bytes(n_images * size * size)[:-1 if truncate else None]
        (d / "train-images-idx3-ubyte").write_bytes(struct.pack(">IIII", magic, n_images, size, size) + body)
        with gzip.open(d / "train-labels-idx1-ubyte.gz", "wb") as f:
            f.write(struct.pack(">II", 0x801, n_labels) + bytes(n_labels))
        return d

    def test_a_layer_kind_the_trainer_cannot_build(self):
        cfg = self.config(TINY.replace("{name: pw_act, kind: relu6}", "{name: pw_act, kind: maxpool}"))
        self.assertIn("maxpool", cfg.read_text())
        self.assert_error(["float", "--config", cfg, "--out", self.dir / "o"], "layer 'pw_act'", "maxpool")

    def test_missing_dataset_names_the_package(self):
        self.assert_error(["float", "--config", self.config(), "--out", self.dir / "o", "--data", self.dir / "none"],
                          "dataset-fashion-mnist")

    def test_malformed_idx_files(self):
        cases = [(dict(magic=0x1234), "magic"), (dict(n_labels=9), "10 images but 9 labels"),
                 (dict(truncate=True), "header says")]
        for kw, needle in cases:
            shutil.rmtree(self.dir / "idx", ignore_errors=True)
            d = self.idx_dir(**kw)
            self.assert_error(["float", "--config", self.config(), "--out", self.dir / "o", "--data", d], needle)

    def test_images_that_do_not_fit_the_input(self):
        d = self.idx_dir(size=40)
        self.assert_error(["float", "--config", self.config(), "--out", self.dir / "o", "--data", d],
                          "do not fit the network's input 1x32x32")
        npy = self.dir / "npy"
        npy.mkdir()
        np.save(npy / "train_images.npy", np.zeros((4, 3, 32, 32), np.uint8))
        np.save(npy / "train_labels.npy", np.zeros(4, np.int64))
        self.assert_error(["float", "--config", self.config(), "--out", self.dir / "o", "--data", npy],
                          "images of shape 3x32x32")

    def test_a_checkpoint_from_another_network(self):
        out = self.dir / "o"
        d = self.idx_dir(n_images=64, n_labels=64)
        self.run_train("float", "--config", self.config(), "--out", out, "--data", d, "--max-steps", 1,
                       "--test-images", 8, check=None)
        self.assertTrue((out / "float.pt").is_file())
        other = self.config(TINY.replace("out_channels: 32", "out_channels: 24"), "other.yaml")
        self.assert_error(["qat", "--config", other, "--out", out, "--data", d], "checkpoint of another network",
                          "'pw0'")
        (out / "qat.pt").write_bytes(b"not a checkpoint")
        self.assert_error(["export", "--config", self.config(), "--out", out], "not a ddcpim_train checkpoint")


if __name__ == "__main__":
    paths.main()
