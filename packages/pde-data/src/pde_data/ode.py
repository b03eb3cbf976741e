"""DeepONet's ODE operators (Lu et al. 2021, Sec. 3 and Methods): antiderivative, nonlinear ODE, gravity pendulum.

Each operator maps an input function ``u`` (a sample of :class:`~pde_data.random_fields.RBFGRF` on its fine grid)
to the solution ``s`` of an ODE on ``[0, T]`` with ``s(0) = 0``:

* antiderivative  ``ds/dx = u(x)`` (eq. 3 of the paper, G: u -> s), solved *exactly* for the cubic-spline
  interpolant of ``u`` (its spline antiderivative);
* nonlinear ODE   ``ds/dx = -s^2 + u(x)`` (Sec. 3.1 "nonlinear ODE"), fixed-step classical RK4 on the fine grid
  (midpoint values from the spline), dense output by cubic Hermite interpolation (fourth order overall);
* pendulum        ``ds1/dt = s2, ds2/dt = -k sin(s1) + u(t)`` (Sec. 3.2, ``k = 1``), same integrator.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from pde_data._common import as_float_array, check_int, check_real


@dataclass
class OperatorSamples:
    """DeepONet-style operator data for ``N`` input functions with ``P`` query points each.

    Attributes:
        sensors: ``(m,)`` sensor locations, shared by all functions.
        u: ``(N, m)`` input function at the sensors (the branch input).
        y: ``(N, P, d)`` query points (the trunk input); ``d = 1`` for ODEs, 2 (``x, t``) for diffusion-reaction.
        s: ``(N, P)`` operator output ``G(u)(y)`` (``(N, P, 2)`` for the pendulum: ``s1, s2``).
        meta: every parameter needed to regenerate the data.
    """

    sensors: np.ndarray
    u: np.ndarray
    y: np.ndarray
    s: np.ndarray
    meta: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.u.shape[0])

    def triples(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The flat DeepONet format: ``(u repeated (N*P, m), y (N*P, d), s (N*P, 1 or 2))``."""
        n, p = self.y.shape[:2]
        u = np.repeat(self.u, p, axis=0)
        y = self.y.reshape(n * p, -1)
        s = self.s.reshape(n * p, -1)
        return u, y, s


# ---------------------------------------------------------------------------------------- batched splines


def ppoly_eval(breaks: np.ndarray, coefs: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Evaluate a batch of piecewise polynomials, each at its own points.

    ``coefs`` has scipy's ``PPoly`` layout ``(order + 1, len(breaks) - 1, N)`` (highest power first); ``y`` is
    ``(N, P)``. Returns ``(N, P)``: ``sum_k c[k, i, n] (y - breaks[i])^(order - k)`` with ``i`` the interval of ``y``.
    """
    idx = np.clip(np.searchsorted(breaks, y, side="right") - 1, 0, len(breaks) - 2)
    dx = y - breaks[idx]
    cols = np.arange(y.shape[0])[:, None]
    out = np.zeros_like(dx)
    for k in range(coefs.shape[0]):
        out = out * dx + coefs[k][idx, cols]
    return out


def spline_antiderivative(x: np.ndarray, values: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``int_{x_0}^{y} p(t) dt`` for the not-a-knot cubic spline ``p`` through ``(x, values[n])``, at ``y[n]``.

    Exact for the interpolant (a quartic per interval). ``values`` ``(N, len(x))``, ``y`` ``(N, P)``; returns ``(N, P)``.
    """
    import scipy.interpolate

    cs = scipy.interpolate.CubicSpline(x, values, axis=1).antiderivative()
    return ppoly_eval(cs.x, cs.c, y)


# -------------------------------------------------------------------------------------------- RK4 solver


def rk4_grid(
    rhs: Callable[[np.ndarray, np.ndarray], np.ndarray],
    u_nodes: np.ndarray,
    u_mid: np.ndarray,
    x: np.ndarray,
    s0: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Classical RK4 on the nodes ``x`` for ``ds/dx = rhs(s, u)``, vectorised over the batch.

    ``u_nodes`` ``(N, K)`` and ``u_mid`` ``(N, K-1)`` are the forcing at the nodes and interval midpoints; ``s0``
    ``(N, C)``. Returns ``(s, ds)`` at the nodes, each ``(N, K, C)`` (``ds`` for Hermite dense output).
    """
    n, kk = u_nodes.shape
    s = np.empty((n, kk, s0.shape[1]))
    ds = np.empty_like(s)
    s[:, 0] = s0
    cur = s0.astype(np.float64)
    for i in range(kk - 1):
        h = x[i + 1] - x[i]
        k1 = rhs(cur, u_nodes[:, i])
        ds[:, i] = k1
        k2 = rhs(cur + 0.5 * h * k1, u_mid[:, i])
        k3 = rhs(cur + 0.5 * h * k2, u_mid[:, i])
        k4 = rhs(cur + h * k3, u_nodes[:, i + 1])
        cur = cur + h / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)
        s[:, i + 1] = cur
    ds[:, -1] = rhs(cur, u_nodes[:, -1])
    return s, ds


def hermite_eval(x: np.ndarray, s: np.ndarray, ds: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Cubic Hermite interpolation of nodal values ``s`` and slopes ``ds`` (``(N, K, C)``) at ``y`` (``(N, P)``)."""
    idx = np.clip(np.searchsorted(x, y, side="right") - 1, 0, len(x) - 2)
    h = (x[idx + 1] - x[idx])[..., None]
    t = ((y - x[idx]) / (x[idx + 1] - x[idx]))[..., None]
    rows = np.arange(y.shape[0])[:, None]
    s0, s1 = s[rows, idx], s[rows, idx + 1]
    d0, d1 = ds[rows, idx], ds[rows, idx + 1]
    h00 = 2 * t**3 - 3 * t**2 + 1
    h10 = t**3 - 2 * t**2 + t
    h01 = -2 * t**3 + 3 * t**2
    h11 = t**3 - t**2
    return h00 * s0 + h10 * h * d0 + h01 * s1 + h11 * h * d1


def _forcing(x: np.ndarray, values: np.ndarray, substeps: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Solver nodes (the grid refined ``substeps`` times) with the spline's node and midpoint values."""
    import scipy.interpolate

    cs = scipy.interpolate.CubicSpline(x, values, axis=1)
    if substeps == 1:
        nodes = x
        u_nodes = values
    else:
        nodes = np.linspace(x[0], x[-1], (len(x) - 1) * substeps + 1)
        u_nodes = cs(nodes)
    mids = 0.5 * (nodes[1:] + nodes[:-1])
    return nodes, u_nodes, cs(mids)


def _check_values(x: Any, values: Any) -> tuple[np.ndarray, np.ndarray]:
    x = as_float_array("x", x, ndim=1)
    values = as_float_array("values", values, ndim=(1, 2))
    if values.ndim == 1:
        values = values[None]
    if values.shape[1] != x.shape[0]:
        raise ValueError(f"values must have shape (N, {x.shape[0]}) to match x, got {values.shape}")
    if len(x) < 4 or np.any(np.diff(x) <= 0):
        raise ValueError("x must be strictly increasing with at least 4 points")
    return x, values


def _check_queries(x: np.ndarray, y: Any, n: int) -> np.ndarray:
    y = as_float_array("y", y, ndim=(1, 2))
    if y.ndim == 1:
        y = np.broadcast_to(y, (n, y.shape[0]))
    if y.shape[0] != n:
        raise ValueError(f"y must have shape (P,) or ({n}, P), got {y.shape}")
    tol = 1e-12 * (x[-1] - x[0])
    if y.size and (y.min() < x[0] - tol or y.max() > x[-1] + tol):
        raise ValueError(
            f"query points y must lie in [{x[0]}, {x[-1]}], got values in [{y.min()}, {y.max()}]"
        )
    return np.clip(y, x[0], x[-1])


def antiderivative(x: Any, values: Any, y: Any) -> np.ndarray:
    """Antiderivative operator ``s(y) = int_{x_0}^y u`` for inputs given on the grid ``x``: ``(N, P)``.

    ``values`` ``(N, K)`` on ``x`` (``K`` points); ``y`` ``(P,)`` shared or ``(N, P)`` per function.
    """
    x, values = _check_values(x, values)
    y = _check_queries(x, y, values.shape[0])
    return spline_antiderivative(x, values, np.ascontiguousarray(y))


BLOWUP_BOUND = 1e3
"""A solution of ``ds/dx = -s^2 + u`` that leaves ``[-1e3, 1e3]`` is in finite-time blow-up: with ``|u|`` of order
a few (the DeepONet GP), ``s`` stays of order 10 unless it turns strongly negative, and from ``s = -1e3`` the term
``-s^2`` takes it to ``-inf`` within ``x`` + 1e-3."""


def nonlinear_ode(x: Any, values: Any, y: Any, *, s0: float = 0.0, substeps: int = 1) -> np.ndarray:
    """Solution of ``ds/dx = -s^2 + u(x)``, ``s(x_0) = s0``, at the query points ``y``: ``(N, P)``.

    RK4 on the grid ``x`` refined ``substeps`` times (DeepONet: 1000-point grid, step ~1e-3), forcing from the
    cubic spline of ``values``; cubic Hermite dense output. A strongly negative ``u`` (about 1 in 1000 draws of
    the paper's GP) makes the solution blow up in finite time inside the interval: such a function has no
    solution on the whole interval, and all its targets are NaN (detected on the grid: overflow, or
    ``|s| >`` :data:`BLOWUP_BOUND`), whether or not a query point lies past the blow-up.
    """
    x, values = _check_values(x, values)
    y = _check_queries(x, y, values.shape[0])
    substeps = check_int("substeps", substeps, minimum=1)
    nodes, un, um = _forcing(x, values, substeps)
    s_init = np.full((values.shape[0], 1), check_real("s0", s0))
    with np.errstate(over="ignore", invalid="ignore"):  # blow-ups overflow; they are flagged below
        s, ds = rk4_grid(lambda s, u: -(s**2) + u[:, None], un, um, nodes, s_init)
        out = hermite_eval(nodes, s, ds, y)[..., 0]
    blown = ~(np.abs(s) <= BLOWUP_BOUND).all(axis=(1, 2))  # NaN fails the comparison too
    out[blown] = np.nan
    return out


def pendulum(
    x: Any, values: Any, y: Any, *, k: float = 1.0, s0: tuple[float, float] = (0.0, 0.0), substeps: int = 1
) -> np.ndarray:
    """Gravity pendulum with external force: ``s1' = s2, s2' = -k sin(s1) + u(t)``; returns ``(N, P, 2)``."""
    x, values = _check_values(x, values)
    y = _check_queries(x, y, values.shape[0])
    substeps = check_int("substeps", substeps, minimum=1)
    k = check_real("k", k)
    nodes, un, um = _forcing(x, values, substeps)
    s_init = np.tile(np.asarray(s0, dtype=np.float64)[None], (values.shape[0], 1))

    def rhs(s: np.ndarray, u: np.ndarray) -> np.ndarray:
        return np.stack([s[:, 1], -k * np.sin(s[:, 0]) + u], axis=1)

    s, ds = rk4_grid(rhs, un, um, nodes, s_init)
    return hermite_eval(nodes, s, ds, y)
