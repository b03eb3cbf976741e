"""Study ``long_search``: DARTS-1st, DARTS-2nd, SDARTS-RS and SD-DARTS on the same NB-digits-3e5o supernets.

The long-search protocol of darts-core (:mod:`darts_core.reproduce.long_search`, rarts.md's Planner's note, shared
with rarts and sharpdarts): darts-core's cpu search recipe with 120 epochs (cosine over 120), every arm scored by
the DARTS rule (argmax, ``none`` excluded) against the shipped ground truth, verdict seeds 0-7, a seed collapses
when its regret is >= 0.01. sd-darts.md's Planner's note adds, per arm and seed:

* λ_max: the dominant eigenvalue of ∇²_α L_val on all 600 validation digits in 6 batches (batch-statistics BN,
  running statistics untouched), exact Hessian-vector products, 20 power iterations from a fixed start, at epochs
  30, 60 and 120 (:func:`sd_darts.dominant_hessian_eigenvalue`);
* the discretisation gap at the end: supernet validation accuracy minus that of its DARTS-rule cell with
  inherited weights (:func:`sd_darts.discretization_gap`), and minus the cell's ground-truth test accuracy;
* the final supernet training accuracy and the search's wall time.

Arms: DARTS-1st, DARTS-2nd (darts-core), SDARTS-RS, SD-DARTS (K=3, one snapshot per step: the judged arm), and
SD-DARTS with one snapshot per epoch (reported, deciding nothing: with one step between snapshots the teachers
are almost the student, the spec's named risk; fixed before the first cpu run). ``full`` adds K=1 and the EMA
teacher.

Pass (pre-registered in tests/test_protocol.py): (a) λ_max(SD) < λ_max(DARTS-1st) at the last measured epoch on
>= 7 of 8 seeds; (b) darts-core's :func:`~darts_core.reproduce.long_search.collapse_rule` (SD collapses on at most
half as many seeds as the better DARTS arm and has a strictly lower mean regret; "untestable" — reported as not
held — when that arm collapses on fewer than 3 seeds); (c) mean regret(SD) <= mean regret(SDARTS-RS) + 0.005.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, ClassVar

import torch

from darts_core import NBDigits
from darts_core.reproduce.data import digits_splits
from darts_core.reproduce.long_search import (
    COLLAPSE_REGRET,
    DARTS_ARMS,
    LongSearchRecipe,
    collapse_rule,
    map_arms,
    run_arm,
    standard_architect,
)
from paperzoo_shared import mean_std
from paperzoo_shared.runner import Context, pyplot
from sd_darts.reproduce.sdarts_rs import RandomAlphaArchitect
from sd_darts.search import SDArchitect
from sd_darts.sharpness import discretization_gap, dominant_hessian_eigenvalue

SD = "SD-DARTS"  # the judged arm: K = 3 voting teachers
RS = "SDARTS-RS"
# arm -> (order, SD-DARTS overrides or None); DARTS arms from darts-core
ARMS: dict[str, tuple[int, dict[str, Any] | None]] = {
    "DARTS-1st": (DARTS_ARMS["DARTS-1st"], None),
    "DARTS-2nd": (DARTS_ARMS["DARTS-2nd"], None),
    RS: (1, None),
    SD: (1, {}),
    "SD-DARTS s=epoch": (1, {"interval": "epoch"}),  # reported, not deciding: one snapshot per epoch
    "SD-DARTS K=1": (1, {"k": 1}),
    "SD-DARTS EMA": (1, {"teacher": "ema"}),
}
EIG_MIN_FRACTION = 7 / 8  # criterion (a): SD below DARTS-1st on >= 7 of 8 seeds
RS_MARGIN = 0.005  # criterion (c): mean regret(SD) <= mean regret(SDARTS-RS) + 0.005
PAPER = (
    "SD-DARTS (arXiv 2302.05629) abstract: lower sharpness of the supernet's loss, a smaller supernet-architecture "
    "gap, better than state-of-the-art alternatives on real datasets; no table value is quoted (the full text could "
    "not be checked here)"
)


@dataclasses.dataclass(frozen=True)
class Config(LongSearchRecipe):
    """darts-core's long-search recipe (120 epochs, cosine over 120) plus the arms, SD-DARTS's pre-registered
    hyperparameters, the sharpness measurement and the SDARTS-RS ramp."""

    STUDY: ClassVar[str] = "long_search"

    arms: tuple[str, ...] = ("DARTS-1st", "DARTS-2nd", RS, SD, "SD-DARTS s=epoch")
    k: int = 3  # teachers of the judged SD-DARTS arm (voting)
    interval: int = 1  # steps between snapshots
    lam: float = 1.0
    tau: float = 1.0
    vote: str = "mean"
    eig_epochs: tuple[int, ...] = (30, 60, 120)
    eig_iters: int = 20
    eig_batches: int = 6  # the 600 validation digits in this many batches
    rs_eps_start: float = 0.03
    rs_eps_max: float = 0.3
    workers: int = 2  # processes on the CPU (one torch thread each); the numbers do not depend on it

    def __post_init__(self) -> None:
        super().__post_init__()
        s = self.STUDY
        unknown = [a for a in self.arms if a not in ARMS]
        if unknown or len(set(self.arms)) != len(self.arms):
            raise ValueError(f"{s}.arms must be distinct names from {tuple(ARMS)}, got {self.arms!r}")
        for name in ("k", "interval", "eig_iters", "eig_batches", "workers"):
            val = getattr(self, name)
            low = 0 if name == "k" else 1
            if isinstance(val, bool) or not isinstance(val, int) or val < low:
                raise ValueError(f"{s}.{name} must be an int >= {low}, got {val!r}")
        if not self.lam >= 0 or not self.tau > 0:
            raise ValueError(f"{s}.lam must be >= 0 and {s}.tau > 0, got {self.lam!r}, {self.tau!r}")
        if self.vote not in ("mean", "majority"):
            raise ValueError(f"{s}.vote must be 'mean' or 'majority', got {self.vote!r}")
        if not self.eig_epochs or any(not 1 <= e <= self.epochs for e in self.eig_epochs):
            raise ValueError(f"{s}.eig_epochs must be epochs in 1..{self.epochs}, got {self.eig_epochs!r}")
        if not 0 <= self.rs_eps_start <= self.rs_eps_max:
            raise ValueError(
                f"{s}.rs_eps_start and rs_eps_max need 0 <= start <= max, got {self.rs_eps_start}"
            )


class Measure:
    """Callback: λ_max at ``cfg.eig_epochs`` and the discretisation gap after the last epoch."""

    def __init__(self, cfg: Config, batches: list[tuple[torch.Tensor, torch.Tensor]]) -> None:
        self.cfg, self.batches = cfg, batches
        self.eig: dict[int, float] = {}
        self.gap: dict[str, Any] = {}

    def on_epoch_end(self, state: Any) -> None:
        epoch = state.epoch + 1
        if epoch in self.cfg.eig_epochs:
            self.eig[epoch] = dominant_hessian_eigenvalue(
                state.model, self.batches, iters=self.cfg.eig_iters, seed=0
            )
        if epoch == self.cfg.epochs:
            self.gap = discretization_gap(state.model, self.batches)


class _Delegate:
    """Forwards ``on_step`` to the architect made inside :func:`run_arm` (SDARTS-RS switches its noise off)."""

    architect: Any = None

    def on_step(self, state: Any) -> None:
        if hasattr(self.architect, "on_step"):
            self.architect.on_step(state)


def run_job(cfg: Config, arm: str, seed: int, device: str = "cpu") -> dict[str, Any]:
    """One search of one arm on seed ``seed`` with the measurements (a picklable module-level function)."""
    data = digits_splits()
    xv, yv = (t.to(device) for t in data["val"])
    size = math.ceil(len(yv) / cfg.eig_batches)
    batches = [(xv[i : i + size], yv[i : i + size]) for i in range(0, len(yv), size)]
    order, sd = ARMS[arm]
    measure, delegate = Measure(cfg, batches), _Delegate()

    def make(model: Any, recipe: Any, order: int) -> Any:
        kw: dict[str, Any] = {"order": order, "arch_lr": cfg.arch_lr, "arch_wd": cfg.arch_wd}
        if arm == RS:
            arch: Any = RandomAlphaArchitect(
                model,
                epochs=cfg.epochs,
                steps_per_epoch=math.ceil(len(data["train"][1]) / cfg.batch_size),
                eps_start=cfg.rs_eps_start,
                eps_max=cfg.rs_eps_max,
                **kw,
            )
        elif sd is not None:
            opts: dict[str, Any] = {
                "k": cfg.k,
                "interval": cfg.interval,
                "lam": cfg.lam,
                "tau": cfg.tau,
                "vote": cfg.vote,
            } | sd
            if opts["interval"] == "epoch":
                opts["interval"] = math.ceil(len(data["train"][1]) / cfg.batch_size)
            if opts.get("teacher") == "ema":
                opts.pop("k")
            arch = SDArchitect(model, **opts, **kw)
        else:
            arch = standard_architect(model, recipe, order)
        delegate.architect = arch
        return arch

    out = run_arm(
        cfg,
        seed,
        data,
        device,
        order=order,
        make_architect=make,
        callbacks=(delegate, measure),
        checkpoints=tuple(sorted(set(cfg.eig_epochs))),
    )
    nb = NBDigits()
    out["arm"] = arm
    out["eig"] = {int(e): v for e, v in measure.eig.items()}
    out["gap_inherited"] = measure.gap["gap"]
    out["supernet_val_acc"] = measure.gap["supernet_acc"]
    out["gap_ground_truth"] = measure.gap["supernet_acc"] - float(nb.query(out["genotype"])["test_acc"])
    return out


def run_all(cfg: Config, ctx: Context) -> dict[str, list[dict[str, Any]]]:
    """Every (arm, seed) search, over ``workers`` processes on the CPU; ``{arm: [result per seed]}``."""
    jobs: list[tuple[tuple[Any, ...], dict[str, Any]]] = [
        ((cfg, arm, s, str(ctx.device)), {}) for arm in cfg.arms for s in ctx.seeds
    ]
    workers = cfg.workers if ctx.device.type == "cpu" else 1
    res = map_arms(run_job, jobs, workers=min(workers, len(jobs)), progress=ctx.progress)
    return {arm: [r for r in res if r["arm"] == arm] for arm in cfg.arms}


def _mean(v: list[float]) -> float:
    return sum(v) / len(v)


def eig_criterion(sd: list[float], base: list[float]) -> tuple[bool, int, int]:
    """Criterion (a): SD's λ_max below the baseline's on >= ceil(7/8 · n) seeds; ``(passed, wins, needed)``."""
    wins = sum(a < b for a, b in zip(sd, base, strict=True))
    need = math.ceil(EIG_MIN_FRACTION * len(sd) - 1e-9)
    return wins >= need, wins, need


def add_criteria(ctx: Context, cfg: Config, by: dict[str, list[dict[str, Any]]]) -> None:
    """The three pre-registered criteria (each needs its arms in ``cfg.arms``)."""
    last = max(cfg.eig_epochs)
    if SD in by and "DARTS-1st" in by:
        ok, wins, need = eig_criterion(
            [o["eig"][last] for o in by[SD]], [o["eig"][last] for o in by["DARTS-1st"]]
        )
        ctx.add_criterion(
            f"(a) λ_max(SD-DARTS) < λ_max(DARTS-1st) at epoch {last} on >= {need}/{len(by[SD])} seeds",
            ok,
            f"{wins}/{len(by[SD])} seeds",
        )
    if SD in by and "DARTS-1st" in by and "DARTS-2nd" in by:
        rule = collapse_rule(*([o["regret"] for o in by[a]] for a in (SD, "DARTS-1st", "DARTS-2nd")))
        ctx.add_criterion(
            "(b) SD-DARTS collapses on at most half as many seeds as the better DARTS arm and has a lower mean "
            "regret (untestable, so not held, when that arm collapses on < 3 seeds)",
            bool(rule["passed"]),
            rule["detail"].replace("method", "SD-DARTS"),
        )
        ctx.set_summary("collapse_rule.reference", rule["reference"])
        ctx.set_summary("collapse_rule.testable", bool(rule["testable"]))
        for arm, n in rule["collapses"].items():
            ctx.set_summary(f"collapse_rule.collapses.{SD if arm == 'method' else arm}", int(n))
    if SD in by and RS in by:
        m_sd, m_rs = _mean([o["regret"] for o in by[SD]]), _mean([o["regret"] for o in by[RS]])
        ctx.add_criterion(
            f"(c) mean regret(SD-DARTS) <= mean regret(SDARTS-RS) + {RS_MARGIN}",
            m_sd <= m_rs + RS_MARGIN,
            f"{m_sd:.4f} vs {m_rs:.4f} + {RS_MARGIN}",
        )


def add_rows(ctx: Context, cfg: Config, by: dict[str, list[dict[str, Any]]]) -> None:
    setting = f"NB-digits-3e5o, {cfg.epochs}-epoch search, DARTS rule (CPU-scale)"
    base = "DARTS-1st" if "DARTS-1st" in by else None
    t_base = _mean([o["seconds"] for o in by[base]]) if base else None
    for arm, outs in by.items():
        summ: dict[str, Any] = {
            key: mean_std([o[key] for o in outs])
            for key in ("regret", "test_acc", "train_acc", "gap_inherited", "gap_ground_truth", "seconds")
        }
        for e in sorted(set(cfg.eig_epochs)):
            summ[f"eig_{e}"] = mean_std([o["eig"][e] for o in outs])
            summ[f"regret_{e}"] = mean_std([o["at"][e]["regret"] for o in outs])
        summ["collapses"] = sum(o["collapsed"] for o in outs)
        for key, val in summ.items():
            ctx.set_summary(f"{arm}.{key}", val)
        if arm == base:
            for key, val in summ.items():
                ctx.set_baseline(key, val)
            continue
        b = ctx.results.baseline
        pre = ctx.key("")
        paper = PAPER if arm == SD else None
        last = max(cfg.eig_epochs)
        ctx.add_row(
            setting,
            f"λ_max of ∇²_α L_val at epoch {last}, {arm}",
            summ[f"eig_{last}"],
            paper=paper,
            baseline=b.get(f"{pre}eig_{last}"),
        )
        ctx.add_row(
            setting,
            f"regret (best - chosen, test acc), {arm}",
            summ["regret"],
            baseline=b.get(f"{pre}regret"),
        )
        ctx.add_row(
            setting,
            f"collapsed seeds (regret >= {COLLAPSE_REGRET}), {arm}",
            f"{summ['collapses']}/{len(outs)}",
            baseline=f"{sum(o['collapsed'] for o in by[base])}/{len(outs)}" if base else None,
        )
        ctx.add_row(
            setting,
            f"discretisation gap (supernet - cell, inherited weights, val acc), {arm}",
            summ["gap_inherited"],
            baseline=b.get(f"{pre}gap_inherited"),
        )
        ctx.add_row(
            setting, f"final supernet train acc, {arm}", summ["train_acc"], baseline=b.get(f"{pre}train_acc")
        )
        if t_base:
            ctx.add_row(
                setting,
                f"search wall time / DARTS-1st's, {arm}",
                mean_std([o["seconds"] / t_base for o in outs]),
                baseline=1.0,
            )
    eps = sorted(set(cfg.eig_epochs))
    for arm, outs in by.items():  # the early-stopping reference: regret and λ_max along the search
        ctx.add_row(
            setting,
            f"mean regret / mean λ_max at epochs {', '.join(map(str, eps))}, {arm}",
            " → ".join(
                f"{_mean([o['at'][e]['regret'] for o in outs]):.3f} / {_mean([o['eig'][e] for o in outs]):.3f}"
                for e in eps
            ),
        )
    ctx.set_paper("claim", PAPER)


def run(cfg: Config, ctx: Context) -> None:
    by = run_all(cfg, ctx)
    eps = sorted(set(cfg.eig_epochs))
    for i, seed in enumerate(ctx.seeds):
        metrics: dict[str, Any] = {}
        for arm, outs in by.items():
            o = outs[i]
            metrics |= {
                f"{arm}.{k}": o[k]
                for k in (
                    "genotype",
                    "regret",
                    "test_acc",
                    "collapsed",
                    "train_acc",
                    "gap_inherited",
                    "gap_ground_truth",
                    "seconds",
                )
            }
            metrics |= {f"{arm}.eig_{e}": o["eig"][e] for e in eps}
            metrics |= {f"{arm}.regret_{e}": o["at"][e]["regret"] for e in eps}
        ctx.add_seed(seed, metrics)
    ctx.add_table(
        "seeds",
        ["seed", *(f"{arm} {what}" for arm in by for what in ("cell", "regret", f"λ_max@{eps[-1]}"))],
        [
            [str(seed)]
            + [
                v
                for arm in by
                for v in (
                    by[arm][i]["genotype"],
                    round(by[arm][i]["regret"], 3),
                    round(by[arm][i]["eig"][eps[-1]], 3),
                )
            ]
            for i, seed in enumerate(ctx.seeds)
        ],
    )
    add_rows(ctx, cfg, by)
    add_criteria(ctx, cfg, by)
    ctx.set_data("eig", {arm: [[o["eig"][e] for e in eps] for o in outs] for arm, outs in by.items()})
    ctx.set_data("eig_epochs", eps)
    ctx.add_note(
        "Every arm starts from the same seeded supernet and loader order (darts-core's long-search protocol); "
        f"SD-DARTS: K={cfg.k} snapshots every {cfg.interval} step(s), λ={cfg.lam}, τ={cfg.tau}, {cfg.vote} vote "
        "(package defaults: the paper's values could not be checked). λ_max: 20 power iterations of exact "
        "Hessian-vector products on the 600 validation digits, batch-statistics BN."
    )


def draw(ctx: Context) -> None:
    """λ_max of ∇²_α L_val over the search, per arm (mean and every seed)."""
    try:
        eig, eps = ctx.get_data("eig"), ctx.get_data("eig_epochs")
    except KeyError:
        return
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7, 4))
    for i, (arm, rows) in enumerate(eig.items()):
        color = f"C{i}"
        for r in rows:
            ax.plot(eps, r, "-", color=color, alpha=0.25, lw=0.8)
        ax.plot(eps, [sum(c) / len(c) for c in zip(*rows, strict=True)], "o-", color=color, lw=2, label=arm)
    ax.set_xlabel("search epoch")
    ax.set_ylabel("dominant eigenvalue of ∇²_α L_val")
    ax.set_title(f"NB-digits-3e5o, {len(next(iter(eig.values())))} seeds (thin: each seed)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    ctx.save_figure(
        fig,
        "sharpness",
        "Dominant Hessian eigenvalue of the validation loss in α over the search, per arm (thick: mean over seeds; "
        "thin: each seed)",
    )
