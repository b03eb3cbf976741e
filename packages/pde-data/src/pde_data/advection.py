"""Periodic advection(-diffusion) and exact periodic elliptic operators on the unit torus (substitutes for the
advection-dominated PDEArena/PDEBench sets used by time-stepping models, and for discretisation-invariance tests).

``u_t + c . grad u = nu Delta u`` is solved exactly by the Fourier multiplier ``exp(-2 pi i k.c t - 4 pi^2 nu |k|^2 t)``
(exact for band-limited initial data at any resolution).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.fft

from pde_data._common import as_float_array, check_choice, check_real


def _wavenumbers(shape: tuple[int, ...]) -> list[np.ndarray]:
    d = len(shape)
    ks = []
    for ax, n in enumerate(shape):
        k = np.fft.rfftfreq(n, d=1.0 / n) if ax == d - 1 else np.fft.fftfreq(n, d=1.0 / n)
        ks.append(k.reshape([-1 if a == ax else 1 for a in range(d)]))
    return ks


def advect_periodic(u0: Any, c: Any, times: Any, *, nu: float = 0.0) -> np.ndarray:
    """Exact solution of ``u_t + c . grad u = nu Delta u`` on ``[0,1)^d`` (``d = 1, 2``) at ``times``.

    Args:
        u0: ``(N, *spatial)`` initial data on ``x_i = i/n`` (spectrally interpolated).
        c: velocity ``(N, d)`` or ``(d,)``.
        times: 1-D array of output times (>= 0).
        nu: diffusivity (>= 0).

    Returns ``(N, len(times), *spatial)``.
    """
    u0 = as_float_array("u0", u0)
    if u0.ndim not in (2, 3):
        raise ValueError(f"u0 must be (N, n) or (N, n, n), got shape {u0.shape}")
    d = u0.ndim - 1
    c = np.atleast_2d(as_float_array("c", c))
    if c.shape[-1] != d or c.shape[0] not in (1, u0.shape[0]):
        raise ValueError(f"c must have shape ({u0.shape[0]}, {d}) or ({d},), got {c.shape}")
    times = as_float_array("times", times, ndim=1)
    if np.any(times < 0):
        raise ValueError("times must be >= 0")
    nu = check_real("nu", nu, nonnegative=True)
    axes = tuple(range(1, d + 1))
    uh = scipy.fft.rfftn(u0, axes=axes, workers=1)
    ks = _wavenumbers(u0.shape[1:])
    kc: np.ndarray = sum((ks[i][None] * c[:, i].reshape((-1,) + (1,) * d) for i in range(d)), np.zeros(1))
    k2: np.ndarray = sum((k**2 for k in ks), np.zeros(1))[None]
    out = np.empty((u0.shape[0], len(times), *u0.shape[1:]))
    for j, t in enumerate(times):
        mult = np.exp(-2j * np.pi * kc * t - 4 * np.pi**2 * nu * k2 * t)
        out[:, j] = scipy.fft.irfftn(uh * mult, s=u0.shape[1:], axes=axes, workers=1)
    return out


def periodic_elliptic(f: Any, *, kappa: float = 0.01, kind: str = "resolvent") -> np.ndarray:
    """Exact periodic operators of ``f`` ``(N, *spatial)``: ``kind="resolvent"`` gives ``u = (I - kappa Delta)^-1 f``;
    ``kind="heat_square"`` gives the nonlinear ``g = (exp(kappa Delta) f)^2``."""
    f = as_float_array("f", f)
    if f.ndim not in (2, 3):
        raise ValueError(f"f must be (N, n) or (N, n, n), got shape {f.shape}")
    kappa = check_real("kappa", kappa, positive=True)
    kind = check_choice("kind", kind, ("resolvent", "heat_square"))
    axes = tuple(range(1, f.ndim))
    k2: np.ndarray = sum((k**2 for k in _wavenumbers(f.shape[1:])), np.zeros(1))[None] * 4 * np.pi**2
    fh = scipy.fft.rfftn(f, axes=axes, workers=1)
    if kind == "resolvent":
        return scipy.fft.irfftn(fh / (1 + kappa * k2), s=f.shape[1:], axes=axes, workers=1)
    return scipy.fft.irfftn(fh * np.exp(-kappa * k2), s=f.shape[1:], axes=axes, workers=1) ** 2
