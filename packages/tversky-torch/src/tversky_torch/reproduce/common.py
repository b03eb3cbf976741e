"""Small helpers of the studies: validation of config fields (messages name ``study.field``) and seed labels."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any


def positive_int(where: str, value: Any, *, optional: bool = False, minimum: int = 1) -> None:
    """``value`` is an int >= ``minimum`` (or None when ``optional``); else ValueError naming ``where``."""
    if optional and value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        kind = f"an int >= {minimum}" + (" or None" if optional else "")
        raise ValueError(f"{where} must be {kind}, got {value!r}")


def positive_float(where: str, value: Any) -> None:
    """``value`` is a finite number > 0; else ValueError naming ``where``."""
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or value <= 0
    ):
        raise ValueError(f"{where} must be a finite number > 0, got {value!r}")


def one_of(where: str, value: Any, allowed: Iterable[Any], *, optional: bool = False) -> None:
    """``value`` is one of ``allowed`` (or None when ``optional``); else ValueError naming ``where``."""
    allowed = tuple(allowed)
    if optional and value is None:
        return
    if value not in allowed:
        raise ValueError(f"{where} must be one of {allowed}{' or None' if optional else ''}, got {value!r}")


def non_empty(where: str, values: Sequence[Any], check: Any) -> None:
    """``values`` is a non-empty tuple whose items each pass ``check(f"{where}[i]", item)``."""
    if not isinstance(values, tuple) or not values:
        raise ValueError(f"{where} must be a non-empty tuple, got {values!r}")
    for i, v in enumerate(values):
        check(f"{where}[{i}]", v)


def seed_label(seeds: Sequence[int]) -> str:
    """``"0-199"`` for a run of consecutive seeds, else the seeds joined by commas."""
    seeds = list(seeds)
    if len(seeds) > 1 and seeds == list(range(seeds[0], seeds[0] + len(seeds))):
        return f"{seeds[0]}-{seeds[-1]}"
    return ", ".join(map(str, seeds))
