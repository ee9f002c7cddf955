"""Deterministic sample images from Debian's python3-skimage pictures: calibration and evaluation."""
import sys
from pathlib import Path

import numpy as np

SKIMAGE_DATA = Path("/usr/lib/python3/dist-packages/skimage/data")
SKIMAGE_PICTURES = ["astronaut.png", "chelsea.png", "coffee.png", "rocket.jpg", "motorcycle_left.png",
                    "motorcycle_right.png", "ihc.png", "color.png", "hubble_deep_field.jpg", "retina.jpg",
                    "horse.png", "logo.png", "phantom.png", "chessboard_RGB.png"]


def sample_images(n, size, seed=1, pictures=None):
    """n deterministic RGB uint8 images (N, size, size, 3): crops and flips of pictures (paths; default the
    skimage pictures). The first len(pictures) images are the pictures' centre crops."""
    try:
        from PIL import Image
    except ImportError:
        Image = None
    if pictures is None:
        pictures = [SKIMAGE_DATA / f for f in SKIMAGE_PICTURES] if SKIMAGE_DATA.is_dir() else []
    pics = []
    for f in pictures if Image else []:
        try:
            pics.append(Image.open(f).convert("RGB"))
        except OSError as e:
            print(f"note: skipping {f}: {e}", file=sys.stderr)
    rng = np.random.default_rng(seed)
    out = []
    if not pics:
        print(f"note: no pictures in {SKIMAGE_DATA} (needs python3-skimage and python3-pil); using noise images",
              file=sys.stderr)
        return rng.integers(0, 256, (n, size, size, 3), dtype=np.uint8)
    for i in range(n):
        im = pics[i % len(pics)]
        w, h = im.size
        side = min(w, h)
        if i < len(pics):          # centre crop
            frac, cx, cy = 1.0, 0.5, 0.5
        else:
            frac, cx, cy = rng.uniform(0.35, 1.0), rng.uniform(0, 1), rng.uniform(0, 1)
        c = max(16, int(side * frac))
        x0, y0 = int((w - c) * cx), int((h - c) * cy)
        crop = im.crop((x0, y0, x0 + c, y0 + c)).resize((size, size), Image.BILINEAR)
        a = np.asarray(crop, dtype=np.uint8)
        if i >= len(pics) and rng.random() < 0.5:
            a = a[:, ::-1]
        out.append(a)
    return np.stack(out)
