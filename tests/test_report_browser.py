"""scripts/report's page in a real browser (issue 14, docs/report.md): Debian's chromium renders the report of a
MobileNetV2 compare run (fast engine) headless to a PNG, which must show the charts, and logs no console
message from the page. A probe page with a console error and an uncaught exception first shows that the
log is captured at all. Installs nothing: chromium comes from scripts/setup.

Run by ctest (label browser) as: test_report_browser.py BIN_DIR SOURCE_DIR (see tests/importer_test_case.py).
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

import importer_test_case as paths

CHROMIUM = Path("/usr/bin/chromium")
ENV = dict(os.environ, SYSTEMC_DISABLE_COPYRIGHT_MESSAGE="1")
CONSOLE = re.compile(r":CONSOLE\b|Uncaught")
WIDTH, HEIGHT = 1400, 4000


class ReportBrowserTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = Path(tempfile.mkdtemp(prefix="test_report_browser-"))
        cls.runs = 0

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def setUp(self):
        if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
            self.fail(f"{CHROMIUM} not installed: run scripts/setup (it installs Debian's chromium)")

    def chromium(self, page, *args):
        """Runs headless chromium on PAGE with its log on stderr; (process, console lines about PAGE)."""
        type(self).runs += 1
        profile = self.dir / f"profile{self.runs}"
        env = dict(ENV, HOME=str(self.dir), XDG_CONFIG_HOME=str(self.dir / "xdg"), XDG_CACHE_HOME=str(self.dir / "xdg"))
        cmd = [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
               "--no-first-run", "--disable-extensions", f"--user-data-dir={profile}",
               "--enable-logging=stderr", "--v=0", *args, page.resolve().as_uri()]
        r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
        # chromium's own noise (dbus, gpu, sandbox, vaapi) is not a console message; those name the page
        console = [l for l in r.stderr.splitlines() if CONSOLE.search(l) and
                   ("Uncaught" in l or page.name in l or "source: " not in l)]
        return r, console

    def test_console_is_captured(self):
        probe = self.dir / "probe.html"
        probe.write_text('<!DOCTYPE html><html><head><meta charset="utf-8"><title>probe</title></head><body><p>probe'
                         '</p><script>console.error("probe-error"); notAFunction();</script></body></html>\n')
        r, console = self.chromium(probe, "--dump-dom")
        self.assertIn("<p>probe</p>", r.stdout)
        self.assertTrue(any("probe-error" in l for l in console), r.stderr)
        self.assertTrue(any("Uncaught" in l for l in console), r.stderr)

    def test_mobilenetv2_report(self):
        run = self.dir / "mobilenetv2.json"
        r = subprocess.run([str(paths.bin_dir / "ddcpim_sim"), "--config",
                            str(paths.source_dir / "configs" / "mobilenetv2.yaml"), "--engine", "fast", "--compare",
                            "-q", "--json", str(run)], capture_output=True, text=True, env=ENV, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        page = self.dir / "mobilenetv2.html"
        r = subprocess.run([sys.executable, str(paths.source_dir / "scripts" / "report"), str(run), "--out", str(page)],
                           capture_output=True, text=True, env=ENV, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)

        png = self.dir / "mobilenetv2.png"
        r, console = self.chromium(page, f"--screenshot={png}", f"--window-size={WIDTH},{HEIGHT}")
        self.assertEqual(console, [], "console messages from the page")
        self.assertTrue(png.is_file(), f"no screenshot: {r.stderr[-2000:]}")
        self.assertGreater(png.stat().st_size, 20_000)

        from PIL import Image
        with Image.open(png) as im:
            self.assertEqual(im.size, (WIDTH, HEIGHT))
            rgb = im.convert("RGB")
            colours = rgb.getcolors(maxcolors=1 << 20)
            self.assertGreater(len(colours), 50, "the screenshot is (nearly) one colour")
            counts = {c: n for n, c in colours}
            # the charts were drawn: the bars' colours cover real areas (compute blue, DDC's total-speedup green)
            self.assertGreater(counts.get((0x44, 0x77, 0xAA), 0), 20_000)
            self.assertGreater(counts.get((0x22, 0x88, 0x33), 0), 2_000)
            # and text: dark pixels in the page's top part (title and totals)
            top = rgb.crop((0, 0, WIDTH, 600)).convert("L")
            self.assertGreater(sum(1 for v in top.getdata() if v < 80), 2_000)

        r, console = self.chromium(page, "--dump-dom")
        self.assertEqual(console, [], "console messages from the page")
        dom = r.stdout
        for ident in ("speedup", "cycles", "utilisation", "energy", "area", "config"):
            self.assertIn(f'id="{ident}"', dom)
        self.assertGreaterEqual(dom.count("<svg"), 5)
        self.assertIn("b17_project", dom)


if __name__ == "__main__":
    paths.main()
