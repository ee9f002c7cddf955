"""Training loops: float, quantisation-aware and FCC fine-tuning share one loop; only the mode and the
parameter groups differ. Deterministic for a seed: torch's generator is seeded, batches and augmentation
come from it, and the thread count is fixed."""
import math
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

from .quantisation import INPUT_SCALE


def seed_everything(seed, threads):
    torch.manual_seed(seed)
    np.random.seed(seed % 2**32)
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(True)


def augment(x, gen):
    """Random horizontal flip and a shift of up to 2 pixels (zero fill), per image, from gen."""
    n = x.shape[0]
    flip = torch.rand(n, generator=gen) < 0.5
    x = torch.where(flip.view(-1, 1, 1, 1), x.flip(3), x)
    pad = F.pad(x, (2, 2, 2, 2))
    dy, dx = torch.randint(0, 5, (2, n), generator=gen)
    h, w = x.shape[2], x.shape[3]
    rows = (torch.arange(h).view(1, h) + dy.view(n, 1))          # (n, h)
    cols = (torch.arange(w).view(1, w) + dx.view(n, 1))          # (n, w)
    idx_n = torch.arange(n).view(n, 1, 1, 1)
    idx_c = torch.arange(x.shape[1]).view(1, -1, 1, 1)
    return pad[idx_n, idx_c, rows.view(n, 1, h, 1), cols.view(n, 1, 1, w)]


def model_input(codes, mode):
    """uint8 codes -> the tensor a mode takes: real values for float, integer codes otherwise."""
    x = codes.to(torch.float32)
    return x * INPUT_SCALE if mode == "float" else x


def train(model, images, labels, mode, epochs, lr, seed, batch=128, param_groups=None, log=print,
          teacher=None, max_steps=None, on_epoch=None, label=None, on_step=None):
    """Adam with a cosine schedule over `epochs` (cut short at max_steps, when given) on uint8 images; returns
    the wall time.

    label: what the progress lines are called (default: the mode; fine-tuning says "finetune").
    on_step: called with the step number after every optimiser step (tests check invariants there).

    on_epoch: called with the epoch number after each epoch (e.g. to measure the test accuracy; its time
    is not counted apart).
    teacher: a callable codes -> real logits; the loss is then their mean squared error against the
    model's real logits (distillation) and labels are ignored.
    """
    gen = torch.Generator().manual_seed(seed)
    x_all = torch.from_numpy(images)
    y_all = torch.from_numpy(labels)
    steps_per_epoch = math.ceil(len(x_all) / batch)
    total = min(max_steps, epochs * steps_per_epoch) if max_steps else epochs * steps_per_epoch
    label = label or mode
    groups = param_groups or [{"params": [p for p in model.parameters() if p.requires_grad], "lr": lr}]
    opt = torch.optim.Adam(groups)
    base = [g["lr"] for g in opt.param_groups]
    model.train()
    t0, step, shown, epoch = time.time(), 0, 0.0, 0
    while step < total:
        order = torch.randperm(len(x_all), generator=gen)
        run_loss, run_n = 0.0, 0
        for i in range(0, len(order), batch):
            if step >= total:
                break
            sel = order[i:i + batch]
            codes = augment(x_all[sel], gen)
            x = model_input(codes, mode).contiguous(memory_format=torch.channels_last)
            out = model(x, mode)
            if teacher is not None:
                with torch.no_grad():
                    t = teacher(codes)
                loss = F.mse_loss(out, t)
            else:
                loss = F.cross_entropy(out, y_all[sel])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            step += 1
            if on_step is not None:
                on_step(step)
            for g, b in zip(opt.param_groups, base):
                g["lr"] = b * 0.5 * (1 + math.cos(math.pi * step / total))
            run_loss, run_n = run_loss + float(loss) * len(sel), run_n + len(sel)
            if sys.stderr.isatty() and time.time() - shown > 1:
                shown = time.time()
                print(f"\r{label}: step {step}/{total} loss {run_loss / run_n:.4f}", end="", file=sys.stderr)
        if sys.stderr.isatty():
            print("\r\033[K", end="", file=sys.stderr)
        epoch += 1
        log(f"  {label}: epoch {epoch}/{math.ceil(total / steps_per_epoch)}, "
            f"step {step}, loss {run_loss / max(run_n, 1):.4f}, {time.time() - t0:.0f} s")
        if on_epoch is not None:
            on_epoch(epoch)
            model.train()
    model.eval()
    return time.time() - t0


def param_groups_fcc(model, lr, latent_lr, gain_lr=1e-3):
    """FCC fine-tuning: latent patterns move in code units and scales as gains near 1, so each gets its own
    rate; free weights and biases keep the QAT rate."""
    named = list(model.named_parameters())
    latent = [p for n, p in named if n.endswith("latent")]
    gains = [p for n, p in named if n.endswith(("gain_a", "gain_b"))]
    ids = {id(p) for p in latent + gains}
    rest = [p for _, p in named if id(p) not in ids]
    return [{"params": rest, "lr": lr}, {"params": latent, "lr": latent_lr}, {"params": gains, "lr": gain_lr}]


@torch.no_grad()
def predict(model, images, mode, batch=500):
    """Top-1 classes of uint8 images under a mode ("float", "qat", "exact")."""
    model.eval()
    out = []
    for i in range(0, len(images), batch):
        x = model_input(torch.from_numpy(images[i:i + batch]), mode)
        out.append(model(x, mode).argmax(1))
    return torch.cat(out).numpy()


@torch.no_grad()
def logits(model, images, mode, batch=500):
    model.eval()
    return torch.cat([model(model_input(torch.from_numpy(images[i:i + batch]), mode), mode)
                      for i in range(0, len(images), batch)]).numpy()
