"""Study ``nb_digits``: magnitude vs perturbation-based selection on the same supernets, scored by ground truth.

For every seed: a first-order DARTS search on the NB-digits-3e5o supernet (darts-core, one cell, 3 edges x 5 ops,
125 architectures exhaustively trained in the shipped table); from the **same** trained supernet (a copy) the
magnitude rule (argmax softmax(α), NAS-Bench-201 parse: ``none`` may win), darts-core's standard DARTS rule
(argmax softmax(α) with ``none`` excluded) and DARTS-PT (op projection edge by edge in random order, fine-tuning in
between, α still trained) each pick a cell. With ``fix_alpha`` a second supernet is trained
with α frozen at its near-uniform init and projected with α fixed. Every cell is looked up in the table: test
accuracy, rank among 125, regret = best - chosen. Selection wall time is reported against the search time.

Criteria (issue #22 review): DARTS-PT is judged against the **stronger** of the two argmax-α rules (the lower mean
regret over the seeds; ties go to the DARTS rule); the first run's comparison with the magnitude rule alone is
kept as a reported row that decides nothing.
"""

from __future__ import annotations

import copy
import dataclasses
import os
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import torch

from darts_core import Genotype, NBDigits, Supernet, derive_genotype, search
from darts_core.ops import PARAMETER_FREE
from darts_core.reproduce.common import seeded_supernet
from darts_core.reproduce.data import digits_splits
from darts_pt.projector import Projector
from darts_pt.selection import METRICS
from paperzoo_shared import mean_std
from paperzoo_shared.runner import Context, pyplot, threads

# issue #22 review: the paper's NAS-Bench-201 numbers were quoted from memory ("recalled") and the paper's text was
# not reachable to check them, so none is quoted; the one checked public number is the authors' rerun of the
# official code in its issue tracker (ruocwang/darts-pt issue #6), which is not the paper's table.
PAPER_NB201 = (
    "The paper's NAS-Bench-201 table is not quoted (its text could not be checked here). Authors' rerun of the "
    "official code, ruocwang/darts-pt issue #6: DARTS-PT 88.21 % and 88.18 % NAS-Bench-201 CIFAR-10 test accuracy "
    "(seeds 0 and 1)."
)
PAPER_PT_ACC = (
    "88.21 / 88.18 % (NB201 C10 test; authors' rerun, ruocwang/darts-pt issue #6, not the paper's table)"
)
LOOKUP = ("test_acc", "rank", "regret", "param_free_ops")
RULES = ("magnitude", "darts_rule")  # the argmax-α rules PT is compared with (issue #22 review: both)
LABELS = {
    "magnitude": "magnitude (argmax α, none allowed)",
    "darts_rule": "DARTS rule (argmax α, none excluded)",
    "pt": "DARTS-PT",
    "pt_fix_alpha": "DARTS-PT fix α",
}
SHORT = {"magnitude": "magnitude", "darts_rule": "DARTS rule"}
TICKS = {
    "magnitude": "magnitude\n(none allowed)",
    "darts_rule": "DARTS rule\n(none excluded)",
    "pt": "DARTS-PT",
    "pt_fix_alpha": "DARTS-PT fix α",
}
STRONGER = "the stronger argmax-α rule"  # how the deciding criteria name their baseline


@dataclasses.dataclass(frozen=True)
class Config:
    epochs: int = 30  # supernet search epochs
    C: int = 8
    batch_size: int = 100
    w_lr: float = 0.05
    w_lr_min: float = 0.001
    arch_lr: float = 3e-3
    interval_epochs: int = 3  # tau: fine-tuning epochs between decisions
    final_tune_epochs: int = 1
    finetune_lr: float = 0.005
    metric: str = "acc"
    fix_alpha: bool = True
    workers: int = 2  # processes over seeds on the CPU (1 torch thread each); results do not depend on it

    def __post_init__(self) -> None:
        for name in ("epochs", "C", "batch_size", "workers"):
            val = getattr(self, name)
            if not isinstance(val, int) or isinstance(val, bool) or val < 1:
                raise ValueError(f"nb_digits.{name} must be a positive int, got {val!r}")
        for name in ("interval_epochs", "final_tune_epochs"):
            val = getattr(self, name)
            if not isinstance(val, int) or isinstance(val, bool) or val < 0:
                raise ValueError(f"nb_digits.{name} must be an int >= 0, got {val!r}")
        for name in ("w_lr", "arch_lr", "finetune_lr"):
            if not getattr(self, name) > 0:
                raise ValueError(f"nb_digits.{name} must be > 0, got {getattr(self, name)!r}")
        if not self.w_lr_min >= 0:
            raise ValueError(f"nb_digits.w_lr_min must be >= 0, got {self.w_lr_min!r}")
        if self.metric not in METRICS:
            raise ValueError(f"nb_digits.metric must be one of {METRICS}, got {self.metric!r}")
        if not isinstance(self.fix_alpha, bool):
            raise ValueError(f"nb_digits.fix_alpha must be a bool, got {self.fix_alpha!r}")


def lookup(nb: NBDigits, g: Any) -> dict[str, Any]:
    """A cell's ground truth: test accuracy, rank among 125, regret, and how many of its ops are parameter-free."""
    return {
        "genotype": str(g),
        "test_acc": float(nb.query(g)["test_acc"]),
        "rank": nb.rank(g),
        "regret": float(nb.regret(g)),
        "param_free_ops": sum(op in PARAMETER_FREE for op in g.ops()),
    }


def darts_rule_genotype(model: Supernet) -> Genotype:
    """darts-core's standard DARTS rule on this supernet: argmax softmax(α) per edge with ``none`` excluded (the
    NB-digits space's own rule keeps ``none``, as NAS-Bench-201 does)."""
    with torch.no_grad():
        return derive_genotype(model.arch_weights(), model.space, exclude=("none",))


def run_seed(cfg: Config, seed: int, device: str = "cpu") -> dict[str, Any]:
    """One seed: search, magnitude and PT on the same checkpoint, then (``fix_alpha``) the fix-α supernet + PT.

    Runs on one torch thread (restored afterwards): the worker processes of the cpu preset, and in-process runs."""
    with threads(1):
        return _run_seed(cfg, seed, device)


def _run_seed(cfg: Config, seed: int, device: str) -> dict[str, Any]:
    nb = NBDigits()
    data = digits_splits()
    out: dict[str, Any] = {"seed": seed}
    for fixed in (False, True) if cfg.fix_alpha else (False,):
        model, train, val = seeded_supernet(seed, data, C=cfg.C, batch_size=cfg.batch_size, device=device)
        t0 = time.perf_counter()
        search(
            model,
            train,
            val,
            cfg.epochs,
            w_lr=cfg.w_lr,
            w_lr_min=cfg.w_lr_min,
            arch_lr=cfg.arch_lr,
            warmup_epochs=cfg.epochs if fixed else 0,  # fix α: α never updated
        )
        t_search = time.perf_counter() - t0
        checkpoint = copy.deepcopy(model.state_dict())
        if not fixed:  # both argmax-α rules read the same α (no randomness: PT's run below is unchanged)
            out["magnitude"] = lookup(nb, model.genotype())
            out["darts_rule"] = lookup(nb, darts_rule_genotype(model))
        model.load_state_dict(checkpoint)  # PT starts from the very same supernet
        t0 = time.perf_counter()
        proj = Projector(
            model,
            val,
            train,
            metric=cfg.metric,
            interval_epochs=cfg.interval_epochs,
            final_tune_epochs=cfg.final_tune_epochs,
            finetune_lr=cfg.finetune_lr,
            lr_schedule="constant",  # official NB201 projection: constant lr
            update_alpha=not fixed,
            arch_lr=cfg.arch_lr,
            seed=seed,
        )
        g = proj.run()
        t_select = time.perf_counter() - t0
        key = "pt_fix_alpha" if fixed else "pt"
        out[key] = lookup(nb, g) | {"select_time_s": t_select, "search_time_s": t_search}
        out[key]["decisions"] = [(d.index, d.op) for d in proj.decisions]
    return out


def run_seeds(cfg: Config, ctx: Context) -> list[dict[str, Any]]:
    """Every seed, over ``workers`` processes on the CPU (each seed's result does not depend on it)."""
    seeds = ctx.seeds
    workers = max(1, min(cfg.workers, len(seeds), os.cpu_count() or 1))
    if workers > 1 and ctx.device.type == "cpu":
        with ProcessPoolExecutor(workers) as ex:
            futs = [ex.submit(run_seed, cfg, s, "cpu") for s in seeds]
            return [f.result() for f in ctx.progress(futs, desc="seeds")]
    return [run_seed(cfg, s, str(ctx.device)) for s in ctx.progress(seeds, desc="seeds")]


def flat(o: dict[str, Any]) -> dict[str, Any]:
    """One seed's result as flat per-seed metrics (``"pt.regret"``)."""
    out: dict[str, Any] = {}
    for k, v in o.items():
        if isinstance(v, dict):
            out.update({f"{k}.{kk}": vv for kk, vv in v.items()})
        else:
            out[k] = v
    return out


def seed_row(o: dict[str, Any], fix_alpha: bool) -> list[Any]:
    fa = [o["pt_fix_alpha"]["genotype"], round(o["pt_fix_alpha"]["regret"], 3)] if fix_alpha else ["—", None]
    return [
        str(o["seed"]),
        o["magnitude"]["genotype"],
        round(o["magnitude"]["regret"], 3),
        o["darts_rule"]["genotype"],
        round(o["darts_rule"]["regret"], 3),
        o["pt"]["genotype"],
        round(o["pt"]["regret"], 3),
        *fa,
    ]


def stronger_rule(outs: list[dict[str, Any]]) -> str:
    """The argmax-α rule with the lower mean regret over the seeds (ties go to darts-core's DARTS rule): the
    baseline the criteria judge DARTS-PT against (issue #22 review: judge against the stronger baseline)."""
    mean = {r: sum(o[r]["regret"] for o in outs) / len(outs) for r in RULES}
    return "darts_rule" if mean["darts_rule"] <= mean["magnitude"] else "magnitude"


def summarise(ctx: Context, cfg: Config, outs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Mean ± std over seeds of each selector's lookups (and of the PT timings); both argmax-α rules are
    baselines, and the stronger one is named."""
    methods = [*RULES, "pt"] + (["pt_fix_alpha"] if cfg.fix_alpha else [])
    summ = {m: {k: mean_std([o[m][k] for o in outs]) for k in LOOKUP} for m in methods}
    for m in methods[len(RULES) :]:
        for k in ("select_time_s", "search_time_s"):
            summ[m][k] = mean_std([o[m][k] for o in outs])
    for m in methods:
        for k, v in summ[m].items():
            ctx.set_summary(f"{m}.{k}", v)
    nb = NBDigits()
    best_g, best = nb.best()
    for r in RULES:
        for k, v in summ[r].items():
            ctx.set_baseline(f"{r}.{k}", v)
    ctx.set_baseline("stronger_rule", stronger_rule(outs))
    ctx.set_baseline("best_cell", str(best_g))
    ctx.set_baseline("best_test_acc", best["test_acc"])
    ctx.set_paper("nb201", PAPER_NB201)
    return summ


def add_rows(ctx: Context, cfg: Config, summ: dict[str, dict[str, Any]], outs: list[dict[str, Any]]) -> None:
    """PT's (and fix α's) numbers against each argmax-α rule in turn: the ``baseline`` column is the rule the
    metric names."""
    setting = f"NB-digits-3e5o, {cfg.epochs}-epoch supernet, τ={cfg.interval_epochs} (CPU-scale)"
    pt = summ["pt"]
    for r in RULES:
        rule = LABELS[r]
        base = summ[r]
        ctx.add_row(
            setting,
            f"test acc of selected cell, DARTS-PT vs {rule}",
            pt["test_acc"],
            paper=PAPER_PT_ACC if r == "magnitude" else None,
            baseline=base["test_acc"],
        )
        ctx.add_row(
            setting, f"regret (best - selected), DARTS-PT vs {rule}", pt["regret"], baseline=base["regret"]
        )
        ctx.add_row(setting, f"rank among 125, DARTS-PT vs {rule}", pt["rank"], baseline=base["rank"])
        if cfg.fix_alpha:
            fa = summ["pt_fix_alpha"]
            ctx.add_row(
                setting,
                f"test acc of selected cell, DARTS-PT fix α vs {rule}",
                fa["test_acc"],
                baseline=base["test_acc"],
            )
            ctx.add_row(setting, f"regret, DARTS-PT fix α vs {rule}", fa["regret"], baseline=base["regret"])
    ratio = mean_std([o["pt"]["select_time_s"] / o["pt"]["search_time_s"] for o in outs])
    ctx.add_row(setting, "selection wall time / search wall time, DARTS-PT", ratio, paper=None, baseline=None)


def _comparisons(
    cfg: Config, outs: list[dict[str, Any]], rule: str, name: str
) -> list[tuple[str, bool, str]]:
    """The spec's comparisons of DARTS-PT (and fix α) with the argmax-α rule ``rule`` (called ``name``):
    ``(criterion, passed, detail)``."""
    base_r = [o[rule]["regret"] for o in outs]
    pt_r = [o["pt"]["regret"] for o in outs]
    no_worse = sum(p <= b + 1e-12 for p, b in zip(pt_r, base_r, strict=True))
    mb, mp = sum(base_r) / len(base_r), sum(pt_r) / len(pt_r)
    need = -(-7 * len(outs) // 10)
    bare = name.removeprefix("the ")
    out = [
        (f"mean regret(PT) < mean regret({bare})", mp < mb, f"{mp:.4f} vs {mb:.4f}"),
        (
            f"PT no worse than {name} on >= {need}/{len(outs)} seeds",
            no_worse >= need,
            f"{no_worse}/{len(outs)}",
        ),
    ]
    if cfg.fix_alpha:
        fr = [o["pt_fix_alpha"]["regret"] for o in outs]
        mf = sum(fr) / len(fr)
        out.append((f"mean regret(PT fix α) <= mean regret({bare})", mf <= mb, f"{mf:.4f} vs {mb:.4f}"))
    return out


def add_criteria(ctx: Context, cfg: Config, outs: list[dict[str, Any]]) -> None:
    """The spec's pass criteria, judged against the stronger argmax-α rule (issue #22 review): mean regret(PT)
    below the rule's, PT no worse on >= 70 % of the seeds, and (``fix_alpha``) mean regret(PT fix α) <= the rule's.

    The same comparisons against the magnitude rule alone (the first run's criteria) are reported in a row that
    decides nothing."""
    strong = stronger_rule(outs)
    means = {r: sum(o[r]["regret"] for o in outs) / len(outs) for r in RULES}
    which = (
        f"stronger rule: {SHORT[strong]}; mean regret magnitude {means['magnitude']:.4f}, "
        f"DARTS rule {means['darts_rule']:.4f}"
    )
    for name, passed, detail in _comparisons(cfg, outs, strong, STRONGER):
        ctx.add_criterion(name, passed, f"{detail} ({which})")
    setting = f"NB-digits-3e5o, {cfg.epochs}-epoch supernet, τ={cfg.interval_epochs} (CPU-scale)"
    ctx.add_row(
        setting,
        "first run's criteria, vs magnitude alone (reported, not deciding: issue #22 review)",
        "; ".join(
            f"{'✓' if ok else '✗'} {name} ({detail})"
            for name, ok, detail in _comparisons(cfg, outs, "magnitude", "magnitude")
        ),
        paper=None,
        baseline=None,
    )


def run(cfg: Config, ctx: Context) -> None:
    outs = run_seeds(cfg, ctx)
    for o in outs:
        ctx.add_seed(o["seed"], flat(o))
    ctx.add_table(
        "seeds",
        [
            "seed",
            "magnitude cell",
            "regret",
            "DARTS rule cell",
            "regret",
            "DARTS-PT cell",
            "regret",
            "DARTS-PT fix α cell",
            "regret",
        ],
        [seed_row(o, cfg.fix_alpha) for o in outs],
    )
    summ = summarise(ctx, cfg, outs)
    add_rows(ctx, cfg, summ, outs)
    add_criteria(ctx, cfg, outs)
    ctx.add_note(
        "The magnitude rule, the DARTS rule and DARTS-PT select from the same trained supernet (a state_dict copy); "
        "fix α trains a second supernet with α frozen. Ground truth: darts-core's NB-digits-3e5o table (test_acc, "
        "mean of 5 seeds). Criteria: against the argmax-α rule with the lower mean regret (issue #22 review)."
    )


def draw(ctx: Context) -> None:
    """Per seed, the ground-truth regret of the cell each selector picks from the same supernet."""
    rows = [e["metrics"] for e in ctx.results.per_seed if e.get("study") == ctx.study]
    methods = [m for m in LABELS if all(f"{m}.regret" in r for r in rows)]
    if not rows:
        return
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(8, 4))
    x = list(range(len(methods)))
    for r in rows:
        ax.plot(x, [r[f"{m}.regret"] for m in methods], "-", color="0.75", lw=1, zorder=1)
    for i, m in enumerate(methods):
        vals = [r[f"{m}.regret"] for r in rows]
        ax.scatter(
            [i] * len(vals), vals, s=22, zorder=2, label=f"{LABELS[m]}: mean {sum(vals) / len(vals):.3f}"
        )
    nb = NBDigits()
    ax.axhline(nb.random_regret(), color="tab:gray", ls=":", lw=1, label="random cell (expectation)")
    ax.set_xticks(x, [TICKS[m] for m in methods])
    ax.set_ylabel("ground-truth regret (best - selected test acc)")
    ax.set_yscale("symlog", linthresh=0.01)
    top = max([nb.random_regret()] + [r[f"{m}.regret"] for r in rows for m in methods])
    ax.set_ylim(0, 1.5 * top)
    ax.set_title(f"NB-digits-3e5o, same supernets, {len(rows)} seeds")
    ax.legend(fontsize=8)
    fig.tight_layout()
    ctx.save_figure(
        fig,
        "regret_per_seed",
        "Ground-truth regret of the cell selected by the magnitude rule (none allowed), the DARTS rule (none "
        "excluded), DARTS-PT and DARTS-PT fix α from the same supernets (one line per seed; symmetric log scale, "
        "linear below 0.01)",
    )
