"""The trained Fashion-MNIST networks shipped in configs/fashion_mnist/trained/ (issue 11):

- each one's ddcpim_ref top-1 on the first 1,000 test images is the figure recorded in accuracy.json
  when it was shipped, and its full-test-set figure is the one docs/fcc.md reports;
- every FCC network loads with its pairs verified as exact complements and runs bit-exactly on the
  SystemC macro (ddcpim_sim --verify --compare), in DDC and baseline.

Run by ctest as: test_trained_networks.py BIN_DIR SOURCE_DIR.
"""
import json
import os
import subprocess
import sys
import unittest

import yaml

import importer_test_case as paths

sys.path.insert(0, str(paths.source_dir / "scripts"))

from trainer import evaluation, shipping  # noqa: E402
from trainer.data import FASHION_MNIST_DIR, fit_to_input, load_split  # noqa: E402

ENV = dict(os.environ, SYSTEMC_DISABLE_COPYRIGHT_MESSAGE="1")


@unittest.skipUnless((FASHION_MNIST_DIR / "t10k-images-idx3-ubyte.gz").is_file(),
                     "Debian's dataset-fashion-mnist is not installed (scripts/setup installs it)")
class TrainedNetworks(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.root = paths.source_dir / "configs" / "fashion_mnist" / "trained"
        cls.index = json.loads((cls.root / "accuracy.json").read_text())
        x, y = load_split(FASHION_MNIST_DIR, "test")
        cls.x, cls.y = fit_to_input(x[:shipping.SUBSET], (1, 32, 32), "test"), y[:shipping.SUBSET]
        cls.docs = (paths.source_dir / "docs" / "fcc.md").read_text()

    def test_data_dependent_energy_is_exact_on_real_images(self):
        """Both engines count the same lane ones, products per side and write flips on real test images
        (issue 21), for a paired and an unpaired network, DDC and the baseline, three images streamed."""
        import numpy as np
        import tempfile
        keys = ("lane_a_bits", "input_ones_a", "input_ones_b", "product_ones_q", "product_ones_qbar", "write_toggles")
        for name in ("mobilenetv2_fcc_rectified_scratch", "efficientnet_b0_int8"):
            with self.subTest(network=name), tempfile.TemporaryDirectory() as d:
                np.save(f"{d}/x.npy", np.ascontiguousarray(self.x[:3], dtype=np.int32))
                runs = {}
                for engine in ("clocked", "fast"):
                    subprocess.run([str(paths.bin_dir / "ddcpim_sim"), "--config", str(self.root / name / "network.yaml"),
                                    "--input", f"{d}/x.npy", "--engine", engine, "--compare", "-q",
                                    "--json", f"{d}/{engine}.json"], check=True, env=ENV, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
                    runs[engine] = json.loads(open(f"{d}/{engine}.json").read())
                for mode in ("ddc", "baseline"):
                    c, f = runs["clocked"][mode], runs["fast"][mode]
                    self.assertEqual(c["energy_uj"], f["energy_uj"], mode)
                    for lc, lf in zip(c["layers"], f["layers"]):
                        for k in keys:
                            self.assertEqual(lc["activity"][k], lf["activity"][k], f"{mode} {lc['name']} {k}")
                    self.assertGreater(sum(l["activity"]["product_ones_q"] for l in c["layers"]), 0)

    def test_every_directory_is_recorded(self):
        dirs = sorted(p.name for p in self.root.iterdir() if p.is_dir())
        self.assertEqual(dirs, sorted(self.index))
        for kind in ("mobilenetv2_int8", "mobilenetv2_fcc", "efficientnet_b0_int8", "efficientnet_b0_fcc",
                     "mobilenetv2_half_int8", "efficientnet_b0_half_int8"):
            self.assertIn(kind, self.index)

    def test_accuracy_on_the_fixed_subset(self):
        for name, entry in self.index.items():
            with self.subTest(network=name):
                top1, _ = evaluation.ddcpim_ref(self.root / name / "network.yaml", self.x, self.y, paths.bin_dir)
                self.assertEqual(top1, entry[f"top1_first_{shipping.SUBSET}"])
                self.assertIn(f"{100 * entry['top1_test']:.2f}%", self.docs,
                              f"docs/fcc.md does not report {name}'s test accuracy")

    def test_each_network_carries_its_accuracy_and_prints_it_beside_the_speedup(self):
        for name, entry in self.index.items():
            with self.subTest(network=name):
                cfg = self.root / name / "network.yaml"
                rec = yaml.safe_load(cfg.read_text())["accuracy"]
                self.assertEqual(rec["top1"], entry["top1_test"])
                self.assertEqual(rec["images"], entry["test_images"])
                if "_fcc" in name:
                    twin = self.index[rec["int8_network"]]
                    self.assertEqual(rec["int8_top1"], twin["top1_test"])
                r = subprocess.run([str(paths.bin_dir / "ddcpim_sim"), "--config", str(cfg), "--engine", "fast",
                                    "--compare", "-q"], capture_output=True, text=True, env=ENV, timeout=120)
                self.assertEqual(r.returncode, 0, r.stderr)
                want = f"top-1 {100 * rec['top1']:.1f}%"
                if "_fcc" in name:
                    want += f" vs {100 * rec['int8_top1']:.1f}% int8"
                self.assertIn(want, r.stdout)

    def test_fcc_networks_verify_on_the_simulator(self):
        for name in self.index:
            if "_fcc" not in name:
                continue
            with self.subTest(network=name):
                cfg = self.root / name / "network.yaml"
                self.assertIn("fcc: {pairs: [[", cfg.read_text())
                r = subprocess.run([str(paths.bin_dir / "ddcpim_sim"), "--config", str(cfg), "--verify",
                                    "--compare"], capture_output=True, text=True, env=ENV, timeout=600)
                self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
                self.assertEqual(r.stdout.count("verified against the reference engine"), 2, r.stdout)


if __name__ == "__main__":
    paths.main()
