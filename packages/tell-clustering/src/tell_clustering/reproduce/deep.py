"""Study ``deep``: TELL plugged into an autoencoder on digits (Sec. 4), against k-means on the raw pixels and
the two-stage pipeline (the same autoencoder trained for the same 180 epochs on reconstruction alone, then
KMeans(n_init=10) on its codes, normalised or raw: the better of the two decides).

Protocol (spec, cpu): MLP autoencoder 64-256-128-10 without dropout, Adam 1e-3, batch 128, 30 warm-up epochs
of reconstruction, then 150 alternating epochs (spherical form, cluster weight 0.01; 0.1 is an ablation,
reported, never chosen by labels). Interpretability: every cluster's decoded prototype ``decoder(Omega_j)`` is
classified by a logistic regression trained on digits; a prototype counts when its class is the cluster's
Hungarian-matched label.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any

import numpy as np
import torch

from paperzoo_shared import mean_std
from paperzoo_shared.runner import Context, pyplot
from tell_clustering import TELLClustering, evaluate, match_labels
from tell_clustering.reproduce.common import load, timed

ARMS = ("tell", "tell_ablation", "two_stage_normalised", "two_stage_raw", "kmeans_raw")


@dataclasses.dataclass(frozen=True)
class Config:
    hidden: tuple[int, ...] = (256, 128)
    latent: int = 10
    dropout: float = 0.0
    lr: float = 1e-3
    batch_size: int = 128
    warmup_epochs: int = 30
    epochs: int = 150
    cluster_weight: float = 0.01
    ablation_weight: float = 0.1
    kmeans_n_init: int = 10
    min_prototypes: float = 7.0  # criterion: mean over seeds of matched prototypes (of 10) >= this
    n_seeds: int | None = None  # None: every seed of the preset

    def __post_init__(self) -> None:
        if self.latent < 1 or self.batch_size < 1 or self.epochs < 1 or self.warmup_epochs < 0:
            raise ValueError("deep.latent, batch_size and epochs must be >= 1 and warmup_epochs >= 0")
        if not self.lr > 0 or self.cluster_weight < 0 or self.ablation_weight < 0:
            raise ValueError(
                f"deep.lr must be > 0 and the cluster weights >= 0, got {self.lr}, {self.cluster_weight}"
            )
        if not 0 <= self.dropout < 1 or self.kmeans_n_init < 1:
            raise ValueError("deep.dropout must be in [0, 1) and kmeans_n_init >= 1")


def tell_model(cfg: Config, weight: float, seed: int, device: Any) -> TELLClustering:
    return TELLClustering(
        10,
        encoder="mlp",
        hidden=cfg.hidden,
        latent_dim=cfg.latent,
        dropout=cfg.dropout,
        optimizer="adam",
        lr=cfg.lr,
        batch_size=cfg.batch_size,
        ae_warmup_epochs=cfg.warmup_epochs,
        max_epochs=cfg.epochs,
        cluster_weight=weight,
        random_state=seed,
        device=str(device),
    )


def prototypes_matched(clf: Any, y: np.ndarray, labels: np.ndarray, protos: np.ndarray) -> int:
    mapping = match_labels(y, labels)
    pred = clf.predict(protos)
    return int(sum(pred[j] == mapping.get(j, -1) for j in range(len(protos))))


def run(cfg: Config, ctx: Context) -> None:
    from sklearn.cluster import KMeans
    from sklearn.linear_model import LogisticRegression

    X, y, k = load("digits")
    clf = LogisticRegression(max_iter=3000).fit(X, y)
    agg: dict[tuple[str, str], list[float]] = {}
    seeds = ctx.seeds_prefix(cfg.n_seeds)
    for seed in ctx.progress(seeds):
        res: dict[str, dict[str, float]] = {}
        km_raw, sec = timed(lambda: KMeans(k, n_init=cfg.kmeans_n_init, random_state=seed).fit(X))
        res["kmeans_raw"] = {**evaluate(y, km_raw.labels_), "fit_s": sec}
        protos: dict[str, np.ndarray] = {}
        for arm, weight in (("tell", cfg.cluster_weight), ("tell_ablation", cfg.ablation_weight)):
            m, sec = timed(functools.partial(tell_model(cfg, weight, seed, ctx.device).fit, X))
            protos[arm] = m.decode_centers()
            res[arm] = {
                **evaluate(y, m.labels_),
                "fit_s": sec,
                "prototypes": prototypes_matched(clf, y, m.labels_, protos[arm]),
            }
        ae, sec = timed(lambda: tell_model(cfg, 0.0, seed, ctx.device).fit(X))  # reconstruction only
        net = ae.net_
        with torch.no_grad():
            raw = net.autoencoder.encode(
                torch.as_tensor(X, dtype=torch.float32, device=ae.cluster_layer_.centers.device)
            )
        codes = {"two_stage_raw": raw.cpu().double().numpy()}
        codes["two_stage_normalised"] = codes["two_stage_raw"] / np.linalg.norm(
            codes["two_stage_raw"], axis=1, keepdims=True
        )
        for arm, Z in codes.items():
            km, sec2 = timed(functools.partial(KMeans(k, n_init=cfg.kmeans_n_init, random_state=seed).fit, Z))
            c = km.cluster_centers_ / np.linalg.norm(km.cluster_centers_, axis=1, keepdims=True)
            with torch.no_grad():
                p = (
                    net.decode(torch.as_tensor(c, dtype=torch.float32, device=raw.device))
                    .cpu()
                    .double()
                    .numpy()
                )
            protos[arm] = p
            res[arm] = {
                **evaluate(y, km.labels_),
                "fit_s": sec + sec2,
                "prototypes": prototypes_matched(clf, y, km.labels_, p),
            }
        if seed == seeds[0]:
            ctx.set_data(
                "prototypes", {a: np.round(protos[a], 4).tolist() for a in ("tell", "two_stage_normalised")}
            )
        for arm, m in res.items():
            for key, v in m.items():
                agg.setdefault((arm, key), []).append(float(v))
        ctx.add_seed(
            seed, {f"{arm}.{key}": round(float(v), 6) for arm, m in res.items() for key, v in m.items()}
        )
    judge(cfg, ctx, agg)


def judge(cfg: Config, ctx: Context, agg: dict[tuple[str, str], list[float]]) -> None:
    nmi = {arm: float(np.mean(agg[(arm, "nmi")])) for arm in ARMS}
    labels = {
        "tell": f"deep TELL (cluster weight {cfg.cluster_weight})",
        "tell_ablation": f"deep TELL (cluster weight {cfg.ablation_weight}, ablation)",
        "two_stage_normalised": "two-stage: same AE, same epochs, KMeans on normalised codes",
        "two_stage_raw": "two-stage: same AE, same epochs, KMeans on raw codes",
        "kmeans_raw": "KMeans (n_init=10) on raw pixels",
    }
    rows = []
    for arm in ARMS:
        keys = ["acc", "nmi", "ari", "prototypes", "fit_s"]
        rows.append([labels[arm], *(mean_std(agg[(arm, key)]) if (arm, key) in agg else "—" for key in keys)])
        ctx.set_summary(f"{arm}.nmi", mean_std(agg[(arm, "nmi")]))
    ctx.add_table(
        "deep", ["digits, 10 clusters", "ACC", "NMI", "ARI", "prototypes matched (of 10)", "fit s"], rows
    )
    two = max(("two_stage_normalised", "two_stage_raw"), key=lambda a: nmi[a])
    ctx.set_baseline("kmeans_raw.nmi", mean_std(agg[("kmeans_raw", "nmi")]))
    ctx.set_baseline("two_stage.nmi", mean_std(agg[(two, "nmi")]))
    ctx.add_row(
        "digits (CPU-scale): deep TELL, MLP AE 64-256-128-10",
        "NMI",
        mean_std(agg[("tell", "nmi")]),
        baseline=f"KMeans raw {nmi['kmeans_raw']:.3f}; two-stage {nmi[two]:.3f}",
    )
    protos = float(np.mean(agg[("tell", "prototypes")]))
    ctx.add_row(
        "digits (CPU-scale): deep TELL decoded centres",
        "prototypes classified as their cluster's class",
        mean_std(agg[("tell", "prototypes")]),
        baseline=f"two-stage {np.mean(agg[(two, 'prototypes')]):.1f}",
    )
    ctx.add_criterion(
        "deep TELL NMI >= KMeans NMI on raw digits",
        nmi["tell"] >= nmi["kmeans_raw"],
        f"{nmi['tell']:.4f} vs {nmi['kmeans_raw']:.4f}",
    )
    ctx.add_criterion(
        "deep TELL NMI >= two-stage AE + KMeans NMI (the better code space)",
        nmi["tell"] >= nmi[two],
        f"{nmi['tell']:.4f} vs {nmi[two]:.4f} ({two})",
    )
    ctx.add_criterion(
        f"decoded TELL centres: >= {cfg.min_prototypes:g} of 10 classified as the matched class",
        protos >= cfg.min_prototypes,
        f"mean {protos:.2f} of 10",
    )


def draw(ctx: Context) -> None:
    try:
        data = ctx.get_data("prototypes")
    except KeyError:
        return
    plt = pyplot()
    fig, axes = plt.subplots(2, 10, figsize=(10, 2.3))
    for r, (arm, title) in enumerate((("tell", "TELL"), ("two_stage_normalised", "two-stage"))):
        for j, img in enumerate(np.asarray(data[arm])):
            ax = axes[r, j]
            ax.imshow(img.reshape(8, 8), cmap="gray")
            ax.set_xticks([])
            ax.set_yticks([])
        axes[r, 0].set_ylabel(title)
    ctx.save_figure(
        fig,
        "prototypes",
        "Decoded cluster centres on digits (first seed): deep TELL's decoder(Omega_j) "
        "(top) and the two-stage pipeline's decoded KMeans centres (bottom).",
    )
