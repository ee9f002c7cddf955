"""Checkpoints: a model's weights, its quantisation and pairs, and the network they belong to."""
from pathlib import Path

import torch

from .errors import TrainError
from .fcc_constraint import Pairing, Tie


def save(model, path, stage):
    pairs = {n: m.pairing.pair_list() for n, m in model.macs.items() if m.pairing is not None}
    ties = {n: m.weight.shape[0] for n, m in model.macs.items() if m.tie is not None}
    torch.save({"network": model.spec.fingerprint(), "stage": stage, "state": model.state_dict(),
                "quant": model.quant, "pairs": pairs, "ties": ties, "bn": [n for n, m in model.macs.items() if m.bn is not None]},
               path)


def load(model, path, stages):
    """Restore a checkpoint of one of `stages` into model (built from the same config), or fail clearly."""
    path = Path(path)
    if not path.is_file():
        raise TrainError(f"{path}: checkpoint not found; run the stage that writes it first")
    try:
        ck = torch.load(path)
    except Exception as e:  # torch raises many types for a file that is not a checkpoint
        reason = " ".join(str(e).split())   # one line, whatever the unpickler says
        raise TrainError(f"{path}: not a ddcpim_train checkpoint ({type(e).__name__}: {reason})") from None
    if not isinstance(ck, dict) or "network" not in ck:
        raise TrainError(f"{path}: not a ddcpim_train checkpoint")
    if ck["network"] != model.spec.fingerprint():
        theirs = {tuple(l[:2]) for l in ck["network"]}
        ours = [l for l in model.spec.fingerprint() if tuple(l[:2]) not in theirs]
        first = ours[0][0] if ours else next(
            (a[0] for a, b in zip(model.spec.fingerprint(), ck["network"]) if a != b), "?")
        raise TrainError(f"{path}: checkpoint of another network ({len(ck['network'])} layers) than "
                         f"{model.spec.path} ({len(model.spec.layers)} layers); first difference at layer '{first}'")
    if ck["stage"] not in stages:
        raise TrainError(f"{path}: a '{ck['stage']}' checkpoint where {' or '.join(stages)} was expected")
    for name, mac in model.macs.items():
        if name not in ck["bn"]:
            mac.bn = None
        if name in ck["pairs"]:   # an empty pairing of the right shape, filled by load_state_dict
            mac.pairing = Pairing(ck["pairs"][name], torch.zeros(mac.weight.shape[0], mac.weight[0].numel()),
                                  torch.ones(mac.weight.shape[0]))
        if name in ck.get("ties", {}):
            mac.tie = Tie(ck["ties"][name])
    model.load_state_dict(ck["state"])
    model.quant = ck["quant"]
    return ck["stage"]
