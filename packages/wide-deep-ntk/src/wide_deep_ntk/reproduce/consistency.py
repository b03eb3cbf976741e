"""Study ``consistency`` (report only, as the spec's planner fixed it): the Bayes gap of 2d_opt at depth 100
as the training set grows (n_train 250, 500, 1000, 2000), beside the Hilbert classifier, 1-NN and k-NN (CV).

Consistency is an n -> infinity statement; at these sizes the gap is noisy (the planner measured a
non-monotone trend on seeds 0-2), so this study adds a slope and a figure, no criterion.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from paperzoo_shared import mean_std
from paperzoo_shared.runner import Context, pyplot
from wide_deep_ntk.reproduce import common

ARMS = ("opt", "hilbert", "one_nn", "knn_cv")


@dataclasses.dataclass(frozen=True)
class Config:
    d: int = 2
    n_trains: tuple[int, ...] = (250, 500, 1000, 2000)
    n_test: int = 2000
    depth: int = 100

    def __post_init__(self) -> None:
        if not self.n_trains or min(self.n_trains) < 10:
            raise ValueError(f"consistency.n_trains must be non-empty, each >= 10, got {self.n_trains}")


def run(cfg: Config, ctx: Context) -> None:
    gaps: dict[str, dict[int, list[float]]] = {a: {n: [] for n in cfg.n_trains} for a in ARMS}
    for seed in ctx.progress(ctx.seeds):
        m = {}
        for n in cfg.n_trains:
            D = common.split(cfg.d, n, cfg.n_test, seed)
            bayes = common.bayes_acc(D, cfg.d)
            base = common.baselines(D, seed)
            accs = {
                "opt": common.acc(common.deep_predict(D, f"{cfg.d}d_opt", cfg.depth, "nngp"), D["y_test"])
            }
            accs.update({a: float(base[a]) for a in ARMS[1:]})
            for a in ARMS:
                gaps[a][n].append(bayes - accs[a])
                m[f"gap_{a}_n{n}"] = bayes - accs[a]
        ctx.add_seed(seed, m)
    logn = np.log(np.asarray(cfg.n_trains, dtype=float))
    mean_gap = {a: [float(np.mean(gaps[a][n])) for n in cfg.n_trains] for a in ARMS}
    slope = float(np.polyfit(logn, mean_gap["opt"], 1)[0]) if len(cfg.n_trains) > 1 else float("nan")
    ctx.set_summary("slope_gap_per_log_n", slope)
    for n in cfg.n_trains:
        ctx.set_summary(f"gap_opt_n{n}", mean_std(gaps["opt"][n]))
    ctx.add_row(
        f"Dirichlet d={cfg.d}, {cfg.d}d_opt NNGP L={cfg.depth}, n_train {min(cfg.n_trains)}-{max(cfg.n_trains)}",
        "slope of the Bayes gap per unit log n (report only)",
        slope,
        paper="consistent: gap -> 0 as n -> infinity (main theorem)",
    )
    ctx.add_table(
        "consistency",
        ["n_train", "Bayes gap: deep 2d_opt", "Hilbert", "1-NN", "k-NN (CV)"],
        [[n, *(f"{mean_gap[a][i]:.4f}" for a in ARMS)] for i, n in enumerate(cfg.n_trains)],
    )
    ctx.set_data("curve", {"n": list(cfg.n_trains), **mean_gap})


def draw(ctx: Context) -> None:
    data = ctx.get_data("curve")
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(5, 3.4))
    labels = {"opt": "deep NNGP 2d_opt, L=100", "hilbert": "Hilbert", "one_nn": "1-NN", "knn_cv": "k-NN (CV)"}
    for a in ARMS:
        ax.plot(data["n"], data[a], marker="o", label=labels[a])
    ax.set_xscale("log")
    ax.set_xlabel("training points")
    ax.set_ylabel("Bayes accuracy - test accuracy")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    ctx.save_figure(fig, "gap", "Bayes gap vs training size (Dirichlet d=2, mean over seeds)")
