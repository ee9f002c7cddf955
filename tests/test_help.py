#!/usr/bin/python3
"""`--help` (and `-h`) on every tool: the built binaries and every executable directly under scripts/.

  /usr/bin/python3 tests/test_help.py BIN_DIR SOURCE_DIR [unittest options]

(or DDCPIM_BIN_DIR / DDCPIM_SOURCE_DIR in the environment; by default this repository and its build/bin).
Each tool must exit 0 at once, print to stdout what it does with a usage or options section and an
example, and do no work: it runs in an empty temporary directory, with the caches (XDG_CACHE_HOME,
DDCPIM_CACHE_DIR) pointed inside it, and that directory must still be empty afterwards. Scripts are
found with os.access(X_OK), so a new script is covered without editing this file.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
from pathlib import Path

source_dir = Path(os.environ.get("DDCPIM_SOURCE_DIR", Path(__file__).resolve().parent.parent))
bin_dir = Path(os.environ.get("DDCPIM_BIN_DIR", source_dir / "build" / "bin"))

BINARIES = ("ddcpim_sim", "ddcpim_ref", "ddcpim_fcc", "ddcpim_cost", "ddcpim_bench", "ddcpim_ref_bench", "ddcpim_fcc_bench")
TIMEOUT = 30      # seconds; a help text takes well under one
FAST = 10         # seconds: longer means the tool did something besides printing its help


def scripts():
    d = source_dir / "scripts"
    return sorted(p for p in d.iterdir() if p.is_file() and os.access(p, os.X_OK))


class HelpTest(unittest.TestCase):
    def check_help(self, exe):
        for flag in ("--help", "-h"):
            with self.subTest(tool=exe.name, flag=flag):
                root = Path(tempfile.mkdtemp(prefix="test_help-"))
                try:
                    cwd = root / "cwd"
                    cwd.mkdir()
                    env = dict(os.environ, SYSTEMC_DISABLE_COPYRIGHT_MESSAGE="1",
                               XDG_CACHE_HOME=str(root / "cache"), DDCPIM_CACHE_DIR=str(root / "cache" / "ddcpim"))
                    t0 = time.monotonic()
                    r = subprocess.run([str(exe), flag], cwd=cwd, env=env, capture_output=True, text=True,
                                       timeout=TIMEOUT, stdin=subprocess.DEVNULL)
                    took = time.monotonic() - t0
                    what = f"{exe} {flag}: exit {r.returncode}\nstdout:\n{r.stdout}\nstderr:\n{r.stderr}"
                    self.assertEqual(r.returncode, 0, what)
                    out = r.stdout.lower()
                    self.assertGreater(len(out.strip().splitlines()), 3, what)
                    self.assertTrue("usage" in out or "options" in out, what)
                    self.assertIn("example", out, what)
                    # No paragraph printed twice (bench_fast once gave its description as description and
                    # epilog both).
                    paras = [p.strip() for p in r.stdout.split("\n\n") if len(p.strip()) > 40]
                    self.assertEqual(len(paras), len(set(paras)), f"a paragraph is printed twice\n{what}")
                    self.assertNotIn("error", r.stderr.lower(), what)
                    left = sorted(str(p.relative_to(root)) for p in root.rglob("*"))
                    self.assertEqual(left, ["cwd"], f"{exe} {flag} wrote files:\n{what}")
                    self.assertLess(took, FAST, f"{exe} {flag} took {took:.1f} s: it did work\n{what}")
                finally:
                    shutil.rmtree(root, ignore_errors=True)

    def test_binaries(self):
        for name in BINARIES:
            exe = bin_dir / name
            with self.subTest(tool=name):
                self.assertTrue(exe.is_file(), f"{exe} not found: build first (scripts/build)")
                self.check_help(exe)

    def test_scripts(self):
        found = scripts()
        names = {p.name for p in found}
        # The discovery itself: these are known tools; any further executable is checked as well.
        self.assertLessEqual({"build", "setup", "bench_sim", "ddcpim_import", "sweep"}, names)
        for exe in found:
            self.check_help(exe)


if __name__ == "__main__":
    if len(sys.argv) >= 3 and not sys.argv[1].startswith("-"):
        bin_dir, source_dir = Path(sys.argv[1]).resolve(), Path(sys.argv[2]).resolve()
        del sys.argv[1:3]
    unittest.main()
