"""Study ``online``: TELL's online clustering (``partial_fit``, batches of 64) against MiniBatchKMeans.

Each ``partial_fit`` call is one assignment and one centre step with MacQueen's per-centre rate ``b_j / N_j``;
the first batch seeds the centres (k-means++ on it). MiniBatchKMeans gets the same number of passes over the
data (``max_iter``), the same batch size and one k-means++ initialisation. The claim is one-sided: TELL's ARI
is at most ``max_ari_drop`` below MiniBatchKMeans'.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from paperzoo_shared import mean_std
from paperzoo_shared.runner import Context
from tell_clustering import TELLClustering, evaluate
from tell_clustering.reproduce.common import DATASETS, load, timed


@dataclasses.dataclass(frozen=True)
class Config:
    datasets: tuple[str, ...] = ("digits", "iris", "wine_std", "blobs8")
    batch_size: int = 64
    passes: tuple[int, ...] = (1, 4)
    max_ari_drop: float = 0.05  # criterion: ARI(TELL online) >= ARI(MiniBatchKMeans) - max_ari_drop

    def __post_init__(self) -> None:
        bad = [d for d in self.datasets if d not in DATASETS]
        if bad or not self.datasets:
            raise ValueError(f"online.datasets must name some of {sorted(DATASETS)}, got {self.datasets}")
        if self.batch_size < 1 or not self.passes or min(self.passes) < 1:
            raise ValueError(
                f"online.batch_size and passes must be >= 1, got {self.batch_size}, {self.passes}"
            )
        if self.max_ari_drop < 0:
            raise ValueError(f"online.max_ari_drop must be >= 0, got {self.max_ari_drop}")


def tell_online(X: np.ndarray, k: int, *, batch_size: int, passes: int, seed: int) -> TELLClustering:
    """Stream X in shuffled batches through ``partial_fit`` for ``passes`` passes."""
    rng = np.random.default_rng(seed)
    model = TELLClustering(k, random_state=seed)
    for _ in range(passes):
        perm = rng.permutation(len(X))
        for i in range(0, len(X), batch_size):
            idx = perm[i : i + batch_size]
            if not hasattr(model, "cluster_layer_") and len(idx) < k:
                continue  # the first batch must hold >= k samples to seed the centres
            model.partial_fit(X[idx])
    model.labels_ = model.predict(X)
    return model


def run(cfg: Config, ctx: Context) -> None:
    from sklearn.cluster import MiniBatchKMeans

    agg: dict[tuple[str, int, str, str], list[float]] = {}
    for seed in ctx.progress(ctx.seeds):
        metrics = {}
        for name in cfg.datasets:
            X, y, k = load(name)
            for p in cfg.passes:
                tell, t_s = timed(lambda: tell_online(X, k, batch_size=cfg.batch_size, passes=p, seed=seed))
                mbk, m_s = timed(
                    lambda: MiniBatchKMeans(
                        k, batch_size=cfg.batch_size, max_iter=p, n_init=1, random_state=seed
                    ).fit(X)
                )
                for arm, model, sec in (("tell", tell, t_s), ("mbk", mbk, m_s)):
                    m = evaluate(y, model.predict(X))
                    m["fit_s"] = sec
                    for key, v in m.items():
                        agg.setdefault((name, p, arm, key), []).append(v)
                    metrics[f"{name}.{p}pass.{arm}.ari"] = round(m["ari"], 6)
        ctx.add_seed(seed, metrics)
    rows = []
    for p in cfg.passes:
        fails = []
        for name in cfg.datasets:
            t, b = (mean_std(agg[(name, p, arm, "ari")]) for arm in ("tell", "mbk"))
            for arm, label in (("tell", "TELL partial_fit"), ("mbk", "MiniBatchKMeans")):
                rows.append(
                    [
                        DATASETS[name],
                        p,
                        label,
                        *(mean_std(agg[(name, p, arm, key)]) for key in ("acc", "nmi", "ari", "fit_s")),
                    ]
                )
            ctx.set_summary(f"{name}.{p}pass.tell.ari", t)
            ctx.set_baseline(f"{name}.{p}pass.minibatch_kmeans.ari", b)
            if t["mean"] < b["mean"] - cfg.max_ari_drop:
                fails.append(f"{name} {t['mean']:.3f} vs {b['mean']:.3f}")
        detail = "; ".join(
            f"{n} {np.mean(agg[(n, p, 'tell', 'ari')]):.3f} vs {np.mean(agg[(n, p, 'mbk', 'ari')]):.3f}"
            for n in cfg.datasets
        )
        ctx.add_criterion(
            f"online, {p} pass(es): TELL ARI >= MiniBatchKMeans ARI - {cfg.max_ari_drop} on every data set",
            not fails,
            ("failed on " + "; ".join(fails) + ". All: " if fails else "") + detail,
        )
        ctx.add_row(
            f"online, batches of {cfg.batch_size}, {p} pass(es) (CPU-scale)",
            "mean ARI over data sets",
            round(float(np.mean([np.mean(agg[(n, p, "tell", "ari")]) for n in cfg.datasets])), 4),
            baseline=f"MiniBatchKMeans {np.mean([np.mean(agg[(n, p, 'mbk', 'ari')]) for n in cfg.datasets]):.3f}",
        )
    ctx.add_table("online", ["data", "passes", "method", "ACC", "NMI", "ARI", "fit s"], rows)
