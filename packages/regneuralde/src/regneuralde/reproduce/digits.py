"""Study ``digits``: a neural-ODE classifier on scikit-learn's digits, vanilla vs ERNODE vs SRNODE.

State = the 64 pixels / 16, ``TimeConcatMLP(64, 100)`` dynamics on [0, 1] (the paper's MNIST model), linear head;
stratified 80/20 split (the same for every seed), Adam, batch 128, rtol = atol = 1e-7 in float64. Takes the
first ``n_seeds`` seeds of the run (spec: 2). Pass (seed means): ERNODE's test-set NFE <= ``nfe_ratio`` x
vanilla's, accuracy drop <= ``acc_drop``, training time <= ``time_ratio`` x vanilla's; SRNODE's NFE <= vanilla's.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from paperzoo_shared.runner import Context, threads
from regneuralde.reproduce._report import check_lambda, check_positive, draw_nfe_curves, record_runs
from regneuralde.reproduce.spiral import PAPER
from regneuralde.reproduce.training import KINDS, NAMES, TRAINED_DIGITS, digits_key, run_jobs, train_digits

METRICS = ("test_acc", "nfe", "train_time", "pred_time")


@dataclasses.dataclass(frozen=True)
class Config:
    epochs: int = 20
    rtol: float = 1e-7  # rtol = atol of every solve
    n_seeds: int = 2  # the first n_seeds seeds of the run
    batch_size: int = 128
    lr: float = 1e-3
    lam_error: tuple[float, float] = (100.0, 10.0)  # ERNODE weight, annealed exponentially start -> end
    lam_stiff: float = 0.1  # SRNODE weight (constant)
    workers: int = 2  # training processes (one thread each)
    nfe_ratio: float = 0.75  # pass: ERNODE NFE <= nfe_ratio x vanilla
    acc_drop: float = 0.015  # pass: ERNODE accuracy >= vanilla's - acc_drop
    time_ratio: float = 1.3  # pass: ERNODE training time <= time_ratio x vanilla

    def __post_init__(self) -> None:
        for name in ("epochs", "n_seeds", "batch_size", "workers"):
            if getattr(self, name) < 1:
                raise ValueError(f"digits.{name} must be >= 1, got {getattr(self, name)}")
        check_lambda("digits", self.lam_error, self.lam_stiff)
        check_positive(
            "digits", rtol=self.rtol, lr=self.lr, nfe_ratio=self.nfe_ratio, time_ratio=self.time_ratio
        )
        if not self.acc_drop >= 0:
            raise ValueError(f"digits.acc_drop must be >= 0, got {self.acc_drop}")

    def train_kwargs(self) -> dict[str, Any]:
        return {
            "epochs": self.epochs,
            "rtol": self.rtol,
            "batch_size": self.batch_size,
            "lr": self.lr,
            "lam_error": self.lam_error,
            "lam_stiff": self.lam_stiff,
        }


def run(cfg: Config, ctx: Context) -> None:
    if ctx.device.type != "cpu":
        ctx.add_note("the digits study trains in float64 on the CPU; --device is not used")
    seeds = ctx.seeds_prefix(cfg.n_seeds)
    kwargs = cfg.train_kwargs()
    jobs = [(train_digits, k, s, kwargs) for k in KINDS for s in seeds]
    with threads(1):
        done = iter(run_jobs(jobs, workers=cfg.workers, wrap=ctx.progress))
        runs = {k: [next(done) for _ in seeds] for k in KINDS}
    for k in KINDS:
        for seed, r in zip(seeds, runs[k], strict=True):
            TRAINED_DIGITS[digits_key(k, seed, kwargs)] = r["state"]
    agg = record_runs(ctx, seeds, runs, METRICS)
    setting = f"digits NODE classifier, {cfg.epochs} epochs, rtol=atol={cfg.rtol}, {len(seeds)} seeds"
    v = agg["vanilla"]
    for k in ("error", "stiffness"):
        a, paper = agg[k], PAPER if k == "error" else None
        ctx.add_row(
            setting, f"{NAMES[k]}: NFE of the test-set prediction", a["nfe"], paper=paper, baseline=v["nfe"]
        )
        ctx.add_row(setting, f"{NAMES[k]}: test accuracy", a["test_acc"], baseline=v["test_acc"])
        ctx.add_row(setting, f"{NAMES[k]}: training time (s)", a["train_time"], baseline=v["train_time"])
    add_criteria(ctx, cfg, {k: {m: agg[k][m]["mean"] for m in METRICS} for k in KINDS})


def add_criteria(ctx: Context, cfg: Config, mean: dict[str, dict[str, float]]) -> None:
    v, e, s = mean["vanilla"], mean["error"], mean["stiffness"]
    ctx.add_criterion(
        f"digits: ERNODE NFE <= {cfg.nfe_ratio:g} x vanilla",
        e["nfe"] <= cfg.nfe_ratio * v["nfe"],
        f"{e['nfe']:.0f} vs {v['nfe']:.0f}",
    )
    ctx.add_criterion(
        f"digits: ERNODE accuracy drop <= {100 * cfg.acc_drop:g} points",
        e["test_acc"] >= v["test_acc"] - cfg.acc_drop,
        f"{e['test_acc']:.3f} vs {v['test_acc']:.3f}",
    )
    ctx.add_criterion(
        f"digits: ERNODE training time <= {cfg.time_ratio:g} x vanilla",
        e["train_time"] <= cfg.time_ratio * v["train_time"],
        f"{e['train_time']:.1f} s vs {v['train_time']:.1f} s",
    )
    ctx.add_criterion(
        "digits: SRNODE NFE <= vanilla", s["nfe"] <= v["nfe"], f"{s['nfe']:.0f} vs {v['nfe']:.0f}"
    )


def draw(ctx: Context) -> None:
    draw_nfe_curves(
        ctx,
        "training batch",
        "Digits NODE classifier: NFE over training (mean over seeds, band: min-max), vanilla vs ERNODE vs SRNODE",
    )
