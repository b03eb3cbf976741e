"""Study ``grid``: the small (lr, eta) grid reported like the paper's Table 1 ("best" grid point and "average
over grid"), on the first ``n_seeds`` seeds of the run (``ctx.seeds_prefix(n_seeds)``).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from gradient_noise.reproduce.deep_mlp import PAPER, load_data
from gradient_noise.reproduce.stack import Setting, check_fields, train_stack
from paperzoo_shared import mean_std, seed_everything
from paperzoo_shared.runner import Context


@dataclasses.dataclass(frozen=True)
class Config:
    lrs: tuple[float, ...] = (0.05, 0.1)
    etas: tuple[float, ...] = (0.1, 0.3, 1.0)  # each lr is also trained without noise (eta = 0)
    n_seeds: int = 4  # the first n_seeds seeds of the run
    epochs: int = 40
    gamma: float = 0.55
    batch_size: int = 32

    def __post_init__(self) -> None:
        if not self.lrs or not self.etas:
            raise ValueError(f"grid.lrs and grid.etas must not be empty, got {self.lrs!r} and {self.etas!r}")
        check_fields(self, "grid", ints=("n_seeds", "epochs", "batch_size"), floats=("lrs", "etas", "gamma"))


def run(cfg: Config, ctx: Context) -> None:
    seeds = ctx.seeds_prefix(cfg.n_seeds)
    seed_everything(ctx.seeds[0])
    data = load_data()
    base: dict[str, Any] = dict(epochs=cfg.epochs, gamma=cfg.gamma, batch_size=cfg.batch_size)
    table: list[list[Any]] = []
    noisy_means: list[float] = []
    plain_means: list[float] = []
    per_seed: dict[str, list[float]] = {}
    for lr in ctx.progress(cfg.lrs, desc="grid lr"):
        for eta in (0.0, *cfg.etas):
            acc = train_stack(Setting(lr=lr, eta=eta, **base), seeds, data, ctx.device)["test_acc"]
            per_seed[f"lr={lr}, eta={eta}: test_acc"] = acc
            (noisy_means if eta > 0 else plain_means).append(mean_std(acc)["mean"])
            table.append([lr, eta if eta > 0 else "0 (no noise)", mean_std(acc)])
    for i, seed in enumerate(seeds):
        ctx.add_seed(seed, {k: v[i] for k, v in per_seed.items()})
    ctx.add_table("grid", ["lr", "eta", f"test accuracy (mean ± std, {len(seeds)} seeds)"], table)
    ctx.add_table(
        "paper-style",
        [
            "",
            "best grid point (mean over seeds)",
            "average over grid",
            "paper (Table 1 reports best and average)",
        ],
        [
            ["no noise", max(plain_means), sum(plain_means) / len(plain_means), PAPER["no_noise"]],
            ["annealed noise", max(noisy_means), sum(noisy_means) / len(noisy_means), PAPER["noise"]],
        ],
    )
