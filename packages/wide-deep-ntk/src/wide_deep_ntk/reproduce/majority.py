"""Study ``majority``: with ``phid(0) > 0`` the deep network predicts the majority label everywhere.

Spec protocol: mv_cubic (``phid = (1 + xi^3) / 2``, fast convergence) on Dirichlet d = 2, n_train 1000,
n_test 2000, depth 100, NNGP and NTK: >= 99.5% of predictions equal the training majority label. The slow
variant (ReLU NTK, n_train 100, depths 10 ... 10^4) is the separate study ``relu_depth``.
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
    activation: str = "mv_cubic"
    d: int = 2
    n_train: int = 1000
    n_test: int = 2000
    depths: tuple[int, ...] = (50, 100)
    depth: int = 100  # the criterion's depth
    frac_min: float = 0.995

    def __post_init__(self) -> None:
        if self.depth not in self.depths:
            raise ValueError(f"majority.depth ({self.depth}) must be one of majority.depths {self.depths}")


def run(cfg: Config, ctx: Context) -> None:
    per: dict[tuple[str, int], list[float]] = {(k, L): [] for k in ("nngp", "ntk") for L in cfg.depths}
    for seed in ctx.progress(ctx.seeds):
        D = common.split(cfg.d, cfg.n_train, cfg.n_test, seed)
        y = D["y_train"]
        maj = 1.0 if y.sum() > 0 else -1.0
        path = kernel_path(D["X_train"], np.vstack([D["X_train"], D["X_test"]]), cfg.activation, cfg.depths)
        m = {}
        for L, (k_nngp, k_ntk) in path.items():
            for name, K in (("nngp", k_nngp), ("ntk", k_ntk)):
                frac = float(np.mean(common.path_predictions(K, y) == maj))
                per[(name, L)].append(frac)
                m[f"{name}_L{L}"] = frac
        ctx.add_seed(seed, m)
    for (name, L), v in per.items():
        ctx.set_summary(f"{name}_L{L}", mean_std(v))
    for name in ("nngp", "ntk"):
        ctx.add_row(
            f"Dirichlet d={cfg.d}, n {cfg.n_train}/{cfg.n_test}, {name.upper()} {cfg.activation} L={cfg.depth}",
            "fraction of majority-label predictions",
            mean_std(per[(name, cfg.depth)]),
            paper="deep net -> majority vote when phid(0) > 0 (main theorem)",
        )
        mean = float(np.mean(per[(name, cfg.depth)]))
        ctx.add_criterion(
            f"{name.upper()} {cfg.activation} at depth {cfg.depth}: >= {cfg.frac_min:.1%} majority predictions",
            mean >= cfg.frac_min,
            f"{mean:.4f} (mean of {len(ctx.seeds)} seeds)",
        )
    ctx.add_table(
        "majority",
        ["kernel", *(f"L={L}" for L in cfg.depths)],
        [[k.upper(), *(f"{np.mean(per[(k, L)]):.4f}" for L in cfg.depths)] for k in ("nngp", "ntk")],
    )
