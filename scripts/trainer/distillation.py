"""FCC fine-tuning without the training data: a float teacher's logits on unlabelled pictures.

For a network that exists only as an int8 import (configs/mobilenetv2_trained.yaml): the student is that
int8 network, paired by build/bin/ddcpim_fcc and fine-tuned with the pair constraint; the teacher is the
same network in float (its weight_float files with the real bias), so its logits are the float model's
up to the bias rounding of the import. The loss is the mean squared error of the real logits (the figure
of merit, logit SQNR, is its normalised form). Training pictures and evaluation pictures are different
photographs: the evaluation set is the importer's skimage set that docs/fcc.md measured on.
"""
import os
from pathlib import Path

import numpy as np
import torch
import yaml

from importer.images import sample_images

from .errors import TrainError
from .model import Model
from .quantisation import output_signed
from .netspec import MAC_KINDS, load_netspec

# Photographs that Debian packages ship, none of them in the evaluation set (python3-skimage's).
TRAIN_PICTURES = sorted(Path("/usr/share/backgrounds/mate/nature").glob("*.jpg")) + [
    Path("/usr/share/backgrounds/mate/abstract/Elephants.jpg"),
    Path("/usr/share/backgrounds/mate/desktop/GreenTraditional.jpg"),
    Path("/usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg")]


def training_pictures(n, size, seed, directory=None):
    """n crops (N, 3, size, size) of the training photographs (or of every .jpg/.png in directory)."""
    if directory:
        found = sorted(p for p in Path(directory).iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
        if not found:
            raise TrainError(f"{directory}: no .jpg or .png pictures to distil on")
    else:
        found = [p for p in TRAIN_PICTURES if p.is_file()]
        if len(found) < 4:
            raise TrainError("distillation needs training photographs: apt-get install mate-backgrounds "
                             "(and python3-matplotlib, python3-pil), or give --pictures DIR")
    return sample_images(n, size, seed, pictures=found).transpose(0, 3, 1, 2).copy(), len(found)


def evaluation_pictures(size):
    """The importer's 192 evaluation images (sample_images(256, seed 1) after its 64 calibration images)."""
    return sample_images(256, size, 1)[64:].transpose(0, 3, 1, 2).copy()


def _weights_dir(config):
    doc = yaml.safe_load(Path(config).read_text())
    w = doc.get("weights") or {}
    if w.get("source") != "npy":
        raise TrainError(f"{config}: distillation needs a network with npy weights (weights.source: npy)")
    return Path(config).parent / os.path.expanduser(w["dir"])


def load_int8(config):
    """(student, teacher) Models of an npy network: the student in its int8 form (codes times scales, the
    quantisation read from the files), the teacher in float (weight_float, real bias)."""
    spec = load_netspec(config)
    wdir = _weights_dir(config)
    if not wdir.is_dir():
        raise TrainError(f"{wdir}: weights directory not found (for configs/mobilenetv2_trained.yaml: "
                         f"scripts/fetch_mobilenetv2)")
    inp = spec.doc["network"]["input"]
    q = {"input": {"scale": float(inp.get("scale", 2 / 127)), "signed": bool(inp.get("signed", True)),
                   "lo": 0, "hi": 255}}
    student, teacher = Model(spec), Model(spec)
    for l in spec.layers:
        f = lambda what: wdir / f"{l.name}.{what}.npy"  # noqa: E731
        if not f("out_scale").is_file():
            raise TrainError(f"{f('out_scale')}: missing; distillation needs every layer's output scale")
        d = {"kind": l.kind, "scale": float(np.load(f("out_scale"))[0])}
        d["signed"] = output_signed(l, q)
        d["lo"], d["hi"] = (-128, 127) if d["signed"] else (0, 255)
        if f("clamp").is_file():
            d["lo"], d["hi"] = (int(v) for v in np.load(f("clamp")))
        if l.kind in MAC_KINDS:
            codes = np.load(f("weight")).astype(np.float64)
            s = np.load(f("weight_scale")).astype(np.float64)
            wf = np.load(f("weight_float")).astype(np.float64) if f("weight_float").is_file() else None
            bias = np.load(f("bias")).astype(np.float64) if f("bias").is_file() else np.zeros(len(s))
            b_real = bias * q[l.inputs[0]]["scale"] * s
            for m, w in ((student, codes * s.reshape(-1, *[1] * (codes.ndim - 1))), (teacher, wf)):
                mac = m.macs[l.name]
                mac.bn = None
                if w is None:
                    raise TrainError(f"{f('weight_float')}: missing; the teacher is the float network")
                with torch.no_grad():
                    mac.weight.copy_(torch.from_numpy(w.reshape(mac.weight.shape)))
                    mac.bias.copy_(torch.from_numpy(b_real))
        else:
            if f("requant").is_file():
                d["requant"] = [[int(a), int(b)] for a, b in np.load(f("requant"))]
            if f("lut").is_file():
                d["lut"] = [int(v) for v in np.load(f("lut"))]
                d["lut_t"] = torch.tensor(d["lut"], dtype=torch.int64)
        q[l.name] = d
    student.quant = q
    for p in teacher.parameters():
        p.requires_grad_(False)
    return student, teacher


def sqnr_db(ref, test):
    err = float(np.sum((ref - test) ** 2))
    return float("inf") if err == 0 else 10 * np.log10(float(np.sum(ref ** 2)) / err)


def agreement(ref, test):
    return float(np.mean(ref.argmax(1) == test.argmax(1)))


def run(args, log):
    """The distill stage: pair the int8 network, fine-tune against the teacher, measure on held-out pictures."""
    from . import evaluation, fcc_constraint, quantisation, training
    from .pipeline import read_pairs
    import json
    import time

    out = Path(args.out or Path("out/distill") / Path(args.config).stem)
    out.mkdir(parents=True, exist_ok=True)
    training.seed_everything(args.seed, args.threads)
    student, teacher = load_int8(args.config)
    if args.teacher and Path(args.teacher).resolve() != Path(args.config).resolve():
        _, teacher = load_int8(args.teacher)
    spec = student.spec
    size = spec.input_shape[1]
    variant = "fcc_sf" if "sf" in args.variants else "fcc"
    post = out / f"{variant.replace('fcc', 'fcc_post')}" / "network.yaml"
    post.parent.mkdir(parents=True, exist_ok=True)
    evaluation.ddcpim_fcc(args.config, post, variant == "fcc_sf", args.bin)
    fcc_constraint.attach(student, read_pairs(post))
    x_train, pictures = training_pictures(args.distill_images, size, args.seed, args.pictures)
    x_eval = evaluation_pictures(size)
    log(f"distill: {len(x_train)} training crops of {pictures} photographs, {len(x_eval)} held-out images")

    def teacher_logits(codes):
        return teacher(training.model_input(codes, "float"), "float")

    secs = training.train(student, x_train, np.zeros(len(x_train), np.int64), "qat", args.epochs_fcc,
                          args.lr_qat, args.seed + 2, batch=args.batch,
                          param_groups=training.param_groups_fcc(student, args.lr_qat, args.latent_lr),
                          log=log, teacher=teacher_logits, max_steps=args.max_steps)
    path = quantisation.export(student, out / variant, [
        f"{spec.name}: FCC fine-tuned by distillation from its float model, by scripts/ddcpim_train distill "
        f"(seed {args.seed}; docs/training.md)"])
    log(f"export: {path}")
    ref = training.logits(teacher, x_eval, "float", batch=16)
    scale = student.quant[spec.layers[-1].name]["scale"]
    rows = {}
    for name, cfg, extra in (("int8", args.config, ["--set", "fcc.pairs=none"]),
                             ("fcc_post", post, []), (variant, path, [])):
        t0 = time.time()
        _, codes = evaluation.ddcpim_ref(cfg, x_eval, bin_dir=args.bin, outputs=True, extra=extra)
        got = codes * scale
        rows[name] = {"logit_sqnr_db": round(sqnr_db(ref, got), 2), "top1_agreement": agreement(ref, got)}
        log(f"evaluate: {name}: logit SQNR {rows[name]['logit_sqnr_db']:.2f} dB, top-1 agreement "
            f"{100 * rows[name]['top1_agreement']:.1f}% against the float model ({time.time() - t0:.0f} s)")
    result = {"config": str(args.config), "seed": args.seed, "training_images": len(x_train),
              "training_photographs": pictures, "held_out_images": len(x_eval), "epochs": args.epochs_fcc,
              "seconds": round(secs, 1), "float_top1_classes": np.bincount(ref.argmax(1)).tolist(), "rows": rows}
    (out / "results.json").write_text(json.dumps(result, indent=2) + "\n")
    return result
