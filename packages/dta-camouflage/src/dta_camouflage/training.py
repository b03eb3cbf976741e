"""A small minibatch training loop with atomic per-epoch checkpoints that resume exactly."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import torch
from torch import nn


def atomic_torch_save(obj: Any, path: str | Path) -> Path:
    """``torch.save`` to a temporary file beside ``path``, then rename it into place (never a torn file).

    Args:
        obj: what to save.
        path: the destination.

    Returns:
        ``path``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        torch.save(obj, tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return path


def _load(path: Path, device: torch.device) -> dict[str, Any]:
    """Read a :func:`fit` checkpoint; ``ValueError`` naming ``path`` when it is unreadable or of another kind."""
    try:
        state = torch.load(path, map_location=device, weights_only=False)
    except Exception as exc:
        raise ValueError(f"cannot read the checkpoint {str(path)!r} ({type(exc).__name__}: {exc})") from exc
    keys = ("model", "optimizer", "generator", "losses", "epoch")
    if not isinstance(state, dict) or any(k not in state for k in keys):
        raise ValueError(
            f"{str(path)!r} is not a dta-camouflage training checkpoint (needs keys {list(keys)})"
        )
    return state


def fit(
    model: nn.Module,
    tensors: Sequence[torch.Tensor],
    loss_fn: Callable[..., torch.Tensor],
    *,
    epochs: int,
    lr: float,
    batch_size: int,
    seed: int = 0,
    checkpoint: str | Path | None = None,
    on_epoch: Callable[[int, float], None] | None = None,
) -> list[float]:
    """Train ``model`` with Adam on shuffled minibatches of ``tensors``; ``loss_fn(model, *batch)`` -> scalar.

    Args:
        model: the module to train (already on its device; the tensors are moved batch by batch).
        tensors: equally long tensors (first dimension = examples).
        loss_fn: the loss of one minibatch.
        epochs: passes over the data.
        lr: Adam learning rate.
        batch_size: minibatch size.
        seed: seed of the shuffling generator.
        checkpoint: if given, the state (model, optimiser, shuffling generator, losses) is written there
            atomically after every epoch, and a run finding it resumes from it exactly.
        on_epoch: called with (epoch, mean loss) after every epoch.

    Returns:
        The mean training loss of every epoch.
    """
    for name, v, lo in (("epochs", epochs, 0), ("batch_size", batch_size, 1)):
        if isinstance(v, bool) or not isinstance(v, int) or v < lo:
            raise ValueError(f"{name} must be an int >= {lo}, got {v!r}")
    if not (isinstance(lr, (int, float)) and 0 < lr < float("inf")):
        raise ValueError(f"lr must be a finite number > 0, got {lr!r}")
    for i, t in enumerate(tensors):
        if not isinstance(t, torch.Tensor):
            raise TypeError(f"the data tensors must be torch.Tensors, got {type(t).__name__} at position {i}")
    n = tensors[0].shape[0]
    if n == 0 or any(t.shape[0] != n for t in tensors):
        raise ValueError(f"tensors must be non-empty and equally long, got {[t.shape[0] for t in tensors]}")
    device = next(model.parameters()).device
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    gen = torch.Generator().manual_seed(seed)
    losses: list[float] = []
    start = 0
    if checkpoint is not None and Path(checkpoint).exists():
        state = _load(Path(checkpoint), device)
        try:
            model.load_state_dict(state["model"])
            opt.load_state_dict(state["optimizer"])
        except (RuntimeError, ValueError, KeyError) as exc:
            raise ValueError(f"the checkpoint {str(checkpoint)!r} does not fit this model: {exc}") from exc
        gen.set_state(state["generator"])
        losses = list(state["losses"])
        start = int(state["epoch"])
    model.train()
    for epoch in range(start, epochs):
        order = torch.randperm(n, generator=gen)
        total = 0.0
        for i in range(0, n, batch_size):
            idx = order[i : i + batch_size]
            batch = [t[idx].to(device) for t in tensors]
            loss = loss_fn(model, *batch)
            if not torch.isfinite(loss):
                raise FloatingPointError(f"non-finite training loss at epoch {epoch}: {loss.item()}")
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        losses.append(total / n)
        if checkpoint is not None:
            atomic_torch_save(
                {
                    "model": model.state_dict(),
                    "optimizer": opt.state_dict(),
                    "generator": gen.get_state(),
                    "losses": losses,
                    "epoch": epoch + 1,
                },
                checkpoint,
            )
        if on_epoch is not None:
            on_epoch(epoch, losses[-1])
    model.eval()
    return losses
