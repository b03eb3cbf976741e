"""Study ``switch_off``: GBNN's last-trained hidden units can be switched off at test time (abstract, Sec. 4.3).

On every fold of one classification dataset: the accuracy of GBNN keeping only its first rounds (a fraction of
its hidden units) against the adam MLP with the same fraction of its hidden units kept at random. The models
are the compare study's when it fitted the same folds in this run (same dataset, folds, rounds and MLP), else
they are fitted here. Pass: keeping the first 50 % of the rounds loses <= ``margin`` accuracy (and, with
``vs_mlp``, less than keeping a random 50 % of the MLP's units).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from gradboost_nn.reproduce.folds import (
    FITTED,
    GBNN_CONFIGS,
    REGRESSION,
    FoldSpec,
    check_fold_fields,
    fold_jobs,
    run_folds,
    scaled_fold,
    score,
)
from paperzoo_shared import mean_std
from paperzoo_shared.results import format_value
from paperzoo_shared.runner import Context, pyplot


@dataclasses.dataclass(frozen=True)
class Config:
    dataset: str = "digits"  # a classification dataset
    fractions: tuple[float, ...] = (0.1, 0.25, 0.5, 0.75, 1.0)  # of the hidden units kept; must contain 1.0
    n_folds: int = 5  # the folds, rounds and MLP: as the compare study's, whose models are then reused
    n_steps: int = 200
    mlp_hidden: int = 200
    mlp_max_iter: int = 500
    max_rows: int | None = None
    n_jobs: int = 2
    margin: float = 0.03  # pass: keeping the first 50 % of the rounds loses <= margin accuracy ...
    vs_mlp: bool = True  # ... and less than keeping a random 50 % of the MLP's hidden units

    def __post_init__(self) -> None:
        if self.dataset not in GBNN_CONFIGS or self.dataset in REGRESSION:
            classification = sorted(set(GBNN_CONFIGS) - REGRESSION)
            raise ValueError(f"switch_off.dataset must be one of {classification}, got {self.dataset!r}")
        if not self.fractions or not all(0 < f <= 1 for f in self.fractions) or 1.0 not in self.fractions:
            raise ValueError(f"switch_off.fractions must lie in (0, 1] and contain 1.0, got {self.fractions}")
        check_fold_fields("switch_off", self)
        if not self.margin >= 0:
            raise ValueError(f"switch_off.margin must be >= 0, got {self.margin}")

    def spec(self) -> FoldSpec:
        return FoldSpec(self.n_folds, self.n_steps, self.mlp_hidden, self.mlp_max_iter, self.max_rows)


def fold_curve(cfg: Config, job: tuple[Any, ...], models: dict[str, Any]) -> list[tuple[float, float, float]]:
    """``(fraction, GBNN accuracy with its first rounds, MLP accuracy with random units)`` per fraction."""
    from threadpoolctl import threadpool_limits

    name, seed, fold, train, test = job
    _, Xte, _, yte = scaled_fold(name, train, test, cfg.spec())
    gbnn, mlp = models["gbnn"], models["mlp_adam"]
    T = gbnn.n_steps_
    rng = np.random.RandomState(1000 * seed + fold)
    H = mlp.coefs_[1].shape[0]
    curve = []
    with threadpool_limits(1):
        for frac in cfg.fractions:
            k = max(1, int(round(frac * T)))
            acc_gbnn = score(False, yte, gbnn.predict(Xte, n_steps=k))
            keep = rng.permutation(H)[: max(1, int(round(frac * H)))]
            mask = np.zeros(H)
            mask[keep] = 1.0
            saved = mlp.coefs_[1].copy()
            mlp.coefs_[1] = saved * mask[:, None]
            acc_mlp = score(False, yte, mlp.predict(Xte))
            mlp.coefs_[1] = saved
            curve.append((frac, acc_gbnn, acc_mlp))
    return curve


def run(cfg: Config, ctx: Context) -> None:
    spec = cfg.spec()
    jobs = fold_jobs([cfg.dataset], ctx.seeds, spec)
    missing = [j for j in jobs if (j[0], j[1], j[2], spec) not in FITTED]
    if missing:
        run_folds(missing, spec, n_jobs=cfg.n_jobs, solvers=("adam",), wrap=ctx.progress)
    curves = {(j[1], j[2]): fold_curve(cfg, j, FITTED[j[0], j[1], j[2], spec]) for j in jobs}
    for (seed, fold), curve in curves.items():
        metrics: dict[str, Any] = {"fold": fold}
        metrics |= {f"gbnn.keep_{frac:g}": acc for frac, acc, _ in curve}
        metrics |= {f"mlp_adam.keep_{frac:g}": acc for frac, _, acc in curve}
        ctx.add_seed(seed, metrics)
    arr = np.array(list(curves.values()))  # (folds, fractions, 3)
    ctx.set_data(
        "curve",
        {"fractions": list(cfg.fractions), "gbnn": arr[:, :, 1].tolist(), "mlp_adam": arr[:, :, 2].tolist()},
    )
    rows = [
        [f"{frac:.0%}", f"{arr[:, j, 1].mean():.3f}", f"{arr[:, j, 2].mean():.3f}"]
        for j, frac in enumerate(cfg.fractions)
    ]
    ctx.add_table(
        "switch_off", ["hidden units kept", "GBNN: first rounds only", "MLP adam: random units"], rows
    )
    j_half = int(np.argmin(np.abs(np.array(cfg.fractions) - 0.5)))
    j_all = cfg.fractions.index(1.0)
    drop_g, drop_m = arr[:, j_all, 1] - arr[:, j_half, 1], arr[:, j_all, 2] - arr[:, j_half, 2]
    ctx.set_summary("gbnn_drop", mean_std(drop_g))
    ctx.set_baseline("mlp_adam_drop", mean_std(drop_m))
    ctx.add_row(
        f"{cfg.dataset}: switch off the last 50% of hidden units",
        "accuracy drop",
        mean_std(drop_g),
        paper="'without a significant reduction' (abstract, Sec. 4.3)",
        baseline=f"MLP adam, random 50% removed: {format_value(mean_std(drop_m))}",
    )
    vs_mlp = " and less than removing 50% MLP units" if cfg.vs_mlp else ""
    ctx.add_criterion(
        f"switch-off: first 50% of rounds loses <= {cfg.margin}{vs_mlp}",
        drop_g.mean() <= cfg.margin and (drop_g.mean() < drop_m.mean() or not cfg.vs_mlp),
        f"GBNN drop {drop_g.mean():.4f}, MLP drop {drop_m.mean():.4f}",
    )


def _curve_from_results(ctx: Context) -> tuple[list[float], np.ndarray, np.ndarray, int | None]:
    """Fractions and per-fold accuracies (or, for results written before the curves were recorded, the fold
    means of the ``switch_off`` table) and the number of folds."""
    if ctx.key("curve") in ctx.results.data:
        c = ctx.get_data("curve")
        return c["fractions"], np.array(c["gbnn"]), np.array(c["mlp_adam"]), len(c["gbnn"])
    rows = ctx.results.tables["switch_off"]["rows"]
    fractions = [float(r[0].rstrip("%")) / 100 for r in rows]
    return fractions, np.array([[float(r[1]) for r in rows]]), np.array([[float(r[2]) for r in rows]]), None


def draw(ctx: Context) -> None:
    if ctx.key("curve") not in ctx.results.data and "switch_off" not in ctx.results.tables:
        return
    fractions, gbnn, mlp, n = _curve_from_results(ctx)
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(5.5, 3.6), layout="constrained")
    x = 100 * np.asarray(fractions)
    for acc, label, marker in ((gbnn, "GBNN: first rounds only", "o"), (mlp, "MLP adam: random units", "s")):
        ax.plot(x, acc.mean(axis=0), marker=marker, label=label)
        if len(acc) > 1:
            ax.fill_between(x, acc.min(axis=0), acc.max(axis=0), alpha=0.2)
    dataset = ctx.results.config.get(ctx.study, {}).get("dataset", "digits")
    ax.set_xlabel("hidden units kept (%)")
    ax.set_ylabel("test accuracy")
    ax.legend()
    ax.grid(alpha=0.3)
    folds = f"mean over {n} folds, band: min-max" if n else "mean over the folds"
    ctx.save_figure(fig, "curve", f"Switching off hidden units on {dataset} ({folds})")
