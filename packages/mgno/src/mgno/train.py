"""The training recipe of the paper's code: Adam with weight decay, OneCycleLR stepped once per epoch (div 2,
final div 100, warm-up 20 %), relative H1 (Darcy) or L2 loss, model selection on the validation relative L2.

:func:`fit` trains any module on tensors, writes an atomic checkpoint after every epoch when given a path and
resumes from it exactly (model, optimiser, scheduler, shuffling generator, history, best state).
"""

from __future__ import annotations

import dataclasses
import math
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from torch import nn

from mgno.losses import rel_h1, rel_l2


@dataclasses.dataclass
class History:
    """Per-epoch curves of :func:`fit` and the selected epoch (0-based; -1 without validation data)."""

    train_loss: list[float] = dataclasses.field(default_factory=list)
    val_l2: list[float] = dataclasses.field(default_factory=list)
    val_h1: list[float] = dataclasses.field(default_factory=list)
    epoch_seconds: list[float] = dataclasses.field(default_factory=list)
    best_epoch: int = -1
    best_val_l2: float = math.inf


def _check_data(name: str, data: Any) -> tuple[torch.Tensor, torch.Tensor]:
    if not (isinstance(data, (tuple, list)) and len(data) == 2):
        raise TypeError(f"{name} must be a pair (x, y) of tensors, got {type(data).__name__}")
    x, y = data
    if not isinstance(x, torch.Tensor) or not isinstance(y, torch.Tensor):
        raise TypeError(f"{name} must hold torch tensors")
    if not (x.is_floating_point() and y.is_floating_point()):
        raise TypeError(f"{name}: x and y must be floating-point tensors, got dtypes {x.dtype} and {y.dtype}")
    if x.shape[0] != y.shape[0] or x.shape[0] < 1:
        raise ValueError(
            f"{name}: x and y need the same positive number of samples, got {x.shape[0]} and {y.shape[0]}"
        )
    if not (torch.isfinite(x).all() and torch.isfinite(y).all()):
        raise ValueError(f"{name} contains NaN or inf")
    return x, y


@torch.no_grad()
def evaluate(
    model: nn.Module, x: torch.Tensor, y: torch.Tensor, *, batch_size: int = 64, k_max: int | None = None
) -> dict[str, float]:
    """Mean relative L2 and H1 errors of ``model`` on ``(x, y)``.

    Args:
        model: the model (evaluated in eval mode, its mode restored).
        x: inputs (N, C_in, H, W) on the model's device.
        y: targets (N, C_out, H, W).
        batch_size: evaluation batch size.
        k_max: wavenumber truncation of the H1 error (see :func:`mgno.losses.rel_h1`).

    Returns:
        ``{"l2": ..., "h1": ...}``.
    """
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
    x, y = _check_data("evaluate data", (x, y))
    was = model.training
    model.eval()
    l2 = h1 = 0.0
    for i in range(0, x.shape[0], batch_size):
        pred = model(x[i : i + batch_size])
        l2 += rel_l2(pred, y[i : i + batch_size], reduction="sum").item()
        h1 += rel_h1(pred, y[i : i + batch_size], k_max=k_max, reduction="sum").item()
    model.train(was)
    return {"l2": l2 / x.shape[0], "h1": h1 / x.shape[0]}


def _tensor_state(model: nn.Module) -> dict[str, torch.Tensor]:
    """The tensors of ``model.state_dict()`` (some libraries add non-tensor metadata entries to it)."""
    return {k: v.detach() for k, v in model.state_dict().items() if isinstance(v, torch.Tensor)}


def _save_atomic(obj: Any, path: Path) -> None:
    """``torch.save`` to a temporary file renamed over ``path``: a failed write keeps the previous file intact
    and leaves no temporary file behind."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        torch.save(obj, tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


CHECKPOINT_KEYS = ("epoch", "model", "optimizer", "scheduler", "generator", "history", "best_state")


def _load_checkpoint(path: Path) -> dict[str, Any]:
    try:
        state = torch.load(path, map_location="cpu", weights_only=False)
    except Exception as err:
        raise ValueError(f"checkpoint {path} could not be read (truncated or corrupt?): {err}") from err
    if not isinstance(state, dict) or any(k not in state for k in CHECKPOINT_KEYS):
        raise ValueError(f"{path} is not an mgno.fit checkpoint (it lacks the keys {CHECKPOINT_KEYS})")
    return state


def _check_float(name: str, v: Any, lo: float, hi: float = math.inf, *, hi_open: bool = False) -> None:
    ok = isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and v > lo
    if ok and (v >= hi if hi_open else v > hi):
        ok = False
    if not ok:
        raise ValueError(f"{name} must be a finite number in ({lo}, {hi}{')' if hi_open else ']'}, got {v!r}")


def fit(
    model: nn.Module,
    train: tuple[torch.Tensor, torch.Tensor],
    val: tuple[torch.Tensor, torch.Tensor] | None = None,
    *,
    epochs: int = 500,
    batch_size: int = 8,
    lr: float = 5e-4,
    weight_decay: float = 1e-4,
    loss: str = "h1",
    k_max: int | None = None,
    scheduler: str | None = "onecycle",
    div_factor: float = 2.0,
    final_div_factor: float = 100.0,
    pct_start: float = 0.2,
    seed: int = 0,
    checkpoint: str | Path | None = None,
    restore_best: bool = True,
    callback: Callable[[int, History], None] | None = None,
) -> History:
    """Train ``model`` with the paper's recipe.

    Args:
        model: a module on the device of the data (e.g. ``Normalized(MgNO(...), x_norm, y_norm)``).
        train: ``(x, y)`` training tensors (N, C, H, W).
        val: ``(x, y)`` validation tensors for model selection on relative L2, or None (keep the last epoch).
        epochs: number of epochs (500 in the paper).
        batch_size: mini-batch size (8 for Darcy in the paper).
        lr: peak learning rate (5e-4 Darcy, 1e-3 Navier-Stokes).
        weight_decay: Adam's weight decay (1e-4 Darcy, 1e-5 Navier-Stokes).
        loss: ``"h1"`` (relative H1, the Darcy default) or ``"l2"`` (relative L2).
        k_max: wavenumber truncation of the H1 loss and metric.
        scheduler: ``"onecycle"`` (stepped once per epoch, as the official code) or None (constant lr).
        div_factor: OneCycle's initial lr = lr / div_factor.
        final_div_factor: OneCycle's final lr = initial lr / final_div_factor.
        pct_start: OneCycle's warm-up fraction.
        seed: seed of the shuffling generator.
        checkpoint: a file written atomically after each epoch; if it exists, training resumes from it exactly.
        restore_best: load the best-validation weights into ``model`` at the end.
        callback: called as ``callback(epoch, history)`` after each epoch.

    Returns:
        The :class:`History`.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be an nn.Module, got {type(model).__name__}")
    x, y = _check_data("train", train)
    if val is not None:
        xv, yv = _check_data("val", val)
    for name, v in (("epochs", epochs), ("batch_size", batch_size)):
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise ValueError(f"{name} must be a positive int, got {v!r}")
    if not (isinstance(lr, (int, float)) and not isinstance(lr, bool) and lr > 0 and math.isfinite(lr)):
        raise ValueError(f"lr must be a positive finite float, got {lr!r}")
    _check_float("div_factor", div_factor, 0.0)
    _check_float("final_div_factor", final_div_factor, 0.0)
    _check_float("pct_start", pct_start, 0.0, 1.0, hi_open=True)
    if callback is not None and not callable(callback):
        raise TypeError(
            f"callback must be callable as callback(epoch, history) or None, got {type(callback).__name__}"
        )
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValueError(f"seed must be an int, got {seed!r}")
    wdt = next((p.dtype for p in model.parameters() if p.is_floating_point()), None)
    if wdt is not None and (x.dtype != wdt or y.dtype != wdt):
        raise TypeError(
            f"train data dtype {x.dtype}/{y.dtype} differs from the model's dtype {wdt}: pass x.to({wdt}), "
            f"y.to({wdt}) (or convert the model with .to({x.dtype}))"
        )
    if loss not in ("h1", "l2"):
        raise ValueError(f"loss must be 'h1' or 'l2', got {loss!r}")
    if scheduler not in ("onecycle", None):
        raise ValueError(f"scheduler must be 'onecycle' or None, got {scheduler!r}")

    def loss_fn(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return rel_h1(pred, target, k_max=k_max) if loss == "h1" else rel_l2(pred, target)

    opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    sched = None
    if scheduler == "onecycle":
        sched = torch.optim.lr_scheduler.OneCycleLR(
            opt,
            max_lr=lr,
            total_steps=epochs,
            div_factor=div_factor,
            final_div_factor=final_div_factor,
            pct_start=pct_start,
        )
    gen = torch.Generator().manual_seed(int(seed))
    hist = History()
    best_state: dict[str, Any] | None = None
    start = 0
    path = Path(checkpoint) if checkpoint is not None else None
    if path is not None and path.exists():
        state = _load_checkpoint(path)
        try:
            model.load_state_dict(state["model"])
            opt.load_state_dict(state["optimizer"])
        except (RuntimeError, ValueError, KeyError) as err:
            raise ValueError(f"checkpoint {path} does not fit this model or optimizer: {err}") from err
        if sched is not None:
            saved = state["scheduler"] or {}
            if saved.get("total_steps") != epochs:
                raise ValueError(
                    f"checkpoint {path} was written by a fit with epochs={saved.get('total_steps')} and the "
                    f"OneCycle schedule; resume it with the same epochs (got epochs={epochs}) or start afresh"
                )
            sched.load_state_dict(saved)
        gen.set_state(state["generator"])
        hist = History(**state["history"])
        best_state = state["best_state"]
        start = state["epoch"] + 1
    n = x.shape[0]
    for epoch in range(start, epochs):
        t0 = time.perf_counter()
        model.train()
        perm = torch.randperm(n, generator=gen).to(x.device)
        total = 0.0
        for i in range(0, n, batch_size):
            idx = perm[i : i + batch_size]
            opt.zero_grad(set_to_none=True)
            batch_loss = loss_fn(model(x[idx]), y[idx])
            if not torch.isfinite(batch_loss):
                raise FloatingPointError(f"loss became {batch_loss.item()} at epoch {epoch}: lower lr")
            batch_loss.backward()
            opt.step()
            total += batch_loss.item() * idx.numel()
        if sched is not None:
            sched.step()
        hist.train_loss.append(total / n)
        hist.epoch_seconds.append(time.perf_counter() - t0)
        if val is not None:
            m = evaluate(model, xv, yv, k_max=k_max)
            hist.val_l2.append(m["l2"])
            hist.val_h1.append(m["h1"])
            if m["l2"] < hist.best_val_l2:
                hist.best_val_l2, hist.best_epoch = m["l2"], epoch
                best_state = {k: v.cpu().clone() for k, v in _tensor_state(model).items()}
        else:
            hist.best_epoch = epoch
        if path is not None:
            _save_atomic(
                {
                    "epoch": epoch,
                    "model": _tensor_state(model),
                    "optimizer": opt.state_dict(),
                    "scheduler": sched.state_dict() if sched is not None else None,
                    "generator": gen.get_state(),
                    "history": dataclasses.asdict(hist),
                    "best_state": best_state,
                },
                path,
            )
        if callback is not None:
            callback(epoch, hist)
    if restore_best and best_state is not None:
        model.load_state_dict(best_state)
    return hist
