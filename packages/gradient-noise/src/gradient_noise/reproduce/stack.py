"""The paper's deep-MLP experiment (Section 4.1, Table 1) at CPU scale: the network and its training loop.

A 20-layer, 50-unit ReLU network with the paper's "simple" poor initialisation (every weight N(0, 0.1^2),
biases 0) trained by plain SGD (batch 32, no momentum, cross-entropy), with and without annealed gradient
noise. Several seeds of one setting train at once as a *stack* of independent networks (weights of shape
``(seeds, in, out)``, batched matmuls): the loss is the sum of the per-network losses, so every network gets
exactly the gradient it would get alone, and the noise is i.i.d. per element, so each network also gets its
own noise. Each network has its own initialisation and data order drawn from its seed.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from gradient_noise import GradientNoise

Data = tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]  # X_train, y_train, X_test, y_test


class StackedMLP(nn.Module):
    """``n_models`` independent ReLU MLPs evaluated together: input ``(n_models, batch, in)``."""

    def __init__(
        self,
        *,
        n_models: int,
        in_features: int = 64,
        width: int = 50,
        depth: int = 20,
        out_features: int = 10,
        init: str = "simple",
        init_std: float = 0.1,
        seeds: Sequence[int] | None = None,
    ) -> None:
        super().__init__()
        if init not in ("simple", "kaiming"):
            raise ValueError(f"init must be 'simple' (paper: N(0, 0.1^2)) or 'kaiming', got {init!r}")
        seeds = list(range(n_models)) if seeds is None else list(seeds)
        if len(seeds) != n_models:
            raise ValueError(f"seeds must have n_models={n_models} entries, got {len(seeds)}")
        sizes = [in_features] + [width] * depth + [out_features]
        weights = [torch.empty(n_models, a, b) for a, b in zip(sizes[:-1], sizes[1:], strict=True)]
        for m, seed in enumerate(seeds):
            g = torch.Generator().manual_seed(int(seed))
            for w in weights:
                std = init_std if init == "simple" else math.sqrt(2.0 / w.shape[1])
                w[m].normal_(0.0, std, generator=g)
        self.weights = nn.ParameterList([nn.Parameter(w) for w in weights])
        self.biases = nn.ParameterList([nn.Parameter(torch.zeros(n_models, 1, b)) for b in sizes[1:]])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for i, (w, b) in enumerate(zip(self.weights, self.biases, strict=True)):
            x = torch.baddbmm(b, x, w)
            if i < len(self.weights) - 1:
                x = torch.relu(x)
        return x


@dataclasses.dataclass(frozen=True)
class Setting:
    """One training setting: SGD learning rate, noise ``eta`` (0 = no noise), ``gamma``, budget, init."""

    lr: float = 0.05
    eta: float = 0.3
    gamma: float = 0.55
    epochs: int = 40
    batch_size: int = 32
    init: str = "simple"


def check_fields(cfg: Any, study: str, *, ints: Sequence[str] = (), floats: Sequence[str] = ()) -> None:
    """``ValueError`` naming ``study.field`` unless each of ``ints`` is an int >= 1 and each of ``floats`` a
    finite number > 0 (a tuple field: each of its entries)."""
    for name in ints:
        value = getattr(cfg, name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{study}.{name} must be an int >= 1, got {value!r}")
    for name in floats:
        value = getattr(cfg, name)
        for v in value if isinstance(value, tuple) else (value,):
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not (math.isfinite(v) and v > 0):
                raise ValueError(f"{study}.{name} must be finite and > 0, got {value!r}")


def train_stack(
    setting: Setting,
    seeds: Sequence[int],
    data: Data,
    device: torch.device | str = "cpu",
    *,
    curves: bool = False,
) -> dict[str, list]:
    """Train one network per seed with ``setting``; returns per-seed ``test_acc`` and final ``train_loss``.

    With ``curves``, also ``curve_train_loss`` (each network's mean minibatch loss over the epoch) and
    ``curve_test_acc`` (test accuracy after the epoch): one list of per-seed values per epoch. Recording them
    reads the losses already computed and evaluates the test set once per epoch; training is unchanged.
    """
    # The poorly initialised network's activations vanish to ~1e-30: flush denormals, or the CPU slows ~5x.
    # torch has no getter for this mode: it is switched back to torch's default (off) afterwards.
    torch.set_flush_denormal(True)
    try:
        return _train_stack(setting, seeds, data, torch.device(device), curves)
    finally:
        torch.set_flush_denormal(False)


@torch.no_grad()
def _test_accuracy(model: StackedMLP, data: Data) -> list[float]:
    Xte, yte = data[2], data[3]
    S = len(model.weights[0])
    return (model(Xte.expand(S, -1, -1)).argmax(-1) == yte).float().mean(1).cpu().tolist()


@torch.no_grad()
def evaluate(model: StackedMLP, data: Data) -> tuple[list[float], list[float]]:
    """Per-network test accuracy and mean cross-entropy on the whole training set (NaN: diverged)."""
    Xtr, ytr = data[0], data[1]
    S = len(model.weights[0])
    logits = model(Xtr.expand(S, -1, -1))
    tl = nn.functional.cross_entropy(logits.reshape(-1, 10), ytr.repeat(S), reduction="none").view(S, -1)
    return _test_accuracy(model, data), tl.mean(1).cpu().tolist()


def _train_stack(
    setting: Setting, seeds: Sequence[int], data: Data, device: torch.device, curves: bool
) -> dict[str, list]:
    data = tuple(t.to(device) for t in data)  # type: ignore[assignment]
    Xtr, ytr = data[0], data[1]
    S, N = len(seeds), len(Xtr)
    model = StackedMLP(n_models=S, init=setting.init, seeds=[10_000 + s for s in seeds]).to(device)
    inner = torch.optim.SGD(model.parameters(), lr=setting.lr)
    noise_seed = int(sum((s + 1) * 7919 for s in seeds) + round(setting.eta * 1000) + round(setting.lr * 1e5))
    opt = (
        GradientNoise(inner, eta=setting.eta, gamma=setting.gamma, seed=noise_seed)
        if setting.eta > 0
        else inner
    )
    gens = [torch.Generator().manual_seed(20_000 + s) for s in seeds]
    steps = N // setting.batch_size
    curve_loss: list[list[float]] = []
    curve_acc: list[list[float]] = []
    for _ in range(setting.epochs):
        order = torch.stack([torch.randperm(N, generator=g) for g in gens]).to(device)
        epoch_loss = torch.zeros(S, device=device)
        for i in range(steps):
            idx = order[:, i * setting.batch_size : (i + 1) * setting.batch_size]
            logits = model(Xtr[idx])  # (S, B, 10)
            # sum over networks of each network's mean loss: every network gets its own gradient
            loss = nn.functional.cross_entropy(logits.reshape(-1, 10), ytr[idx].reshape(-1), reduction="none")
            per_net = loss.view(S, -1).mean(1)
            if curves:
                epoch_loss += per_net.detach()
            opt.zero_grad(set_to_none=True)
            per_net.sum().backward()
            opt.step()
        if curves:
            curve_loss.append((epoch_loss / steps).cpu().tolist())
            curve_acc.append(_test_accuracy(model, data))
    acc, tl = evaluate(model, data)
    out: dict[str, list] = {"test_acc": acc, "train_loss": tl}
    if curves:
        out.update(curve_train_loss=curve_loss, curve_test_acc=curve_acc)
    return out
