"""What the studies share: the training loop, accuracy, parameter counts and config checks."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import torch
from torch import nn

from paperzoo_shared import progress
from paperzoo_shared.runner import Context, pyplot

MODEL_KINDS = ("lssl_legs", "lssl_random", "lssl_learned", "gru")


def train_steps(
    model: nn.Module,
    opt: torch.optim.Optimizer,
    batches: Callable[[int], tuple[torch.Tensor, torch.Tensor]],
    steps: int,
    loss_fn: Callable[..., torch.Tensor],
    sched: Any = None,
    desc: str = "",
    losses: list[float] | None = None,
) -> float:
    """``steps`` optimiser steps on ``batches(step)``; returns the wall time in seconds. Each step's training
    loss is appended to ``losses`` when given."""
    model.train()
    t0 = time.perf_counter()
    for step in progress(range(steps), desc=desc, leave=False):
        x, y = batches(step)
        loss = loss_fn(model(x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if sched is not None:
            sched.step()
        if losses is not None:
            losses.append(loss.item())
    return time.perf_counter() - t0


def chunk_means(values: Sequence[float], n_chunks: int) -> list[list[float]]:
    """``[[last step, mean]]`` of ``values`` over about ``n_chunks`` consecutive chunks (steps count from 1)."""
    size = max(1, math.ceil(len(values) / n_chunks))
    return [
        [min(i + size, len(values)), sum(values[i : i + size]) / len(values[i : i + size])]
        for i in range(0, len(values), size)
    ]


def accuracy(model: nn.Module, X: torch.Tensor, y: torch.Tensor, **kw: Any) -> float:
    with torch.no_grad():
        return (model(X, **kw).argmax(-1) == y).float().mean().item()


def n_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def check_ints(study: str, cfg: Any, names: Sequence[str], minimum: int = 1) -> None:
    for name in names:
        value = getattr(cfg, name)
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            raise ValueError(f"{study}.{name} must be an int >= {minimum}, got {value!r}")


def check_positive(study: str, cfg: Any, names: Sequence[str]) -> None:
    for name in names:
        value = getattr(cfg, name)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
            raise ValueError(f"{study}.{name} must be a number > 0, got {value!r}")


def check_optional_count(study: str, cfg: Any, names: Sequence[str]) -> None:
    """``n_seeds``/``threads``-like fields: None or an int >= 1."""
    for name in names:
        value = getattr(cfg, name)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
            raise ValueError(f"{study}.{name} must be None or an int >= 1, got {value!r}")


def check_choice(study: str, name: str, value: Any, options: Sequence[str]) -> None:
    if value not in options:
        raise ValueError(f"{study}.{name} must be one of {tuple(options)}, got {value!r}")


def draw_curves(
    ctx: Context,
    name: str,
    caption: str,
    curves: Mapping[str, Sequence[Sequence[Sequence[float]]]],
    series: Mapping[str, tuple[str, str]],
    *,
    xlabel: str,
    ylabel: str,
    title: str,
    hline: tuple[float, str] | None = None,
) -> None:
    """One log-scale plot of training curves: ``curves[key]`` holds one ``[[x, y], ...]`` line per seed, drawn in
    the colour and with the label of ``series[key] = (label, colour)``; ``hline`` = ``(y, label)``."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    for key, (label, color) in series.items():
        for i, curve in enumerate(curves.get(key, [])):
            xs, ys = zip(*curve, strict=True) if curve else ((), ())
            ax.plot(xs, ys, color=color, alpha=0.8, label=label if i == 0 else None)
    if hline is not None:
        ax.axhline(hline[0], color="black", linestyle=":", label=hline[1])
    ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_title(title)
    ax.legend()
    ax.grid(alpha=0.3)
    ctx.save_figure(fig, name, caption)
