"""Study ``relu_depth``: the ReLU NTK drifts to majority vote with depth, slowly (``phid'(1) = 1``: the fixed
point 1 is neutral, polynomial-in-depth convergence; the official code needed depth 5e4 for 100 points).

Spec protocol (its optional slow variant): n_train 100, depths 10, 100, 1000, 10000, NTK; criterion: the
fraction of majority predictions does not decrease with depth and exceeds 0.9 at depth 10^4. One pass of the
recursion serves every depth (:func:`wide_deep_ntk.kernel_path`).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from paperzoo_shared import mean_std
from paperzoo_shared.runner import Context
from wide_deep_ntk import kernel_path
from wide_deep_ntk.reproduce import common


@dataclasses.dataclass(frozen=True)
class Config:
    d: int = 2
    n_train: int = 100
    n_test: int = 1000
    depths: tuple[int, ...] = (10, 100, 1000, 10000)
    final_min: float = 0.9
    n_seeds: int | None = 1  # the spec's measurement is one run; the recursion to 1e4 is the slow part

    def __post_init__(self) -> None:
        if tuple(sorted(self.depths)) != self.depths or not self.depths:
            raise ValueError(f"relu_depth.depths must be increasing and non-empty, got {self.depths}")


def run(cfg: Config, ctx: Context) -> None:
    per: dict[int, list[float]] = {L: [] for L in cfg.depths}
    for seed in ctx.progress(ctx.seeds_prefix(cfg.n_seeds)):
        D = common.split(cfg.d, cfg.n_train, cfg.n_test, seed)
        y = D["y_train"]
        maj = 1.0 if y.sum() > 0 else -1.0
        path = kernel_path(D["X_train"], np.vstack([D["X_train"], D["X_test"]]), "relu", cfg.depths)
        m = {}
        for L, (_, k_ntk) in path.items():
            per[L].append(float(np.mean(common.path_predictions(k_ntk, y) == maj)))
            m[f"ntk_L{L}"] = per[L][-1]
        ctx.add_seed(seed, m)
    means = [float(np.mean(per[L])) for L in cfg.depths]
    for L in cfg.depths:
        ctx.set_summary(f"ntk_L{L}", mean_std(per[L]))
    ctx.add_row(
        f"Dirichlet d={cfg.d}, n {cfg.n_train}/{cfg.n_test}, ReLU NTK L={cfg.depths[-1]}",
        "fraction of majority-label predictions",
        mean_std(per[cfg.depths[-1]]),
        paper="ReLU NTK -> majority vote, needs depth ~5e4 for 100 points (official code comment)",
    )
    ctx.add_table(
        "relu_depth",
        ["depth", "majority fraction (ReLU NTK)"],
        [[L, f"{v:.4f}"] for L, v in zip(cfg.depths, means, strict=True)],
    )
    monotone = all(b >= a for a, b in zip(means, means[1:], strict=False))
    ctx.add_criterion(
        f"ReLU NTK: majority fraction non-decreasing in depth and > {cfg.final_min} at depth {cfg.depths[-1]}",
        monotone and means[-1] > cfg.final_min,
        ", ".join(f"L={L}: {v:.4f}" for L, v in zip(cfg.depths, means, strict=True)),
    )
