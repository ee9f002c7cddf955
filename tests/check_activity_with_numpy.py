#!/usr/bin/python3
"""Independent recount of the data-dependent events with numpy (issue 21, docs/cost.md).

Runs `ddcpim_sim --dump --json` (clocked and fast engine, DDC and the baseline) on the tiny residual network
and recounts, from the dumped inputs, weights and pairs alone, for every im2col layer (conv, pointwise, fc):
the ones the drivers put on lanes A and B, and the cell products that are 1 on the Q and the Q-bar side; and
for the first layer, which the array meets empty, the bits its writes flip. The recount is written here from
the macro's description (docs/architecture.md, docs/cost.md), not from the C++ code:
  - im2col: a tile holds R reduction rows of N columns; every output pixel is one MVM driving the rows'
    input codes (low Ba bits) on lane A, and in pointwise mode on lane B too when Q-bar is in use;
  - a column holds one filter in Q (two's complement, Bw bits) and, with complementary pairs, its partner in
    Q-bar = ~Q; unused columns hold zeros (so Q-bar ones); the Q-bar side computes whenever complementary;
  - one macro streams the layers' tiles in order (tile t = column tile * row tiles + row tile), each written
    from row 0 over whatever the array held.
Exit 0 when every count matches; 1 with the differences.
  usage: check_activity_with_numpy.py BIN_DIR SOURCE_DIR
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np


def popcount(a, bits):
    a = np.asarray(a, dtype=np.int64) & ((1 << bits) - 1)
    return sum(((a >> b) & 1) for b in range(bits))


def reduction_row_ones(x, kernel, stride, pad, ba):
    """Per reduction row (channel, ky, kx): the ones of the codes it carries over the output pixels."""
    top, left, bottom, right = pad
    xp = np.pad(popcount(x, ba), ((0, 0), (top, bottom), (left, right)))
    c, h, w = xp.shape
    ho, wo = (h - kernel) // stride + 1, (w - kernel) // stride + 1
    out = np.zeros((c, kernel, kernel), dtype=np.int64)
    for ky in range(kernel):
        for kx in range(kernel):
            out[:, ky, kx] = xp[:, ky:ky + stride * (ho - 1) + 1:stride, kx:kx + stride * (wo - 1) + 1:stride].sum(axis=(1, 2))
    return out.reshape(-1)


def expected(layer, x, w, macro, ddc):
    ba, bw, n, rows = macro["input_bits"], macro["weight_bits"], macro["weight_columns"], macro["rows"]
    if layer["kind"] == "fc":
        ones = popcount(x.reshape(-1), ba)
    else:
        p = layer["padding"]
        pad = (p, p, p, p) if isinstance(p, int) else tuple(p)
        ones = reduction_row_ones(x, w.shape[2], layer["stride"], pad, ba)
    filters = w.reshape(w.shape[0], -1)
    pairs = layer.get("pairs", []) if ddc else []
    partners = {b for _, b in pairs}
    q_side = [a for a, _ in pairs] + [f for f in range(filters.shape[0]) if f not in partners and
                                      f not in {a for a, _ in pairs}]
    column_tiles = -(-len(q_side) // n)
    q_ones = popcount(filters[q_side], bw).sum(axis=0)
    e = {"input_ones_a": int(ones.sum()) * column_tiles,
         "product_ones_q": int((ones * q_ones).sum())}
    e["input_ones_b"] = e["input_ones_a"] if ddc else 0
    e["product_ones_qbar"] = int((ones * (column_tiles * n * bw - q_ones)).sum()) if ddc else 0
    # The first layer's writes: tiles in order over an empty array.
    k = filters.shape[1]
    row_tiles = -(-k // rows)
    array = np.zeros((rows, n), dtype=np.int64)
    flips = 0
    for t in range(row_tiles * column_tiles):
        rt, ct = t % row_tiles, t // row_tiles
        used = min(rows, k - rt * rows)
        tile = np.zeros((used, n), dtype=np.int64)
        cols = q_side[ct * n:(ct + 1) * n]
        tile[:, :len(cols)] = filters[cols, rt * rows:rt * rows + used].T
        flips += int(popcount(tile ^ array[:used], bw).sum())
        array[:used] = tile
    e["first_layer_write_toggles"] = flips
    return e


def check(bin_dir, config, engine, ddc):
    problems = []
    with tempfile.TemporaryDirectory() as d:
        cmd = [os.path.join(bin_dir, "ddcpim_sim"), "--config", config, "--engine", engine, "--dump", d,
               "--json", os.path.join(d, "r.json"), "-q", "--set", "macro.macros=1", "--set", "system.residency=stream",
               # several row and column tiles per layer, so that writes land on earlier tiles
               "--set", "macro.rows=32", "--set", "macro.segment_rows=32", "--set", "macro.weight_columns=4"]
        if not ddc:
            cmd.append("--baseline")
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        run = json.load(open(os.path.join(d, "r.json")))
        layers = {l["name"]: l for l in run["layers"]}
        first_mac = next(l["name"] for l in run["layers"] if l["mapping"] != "host")
        checked = 0
        for base in sorted(f[:-5] for f in os.listdir(d) if f.endswith(".json") and f != "r.json"):
            meta = json.load(open(os.path.join(d, base + ".json")))
            if meta["kind"] not in ("conv", "pointwise", "fc"):
                continue
            x = np.load(os.path.join(d, base + ".input.npy"))
            w = np.load(os.path.join(d, base + ".weight.npy"))
            want = expected(meta, x, w, run["macro"], ddc)
            got = layers[meta["name"]]["activity"]
            for key in ("input_ones_a", "input_ones_b", "product_ones_q", "product_ones_qbar"):
                if got[key] != want[key]:
                    problems.append(f"{config} {engine} {'ddc' if ddc else 'baseline'} {meta['name']}: {key} "
                                    f"simulated {got[key]}, numpy {want[key]}")
            if meta["name"] == first_mac and got["write_toggles"] != want["first_layer_write_toggles"]:
                problems.append(f"{config} {engine} {meta['name']}: write_toggles simulated {got['write_toggles']}, "
                                f"numpy {want['first_layer_write_toggles']}")
            checked += 1
        if checked == 0:
            problems.append(f"{config}: no im2col layer dumped")
    return problems, checked


def main():
    bin_dir, source = sys.argv[1], sys.argv[2]
    problems, layers = [], 0
    for engine in ("clocked", "fast"):
        for ddc in (True, False):
            p, n = check(bin_dir, os.path.join(source, "configs", "tiny_residual.yaml"), engine, ddc)
            problems += p
            layers += n
    for p in problems:
        print(p)
    print(f"{layers} layer recounts, {len(problems)} difference(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
