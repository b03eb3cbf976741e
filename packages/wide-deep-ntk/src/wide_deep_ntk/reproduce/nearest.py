"""Study ``nearest``: with ``phid'(0) = phid(0) = 0`` (hermite_2, ``phid = xi^2``) the deep network becomes the
1-nearest-neighbour rule: agreement with 1-NN at depth 30 (log-domain NNGP; the plain recursion underflows).

Spec protocol: Dirichlet d = 2, n_train 100, n_test 2000, depths 15/20/25/30 reported, criterion at 30.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from sklearn.neighbors import KNeighborsClassifier

from paperzoo_shared import mean_std
from paperzoo_shared.runner import Context
from wide_deep_ntk.reproduce import common


@dataclasses.dataclass(frozen=True)
class Config:
    activation: str = "hermite_2"
    d: int = 2
    n_train: int = 100
    n_test: int = 2000
    depths: tuple[int, ...] = (15, 20, 25, 30)
    depth: int = 30  # the criterion's depth
    agree_min: float = 0.995

    def __post_init__(self) -> None:
        if self.depth not in self.depths:
            raise ValueError(f"nearest.depth ({self.depth}) must be one of nearest.depths {self.depths}")


def run(cfg: Config, ctx: Context) -> None:
    per: dict[int, list[float]] = {L: [] for L in cfg.depths}
    for seed in ctx.progress(ctx.seeds):
        D = common.split(cfg.d, cfg.n_train, cfg.n_test, seed)
        nn1 = KNeighborsClassifier(1).fit(D["X_train"], D["y_train"]).predict(D["X_test"])
        m = {}
        for L in cfg.depths:
            pred = common.deep_predict(D, cfg.activation, L, "nngp")
            per[L].append(common.acc(pred, nn1))
            m[f"agree_L{L}"] = per[L][-1]
        ctx.add_seed(seed, m)
    for L in cfg.depths:
        ctx.set_summary(f"agree_L{L}", mean_std(per[L]))
    s = mean_std(per[cfg.depth])
    ctx.add_row(
        f"Dirichlet d={cfg.d}, n {cfg.n_train}/{cfg.n_test}, NNGP {cfg.activation} L={cfg.depth} (log domain)",
        "agreement with 1-NN",
        s,
        paper="deep net -> 1-NN when phid'(0) = 0 (main theorem)",
    )
    ctx.add_table(
        "nearest",
        ["depth", "agreement with 1-NN (mean)", "min over seeds"],
        [[L, f"{np.mean(per[L]):.4f}", f"{np.min(per[L]):.4f}"] for L in cfg.depths],
    )
    mean = float(np.mean(per[cfg.depth]))
    ctx.add_criterion(
        f"{cfg.activation} at depth {cfg.depth} agrees with 1-NN on >= {cfg.agree_min:.1%}",
        mean >= cfg.agree_min,
        f"agreement {mean:.4f} (mean of {len(ctx.seeds)} seeds)",
    )
