"""Study ``compare``: GBNN against one-hidden-layer MLPs (adam, lbfgs, sgd) and tree boosting, and the assembled
network.

Claims (arXiv:1909.12098, abstract and Sec. 4): GBNN generalises comparably to MLPs trained with Adam, L-BFGS and
SGD on classification and regression benchmarks; the T partial networks form one ordinary network (checked
through ``to_torch``). Every seed's K-fold mean per method, then mean ± std over the seeds. Pass: accuracy >=
best MLP - ``acc_margin`` (``acc_margin_binary`` on breast_cancer); RMSE <= best MLP's; ``to_torch()`` equals
the estimator to 1e-10.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from gradboost_nn.reproduce.folds import (
    GBNN_CONFIGS,
    MLP_SOLVERS,
    REGRESSION,
    FoldSpec,
    check_fold_fields,
    fold_jobs,
    run_folds,
)
from paperzoo_shared import mean_std
from paperzoo_shared.results import format_value
from paperzoo_shared.runner import Context

PAPER_CLAIM = "comparable to MLP adam/lbfgs/sgd (abstract, Tables 3-4; numbers not copied)"
LABELS = {
    "gbnn": "GBNN (ours)",
    "mlp_adam": "MLP adam",
    "mlp_lbfgs": "MLP lbfgs",
    "mlp_sgd": "MLP sgd",
    "gb_trees": "GB trees",
}


@dataclasses.dataclass(frozen=True)
class Config:
    datasets: tuple[str, ...] = ("breast_cancer", "wine", "iris", "digits", "diabetes")
    n_folds: int = 5
    n_steps: int = 200  # GBNN rounds T
    mlp_hidden: int = 200  # the MLPs' hidden units
    mlp_max_iter: int = 500
    gb_trees: bool = True  # also tree GradientBoosting*
    max_rows: int | None = None  # a fixed random subset of each dataset (quick runs)
    n_jobs: int = 2  # folds fitted in parallel, one thread each
    acc_margin: float = 0.02  # pass: GBNN accuracy >= best MLP - acc_margin ...
    acc_margin_binary: float = 0.035  # ... on breast_cancer

    def __post_init__(self) -> None:
        unknown = [d for d in self.datasets if d not in GBNN_CONFIGS]
        if not self.datasets or unknown:
            raise ValueError(
                f"compare.datasets must name some of {sorted(GBNN_CONFIGS)}, got {self.datasets}"
            )
        check_fold_fields("compare", self)
        for name in ("acc_margin", "acc_margin_binary"):
            if not getattr(self, name) >= 0:
                raise ValueError(f"compare.{name} must be >= 0, got {getattr(self, name)}")

    def spec(self) -> FoldSpec:
        return FoldSpec(self.n_folds, self.n_steps, self.mlp_hidden, self.mlp_max_iter, self.max_rows)


def run(cfg: Config, ctx: Context) -> None:
    if ctx.device.type != "cpu":
        ctx.add_note("the reproduction fits its small datasets on the CPU in float64; --device is not used")
    jobs = fold_jobs(cfg.datasets, ctx.seeds, cfg.spec())
    folds = run_folds(jobs, cfg.spec(), n_jobs=cfg.n_jobs, gb_trees=cfg.gb_trees, wrap=ctx.progress)
    for f in folds:
        fit_s = {f"fit_s.{m}": v for m, v in f["fit_s"].items()}
        ctx.add_seed(
            f["seed"],
            {
                "dataset": f["dataset"],
                "fold": f["fold"],
                **f["score"],
                **fit_s,
                "assembly_err": f["assembly_err"],
            },
        )
    methods = ["gbnn", *[f"mlp_{s}" for s in MLP_SOLVERS]] + (["gb_trees"] if cfg.gb_trees else [])
    baseline_rows, time_rows = [], []
    for name in cfg.datasets:
        mine = [f for f in folds if f["dataset"] == name]
        baseline_rows.append(compare_dataset(ctx, cfg, name, mine, methods))
        fit_s = {m: float(np.mean([f["fit_s"][m] for f in mine])) for m in methods}
        gb_time = fit_s["gbnn"]
        time_rows.append(
            [
                name,
                f"{gb_time:.2f}",
                *[f"{fit_s[m]:.2f}" for m in methods[1:]],
                *[f"{gb_time / fit_s[f'mlp_{s}']:.1f}x" for s in MLP_SOLVERS],
            ]
        )
    ctx.add_table("baselines", ["dataset", "metric", *[LABELS[m] for m in methods]], baseline_rows)
    ctx.add_table(
        "fit_time",
        [
            "dataset",
            "GBNN fit (s)",
            *[f"{LABELS[m]} fit (s)" for m in methods[1:]],
            *[f"GBNN / MLP {s}" for s in MLP_SOLVERS],
        ],
        time_rows,
    )
    add_assembly_check(ctx, max(f["assembly_err"] for f in folds))
    ctx.add_note(
        "GBNN configs per dataset are fixed in advance (gradboost_nn.reproduce.GBNN_CONFIGS); MLP baselines: "
        f"hidden_layer_sizes=({cfg.mlp_hidden},), max_iter={cfg.mlp_max_iter}, scikit-learn defaults otherwise."
    )
    ctx.add_note(
        f"fit times are wall seconds per fold with {cfg.n_jobs} fold(s) running in parallel, one thread each"
    )


def compare_dataset(
    ctx: Context, cfg: Config, name: str, folds: list[dict[str, Any]], methods: list[str]
) -> list[str]:
    """Summary, main-table row and criterion of one dataset; returns its row of the baselines table."""
    regression = name in REGRESSION
    # per method: the K-fold mean of each seed, then mean ± std over seeds
    per_seed = {
        m: [float(np.mean([f["score"][m] for f in folds if f["seed"] == s])) for s in ctx.seeds]
        for m in methods
    }
    summ = {m: mean_std(v) for m, v in per_seed.items()}
    for m in methods:
        ctx.set_summary(f"{name}.{m}", summ[m])
    metric = "RMSE (lower is better)" if regression else "accuracy"
    mlp_means = {s: summ[f"mlp_{s}"]["mean"] for s in MLP_SOLVERS}
    best = (min if regression else max)(mlp_means, key=mlp_means.__getitem__)
    ctx.add_row(
        f"{name}, {cfg.n_folds}-fold CV",
        metric,
        summ["gbnn"],
        paper=PAPER_CLAIM,
        baseline=f"best MLP ({best}): {format_value(summ[f'mlp_{best}'])}",
    )
    ours = summ["gbnn"]["mean"]
    if regression:
        ctx.add_criterion(
            f"{name}: GBNN RMSE <= best MLP RMSE",
            ours <= mlp_means[best],
            f"GBNN {ours:.2f} vs MLP {best} {mlp_means[best]:.2f}",
        )
    else:
        margin = cfg.acc_margin_binary if name == "breast_cancer" else cfg.acc_margin
        ctx.add_criterion(
            f"{name}: GBNN accuracy >= best MLP - {margin}",
            ours >= mlp_means[best] - margin,
            f"GBNN {ours:.4f} vs MLP {best} {mlp_means[best]:.4f}",
        )
    return [name, metric, *[format_value(summ[m], 2 if regression else 3) for m in methods]]


def add_assembly_check(ctx: Context, err: float) -> None:
    ctx.set_summary("assembly_err", err)
    ctx.add_row(
        "to_torch() vs predict_proba / predict",
        "max abs difference",
        {"mean": err, "std": 0.0, "n": 1},
        paper="exact (Sec. 3)",
    )
    ctx.add_criterion(
        "to_torch() reproduces the estimator to 1e-10 (float64)", err <= 1e-10, f"max abs diff {err:.2e}"
    )
