"""The long-search protocol shared by the DARTS-variant reproductions (rarts, sd-darts, sharpdarts).

At 30 search epochs DARTS already picks near-optimal cells of NB-digits-3e5o, so a regret criterion cannot
separate methods there; at 120 epochs (cosine over 120) first-order DARTS drifts to pooling on some seeds. The
protocol (rarts.md's Planner's note, turn 2):

* the search recipe of :class:`~darts_core.reproduce.common.SearchRecipe` with 120 epochs (the cosine over 120);
* every arm selects by the DARTS rule (argmax per edge, ``none`` excluded) and is scored by the shipped ground
  truth; a seed **collapses** when its regret is >= 0.01;
* verdict seeds 0-7 (pilot runs use seeds >= 100);
* :func:`collapse_rule`: the better DARTS arm (DARTS-1st or DARTS-2nd, lower mean regret) is the reference; if it
  collapses on fewer than 3 seeds the accuracy claim is untestable at this scale; otherwise the method passes when
  it collapses on at most half as many seeds as the reference (rounded down) and has a strictly lower mean regret.

:func:`run_arm` runs one search of one arm on the seeded supernet (the same supernet, data and loader order as
darts-core's and darts-pt's reproductions); a method plugs in through ``make_architect`` (its own
:class:`~darts_core.Architect` subclass), ``make_model`` (e.g. two networks sharing one α) and ``callbacks``.
:func:`map_arms` runs independent searches in worker processes: each search seeds itself, so its numbers are the
ones a serial run gives (one torch thread per worker).
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import math
import multiprocessing
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import torch
from torch import nn

from darts_core.bench import NBDigits
from darts_core.bilevel import Architect, search
from darts_core.genotype import derive_genotype
from darts_core.reproduce.common import Data, SearchRecipe, seeded_supernet
from darts_core.supernet import Supernet

VERDICT_SEEDS: tuple[int, ...] = tuple(range(8))
"""The verdict seeds of the protocol (pilot runs use seeds >= 100)."""
COLLAPSE_REGRET = 0.01
"""A seed collapses when the regret of its DARTS-rule cell is at least this."""
MIN_REFERENCE_COLLAPSES = 3
"""Below this many collapses of the better DARTS arm, the accuracy claim is untestable."""
DARTS_ARMS: dict[str, int] = {"DARTS-1st": 1, "DARTS-2nd": 2}
"""The standard arms (name -> order); DARTS-2nd uses the official finite-difference Hessian-vector product."""


@dataclasses.dataclass(frozen=True)
class LongSearchRecipe(SearchRecipe):
    """darts-core's cpu search recipe with 120 epochs (cosine over 120): the long-search protocol."""

    STUDY: ClassVar[str] = "long_search"

    epochs: int = 120


MakeArchitect = Callable[[Any, SearchRecipe, int], Architect]
"""``make_architect(model, recipe, order) -> Architect``: a method's architect for the searched model."""
MakeModel = Callable[[Supernet], nn.Module]
"""``make_model(supernet) -> model``: what is searched, built from the seeded supernet (identity by default)."""


def standard_architect(model: Any, recipe: SearchRecipe, order: int) -> Architect:
    """darts-core's DARTS architect with the recipe's α optimiser (first or second order)."""
    return Architect(model, order=order, arch_lr=recipe.arch_lr, arch_wd=recipe.arch_wd)


def score_weights(weights: dict[str, torch.Tensor], nb: NBDigits) -> dict[str, Any]:
    """The DARTS-rule cell of the op weights (argmax per edge, ``none`` excluded) and its ground truth:
    ``{"genotype", "test_acc", "regret", "rank", "collapsed"}``."""
    g = derive_genotype(weights, nb.space, exclude=("none",))
    regret = float(nb.regret(g))
    return {
        "genotype": str(g),
        "test_acc": float(nb.query(g)["test_acc"]),
        "regret": regret,
        "rank": int(nb.rank(g)),
        "collapsed": regret >= COLLAPSE_REGRET,
    }


def run_arm(
    recipe: SearchRecipe,
    seed: int,
    data: Data,
    device: torch.device | str = "cpu",
    *,
    order: int = 1,
    make_architect: MakeArchitect | None = None,
    make_model: MakeModel | None = None,
    callbacks: Sequence[Any] = (),
    checkpoints: Sequence[int] = (),
) -> dict[str, Any]:
    """One search of one arm on the seeded NB-digits-3e5o supernet, scored by the DARTS rule.

    Args:
        recipe: the search recipe (:class:`LongSearchRecipe` for the protocol).
        seed: the seed of the supernet's initialisation and of the loaders' order.
        data: ``digits_splits(600, 600, 0)``.
        device: where the search runs.
        order: 1 or 2, passed to ``make_architect``.
        make_architect: the method's architect (default: darts-core's DARTS architect of ``order``).
        make_model: builds the searched module from the seeded supernet (default: the supernet itself).
        callbacks: passed to :func:`darts_core.search` (``on_step`` / ``on_epoch_end``).
        checkpoints: epochs (1-based) at which the DARTS-rule cell is scored too.

    Returns:
        ``{"seed", "order", "genotype", "test_acc", "regret", "rank", "collapsed", "train_acc", "train_loss",
        "at": {epoch: score}, "seconds"}``: the final cell's scores, the supernet's training accuracy and loss
        in the last epoch, the scores at ``checkpoints`` and the search's wall time.
    """
    import time

    if order not in (1, 2):
        raise ValueError(f"order must be 1 or 2, got {order!r}")
    bad = [c for c in checkpoints if not isinstance(c, int) or not 1 <= c <= recipe.epochs]
    if bad:
        raise ValueError(f"checkpoints must be epochs in 1..{recipe.epochs}, got {bad!r}")
    nb = NBDigits()
    supernet, train, val = seeded_supernet(
        seed, data, C=recipe.C, batch_size=recipe.batch_size, device=device
    )
    model: nn.Module = supernet if make_model is None else make_model(supernet)
    architect = (make_architect or standard_architect)(model, recipe, order)
    start = time.perf_counter()
    res = search(
        model,
        train,
        val,
        recipe.epochs,
        order=order,
        architect=architect,
        w_lr=recipe.w_lr,
        w_lr_min=recipe.w_lr_min,
        momentum=recipe.momentum,
        wd=recipe.wd,
        grad_clip=recipe.grad_clip,
        callbacks=callbacks,
    )
    seconds = time.perf_counter() - start
    last = res.history[-1]
    out = {"seed": seed, "order": order, **score_weights(last["weights"], nb)}
    out["train_acc"], out["train_loss"] = float(last["train_acc"]), float(last["train_loss"])
    out["at"] = {int(c): score_weights(res.history[c - 1]["weights"], nb) for c in checkpoints}
    out["seconds"] = seconds
    return out


def _one_thread_call(job: tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]) -> Any:
    fn, args, kwargs = job
    torch.set_num_threads(1)
    return fn(*args, **kwargs)


def map_arms(
    fn: Callable[..., Any],
    jobs: Sequence[tuple[tuple[Any, ...], dict[str, Any]]],
    *,
    workers: int = 1,
    progress: Callable[..., Any] | None = None,
) -> list[Any]:
    """``[fn(*args, **kwargs) for args, kwargs in jobs]``, in ``workers`` spawned processes of one torch thread
    each when ``workers > 1`` (``fn`` and its arguments must be picklable: module-level functions). Results come
    back in the order of ``jobs``; a search seeds itself, so each equals what a serial call returns."""
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers must be a positive int, got {workers!r}")
    calls = [(fn, tuple(args), dict(kwargs)) for args, kwargs in jobs]
    if workers == 1:
        it = calls if progress is None else progress(calls)
        return [_one_thread_call(c) for c in it]
    ctx = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        futures = [pool.submit(_one_thread_call, c) for c in calls]
        done = concurrent.futures.as_completed(futures)
        for _ in done if progress is None else progress(done, total=len(futures)):
            pass
        return [f.result() for f in futures]


def collapse_rule(
    method: Sequence[float],
    darts1: Sequence[float],
    darts2: Sequence[float],
    *,
    threshold: float = COLLAPSE_REGRET,
    min_reference_collapses: int = MIN_REFERENCE_COLLAPSES,
) -> dict[str, Any]:
    """The protocol's verdict from the per-seed regrets of the method and of the two DARTS arms.

    Returns:
        ``{"reference", "collapses": {"method", "DARTS-1st", "DARTS-2nd"}, "mean_regret": {...}, "testable",
        "passed", "detail"}``; ``passed`` is None when the claim is untestable (the better DARTS arm collapsed
        on fewer than ``min_reference_collapses`` seeds).
    """
    arms = {"method": list(method), "DARTS-1st": list(darts1), "DARTS-2nd": list(darts2)}
    for name, vals in arms.items():
        if not vals or any(not isinstance(v, (int, float)) or not math.isfinite(v) for v in vals):
            raise ValueError(f"{name} regrets must be a non-empty sequence of finite numbers, got {vals!r}")
    if not len(arms["method"]) == len(arms["DARTS-1st"]) == len(arms["DARTS-2nd"]):
        raise ValueError(
            "method, darts1 and darts2 must hold one regret per verdict seed each (same lengths)"
        )
    collapses = {k: sum(v >= threshold for v in vals) for k, vals in arms.items()}
    means = {k: sum(vals) / len(vals) for k, vals in arms.items()}
    ref = "DARTS-1st" if means["DARTS-1st"] <= means["DARTS-2nd"] else "DARTS-2nd"
    n = len(arms["method"])
    testable = collapses[ref] >= min_reference_collapses
    allowed = collapses[ref] // 2
    passed = (collapses["method"] <= allowed and means["method"] < means[ref]) if testable else None
    detail = (
        f"collapses (regret >= {threshold}) method {collapses['method']}/{n}, {ref} {collapses[ref]}/{n} "
        f"(allowed <= {allowed}); mean regret method {means['method']:.4f} vs {ref} {means[ref]:.4f}"
    )
    if not testable:
        detail = (
            f"untestable at this scale: the better DARTS arm ({ref}) collapsed on {collapses[ref]}/{n} seeds "
            f"(< {min_reference_collapses}); " + detail
        )
    return {
        "reference": ref,
        "collapses": collapses,
        "mean_regret": means,
        "testable": testable,
        "passed": passed,
        "detail": detail,
    }
