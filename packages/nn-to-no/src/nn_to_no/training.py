"""A small, exactly resumable training loop with the function-space loss (checkpoints written atomically)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import torch
from torch import nn

from nn_to_no._checks import (
    check_callable,
    check_module_input,
    check_positive_float,
    check_positive_int,
    check_tensor,
)
from nn_to_no.losses import function_l2


def _atomic_save(obj: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        torch.save(obj, tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


CHECKPOINT_KEYS = ("model", "optimizer", "generator", "losses", "epoch")


def _load_checkpoint(path: Path, device: torch.device) -> dict:
    try:
        state = torch.load(path, map_location=device, weights_only=False)
    except Exception as err:
        raise ValueError(f"checkpoint {path} could not be read (truncated or corrupt?): {err}") from err
    if not isinstance(state, dict) or any(k not in state for k in CHECKPOINT_KEYS):
        raise ValueError(f"{path} is not an nn_to_no.fit checkpoint (it lacks the keys {CHECKPOINT_KEYS})")
    return state


def fit(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    epochs: int = 40,
    batch_size: int = 32,
    lr: float = 1e-3,
    weight_decay: float = 0.0,
    seed: int = 0,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None,
    checkpoint: str | Path | None = None,
    on_epoch: Callable[[int, float], None] | None = None,
) -> list[float]:
    """Train ``model`` with Adam on ``(x, y)`` (mini-batches shuffled by a seeded generator).

    With ``checkpoint`` the model, optimiser, generator state and losses are saved atomically after every epoch, and a
    later call with the same file resumes where it stopped, giving the same parameters as an uninterrupted run.

    Args:
        model: the network (already on the device of ``x``).
        x: ``(n, C, N, N)`` inputs.
        y: ``(n, C', N, N)`` targets.
        epochs: passes over the data.
        batch_size: mini-batch size.
        lr: Adam learning rate.
        weight_decay: Adam weight decay.
        seed: seed of the shuffling generator.
        loss_fn: ``(pred, target) -> scalar`` (default: squared function-space L2, :func:`~nn_to_no.losses.function_l2`).
        checkpoint: file to save to / resume from.
        on_epoch: called with ``(epoch, mean loss)`` after each epoch.

    Returns:
        The mean training loss of each epoch.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be an nn.Module, got {type(model).__name__}")
    check_tensor("x", x, ndim=(3, 4, 5))
    check_tensor("y", y, ndim=(3, 4, 5))
    if x.shape[0] != y.shape[0] or x.shape[0] == 0:
        raise ValueError(
            f"x and y must hold the same, positive number of samples, got {x.shape[0]} and {y.shape[0]}"
        )
    epochs = check_positive_int("epochs", epochs, minimum=0)
    batch_size = check_positive_int("batch_size", batch_size)
    lr = check_positive_float("lr", lr)
    if isinstance(weight_decay, bool) or not isinstance(weight_decay, (int, float)) or not weight_decay >= 0:
        raise ValueError(f"weight_decay must be a finite number >= 0, got {weight_decay!r}")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValueError(f"seed must be an int, got {seed!r}")
    check_callable("loss_fn", loss_fn, none=True)
    check_callable("on_epoch", on_epoch, none=True)
    check_module_input("x", x, model)
    check_module_input("y", y, model)
    loss_fn = loss_fn or function_l2
    opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    gen = torch.Generator().manual_seed(seed)
    losses: list[float] = []
    start = 0
    path = Path(checkpoint) if checkpoint is not None else None
    if path is not None and path.exists():
        state = _load_checkpoint(path, x.device)
        try:
            model.load_state_dict(state["model"])
            opt.load_state_dict(state["optimizer"])
        except (RuntimeError, ValueError, KeyError) as err:
            raise ValueError(f"checkpoint {path} does not fit this model or optimizer: {err}") from err
        gen.set_state(state["generator"])
        losses = list(state["losses"])
        start = int(state["epoch"])
    n = x.shape[0]
    model.train()
    for epoch in range(start, epochs):
        perm = torch.randperm(n, generator=gen).to(x.device)
        total = 0.0
        for i in range(0, n, batch_size):
            idx = perm[i : i + batch_size]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(x[idx]), y[idx])
            if not torch.isfinite(loss):
                raise FloatingPointError(f"training loss became {loss.item()} at epoch {epoch}")
            loss.backward()
            opt.step()
            total += loss.item() * idx.numel()
        losses.append(total / n)
        if on_epoch is not None:
            on_epoch(epoch, losses[-1])
        if path is not None:
            _atomic_save(
                {
                    "model": model.state_dict(),
                    "optimizer": opt.state_dict(),
                    "generator": gen.get_state(),
                    "losses": losses,
                    "epoch": epoch + 1,
                },
                path,
            )
    model.eval()
    return losses
