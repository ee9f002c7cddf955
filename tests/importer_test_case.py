"""Scaffolding shared by the importer tests (test_import.py, test_import_onnx.py).

Paths: `main()` takes BIN_DIR SOURCE_DIR from the command line (as ctest passes them), else
DDCPIM_BIN_DIR / DDCPIM_SOURCE_DIR from the environment, else this repository and its build/bin.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

source_dir = Path(os.environ.get("DDCPIM_SOURCE_DIR", Path(__file__).resolve().parent.parent))
bin_dir = Path(os.environ.get("DDCPIM_BIN_DIR", source_dir / "build" / "bin"))


class ImporterTestCase(unittest.TestCase):
    """A fresh temporary directory per test; `run_import` runs scripts/ddcpim_import FORMAT into DIR/out."""
    FORMAT = None

    def setUp(self):
        self.dir = Path(tempfile.mkdtemp(prefix=f"test_import_{self.FORMAT}-"))
        self.bin = bin_dir
        self.ref = bin_dir / "ddcpim_ref"
        if not self.ref.is_file():
            self.fail(f"{self.ref} not found: build first (scripts/build)")
        self.env = dict(os.environ, SYSTEMC_DISABLE_COPYRIGHT_MESSAGE="1")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def run_import(self, model_path, *args):
        return subprocess.run([sys.executable, str(source_dir / "scripts" / "ddcpim_import"), self.FORMAT,
                               str(model_path), str(self.dir / "out"), "--bin", str(bin_dir), *args],
                              capture_output=True, text=True, timeout=300, env=self.env)


def main():
    global bin_dir, source_dir
    if len(sys.argv) >= 3 and not sys.argv[1].startswith("-"):
        bin_dir, source_dir = Path(sys.argv[1]).resolve(), Path(sys.argv[2]).resolve()
        del sys.argv[1:3]
    unittest.main(module="__main__")
