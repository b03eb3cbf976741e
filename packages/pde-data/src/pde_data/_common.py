"""Small helpers shared by the generators: argument checks, per-sample random streams, blocked evaluation."""

from __future__ import annotations

import numbers
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

# sample i of a dataset is computed inside the fixed block [BLOCK * (i // BLOCK), BLOCK * (i // BLOCK + 1)),
# whatever n, start and n_jobs were asked for: so sample i is byte-identical for any batch size and job count.
DEFAULT_BLOCK = 64


def check_int(name: str, value: Any, *, minimum: int | None = None) -> int:
    """``value`` as an int, or a TypeError/ValueError naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {type(value).__name__} ({value!r})")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return value


def check_real(name: str, value: Any, *, positive: bool = False, nonnegative: bool = False) -> float:
    """``value`` as a float, or a TypeError/ValueError naming ``name`` and the expected range."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} ({value!r})")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    if positive and value <= 0:
        raise ValueError(f"{name} must be > 0, got {value}")
    if nonnegative and value < 0:
        raise ValueError(f"{name} must be >= 0, got {value}")
    return value


def check_choice(name: str, value: Any, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise ValueError(f"{name} must be one of {list(choices)}, got {value!r}")
    return str(value)


def check_seed(seed: Any) -> int:
    return check_int("seed", seed, minimum=0)


def sample_rng(seed: int, index: int, stream: int = 0) -> np.random.Generator:
    """The random stream of sample ``index``: ``default_rng(SeedSequence([seed, index]))``.

    ``stream > 0`` gives further independent streams of the same sample (e.g. for query points).
    """
    entropy = [int(seed), int(index)] + ([int(stream)] if stream else [])
    return np.random.default_rng(np.random.SeedSequence(entropy))


def blocks(start: int, n: int, block: int = DEFAULT_BLOCK) -> Iterator[tuple[int, int, int, int]]:
    """Aligned blocks covering samples ``[start, start + n)``.

    Yields ``(block_start, block_stop, lo, hi)``: compute samples ``block_start .. block_stop - 1`` and keep the
    slice ``lo:hi`` of that block.
    """
    stop = start + n
    b = (start // block) * block
    while b < stop:
        lo = max(start - b, 0)
        hi = min(stop - b, block)
        yield b, b + block, lo, hi
        b += block


def blocked(
    fn: Callable[[int, int], np.ndarray], start: int, n: int, block: int = DEFAULT_BLOCK
) -> np.ndarray:
    """Concatenate ``fn(block_start, block_stop)[lo:hi]`` over the aligned blocks of ``[start, start + n)``."""
    parts = [fn(b0, b1)[lo:hi] for b0, b1, lo, hi in blocks(start, n, block)]
    return np.concatenate(parts, axis=0)


def as_float_array(name: str, value: Any, *, ndim: int | tuple[int, ...] | None = None) -> np.ndarray:
    """``value`` as a float64 array with finite entries (and ``ndim`` dimensions when given)."""
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{name} must be an array of real numbers, got {type(value).__name__}") from err
    if ndim is not None:
        dims = (ndim,) if isinstance(ndim, int) else ndim
        if arr.ndim not in dims:
            raise ValueError(
                f"{name} must have {' or '.join(map(str, dims))} dimensions, got shape {arr.shape}"
            )
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must contain only finite values")
    return arr


def periodic_grid(size: int) -> np.ndarray:
    """The ``size`` points ``0, 1/size, ..., (size - 1)/size`` of a periodic grid on ``[0, 1)``."""
    return np.arange(size) / size
