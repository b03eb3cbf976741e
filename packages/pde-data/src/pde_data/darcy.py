"""2-D Darcy flow (FNO, Li et al. 2021, Sec. 5.2): ``-div(a grad u) = f`` on ``(0,1)^2``, ``u = 0`` on the boundary.

Five-point finite differences on the node grid (``K`` nodes per side, ``h = 1/(K-1)``, ``(K-2)^2`` unknowns) with face
coefficients by the arithmetic mean ``a_{i+1/2,j} = (a_ij + a_{i+1,j})/2`` (as in FNO's MATLAB ``solve_gwf.m``); the
symmetric positive-definite sparse system is solved by SuperLU (``scipy.sparse.linalg.splu``).

Two grid conventions:

* ``grid="node"`` (default): ``a`` is given on the ``K x K`` nodes, the solution is returned on the nodes with exact
  zero boundary values.
* ``grid="canonical"`` (FNO's published data): ``a`` is given on the ``K x K`` cell-centre grid ``(j + 1/2)/K``,
  interpolated to the nodes by not-a-knot cubic splines (MATLAB ``interp2(..., 'spline')``), solved on the nodes, and
  the solution is spline-interpolated back to the cell centres (hence small non-zero boundary values).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.interpolate
import scipy.sparse
import scipy.sparse.linalg

from pde_data._common import as_float_array, check_choice

GRIDS = ("node", "canonical")


def darcy_matrix(a: np.ndarray) -> scipy.sparse.csc_matrix:
    """The FD matrix of ``-div(a grad .)`` for node coefficients ``a`` (``K x K``) on the ``(K-2)^2`` interior nodes.

    Unknown ``(i, j)`` (``1 <= i, j <= K-2``) has index ``(i-1)(K-2) + (j-1)``.
    """
    kk = a.shape[0]
    m = kk - 2
    h2 = 1.0 / (kk - 1) ** 2
    ax = 0.5 * (a[1:, :] + a[:-1, :])  # face (i+1/2, j), shape (K-1, K)
    ay = 0.5 * (a[:, 1:] + a[:, :-1])  # face (i, j+1/2), shape (K, K-1)
    e = ax[1:, 1:-1]  # east face of interior node (i+1/2)
    w = ax[:-1, 1:-1]  # west face (i-1/2)
    nn = ay[1:-1, 1:]  # north (j+1/2)
    s = ay[1:-1, :-1]  # south (j-1/2)
    diag = (e + w + nn + s).ravel() / h2
    idx = np.arange(m * m).reshape(m, m)
    rows = [idx.ravel()]
    cols = [idx.ravel()]
    vals = [diag]
    # neighbours in i (stride m) and j (stride 1)
    rows += [idx[:-1, :].ravel(), idx[1:, :].ravel(), idx[:, :-1].ravel(), idx[:, 1:].ravel()]
    cols += [idx[1:, :].ravel(), idx[:-1, :].ravel(), idx[:, 1:].ravel(), idx[:, :-1].ravel()]
    vals += [
        -e[:-1, :].ravel() / h2,
        -w[1:, :].ravel() / h2,
        -nn[:, :-1].ravel() / h2,
        -s[:, 1:].ravel() / h2,
    ]
    return scipy.sparse.csc_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(m * m, m * m)
    )


def cell_to_node(v: np.ndarray) -> np.ndarray:
    """Not-a-knot cubic-spline interpolation from the ``K x K`` cell-centre grid to the ``K x K`` node grid."""
    kk = v.shape[-1]
    xc = (np.arange(kk) + 0.5) / kk
    xn = np.linspace(0.0, 1.0, kk)
    out = scipy.interpolate.make_interp_spline(xc, v, k=3, axis=-2)(xn)
    out = np.moveaxis(out, 0, -2) if out.shape[-2] != kk else out
    return scipy.interpolate.make_interp_spline(xc, out, k=3, axis=-1)(xn)


def node_to_cell(v: np.ndarray) -> np.ndarray:
    """Not-a-knot cubic-spline interpolation from the ``K x K`` node grid to the ``K x K`` cell-centre grid."""
    kk = v.shape[-1]
    xc = (np.arange(kk) + 0.5) / kk
    xn = np.linspace(0.0, 1.0, kk)
    out = scipy.interpolate.make_interp_spline(xn, v, k=3, axis=-2)(xc)
    return scipy.interpolate.make_interp_spline(xn, out, k=3, axis=-1)(xc)


def solve_darcy_2d(a: Any, f: Any = 1.0, *, grid: str = "node") -> np.ndarray:
    """Solve ``-div(a grad u) = f``, ``u = 0`` on the boundary of the unit square.

    Args:
        a: coefficients ``(K, K)`` or ``(N, K, K)``, strictly positive (ellipticity); ``K >= 3``.
        f: scalar or an array broadcastable to ``a`` (FNO: ``f = 1``).
        grid: ``"node"`` or ``"canonical"`` (see the module docstring).

    Returns ``u`` with the shape of ``a`` (float64). One sparse LU per sample.
    """
    grid = check_choice("grid", grid, GRIDS)
    arr = as_float_array("a", a, ndim=(2, 3))
    squeeze = arr.ndim == 2
    arr = arr[None] if squeeze else arr
    kk = arr.shape[-1]
    if arr.shape[-2] != kk:
        raise ValueError(f"a must be square (K, K), got {arr.shape[-2:]}")
    if kk < 3:
        raise ValueError(f"the grid must have at least 3 nodes per side, got K={kk}")
    if np.any(arr <= 0):
        raise ValueError(f"a must be strictly positive (ellipticity), got min(a) = {arr.min()}")
    ff = np.broadcast_to(as_float_array("f", f), arr.shape)
    if grid == "canonical":
        arr = cell_to_node(arr)
        ff = cell_to_node(np.ascontiguousarray(ff))
        # like MATLAB's interp2(..., 'spline') the spline extrapolates half a cell to the boundary nodes and may
        # overshoot at jumps near the boundary (even below zero); FNO's solver used these values as they are
    u = np.zeros_like(arr)
    for i in range(arr.shape[0]):
        mat = darcy_matrix(arr[i])
        rhs = ff[i, 1:-1, 1:-1].ravel()
        u[i, 1:-1, 1:-1] = (
            scipy.sparse.linalg.splu(mat, permc_spec="MMD_AT_PLUS_A").solve(rhs).reshape(kk - 2, kk - 2)
        )
    if grid == "canonical":
        u = node_to_cell(u)
    return u[0] if squeeze else u
