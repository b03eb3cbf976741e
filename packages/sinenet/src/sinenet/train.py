"""One-step training (Zhang et al. 2024, App. C): AdamW, linear warm-up then cosine decay, scaled-L2 loss;
atomic per-epoch checkpoints that resume exactly."""

from __future__ import annotations

import math
import os
import tempfile
from pathlib import Path
from typing import Any

import torch
from torch import nn

from sinenet.rollout import scaled_l2


def warmup_cosine(step: int, total: int, warmup: int, *, floor: float = 1e-4) -> float:
    """Learning-rate factor: linear from ``floor`` to 1 over ``warmup`` steps, then cosine down to ``floor``.

    Args:
        step: current step (0-based).
        total: total steps.
        warmup: warm-up steps.
        floor: smallest factor (the paper's eta_min / lr).

    Returns:
        The factor multiplying the base learning rate.
    """
    if isinstance(warmup, bool) or not isinstance(warmup, int) or warmup < 0:
        raise ValueError(f"warmup must be an int >= 0, got {warmup!r}")
    if not 0 <= floor <= 1:
        raise ValueError(f"floor must be in [0, 1], got {floor!r}")
    if step < warmup:
        return floor + (1 - floor) * step / max(1, warmup)
    t = (step - warmup) / max(1, total - warmup)
    return floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * min(1.0, t)))


_KEYS = ("model", "opt", "sched", "gen", "history")


def _atomic_save(obj: Any, path: Path) -> None:
    """``torch.save`` to a temporary file beside ``path``, renamed into place; removed when the write fails."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save(obj, f)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _load(path: Path, model: nn.Module, opt: Any, sched: Any, gen: torch.Generator) -> list[float]:
    """Restore a :func:`fit` checkpoint; ``ValueError`` naming ``path`` when it is unreadable or of another model."""
    try:
        state = torch.load(path, map_location="cpu", weights_only=False)
    except Exception as exc:
        raise ValueError(f"cannot read the checkpoint {str(path)!r} ({type(exc).__name__}: {exc})") from exc
    if not isinstance(state, dict) or any(k not in state for k in _KEYS):
        raise ValueError(f"{str(path)!r} is not a sinenet fit checkpoint (needs keys {list(_KEYS)})")
    try:
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["opt"])
    except (RuntimeError, ValueError, KeyError) as exc:
        raise ValueError(f"the checkpoint {str(path)!r} does not fit this model: {exc}") from exc
    sched.load_state_dict(state["sched"])
    gen.set_state(state["gen"])
    return list(state["history"])


def fit(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    epochs: int = 50,
    batch_size: int = 32,
    lr: float = 2e-4,
    weight_decay: float = 1e-5,
    warmup_epochs: int = 5,
    seed: int = 0,
    checkpoint: str | Path | None = None,
    stop_after: int | None = None,
) -> list[float]:
    """Train ``model`` on one-step pairs ``x -> y`` with the scaled-L2 loss.

    Args:
        model: maps (B, T_h, F, H, W) to (B, T_f, F, H, W).
        x: inputs (N, T_h, F, H, W), on the model's device.
        y: targets (N, T_f, F, H, W).
        epochs: passes over the data (paper: 50).
        batch_size: minibatch size (paper: 32).
        lr: AdamW learning rate (paper: 2e-4 INS, 1e-3 CNS/SWE).
        weight_decay: AdamW weight decay (paper: 1e-5).
        warmup_epochs: linear warm-up epochs (paper: 5).
        seed: seed of the shuffling generator.
        checkpoint: file written atomically after each epoch; training resumes from it when it exists.
        stop_after: stop after this many epochs in this call (to split a long run across jobs; the schedule
            stays that of ``epochs``).

    Returns:
        The mean training loss of each epoch (all epochs, including those restored from the checkpoint).
    """
    for name, t in (("x", x), ("y", y)):
        if not isinstance(t, torch.Tensor):
            raise TypeError(f"{name} must be a torch.Tensor, got {type(t).__name__}")
    for name, v, lo in (
        ("epochs", epochs, 1),
        ("batch_size", batch_size, 1),
        ("warmup_epochs", warmup_epochs, 0),
    ):
        if isinstance(v, bool) or not isinstance(v, int) or v < lo:
            raise ValueError(f"{name} must be an int >= {lo}, got {v!r}")
    if stop_after is not None and (
        isinstance(stop_after, bool) or not isinstance(stop_after, int) or stop_after < 0
    ):
        raise ValueError(f"stop_after must be None or an int >= 0, got {stop_after!r}")
    if not (isinstance(lr, (int, float)) and math.isfinite(lr) and lr > 0):
        raise ValueError(f"lr must be a finite number > 0, got {lr!r}")
    if not (isinstance(weight_decay, (int, float)) and math.isfinite(weight_decay) and weight_decay >= 0):
        raise ValueError(f"weight_decay must be a finite number >= 0, got {weight_decay!r}")
    if x.shape[0] != y.shape[0] or x.shape[0] < 1:
        raise ValueError(
            f"x and y must hold the same number (>= 1) of pairs, got {x.shape[0]} and {y.shape[0]}"
        )
    if epochs < 1 or batch_size < 1 or lr <= 0 or warmup_epochs < 0:
        raise ValueError(
            f"need epochs >= 1, batch_size >= 1, lr > 0, warmup_epochs >= 0; got {epochs}, {batch_size}, "
            f"{lr}, {warmup_epochs}"
        )
    if not (torch.isfinite(x).all() and torch.isfinite(y).all()):
        raise ValueError("x and y must be finite (found NaN or inf)")
    n = x.shape[0]
    per_epoch = math.ceil(n / batch_size)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: warmup_cosine(s, epochs * per_epoch, warmup_epochs * per_epoch)
    )
    gen = torch.Generator().manual_seed(seed)
    history: list[float] = []
    path = Path(checkpoint) if checkpoint is not None else None
    if path is not None and path.exists():
        history = _load(path, model, opt, sched, gen)
    model.train()
    last = epochs if stop_after is None else min(epochs, len(history) + stop_after)
    for _ in range(len(history), last):
        perm = torch.randperm(n, generator=gen).to(x.device)
        total = 0.0
        for i in range(per_epoch):
            idx = perm[i * batch_size : (i + 1) * batch_size]
            loss = scaled_l2(model(x[idx]), y[idx])
            if not torch.isfinite(loss):
                raise FloatingPointError(f"training loss became {loss.item()} (lower lr)")
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(idx)
        history.append(total / n)
        if path is not None:
            state = {
                "model": model.state_dict(),
                "opt": opt.state_dict(),
                "sched": sched.state_dict(),
                "gen": gen.get_state(),
                "history": history,
            }
            _atomic_save(state, path)
    model.eval()
    return history
