"""The results files: results.csv (one row per point and mode) and its sidecars results.layers.csv and
results.components.csv (docs/sweeps.md, "The CSV").

point_rows turns one point's simulator JSON (ddcpim_sim --json, or the ddcpim module's dict: the same
thing) into rows, whichever engine produced it, so `run` (either engine) and `merge` write the same rows.
The files are append-only and keyed by (network, mode, parameter values): that is what makes a sweep
resumable. Rows are flushed as each point finishes, so a killed sweep keeps every finished point.
"""
import csv
import io
import math
import os
import sys
from pathlib import Path

from .notes import note
from .spec import SweepError

METRICS = ("total_cycles", "macro_cycles", "host_cycles", "time_us", "speedup", "macro_speedup",
           "area_mm2", "energy_uj", "peak_tops", "tops_per_mm2", "tops_per_w",
           "weight_density_kb_per_mm2", "weight_capacity_kb",
           # The system around the macros (docs/host.md): from the run's "run" object.
           "first_image_cycles", "images_per_second", "offchip_bits_per_image", "energy_per_image_uj",
           "macros_to_resident", "bound_images_per_second", "verified", "status")
SYSTEM_METRICS = ("first_image_cycles", "images_per_second", "offchip_bits_per_image", "energy_per_image_uj",
                  "macros_to_resident", "bound_images_per_second")
LAYER_COLUMNS = ("layer", "kind", "cycles", "macro_cycles", "host_cycles", "energy_uj")
COMPONENT_COLUMNS = ("layer", "kind", "quantity", "component", "value")


def header(spec):
    """results.csv's columns: the key columns, then the figures."""
    return ["network", "mode"] + spec.param_keys + list(METRICS)


def fmt_cell(v):
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return repr(v) if math.isfinite(v) else ""
    return str(v)


def ratio(a, b):
    try:
        return a / b if a is not None and b else None
    except TypeError:
        return None


def point_rows(spec, point, j, layer_energy=False):
    """(main rows, layer rows, component rows) of one point's ddcpim_sim JSON. The component rows are the
    whole network's area and energy by component, and with layer_energy (`--layer-energy`) every layer's
    energy by component too: those are nearly all of a sweep's bytes (481 MB of the 1,296-point
    configs/sweeps/explore.yaml), so they are written only when asked."""
    if point.mode == "compare":
        d, b = j.get("ddc"), j.get("baseline")
        if not isinstance(d, dict) or not isinstance(b, dict):
            raise ValueError("a --compare JSON without 'ddc' and 'baseline' objects")
        sp = j.get("speedup") or {}
        total = sp.get("total", ratio(b.get("total_cycles"), d.get("total_cycles")))
        macro = sp.get("macro", ratio(b.get("macro_cycles"), d.get("macro_cycles")))
        objs = [("ddc", d, total, macro), ("baseline", b, total, macro)]
    else:
        objs = [(point.mode, j, None, None)]
    values = [v for _, v in point.params]
    main, layers, comps = [], [], []
    for mode, o, total, macro in objs:
        head = [point.network, mode] + values
        verified = o.get("verified")
        cells = {k: o.get(k) for k in METRICS}
        run = o.get("run") or {}
        cells.update({k: run.get(k) for k in SYSTEM_METRICS})
        cells.update(speedup=total, macro_speedup=macro, verified=verified,
                     status="mismatch" if verified is False else "ok")
        main.append(head + [fmt_cell(cells[k]) for k in METRICS])
        for q in ("area_mm2", "energy_uj"):
            for comp, val in (o.get(q + "_by_component") or {}).items():
                comps.append(head + ["", "", q, comp, fmt_cell(val)])
        for L in o.get("layers") or []:
            layers.append(head + [fmt_cell(L.get(k, L.get("name") if k == "layer" else None))
                                  for k in LAYER_COLUMNS])
            for comp, val in (L.get("energy_uj_by_component") or {}).items() if layer_energy else ():
                comps.append(head + [L.get("name", ""), L.get("kind", ""), "energy_uj", comp, fmt_cell(val)])
    return main, layers, comps


class PreparedRows:
    """A point's rows ready to append: the main rows as lists; each sidecar's as (key, CSV text) groups, one
    per mode. Formatting a point's thousands of sidecar rows costs more than evaluating it on the fast engine,
    so its workers prepare them and the process that writes only appends text."""

    def __init__(self, spec, point, j, layer_energy=False):
        main, layers, comps = point_rows(spec, point, j, layer_energy)
        nkey = 2 + len(spec.param_keys)
        self.main = main
        self.layers, self.comps = csv_groups(layers, nkey), csv_groups(comps, nkey)


def csv_groups(rows, nkey):
    """[(key, CSV text of the rows with that key)], in the rows' order (a point's rows of one mode are
    contiguous)."""
    groups = []
    for row in rows:
        key = tuple(row[:nkey])
        if not groups or groups[-1][0] != key:
            groups.append((key, io.StringIO()))
            groups[-1] += (csv.writer(groups[-1][1]),)
        groups[-1][2].writerow(row)
    return [(key, buf.getvalue()) for key, buf, _ in groups]


def check_out(path, what="--out"):
    """Checks up front that `path` can be written: it is not a directory, and its parent either exists as a
    directory or can be created (the nearest existing ancestor is a writable directory). The parent is
    created when the file is first written (make_parent), so a rejected spec leaves nothing behind."""
    path = Path(path)
    if path.is_dir():
        raise SweepError(f"{what}: '{path}' is a directory, expected a file name")
    parent = path.parent
    anc = parent
    while not anc.exists() and anc != anc.parent:
        anc = anc.parent
    if not anc.is_dir():
        raise SweepError(f"{what}: cannot create the directory '{parent}' for '{path}': '{anc}' is not a directory")
    if anc != parent and not os.access(anc, os.W_OK | os.X_OK):
        raise SweepError(f"{what}: cannot create the directory '{parent}' for '{path}': '{anc}' is not writable")


def make_parent(path, what="--out"):
    """Creates the directory `path` goes in (and its parents), noting it when it was missing."""
    parent = Path(path).parent
    if parent.is_dir():
        return
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise SweepError(f"{what}: cannot create the directory '{parent}' for '{path}': {e.strerror}")
    note(f"created the directory {parent} for {what} {path}")


def sidecar(out, kind):
    out = str(out)
    stem = out[:-4] if out.endswith(".csv") else out
    return Path(f"{stem}.{kind}.csv")


class CsvFile:
    """An append-only CSV whose rows are keyed by their point: (network, mode, parameter values), the first
    `nkey` columns. results.csv has one row per key; a sidecar has a group of rows per key (a point's
    layers, its components), always appended together, so the key alone says whether the group is there.
    (A key per sidecar row instead would hold millions of tuples in memory on a big sweep of a big network:
    gigabytes for configs/sweeps/explore.yaml.)

    Only the file's last group can be incomplete (the sweep was killed while appending it); `tail` is its
    key and the byte offset where it starts, for Results to drop it when its point is unfinished."""

    def __init__(self, path, header, nkey):
        self.path, self.header, self.nkey = Path(path), header, nkey
        self.keys = set()
        self.tail = None
        check_out(self.path)
        if self.path.exists() and self.path.stat().st_size > 0:
            self._drop_cut_line()
            self._read_keys()
        self.f = None   # opened at the first append: a rejected spec leaves no file behind
        self.unsynced = False

    def _drop_cut_line(self):
        """A line cut by a kill: drop it, its point reruns. Reads the file's end only."""
        with open(self.path, "r+b") as f:
            size = f.seek(0, os.SEEK_END)
            f.seek(size - 1)
            if f.read(1) == b"\n":
                return
            pos = size
            while pos > 0:
                step = min(pos, 1 << 16)
                pos -= step
                f.seek(pos)
                i = f.read(step).rfind(b"\n")
                if i >= 0:
                    pos += i + 1
                    break
            f.truncate(pos)
        note(f"{self.path}: dropped an incomplete last line")

    def _read_keys(self):
        offset = 0   # bytes of the lines the CSV reader has taken so far

        def lines(f):
            nonlocal offset
            for line in f:
                offset += len(line)
                yield line.decode()

        with open(self.path, "rb") as f:
            r = csv.reader(lines(f))
            have = next(r, None)
            if have is not None and have != self.header:
                raise SweepError(f"{self.path}: its columns ({', '.join(have)}) are not the spec's "
                                 f"({', '.join(self.header)}); write to a new --out file")
            start = offset   # where the next row starts
            last = None
            for row in r:
                if row:
                    k = tuple(map(sys.intern, row[:self.nkey]))   # shared strings: a big sweep's keys stay small
                    if k != last:
                        self.keys.add(k)
                        self.tail, last = (k, start), k
                start = offset

    def drop_tail(self):
        """Truncates the file before its last group and forgets that group's key: its point runs again and
        writes the whole group."""
        key, start = self.tail
        with open(self.path, "r+b") as f:
            f.truncate(start)
        self.keys.discard(key)
        self.tail = None

    def append(self, rows, sync=True):
        """Appends the rows whose keys are new; returns how many. They are flushed to the kernel (a killed
        sweep keeps them); with sync, fsync'ed too (a crashed machine keeps them): the fast engine syncs
        about once a second instead, an fsync costing as much as a point."""
        def write():
            # A group is new or there already: whether it is, is decided before any of its rows is written.
            new = [row for row in rows if tuple(row[:self.nkey]) not in self.keys]
            self.w.writerows(new)
            self.keys.update(tuple(row[:self.nkey]) for row in new)
            return len(new)
        return self._appending(write, sync)

    def append_groups(self, groups, sync=True):
        """Appends the (key, CSV text) groups (csv_groups) whose keys are new; returns how many."""
        def write():
            new = [(key, text) for key, text in groups if key not in self.keys]
            self.f.write("".join(text for _, text in new))
            self.keys.update(key for key, _ in new)
            return len(new)
        return self._appending(write, sync)

    def _appending(self, write, sync):
        try:
            if self.f is None:
                make_parent(self.path)
                fresh = not self.path.exists() or self.path.stat().st_size == 0
                self.f = open(self.path, "a", newline="")
                self.w = csv.writer(self.f)
                if fresh:
                    self.w.writerow(self.header)
            n = write()
            self.f.flush()
            if sync:
                os.fsync(self.f.fileno())
            self.unsynced = not sync
        except OSError as e:
            raise SweepError(f"{self.path}: cannot write: {e.strerror}")
        return n

    def sync(self):
        if self.f is not None and self.unsynced:
            try:
                os.fsync(self.f.fileno())
            except OSError as e:
                raise SweepError(f"{self.path}: cannot write: {e.strerror}")
            self.unsynced = False

    def close(self):
        if self.f is not None:
            try:
                self.sync()
            finally:
                self.f.close()
                self.f = None


class Results:
    """results.csv and its sidecars: per-layer rows and per-component energy/area (per layer too with
    layer_energy: point_rows)."""

    def __init__(self, spec, out, layer_energy=False):
        self.layer_energy = layer_energy
        nkey = 2 + len(spec.param_keys)
        head = ["network", "mode"] + spec.param_keys
        self.main = CsvFile(out, header(spec), nkey)
        self.layers = CsvFile(sidecar(out, "layers"), head + list(LAYER_COLUMNS), nkey)
        self.comps = CsvFile(sidecar(out, "components"), head + list(COMPONENT_COLUMNS), nkey)
        for f in (self.layers, self.comps):
            # The sidecars are written before the main file: a sidecar's last group whose row is not in the
            # main file may have been cut short. Its point reruns and writes it again, whole.
            if f.tail is not None and f.tail[0] not in self.main.keys:
                f.drop_tail()
                note(f"{f.path}: dropped the rows of an unfinished point (it runs again)")

    def done(self, point):
        return all(k in self.main.keys for k in point.keys())

    def add(self, spec, point, j, sync=True):
        return self.write(PreparedRows(spec, point, j, self.layer_energy), sync)

    def write(self, rows, sync=True):
        """Appends a point's PreparedRows; returns its main rows."""
        make_parent(self.main.path)   # the sidecars go beside it
        # Sidecars first: a point whose main row is missing reruns, and its sidecar rows are not written twice.
        self.layers.append_groups(rows.layers, sync)
        self.comps.append_groups(rows.comps, sync)
        self.main.append(rows.main, sync)
        return rows.main

    def sync(self):
        for f in (self.layers, self.comps, self.main):   # the main file last, as in write()
            f.sync()

    def close(self):
        self.sync()
        for f in (self.main, self.layers, self.comps):
            f.close()
