"""Study ``lowdata``: the generalisation boost of AnB+ (paper Sec. 4.1, Table 1) when the target is small.

Source base nets train on the full training part of their half; every target-side net (baseB, AnB, AnB+)
trains on only ``per_class`` images per class and is measured on the target's full held-out 30 %. Base,
frozen and fine-tuned nets each pick their Adam lr from the same grid on the tuning split (seed 100) under
the same low-data regime.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from paperzoo_shared.runner import Context
from transferability import summary
from transferability.reproduce import common, digits

PAPER_TABLE1 = (
    "AnB+ - base: +1.7 (n=1-7), +1.9 (3-7), +2.1 (5-7) points (official logs; paper Table 1: ~1.6-2.1)"
)


@dataclasses.dataclass(frozen=True)
class Config:
    model: str = "mlp"
    per_class: int = 20  # target training images per class
    n_splits: int | None = None
    epochs: int = 100
    batch_size: int = 64
    lrs: tuple[float, ...] = (3e-4, 1e-3, 3e-3, 1e-2)
    tune_n: tuple[int, ...] = (2, 4)
    treatments: tuple[str, ...] = ("AnB", "AnB+")
    n_jobs: int = 2

    def __post_init__(self) -> None:
        if self.per_class < 1:
            raise ValueError(f"lowdata.per_class must be >= 1, got {self.per_class}")
        if "AnB+" not in self.treatments:
            raise ValueError(f"lowdata.treatments must include AnB+, got {self.treatments}")
        digits.Config(
            model=self.model,
            epochs=self.epochs,
            batch_size=self.batch_size,
            lrs=self.lrs,
            treatments=(*self.treatments, "AnB") if "AnB" not in self.treatments else self.treatments,
            n_jobs=self.n_jobs,
        )  # validates the shared fields


def run(cfg: Config, ctx: Context) -> None:
    split_seeds = ctx.seeds_prefix(cfg.n_splits)
    dcfg = digits.Config(
        model=cfg.model,
        epochs=cfg.epochs,
        batch_size=cfg.batch_size,
        lrs=cfg.lrs,
        tune_n=cfg.tune_n,
        treatments=cfg.treatments,
        probe=False,
        n_jobs=cfg.n_jobs,
    )
    lrs = digits.choose_lrs(dcfg, ctx, target_train_per_class=cfg.per_class)
    exp = digits.experiment(dcfg, lrs, split_seeds, target_train_per_class=cfg.per_class)
    results = exp.run(progress=ctx.progress, n_jobs=cfg.n_jobs)
    ctx.set_data("nets", common.as_dicts(results))
    tm = common.target_means(results)
    for i, (s, target) in enumerate((s, d) for s in split_seeds for d in ("A", "B")):
        ctx.add_seed(s, {f"target{target}.{t}@{n}": v[i] for (t, n), v in tm.items()})
    means = common.record_curves(ctx, results, ctx.study, digits.PAPER)
    ns = sorted(exp.n_values)
    base = means[("base", 0)]
    ft = float(np.mean([means[("AnB+", n)] for n in ns]))
    table = summary.boosts(results, ranges=((1, ns[-1]), (2, ns[-1]), (3, ns[-1])))
    ctx.add_table(
        "lowdata_boosts",
        ["layers", "mean AnB+ - base", "nets"],
        [
            [r["layers"], None if r["mean_boost"] is None else round(r["mean_boost"], 4), r["n_nets"]]
            for r in table
        ],
    )
    ctx.add_row(
        f"CPU-scale digits {cfg.model}, {cfg.per_class} images/class: base",
        "target accuracy",
        ctx.results.summary[ctx.key("base@0")],
        paper="(no low-data run in the paper)",
    )
    ctx.add_row(
        f"CPU-scale digits {cfg.model}, {cfg.per_class} images/class: AnB+ - base, mean over n",
        "accuracy points",
        round(ft - base, 4),
        paper=PAPER_TABLE1,
    )
    ctx.add_criterion(
        "low data: mean over n of AnB+ > baseB (generalisation boost of transfer + fine-tuning)",
        ft > base,
        f"AnB+ mean {ft:.4f} vs base {base:.4f} ({ft - base:+.4f}); per n: "
        + ", ".join(f"n={n} {means[('AnB+', n)] - base:+.4f}" for n in ns),
    )


def draw(ctx: Context) -> None:
    cfg = ctx.results.config[ctx.study]
    common.draw(ctx, f"digits, target with {cfg['per_class']} images/class, {cfg['model'].upper()}")
