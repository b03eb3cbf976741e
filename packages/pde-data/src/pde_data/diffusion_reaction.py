"""DeepONet's diffusion-reaction system (Lu et al. 2021, Sec. 3.3, eq. 10).

``s_t = D s_xx + k s^2 + u(x)`` on ``x, t in [0, 1]`` with ``s(x, 0) = 0`` and ``s(0, t) = s(1, t) = 0``;
``D = k = 0.01``, ``Nx = Nt = 100`` in the paper. Solved on the node grid by Crank-Nicolson in the diffusion and the
reaction linearised about the previous step (``g(s^{n+1/2}) ~ g(s^n) + g'(s^n)(s^{n+1} - s^n)/2``), so the scheme
is second order in space and time; one tridiagonal system per function and step, solved by a batched Thomas
algorithm (vectorised over functions).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from pde_data._common import as_float_array, check_int, check_real


def thomas(lower: float, diag: np.ndarray, upper: float, rhs: np.ndarray) -> np.ndarray:
    """Solve tridiagonal systems with constant off-diagonals and batched diagonals ``(N, M)``/right sides ``(N, M)``."""
    n, m = rhs.shape
    c = np.empty((n, m))
    d = np.empty((n, m))
    c[:, 0] = upper / diag[:, 0]
    d[:, 0] = rhs[:, 0] / diag[:, 0]
    for i in range(1, m):
        denom = diag[:, i] - lower * c[:, i - 1]
        c[:, i] = upper / denom
        d[:, i] = (rhs[:, i] - lower * d[:, i - 1]) / denom
    x = np.empty((n, m))
    x[:, -1] = d[:, -1]
    for i in range(m - 2, -1, -1):
        x[:, i] = d[:, i] - c[:, i] * x[:, i + 1]
    return x


def solve_diffusion_reaction(
    source: Any,
    *,
    D: float = 0.01,
    k: float = 0.01,
    nx: int = 100,
    nt: int = 100,
    length: float = 1.0,
    t_final: float = 1.0,
) -> np.ndarray:
    """Solve ``s_t = D s_xx + k s^2 + f(x, t)`` with zero initial and boundary values; returns ``(N, nt, nx)``.

    Args:
        source: ``f`` as an array ``(N, nx)`` or ``(nx,)`` on the grid ``linspace(0, length, nx)`` (DeepONet's
            time-independent ``u(x)``), or a callable ``f(x, t)`` returning ``(N, nx)`` or ``(nx,)``.
        D: diffusivity (> 0).
        k: reaction coefficient of ``k s^2``.
        nx: grid points in space, both ends included (paper: 100).
        nt: grid points in time, both ends included (paper: 100).
        length: the domain is ``[0, length]``.
        t_final: the solution is computed on ``[0, t_final]``.
    """
    D = check_real("D", D, positive=True)
    k = check_real("k", k)
    nx = check_int("nx", nx, minimum=3)
    nt = check_int("nt", nt, minimum=2)
    length = check_real("length", length, positive=True)
    t_final = check_real("t_final", t_final, positive=True)
    x = np.linspace(0.0, length, nx)
    t = np.linspace(0.0, t_final, nt)
    h, dt = x[1] - x[0], t[1] - t[0]

    fn: Callable[[float], np.ndarray]
    if callable(source):
        fn_user = source

        def fn(tt: float) -> np.ndarray:
            return np.atleast_2d(np.asarray(fn_user(x, tt), dtype=np.float64))

        n = fn(0.0).shape[0]
    else:
        arr = as_float_array("source", source, ndim=(1, 2))
        arr = np.atleast_2d(arr)
        if arr.shape[1] != nx:
            raise ValueError(f"source must have shape (N, nx={nx}), got {arr.shape}")
        n = arr.shape[0]

        def fn(tt: float) -> np.ndarray:
            return arr

    r = D * dt / h**2
    s = np.zeros((n, nt, nx))
    cur = np.zeros((n, nx - 2))
    f_prev = fn(t[0])[:, 1:-1]
    for j in range(nt - 1):
        f_next = fn(t[j + 1])[:, 1:-1]
        lap = -2.0 * cur
        lap[:, 1:] += cur[:, :-1]
        lap[:, :-1] += cur[:, 1:]
        g = k * cur**2
        dg = 2.0 * k * cur
        rhs = cur + 0.5 * r * lap + dt * g - 0.5 * dt * dg * cur + 0.5 * dt * (f_prev + f_next)
        diag = 1.0 + r - 0.5 * dt * dg
        cur = thomas(-0.5 * r, diag, -0.5 * r, rhs)
        s[:, j + 1, 1:-1] = cur
        f_prev = f_next
    return s
