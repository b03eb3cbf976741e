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
    try:
        torch.save(obj, tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)  # a failed write leaves the previous checkpoint and nothing else
        raise


_CKPT_KEYS = ("model", "opt", "gen", "epoch")


def _load_checkpoint(path: Path, device: torch.device) -> dict[str, Any]:
    if path.is_dir():
        raise ValueError(f"checkpoint must be a file path, got the directory {path}")
    try:
        state = torch.load(path, map_location=device, weights_only=False)
    except Exception as err:
        raise ValueError(
            f"checkpoint {path} could not be read (truncated or corrupt?): {type(err).__name__}: {err}; "
            "delete it to start afresh"
        ) from err
    if not isinstance(state, dict) or not set(_CKPT_KEYS) <= set(state):
        raise ValueError(f"checkpoint {path} is not an info-plane train_ib checkpoint (no {_CKPT_KEYS} keys)")
    return state


def _check_data(model: Any, data: Any) -> None:
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be an nn.Module, got {type(model).__name__}")
    if next(model.parameters(), None) is None:
        raise ValueError("model has no parameters to train")
    if not isinstance(data, IBDataset):
        raise TypeError(
            f"data must be an info_plane.IBDataset (X, y, train_idx, test_idx), e.g. ib_12bit(), "
            f"got {type(data).__name__}"
        )
    X, y = data.X, data.y
    if not isinstance(X, torch.Tensor) or not X.is_floating_point() or X.dim() < 2 or X.shape[0] < 1:
        raise ValueError("data.X must be a non-empty floating tensor [N, features]")
    if not torch.isfinite(X).all():
        raise ValueError("data.X contains NaN or inf: training on it would poison every weight")
    if not isinstance(y, torch.Tensor) or y.dtype not in (torch.int64, torch.int32) or y.shape != X.shape[:1]:
        raise ValueError(f"data.y must be an integer tensor of shape [{X.shape[0]}] (one label per row of X)")
    if bool((y < 0).any()):
        raise ValueError("data.y must hold non-negative class indices")
    for name in ("train_idx", "test_idx"):
        idx = getattr(data, name)
        if not isinstance(idx, torch.Tensor) or idx.dtype not in (torch.int64, torch.int32):
            raise ValueError(f"data.{name} must be an integer tensor of row indices")
        if idx.numel() and bool(((idx < 0) | (idx >= X.shape[0])).any()):
            raise ValueError(f"data.{name} holds row indices outside the range [0, {X.shape[0]})")
    if data.train_idx.shape[-1] == 0:
        raise ValueError("data.train_idx is empty: nothing to train on")


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
    if not (isinstance(lr, (int, float)) and not isinstance(lr, bool) and lr > 0 and math.isfinite(lr)):
        raise ValueError(f"lr must be a positive finite number, got {lr!r}")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"seed must be an int, got {seed!r}")
    _check_data(model, data)
    param = next(model.parameters())
    device = param.device
    # the inputs follow the model (device and floating dtype), as documented
    X, y = data.X.to(device, param.dtype if param.is_floating_point() else None), data.y.to(device)
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
    if path is not None and (path.exists() or path.is_dir()):
        state = _load_checkpoint(path, device)
        try:
            model.load_state_dict(state["model"])
            opt.load_state_dict(state["opt"])
        except (RuntimeError, ValueError, KeyError) as err:
            raise ValueError(
                f"checkpoint {path} does not fit this model (another architecture?): {str(err)[:300]}"
            ) from err
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
            probs = model(X[idx])
            first = epoch == start and b == 0
            if first and int(y.max()) >= probs.shape[-1]:
                raise ValueError(
                    f"data.y holds class {int(y.max())} but the model outputs {probs.shape[-1]} classes"
                )
            # the first batch checks that the outputs are probabilities (one sync), the others do not
            loss = ib_loss(probs, y[idx], check=first)
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
    _check_data(model, data)
    param = next(model.parameters())
    device = param.device
    was = model.training
    model.eval()
    with torch.no_grad():
        probs = model(data.X.to(device, param.dtype if param.is_floating_point() else None))
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
