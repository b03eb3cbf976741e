"""Study ``cost``: wall time of one search iteration, RARTS against DARTS second order (and first order).

On the NB-digits-3e5o supernet (C = 8, batch 100, one torch thread), each method runs ``warmup + iterations``
iterations on its own copy of the same seeded supernet, interleaved (method A, B, C, D, A, B, ...), so that load
changes on the machine hit every method alike; the score is the median over ``iterations``. One iteration is what
the search loop does per training batch: DARTS = α step + w step (darts-core), RARTS = w, y and α steps.
The number of backward passes (``torch.autograd.grad`` calls) of one iteration is counted too.

Pre-registered (Planner's note): pass when median(RARTS) / median(DARTS-2nd) <= 0.6, judged on the paper's
iteration, the Gauss–Seidel one (``alpha_grad="exact"``: α's gradient at the new w and y, four passes); the
two-pass variant (``alpha_grad="reuse"``) is reported beside it and decides nothing.
"""

from __future__ import annotations

import dataclasses
import functools
import statistics
import time
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from darts_core import Architect
from darts_core.reproduce.common import seeded_supernet
from darts_core.reproduce.data import digits_splits
from paperzoo_shared.runner import Context, threads
from rarts.optimizer import RARTS

METHODS = ("DARTS-1st", "DARTS-2nd", "RARTS (exact α gradient)", "RARTS (reused α gradient)")
JUDGED = "RARTS (exact α gradient)"
PAPER = "RARTS abstract: 60 % lower search cost than second-order DARTS on CIFAR-10 (ratio 0.4)"


@dataclasses.dataclass(frozen=True)
class Config:
    iterations: int = 50
    warmup: int = 5
    C: int = 8
    batch_size: int = 100
    w_lr: float = 0.05
    arch_lr: float = 3e-3
    threshold: float = 0.6  # pass: RARTS / DARTS-2nd <= threshold
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("iterations", "C", "batch_size"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ValueError(f"cost.{name} must be a positive int, got {v!r}")
        if isinstance(self.warmup, bool) or not isinstance(self.warmup, int) or self.warmup < 0:
            raise ValueError(f"cost.warmup must be an int >= 0, got {self.warmup!r}")
        for name in ("w_lr", "arch_lr", "threshold"):
            if not getattr(self, name) > 0:
                raise ValueError(f"cost.{name} must be > 0, got {getattr(self, name)!r}")


def darts_iteration(order: int, model: Any, cfg: Config) -> Callable[[Any, Any], Any]:
    """One iteration of darts-core's search loop: the α step (order 1 or 2), then the w step."""
    arch = Architect(model, order=order, arch_lr=cfg.arch_lr)
    params = model.weight_parameters()
    w_opt = torch.optim.SGD(params, lr=cfg.w_lr, momentum=0.9, weight_decay=3e-4)

    def it(tb: Any, vb: Any) -> None:
        arch.step(tb, vb, cfg.w_lr, w_opt)
        loss = arch.weight_objective(model(tb[0]), tb)
        grads = torch.autograd.grad(loss, params, allow_unused=True)
        for p, g in zip(params, grads, strict=True):
            p.grad = g
        nn.utils.clip_grad_norm_(params, 5.0)
        w_opt.step()

    return it


def rarts_iteration(alpha_grad: str, model: Any, cfg: Config) -> Callable[[Any, Any], Any]:
    """One RARTS iteration (w, y, α) with ``alpha_grad``."""
    # check_finite=False: time the iteration alone, as the DARTS arm (its data is finite)
    r = RARTS(model, w_lr=cfg.w_lr, arch_lr=cfg.arch_lr, alpha_grad=alpha_grad, check_finite=False)
    return lambda tb, vb: r.step(tb, vb)


def count_passes(fn: Callable[[], Any]) -> tuple[int, bool]:
    """How many ``torch.autograd.grad`` calls ``fn`` makes, and whether any builds a graph of the gradient
    (``create_graph=True``: a second derivative)."""
    orig = torch.autograd.grad
    calls: list[bool] = []

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(bool(kwargs.get("create_graph", False)))
        return orig(*args, **kwargs)

    torch.autograd.grad = counting  # type: ignore[assignment]
    try:
        fn()
    finally:
        torch.autograd.grad = orig
    return len(calls), any(calls)


def run(cfg: Config, ctx: Context) -> None:
    with threads(1 if ctx.device.type == "cpu" else None):
        data = digits_splits()
        its = {}
        batches = None
        for name in METHODS:
            model, train, val = seeded_supernet(
                cfg.seed, data, C=cfg.C, batch_size=cfg.batch_size, device=ctx.device
            )
            if batches is None:
                batches = list(zip(train, val, strict=False))
            if name.startswith("DARTS"):
                its[name] = darts_iteration(1 if name == "DARTS-1st" else 2, model, cfg)
            else:
                its[name] = rarts_iteration("exact" if name == JUDGED else "reuse", model, cfg)
        assert batches is not None
        passes = {}
        for name in METHODS:
            tb, vb = batches[0]
            passes[name] = count_passes(functools.partial(its[name], tb, vb))
        times: dict[str, list[float]] = {n: [] for n in METHODS}
        sync = torch.cuda.synchronize if ctx.device.type == "cuda" else (lambda: None)
        for k in ctx.progress(range(cfg.warmup + cfg.iterations), desc="cost"):
            tb, vb = batches[k % len(batches)]
            for name in METHODS:
                sync()
                t0 = time.perf_counter()
                its[name](tb, vb)
                sync()
                if k >= cfg.warmup:
                    times[name].append(time.perf_counter() - t0)
    med = {n: statistics.median(v) for n, v in times.items()}
    ref = med["DARTS-2nd"]
    setting = (
        f"NB-digits-3e5o supernet, batch {cfg.batch_size}, 1 thread, median of {cfg.iterations} (CPU-scale)"
    )
    for n in METHODS:
        ctx.set_summary(f"{n}.median_ms", med[n] * 1e3)
        ctx.set_summary(f"{n}.ratio_to_darts2", med[n] / ref)
        ctx.set_summary(f"{n}.backward_passes", passes[n][0])
        ctx.set_summary(f"{n}.second_derivatives", passes[n][1])
    ctx.set_paper("cost", PAPER)
    ctx.add_table(
        "cost",
        [
            "method",
            "median ms / iteration",
            "time / DARTS-2nd",
            "backward passes",
            "create_graph (2nd derivative)",
        ],
        [
            [n, round(med[n] * 1e3, 2), f"{med[n] / ref:.2f}x", passes[n][0], "yes" if passes[n][1] else "no"]
            for n in METHODS
        ],
    )
    for n in METHODS:
        if n == "DARTS-2nd":
            continue
        ctx.add_row(
            setting,
            f"time per iteration / DARTS-2nd, {n}"
            + ("" if n == JUDGED or n == "DARTS-1st" else " (reported)"),
            med[n] / ref,
            paper=PAPER if n == JUDGED else None,
            baseline=f"DARTS-2nd {ref * 1e3:.1f} ms",
        )
    ratio = med[JUDGED] / ref
    ctx.add_criterion(
        f"cost: RARTS (Gauss–Seidel, exact α gradient) iteration time / DARTS-2nd <= {cfg.threshold:g}",
        ratio <= cfg.threshold,
        f"{ratio:.3f} ({med[JUDGED] * 1e3:.1f} ms vs {ref * 1e3:.1f} ms; the two-pass variant: "
        f"{med['RARTS (reused α gradient)'] / ref:.3f})",
    )
