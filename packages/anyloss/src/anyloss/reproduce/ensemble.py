"""Training many small MLPs at once: every model of one (dataset, loss) cell, one per fold, as a batched
ensemble.

Parameters carry a leading model axis and the losses are summed over models, which (Adam being elementwise)
is exactly equivalent to training them one by one. AnyLoss of M models is the multi-label loss of a
``(B, M)`` batch with ``reduction="sum"``. Initialisation, BatchNorm and Adam follow the official Keras code.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from anyloss.functional import anyloss
from anyloss.reproduce.data import Fold

LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]

# the paper's MLP (one hidden layer of 2 units, BatchNorm, sigmoid) and the stronger MLP the spec adds
PAPER_MLP = {"hidden": (2,), "activation": "sigmoid", "batchnorm": True, "lr": 1e-3}
STRONG_MLP = {"hidden": (32, 32), "activation": "relu", "batchnorm": False, "lr": 3e-3}

# the losses the reproduction compares, with their labels in the tables
LOSSES = {
    "bce": "BCE",
    "wbce": "class-weighted BCE",
    "anyloss_f1": "AnyLoss-F1",
    "anyloss_bacc": "AnyLoss-BAcc",
    "pure_f1": "soft-F1 without A (Pure / soft Dice)",
}

_TRUNC_STD = 0.87962566103423978  # std of a standard normal truncated to [-2, 2] (Keras' VarianceScaling)


class Ensemble:
    """``M`` independent MLPs with stacked parameters ``(M, in, out)``; Keras-like init and BatchNorm."""

    def __init__(
        self,
        m: int,
        d: int,
        *,
        hidden: Sequence[int],
        activation: str,
        batchnorm: bool,
        generator: torch.Generator,
        device: torch.device,
    ) -> None:
        self.params: list[torch.Tensor] = []
        self.layers: list[tuple[torch.Tensor, torch.Tensor]] = []
        sizes = [d, *hidden, 1]
        for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
            if i < len(hidden):  # he_normal, as in the official code: Keras' truncated normal (at 2 sigma)
                # whose sigma is divided by 0.8796 (the std of a unit normal truncated at +-2), so that the
                # weights' std is sqrt(2 / fan_in)
                std = math.sqrt(2.0 / fan_in) / _TRUNC_STD
                w = torch.empty(m, fan_in, fan_out)
                torch.nn.init.trunc_normal_(w, std=std, a=-2 * std, b=2 * std, generator=generator)
            else:  # Keras' default glorot_uniform for the output layer
                lim = math.sqrt(6.0 / (fan_in + fan_out))
                w = (torch.rand(m, fan_in, fan_out, generator=generator) * 2 - 1) * lim
            w = w.to(device).requires_grad_()
            b = torch.zeros(m, 1, fan_out, device=device, requires_grad=True)
            self.layers.append((w, b))
            self.params += [w, b]
        self.activation = torch.sigmoid if activation == "sigmoid" else torch.relu
        self.bn = []
        if batchnorm:
            for h in hidden:
                gamma = torch.ones(m, 1, h, device=device, requires_grad=True)
                beta = torch.zeros(m, 1, h, device=device, requires_grad=True)
                self.params += [gamma, beta]
                self.bn.append(
                    [gamma, beta, torch.zeros(m, 1, h, device=device), torch.ones(m, 1, h, device=device)]
                )

    def __call__(self, x: torch.Tensor, train: bool) -> torch.Tensor:
        """``x`` of shape ``(M, B, d)`` -> logits ``(M, B)``."""
        h = x
        for i, (w, b) in enumerate(self.layers):
            h = torch.baddbmm(b, h, w)
            if i == len(self.layers) - 1:
                break
            if self.bn:
                gamma, beta, mean, var = self.bn[i]
                if train:  # Keras BatchNormalization: eps 1e-3, momentum 0.99
                    mu, v = h.mean(1, keepdim=True), h.var(1, unbiased=False, keepdim=True)
                    with torch.no_grad():
                        mean.mul_(0.99).add_(0.01 * mu)
                        var.mul_(0.99).add_(0.01 * v)
                else:
                    mu, v = mean, var
                h = (h - mu) / torch.sqrt(v + 1e-3) * gamma + beta
            h = self.activation(h)
        return h.squeeze(-1)


def batch_loss(
    name: str | LossFn,
    logits: torch.Tensor,
    y: torch.Tensor,
    pos_w: torch.Tensor,
    neg_w: torch.Tensor,
    L: float | None,
) -> torch.Tensor:
    """Sum over models of each model's batch loss; ``logits``/``y`` are ``(M, B)``.

    ``name`` may also be a callable ``(logits, y) -> loss`` (the benchmark plugs a peer library's loss in here).
    """
    if callable(name):
        return name(logits, y)
    if logits.shape[0] == 1:  # one model: each loss exactly as a user calls it on (B,) logits
        z, t = logits.reshape(-1), y.reshape(-1)
        if name == "bce":
            return F.binary_cross_entropy_with_logits(z, t)
        if name == "wbce":
            return F.binary_cross_entropy_with_logits(z, t, weight=t * pos_w + (1 - t) * neg_w)
        metric = {"f1": "f1", "bacc": "balanced_accuracy"}[name.rsplit("_", 1)[1]]
        return anyloss(z, t, metric, L=None if name.startswith("pure") else L, validate_args=False)
    if name == "bce":
        return F.binary_cross_entropy_with_logits(logits, y, reduction="none").mean(1).sum()
    if name == "wbce":  # class weights n / (2 n_c) of each model's training fold ("balanced")
        w = y * pos_w[:, None] + (1 - y) * neg_w[:, None]
        return (w * F.binary_cross_entropy_with_logits(logits, y, reduction="none")).mean(1).sum()
    metric = {"f1": "f1", "bacc": "balanced_accuracy"}[name.rsplit("_", 1)[1]]
    amp = None if name.startswith("pure") else L
    return anyloss(logits.T, y.T, metric, task="multilabel", L=amp, reduction="sum", validate_args=False)


def make_epoch_runner(
    X: np.ndarray,
    y: np.ndarray,
    folds: Sequence[Fold],
    loss: str | LossFn,
    model: dict[str, Any],
    *,
    batch_frac: float,
    L: float | None,
    device: torch.device,
    init_seed: int,
    compiled: bool = False,
) -> tuple[Callable[[], None], Ensemble, torch.Tensor]:
    """One model per fold (stacked), its optimiser and data; returns ``(run_one_epoch, net, X_scaled)``.

    ``compiled=True`` runs the models' forward pass and the loss under ``torch.compile`` (timing only).
    """
    m = len(folds)
    n, d = X.shape
    # folds differ by at most a few rows: each epoch drops the extra
    n_train = min(len(f.train) for f in folds)
    mu, sd = np.empty((m, d)), np.empty((m, d))
    pos_w, neg_w = np.empty(m), np.empty(m)
    for i, f in enumerate(folds):  # StandardScaler fit on the training fold
        tr = f.train
        mu[i], sd[i] = X[tr].mean(0), X[tr].std(0)
        n1 = y[tr].sum()
        pos_w[i], neg_w[i] = len(tr) / (2 * n1), len(tr) / (2 * (len(tr) - n1))
    # every fold's scaled copy of X at once, on the device, in float64 then rounded (as numpy would)
    X64 = torch.as_tensor(X, dtype=torch.float64, device=device)
    mu_t = torch.as_tensor(mu, device=device)[:, None]
    sd_t = torch.as_tensor(np.where(sd > 0, sd, 1.0), device=device)[:, None]
    Xt = ((X64 - mu_t) / sd_t).float()  # (M, n, d)
    del X64
    yt = torch.as_tensor(y, dtype=torch.float32, device=device)
    tr_lists = [torch.as_tensor(f.train, device=device) for f in folds]
    pw = torch.as_tensor(pos_w, dtype=torch.float32, device=device)
    nw = torch.as_tensor(neg_w, dtype=torch.float32, device=device)
    g = torch.Generator().manual_seed(init_seed)
    net = Ensemble(
        m,
        d,
        hidden=model["hidden"],
        activation=model["activation"],
        batchnorm=model["batchnorm"],
        generator=g,
        device=device,
    )
    opt = torch.optim.Adam(net.params, lr=model["lr"], eps=1e-7, foreach=True)  # Keras' Adam epsilon
    bs = max(2, int(round(batch_frac * n_train)))

    def forward_loss(xb: torch.Tensor, yb: torch.Tensor) -> torch.Tensor:
        return batch_loss(loss, net(xb, train=True), yb, pw, nw, L)

    step_loss = torch.compile(forward_loss, dynamic=False) if compiled else forward_loss

    def run_epoch() -> None:
        perm = torch.stack(
            [t[torch.randperm(len(t), device=device)[:n_train]] for t in tr_lists]
        )  # (M, n_train)
        for start in range(0, n_train, bs):
            idx = perm[:, start : start + bs]
            xb = Xt.gather(1, idx[..., None].expand(-1, -1, d))
            loss_value = step_loss(xb, yt[idx])
            opt.zero_grad(set_to_none=True)
            loss_value.backward()
            opt.step()

    return run_epoch, net, Xt


def train_cell(
    X: np.ndarray,
    y: np.ndarray,
    folds: Sequence[Fold],
    loss: str | LossFn,
    model: dict[str, Any],
    *,
    epochs: int,
    batch_frac: float,
    L: float | None,
    device: torch.device,
    init_seed: int,
) -> tuple[list[dict[str, Any]], float]:
    """Train one model per fold (all at once); returns ``[{seed, fold, f1, bacc}]`` on each test fold and the
    seconds per epoch of the whole ensemble."""
    run_epoch, net, Xt = make_epoch_runner(
        X, y, folds, loss, model, batch_frac=batch_frac, L=L, device=device, init_seed=init_seed
    )
    sync(device)
    t0 = time.perf_counter()
    for _ in range(epochs):
        run_epoch()
    sync(device)
    seconds_per_epoch = (time.perf_counter() - t0) / max(epochs, 1)
    out = []
    with torch.no_grad():
        logits = net(Xt, train=False).cpu().numpy()  # (M, n)
    for i, f in enumerate(folds):
        scores = hard_metrics(y[f.test], logits[i, f.test] > 0)  # sigmoid(z) > 0.5
        out.append({"seed": f.seed, "fold": f.number, **scores})
    return out, seconds_per_epoch


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def hard_metrics(y: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    """Test F1 (0 when undefined: ``zero_division=0``) and balanced accuracy, by scikit-learn."""
    from sklearn.metrics import balanced_accuracy_score, f1_score

    y, pred = np.asarray(y).astype(np.int64), np.asarray(pred).astype(np.int64)
    f1 = f1_score(y, pred, zero_division=0)
    bacc = balanced_accuracy_score(y, pred)
    return {"f1": float(f1), "bacc": float(bacc)}
