"""Copy trained networks into the repository (configs/fashion_mnist/trained/), compact, with their accuracy.

Each shipped network is a config plus its weights directory, as exported; weight codes are stored as int8
(the loader accepts any integer dtype) and the float weights FCC would pair from are left out, so the
whole set stays a few MB. accuracy.json records ddcpim_ref's top-1 on the full test set and on a fixed
subset (the first SUBSET test images), which tests/test_trained_networks.py re-measures.
"""
import json
import shutil
from pathlib import Path

import numpy as np

from . import evaluation

SUBSET = 1000


def ship(config, dest):
    """Copy config (network.yaml beside weights/) to dest/, compacting the weights; returns dest/network.yaml."""
    config, dest = Path(config), Path(dest)
    if dest.exists():
        shutil.rmtree(dest)
    (dest / "weights").mkdir(parents=True)
    (dest / "network.yaml").write_text(deployed_macro(config.read_text()))
    for f in sorted((config.parent / "weights").glob("*.npy")):
        if f.name.endswith(".weight_float.npy"):
            continue
        a = np.load(f)
        if f.name.endswith(".weight.npy"):
            a = a.astype(np.int8)
        np.save(dest / "weights" / f.name, a)
    return dest / "network.yaml"


MACRO_LINE = ("macro: {dw_mapping: auto}   # 8x8 and 4x4 depthwise maps: auto picks toeplitz or diagonal per "
              "layer (docs/fcc.md)")


def deployed_macro(text):
    """The macro a shipped Fashion-MNIST network is meant to run on: the default one with dw_mapping auto.
    Its depthwise maps are 16x16 down to 4x4, where a toeplitz tile's weight write feeds few MVMs and the
    default toeplitz mapping makes DDC slower than the baseline (docs/fcc.md)."""
    lines = text.splitlines()
    return "\n".join(MACRO_LINE if l.startswith("macro: {}") else l for l in lines) + "\n"


def measure(config, test, bin_dir):
    """ddcpim_ref's top-1 on the whole test set and on its first SUBSET images."""
    x, y = test
    full, _ = evaluation.ddcpim_ref(config, x, y, bin_dir)
    sub, _ = evaluation.ddcpim_ref(config, x[:SUBSET], y[:SUBSET], bin_dir)
    return {"top1_test": full, "test_images": len(x), f"top1_first_{SUBSET}": sub}


DATASET = "Fashion-MNIST test"


def int8_twin(index, name, work_int8=None):
    """(name, full-test top-1) of the network a shipped one is judged against: the same network trained
    unpaired. A paired network's twin is <network>_int8 in the index (or the int8 export of its own work
    directory, measured by the caller); an unpaired network is its own."""
    base = name.split("_fcc")[0]
    if "_fcc" not in name:
        return None, None
    twin = f"{base}_int8"
    if twin in index:
        return twin, index[twin]["top1_test"]
    return (twin, work_int8) if work_int8 is not None else (None, None)


def write_accuracy(config, entry, twin_name, twin_top1):
    """Record the measured top-1 in the shipped network's own YAML (its `accuracy:` section), which
    ddcpim_sim prints beside every speedup; an older record is replaced."""
    config = Path(config)
    lines = [l for l in config.read_text().splitlines() if not l.startswith(("accuracy:", "  top1:", "  dataset:",
                                                                          "  images:", "  engine:", "  int8_"))]
    rec = ["accuracy:   # measured when shipped (scripts/ddcpim_train ship); printed beside every speedup",
           f"  top1: {entry['top1_test']}", f"  dataset: {DATASET}", f"  images: {entry['test_images']}",
           "  engine: ddcpim_ref"]
    if twin_top1 is not None:
        rec += [f"  int8_top1: {twin_top1}", f"  int8_network: {twin_name}"]
    at = next(i for i, l in enumerate(lines) if l.startswith("network:"))
    config.write_text("\n".join(lines[:at] + rec + lines[at:]) + "\n")


def record(index_path, name, entry):
    index_path = Path(index_path)
    index = json.loads(index_path.read_text()) if index_path.is_file() else {}
    index[name] = entry
    index_path.write_text(json.dumps(dict(sorted(index.items())), indent=2) + "\n")
