"""What several studies share: the paper's source, the one-thread setup, the digits split and a small MLP
trainer."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import torch
from torch import nn

from paperzoo_shared.data import digits
from paperzoo_shared.runner import Context, threads

PAPER_SOURCE = "Sehanobish et al., ICLR 2024"
PAPER_NOTE = "exact table numbers were not recoverable offline; claims quoted qualitatively"
CPU_NOTE = "the experiments are tiny; they run on the CPU whatever --device says"


@contextlib.contextmanager
def tiny_study(ctx: Context) -> Iterator[None]:
    """Record the paper's source, note that everything runs on the CPU, and run with one torch thread.

    The models are tiny: one thread is faster and fair to the scikit-learn peers, and it is the thread count
    the committed results were computed with (so they stay bit-for-bit reproducible). The previous thread
    count is restored afterwards.
    """
    ctx.results.paper["source"] = PAPER_SOURCE
    ctx.results.paper["note"] = PAPER_NOTE
    if torch.device(ctx.device).type != "cpu" and CPU_NOTE not in ctx.results.notes:
        ctx.add_note(CPU_NOTE)
    with threads(1):
        yield


def standardize(xtr: torch.Tensor, xte: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Both splits scaled by the training split's mean and standard deviation (constant features kept)."""
    mu, sd = xtr.mean(0), xtr.std(0)
    sd = torch.where(sd > 0, sd, torch.ones_like(sd))
    return (xtr - mu) / sd, (xte - mu) / sd


def digits_split(seed: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Digits, stratified 70/30 (paperzoo's per-class splitter), standardised: ``xtr, xte, ytr, yte``."""
    xtr, ytr, xte, yte = digits(test_size=0.3, seed=seed, splitter="per-class")
    xtr, xte = standardize(xtr, xte)
    return xtr, xte, ytr, yte


def mlp(d: int, h: int, out: int) -> nn.Sequential:
    return nn.Sequential(nn.Linear(d, h), nn.ReLU(), nn.Linear(h, out))


def train(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    epochs: int,
    seed: int,
    lr: float = 1e-3,
    batch: int = 64,
    loss: str = "ce",
    on_epoch: Callable[[int], None] | None = None,
) -> nn.Module:
    """Adam on the trainable parameters, mini-batches shuffled by a seeded generator.

    ``on_epoch(epoch)`` (0-based) runs after every epoch with the model in eval mode (a validation check; it
    draws nothing from the shuffling generator, so the training run is the same with or without it).
    """
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.Adam(params, lr=lr)
    gen = torch.Generator().manual_seed(seed)
    model.train()
    for epoch in range(epochs):
        perm = torch.randperm(len(x), generator=gen)
        for i in range(0, len(x), batch):
            idx = perm[i : i + batch]
            out = model(x[idx])
            if loss == "ce":
                lval = nn.functional.cross_entropy(out, y[idx])
            else:
                lval = nn.functional.mse_loss(out.squeeze(-1), y[idx])
            opt.zero_grad(set_to_none=True)
            lval.backward()
            opt.step()
        if on_epoch is not None:
            model.eval()
            on_epoch(epoch)
            model.train()
    model.eval()
    return model


def train_digits_mlp(
    xtr: torch.Tensor, ytr: torch.Tensor, *, hidden: int, epochs: int, seed: int
) -> tuple[nn.Sequential, float]:
    """The digits MLP 64-hidden-10 (init from ``torch.manual_seed(seed)``), trained; and its fit time in s."""
    torch.manual_seed(seed)
    net = mlp(64, hidden, 10)
    t0 = time.perf_counter()
    train(net, xtr, ytr, epochs=epochs, seed=seed)
    return net, time.perf_counter() - t0


@torch.no_grad()
def accuracy(fwd: Any, x: torch.Tensor, y: torch.Tensor) -> float:
    """Test accuracy of a torch model (the mean is taken in float32, as in the committed results)."""
    return float((fwd(x).argmax(-1) == y).float().mean())


def r2(pred: np.ndarray, y: np.ndarray) -> float:
    """R² in the inputs' dtype. ``sklearn.metrics.r2_score`` computes in float64 and differs in the last digits
    for float32 predictions, so the committed numbers keep this formula."""
    return float(1 - ((pred - y) ** 2).sum() / ((y - y.mean()) ** 2).sum())


def slope(ms: Any, mses: Any) -> float:
    """Slope of ``log(mse)`` against ``log(m)`` (least squares)."""
    return float(np.polyfit(np.log(np.asarray(ms, float)), np.log(np.asarray(mses, float)), 1)[0])


def check_positive_ints(study: str, **fields: Any) -> None:
    """``ValueError`` naming ``study.field`` unless every value is an int >= 1 (tuples: every element)."""
    for name, value in fields.items():
        values = value if isinstance(value, tuple) else (value,)
        if not values or any(isinstance(v, bool) or not isinstance(v, int) or v < 1 for v in values):
            raise ValueError(
                f"{study}.{name} must be a positive int (or a non-empty tuple of them), got {value!r}"
            )
