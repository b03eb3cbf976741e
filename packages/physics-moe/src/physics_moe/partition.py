"""Domain decomposition for the mixture of experts: equal contiguous blocks along every grid axis.

``experts=(1, 4)`` on a ``(n_t, n_x)`` grid keeps time whole and cuts space into 4 blocks (the paper's
diffusion-sorption setting); ``(1, 2, 2)`` cuts a ``(n_t, n_x, n_y)`` grid into 2 x 2 spatial blocks (its
Navier-Stokes setting). Expert ``k`` is numbered in row-major order over the block index.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch

AXES = ("t", "x", "y", "z")


def check_experts(grid_shape: Sequence[int], experts: Sequence[int]) -> tuple[int, ...]:
    """Validate an expert split of a grid and return it as a tuple.

    Args:
        grid_shape: the grid, e.g. ``(n_t, n_x)``.
        experts: number of blocks along each grid axis, same length as ``grid_shape``.

    Returns:
        ``tuple(experts)``.
    """
    if isinstance(experts, (str, bytes)) or not isinstance(experts, Sequence):
        raise ValueError(f"experts must be a sequence of ints (one per grid axis), got {experts!r}")
    if not all(isinstance(e, int) and not isinstance(e, bool) for e in experts):
        raise ValueError(f"experts must hold ints, got {tuple(experts)}")
    experts = tuple(experts)
    if len(experts) != len(grid_shape):
        raise ValueError(
            f"experts={experts} must give one count per grid axis; the grid has shape {tuple(grid_shape)}"
        )
    for i, (n, e) in enumerate(zip(grid_shape, experts, strict=True)):
        name = AXES[i] if i < len(AXES) else f"axis {i}"
        if e < 1:
            raise ValueError(f"experts must be >= 1 along every axis, got {experts}")
        if n % e:
            raise ValueError(f"n_{name}={n} not divisible by {e} experts along {name}")
    return experts


def _start(x: torch.Tensor, experts: Sequence[int], start_dim: int) -> tuple[int, int]:
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"x must be a torch.Tensor, got {type(x).__name__}")
    d = len(experts)
    if isinstance(start_dim, bool) or not isinstance(start_dim, int) or not -x.ndim <= start_dim < x.ndim:
        raise ValueError(
            f"start_dim must be an int in {-x.ndim}..{x.ndim - 1} for shape {tuple(x.shape)}, got {start_dim!r}"
        )
    s = start_dim % x.ndim
    if s + d > x.ndim:
        raise ValueError(
            f"start_dim={start_dim} leaves {x.ndim - s} axes of shape {tuple(x.shape)} for {d} grid axes (experts={experts})"
        )
    return s, d


def partition(x: torch.Tensor, experts: Sequence[int], *, start_dim: int = 0) -> torch.Tensor:
    """Cut the grid axes of ``x`` into expert blocks.

    Args:
        x: tensor whose axes ``start_dim .. start_dim + len(experts) - 1`` are the grid.
        experts: number of blocks along each grid axis.
        start_dim: the first grid axis of ``x``.

    Returns:
        ``x`` with the grid axes ``(g_1, ..., g_d)`` replaced by ``(K, g_1/e_1, ..., g_d/e_d)``, ``K = prod(e)``.
    """
    s, d = _start(x, experts, start_dim)
    grid = tuple(x.shape[s : s + d])
    experts = check_experts(grid, experts)
    pre, post = x.shape[:s], x.shape[s + d :]
    split: list[int] = []
    for n, e in zip(grid, experts, strict=True):
        split += [e, n // e]
    y = x.reshape(*pre, *split, *post)
    p = len(pre)
    order = list(range(p)) + [p + 2 * i for i in range(d)] + [p + 2 * i + 1 for i in range(d)]
    order += list(range(p + 2 * d, y.ndim))
    y = y.permute(order)
    return y.reshape(*pre, math.prod(experts), *(n // e for n, e in zip(grid, experts, strict=True)), *post)


def unpartition(xk: torch.Tensor, experts: Sequence[int], *, start_dim: int = 0) -> torch.Tensor:
    """Inverse of :func:`partition`: assemble expert blocks back into the grid.

    Args:
        xk: tensor with the expert axis at ``start_dim`` followed by the block axes.
        experts: number of blocks along each grid axis (as given to :func:`partition`).
        start_dim: the position of the expert axis.

    Returns:
        The assembled tensor with grid axes ``(g_1, ..., g_d)`` at ``start_dim``.
    """
    experts = tuple(int(e) for e in experts)
    d = len(experts)
    s = start_dim % xk.ndim
    if xk.shape[s] != math.prod(experts):
        raise ValueError(
            f"xk has {xk.shape[s]} experts on axis {s}, experts={experts} needs {math.prod(experts)}"
        )
    pre, block, post = xk.shape[:s], xk.shape[s + 1 : s + 1 + d], xk.shape[s + 1 + d :]
    y = xk.reshape(*pre, *experts, *block, *post)
    p = len(pre)
    order = list(range(p))
    for i in range(d):
        order += [p + i, p + d + i]
    order += list(range(p + 2 * d, y.ndim))
    y = y.permute(order)
    return y.reshape(*pre, *(e * b for e, b in zip(experts, block, strict=True)), *post)


def expert_index_map(grid_shape: Sequence[int], experts: Sequence[int]) -> torch.Tensor:
    """Which expert owns each grid point.

    Args:
        grid_shape: the grid, e.g. ``(n_t, n_x)``.
        experts: number of blocks along each grid axis.

    Returns:
        A long tensor of shape ``grid_shape`` with values in ``0 .. K-1``.
    """
    experts = check_experts(grid_shape, experts)
    k = math.prod(experts)
    block = [n // e for n, e in zip(grid_shape, experts, strict=True)]
    ids = torch.arange(k).reshape(k, *([1] * len(block))).expand(k, *block)
    return unpartition(ids, experts)
