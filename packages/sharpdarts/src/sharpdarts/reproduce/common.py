"""What the studies share: training a small network on the digits split of darts-core's reproduction and
reading its test accuracy, with an injectable learning-rate schedule."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from darts_core.loader import TensorLoader

Data = dict[str, tuple[torch.Tensor, torch.Tensor]]
MakeScheduler = Callable[[torch.optim.Optimizer, int], Any]


def cosine(opt: torch.optim.Optimizer, epochs: int, min_lr: float = 0.0) -> Any:
    """torch's cosine annealing to ``min_lr`` over ``epochs`` (stepped per epoch)."""
    return torch.optim.lr_scheduler.CosineAnnealingLR(opt, epochs, eta_min=min_lr)


@torch.no_grad()
def accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor, batch_size: int = 512) -> float:
    """Accuracy of ``model`` (eval mode) on ``(x, y)``."""
    model.eval()
    correct = 0
    for i in range(0, len(x), batch_size):
        correct += int((model(x[i : i + batch_size]).argmax(1) == y[i : i + batch_size]).sum())
    return correct / len(x)


def train_eval(
    model: nn.Module,
    data: Data,
    *,
    epochs: int,
    seed: int,
    lr: float = 0.05,
    momentum: float = 0.9,
    wd: float = 3e-4,
    batch_size: int = 100,
    make_scheduler: MakeScheduler | None = None,
    train_splits: tuple[str, ...] = ("train",),
    device: torch.device | str = "cpu",
) -> dict[str, float]:
    """Train ``model`` with SGD on ``train_splits`` (shuffled by ``seed``), the lr set per epoch by
    ``make_scheduler(opt, epochs)`` (default: cosine to 0); return the final train loss and the eval-mode accuracy
    on every split not trained on (``val_acc``, ``test_acc``)."""
    model.to(device)
    x = torch.cat([data[s][0] for s in train_splits]).to(device)
    y = torch.cat([data[s][1] for s in train_splits]).to(device)
    loader = TensorLoader(x, y, batch_size=batch_size, seed=seed)
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum, weight_decay=wd)
    sched = (make_scheduler or cosine)(opt, epochs)
    loss_sum, n = 0.0, 0
    for _ in range(epochs):
        model.train()
        loss_sum, n = 0.0, 0
        for xb, yb in loader:
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            loss_sum += float(loss.detach()) * len(yb)
            n += len(yb)
        sched.step()
    out = {"train_loss": loss_sum / max(n, 1)}
    if not math.isfinite(out["train_loss"]):
        raise FloatingPointError(f"training diverged (train loss {out['train_loss']})")
    for split in data:
        if split not in train_splits:
            xs, ys = (t.to(device) for t in data[split])
            out[f"{split}_acc"] = accuracy(model, xs, ys)
    return out
