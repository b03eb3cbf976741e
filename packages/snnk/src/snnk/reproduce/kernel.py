"""Study ``kernel``: pointwise kernel estimation, the MSE of ``φ(x)ᵀψ(w, b)`` against the exact kernel as the
number of random features m grows (the paper's kernel-estimation figures; Monte-Carlo rate: MSE ∝ 1/m).

Pairs ``x, w ~ N(0, I/d)`` (so ‖x‖ ≈ 1) and ``b ~ U(−1, 1)`` per seed; cos / sin / exp URFs against
``f(wᵀx + b)``, ReLU features against the arc-cosine kernel, tanh Maclaurin features against the truncated
series (inputs halved to stay inside its radius).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import torch

from paperzoo_shared import mean_std
from paperzoo_shared.runner import Context, pyplot
from snnk.features import MaclaurinFeatures, exact_kernel, make_feature_map
from snnk.reproduce.common import check_positive_ints, slope, tiny_study

ACTIVATIONS = ("cos", "sin", "relu", "exp", "tanh")
PAPER_SLOPE = "MSE ∝ 1/m (paper's pointwise kernel-estimation experiments; qualitative)"
PAPER_MSE = "estimators converge as m grows (paper's kernel-estimation experiments; qualitative)"


@dataclasses.dataclass(frozen=True)
class Config:
    dim: int = 16  # input dimension d
    pairs: int = 500  # (x, w, b) pairs per seed
    features: tuple[int, ...] = (16, 64, 256, 1024, 4096)  # the feature counts m (the last one is judged)

    def __post_init__(self) -> None:
        check_positive_ints("kernel", dim=self.dim, pairs=self.pairs, features=self.features)
        if len(self.features) < 2:
            raise ValueError(f"kernel.features needs at least two m for a slope, got {self.features!r}")


def _pairs(seed: int, d: int, n: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(10_000 + seed)
    x = torch.randn(n, d, generator=g, dtype=torch.float64) / math.sqrt(d)
    w = torch.randn(n, d, generator=g, dtype=torch.float64) / math.sqrt(d)
    b = torch.rand(n, generator=g, dtype=torch.float64) * 2 - 1
    return x, w, b


def _mse(act: str, m: int, seed: int, x: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> float:
    """MSE of the m-feature estimate of ``act``'s kernel over the pairs (the feature map seeded by ``seed``)."""
    if act == "tanh":  # keep |wᵀx + b| inside the series' radius (π/2)
        x, w, b = x / 2, w / 2, b / 2
    fmap = make_feature_map(act, x.shape[1], m, seed=seed).to(torch.float64)
    phi = fmap(x)
    if act == "relu":
        psi = fmap.forward_params(w)
        exact = exact_kernel("relu", x, w).diagonal()
    else:
        psi = fmap.forward_params(w, b)
        z = (x * w).sum(-1) + b
        exact = (
            fmap.series(z)
            if isinstance(fmap, MaclaurinFeatures)
            else exact_kernel(act, z[:, None], torch.ones(1, 1, dtype=z.dtype))[:, 0]
        )
    est = (phi * psi).sum(-1)
    return float(((est - exact) ** 2).mean())


def _target(act: str) -> str:
    if act == "tanh":
        return "Maclaurin series (deg ≤ 8)"
    return "arc-cosine kernel" if act == "relu" else f"{act}(wᵀx+b)"


def run(cfg: Config, ctx: Context) -> None:
    with tiny_study(ctx):
        ms = list(cfg.features)
        mse: dict[str, dict[int, list[float]]] = {a: {m: [] for m in ms} for a in ACTIVATIONS}
        for seed in ctx.progress(ctx.seeds, desc="kernel estimation"):
            x, w, b = _pairs(seed, cfg.dim, cfg.pairs)
            metrics = {}
            for act in ACTIVATIONS:
                for m in ms:
                    mse[act][m].append(_mse(act, m, seed, x, w, b))
                    metrics[f"kernel_mse_{act}_m{m}"] = mse[act][m][-1]
            ctx.add_seed(seed, metrics)
        _report(cfg, ctx, mse)


def _report(cfg: Config, ctx: Context, mse: dict[str, dict[int, list[float]]]) -> None:
    ms, d, n_seeds = list(cfg.features), cfg.dim, len(ctx.seeds)
    rows, slopes = [], {}
    for act in ACTIVATIONS:
        per_seed_slopes = [slope(ms, [mse[act][m][i] for m in ms]) for i in range(n_seeds)]
        slopes[act] = slope(ms, [float(np.mean(mse[act][m])) for m in ms])
        ctx.set_summary(f"kernel_{act}_slope", mean_std(per_seed_slopes))
        ctx.set_summary(f"kernel_{act}_mse_at_max_m", mean_std(mse[act][ms[-1]]))
        rows.append([act, *[mean_std(mse[act][m]) for m in ms], mean_std(per_seed_slopes)])
        ctx.add_row(
            f"kernel estimation d={d}, {act} features vs {_target(act)}",
            "log-log slope of MSE vs m",
            mean_std(per_seed_slopes),
            paper=PAPER_SLOPE,
            baseline="-1 (Monte-Carlo rate)",
        )
    ctx.add_table("kernel_mse", ["features", *[f"MSE m={m}" for m in ms], "slope"], rows)
    for act in ("cos", "sin", "relu", "exp"):
        s = slopes[act]
        ctx.add_criterion(
            f"{act}: MSE slope in [-1.25, -0.75]", -1.25 <= s <= -0.75, f"slope of mean MSE {s:.3f}"
        )
    mmax = ms[-1]
    for act in ("cos", "sin", "relu"):
        v = float(np.mean(mse[act][mmax]))
        ctx.add_criterion(f"{act}: MSE at m={mmax} < 1e-3", v < 1e-3, f"mean MSE {v:.2e}")
    for act in ACTIVATIONS:
        ctx.add_row(
            f"kernel estimation d={d}, {act} features",
            f"MSE at m={mmax}",
            mean_std(mse[act][mmax]),
            paper=PAPER_MSE,
            baseline=None,
        )


def draw(ctx: Context) -> None:
    """MSE against m on log-log axes, one line per feature map (mean ± std over seeds), with the 1/m rate."""
    table = ctx.results.tables.get("kernel_mse")
    if table is None:
        return
    ms = np.asarray(ctx.results.config["kernel"]["features"], float)
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(5.5, 4))
    for row in table["rows"]:
        stats = row[1 : 1 + len(ms)]
        mean = np.array([s["mean"] for s in stats])
        std = np.array([s["std"] for s in stats])
        ax.errorbar(ms, mean, yerr=std, marker="o", capsize=2, label=f"{row[0]} ({_target(row[0])})")
    ref = np.asarray([float(table["rows"][0][1]["mean"]) * ms[0] / m for m in ms])
    ax.plot(ms, ref, "k--", lw=1, label="∝ 1/m")
    ax.set(xscale="log", yscale="log", xlabel="random features m", ylabel="MSE vs exact kernel")
    n = table["rows"][0][1]["n"]
    ax.set_title(f"kernel estimation, d={ctx.results.config['kernel']['dim']} ({n} seeds)")
    ax.legend(fontsize=7)
    ctx.save_figure(
        fig,
        "mse",
        "Kernel estimation: MSE of the random-feature estimate against the exact kernel as m grows "
        "(mean ± std over seeds; dashed: the Monte-Carlo rate 1/m).",
    )
