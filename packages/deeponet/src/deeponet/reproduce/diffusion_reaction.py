"""Study ``diffusion_reaction``: DeepONet's test error against the number of training functions (the paper's
data-size convergence, Sec. 3.3): ``ds/dt = D d2s/dx2 + k s^2 + u(x)``, D = k = 0.01, zero initial and boundary
values, from ``pde-data``; 100 random (x, t) points per function, DeepONet [100, 40, 40] / [2, 40, 40], one
fixed test set of ``n_test`` functions, ``iterations`` full-batch Adam steps per model, every seed at every size.
Pass: the mean test MSE falls at every step of ``train_sizes``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import torch

from deeponet.nets import DeepONet
from deeponet.reproduce.data import operator_data
from deeponet.train import fit, mse
from paperzoo_shared import mean_std, seed_everything
from paperzoo_shared.runner import Context, pyplot

POINTS = 100  # (x, t) points per function, as in the paper
TEST_SEED, TRAIN_SEED = 9999, 1000  # the test set's data seed; training data seed = offset + run seed


@dataclasses.dataclass(frozen=True)
class Config:
    train_sizes: tuple[int, ...] = (10, 30, 100, 300)  # training functions, increasing
    iterations: int = 2000
    n_test: int = 500

    def __post_init__(self) -> None:
        sizes = self.train_sizes
        if not sizes or any(isinstance(n, bool) or not isinstance(n, int) or n < 1 for n in sizes):
            raise ValueError(f"diffusion_reaction.train_sizes must be positive ints, got {sizes!r}")
        if list(sizes) != sorted(set(sizes)):
            raise ValueError(f"diffusion_reaction.train_sizes must increase, got {sizes!r}")
        for name in ("iterations", "n_test"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"diffusion_reaction.{name} must be an int >= 1, got {value!r}")


def diffusion_reaction_curve(
    sizes: Sequence[int],
    iterations: int,
    seeds: Sequence[int],
    device: torch.device,
    n_test: int = 500,
    progress: Any = None,
) -> list[list[Any]]:
    """Rows ``[n, mean_std of the test MSE, [test MSE per seed]]``, one per training-set size ``n``."""
    test = operator_data("diffusion_reaction", n_test, POINTS, TEST_SEED, device)
    rows = []
    for n in progress(sizes) if progress is not None else sizes:
        errs = []
        for seed in seeds:
            seed_everything(seed)
            model = DeepONet([100, 40, 40], [2, 40, 40]).to(device)
            train = operator_data("diffusion_reaction", n, POINTS, TRAIN_SEED + seed, device)
            fit(model, train, iterations=iterations, seed=seed)
            with torch.no_grad():
                errs.append(mse(model(test[0], test[1]), test[2]))
        rows.append([n, mean_std(errs), errs])
    return rows


def run(cfg: Config, ctx: Context) -> None:
    rows = diffusion_reaction_curve(
        cfg.train_sizes, cfg.iterations, ctx.seeds, ctx.device, n_test=cfg.n_test, progress=ctx.progress
    )
    for n, _, errs in rows:
        for seed, err in zip(ctx.seeds, errs, strict=True):
            ctx.add_seed(seed, {"n_train_functions": n, "test_mse": err})
    ctx.add_table(
        "diffusion-reaction", ["training functions", "test MSE"], [[n, stat] for n, stat, _ in rows]
    )
    ctx.set_data("curve", {"train_sizes": [n for n, _, _ in rows], "test_mse": [errs for _, _, errs in rows]})
    means = [stat["mean"] for _, stat, _ in rows]
    ctx.add_criterion(
        "diffusion-reaction: test MSE falls as the number of training functions grows",
        all(b < a for a, b in zip(means, means[1:], strict=False)),
        " > ".join(f"{m:.2e}" for m in means),
    )


def curve_points(ctx: Context) -> tuple[list[int], list[float], list[float], list[float]] | None:
    """Sizes, mean, min and max test MSE over the seeds: from the recorded data, or (results written before the
    data was recorded) from the table, whose mean ± std gives mean and mean ± std."""
    data = ctx.results.data.get(ctx.key("curve"))
    if data:
        errs = [[float(e) for e in row] for row in data["test_mse"]]
        means = [sum(row) / len(row) for row in errs]
        return list(data["train_sizes"]), means, [min(r) for r in errs], [max(r) for r in errs]
    table = ctx.results.tables.get("diffusion-reaction")
    if not table:
        return None
    sizes = [int(row[0]) for row in table["rows"]]
    means = [float(row[1]["mean"]) for row in table["rows"]]
    stds = [float(row[1]["std"]) for row in table["rows"]]
    return (
        sizes,
        means,
        [max(m - s, m * 1e-3) for m, s in zip(means, stds, strict=True)],
        [m + s for m, s in zip(means, stds, strict=True)],
    )


def draw(ctx: Context) -> None:
    """Test MSE against the number of training functions, log-log (the paper's data-size convergence figure)."""
    points = curve_points(ctx)
    if points is None:
        return
    sizes, means, lo, hi = points
    from_table = not ctx.results.data.get(ctx.key("curve"))
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(5, 3.6))
    ax.fill_between(sizes, lo, hi, alpha=0.25, label="mean ± std" if from_table else "range over seeds")
    ax.plot(
        sizes,
        means,
        "o-",
        label=f"DeepONet, mean of {len(ctx.results.seeds)} seed{'s' if len(ctx.results.seeds) > 1 else ''}",
    )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("training functions (100 points each)")
    ax.set_ylabel("test MSE")
    ax.set_title("Diffusion-reaction: error against data size")
    ax.legend()
    ctx.save_figure(
        fig,
        "data_size",
        "Diffusion-reaction: DeepONet's test MSE against the number of training functions "
        f"({'mean ± std' if from_table else 'mean and range'} over seeds)",
    )
