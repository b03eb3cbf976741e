"""Study ``collapse``: does α drift to parameter-free ops when DARTS searches longer (NAS-Bench-201 Sec. 6)?

On the first ``n_seeds`` seeds (a documented prefix of the run's seeds), a DARTS search of ``epochs`` epochs (4x
the ``search`` study's) records at ``checkpoints`` the share of softmax(α) weight on skip + avg-pool and on
``none`` (mean over edges), and whether the derived cell is parameter-free. Criterion (c): the skip/pool share,
averaged over seeds, rises monotonically over the checkpoints. The figure shows both shares over the search and
the ground-truth accuracy of the cell derived at each checkpoint.
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

import torch

from darts_core.bench import NBDigits
from darts_core.ops import PARAMETER_FREE
from darts_core.reproduce.common import (
    PAPER_DRIFT,
    SearchRecipe,
    cpu_threads,
    is_param_free,
    order_tag,
    run_search,
)
from darts_core.reproduce.data import digits_splits
from darts_core.spaces import CellSpace
from darts_core.supernet import parameter_free_share
from paperzoo_shared import mean_std
from paperzoo_shared.runner import Context, pyplot, threads

SHARES = ("skip_pool_share", "none_share")


@dataclasses.dataclass(frozen=True)
class Config(SearchRecipe):
    """The search recipe for ``epochs`` (4x the ``search`` study's), α recorded at ``checkpoints``, on the first
    ``n_seeds`` seeds of the run."""

    STUDY: ClassVar[str] = "collapse"

    epochs: int = 120
    checkpoints: tuple[int, ...] = (30, 60, 90, 120)
    n_seeds: int = 5  # the long searches run on the first n_seeds seeds of the run

    def __post_init__(self) -> None:
        super().__post_init__()
        c = self.checkpoints
        if len(c) < 2 or any(not isinstance(x, int) for x in c) or list(c) != sorted(set(c)):
            raise ValueError(f"collapse.checkpoints must be >= 2 increasing epochs, got {c!r}")
        if c[0] < 1 or c[-1] > self.epochs:
            raise ValueError(f"collapse.checkpoints must lie in 1..epochs={self.epochs}, got {c!r}")
        if not isinstance(self.n_seeds, int) or self.n_seeds < 1:
            raise ValueError(f"collapse.n_seeds must be a positive int, got {self.n_seeds!r}")


def shares(weights: dict[str, torch.Tensor], space: CellSpace) -> dict[str, float]:
    """Mean over edges of the softmax(α) weight on skip + avg-pool and on ``none`` (normal cell)."""
    prims = space.primitives
    none = float(weights["normal"][:, prims.index("none")].mean()) if "none" in prims else 0.0
    return {"skip_pool_share": parameter_free_share(weights, space), "none_share": none}


def long_search(cfg: Config, ctx: Context, seed: int, order: int, data: Any, space: CellSpace) -> dict:
    """One long search: its per-seed metrics at the checkpoints, whether the cell derived at each checkpoint
    is parameter-free, and the shares at every epoch."""
    history = run_search(cfg, seed, cfg.epochs, order, data, ctx.device)
    m: dict[str, Any] = {"order": order}
    for c in cfg.checkpoints:
        h = history[c - 1]
        sh = shares(h["weights"], space)
        m[f"long.{c}.skip_pool_share"] = sh["skip_pool_share"]
        m[f"long.{c}.none_share"] = sh["none_share"]
        m[f"long.{c}.genotype"] = str(h["genotype"])
    param_free = {c: float(is_param_free(history[c - 1]["genotype"])) for c in cfg.checkpoints}
    curve = [shares(h["weights"], space) for h in history]
    return {"metrics": m, "param_free": param_free, "curve": {k: [s[k] for s in curve] for k in SHARES}}


def add_rows(ctx: Context, cfg: Config, tag: str, n: int, nb: NBDigits, pf_rate: dict[int, Any]) -> None:
    setting = f"NB-digits-3e5o, DARTS {tag}, {cfg.epochs}-ep search"
    uniform = 1 / len(nb.space.primitives)
    for c in cfg.checkpoints:
        ctx.add_row(
            f"{setting} at epoch {c} ({n} seeds)",
            "α weight on skip + avg-pool (mean over edges)",
            ctx.results.summary[ctx.key(f"{tag}.skip_pool_share.{c}")],
            paper=PAPER_DRIFT if c == cfg.checkpoints[0] else None,
            baseline=f"uniform α: {2 * uniform:.3f}",
        )
    epochs = ", ".join(map(str, cfg.checkpoints))
    nones = [ctx.results.summary[ctx.key(f"{tag}.none_share.{c}")]["mean"] for c in cfg.checkpoints]
    ctx.add_row(
        f"{setting} ({n} seeds)",
        f"α weight on none at epochs {epochs}",
        " → ".join(f"{v:.3f}" for v in nones),
        baseline=f"uniform α: {uniform:.3f}",
    )
    random_pf = sum(all(o in PARAMETER_FREE for o in nb.query(k)["ops"]) for k in nb) / len(nb)
    ctx.add_row(
        f"{setting} ({n} seeds)",
        f"parameter-free derived cells at epochs {epochs}",
        " → ".join(f"{pf_rate[c]['mean']:.2f}" for c in cfg.checkpoints),
        baseline=f"random arch: {random_pf:.2f}",
    )


def summarise(ctx: Context, tag: str, checkpoints: tuple[int, ...], runs: list[dict]) -> dict[int, Any]:
    """Mean ± std over seeds of the shares and of the parameter-free rate at each checkpoint."""
    for k in SHARES:
        for c in checkpoints:
            ctx.set_summary(f"{tag}.{k}.{c}", mean_std([r["metrics"][f"long.{c}.{k}"] for r in runs]))
    pf_rate = {c: mean_std([r["param_free"][c] for r in runs]) for c in checkpoints}
    for c in checkpoints:
        ctx.set_summary(f"{tag}.param_free_cell_rate.{c}", pf_rate[c])
    return pf_rate


def run(cfg: Config, ctx: Context) -> None:
    nb = NBDigits()
    data = digits_splits(600, 600, 0)
    seeds = ctx.seeds_prefix(cfg.n_seeds)
    trends: dict[int, list[float]] = {}
    with threads(cpu_threads(ctx.device)):
        for order in cfg.orders:
            tag = order_tag(order)
            runs = []
            for seed in ctx.progress(seeds, desc=f"{tag} long searches"):
                runs.append(long_search(cfg, ctx, seed, order, data, nb.space))
                ctx.add_seed(seed, runs[-1]["metrics"])
            pf_rate = summarise(ctx, tag, cfg.checkpoints, runs)
            add_rows(ctx, cfg, tag, len(seeds), nb, pf_rate)
            ctx.set_data(f"{tag}.curves", curve_stats([r["curve"] for r in runs]))
            summary = ctx.results.summary
            trends[order] = [summary[ctx.key(f"{tag}.skip_pool_share.{c}")]["mean"] for c in cfg.checkpoints]
    trend = trends[cfg.orders[0]]
    ctx.add_criterion(
        f"(c) skip/pool share of α rises monotonically over {len(trend)} checkpoints",
        all(b >= a for a, b in zip(trend, trend[1:], strict=False)) and trend[-1] > trend[0],
        " → ".join(f"{t:.3f}" for t in trend),
    )


def curve_stats(curves: list[dict[str, list[float]]]) -> dict[str, list[float]]:
    """Per-epoch mean and std over seeds of each share (the figure's lines and bands)."""
    out: dict[str, list[float]] = {}
    for k in SHARES:
        per_epoch = list(zip(*(c[k] for c in curves), strict=True))
        stats = [mean_std(v) for v in per_epoch]
        out[f"{k}.mean"] = [s["mean"] for s in stats]
        out[f"{k}.std"] = [s["std"] for s in stats]
    return out


# ------------------------------------------------------------------------------------------------ figure


def checkpoint_values(ctx: Context, order: int, cfg: dict[str, Any]) -> dict[str, list[list[float]]]:
    """Per seed, at every checkpoint: the two shares and the ground-truth test acc of the derived cell."""
    nb = NBDigits()
    out: dict[str, list[list[float]]] = {k: [] for k in (*SHARES, "test_acc")}
    for entry in ctx.results.per_seed:
        m = entry["metrics"]
        if entry.get("study") != ctx.study or m.get("order") != order:
            continue
        for k in SHARES:
            out[k].append([m[f"long.{c}.{k}"] for c in cfg["checkpoints"]])
        out["test_acc"].append([nb.query(m[f"long.{c}.genotype"])["test_acc"] for c in cfg["checkpoints"]])
    return out


def draw(ctx: Context) -> None:
    """α's drift and the ground truth of the derived cell over the long searches, one figure per order."""
    cfg = ctx.results.config[ctx.study]
    plt = pyplot()
    for order in cfg["orders"]:
        tag = order_tag(order)
        vals = checkpoint_values(ctx, order, cfg)
        if not vals["test_acc"]:
            continue
        fig, (ax_a, ax_g) = plt.subplots(1, 2, figsize=(10, 3.8))
        draw_shares(ax_a, ctx, tag, cfg, vals)
        draw_ground_truth(ax_g, cfg, vals)
        fig.suptitle(
            f"NB-digits-3e5o, DARTS {tag}, {cfg['epochs']}-epoch searches ({len(vals['test_acc'])} seeds)"
        )
        fig.tight_layout()
        ctx.save_figure(
            fig,
            f"drift_{tag}",
            f"DARTS {tag} on NB-digits-3e5o: softmax(α) weight on skip + avg-pool and on none over the search "
            "(mean ± std over seeds; dots: each seed at the checkpoints), and the ground-truth test accuracy of "
            "the cell derived at each checkpoint (NB201 rule)",
        )


def draw_shares(
    ax: Any, ctx: Context, tag: str, cfg: dict[str, Any], vals: dict[str, list[list[float]]]
) -> None:
    curves = ctx.results.data.get(ctx.key(f"{tag}.curves"))
    labels = {"skip_pool_share": "skip + avg-pool", "none_share": "none"}
    for k, color in zip(SHARES, ("tab:red", "tab:blue"), strict=True):
        if curves:  # the whole search (runs since this figure exists); checkpoints only otherwise
            mean, std = curves[f"{k}.mean"], curves[f"{k}.std"]
            ep = range(1, len(mean) + 1)
            ax.plot(ep, mean, color=color, label=labels[k])
            ax.fill_between(
                ep,
                [m - s for m, s in zip(mean, std, strict=True)],
                [m + s for m, s in zip(mean, std, strict=True)],
                color=color,
                alpha=0.15,
            )
        for row in vals[k]:
            ax.plot(cfg["checkpoints"], row, "o", color=color, alpha=0.5, markersize=3)
        means = [sum(col) / len(col) for col in zip(*vals[k], strict=True)]
        ax.plot(
            cfg["checkpoints"],
            means,
            "s--" if curves else "s-",
            color=color,
            label=None if curves else labels[k],
        )
    n_ops = len(NBDigits().space.primitives)
    ax.axhline(2 / n_ops, color="tab:red", ls=":", lw=1)
    ax.axhline(1 / n_ops, color="tab:blue", ls=":", lw=1)
    ax.set_xlabel("search epoch")
    ax.set_ylabel("softmax(α) weight, mean over edges")
    ax.legend(title="ops (dotted: uniform α)", fontsize=8)


def draw_ground_truth(ax: Any, cfg: dict[str, Any], vals: dict[str, list[list[float]]]) -> None:
    nb = NBDigits()
    for row in vals["test_acc"]:
        ax.plot(cfg["checkpoints"], row, "o-", color="0.6", lw=1, markersize=3)
    means = [sum(col) / len(col) for col in zip(*vals["test_acc"], strict=True)]
    ax.plot(cfg["checkpoints"], means, "s-", color="black", label="mean over seeds")
    ax.axhline(nb.best()[1]["test_acc"], color="tab:green", ls="--", lw=1, label="best cell in the table")
    rand = sum(nb.query(k)["test_acc"] for k in nb) / len(nb)
    ax.axhline(rand, color="tab:gray", ls=":", lw=1, label="random cell (expectation)")
    ax.set_xlabel("search epoch (checkpoint)")
    ax.set_ylabel("ground-truth test acc of derived cell")
    ax.set_ylim(0, 1)
    ax.legend(fontsize=8)
