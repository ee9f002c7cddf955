"""The sweep spec: a YAML file naming config files, modes and parameters (docs/sweeps.md, "The spec").

Spec reads and checks it and lists its points; a Point is one network x mode x parameter combination,
with the --set options both engines take. The structure is checked here (top-level keys, lists, zip
lengths, parameter sections, network files, duplicates); parameter names and values are checked by the
simulator itself, which knows every key: Spec.rejected turns its message into one naming the spec key.

A SweepError is a user's error: the command prints 'sweep: MESSAGE' and exits 2.

Hostile specs: the file is read up to MAX_SPEC_BYTES; a key given twice in one mapping is an error (PyYAML
would keep the last silently); the number of points is computed from the list lengths before any point is
made, and a spec over max_points (default DEFAULT_MAX_POINTS, `--max-points`) is refused.
"""
import hashlib
import itertools
import json
import math
import os
import re
from fractions import Fraction
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
TOP_KEYS = ("networks", "modes", "grid", "zip", "set")
SECTIONS = ("macro", "memory", "system", "host", "network", "weights", "fcc", "limits")
MODES = ("ddc", "baseline", "compare")
KEY_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*|\[[0-9]+\])+$")
# A number in plain decimal notation: what the simulator's YAML reader takes as one, whichever way it is spelt.
DECIMAL_RE = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")


DEFAULT_MAX_POINTS = 1_000_000   # the points are held in memory: about 400 bytes each, 0.4 GB at the bound
MAX_SPEC_BYTES = 16 << 20        # a spec is a few lines; anything this big is not one


class SweepError(Exception):
    """A user's error: printed as 'sweep: MESSAGE', exit 2."""


class DuplicateKey(yaml.YAMLError):
    def __init__(self, key, first, second):
        super().__init__(f"key '{key}' is given twice in one mapping (lines {first.line + 1} and "
                         f"{second.line + 1}): expected each key once (YAML would keep only the last)")
        self.key, self.mark = key, second


class SpecLoader(yaml.SafeLoader):
    """PyYAML's safe loader, but a mapping with a key given twice is an error instead of keeping the last.
    ('<<' merge keys are left to PyYAML: a merged key that the mapping overrides is meant.)"""

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=True)
                try:
                    first = seen.setdefault(key, key_node)
                except TypeError:       # an unhashable key: PyYAML's own error below says so
                    continue
                if first is not key_node:
                    raise DuplicateKey(key, first.start_mark, key_node.start_mark)
        return super().construct_mapping(node, deep)


SpecLoader.add_constructor("tag:yaml.org,2002:map", SpecLoader.construct_yaml_map)


def fmt_value(v):
    """A spec value as ddcpim_sim's --set and the CSV cell spell it."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return repr(v)
    return str(v)


def parsed_value(text):
    """What a --set value means to the simulator, for finding duplicates: a decimal number by its exact
    value (200, 200.0 and 2e2 are one clock frequency, and would run the same point twice under different
    CSV keys), anything else by its text."""
    if DECIMAL_RE.match(text):
        return ("number", Fraction(text))
    return ("text", text)


class Point:
    __slots__ = ("index", "network", "mode", "params")   # a million of them must fit in memory

    def __init__(self, index, network, mode, params):
        self.index = index        # 1-based, in spec order
        self.network = network    # the config path as the spec gives it
        self.mode = mode          # ddc, baseline or compare
        self.params = params      # [(key, value string)], in column order

    def config_path(self):
        """The config file's absolute path (the spec's paths are relative to the repository root)."""
        return Path(self.network) if os.path.isabs(self.network) else REPO / self.network

    def row_modes(self):
        return ("ddc", "baseline") if self.mode == "compare" else (self.mode,)

    def keys(self):
        """The resume keys of the CSV rows this point produces."""
        values = tuple(v for _, v in self.params)
        return [(self.network, m) + values for m in self.row_modes()]

    def describe(self):
        ps = " ".join(f"{k}={v}" for k, v in self.params)
        return f"{self.network} {self.mode}" + (f" {ps}" if ps else "")

    def slug(self):
        """A file name stem, readable and unique: NET-MODE-k1v1-...-HASH."""
        ident = json.dumps([self.network, self.mode, self.params])
        digest = hashlib.sha1(ident.encode()).hexdigest()[:10]
        readable = "-".join(f"{k.rsplit('.', 1)[-1]}{v}" for k, v in self.params)
        readable = re.sub(r"[^A-Za-z0-9_.=-]+", "_", readable)[:80]
        parts = [Path(self.network).stem, self.mode] + ([readable] if readable else []) + [digest]
        return "-".join(parts)

    def command(self, bin_path, json_path, verify, engine="clocked", config=None):
        """The ddcpim_sim command line of this point. The clocked engine is ddcpim_sim's default, so its
        lines carry no --engine (they stay as they were before there was a choice); `config` replaces the
        spec's relative path (the check runs the clocked engine on the path the fast engine loaded)."""
        cmd = [str(bin_path)] + (["--engine", engine] if engine != "clocked" else [])
        cmd += ["--config", str(config or self.network)]
        for k, v in self.params:
            cmd += ["--set", f"{k}={v}"]
        if self.mode == "baseline":
            cmd.append("--baseline")
        elif self.mode == "compare":
            cmd.append("--compare")
        if verify:
            cmd.append("--verify")
        return cmd + ["--json", str(json_path), "-q"]


class Spec:
    def __init__(self, path, max_points=DEFAULT_MAX_POINTS):
        self.path = path
        self.name = str(path)
        try:
            with open(path, "rb") as f:
                data = f.read(MAX_SPEC_BYTES + 1)
        except OSError as e:
            raise SweepError(f"{self.name}: cannot read the spec: {e.strerror}")
        if len(data) > MAX_SPEC_BYTES:
            raise SweepError(f"{self.name}: over {MAX_SPEC_BYTES >> 20} MiB: not a sweep spec")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as e:
            raise SweepError(f"{self.name}: not UTF-8 text (byte {e.start})")
        try:
            doc = yaml.load(text, Loader=SpecLoader)
        except DuplicateKey as e:
            raise SweepError(f"{self.name}:{e.mark.line + 1}:{e.mark.column + 1}: {e}")
        except yaml.YAMLError as e:
            raise SweepError(f"{self.name}: not valid YAML: {e}")
        except RecursionError:
            raise SweepError(f"{self.name}: not a sweep spec: nested too deeply")
        if not isinstance(doc, dict):
            raise SweepError(f"{self.name}: expected a mapping with keys {', '.join(TOP_KEYS)}")
        for k in doc:
            if k not in TOP_KEYS:
                self.error(k, f"unknown key (expected one of: {', '.join(TOP_KEYS)})")
        self.networks = self._networks(doc)
        self.modes = self._modes(doc)
        self.grid = self._lists(doc, "grid")
        self.zip = self._lists(doc, "zip")
        lengths = {len(v) for v in self.zip.values()}
        if len(lengths) > 1:
            first = next(iter(self.zip))
            for k, v in self.zip.items():
                if len(v) != len(self.zip[first]):
                    self.error(f"zip.{k}", f"expected {len(self.zip[first])} values like zip.{first}, "
                                           f"got {len(v)} (zip lists are taken together)")
        self._zip_once()
        self.set = self._fixed(doc)
        seen = {}
        for section in ("grid", "zip", "set"):
            for k in getattr(self, section):
                if k in seen:
                    self.error(f"{section}.{k}", f"expected each parameter once, it is in {seen[k]} too")
                seen[k] = section
        self.param_keys = list(self.grid) + list(self.zip) + list(self.set)
        self.where = seen   # parameter -> the spec section it is in
        self.check_size(max_points)

    def count(self):
        """The number of points, from the lengths of the lists alone (nothing is made)."""
        zlen = len(next(iter(self.zip.values()))) if self.zip else 1
        return len(self.networks) * math.prod(len(v) for v in self.grid.values()) * zlen * len(self.modes)

    def check_size(self, max_points):
        n = self.count()
        if max_points is not None and n > max_points:
            parts = [f"{len(self.networks)} network{'s' if len(self.networks) > 1 else ''}",
                     f"{len(self.modes)} mode{'s' if len(self.modes) > 1 else ''}"]
            if self.grid:
                parts.append("grid " + " x ".join(str(len(v)) for v in self.grid.values()))
            if self.zip:
                parts.append(f"zip {len(next(iter(self.zip.values())))}")
            raise SweepError(f"{self.name}: {n:,} points ({' x '.join(parts)}), over --max-points {max_points:,}: "
                             "split the spec, or raise --max-points (the points are held in memory)")

    def error(self, key, expected):
        raise SweepError(f"{self.name}: key '{key}': {expected}")

    def _networks(self, doc):
        nets = doc.get("networks")
        if "networks" not in doc:
            self.error("networks", "expected a list of config files (paths relative to the repository root)")
        if not isinstance(nets, list) or not nets:
            self.error("networks", "expected a non-empty list of config files")
        files = {}
        for i, n in enumerate(nets):
            if not isinstance(n, str) or not n:
                self.error(f"networks[{i}]", f"expected a config file path, got {n!r}")
            full = Path(n) if os.path.isabs(n) else REPO / n
            if not full.is_file():
                self.error(f"networks[{i}]", f"expected an existing config file, '{n}' not found "
                                             f"(paths are relative to the repository root {REPO})")
            # One file under two spellings (configs/x.yaml, ./configs/x.yaml) would run every point twice.
            same = files.setdefault(full.resolve(), n)
            if same != n or nets.index(n) != i:
                self.error("networks", "expected each config file once" +
                           (f" ('{same}' and '{n}' are the same file)" if same != n else ""))
        return nets

    def _modes(self, doc):
        modes = doc.get("modes", ["compare"])
        if not isinstance(modes, list) or not modes:
            self.error("modes", f"expected a non-empty list of {', '.join(MODES)}")
        for i, m in enumerate(modes):
            if m not in MODES:
                self.error(f"modes[{i}]", f"expected one of {', '.join(MODES)}, got {m!r}")
        if len(set(modes)) != len(modes):
            self.error("modes", "expected each mode once")
        if "compare" in modes and len(modes) > 1:
            self.error("modes", "expected compare alone: it already gives a ddc row and a baseline row per point")
        return modes

    def _param_key(self, where, k):
        if k == "technology":  # a technology file (docs/cost.md): one key, no section
            return
        if not isinstance(k, str) or not KEY_RE.match(k):
            self.error(f"{where}.{k}", "expected a dotted config key such as macro.rows")
        if k.split(".", 1)[0] not in SECTIONS:
            self.error(f"{where}.{k}", "expected a parameter under "
                                       f"{', '.join(s + '.' for s in SECTIONS)} (a ddcpim_sim --set key)")

    def _scalar(self, key, v):
        if v is None or isinstance(v, (list, dict)):
            self.error(key, f"expected a single value (number, string or true/false), got {v!r}")
        s = fmt_value(v)
        if not s or "\n" in s:
            self.error(key, f"expected a non-empty one-line value, got {v!r}")
        return s

    def _lists(self, doc, section):
        m = doc.get(section, {})
        if m is None:
            m = {}
        if not isinstance(m, dict):
            self.error(section, "expected a mapping of parameter: [values]")
        out = {}
        for k, vals in m.items():
            self._param_key(section, k)
            if not isinstance(vals, list):
                self.error(f"{section}.{k}", f"expected a list of values, got {vals!r}")
            if not vals:
                self.error(f"{section}.{k}", "expected a non-empty list of values")
            strs = [self._scalar(f"{section}.{k}[{i}]", v) for i, v in enumerate(vals)]
            if section == "grid":
                first, texts = {}, set()
                for s in strs:
                    same = first.setdefault(parsed_value(s), s)
                    if same != s:
                        self.error(f"{section}.{k}", f"expected each value once: {same} and {s} are the same number")
                    if s in texts:
                        self.error(f"{section}.{k}", "expected each value once")
                    texts.add(s)
            out[k] = strs
        return out

    def _zip_once(self):
        """Zip lists are taken position by position: two positions with the same values are one point."""
        if not self.zip:
            return
        first = {}
        for i, combo in enumerate(zip(*self.zip.values())):
            j = first.setdefault(tuple(parsed_value(s) for s in combo), i)
            if j != i:
                cells = ", ".join(f"{k}={v}" for k, v in zip(self.zip, combo))
                self.error("zip", f"expected each combination once: positions {j} and {i} are the same "
                                  f"values ({cells})")

    def _fixed(self, doc):
        m = doc.get("set", {})
        if m is None:
            m = {}
        if not isinstance(m, dict):
            self.error("set", "expected a mapping of parameter: value")
        out = {}
        for k, v in m.items():
            self._param_key("set", k)
            if isinstance(v, list):
                self.error(f"set.{k}", "expected a single value (to sweep it, put it under grid)")
            out[k] = self._scalar(f"set.{k}", v)
        return out

    def points(self):
        """Every point, in spec order (at most max_points of them: checked when the spec was read). The
        (key, value) pairs are made once and shared between the points."""
        zlen = len(next(iter(self.zip.values()))) if self.zip else 1
        grid_pairs = [[(k, v) for v in vals] for k, vals in self.grid.items()]
        zip_pairs = [[(k, self.zip[k][zi]) for k in self.zip] for zi in range(zlen)]
        fixed = list(self.set.items())
        combos = []
        for g in itertools.product(*grid_pairs):
            for zp in zip_pairs:
                combos.append(list(g) + zp + fixed)
        pts = []
        for net in self.networks:
            for combo in combos:
                for mode in self.modes:
                    pts.append(Point(len(pts) + 1, net, mode, combo))
        return pts

    def rejected(self, point, stderr, who="ddcpim_sim"):
        """The SweepError for ddcpim_sim's exit 2 on `point` (its stderr), naming the parameter where it can."""
        lines = [l for l in stderr.strip().splitlines() if l.strip()]
        msg = next((l for l in lines if "error:" in l), lines[-1] if lines else "exit 2, no message")
        return self.rejected_message(point, msg.split("error:", 1)[-1].strip(), who)

    def rejected_message(self, point, msg, who):
        """The SweepError for the simulator's message `msg` (a ConfigError's text, or what ddcpim_sim prints
        after 'error:') on the spec's first point: 'key X: ...' becomes the key where the spec has it."""
        m = re.search(r"key '([^']+)': (.*)$", msg, flags=re.S)
        if m and m.group(1) in self.where:
            key = m.group(1)
            return SweepError(f"{self.name}: key '{self.where[key]}.{key}': {m.group(2)}\n"
                              f"  ({who} rejected point {point.index}: {point.describe()})")
        return SweepError(f"{self.name}: {who} rejected point {point.index} "
                          f"({point.describe()}): {msg}")
