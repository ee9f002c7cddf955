"""Labelled images: Fashion-MNIST read from the IDX files of Debian's dataset-fashion-mnist, or .npy arrays.

Images are 8-bit pixel codes (N, C, H, W), uint8; the network input is unsigned with real value code/255.
Nothing is downloaded: a missing dataset is an error that names the package.
"""
import gzip
import struct
from pathlib import Path

import numpy as np

from .errors import TrainError

FASHION_MNIST_DIR = Path("/usr/share/datasets/fashion-mnist")
SPLITS = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
          "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}
IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC = 0x00000803, 0x00000801


def _open(path):
    for p in (path, path.with_name(path.name + ".gz")):
        if p.is_file():
            return p, (gzip.open(p, "rb") if p.suffix == ".gz" else open(p, "rb"))
    raise TrainError(f"{path}[.gz]: dataset file not found; Fashion-MNIST comes from Debian's "
                     f"'dataset-fashion-mnist' package (apt-get install dataset-fashion-mnist), "
                     f"or give --data DIR with the IDX files or images.npy/labels.npy")


def read_idx(path, magic):
    """An IDX file (big-endian header: magic, dimension sizes; then uint8 data), checked against its header."""
    real, f = _open(Path(path))
    with f:
        try:
            raw = f.read()
        except (OSError, EOFError) as e:
            raise TrainError(f"{real}: unreadable ({e})") from None
    ndim = {IDX_IMAGES_MAGIC: 3, IDX_LABELS_MAGIC: 1}[magic]
    if len(raw) < 4 + 4 * ndim or struct.unpack(">I", raw[:4])[0] != magic:
        got = struct.unpack(">I", raw[:4])[0] if len(raw) >= 4 else None
        raise TrainError(f"{real}: not an IDX {'image' if ndim == 3 else 'label'} file: expected magic "
                         f"0x{magic:08x}, got {'nothing' if got is None else f'0x{got:08x}'}")
    dims = struct.unpack(f">{ndim}I", raw[4:4 + 4 * ndim])
    body = raw[4 + 4 * ndim:]
    if len(body) != int(np.prod(dims)):
        raise TrainError(f"{real}: header says {'x'.join(map(str, dims))} = {int(np.prod(dims))} bytes of data, "
                         f"the file has {len(body)}")
    return np.frombuffer(body, dtype=np.uint8).reshape(dims)


def _from_npy(path):
    try:
        return np.load(path, allow_pickle=False)
    except (OSError, ValueError) as e:
        raise TrainError(f"{path}: not a readable .npy file ({e})") from None


def load_split(data_dir, split):
    """(images uint8 (N, C, H, W), labels int64 (N,)) of `split` from data_dir.

    data_dir holds either the Fashion-MNIST IDX files (optionally gzipped) or <split>_images.npy and
    <split>_labels.npy: images (N, H, W) or (N, C, H, W) with values 0..255, labels (N,) integers.
    """
    d = Path(data_dir)
    npy_x, npy_y = d / f"{split}_images.npy", d / f"{split}_labels.npy"
    if npy_x.is_file() or npy_y.is_file():
        x, y = _from_npy(npy_x), _from_npy(npy_y)
        if x.ndim == 3:
            x = x[:, None]
        if x.ndim != 4 or not (np.issubdtype(x.dtype, np.integer) or np.issubdtype(x.dtype, np.floating)):
            raise TrainError(f"{npy_x}: expected images (N, H, W) or (N, C, H, W), got shape {x.shape} {x.dtype}")
        if x.size == 0:
            raise TrainError(f"{npy_x}: no images (shape {x.shape})")
        if not np.all(np.isfinite(x)) or x.min() < 0 or x.max() > 255 or np.any(x != np.round(x)):
            raise TrainError(f"{npy_x}: expected whole pixel values 0..255")
        if y.ndim != 1 or not np.issubdtype(y.dtype, np.integer) or (len(y) and y.min() < 0):
            raise TrainError(f"{npy_y}: expected labels (N,) of non-negative integers, got shape {y.shape} {y.dtype}")
        src = npy_x
    else:
        fx, fy = SPLITS[split]
        x, y = read_idx(d / fx, IDX_IMAGES_MAGIC)[:, None], read_idx(d / fy, IDX_LABELS_MAGIC)
        src = d / fx
    if len(x) != len(y):
        raise TrainError(f"{src}: {len(x)} images but {len(y)} labels")
    return x.astype(np.uint8), y.astype(np.int64)


def fit_to_input(images, input_shape, origin):
    """Centre images in the network's input by zero padding (Fashion-MNIST's 28x28 in a 32x32 input).

    Channels must match and the margin must be even and non-negative: anything else is an error, never a crop.
    """
    c, h, w = input_shape
    n, ci, hi, wi = images.shape
    dh, dw = h - hi, w - wi
    if ci != c or dh < 0 or dw < 0 or dh % 2 or dw % 2:
        raise TrainError(f"{origin}: images of shape {ci}x{hi}x{wi} do not fit the network's input {c}x{h}x{w} "
                         f"(same channels, and no larger than the input with an even margin to pad)")
    if dh or dw:
        images = np.pad(images, ((0, 0), (0, 0), (dh // 2, dh // 2), (dw // 2, dw // 2)))
    return np.ascontiguousarray(images)


def check_labels(labels, classes, origin):
    if len(labels) and labels.max() >= classes:
        raise TrainError(f"{origin}: label {int(labels.max())} is outside the network's {classes} classes")
