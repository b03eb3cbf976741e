"""Study ``spiral``: the spiral ODE (DiffEqFlux's classic) fitted by a vanilla neural ODE, ERNODE and SRNODE.

True dynamics ``z' = (z^3)^T A``, 30 observations on [0, 1.5], model ``W2 tanh(W1 z^3)``, Adam, rtol = atol =
1e-8 in float64; every seed trains all three. Pass (seed means, spec): ERNODE's prediction NFE <= ``nfe_ratio`` x
vanilla's, its MSE <= ``mse_ratio`` x vanilla's and < ``mse_max``, its training time <= ``time_ratio`` x vanilla's.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from paperzoo_shared.runner import Context, threads
from regneuralde.reproduce._report import check_lambda, check_positive, draw_nfe_curves, record_runs
from regneuralde.reproduce.training import KINDS, NAMES, run_jobs, train_spiral

PAPER = "prediction time about halved at similar accuracy (abstract; MNIST NODE)"
METRICS = ("mse", "nfe", "train_time", "pred_time")


@dataclasses.dataclass(frozen=True)
class Config:
    iters: int = 400  # Adam iterations
    rtol: float = 1e-8  # rtol = atol of every solve
    loss: str = "sum"  # task loss over the trajectory: "sum" (DiffEqFlux's sum(abs2)) or "mean" of squares
    lr: float = 0.01
    lam_error: tuple[float, float] = (100.0, 10.0)  # ERNODE weight, annealed exponentially start -> end
    lam_stiff: float = 0.1  # SRNODE weight (constant)
    workers: int = 2  # training processes (one thread each)
    nfe_ratio: float = 0.8  # pass: ERNODE NFE <= nfe_ratio x vanilla
    mse_ratio: float = 2.0  # pass: ERNODE MSE <= mse_ratio x vanilla ...
    mse_max: float = 0.05  # ... and < mse_max
    time_ratio: float = 1.3  # pass: ERNODE training time <= time_ratio x vanilla

    def __post_init__(self) -> None:
        if self.iters < 1:
            raise ValueError(f"spiral.iters must be >= 1, got {self.iters}")
        if self.loss not in ("sum", "mean"):
            raise ValueError(f"spiral.loss must be 'sum' or 'mean', got {self.loss!r}")
        if self.workers < 1:
            raise ValueError(f"spiral.workers must be >= 1, got {self.workers}")
        check_lambda("spiral", self.lam_error, self.lam_stiff)
        check_positive(
            "spiral",
            rtol=self.rtol,
            lr=self.lr,
            nfe_ratio=self.nfe_ratio,
            mse_ratio=self.mse_ratio,
            mse_max=self.mse_max,
            time_ratio=self.time_ratio,
        )


def run(cfg: Config, ctx: Context) -> None:
    if ctx.device.type != "cpu":
        ctx.add_note("the spiral study trains in float64 on the CPU; --device is not used")
    kwargs = {
        "iters": cfg.iters,
        "rtol": cfg.rtol,
        "loss": cfg.loss,
        "lr": cfg.lr,
        "lam_error": cfg.lam_error,
        "lam_stiff": cfg.lam_stiff,
    }
    jobs = [(train_spiral, k, s, kwargs) for k in KINDS for s in ctx.seeds]
    with threads(1):
        done = iter(run_jobs(jobs, workers=cfg.workers, wrap=ctx.progress))
        runs = {k: [next(done) for _ in ctx.seeds] for k in KINDS}
    agg = record_runs(ctx, ctx.seeds, runs, METRICS)
    add_rows(ctx, cfg, agg)
    add_criteria(ctx, cfg, agg)


def add_rows(ctx: Context, cfg: Config, agg: dict[str, dict[str, Any]]) -> None:
    setting = (
        f"spiral ODE, {cfg.iters} Adam iterations, {cfg.loss} of squares loss, rtol=atol={cfg.rtol}, float64"
    )
    v = agg["vanilla"]
    for k in ("error", "stiffness"):
        a = agg[k]
        paper = PAPER if k == "error" else None
        ctx.add_row(
            setting, f"{NAMES[k]}: NFE of a prediction solve", a["nfe"], paper=paper, baseline=v["nfe"]
        )
        ctx.add_row(setting, f"{NAMES[k]}: trajectory MSE", a["mse"], baseline=v["mse"])
        ctx.add_row(setting, f"{NAMES[k]}: training time (s)", a["train_time"], baseline=v["train_time"])


def add_criteria(ctx: Context, cfg: Config, agg: dict[str, dict[str, Any]]) -> None:
    v, e = (
        {m: agg["vanilla"][m]["mean"] for m in METRICS},
        {m: agg["error"][m]["mean"] for m in METRICS},
    )
    ctx.add_criterion(
        f"spiral: ERNODE NFE <= {cfg.nfe_ratio:g} x vanilla",
        e["nfe"] <= cfg.nfe_ratio * v["nfe"],
        f"{e['nfe']:.0f} vs {v['nfe']:.0f}",
    )
    ctx.add_criterion(
        f"spiral: ERNODE MSE <= {cfg.mse_ratio:g} x vanilla and < {cfg.mse_max:g}",
        e["mse"] <= cfg.mse_ratio * v["mse"] and e["mse"] < cfg.mse_max,
        f"{e['mse']:.4f} vs {v['mse']:.4f}",
    )
    ctx.add_criterion(
        f"spiral: ERNODE training time <= {cfg.time_ratio:g} x vanilla",
        e["train_time"] <= cfg.time_ratio * v["train_time"],
        f"{e['train_time']:.1f} s vs {v['train_time']:.1f} s",
    )


def draw(ctx: Context) -> None:
    draw_nfe_curves(
        ctx,
        "Adam iteration",
        "Spiral ODE: NFE over training (mean over seeds, band: min-max), vanilla vs ERNODE vs SRNODE",
    )
