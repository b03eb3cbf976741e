"""Training loop of the paper's experiment (official code's defaults: Adam, lr 4e-4, batch 512, 8000 epochs),
with recording at log-spaced epochs, gradient SNR, and atomic checkpoints that resume exactly.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from info_plane.data import IBDataset
from info_plane.models import ib_loss
from info_plane.recorder import ActivationRecorder
from info_plane.snr import GradientSNR

__all__ = ["evaluate", "log_epochs", "train_ib"]


def log_epochs(n_epochs: int, n_points: int) -> list[int]:
    """The official code's recording epochs: the unique integers of ``logspace(0, log2 n_epochs, n_points,
    base=2)`` minus one (so epoch 0, before the first update, is included).

    Args:
        n_epochs: training epochs (>= 1).
        n_points: log-spaced points before deduplication (>= 1); 400 in the official code.

    Returns:
        Sorted unique epochs in ``[0, n_epochs - 1]``.
    """
    if isinstance(n_epochs, bool) or not isinstance(n_epochs, int) or n_epochs < 1:
        raise ValueError(f"n_epochs must be a positive int, got {n_epochs!r}")
    if isinstance(n_points, bool) or not isinstance(n_points, int) or n_points < 1:
        raise ValueError(f"n_points must be a positive int, got {n_points!r}")
    pts = np.logspace(0.0, math.log2(n_epochs), n_points, base=2.0)
    return sorted({int(p) - 1 for p in pts})


def _atomic_save(obj: Any, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    torch.save(obj, tmp)
    os.replace(tmp, path)


def train_ib(
    model: nn.Module,
    data: IBDataset,
    *,
    epochs: int = 8000,
    lr: float = 4e-4,
    batch_size: int = 512,
    recorder: ActivationRecorder | None = None,
    snr: GradientSNR | None = None,
    seed: int = 0,
    checkpoint: str | Path | None = None,
    checkpoint_every: int = 500,
    on_epoch: Callable[[int], None] | None = None,
) -> dict[str, torch.Tensor]:
    """Train ``model`` on the task with Adam and minibatches, calling the recorder and the SNR monitor.

    At the start of epoch ``e`` (``e = 0`` before any update) ``recorder(e)`` runs; after the last epoch,
    ``recorder(epochs)``. With an :class:`info_plane.models.IBEnsemble` every member gets its own data order,
    and ``data.train_idx`` / ``data.test_idx`` may be ``[members, n]`` (one split per member).

    Args:
        model: a network returning class probabilities (``ib_network`` or ``IBEnsemble``).
        data: the task (inputs, labels, split).
        epochs: passes over the training set (official code: 8000; the paper: 10^4).
        lr: Adam learning rate (4e-4).
        batch_size: minibatch size (512; Saxe et al.: 256); the last batch of an epoch is smaller.
        recorder: optional recorder called at every epoch start.
        snr: optional :class:`GradientSNR` fed after every backward.
        seed: seed of the data order.
        checkpoint: optional file: written atomically every ``checkpoint_every`` epochs and at the end; if it
            exists, training resumes from it exactly (model, optimiser, data-order generator, recorder, SNR).
        checkpoint_every: epochs between checkpoints.
        on_epoch: optional ``fn(epoch)`` called after each epoch (e.g. a progress bar).

    Returns:
        ``{"train_acc", "test_acc", "train_loss"}``: tensors with one entry per member (or scalars).
    """
    for name, v in (("epochs", epochs), ("batch_size", batch_size), ("checkpoint_every", checkpoint_every)):
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise ValueError(f"{name} must be a positive int, got {v!r}")
    if not (isinstance(lr, (int, float)) and lr > 0 and math.isfinite(lr)):
        raise ValueError(f"lr must be a positive finite number, got {lr!r}")
    device = next(model.parameters()).device
    X, y = data.X.to(device), data.y.to(device)
    members = int(getattr(model, "n_members", 0))
    train_idx = data.train_idx.to(device)
    if members:
        if train_idx.dim() == 1:
            train_idx = train_idx.expand(members, -1)
        if train_idx.shape[0] != members:
            raise ValueError(f"data.train_idx has {train_idx.shape[0]} rows for {members} members")
    elif train_idx.dim() != 1:
        raise ValueError("data.train_idx must be 1-d for a single network")
    n_train = train_idx.shape[-1]
    opt = torch.optim.Adam(model.parameters(), lr=float(lr), fused=True)
    gen = torch.Generator().manual_seed(int(seed))
    start = 0
    path = Path(checkpoint) if checkpoint is not None else None
    if path is not None and path.exists():
        state = torch.load(path, map_location=device, weights_only=False)
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["opt"])
        gen.set_state(state["gen"])
        start = int(state["epoch"])
        if recorder is not None and state.get("recorder") is not None:
            recorder.load_state_dict(state["recorder"])
        if snr is not None and state.get("snr") is not None:
            snr.load_state_dict(state["snr"])

    def save(epoch: int) -> None:
        if path is None:
            return
        _atomic_save(
            {
                "model": model.state_dict(),
                "opt": opt.state_dict(),
                "gen": gen.get_state(),
                "epoch": epoch,
                "recorder": recorder.state_dict() if recorder is not None else None,
                "snr": snr.state_dict() if snr is not None else None,
            },
            path,
        )

    model.train()
    for epoch in range(start, epochs):
        if recorder is not None:
            recorder(epoch)
        if snr is not None:
            snr.begin_epoch(epoch)
        if members:
            perm = torch.rand(members, n_train, generator=gen).argsort(-1).to(device)
            order = train_idx.gather(-1, perm)
        else:
            order = train_idx[torch.randperm(n_train, generator=gen).to(device)]
        for b in range(0, n_train, batch_size):
            idx = order[..., b : b + batch_size]
            loss = ib_loss(model(X[idx]), y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            if snr is not None:
                snr.accumulate()
            opt.step()
        if snr is not None:
            snr.end_epoch()
        if on_epoch is not None:
            on_epoch(epoch)
        if (epoch + 1) % checkpoint_every == 0 and epoch + 1 < epochs:
            save(epoch + 1)
    if recorder is not None:
        recorder(epochs)
    save(epochs)
    return evaluate(model, data)


def evaluate(model: nn.Module, data: IBDataset) -> dict[str, torch.Tensor]:
    """Train and test accuracy and the training loss of ``model`` (per member for an ensemble).

    Args:
        model: the network.
        data: the task and its split.

    Returns:
        ``{"train_acc", "test_acc", "train_loss"}`` on the CPU.
    """
    device = next(model.parameters()).device
    was = model.training
    model.eval()
    with torch.no_grad():
        probs = model(data.X.to(device))
    model.train(was)
    y = data.y.to(device)
    correct = (probs.argmax(-1) == y).to(torch.float64)  # [..., N]
    logp = (
        probs.clamp_min(torch.finfo(probs.dtype).tiny)
        .log()
        .gather(-1, y.expand(*probs.shape[:-1]).unsqueeze(-1))
    )
    nll = -logp.squeeze(-1).to(torch.float64)
    out = {}
    for key, idx in (("train", data.train_idx), ("test", data.test_idx)):
        idx = idx.to(device)
        if idx.dim() == 1 and correct.dim() == 2:
            idx = idx.expand(correct.shape[0], -1)
        out[f"{key}_acc"] = correct.gather(-1, idx).mean(-1).cpu()
        if key == "train":
            out["train_loss"] = nll.gather(-1, idx).mean(-1).cpu()
    return out
