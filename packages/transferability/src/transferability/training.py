"""Default training and evaluation of base and derived networks (any ``train_fn`` / ``eval_fn`` can replace them).

The paper trains every net, base and derived alike, with the same schedule (Caffe SGD, momentum 0.9, lr 0.01,
x0.1 every 100k of 450k iterations, batch 256, weight decay 5e-4); copied layers that are fine-tuned get the
same learning rate as the new ones. :func:`default_train` offers both Adam (the CPU reproduction) and SGD with
momentum, a step schedule, per-group learning-rate scales (``lr_scale``, for a smaller fine-tuning lr) and exact
resumption from an atomically written checkpoint.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

from transferability._checks import (
    check_input_dtype,
    check_int,
    check_model,
    check_number,
    check_path,
    check_seed,
    first_call,
)
from transferability.surgery import trainable_parameters

__all__ = ["default_eval", "default_train"]

OPTIMIZERS = ("adam", "sgd")


def _check_xy(X: torch.Tensor, y: torch.Tensor) -> None:
    if not isinstance(X, torch.Tensor) or not isinstance(y, torch.Tensor):
        raise TypeError(f"X and y must be tensors, got {type(X).__name__} and {type(y).__name__}")
    if len(X) != len(y) or len(X) == 0:
        raise ValueError(f"X and y must have the same, non-zero length, got {len(X)} and {len(y)}")
    if y.dim() != 1 or y.is_floating_point() or y.is_complex() or y.dtype == torch.bool:
        raise ValueError(
            f"y must be a 1-d tensor of integer labels, got shape {tuple(y.shape)} and dtype {y.dtype}"
        )
    if X.is_floating_point() and not torch.isfinite(X).all():
        raise ValueError("X contains NaN or infinite values")


def _check_labels(y: torch.Tensor, logits: torch.Tensor) -> None:
    """The labels must index the model's outputs (one check, on the first batch)."""
    lo, hi = int(y.min()), int(y.max())
    k = logits.shape[-1] if logits.dim() >= 1 else 0
    if lo < 0 or hi >= k:
        raise ValueError(f"y holds labels {lo}..{hi} but the model has {k} outputs (classes 0..{k - 1})")


def _param_groups(
    model: nn.Module, params: Iterable[Any] | None, lr: float, wd: float
) -> list[dict[str, Any]]:
    if params is None:
        items: list[Any] = [{"params": list(trainable_parameters(model))}]
    else:
        items = list(params)
        if items and isinstance(items[0], torch.Tensor):
            items = [{"params": items}]
    groups = []
    for g in items:
        if not isinstance(g, Mapping) or "params" not in g:
            raise ValueError(f"params must be tensors or dicts with a 'params' key, got {g!r}")
        ps = [p for p in g["params"] if p.requires_grad]
        if not ps:
            continue
        scale = float(g.get("lr_scale", 1.0))
        groups.append({"params": ps, "lr": lr * scale, "weight_decay": float(g.get("weight_decay", wd))})
    if not groups:
        raise ValueError("nothing to train: every parameter is frozen (requires_grad=False)")
    return groups


def _atomic_save(obj: Any, path: Path) -> None:
    """``torch.save`` to a temporary file, then rename it over ``path``: a failed write leaves the previous file
    intact and no temporary file behind."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        torch.save(obj, tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


CHECKPOINT_KEYS = ("model", "optimizer", "generator", "torch_rng", "epoch")


def _load_checkpoint(path: Path, device: torch.device) -> dict[str, Any]:
    try:
        state = torch.load(path, map_location=device, weights_only=False)
    except Exception as err:
        raise ValueError(f"checkpoint {path} could not be read (truncated or corrupt?): {err}") from err
    if not isinstance(state, dict) or any(k not in state for k in CHECKPOINT_KEYS):
        raise ValueError(f"{path} is not a default_train checkpoint (it lacks the keys {CHECKPOINT_KEYS})")
    return state


def default_train(
    model: nn.Module,
    X: torch.Tensor,
    y: torch.Tensor,
    *,
    epochs: int = 60,
    lr: float = 1e-3,
    batch_size: int = 64,
    weight_decay: float = 0.0,
    optimizer: str = "adam",
    momentum: float = 0.9,
    step_every: int | None = None,
    gamma: float = 0.1,
    seed: int = 0,
    params: Iterable[Any] | None = None,
    checkpoint: str | Path | None = None,
    checkpoint_every: int = 1,
) -> nn.Module:
    """Train ``model`` with cross-entropy on ``(X, y)`` in minibatches; frozen groups stay untouched.

    Args:
        model: the network (already on its device); ``X`` and ``y`` are moved there batch by batch.
        X: inputs, first dimension ``N``.
        y: integer targets, shape ``(N,)``.
        epochs: passes over the data.
        lr: base learning rate (``0.01`` in the paper's SGD solver).
        batch_size: minibatch size (256 in the paper).
        weight_decay: L2 coefficient (``5e-4`` in the paper); never applied to frozen parameters.
        optimizer: ``"adam"`` or ``"sgd"`` (SGD with ``momentum``, the paper's solver).
        momentum: SGD momentum (0.9 in the paper).
        step_every: multiply the lr by ``gamma`` every this many epochs (None: constant lr).
        gamma: the step factor (0.1 in the paper).
        seed: seed of the minibatch order and of dropout.
        params: optimiser parameter groups (tensors, or dicts with ``params`` and optionally ``lr_scale`` and
            ``weight_decay``); default: every trainable parameter at scale 1.
        checkpoint: a file to save model, optimiser and RNG state to (atomically) every ``checkpoint_every``
            epochs; when it exists, training resumes from it exactly.
        checkpoint_every: epochs between checkpoints.

    Returns:
        ``model`` (trained in place).
    """
    check_model(model)
    _check_xy(X, y)
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {optimizer!r}")
    for name, v in (("epochs", epochs), ("batch_size", batch_size), ("checkpoint_every", checkpoint_every)):
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise ValueError(f"{name} must be a positive int, got {v!r}")
    if not (isinstance(lr, (int, float)) and not isinstance(lr, bool) and math.isfinite(lr) and lr > 0):
        raise ValueError(f"lr must be a positive finite number, got {lr!r}")
    check_number("weight_decay", weight_decay, lo=0.0)
    check_number("momentum", momentum, lo=0.0, hi=1.0, hi_open=True)
    check_int("step_every", step_every, none=True)
    check_number("gamma", gamma, lo=0.0, lo_open=True)
    check_seed("seed", seed)
    ckpt = check_path("checkpoint", checkpoint)
    params_list = list(model.parameters())
    if not params_list:
        raise ValueError("model has no parameters: nothing to train")
    device = params_list[0].device
    check_input_dtype("X", X, model)
    groups = _param_groups(model, params, lr, weight_decay)
    opt: torch.optim.Optimizer
    if optimizer == "adam":
        opt = torch.optim.Adam(groups, lr=lr)
    else:
        opt = torch.optim.SGD(groups, lr=lr, momentum=momentum)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=step_every, gamma=gamma) if step_every else None
    gen = torch.Generator().manual_seed(int(seed))
    start = 0
    if ckpt is not None and ckpt.exists():
        state = _load_checkpoint(ckpt, device)
        try:
            model.load_state_dict(state["model"])
            opt.load_state_dict(state["optimizer"])
        except (RuntimeError, ValueError, KeyError) as err:
            raise ValueError(f"checkpoint {ckpt} does not fit this model or optimizer: {err}") from err
        if sched is not None and state.get("scheduler") is not None:
            sched.load_state_dict(state["scheduler"])
        gen.set_state(state["generator"])
        torch.set_rng_state(state["torch_rng"])
        start = int(state["epoch"])
    else:
        torch.manual_seed(int(seed))  # dropout masks
    n = len(X)
    model.train()
    checked = False
    for epoch in range(start, epochs):
        order = torch.randperm(n, generator=gen)
        for i in range(0, n, batch_size):
            idx = order[i : i + batch_size]
            xb, yb = X[idx].to(device, non_blocking=True), y[idx].to(device, non_blocking=True)
            if not checked:  # the first batch only: a clear error for a model that cannot take X or y
                logits = first_call("X", xb, model, batch=True)
                _check_labels(y, logits)
                checked = True
            else:
                logits = model(xb)
            loss = F.cross_entropy(logits, yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        if sched is not None:
            sched.step()
        if ckpt is not None and ((epoch + 1) % checkpoint_every == 0 or epoch + 1 == epochs):
            _atomic_save(
                {
                    "model": model.state_dict(),
                    "optimizer": opt.state_dict(),
                    "scheduler": sched.state_dict() if sched is not None else None,
                    "generator": gen.get_state(),
                    "torch_rng": torch.get_rng_state(),
                    "epoch": epoch + 1,
                },
                ckpt,
            )
    model.eval()
    return model


def default_eval(model: nn.Module, X: torch.Tensor, y: torch.Tensor, *, batch_size: int = 4096) -> float:
    """Top-1 accuracy of ``model`` on ``(X, y)`` in eval mode (the paper's metric).

    Args:
        model: the network.
        X: inputs.
        y: integer targets, shape ``(N,)``.
        batch_size: evaluation batch size.

    Returns:
        The fraction of correct predictions.
    """
    check_model(model)
    _check_xy(X, y)
    check_int("batch_size", batch_size)
    params = list(model.parameters())
    device = params[0].device if params else X.device
    check_input_dtype("X", X, model)
    was = model.training
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(X), batch_size):
            xb, yb = X[i : i + batch_size].to(device), y[i : i + batch_size].to(device)
            out = first_call("X", xb, model, batch=True) if i == 0 else model(xb)
            correct += int((out.argmax(-1) == yb).sum())
    model.train(was)
    return correct / len(X)
