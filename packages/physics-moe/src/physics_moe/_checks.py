"""Argument checks at the public boundary (clear errors naming the argument and what was expected)."""

from __future__ import annotations

import math
from typing import Any

import torch


def check_int(name: str, v: Any, lo: int = 1) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or v < lo:
        raise ValueError(f"{name} must be an int >= {lo}, got {v!r}")
    return v


def check_float(name: str, v: Any, *, lo: float = -math.inf, lo_open: bool = False) -> float:
    """A finite real number ``>= lo`` (``> lo`` with ``lo_open``)."""
    ok = isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
    if ok and lo > -math.inf:
        ok = v > lo if lo_open else v >= lo
    if not ok:
        bound = "" if lo == -math.inf else f" {'>' if lo_open else '>='} {lo}"
        raise ValueError(f"{name} must be a finite number{bound}, got {v!r}")
    return float(v)


def check_tensor(name: str, v: Any, *, floating: bool = True) -> torch.Tensor:
    if not isinstance(v, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(v).__name__}")
    if floating and not v.is_floating_point():
        raise TypeError(f"{name} must be a real floating-point tensor, got dtype {v.dtype}")
    return v


def check_pair(name: str, v: Any) -> tuple[int, int]:
    """Two ints >= 1 (a count per grid axis ``(t, x)``)."""
    if (
        isinstance(v, (str, bytes))
        or not isinstance(v, (tuple, list))
        or len(v) != 2
        or not all(isinstance(e, int) and not isinstance(e, bool) and e >= 1 for e in v)
    ):
        raise ValueError(f"{name} must be two ints >= 1 (t, x), got {v!r}")
    return int(v[0]), int(v[1])


def check_increasing(name: str, coords: torch.Tensor) -> None:
    """Node positions must be strictly increasing (finite differences divide by their gaps)."""
    if coords.numel() > 1 and not bool((coords[1:] > coords[:-1]).all()):
        raise ValueError(f"{name} must hold strictly increasing node positions, got {coords.tolist()[:8]}...")
