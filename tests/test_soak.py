"""Long runs do not grow, and interrupted sweeps end whole (issue 23; ctest label `soak`, docs/reliability.md).

- a stream of 1,000 images takes the memory of 100: the fast engine on MobileNetV2 with 64 macros within
  10%; the clocked engine on configs/tiny_residual.yaml with 4 macros within 40% (it keeps every image's
  input and output codes, a few kilobytes an image here, and nothing else per image);
- 10,000 ddcpim.Model.evaluate calls with varied parameters in one process: the resident memory after the
  last call is within 5% (and 4 MB) of that after the first 1,000;
- a sweep killed (SIGKILL) at 20 random moments (each once its run has written a new row) and resumed each
  time ends with every point exactly once,
  its rows identical to those of an uninterrupted run.

Run by ctest as: test_soak.py BIN_DIR SOURCE_DIR.
"""
import os
import random
import resource
import signal
import subprocess
import sys
import tempfile
import time
import unittest
from pathlib import Path

import importer_test_case as paths

ENV = dict(os.environ, SYSTEMC_DISABLE_COPYRIGHT_MESSAGE="1")


def peak_kb(args):
    """Peak resident memory (KB) of one ddcpim_sim run, from the kernel's accounting of the child."""
    r = subprocess.run(["/usr/bin/time", "-f", "%M", str(paths.bin_dir / "ddcpim_sim"), *args, "-q"],
                       capture_output=True, text=True, env=ENV, timeout=600)
    if r.returncode != 0:
        raise AssertionError(r.stderr)
    return int(r.stderr.strip().splitlines()[-1])


def rss_kb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class LongRuns(unittest.TestCase):
    def test_a_stream_of_images_takes_flat_memory(self):
        mnv2 = str(paths.source_dir / "configs" / "mobilenetv2.yaml")
        # The fast engine runs one reference inference per image for the data-dependent energy (about 90 ms
        # each here), and caches up to 128 MB of activations: 40 images fill the cache, 400 must not grow.
        fast = [peak_kb(["--config", mnv2, "--engine", "fast", "--set", "macro.macros=64", "--images", str(n)])
                for n in (40, 400)]
        self.assertLess(fast[1], 1.10 * fast[0], f"fast engine, 40 vs 400 images: {fast} KB")
        tiny = str(paths.source_dir / "configs" / "tiny_residual.yaml")
        clocked = [peak_kb(["--config", tiny, "--set", "macro.macros=4", "--images", str(n)]) for n in (100, 1000)]
        self.assertLess(clocked[1], 1.40 * clocked[0], f"clocked engine, 100 vs 1,000 images: {clocked} KB")
        print(f"peak memory, fast 40 -> 400 images {fast[0]} -> {fast[1]} KB, clocked 100 -> 1,000 {clocked[0]} -> "
              f"{clocked[1]} KB", file=sys.stderr)

    def test_ten_thousand_evaluations_in_one_process(self):
        sys.path.insert(0, str(paths.bin_dir.parent / "python"))
        try:
            import ddcpim
        except ImportError:
            self.skipTest("the ddcpim module is not built (sanitizer build)")
        model = ddcpim.Model(str(paths.source_dir / "configs" / "tiny_residual.yaml"))
        rng = random.Random(5)
        choices = {"macro.rows": [64, 128, 256, 512], "macro.weight_columns": [8, 16, 32, 64],
                   "macro.macros": [1, 2, 4, 16], "system.images": [1, 2, 8], "macro.dw_mapping":
                   ["toeplitz", "diagonal", "auto"], "system.residency": ["stream", "static"]}
        after_1000 = None
        for i in range(10_000):
            params = {k: rng.choice(v) for k, v in choices.items() if rng.random() < 0.5}
            try:
                model.evaluate(params, rng.choice(["ddc", "baseline", "compare"]))
            except ddcpim.ConfigError:
                pass
            if i == 999:
                after_1000 = rss_kb()
        last = rss_kb()
        self.assertLess(last, max(1.05 * after_1000, after_1000 + 4096),
                        f"resident memory after 1,000 calls {after_1000} KB, after 10,000 {last} KB")
        print(f"RSS after 1,000 evaluations {after_1000} KB, after 10,000 {last} KB", file=sys.stderr)


SPEC = """networks: [{tiny}]
modes: [compare]
grid: {{macro.rows: [64, 128, 256, 512], macro.weight_columns: [8, 16, 32, 64], macro.macros: [1, 2, 4],
        macro.buffer_vectors: [4, 8, 16], system.images: [1, 2], system.residency: [stream, static],
        host.ops_per_cycle: [8, 16]}}
"""
# 1,152 points, each run killed within about 20 points' time after its first new row (see `window`).


class KilledSweeps(unittest.TestCase):
    def test_killed_at_random_moments_and_resumed(self):
        with tempfile.TemporaryDirectory(prefix="test_soak-") as d:
            d = Path(d)
            spec = d / "spec.yaml"
            spec.write_text(SPEC.format(tiny=paths.source_dir / "configs" / "tiny_residual.yaml"))
            sweep = [sys.executable, str(paths.source_dir / "scripts" / "sweep"), "run", str(spec),
                     "--bin", str(paths.bin_dir / "ddcpim_sim")]
            t0 = time.monotonic()
            r = subprocess.run(sweep + ["--out", str(d / "whole.csv")], capture_output=True, text=True, env=ENV,
                               timeout=600)
            self.assertEqual(r.returncode, 0, r.stderr)
            whole = time.monotonic() - t0
            rng = random.Random(11)
            # A kill comes at most about 20 points' time after a run's first new row: twenty runs then leave
            # work for the last, however fast the points are on this machine.
            per_point = whole / (len((d / "whole.csv").read_text().splitlines()) - 1)
            window = min(0.03, 20 * per_point)
            kills = 0
            killed = d / "killed.csv"
            for _ in range(20):
                # Each run is killed at a random moment once it has written at least one new row (its start-up
                # takes longer than a whole late run's work, so a fixed delay would often come too late).
                rows_before = len(killed.read_text().splitlines()) if killed.exists() else 0
                p = subprocess.Popen(sweep + ["--out", str(killed)], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, env=ENV)
                deadline = time.monotonic() + 30
                while p.poll() is None and time.monotonic() < deadline:
                    if killed.exists() and len(killed.read_text().splitlines()) > rows_before:
                        break
                    time.sleep(0.002)
                time.sleep(rng.uniform(0, window))
                if p.poll() is None:
                    p.send_signal(signal.SIGKILL)
                    kills += 1
                p.wait()
            r = subprocess.run(sweep + ["--out", str(d / "killed.csv")], capture_output=True, text=True, env=ENV,
                               timeout=600)
            self.assertEqual(r.returncode, 0, r.stderr)
            for suffix in ("", ".layers", ".components"):
                a = (d / f"whole{suffix}.csv").read_text().splitlines()
                b = (d / f"killed{suffix}.csv").read_text().splitlines()
                self.assertEqual(a[0], b[0], suffix)
                self.assertEqual(len(b), len(set(b)), f"a row written twice in killed{suffix}.csv")
                self.assertEqual(sorted(a[1:]), sorted(b[1:]), suffix)
            self.assertGreaterEqual(kills, 18, "the sweep finished before most kills: the test did not interrupt it")
            print(f"{kills} kills in a {whole:.1f} s sweep; rows identical", file=sys.stderr)


if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    paths.main()
