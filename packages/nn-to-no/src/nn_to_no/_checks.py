"""Small validation helpers shared by the modules (public boundary checks, clear messages)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch


def check_positive_int(name: str, value: object, *, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return value


def check_positive_float(name: str, value: object) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or value <= 0
    ):
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    return float(value)


def check_choice(name: str, value: object, choices: Sequence[str]) -> str:
    if value not in choices:
        raise ValueError(f"{name} must be one of {tuple(choices)}, got {value!r}")
    return str(value)


def check_tensor(name: str, x: object, *, ndim: int | tuple[int, ...], finite: bool = True) -> torch.Tensor:
    """Check that ``x`` is a floating tensor with ``ndim`` dimensions and (optionally) no NaN/inf values."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(x).__name__}")
    dims = (ndim,) if isinstance(ndim, int) else ndim
    if x.ndim not in dims:
        raise ValueError(
            f"{name} must have {' or '.join(map(str, dims))} dimensions, got shape {tuple(x.shape)}"
        )
    if not (x.is_floating_point() or x.is_complex()):
        raise TypeError(f"{name} must be a floating tensor, got dtype {x.dtype}")
    if finite and not torch.isfinite(x).all():
        raise ValueError(f"{name} contains NaN or inf values")
    return x


def check_square(name: str, x: torch.Tensor) -> int:
    """Spatial size of a square ``(B, C, N, N)`` grid; a clear error for rectangles."""
    if x.shape[-1] != x.shape[-2]:
        raise ValueError(
            f"{name} must be sampled on a square grid (B, C, N, N), got spatial shape {tuple(x.shape[-2:])}"
        )
    return int(x.shape[-1])
