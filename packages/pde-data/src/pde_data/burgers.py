"""1-D viscous Burgers (FNO, Li et al. 2021, Sec. 5.1): ``u_t + (u^2/2)_x = nu u_xx`` on the periodic ``[0, 1)``.

Fourier pseudo-spectral in space with 2/3-rule dealiasing of the flux, ETDRK4 in time (Cox & Matthews 2002) with the
Kassam & Trefethen (2005) contour-integral evaluation of the phi-functions, float64, vectorised over the batch.
FNO maps ``u0 ~ N(0, 625(-Delta + 25 I)^-2)`` to ``u(., 1)`` at ``nu = 0.1`` on 8192 points (sub-sampled to 256..8192).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.fft

from pde_data._common import as_float_array, check_int, check_real


def etdrk4_coefficients(lin: np.ndarray, dt: float, contour_points: int = 32) -> tuple[np.ndarray, ...]:
    """``E, E2, Q, f1, f2, f3`` of ETDRK4 for the diagonal linear operator ``lin`` (Kassam & Trefethen, eq. 2.5)."""
    e = np.exp(dt * lin)
    e2 = np.exp(dt * lin / 2)
    r = np.exp(1j * np.pi * (np.arange(1, contour_points + 1) - 0.5) / contour_points)
    lr = dt * lin[..., None] + r
    q = dt * np.real(np.mean((np.exp(lr / 2) - 1) / lr, axis=-1))
    f1 = dt * np.real(np.mean((-4 - lr + np.exp(lr) * (4 - 3 * lr + lr**2)) / lr**3, axis=-1))
    f2 = dt * np.real(np.mean((2 + lr + np.exp(lr) * (lr - 2)) / lr**3, axis=-1))
    f3 = dt * np.real(np.mean((-4 - 3 * lr - lr**2 + np.exp(lr) * (4 - lr)) / lr**3, axis=-1))
    return e, e2, q, f1, f2, f3


def solve_burgers_1d(
    u0: Any,
    *,
    nu: float = 0.1,
    t_final: float = 1.0,
    dt: float = 1e-3,
    n_records: int | None = None,
    dealias: bool = True,
    contour_points: int = 32,
) -> np.ndarray:
    """Integrate Burgers from ``u0`` (``(N, n)`` or ``(n,)`` on ``x_j = j/n``) to ``t_final``.

    Args:
        nu: viscosity (> 0; FNO: 0.1).
        dt: time step; it is shrunk so that an integer number of steps reaches each output time.
        n_records: None returns ``u(t_final)`` ``(N, n)``; an int ``T`` returns ``(N, T + 1, n)`` at ``t_final * j / T``.
        dealias: zero the flux's modes above 2/3 of the Nyquist wavenumber.

    Returns float64 arrays.
    """
    nu = check_real("nu", nu, positive=True)
    t_final = check_real("t_final", t_final, nonnegative=True)
    dt = check_real("dt", dt, positive=True)
    arr = as_float_array("u0", u0, ndim=(1, 2))
    squeeze = arr.ndim == 1
    arr = np.atleast_2d(arr)
    n = arr.shape[1]
    if n < 4 or n % 2:
        raise ValueError(f"the grid size of u0 must be even and >= 4, got {n}")
    records = 1 if n_records is None else check_int("n_records", n_records, minimum=1)
    seg = t_final / records
    steps = max(int(np.ceil(seg / dt - 1e-9)), 1) if seg > 0 else 0
    h = seg / steps if steps else 0.0

    k = np.fft.rfftfreq(n, d=1.0 / n)
    lin = -nu * (2 * np.pi * k) ** 2
    g = -0.5j * 2 * np.pi * k
    if dealias:
        g = g * (np.abs(k) <= n / 3)
    coefs = etdrk4_coefficients(lin, h, contour_points) if steps else None

    def nonlin(vh: np.ndarray) -> np.ndarray:
        u = scipy.fft.irfft(vh, n=n, axis=-1, workers=1)
        return g * scipy.fft.rfft(u * u, axis=-1, workers=1)

    vh = scipy.fft.rfft(arr, axis=-1, workers=1)
    out = [arr.copy()] if n_records is not None else []
    for _ in range(records):
        if coefs is not None:
            e, e2, q, f1, f2, f3 = coefs
            for _ in range(steps):
                nv = nonlin(vh)
                a = e2 * vh + q * nv
                na = nonlin(a)
                b = e2 * vh + q * na
                nb = nonlin(b)
                c = e2 * a + q * (2 * nb - nv)
                nc = nonlin(c)
                vh = e * vh + nv * f1 + 2 * (na + nb) * f2 + nc * f3
        out.append(scipy.fft.irfft(vh, n=n, axis=-1, workers=1))
    res = out[-1] if n_records is None else np.stack(out, axis=1)
    return res[0] if squeeze else res
