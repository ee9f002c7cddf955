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
    text = config.read_text()
    (dest / "network.yaml").write_text(text)
    for f in sorted((config.parent / "weights").glob("*.npy")):
        if f.name.endswith(".weight_float.npy"):
            continue
        a = np.load(f)
        if f.name.endswith(".weight.npy"):
            a = a.astype(np.int8)
        np.save(dest / "weights" / f.name, a)
    return dest / "network.yaml"


def measure(config, test, bin_dir):
    """ddcpim_ref's top-1 on the whole test set and on its first SUBSET images."""
    x, y = test
    full, _ = evaluation.ddcpim_ref(config, x, y, bin_dir)
    sub, _ = evaluation.ddcpim_ref(config, x[:SUBSET], y[:SUBSET], bin_dir)
    return {"top1_test": full, "test_images": len(x), f"top1_first_{SUBSET}": sub}


def record(index_path, name, entry):
    index_path = Path(index_path)
    index = json.loads(index_path.read_text()) if index_path.is_file() else {}
    index[name] = entry
    index_path.write_text(json.dumps(dict(sorted(index.items())), indent=2) + "\n")
