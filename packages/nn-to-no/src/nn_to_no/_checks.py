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


def _param_like(module: torch.nn.Module) -> torch.Tensor | None:
    for t in (*module.parameters(), *module.buffers()):
        if t.is_floating_point():
            return t
    return None


def check_module_input(name: str, x: torch.Tensor, module: torch.nn.Module, *, dtype: bool = True) -> None:
    """``x`` must sit on the module's device and (with ``dtype``, outside autocast) share its floating dtype."""
    p = _param_like(module)
    if p is None:
        return
    if x.device != p.device:
        raise ValueError(
            f"{name} is on device {x.device} but the module is on {p.device}: move one of them "
            f"({name}.to({str(p.device)!r}) or module.to({str(x.device)!r}))"
        )
    if (
        dtype
        and x.is_floating_point()
        and x.dtype != p.dtype
        and not torch.is_autocast_enabled(x.device.type)
    ):
        raise TypeError(
            f"{name} has dtype {x.dtype} but the module's parameters are {p.dtype}: the dtypes must match; pass "
            f"{name}.to({p.dtype}) (or convert the module with .to({x.dtype}))"
        )


def check_callable(name: str, fn: object, *, none: bool = False) -> None:
    if fn is None and none:
        return
    if not callable(fn):
        raise TypeError(f"{name} must be callable{' or None' if none else ''}, got {type(fn).__name__}")


def check_resolution(name: str, r: object) -> tuple[int, int]:
    """An int ``N`` (for ``(N, N)``) or an ``(H, W)`` pair of positive ints."""
    pair = (r, r) if isinstance(r, int) and not isinstance(r, bool) else r
    if not isinstance(pair, (tuple, list)) or len(pair) != 2:
        raise ValueError(f"{name} must be a positive int or an (H, W) pair of them, got {r!r}")
    return (check_positive_int(name, pair[0]), check_positive_int(name, pair[1]))


def check_spatial_dims(name: str, dims: object) -> int:
    if isinstance(dims, bool) or not isinstance(dims, int) or not 1 <= dims <= 3:
        raise ValueError(f"{name} must be 1, 2 or 3 (the trailing spatial axes), got {dims!r}")
    return dims
