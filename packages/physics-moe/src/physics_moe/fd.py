"""Finite differences on a (possibly non-uniform) mesh, as the official code differentiates the basis.

Central differences ``(f[i+1] - f[i-1]) / (x[i+1] - x[i-1])`` in the interior, first-order one-sided differences at
the two end nodes; the second derivative is the first derivative applied twice. Differentiation is linear, so the
derivative of ``b @ w`` is the derivative of ``b`` contracted with ``w``: the hard-constraint layer precomputes the
derivatives of every basis channel once per forward pass.
"""

from __future__ import annotations

import torch

from physics_moe._checks import check_increasing


def _check(u: torch.Tensor, coords: torch.Tensor, dim: int) -> int:
    if not isinstance(u, torch.Tensor) or not isinstance(coords, torch.Tensor):
        raise TypeError(
            f"fd: u and coords must be tensors, got {type(u).__name__} and {type(coords).__name__}"
        )
    if not u.is_floating_point():
        raise TypeError(f"fd: u must be a floating-point tensor, got dtype {u.dtype}")
    if isinstance(dim, bool) or not isinstance(dim, int) or not -u.ndim <= dim < u.ndim:
        raise ValueError(
            f"fd: dim must be an int in {-u.ndim}..{u.ndim - 1} for u of shape {tuple(u.shape)}, got {dim!r}"
        )
    if coords.ndim != 1:
        raise ValueError(f"fd: coords must be 1-D node positions, got shape {tuple(coords.shape)}")
    d = dim % u.ndim
    if u.shape[d] != coords.shape[0]:
        raise ValueError(
            f"fd: u has {u.shape[d]} nodes along dim {dim} but coords has {coords.shape[0]} (shapes "
            f"{tuple(u.shape)} and {tuple(coords.shape)})"
        )
    if coords.shape[0] < 2:
        raise ValueError(f"fd: need at least 2 nodes along dim {dim}, got {coords.shape[0]}")
    return d


def fd_first(u: torch.Tensor, coords: torch.Tensor, dim: int) -> torch.Tensor:
    """First derivative of ``u`` along ``dim``: central inside, one-sided (first order) at both ends.

    Args:
        u: values on the mesh, any shape; ``u.shape[dim]`` nodes along the differentiated axis.
        coords: strictly increasing node positions along that axis, shape ``(u.shape[dim],)``.
        dim: the axis to differentiate.

    Returns:
        A tensor shaped like ``u``.
    """
    _check(u, coords, dim)
    check_increasing("coords", coords)
    return _fd_first(u, coords, dim)


def _fd_first(u: torch.Tensor, coords: torch.Tensor, dim: int) -> torch.Tensor:
    """:func:`fd_first` without the (synchronising) monotonicity check: the PDE terms call it every forward."""
    d = _check(u, coords, dim)
    c = coords.to(dtype=u.dtype, device=u.device)
    shape = [1] * u.ndim
    shape[d] = -1
    n = u.shape[d]
    if n == 2:
        diff = (u.narrow(d, 1, 1) - u.narrow(d, 0, 1)) / (c[1] - c[0])
        return torch.cat([diff, diff], dim=d)
    inner = (u.narrow(d, 2, n - 2) - u.narrow(d, 0, n - 2)) / (c[2:] - c[:-2]).reshape(shape)
    left = (u.narrow(d, 1, 1) - u.narrow(d, 0, 1)) / (c[1] - c[0])
    right = (u.narrow(d, n - 1, 1) - u.narrow(d, n - 2, 1)) / (c[-1] - c[-2])
    return torch.cat([left, inner, right], dim=d)


def fd_second(u: torch.Tensor, coords: torch.Tensor, dim: int) -> torch.Tensor:
    """Second derivative of ``u`` along ``dim``: :func:`fd_first` applied twice (as the official code does).

    Args:
        u: values on the mesh, any shape.
        coords: strictly increasing node positions along ``dim``.
        dim: the axis to differentiate.

    Returns:
        A tensor shaped like ``u``.
    """
    _check(u, coords, dim)
    check_increasing("coords", coords)
    return _fd_first(_fd_first(u, coords, dim), coords, dim)
