"""Numbers derived from the protocol's nets (paper Sec. 4.1 and Table 1).

* ``curves``: mean accuracy per treatment and depth (the lines of Fig. 2; base at n = 0);
* ``effects``: per depth, the co-adaptation drop ``BnB(n) - base``, the specificity drop ``AnB(n) - BnB(n)``
  and the fine-tuning boost ``AnB+(n) - base``;
* ``boosts``: Table 1 style: the mean of ``AnB+(n) - base`` over ranges of depths.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from transferability.protocol import TransferResult

__all__ = ["boosts", "curves", "effects", "per_target"]


def _check(results: Sequence[TransferResult]) -> None:
    if not results:
        raise ValueError("results is empty: run a TransferExperiment first")
    if not any(r.treatment == "base" for r in results):
        raise ValueError("results hold no base nets (treatment 'base'), so nothing to compare against")


def per_target(results: Sequence[TransferResult]) -> dict[tuple[int, int, str], dict[tuple[str, int], float]]:
    """Accuracies grouped by target task ``(split_seed, seed, target)`` -> ``{(treatment, n): accuracy}``."""
    out: dict[tuple[int, int, str], dict[tuple[str, int], float]] = defaultdict(dict)
    for r in results:
        out[(r.split_seed, r.seed, r.target)][(r.treatment, r.n)] = r.accuracy
    return dict(out)


def curves(results: Sequence[TransferResult]) -> dict[str, dict[int, dict[str, Any]]]:
    """Mean, standard deviation and count of the accuracy per treatment and depth.

    Args:
        results: nets from :meth:`TransferExperiment.run`.

    Returns:
        ``{treatment: {n: {"mean", "std", "n"}}}``; ``"base"`` has the single depth 0.
    """
    _check(results)
    acc: dict[str, dict[int, list[float]]] = defaultdict(lambda: defaultdict(list))
    for r in results:
        acc[r.treatment][r.n].append(r.accuracy)
    return {
        t: {
            n: {"mean": float(np.mean(v)), "std": float(np.std(v)), "n": len(v)} for n, v in sorted(d.items())
        }
        for t, d in acc.items()
    }


def _paired(
    results: Sequence[TransferResult], a: tuple[str, int | None], b: tuple[str, int | None], n: int
) -> list[float]:
    diffs = []
    for cells in per_target(results).values():
        ka, kb = (a[0], n if a[1] is None else a[1]), (b[0], n if b[1] is None else b[1])
        if ka in cells and kb in cells:
            diffs.append(cells[ka] - cells[kb])
    return diffs


def effects(results: Sequence[TransferResult]) -> dict[int, dict[str, float]]:
    """Per depth n, the paper's decomposition (Sec. 4.1), as means of differences paired per target task.

    Args:
        results: nets from :meth:`TransferExperiment.run`.

    Returns:
        ``{n: {"coadaptation": BnB - base, "specificity": AnB - BnB, "boost": AnB+ - base,
        "random_gap": AnB - random}}`` (keys present where both treatments ran).
    """
    _check(results)
    ns = sorted({r.n for r in results if r.n > 0})
    pairs = {
        "coadaptation": (("BnB", None), ("base", 0)),
        "specificity": (("AnB", None), ("BnB", None)),
        "boost": (("AnB+", None), ("base", 0)),
        "selffer_ft": (("BnB+", None), ("base", 0)),
        "random_gap": (("AnB", None), ("random", None)),
    }
    out: dict[int, dict[str, float]] = {}
    for n in ns:
        row = {}
        for name, (a, b) in pairs.items():
            d = _paired(results, a, b, n)
            if d:
                row[name] = float(np.mean(d))
        out[n] = row
    return out


def boosts(
    results: Sequence[TransferResult],
    ranges: Iterable[tuple[int, int]] = ((1, 7), (3, 7), (5, 7)),
    *,
    treatment: str = "AnB+",
) -> list[dict[str, Any]]:
    """Table 1 of the paper: the mean improvement of ``treatment`` over the base net, aggregated over depths.

    Args:
        results: nets from :meth:`TransferExperiment.run`.
        ranges: inclusive ranges of n (the paper's 1-7, 3-7, 5-7); depths that were not run are skipped.
        treatment: the treatment compared with the base net.

    Returns:
        One dict per range: ``{"layers": "1-7", "mean_boost": ..., "n_nets": ...}`` (``mean_boost`` is None when
        no net of the range ran).
    """
    _check(results)
    ranges = list(ranges)
    for r in ranges:
        if (
            not isinstance(r, (tuple, list))
            or len(r) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in r)
            or not 0 <= r[0] <= r[1]
        ):
            raise ValueError(f"ranges must hold (lo, hi) int pairs with 0 <= lo <= hi, got {r!r}")
    known = sorted({r.treatment for r in results})
    if treatment not in known:
        raise ValueError(f"treatment {treatment!r} is not in results (treatments there: {known})")
    rows = []
    for lo, hi in ranges:
        diffs: list[float] = []
        for n in range(lo, hi + 1):
            diffs += _paired(results, (treatment, None), ("base", 0), n)
        rows.append(
            {
                "layers": f"{lo}-{hi}",
                "mean_boost": float(np.mean(diffs)) if diffs else None,
                "n_nets": len(diffs),
            }
        )
    return rows
