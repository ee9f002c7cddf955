"""scripts/report and scripts/diff_runs (issue 14, docs/report.md) on runs of build/bin/ddcpim_sim: the HTML
page of a compare, one-mode, ablate and MobileNetV2 run (its sections, every layer, no URL, no script,
balanced tags, escaped text), the runs' errors, and diff_runs on runs that differ in macro.rows, on
identical runs and on a run with a layer dropped.

Run by ctest as: test_report.py BIN_DIR SOURCE_DIR (see tests/importer_test_case.py for the paths).
"""
import html
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
from html.parser import HTMLParser
from pathlib import Path

import yaml

import importer_test_case as paths

ENV = dict(os.environ, SYSTEMC_DISABLE_COPYRIGHT_MESSAGE="1")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class StrictParser(HTMLParser):
    """html.parser with a tag stack: every end tag must close the innermost open element."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.errors, self.ids, self.tags, self.text = [], [], set(), {}, []

    def handle_starttag(self, tag, attrs):
        self.tags[tag] = self.tags.get(tag, 0) + 1
        for k, v in attrs:
            if k == "id":
                if v in self.ids:
                    self.errors.append(f"duplicate id {v}")
                self.ids.add(v)
        if tag not in VOID:
            self.stack.append((tag, self.getpos()))

    def handle_startendtag(self, tag, attrs):
        self.tags[tag] = self.tags.get(tag, 0) + 1

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1][0] != tag:
            self.errors.append(f"</{tag}> at {self.getpos()} closes {self.stack[-1] if self.stack else 'nothing'}")
            return
        self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)

    def check(self, page):
        self.feed(page)
        self.close()
        if self.stack:
            self.errors.append(f"unclosed: {self.stack[-5:]}")
        return self.errors


def parse(page):
    p = StrictParser()
    errors = p.check(page)
    return p, errors


class ReportTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sim = paths.bin_dir / "ddcpim_sim"
        if not cls.sim.is_file():
            raise AssertionError(f"{cls.sim} not found: build first (scripts/build)")
        cls.dir = Path(tempfile.mkdtemp(prefix="test_report-"))
        cls.runs = {}
        try:
            cls.simulate_all()
        except BaseException:
            shutil.rmtree(cls.dir, ignore_errors=True)
            raise

    @classmethod
    def simulate_all(cls):
        tiny = paths.source_dir / "configs" / "tiny_residual.yaml"
        for name, args in {
            "compare": ["--compare"],
            "ddc": [],
            "baseline": ["--baseline"],
            "ablate": ["--ablate"],
            "compare_rows128": ["--compare", "--set", "macro.rows=128"],
        }.items():
            cls.runs[name] = cls.simulate(name, ["--config", str(tiny), *args])
        trained = paths.source_dir / "configs" / "fashion_mnist" / "trained"
        for name in ("mobilenetv2_fcc", "mobilenetv2_int8"):
            cls.runs[f"trained_{name}"] = cls.simulate(
                f"trained_{name}", ["--config", str(trained / name / "network.yaml"), "--engine", "fast", "--compare"])
        cls.runs["stream4"] = cls.simulate(
            "stream4", ["--config", str(tiny), "--engine", "fast", "--compare", "--images", "4", "--set",
                        "macro.macros=4", "--set", "system.residency=static"])
        cls.runs["mobilenetv2"] = cls.simulate(
            "mobilenetv2", ["--config", str(paths.source_dir / "configs" / "mobilenetv2.yaml"), "--engine", "fast",
                            "--compare"])

    @classmethod
    def simulate(cls, name, args):
        out = cls.dir / f"{name}.json"
        r = subprocess.run([str(cls.sim), *args, "-q", "--json", str(out)], capture_output=True, text=True,
                           env=ENV, timeout=120)
        if r.returncode != 0:
            raise RuntimeError(f"ddcpim_sim {args} failed: {r.stderr}")
        return out

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def tool(self, name, *args):
        return subprocess.run([sys.executable, str(paths.source_dir / "scripts" / name), *map(str, args)],
                              capture_output=True, text=True, env=ENV, timeout=60)

    def report(self, run, *extra):
        out = self.dir / f"{Path(run).stem}.html"
        r = self.tool("report", run, "--out", out, *extra)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr, "")
        return out.read_text(encoding="utf-8")

    def check_page(self, page, doc, sections, absent=()):
        parser, errors = parse(page)
        self.assertEqual(errors, [], "the page's tags do not balance")
        self.assertTrue(page.startswith("<!DOCTYPE html>"))
        low = page.lower()
        self.assertNotIn("http://", low)
        self.assertNotIn("https://", low)
        self.assertNotIn("<script", low)
        self.assertNotIn("<link", low)
        self.assertNotIn("@import", low)
        self.assertNotIn("url(", low)
        self.assertLess(len(page.encode()), 2_000_000)
        for s in sections:
            self.assertIn(s, parser.ids, f"section {s} missing")
        for s in absent:
            self.assertNotIn(s, parser.ids, f"section {s} should not be there")
        self.assertGreater(parser.tags.get("svg", 0), 1)
        text = "".join(parser.text)
        results = [doc] if "layers" in doc and doc.get("mode") != "compare" else \
            [doc["ddc"]] if doc.get("mode") == "compare" else [doc["steps"][-1]["result"]]
        for r in results:
            for layer in r["layers"]:
                self.assertIn(layer["name"], text)
        self.assertIn(doc["config"].splitlines()[1].strip(), text)     # the config in the <pre>
        return parser, text

    def load(self, name):
        return json.loads(self.runs[name].read_text())

    # --- report -------------------------------------------------------------------------------------------

    def test_compare(self):
        doc = self.load("compare")
        page = self.report(self.runs["compare"])
        _, text = self.check_page(page, doc, ["speedup", "cycles", "utilisation", "energy", "area", "config"],
                                  absent=["ablation"])
        self.assertIn(f"{doc['speedup']['total']:.2f}x", text)
        self.assertIn("1.0x", text)                       # the reference line of the speedup chart
        for legend in ("compute", "weight load", "input load", "stall", "host"):
            self.assertIn(legend, text)
        self.assertGreaterEqual(page.count('<p class="how">'), 5)   # a "how to read this" line per chart
        self.assertIn(f"{doc['ddc']['total_cycles']:,}", text)
        self.assertIn(f"{doc['baseline']['total_cycles']:,}", text)
        self.assertIn("toeplitz", text)                   # the macro parameters of both modes
        self.assertIn("diagonal", text)

    def test_single_modes(self):
        for mode in ("ddc", "baseline"):
            doc = self.load(mode)
            page = self.report(self.runs[mode], "--title", f"tiny {mode}")
            _, text = self.check_page(page, doc, ["cycles", "utilisation", "energy", "area", "config"],
                                      absent=["speedup", "ablation"])
            self.assertIn(f"tiny {mode}", text)
            self.assertIn(f"{doc['total_cycles']:,}", text)

    def test_ablate(self):
        doc = self.load("ablate")
        page = self.report(self.runs["ablate"])
        _, text = self.check_page(page, doc, ["ablation", "cycles", "utilisation", "energy", "config"],
                                  absent=["speedup"])
        for step in doc["steps"]:
            self.assertIn(step["step"], text)
            self.assertIn(f"{step['result']['total_cycles']:,}", text)
            self.assertIn(f"{step['speedup']:.2f}x", text)

    def test_no_technology(self):
        # a run without a technology file has no area or energy keys (docs/cost.md); the default file is found
        # from anywhere, so this run is a copy of one without them
        doc = self.load("ddc")
        cost_keys = ("area_mm2", "area_mm2_by_component", "energy_uj", "energy_uj_by_component", "peak_tops",
                     "peak_tops_1b", "tops_per_mm2", "tops_per_w", "weight_capacity_kb", "weight_density_kb_per_mm2",
                     "array_weight_density_kb_per_mm2")
        for k in cost_keys:
            doc.pop(k, None)
        doc["technology"] = None
        for layer in doc["layers"]:
            layer.pop("energy_uj", None)
            layer.pop("energy_uj_by_component", None)
        path = self.dir / "notech.json"
        path.write_text(json.dumps(doc))
        page = self.report(path)
        _, text = self.check_page(page, doc, ["cycles", "energy", "area"])
        self.assertIn("No energy figures", text)
        self.assertIn("No area figures", text)

    def test_mobilenetv2(self):
        doc = self.load("mobilenetv2")
        self.assertGreater(len(doc["ddc"]["layers"]), 90)
        page = self.report(self.runs["mobilenetv2"])
        self.check_page(page, doc, ["speedup", "cycles", "utilisation", "energy", "area", "config"])
        self.assertLess(len(page.encode()), 1_000_000)

    def test_escaping(self):
        doc = self.load("compare")
        evil = "<b>x</b>&\"'"
        doc["network"] = doc["ddc"]["network"] = "<script>alert(1)</script>"
        for r in (doc["ddc"], doc["baseline"]):
            r["layers"][0]["name"] = evil
        doc["config"] = "# </pre><script>alert(2)</script>\n" + doc["config"]
        path = self.dir / "evil.json"
        path.write_text(json.dumps(doc))
        page = self.report(path)
        parser, errors = parse(page)
        self.assertEqual(errors, [])
        self.assertNotIn("<script", page.lower())
        self.assertNotIn("<b>x</b>", page)
        self.assertIn(html.escape(evil, quote=True), page)
        self.assertIn(evil, "".join(parser.text))

    def test_bad_input(self):
        cases = {
            "not_json.json": "this is not JSON",
            "list.json": "[1, 2, 3]",
            "other.json": json.dumps({"name": "something else"}),
            "no_layers.json": json.dumps({k: v for k, v in self.load("ddc").items() if k != "layers"}),
            "compare_without_baseline.json": json.dumps({k: v for k, v in self.load("compare").items()
                                                         if k != "baseline"}),
            "empty_ablation.json": json.dumps({"mode": "ablate", "steps": []}),
        }
        broken = self.load("ddc")
        broken["layers"][2]["cycles"] = "many"
        cases["layer_cycles_text.json"] = json.dumps(broken)
        for name, content in cases.items():
            path = self.dir / name
            path.write_text(content)
            for tool, args in (("report", [path, "--out", self.dir / "bad.html"]),
                               ("diff_runs", [path, self.runs["ddc"]]), ("diff_runs", [self.runs["ddc"], path])):
                r = self.tool(tool, *args)
                self.assertEqual(r.returncode, 2, f"{tool} {name}: {r.stdout} {r.stderr}")
                lines = r.stderr.splitlines()
                self.assertEqual(len(lines), 1, r.stderr)
                self.assertTrue(lines[0].startswith(f"{tool}: {path}: "), lines[0])
                self.assertEqual(r.stdout, "")
        self.assertFalse((self.dir / "bad.html").exists())
        r = self.tool("report", self.dir / "missing.json", "--out", self.dir / "bad.html")
        self.assertEqual(r.returncode, 2)
        self.assertIn("cannot read", r.stderr)

    def test_help(self):
        for tool in ("report", "diff_runs"):
            r = self.tool(tool, "--help")
            self.assertEqual(r.returncode, 0)
            self.assertIn("Example", r.stdout)
            self.assertTrue(os.access(paths.source_dir / "scripts" / tool, os.X_OK))

    # --- diff_runs ----------------------------------------------------------------------------------------

    def diff(self, a, b, *extra):
        out = self.dir / "diff.json"
        r = self.tool("diff_runs", a, b, "--json", out, *extra)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr, "")
        return r.stdout, json.loads(out.read_text())

    def test_diff_rows(self):
        a, b = self.load("compare"), self.load("compare_rows128")
        text, d = self.diff(self.runs["compare"], self.runs["compare_rows128"])
        self.assertIn("macro.rows: 256 -> 128", text)
        self.assertEqual([(c["key"], c["a"], c["b"]) for c in d["config"]], [("macro.rows", "256", "128")])
        self.assertEqual([m["mode"] for m in d["modes"]], ["ddc", "baseline"])
        for m in d["modes"]:
            ra, rb = a[m["mode"]], b[m["mode"]]
            for key in ("total_cycles", "macro_cycles", "host_cycles"):
                self.assertEqual(m["totals"][key]["change"], rb[key] - ra[key], key)
            self.assertAlmostEqual(m["totals"]["energy_uj"]["change"], rb["energy_uj"] - ra["energy_uj"], places=9)
            la = {l["name"]: l for l in ra["layers"]}
            lb = {l["name"]: l for l in rb["layers"]}
            changed = [e["name"] for e in m["changed"]]
            self.assertEqual(set(changed), {n for n in la if la[n]["cycles"] != lb[n]["cycles"]
                                            or la[n]["energy_uj"] != lb[n]["energy_uj"]})
            moves = [abs(e["cycles"]["change"]) for e in m["changed"]]
            self.assertEqual(moves, sorted(moves, reverse=True))          # largest change first
            for e in m["changed"]:
                self.assertEqual(e["cycles"]["change"], lb[e["name"]]["cycles"] - la[e["name"]]["cycles"])
            self.assertEqual(m["only_in_a"], [])
            self.assertEqual(m["only_in_b"], [])
        total = d["modes"][0]["totals"]["total_cycles"]
        self.assertIn(f"{b['ddc']['total_cycles'] - a['ddc']['total_cycles']:+,}", text)
        self.assertIn(f"{total['a']:,}", text)
        # per-layer lines: the layer with the largest cycle change heads the table
        top = d["modes"][0]["changed"][0]
        line = next(l for l in text.splitlines() if l.strip().startswith(top["name"] + " "))
        self.assertIn(f"{top['cycles']['a']:,}", line)
        self.assertIn(f"{top['cycles']['b']:,}", line)
        self.assertIn("speedup", text)
        self.assertAlmostEqual(d["speedup"]["total"]["change"], b["speedup"]["total"] - a["speedup"]["total"])
        # --top limits the per-layer lines
        text1, _ = self.diff(self.runs["compare"], self.runs["compare_rows128"], "--top", "1")
        n_changed = len(d["modes"][0]["changed"])
        self.assertIn(f"(1 of {n_changed}; --top)", text1)
        self.assertIn(f"{n_changed - 1} more changed layers", text1)

    def test_diff_identical(self):
        text, d = self.diff(self.runs["compare"], self.runs["compare"])
        self.assertIn("config: identical", text)
        self.assertEqual(d["config"], [])
        for m in d["modes"]:
            self.assertEqual(m["changed"], [])
            self.assertEqual(m["only_in_a"] + m["only_in_b"], [])
            for c in m["totals"].values():
                self.assertIn(c["change"], (0, None))
            self.assertIn(f"[{m['mode']}] layers: {m['in_both']} in both runs, 0 changed", text)
        self.assertEqual(d["speedup"]["total"]["change"], 0)

    def test_accuracy_travels_with_the_speedup(self):
        # A trained network's record is in the run JSON, the page's headline and the diff; a synthetic one
        # says it was not measured.
        fcc, int8 = self.load("trained_mobilenetv2_fcc"), self.load("trained_mobilenetv2_int8")
        rec = yaml.safe_load((paths.source_dir / "configs" / "fashion_mnist" / "trained" / "mobilenetv2_fcc" /
                              "network.yaml").read_text())["accuracy"]
        self.assertTrue(fcc["accuracy"]["measured"])
        self.assertEqual(fcc["accuracy"]["top1"], rec["top1"])
        self.assertEqual(fcc["accuracy"]["int8_top1"], rec["int8_top1"])
        want = f"top-1 {100 * rec['top1']:.1f}% vs {100 * rec['int8_top1']:.1f}% int8"
        self.assertIn(want, fcc["accuracy"]["text"])
        self.assertEqual(self.load("compare")["accuracy"],
                         {"measured": False, "text": "accuracy not measured (synthetic weights)"})
        page = self.report(self.runs["trained_mobilenetv2_fcc"])
        self.assertIn(want, page)
        self.assertIn("accuracy not measured", self.report(self.runs["compare"]))
        text, d = self.diff(self.runs["trained_mobilenetv2_fcc"], self.runs["trained_mobilenetv2_int8"])
        self.assertAlmostEqual(d["accuracy"]["top1"]["change"], int8["accuracy"]["top1"] - rec["top1"])
        self.assertIn(f"accuracy: A {fcc['accuracy']['text']}; B {int8['accuracy']['text']}", text)
        text, _ = self.diff(self.runs["compare"], self.runs["compare"])
        self.assertIn("accuracy: accuracy not measured (synthetic weights) (both)", text)

    def test_a_stream_of_images_is_reported_as_one(self):
        # Issue 22, finding 4: a multi-image, multi-macro run has a system section (images/s and its bound,
        # first-image latency, traffic and energy per image, placement, knee, busy macros), its totals say
        # which cover all images and which the first, and the per-layer bars do not trip the overflow note.
        doc = self.load("stream4")
        page = self.report(self.runs["stream4"])
        parser, text = self.check_page(page, doc, ["system", "cycles", "config"])
        for words in ("4 images on 4 macros", "images/s over the run", "first image latency (us)",
                      "off-chip weights per image (Mb)", "macros to hold every tile resident (knee)",
                      "cycles, total, all 4 images", "cycles, macro phases, first image",
                      "This run streamed 4 images"):
            self.assertIn(words, text)
        self.assertIn(f"{doc['ddc']['run']['images_per_second']:.4g}", text)
        self.assertNotIn("exceeds the macro phase", text)
        # A one-image run has no system section.
        self.assertNotIn('id="system"', self.report(self.runs["compare"]))
        out, d = self.diff(self.runs["compare"], self.runs["stream4"])
        self.assertIn("1 image on 1 macro", out)
        self.assertIn("4 images on 4 macros", out)
        self.assertIn("[ddc] system", out)
        sysd = d["modes"][0]["system"]
        self.assertEqual(sysd["images"]["b"], 4)
        self.assertAlmostEqual(sysd["images/s over the run"]["b"], doc["ddc"]["run"]["images_per_second"])

    def test_diff_layer_in_one_run(self):
        doc = self.load("ddc")
        dropped = doc["layers"].pop(5)["name"]
        path = self.dir / "dropped.json"
        path.write_text(json.dumps(doc))
        text, d = self.diff(self.runs["ddc"], path)
        self.assertEqual(d["modes"][0]["only_in_a"], [dropped])
        self.assertEqual(d["modes"][0]["only_in_b"], [])
        self.assertIn(f"only in A: {dropped};", text)
        text, d = self.diff(path, self.runs["ddc"])
        self.assertEqual(d["modes"][0]["only_in_b"], [dropped])

    def test_diff_modes(self):
        # a DDC run against a --baseline run: the two single modes are compared with each other
        text, d = self.diff(self.runs["ddc"], self.runs["baseline"])
        self.assertEqual(d["modes"][0]["mode"], "ddc -> baseline")
        self.assertIn("config: identical", text)
        # a compare run against its DDC mode alone: the mode they share
        text, d = self.diff(self.runs["compare"], self.runs["ddc"])
        self.assertEqual([m["mode"] for m in d["modes"]], ["ddc"])
        self.assertEqual(d["modes_only_in_a"], ["baseline"])
        self.assertEqual(d["modes"][0]["changed"], [])
        # two different networks: the config lists the layers each has alone
        text, d = self.diff(self.runs["compare"], self.runs["mobilenetv2"], "--top", "3")
        keys = {c["key"] for c in d["config"]}
        self.assertIn("network.name", keys)
        self.assertIn("network.layers.b1_dw", keys)
        self.assertIn("b1_dw", d["modes"][0]["only_in_b"])


if __name__ == "__main__":
    paths.main()
