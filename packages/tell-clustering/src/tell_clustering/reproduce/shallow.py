"""Study ``shallow``: TELL without an encoder is k-means trained as a one-layer network (Sec. 3).

Mini-batch TELL (Adam, lr 0.05, batch 256, 100 epochs, k-means++ init) against scikit-learn's KMeans from the
same k-means++ centres (n_init=1, the deciding baseline), KMeans(n_init=10) and MiniBatchKMeans(n_init=3,
batch 256) on digits, iris, wine and blobs. Full-batch TELL with step fraction 1 (Lloyd's rate) is reported
beside them: it is Lloyd's algorithm (a unit test checks it step by step).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from paperzoo_shared import mean_std
from paperzoo_shared.runner import Context
from tell_clustering import TELLClustering, evaluate
from tell_clustering.reproduce.common import DATASETS, inertia, load, timed

ARMS = ("tell", "tell_fullbatch", "kmeans_same_init", "kmeans", "minibatch_kmeans")
LABELS = {
    "tell": "TELL mini-batch (Adam)",
    "tell_fullbatch": "TELL full-batch (step fraction 1)",
    "kmeans_same_init": "KMeans, same init (n_init=1)",
    "kmeans": "KMeans (n_init=10)",
    "minibatch_kmeans": "MiniBatchKMeans (n_init=3)",
}


@dataclasses.dataclass(frozen=True)
class Config:
    datasets: tuple[str, ...] = ("digits", "iris", "iris_std", "wine_std", "wine", "blobs5", "blobs8")
    epochs: int = 100
    batch_size: int = 256
    optimizer: str = "adam"
    lr: float = 0.05
    kmeans_n_init: int = 10
    minibatch_n_init: int = 3
    max_ari_drop: float = 0.02  # criterion: ARI(TELL) >= ARI(KMeans, same init) - max_ari_drop

    def __post_init__(self) -> None:
        bad = [d for d in self.datasets if d not in DATASETS]
        if bad or not self.datasets:
            raise ValueError(f"shallow.datasets must name some of {sorted(DATASETS)}, got {self.datasets}")
        for f in ("epochs", "batch_size", "kmeans_n_init", "minibatch_n_init"):
            if getattr(self, f) < 1:
                raise ValueError(f"shallow.{f} must be >= 1, got {getattr(self, f)}")
        if not self.lr > 0 or self.max_ari_drop < 0:
            raise ValueError(
                f"shallow.lr must be > 0 and max_ari_drop >= 0, got {self.lr}, {self.max_ari_drop}"
            )


def run_one(cfg: Config, X: np.ndarray, y: np.ndarray, k: int, seed: int) -> dict[str, dict[str, float]]:
    from sklearn.cluster import KMeans, MiniBatchKMeans, kmeans_plusplus

    c0, _ = kmeans_plusplus(X, k, random_state=seed)
    models: dict[str, Callable[[], Any]] = {
        "tell": lambda: TELLClustering(
            k,
            init=c0,
            max_epochs=cfg.epochs,
            batch_size=cfg.batch_size,
            optimizer=cfg.optimizer,
            lr=cfg.lr,
            random_state=seed,
        ),
        "tell_fullbatch": lambda: TELLClustering(
            k, init=c0, max_epochs=300, batch_size=None, optimizer="lloyd", random_state=seed
        ),
        "kmeans_same_init": lambda: KMeans(k, init=c0, n_init=1, algorithm="lloyd", random_state=seed),
        "kmeans": lambda: KMeans(k, n_init=cfg.kmeans_n_init, random_state=seed),
        "minibatch_kmeans": lambda: MiniBatchKMeans(
            k, n_init=cfg.minibatch_n_init, batch_size=cfg.batch_size, random_state=seed
        ),
    }
    out = {}
    for arm, make in models.items():
        model, fit_s = timed(functools.partial(make().fit, X))
        m = evaluate(y, model.labels_)
        m["inertia"] = inertia(X, np.asarray(model.cluster_centers_))
        m["fit_s"] = fit_s
        out[arm] = m
    return out


def run(cfg: Config, ctx: Context) -> None:
    agg: dict[tuple[str, str, str], list[float]] = {}
    for seed in ctx.progress(ctx.seeds):
        metrics = {}
        for name in cfg.datasets:
            X, y, k = load(name)
            res = run_one(cfg, X, y, k, seed)
            for arm, m in res.items():
                for key, v in m.items():
                    agg.setdefault((name, arm, key), []).append(v)
                    if key in ("ari", "inertia") or arm == "tell":
                        metrics[f"{name}.{arm}.{key}"] = round(float(v), 6)
        ctx.add_seed(seed, metrics)
    rows = []
    for name in cfg.datasets:
        ms = {
            (arm, key): mean_std(agg[(name, arm, key)])
            for arm in ARMS
            for key in ("acc", "nmi", "ari", "inertia", "fit_s")
        }
        ref = np.array(agg[(name, "kmeans_same_init", "inertia")])
        for arm in ARMS:
            ratio = np.array(agg[(name, arm, "inertia")]) / ref
            rows.append(
                [
                    DATASETS[name],
                    LABELS[arm],
                    ms[(arm, "acc")],
                    ms[(arm, "nmi")],
                    ms[(arm, "ari")],
                    mean_std(ratio.tolist()),
                    ms[(arm, "fit_s")],
                ]
            )
        tell, base = ms[("tell", "ari")]["mean"], ms[("kmeans_same_init", "ari")]["mean"]
        ctx.set_summary(f"{name}.tell.ari", ms[("tell", "ari")])
        ctx.set_baseline(f"{name}.kmeans_same_init.ari", ms[("kmeans_same_init", "ari")])
        ctx.set_baseline(f"{name}.minibatch_kmeans.ari", ms[("minibatch_kmeans", "ari")])
        ctx.add_row(
            f"{DATASETS[name]} (CPU-scale): TELL mini-batch, no encoder",
            "ARI",
            ms[("tell", "ari")],
            baseline=f"KMeans same init {base:.3f}; MiniBatchKMeans {ms[('minibatch_kmeans', 'ari')]['mean']:.3f}",
        )
        ctx.add_criterion(
            f"{name}: TELL ARI >= KMeans (same init) ARI - {cfg.max_ari_drop}",
            tell >= base - cfg.max_ari_drop,
            f"TELL {tell:.4f} vs KMeans same init {base:.4f}",
        )
    ctx.add_table(
        "shallow",
        ["data", "method", "ACC", "NMI", "ARI", "inertia / KMeans same init", "fit s"],
        rows,
    )
