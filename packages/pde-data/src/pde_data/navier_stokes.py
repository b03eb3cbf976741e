"""2-D incompressible Navier-Stokes in vorticity form on the periodic unit torus (FNO, Li et al. 2021, Sec. 5.3).

``w_t + u . grad w = nu Delta w + f``, ``u = (psi_y, -psi_x)``, ``-Delta psi = w`` (eq. 10 of FNO). Fourier
pseudo-spectral with the 2/3 rule (modes ``|k_x|, |k_y| <= 2/3 k_max`` kept in the nonlinear term), batched over
trajectories, with two time integrators:

* ``scheme="fno"``: FNO's data generator -- explicit Euler for advection and forcing, Crank-Nicolson for viscosity
  (first order in time); use it with ``dt = 1e-4`` at 256^2 to regenerate the published datasets;
* ``scheme="cnab2"``: Crank-Nicolson / Adams-Bashforth 2 (second order; variable-step AB2 weights), the default
  for new data.

The step is fixed (``dt``) or chosen per record interval and per trajectory from the CFL condition
``max|u| dt / h <= cfl`` and snapped so that each record time is hit exactly. The default ``cfl = 0.2`` keeps the
explicit advection stable with the spectral wavenumbers (``|k| dt max|u| <= 0.42`` at the 2/3 cut-off; AB2 and
Euler are only weakly stable for pure advection, the viscosity must damp the highest kept modes: lower ``cfl``
for ``nu <= 1e-4`` at coarse resolution). Backend ``"numpy"`` (scipy.fft) or ``"torch"`` (any device; float64 by default).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pde_data._common import as_float_array, check_choice, check_real

SCHEMES = ("fno", "cnab2")


def fno_forcing(size: int) -> np.ndarray:
    """FNO's forcing ``f(x, y) = 0.1 (sin(2 pi (x + y)) + cos(2 pi (x + y)))`` on the ``size^2`` periodic grid."""
    t = np.arange(size) / size
    x, y = np.meshgrid(t, t, indexing="ij")
    return 0.1 * (np.sin(2 * np.pi * (x + y)) + np.cos(2 * np.pi * (x + y)))


def _np_fft() -> Any:
    """scipy.fft (pocketfft, single worker) when installed, else numpy.fft."""
    try:
        import scipy.fft

        return scipy.fft
    except ImportError:  # pragma: no cover - scipy is a dependency; this keeps the torch path scipy-free
        return np.fft


class _Backend:
    def __init__(self, backend: str, device: Any, dtype: Any) -> None:
        self.name = backend
        if backend == "torch":
            import torch

            self.torch = torch
            self.device = torch.device(device if device is not None else "cpu")
            self.dtype = dtype if dtype is not None else torch.float64
        else:
            if device not in (None, "cpu"):
                raise ValueError(f"backend='numpy' runs on the CPU only, got device={device!r}")
            self.dtype = np.float64

    def asarray(self, x: np.ndarray) -> Any:
        if self.name == "torch":
            t = self.torch.as_tensor(np.asarray(x))
            if t.is_complex():
                cdt = self.torch.complex128 if self.dtype == self.torch.float64 else self.torch.complex64
                return t.to(self.device, cdt)
            if t.is_floating_point():
                return t.to(self.device, self.dtype)
            return t.to(self.device)
        return np.asarray(x, dtype=np.complex128 if np.iscomplexobj(x) else np.float64)

    def rfft2(self, x: Any) -> Any:
        if self.name == "torch":
            return self.torch.fft.rfft2(x)
        return _np_fft().rfft2(x)

    def irfft2(self, x: Any, n: int) -> Any:
        if self.name == "torch":
            return self.torch.fft.irfft2(x, s=(n, n))
        return _np_fft().irfft2(x, s=(n, n))

    def rowmax(self, x: Any) -> np.ndarray:
        if self.name == "torch":
            return x.abs().amax(dim=(-2, -1)).detach().cpu().double().numpy()
        return np.abs(x).max(axis=(-2, -1))

    def where(self, cond: Any, a: Any, b: Any) -> Any:
        return self.torch.where(cond, a, b) if self.name == "torch" else np.where(cond, a, b)

    def numpy(self, x: Any) -> np.ndarray:
        return x.detach().cpu().numpy().astype(np.float64) if self.name == "torch" else np.asarray(x)


def velocity(w: Any) -> tuple[np.ndarray, np.ndarray]:
    """``(u, v) = (psi_y, -psi_x)`` with ``-Delta psi = w`` for vorticity ``w`` ``(..., n, n)`` (axis -2 is x)."""
    w = np.asarray(w, dtype=np.float64)
    n = w.shape[-1]
    kx = np.fft.fftfreq(n, d=1.0 / n)[:, None]
    ky = np.fft.rfftfreq(n, d=1.0 / n)[None, :]
    lap = 4 * np.pi**2 * (kx**2 + ky**2)
    lap[0, 0] = 1.0
    psi = np.fft.rfft2(w) / lap
    u = np.fft.irfft2(2j * np.pi * ky * psi, s=(n, n))
    v = np.fft.irfft2(-2j * np.pi * kx * psi, s=(n, n))
    return u, v


def solve_navier_stokes_2d(
    w0: Any,
    *,
    nu: float = 1e-3,
    t_final: float = 50.0,
    record_every: float = 1.0,
    forcing: Any = "fno",
    dt: float | None = None,
    cfl: float = 0.2,
    scheme: str = "cnab2",
    backend: str = "numpy",
    device: Any = None,
    dtype: Any = None,
    check_cfl: bool = True,
) -> np.ndarray:
    """Integrate the vorticity equation from ``w0`` and return the records ``(N, T, n, n)`` at
    ``t = record_every, 2 record_every, ..., t_final`` (``T = round(t_final / record_every)``; ``w0`` not included).

    Args:
        w0: initial vorticity ``(N, n, n)`` or ``(n, n)`` on ``x_i = i/n`` (axis -2 is ``x``); ``n`` even, ``>= 8``.
        nu: viscosity (> 0). FNO: 1e-3, 1e-4, 1e-5.
        forcing: ``"fno"`` (:func:`fno_forcing`), None (no forcing) or an ``(n, n)`` array.
        dt: fixed time step (snapped down so that record times are hit); None chooses it per record interval from
            ``cfl``. With a fixed ``dt`` and ``check_cfl``, a step above the CFL bound of ``w0`` raises ValueError.
        scheme: ``"fno"`` (first order, FNO's generator) or ``"cnab2"`` (second order).
        backend: ``"numpy"`` or ``"torch"`` (``device``/``dtype`` select where and in which precision).
    """
    nu = check_real("nu", nu, positive=True)
    t_final = check_real("t_final", t_final, positive=True)
    record_every = check_real("record_every", record_every, positive=True)
    cfl = check_real("cfl", cfl, positive=True)
    scheme = check_choice("scheme", scheme, SCHEMES)
    backend = check_choice("backend", backend, ("numpy", "torch"))
    arr = as_float_array("w0", w0, ndim=(2, 3))
    squeeze = arr.ndim == 2
    arr = arr[None] if squeeze else arr
    n = arr.shape[-1]
    if arr.shape[-2] != n or n % 2 or n < 8:
        raise ValueError(f"w0 must be (N, n, n) with n even and >= 8, got {arr.shape}")
    n_rec = int(round(t_final / record_every))
    if n_rec < 1 or abs(n_rec * record_every - t_final) > 1e-9 * t_final:
        raise ValueError(f"t_final={t_final} must be a positive multiple of record_every={record_every}")
    h = 1.0 / n
    if forcing is None:
        f = np.zeros((n, n))
    elif isinstance(forcing, str):
        check_choice("forcing", forcing, ("fno",))
        f = fno_forcing(n)
    else:
        f = as_float_array("forcing", forcing, ndim=2)
        if f.shape != (n, n):
            raise ValueError(f"forcing must have shape ({n}, {n}), got {f.shape}")
    if dt is not None:
        dt = check_real("dt", dt, positive=True)
        if check_cfl:
            u0, v0 = velocity(arr)
            umax0 = float(max(np.abs(u0).max(), np.abs(v0).max(), 1e-12))
            if umax0 * dt / h > 1.0:
                raise ValueError(
                    f"dt={dt} violates the CFL condition: max|u| dt / h = {umax0 * dt / h:.3g} > 1 "
                    f"(max|u| = {umax0:.3g}, h = {h:.3g}); use dt <= {cfl * h / umax0:.3g} or dt=None (adaptive)"
                )

    be = _Backend(backend, device, dtype)
    kx = np.fft.fftfreq(n, d=1.0 / n)[:, None]
    ky = np.fft.rfftfreq(n, d=1.0 / n)[None, :]
    lap = 4 * np.pi**2 * (kx**2 + ky**2)  # the symbol of -Delta
    lap_psi = lap.copy()
    lap_psi[0, 0] = 1.0
    kmax = n // 2
    dealias = (np.abs(kx) <= 2.0 / 3.0 * kmax) & (np.abs(ky) <= 2.0 / 3.0 * kmax)
    ikx = be.asarray(2j * np.pi * kx * np.ones_like(ky))
    iky = be.asarray(2j * np.pi * ky * np.ones_like(kx))
    inv_lap = be.asarray(1.0 / lap_psi)
    lap_b = be.asarray(lap)
    mask = be.asarray(dealias.astype(np.float64))
    f_h = be.rfft2(be.asarray(f))

    def advection(w_h: Any) -> tuple[Any, np.ndarray]:
        psi = w_h * inv_lap
        u = be.irfft2(iky * psi, n)
        v = be.irfft2(-ikx * psi, n)
        wx = be.irfft2(ikx * w_h, n)
        wy = be.irfft2(iky * w_h, n)
        umax = np.maximum(be.rowmax(u), be.rowmax(v))
        return be.rfft2(u * wx + v * wy) * mask, umax

    batch = arr.shape[0]
    w_h = be.rfft2(be.asarray(arr))
    records = []
    n_prev = None
    dt_prev = None
    # every sample has its own step (CFL from its own velocity), so a trajectory does not depend on its batch
    for _ in range(n_rec):
        adv, umax = advection(w_h)
        step: np.ndarray = cfl * h / np.maximum(umax, 1e-12) if dt is None else np.full(batch, dt)
        n_steps = np.maximum(np.ceil(record_every / step - 1e-9).astype(np.int64), 1)
        k_np = record_every / n_steps
        k = be.asarray(k_np.reshape(-1, 1, 1))
        half = 0.5 * k * nu * lap_b
        implicit = 1.0 / (1.0 + half)
        uniform = bool(np.all(n_steps == n_steps[0]))
        for j in range(int(n_steps.max())):
            if j > 0:
                adv, _ = advection(w_h)
            if scheme == "fno" or n_prev is None:
                expl = adv
            else:
                ratio = k / dt_prev
                expl = (1 + 0.5 * ratio) * adv - 0.5 * ratio * n_prev
            new = ((1.0 - half) * w_h - k * expl + k * f_h) * implicit
            if uniform:
                w_h, n_prev = new, adv
            else:
                active = be.asarray((j < n_steps).reshape(-1, 1, 1))
                w_h = be.where(active, new, w_h)
                n_prev = adv if n_prev is None else be.where(active, adv, n_prev)
            dt_prev = k
        records.append(be.numpy(be.irfft2(w_h, n)))
    out = np.stack(records, axis=1)
    return out[0] if squeeze else out
