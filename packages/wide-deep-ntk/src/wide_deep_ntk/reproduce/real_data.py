"""Study ``real_data`` (qualitative, report only): deep kernels on scikit-learn's bundled sets.

Standardised features (scaler fitted on the training split), a constant feature appended and rows projected to
the sphere (``normalize="bias"``); 70/30 stratified split. Arms: erf NNGP depth 100, ReLU NNGP depth 100, the
poly-family optimal activation with its dimension chosen by 3-fold CV from {2, 3, 5, 9} (the ambient dimension
is far too large an exponent for real data), its infinite-depth limit, 1-NN, k-NN (CV) and majority.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from sklearn.datasets import load_breast_cancer, load_digits, load_iris, load_wine
from sklearn.dummy import DummyClassifier
from sklearn.model_selection import GridSearchCV, StratifiedKFold, train_test_split
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import StandardScaler

from paperzoo_shared.runner import Context
from wide_deep_ntk import InfiniteDepthKernelClassifier, optimal_for_dim
from wide_deep_ntk.reproduce.common import KNN_GRID

LOADERS = {"breast_cancer": load_breast_cancer, "wine": load_wine, "iris": load_iris, "digits": load_digits}
ARMS = ("erf", "relu", "opt_cv", "opt_limit", "one_nn", "knn_cv", "majority")


@dataclasses.dataclass(frozen=True)
class Config:
    datasets: tuple[str, ...] = ("breast_cancer", "wine", "iris", "digits")
    depth: int = 100
    dims: tuple[int, ...] = (2, 3, 5, 9)
    test_size: float = 0.3
    n_seeds: int | None = 1

    def __post_init__(self) -> None:
        bad = [d for d in self.datasets if d not in LOADERS]
        if bad:
            raise ValueError(f"real_data.datasets must be among {sorted(LOADERS)}, got {bad}")


def _opt(d: int, depth: int, limit: bool = False) -> InfiniteDepthKernelClassifier:
    return InfiniteDepthKernelClassifier(optimal_for_dim(d), depth, limit=limit, normalize="bias")


def run(cfg: Config, ctx: Context) -> None:
    res: dict[str, dict[str, list[float]]] = {n: {a: [] for a in (*ARMS, "dim")} for n in cfg.datasets}
    for seed in ctx.progress(ctx.seeds_prefix(cfg.n_seeds)):
        m = {}
        for name in cfg.datasets:
            X, y = LOADERS[name](return_X_y=True)
            Xtr, Xte, ytr, yte = train_test_split(
                X, y, test_size=cfg.test_size, stratify=y, random_state=seed
            )
            sc = StandardScaler().fit(Xtr)
            Xtr, Xte = sc.transform(Xtr), sc.transform(Xte)
            cv = StratifiedKFold(3, shuffle=True, random_state=seed)
            scores = {}
            for d in cfg.dims:
                accs = [
                    _opt(d, cfg.depth).fit(Xtr[a], ytr[a]).score(Xtr[b], ytr[b])
                    for a, b in cv.split(Xtr, ytr)
                ]
                scores[d] = float(np.mean(accs))
            best = max(cfg.dims, key=lambda d: (scores[d], -d))
            knn = GridSearchCV(
                KNeighborsClassifier(), {"n_neighbors": [k for k in KNN_GRID if k <= 0.5 * len(ytr)]}, cv=5
            ).fit(Xtr, ytr)
            vals = {
                "erf": InfiniteDepthKernelClassifier("erf", cfg.depth, normalize="bias")
                .fit(Xtr, ytr)
                .score(Xte, yte),
                "relu": InfiniteDepthKernelClassifier("relu", cfg.depth, normalize="bias")
                .fit(Xtr, ytr)
                .score(Xte, yte),
                "opt_cv": _opt(best, cfg.depth).fit(Xtr, ytr).score(Xte, yte),
                "opt_limit": _opt(best, cfg.depth, limit=True).fit(Xtr, ytr).score(Xte, yte),
                "one_nn": KNeighborsClassifier(1).fit(Xtr, ytr).score(Xte, yte),
                "knn_cv": knn.score(Xte, yte),
                "majority": DummyClassifier().fit(Xtr, ytr).score(Xte, yte),
                "dim": float(best),
            }
            for k, v in vals.items():
                res[name][k].append(float(v))
                m[f"{name}.{k}"] = float(v)
        ctx.add_seed(seed, m)
    rows = []
    for name in cfg.datasets:
        mm = {k: float(np.mean(v)) for k, v in res[name].items()}
        rows.append([name, *(f"{mm[a]:.3f}" for a in ARMS), f"{mm['dim']:.0f}"])
        for a in ARMS:
            ctx.set_summary(f"{name}.{a}", mm[a])
    ctx.add_table(
        "real_data",
        [
            "dataset",
            "erf L=100",
            "ReLU L=100",
            "opt (CV d)",
            "opt, infinite depth",
            "1-NN",
            "k-NN (CV)",
            "majority",
            "CV d",
        ],
        rows,
    )
