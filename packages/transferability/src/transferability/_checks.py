"""Argument checks shared by the public functions (clear errors that name the argument, at the boundary)."""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from torch import nn


def check_int(name: str, v: Any, lo: int = 1, *, none: bool = False) -> Any:
    """``v`` as an int ``>= lo`` (bools refused); ``None`` passes when ``none``."""
    if v is None and none:
        return None
    if isinstance(v, bool) or not isinstance(v, int) or v < lo:
        extra = " or None" if none else ""
        raise ValueError(f"{name} must be an int >= {lo}{extra}, got {v!r}")
    return v


def check_number(
    name: str,
    v: Any,
    *,
    lo: float = -math.inf,
    hi: float = math.inf,
    lo_open: bool = False,
    hi_open: bool = False,
) -> float:
    """``v`` as a finite float in the interval ``lo..hi`` (open ends where asked)."""
    ok = isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
    if ok:
        ok = (v > lo if lo_open else v >= lo) and (v < hi if hi_open else v <= hi)
    if not ok:
        left, right = "(" if lo_open else "[", ")" if hi_open else "]"
        raise ValueError(f"{name} must be a finite number in {left}{lo}, {hi}{right}, got {v!r}")
    return float(v)


def check_callable(name: str, fn: Any) -> None:
    if not callable(fn):
        raise TypeError(f"{name} must be callable, got {type(fn).__name__}")


def check_path(name: str, p: Any) -> Path | None:
    if p is None:
        return None
    if not isinstance(p, (str, os.PathLike)):
        raise TypeError(f"{name} must be a path (str or os.PathLike) or None, got {type(p).__name__}")
    return Path(p)


def check_tensor(name: str, t: Any) -> torch.Tensor:
    if not isinstance(t, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(t).__name__}")
    return t


def check_seed(name: str, seed: Any) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**32:
        raise ValueError(f"{name} must be an int in 0..2**32-1, got {seed!r}")
    return seed


def check_model(model: Any) -> nn.Module:
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be an nn.Module, got {type(model).__name__}")
    return model


def model_dtype(model: nn.Module) -> torch.dtype | None:
    """The dtype of the model's first floating-point parameter or buffer (None: it has none)."""
    for t in (*model.parameters(), *model.buffers()):
        if t.is_floating_point():
            return t.dtype
    return None


def check_input_dtype(name: str, x: torch.Tensor, model: nn.Module) -> None:
    """A floating input must have the model's dtype (as ``nn.Linear`` needs): a clear TypeError otherwise."""
    dt = model_dtype(model)
    if x.is_floating_point() and dt is not None and x.dtype != dt:
        raise TypeError(
            f"{name} has dtype {x.dtype} but the model's parameters are {dt}: the dtypes must match; pass "
            f"{name}.to({dt}) (or model.to({x.dtype}))"
        )


def check_device(name: str, x: torch.Tensor, model: nn.Module) -> None:
    """``x`` must be on the device of the model's parameters: a clear ValueError naming both devices."""
    for p in model.parameters():
        if p.device != x.device:
            raise ValueError(
                f"{name} is on device {x.device} but the model is on {p.device}: move one of them "
                f"({name}.to({str(p.device)!r}) or model.to({str(x.device)!r}))"
            )
        return


def first_call(name: str, x: torch.Tensor, fn: Callable[[torch.Tensor], Any], *, batch: bool = False) -> Any:
    """``fn(x)`` with a shape or type error of the model re-raised as one naming ``name`` and its shape."""
    try:
        return fn(x)
    except torch.OutOfMemoryError:
        raise
    except (RuntimeError, TypeError, IndexError) as err:
        raise ValueError(
            f"the model could not take {'a batch of ' if batch else ''}{name} of shape {tuple(x.shape)} "
            f"(dtype {x.dtype}): {err}"
        ) from err
