"""Studies ``mlp`` and ``cnn``: the paper's Fig. 2 protocol on digits split 5/5 (Sec. 4.1, 4.3).

Five random class splits x two directions (10 target tasks), base nets on each half, then for n = 1..4 the
treatments BnB, BnB+, AnB, AnB+ and the random-filter control, each measured once on the target's held-out
30 %. Each treatment kind (base, frozen, fine-tuned) picks its Adam lr from the same grid on a separate tuning
split (seed 100, 80/20 split of the training data); a logistic probe with cross-validated C on the frozen
layer-4 features is reported beside AnB(4).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from paperzoo_shared import mean_std
from paperzoo_shared.runner import Context
from transferability import TransferExperiment, Treatment, features, summary
from transferability.reproduce import common

# pass criteria (spec, planner's note of turn 2): fixed before the first cpu run
MONOTONE_TOL = 0.005  # AnB(n+1) <= AnB(n) + 0.5 points
TOP_DROP = 0.02  # AnB(L-1) <= base - 2 points
BOTTOM_DROP = 0.02  # AnB(1) >= base - 2 points
FT_NO_HARM = 0.01  # mean over n of AnB+ >= base - 1 point
SELFFER_BAND = 0.03  # every BnB(n) within 3 points of base

PAPER = {
    "BnB": "-0.000 +0.001 -0.001 -0.020 -0.030 -0.006 -0.001 (dip at 4-5)",
    "BnB+": "-0.008 -0.004 +0.005 +0.003 +0.004 +0.002 +0.001",
    "AnB": "+0.003 -0.002 -0.007 -0.026 -0.047 -0.045 -0.083",
    "AnB+": "+0.011 +0.010 +0.017 +0.014 +0.019 +0.021 +0.021",
    "random": "1000 classes, base 0.570: n=1 0.491, n=2 0.402, n>=3 < 0.05",
}
PAPER_SOURCE = "official training logs (yosinski/convnet_transfer results/*/*.o*.gz, iteration 450k), Fig. 2"
TREATMENTS = ("BnB", "BnB+", "AnB", "AnB+", "random")


@dataclasses.dataclass(frozen=True)
class Config:
    model: str = "mlp"  # mlp (64-128x4-5, L = 5) | cnn (conv16-conv32-conv64-fc64-fc5, L = 5)
    n_splits: int | None = None  # split seeds = the first n of the run's seeds (None: all)
    epochs: int = 100  # every net, base and derived alike
    batch_size: int = 64
    lrs: tuple[float, ...] = (3e-4, 1e-3, 3e-3, 1e-2)  # Adam lr grid, searched per treatment kind
    fixed_lr: float | None = None  # skip the search: every kind at this lr (same for every arm)
    tune_n: tuple[int, ...] = (2, 4)  # depths of the frozen / fine-tuned lr search
    treatments: tuple[str, ...] = TREATMENTS
    probe: bool = True  # logistic probe (cross-validated C) on frozen layer L-1 features
    n_jobs: int = 2  # worker processes (results do not depend on it)

    def __post_init__(self) -> None:
        if self.model not in common.MODELS:
            raise ValueError(f"digits.model must be one of {sorted(common.MODELS)}, got {self.model!r}")
        if self.epochs < 1 or self.batch_size < 1 or self.n_jobs < 1:
            raise ValueError("digits.epochs, digits.batch_size and digits.n_jobs must be >= 1")
        if not self.lrs or any(lr <= 0 for lr in self.lrs):
            raise ValueError(f"digits.lrs must be positive learning rates, got {self.lrs}")
        bad = [t for t in self.treatments if t not in TREATMENTS]
        if bad or "AnB" not in self.treatments:
            raise ValueError(
                f"digits.treatments must include AnB and only {TREATMENTS}, got {self.treatments}"
            )


def choose_lrs(cfg: Config, ctx: Context, target_train_per_class: int | None = None) -> dict[str, float]:
    if cfg.fixed_lr is not None:
        lrs = {k: cfg.fixed_lr for k in common.KINDS}
        ctx.add_note(
            f"{ctx.study}: no lr search; every kind (base, frozen, fine-tuned) at Adam lr {cfg.fixed_lr}"
        )
        return lrs
    lrs, rows = common.tune_lrs(
        cfg.model,
        cfg.lrs,
        epochs=cfg.epochs,
        batch_size=cfg.batch_size,
        tune_n=cfg.tune_n,
        target_train_per_class=target_train_per_class,
    )
    ctx.add_table(f"{ctx.study}_lr_search", ["model", "kind", "lr", "tuning accuracy"], rows)
    for k, v in lrs.items():
        ctx.set_summary(f"lr_{k}", v)
    return lrs


def experiment(
    cfg: Config, lrs: dict[str, float], split_seeds: tuple[int, ...], **kw: Any
) -> TransferExperiment:
    X, y = common.load_digits()
    return TransferExperiment(
        common.MODELS[cfg.model],
        X,
        y,
        val_fraction=common.VAL_FRACTION,
        data_seed=0,
        train_fns={k: common.trainer(lr, cfg.epochs, cfg.batch_size) for k, lr in lrs.items()},
        treatments=tuple(Treatment(t) for t in cfg.treatments),
        split_seeds=split_seeds,
        seeds=(0,),
        **kw,
    )


def probe_rows(exp: TransferExperiment, ctx: Context) -> None:
    """Logistic regression (C cross-validated) on frozen layer L-1 features of baseA, baseB and a random net."""
    from sklearn.linear_model import LogisticRegressionCV
    from sklearn.preprocessing import StandardScaler

    n = exp.L - 1
    accs: dict[str, list[float]] = {"AnB": [], "BnB": [], "random": []}
    for s in exp.split_seeds:
        a, b = exp.halves(s)
        for src, tgt in (("A", "B"), ("B", "A")):
            X, y, Xv, yv = exp._task(s, tgt, False)
            for name, donor in (("AnB", src), ("BnB", tgt), ("random", None)):
                k = len(a if (donor or tgt) == "A" else b)
                net = exp.make_model(k, 0)
                if donor is not None:
                    net.load_state_dict(exp.train_base(s, 0, donor, False)[0])
                f, fv = features(net, X, n).flatten(1).numpy(), features(net, Xv, n).flatten(1).numpy()
                sc = StandardScaler().fit(f)
                clf = LogisticRegressionCV(Cs=(0.01, 0.1, 1.0, 10.0), cv=3, max_iter=3000)
                clf.fit(sc.transform(f), y.numpy())
                accs[name].append(float(clf.score(sc.transform(fv), yv.numpy())))
    for name, v in accs.items():
        ctx.set_summary(f"probe_{name}@{n}", mean_std(v))
        ctx.add_row(
            f"CPU-scale digits {ctx.study}: logistic probe, frozen {name} features, n={n}",
            "target accuracy",
            mean_std(v),
            paper="(not in the paper)",
        )


def _r4(v: float | None) -> float | None:
    return None if v is None else round(v, 4)


def criteria(ctx: Context, means: dict[tuple[str, int], float], ns: list[int]) -> None:
    base = means[("base", 0)]
    anb = [means[("AnB", n)] for n in ns]
    worst = max((anb[i + 1] - anb[i] for i in range(len(anb) - 1)), default=0.0)
    ctx.add_criterion(
        f"AnB(n) non-increasing in n (tolerance {MONOTONE_TOL * 100:.1f} points)",
        worst <= MONOTONE_TOL,
        "AnB: "
        + ", ".join(f"n={n} {v:.4f}" for n, v in zip(ns, anb, strict=True))
        + f"; largest rise {worst:+.4f}",
    )
    top = ns[-1]
    ctx.add_criterion(
        f"AnB({top}) <= baseB - {TOP_DROP * 100:.0f} points (frozen top features are specific)",
        anb[-1] <= base - TOP_DROP,
        f"AnB({top}) {anb[-1]:.4f} vs base {base:.4f} ({anb[-1] - base:+.4f})",
    )
    ctx.add_criterion(
        f"AnB({ns[0]}) >= baseB - {BOTTOM_DROP * 100:.0f} points (first-layer features are general)",
        anb[0] >= base - BOTTOM_DROP,
        f"AnB({ns[0]}) {anb[0]:.4f} vs base {base:.4f} ({anb[0] - base:+.4f})",
    )
    if ("random", ns[-1]) in means:
        gaps = {n: means[("AnB", n)] - means[("random", n)] for n in ns if n >= 2}
        ctx.add_criterion(
            "AnB(n) >= random frozen(n) for every n >= 2 (transferred beats random features)",
            all(g >= 0 for g in gaps.values()),
            ", ".join(f"n={n} {g:+.4f}" for n, g in gaps.items()),
        )
    if ("AnB+", ns[0]) in means:
        ft = float(np.mean([means[("AnB+", n)] for n in ns]))
        ctx.add_criterion(
            f"no harm: mean over n of AnB+ >= baseB - {FT_NO_HARM * 100:.0f} point",
            ft >= base - FT_NO_HARM,
            f"AnB+ mean {ft:.4f} vs base {base:.4f} ({ft - base:+.4f})",
        )
    if ("BnB", ns[0]) in means:
        dev = {n: means[("BnB", n)] - base for n in ns}
        ctx.add_criterion(
            f"no harm: every BnB(n) within {SELFFER_BAND * 100:.0f} points of baseB",
            all(abs(d) <= SELFFER_BAND for d in dev.values()),
            ", ".join(f"n={n} {d:+.4f}" for n, d in dev.items()),
        )


def run(cfg: Config, ctx: Context) -> None:
    split_seeds = ctx.seeds_prefix(cfg.n_splits)
    lrs = choose_lrs(cfg, ctx)
    exp = experiment(cfg, lrs, split_seeds)
    results = exp.run(progress=ctx.progress, n_jobs=cfg.n_jobs)
    ctx.set_data("nets", common.as_dicts(results))
    tm = common.target_means(results)
    for i, (s, target) in enumerate((s, d) for s in split_seeds for d in ("A", "B")):
        ctx.add_seed(s, {f"target{target}.{t}@{n}": v[i] for (t, n), v in tm.items()})
    means = common.record_curves(ctx, results, ctx.study, PAPER)
    ns = sorted(exp.n_values)
    ctx.add_row(
        f"CPU-scale digits {cfg.model}: base net on a 5-class half",
        "target accuracy",
        ctx.results.summary[ctx.key("base@0")],
        paper="0.6245 (8 nets, ImageNet 500-class halves; official logs)",
    )
    for t in cfg.treatments:
        ctx.add_row(
            f"CPU-scale digits {cfg.model}: {t} at n={ns[-1]}",
            "target accuracy",
            ctx.results.summary[ctx.key(f"{t}@{ns[-1]}")],
            paper=f"change from base n=1..7: {PAPER[t]}",
        )
    eff = summary.effects(results)
    ctx.add_table(
        f"{ctx.study}_effects",
        ["n", *sorted({k for r in eff.values() for k in r})],
        [[n, *[_r4(eff[n].get(k)) for k in sorted({k for r in eff.values() for k in r})]] for n in ns],
    )
    if cfg.probe:
        probe_rows(exp, ctx)
    ctx.add_note(f"{ctx.study}: paper values quoted from {PAPER_SOURCE}; ours are CPU-scale (digits).")
    criteria(ctx, means, ns)


def draw(ctx: Context) -> None:
    common.draw(ctx, f"digits 5/5 splits, {ctx.results.config[ctx.study]['model'].upper()}")
