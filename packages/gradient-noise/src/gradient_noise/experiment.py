"""The paper's deep-MLP experiment (Section 4.1, Table 1) at CPU scale, on scikit-learn's digits.

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

import numpy as np
import torch
from torch import nn

from gradient_noise.wrapper import GradientNoise


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


@dataclasses.dataclass
class Setting:
    lr: float = 0.05
    eta: float = 0.3  # 0 = no noise
    gamma: float = 0.55
    epochs: int = 40
    batch_size: int = 32
    init: str = "simple"


def load_digits_split(seed: int = 0) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Digits scaled to [0, 1] (X / 16), stratified 70/30 split with ``random_state=seed``."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    Xtr, Xte, ytr, yte = train_test_split(X / 16.0, y, test_size=0.3, stratify=y, random_state=seed)
    f = lambda a: torch.as_tensor(np.asarray(a), dtype=torch.float32)
    return f(Xtr), f(Xte), torch.as_tensor(ytr), torch.as_tensor(yte)


def train_stack(
    setting: Setting,
    seeds: Sequence[int],
    data: tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor],
    device: torch.device = torch.device("cpu"),
) -> dict[str, list[float]]:
    """Train one network per seed with ``setting``; returns per-seed test accuracy and final training loss."""
    # The poorly initialised network's activations vanish to ~1e-30: flush denormals, or the CPU slows ~5x.
    previous = torch.set_flush_denormal(True)
    try:
        return _train_stack(setting, seeds, data, device)
    finally:
        torch.set_flush_denormal(False if not previous else True)


def _train_stack(
    setting: Setting,
    seeds: Sequence[int],
    data: tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor],
    device: torch.device,
) -> dict[str, list[float]]:
    Xtr, Xte, ytr, yte = (t.to(device) for t in data)
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
    for _ in range(setting.epochs):
        order = torch.stack([torch.randperm(N, generator=g) for g in gens]).to(device)
        for i in range(steps):
            idx = order[:, i * setting.batch_size : (i + 1) * setting.batch_size]
            logits = model(Xtr[idx])  # (S, B, 10)
            # sum over networks of each network's mean loss: every network gets its own gradient
            loss = nn.functional.cross_entropy(logits.reshape(-1, 10), ytr[idx].reshape(-1), reduction="none")
            loss = loss.view(S, -1).mean(1).sum()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    with torch.no_grad():
        acc = (model(Xte.expand(S, -1, -1)).argmax(-1) == yte).float().mean(1)
        tl = (
            nn.functional.cross_entropy(
                model(Xtr.expand(S, -1, -1)).reshape(-1, 10), ytr.repeat(S), reduction="none"
            )
            .view(S, -1)
            .mean(1)
        )
    return {"test_acc": acc.cpu().tolist(), "train_loss": tl.cpu().tolist()}
