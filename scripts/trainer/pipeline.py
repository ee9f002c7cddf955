"""The stages of FCC-aware training, each reading and writing files in one work directory:

  float     float training (batch norm)                         -> float.pt
  qat       BN folded, scales calibrated, int8 QAT               -> qat.pt
  export    the int8 network, unpaired                           -> int8/network.yaml
  pair      ddcpim_fcc on that export (post-training FCC)        -> fcc_post[_sf]/network.yaml
  finetune  FCC-aware fine-tuning from those pairs               -> fcc[_sf].pt, fcc[_sf]/network.yaml
  evaluate  ddcpim_ref's top-1 of every exported network         -> results.json
  ship      the exported networks into --ship-to, compacted, with accuracy.json beside them

results.json keeps, per stage, the epochs, the wall time and the test accuracy.
"""
import json
import time
from pathlib import Path

import numpy as np
import torch
import yaml

from . import checkpoint, evaluation, fcc_constraint, pairing_policy, quantisation, shipping, training
from .data import check_labels, fit_to_input, load_split
from .errors import TrainError
from .model import Model
from .netspec import MAC_KINDS, load_netspec

CALIBRATION_IMAGES = 2000


class Pipeline:
    def __init__(self, args, log=print):
        self.args, self.log = args, log
        self.spec = load_netspec(args.config)
        self.out = Path(args.out or Path("out/train") / Path(args.config).stem)
        self.out.mkdir(parents=True, exist_ok=True)
        training.seed_everything(args.seed, args.threads)
        self._data = {}
        self.results_path = self.out / "results.json"
        self.results = json.loads(self.results_path.read_text()) if self.results_path.is_file() else {}
        self.results["config"] = str(args.config)
        self.results["seed"] = args.seed
        self.decision, paired_share = pairing_policy.decide(args.config, args.bin, args.fcc_policy, args.fcc_kinds,
                                                            args.fcc_skip)
        self.paired_layers = [n for n, (ok, _) in self.decision.items() if ok]
        self.results["policy"] = {"policy": args.fcc_policy, "kinds": list(args.fcc_kinds), "recipe": args.recipe,
                                  "paired_mac_fraction": paired_share,
                                  "layers": {n: {"paired": ok, "reason": why} for n, (ok, why) in self.decision.items()}}

    def fcc_name(self, sign_flexible=False):
        """The paired network's directory: fcc (the default policy, fine-tuned, as before), else
        fcc_<policy>[_<recipe>] (docs/training.md)."""
        a = self.args
        label = policy_label(a.fcc_policy, a.fcc_kinds)
        # fcc/ is the first recipe's name for every layer fine-tuned (kept); anything else names its policy.
        name = "fcc" if label == "all" and a.recipe == "finetune" else f"fcc_{label}"
        if a.recipe != "finetune":
            name += f"_{a.recipe}"
        return name + ("_sf" if sign_flexible else "")

    def unpaired_layers(self):
        """fcc.skip for the int8 export: what the policy leaves unpaired (the fine-tuning recipe pairs the rest)."""
        return [n for n, (ok, _) in self.decision.items() if not ok]

    # -- data -------------------------------------------------------------------------------------------
    def data(self, split):
        if split not in self._data:
            x, y = load_split(self.args.data, split)
            x = fit_to_input(x, self.spec.input_shape, f"{self.args.data} ({split})")
            check_labels(y, self.spec.classes, f"{self.args.data} ({split})")
            limit = self.args.train_images if split == "train" else self.args.test_images
            if limit:
                x, y = x[:limit], y[:limit]
            self._data[split] = (x, y)
        return self._data[split]

    # -- bookkeeping ------------------------------------------------------------------------------------
    def record(self, stage, **kw):
        self.results.setdefault("stages", {}).setdefault(stage, {}).update(kw)
        self.results_path.write_text(json.dumps(self.results, indent=2) + "\n")

    def model(self):
        return Model(self.spec).to(memory_format=torch.channels_last)

    def header(self, what):
        return [f"{self.spec.name}: {what}, by scripts/ddcpim_train from {self.spec.path.name} "
                f"(seed {self.args.seed}; docs/training.md)"]

    # -- stages -----------------------------------------------------------------------------------------
    def stage_float(self):
        a = self.args
        m = self.model()
        if a.recipe == "scratch":
            for name in self.paired_layers:
                m.macs[name].tie = fcc_constraint.Tie(m.macs[name].weight.shape[0])
        x, y = self.data("train")
        ties = f", {len(self.paired_layers)} layers with tied pairs" if a.recipe == "scratch" else ""
        self.log(f"float: {a.epochs_float} epochs on {len(x)} images{ties}")
        secs = training.train(m, x, y, "float", a.epochs_float, a.lr, a.seed, batch=a.batch, log=self.log,
                              max_steps=a.max_steps)
        checkpoint.save(m, self.out / "float.pt", "float")
        xt, yt = self.data("test")
        top1 = float((training.predict(m, xt, "float") == yt).mean())
        self.log(f"float: top-1 {100 * top1:.2f}% (torch, {len(xt)} test images)")
        self.record("float", epochs=a.epochs_float, seconds=round(secs, 1), top1=top1, engine="torch float")

    def stage_qat(self):
        a = self.args
        m = self.model()
        checkpoint.load(m, self.out / "float.pt", ["float"])
        x, y = self.data("train")
        quantisation.prepare(m, x[:CALIBRATION_IMAGES])
        groups, pairs = None, 0
        for name, mac in m.macs.items():
            if mac.tie is not None:     # scratch: the tied pairs stay pairs, now exact complements
                mac.pairing = fcc_constraint.tie_to_pairing(mac, m.quant[fcc_constraint.mac_input(m, name)]["scale"])
                mac.tie = None
                pairs += len(mac.pairing.a)
        if pairs:
            groups = training.param_groups_fcc(m, a.lr_qat, a.latent_lr)
        self.log(f"qat: {a.epochs_qat} epochs, activation scales from {min(len(x), CALIBRATION_IMAGES)} images"
                 + (f", {pairs} complementary pairs throughout" if pairs else ""))
        secs = training.train(m, x, y, "qat", a.epochs_qat, a.lr_qat, a.seed + 1, batch=a.batch, log=self.log,
                              max_steps=a.max_steps, param_groups=groups)
        checkpoint.save(m, self.out / "qat.pt", "qat")
        self.record(self.fcc_name() if pairs else "int8", epochs=a.epochs_qat, seconds=round(secs, 1),
                    **({"float_epochs": a.epochs_float} if pairs else {}))

    def stage_export(self):
        m = self.model()
        checkpoint.load(m, self.out / "qat.pt", ["qat"])
        if any(mac.pairing is not None for mac in m.macs.values()):
            what, name = f"int8, trained under the pair constraint from the start (policy {self.args.fcc_policy})", \
                self.fcc_name()
        else:
            what, name = "int8 quantisation-aware trained", "int8"
        path = quantisation.export(m, self.out / name, self.header(what), fcc_skip=self.unpaired_layers())
        self.log(f"export: {path}")

    def stage_pair(self, sign_flexible):
        name = self.fcc_name(sign_flexible).replace("fcc", "fcc_post", 1)
        t0 = time.time()
        out = self.out / name / "network.yaml"
        out.parent.mkdir(parents=True, exist_ok=True)
        evaluation.ddcpim_fcc(self.out / "int8" / "network.yaml", out, sign_flexible, self.args.bin)
        self.log(f"pair: {out} (ddcpim_fcc{', sign-flexible' if sign_flexible else ''})")
        self.record(name, seconds=round(time.time() - t0, 1), epochs=0)

    def stage_finetune(self, sign_flexible):
        a = self.args
        suffix = "_sf" if sign_flexible else ""
        name = self.fcc_name(sign_flexible)
        m = self.model()
        checkpoint.load(m, self.out / "qat.pt", ["qat"])
        fcc_constraint.attach(m, read_pairs(self.out / name.replace("fcc", "fcc_post", 1) / "network.yaml"))
        x, y = self.data("train")
        paired = sum(len(mac.pairing.a) for mac in m.macs.values() if mac.pairing is not None)
        epochs = a.epochs_fcc_sf if sign_flexible else a.epochs_fcc
        self.log(f"finetune{suffix}: {epochs} epochs, {paired} pairs (policy {a.fcc_policy})")
        groups = training.param_groups_fcc(m, a.lr_qat, a.latent_lr)
        xt, yt = self.data("test")
        curve = []

        def measure(epoch):
            # The exact integer mode equals ddcpim_ref's codes (tests/test_train.py), so this is the
            # accuracy the exported network would have after `epoch` epochs: the schedule's learning curve.
            curve.append([epoch, float((training.predict(m, xt, "exact") == yt).mean())])
            self.log(f"  after epoch {epoch}: top-1 {100 * curve[-1][1]:.2f}% (exact mode, {len(xt)} test images)")

        secs = training.train(m, x, y, "qat", epochs, a.lr_qat, a.seed + 2, batch=a.batch, param_groups=groups,
                              log=self.log, max_steps=a.max_steps, on_epoch=measure if a.curve else None,
                              label=f"finetune{suffix}")
        checkpoint.save(m, self.out / f"{name}.pt", "fcc")
        path = quantisation.export(m, self.out / name, self.header(
            f"int8 FCC fine-tuned{', sign-flexible' if sign_flexible else ''}, every pair listed"))
        self.log(f"export: {path}")
        self.record(name, epochs=epochs, seconds=round(secs, 1), **({"curve": curve} if curve else {}))

    def stage_evaluate(self):
        xt, yt = self.data("test")
        for cfg in exported(self.out):
            name = cfg.parent.name
            t0 = time.time()
            top1, _ = evaluation.ddcpim_ref(cfg, xt, yt, self.args.bin)
            self.log(f"evaluate: {name}: top-1 {100 * top1:.2f}% (ddcpim_ref, {len(xt)} test images, "
                     f"{time.time() - t0:.0f} s)")
            self.record(name, top1=top1, engine="ddcpim_ref", test_images=len(xt))

    def stage_ship(self):
        dest_root = Path(self.args.ship_to)
        xt, yt = self.data("test")
        stem = Path(self.args.config).stem
        for cfg in exported(self.out):
            name = cfg.parent.name
            if name.startswith("fcc_post"):
                continue
            shipped = shipping.ship(cfg, dest_root / f"{stem}_{name}")
            entry = shipping.measure(shipped, (xt, yt), self.args.bin)
            entry.update(config=str(Path(self.args.config)), stage=name,
                         training=self.results.get("stages", {}), policy=self.results.get("policy"))
            index_path = dest_root / "accuracy.json"
            index = json.loads(index_path.read_text()) if index_path.is_file() else {}
            own_int8 = (self.results.get("stages", {}).get("int8") or {}).get("top1")
            twin, twin_top1 = shipping.int8_twin(index, f"{stem}_{name}", own_int8)
            shipping.write_accuracy(shipped, entry, twin, twin_top1)
            entry.update(int8_network=twin, int8_top1=twin_top1)
            shipping.record(index_path, f"{stem}_{name}", entry)
            self.log(f"ship: {shipped}: top-1 {100 * entry['top1_test']:.2f}% on {entry['test_images']} test "
                     f"images, {100 * entry[f'top1_first_{shipping.SUBSET}']:.2f}% on the first {shipping.SUBSET}")

    def run(self, stages):
        for st in stages:
            t0 = time.time()
            if st in ("pair", "finetune"):
                for sf in (v == "sf" for v in self.args.variants):
                    getattr(self, f"stage_{st}")(sf)
            else:
                getattr(self, f"stage_{st}")()
            self.log(f"[{st} done in {time.time() - t0:.0f} s]")


def policy_label(policy, kinds):
    """fcc_<label>: the policy's name, or for `kinds` the roles it pairs (kinds-stem-expand-head)."""
    return "kinds-" + "-".join(kinds) if policy == "kinds" else policy


def exported(out):
    """Every exported network in a work directory, int8 first."""
    found = sorted(p for p in Path(out).glob("*/network.yaml"))
    return sorted(found, key=lambda p: p.parent.name != "int8")


def read_pairs(config):
    """Pairs and starting codes of every paired layer of a ddcpim_fcc output (config + <stem>.weights/)."""
    config = Path(config)
    if not config.is_file():
        raise TrainError(f"{config}: not found; run the 'pair' stage first")
    doc = yaml.safe_load(config.read_text())
    wdir = config.parent / doc["weights"]["dir"]
    out = {}
    for l in doc["network"]["layers"]:
        pairs = (l.get("fcc") or {}).get("pairs")
        if l["kind"] not in MAC_KINDS or not isinstance(pairs, list) or not pairs:
            continue
        files = {w: np.load(wdir / f"{l['name']}.{w}.npy") for w in ("weight", "weight_scale")}
        bias_f = wdir / f"{l['name']}.bias.npy"
        bias = np.load(bias_f) if bias_f.is_file() else np.zeros(len(files["weight_scale"]))
        out[l["name"]] = (pairs, files["weight"], files["weight_scale"], bias)
    return out
