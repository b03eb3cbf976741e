"""Solver verifications: convergence orders, conservation and dissipation budgets, manufactured and analytic
solutions, maximum principle, GRF covariance and spectrum. Each function returns plain numbers (used by the tests
and by ``pde-data-reproduce``)."""

from __future__ import annotations

import numpy as np
import scipy.fft

from pde_data.burgers import solve_burgers_1d
from pde_data.darcy import darcy_matrix, node_to_cell, solve_darcy_2d
from pde_data.diffusion_reaction import solve_diffusion_reaction
from pde_data.navier_stokes import fno_forcing, solve_navier_stokes_2d, velocity
from pde_data.ode import nonlinear_ode
from pde_data.random_fields import RBFGRF, neumann_grf_2d, periodic_grf, periodic_grf_covariance


def observed_orders(errors: list[float], ratio: float = 2.0) -> list[float]:
    """``log(e_i / e_{i+1}) / log(ratio)`` for successive refinements by ``ratio``."""
    e = np.asarray(errors, dtype=np.float64)
    return list(np.log(e[:-1] / e[1:]) / np.log(ratio))


def _burgers_u0(n: int) -> np.ndarray:
    x = np.arange(n) / n
    return np.sin(2 * np.pi * x) + 0.5 * np.cos(4 * np.pi * x + 0.3)


def burgers_spatial_errors(
    nu: float = 0.02, sizes: tuple[int, ...] = (32, 64, 128), t_final: float = 0.5
) -> list[float]:
    """Max error at ``t_final`` of Burgers on ``sizes`` vs a 512-point solution (same dt, so only space differs)."""
    ref = solve_burgers_1d(_burgers_u0(512), nu=nu, t_final=t_final, dt=2e-3)
    return [
        float(
            np.abs(solve_burgers_1d(_burgers_u0(n), nu=nu, t_final=t_final, dt=2e-3) - ref[:: 512 // n]).max()
        )
        for n in sizes
    ]


def burgers_temporal_errors(
    dts: tuple[float, ...] = (0.01, 0.005, 0.0025), nu: float = 0.02, n: int = 128
) -> list[float]:
    """Max error at ``t = 0.5`` of ETDRK4 with steps ``dts`` vs ``dt = 3.125e-4`` (fourth order: ratios ~16)."""
    u0 = _burgers_u0(n)
    ref = solve_burgers_1d(u0, nu=nu, t_final=0.5, dt=3.125e-4)
    return [float(np.abs(solve_burgers_1d(u0, nu=nu, t_final=0.5, dt=dt) - ref).max()) for dt in dts]


def burgers_default_step_error(n: int = 1024, n_samples: int = 4, seed: int = 0) -> float:
    """Relative L2 error of ``u(., 1)`` with the CPU default ``dt = 5e-3`` against ``dt = 1e-4`` (FNO GRF u0, nu=0.1)."""
    u0 = periodic_grf(n_samples, n, dim=1, alpha=2.0, tau=5.0, sigma=25.0, seed=seed)
    ref = solve_burgers_1d(u0, nu=0.1, t_final=1.0, dt=1e-4)
    u = solve_burgers_1d(u0, nu=0.1, t_final=1.0, dt=5e-3)
    return float(np.linalg.norm(u - ref) / np.linalg.norm(ref))


def burgers_budgets(nu: float = 0.1, n: int = 128, n_records: int = 1000, seed: int = 0) -> dict[str, float]:
    """Mass drift ``|mean u(T) - mean u0|`` and the energy budget ``E(T) - E(0) + int nu |u_x|^2 dt`` relative to the
    dissipated energy, on a band-limited (modes <= 10) GRF initial condition (FNO's ``alpha=2, tau=5, sigma=25``),
    ``T = 1``. Band-limiting below the 2/3 cut-off makes the dealiased flux exactly energy-neutral (Galerkin)."""
    u0 = periodic_grf(1, n, dim=1, alpha=2.0, tau=5.0, sigma=25.0, max_mode=10, seed=seed)[0]
    traj = solve_burgers_1d(u0, nu=nu, t_final=1.0, dt=1e-3, n_records=n_records)
    k = np.fft.rfftfreq(n, d=1.0 / n)
    ux = scipy.fft.irfft(2j * np.pi * k * scipy.fft.rfft(traj, axis=-1), n=n, axis=-1)
    energy = 0.5 * np.mean(traj**2, axis=-1)
    diss = nu * np.mean(ux**2, axis=-1)
    dt = 1.0 / n_records
    # composite Simpson over the records (n_records even)
    w = np.ones(n_records + 1)
    w[1:-1:2], w[2:-1:2] = 4.0, 2.0
    dissipated = float(dt / 3 * np.sum(w * diss))
    return {
        "mass_drift": float(abs(traj[-1].mean() - traj[0].mean())),
        "energy_budget_rel": float(abs(energy[-1] - energy[0] + dissipated) / dissipated),
    }


def darcy_manufactured_errors(sizes: tuple[int, ...] = (33, 65, 129)) -> list[float]:
    """Max-norm error for ``u* = sin(pi x) sin(pi y)``, ``a = 1 + 0.5 cos(2 pi x) cos(2 pi y)`` (second order)."""
    errs = []
    for kk in sizes:
        x = np.linspace(0.0, 1.0, kk)
        xx, yy = np.meshgrid(x, x, indexing="ij")
        a = 1 + 0.5 * np.cos(2 * np.pi * xx) * np.cos(2 * np.pi * yy)
        ax = -np.pi * np.sin(2 * np.pi * xx) * np.cos(2 * np.pi * yy)
        ay = -np.pi * np.cos(2 * np.pi * xx) * np.sin(2 * np.pi * yy)
        us = np.sin(np.pi * xx) * np.sin(np.pi * yy)
        ux = np.pi * np.cos(np.pi * xx) * np.sin(np.pi * yy)
        uy = np.pi * np.sin(np.pi * xx) * np.cos(np.pi * yy)
        f = -(ax * ux + ay * uy) + a * 2 * np.pi**2 * us
        errs.append(float(np.abs(solve_darcy_2d(a, f) - us).max()))
    return errs


def poisson_series(kk: int, terms: int = 199) -> np.ndarray:
    """``-Delta u = 1`` on the unit square, ``u = 0`` on the boundary, by its double sine series on ``kk`` nodes."""
    x = np.linspace(0.0, 1.0, kk)
    m = np.arange(1, terms + 1, 2)
    s = np.sin(np.pi * np.outer(m, x))  # (M, K)
    coef = 16.0 / (np.pi**4 * np.outer(m, m) * (m[:, None] ** 2 + m[None, :] ** 2))
    return s.T @ coef @ s


def darcy_poisson_errors(sizes: tuple[int, ...] = (17, 33, 65)) -> list[float]:
    """Max error of ``a = 1, f = 1`` against the sine-series solution."""
    return [float(np.abs(solve_darcy_2d(np.ones((k, k))) - poisson_series(k)).max()) for k in sizes]


def darcy_matrix_checks(kk: int = 12, seed: int = 0) -> dict[str, float]:
    """Symmetry defect and smallest Cholesky pivot of the matrix of a random piecewise-constant coefficient."""
    from pde_data.random_fields import piecewise_constant

    a = piecewise_constant(neumann_grf_2d(1, kk, seed=seed))[0]
    mat = darcy_matrix(a).toarray()
    chol = np.linalg.cholesky(mat)
    return {"asymmetry": float(np.abs(mat - mat.T).max()), "min_cholesky_pivot": float(np.diag(chol).min())}


def darcy_convention_gap(kk: int = 65) -> float:
    """Rel-L2 gap between ``grid="canonical"`` and ``grid="node"`` on the smooth coefficient
    ``a = exp(cos(2 pi x) sin(pi y))`` sampled on each grid, compared on the cell centres."""

    def coef(x: np.ndarray) -> np.ndarray:
        xx, yy = np.meshgrid(x, x, indexing="ij")
        return np.exp(np.cos(2 * np.pi * xx) * np.sin(np.pi * yy))

    u_can = solve_darcy_2d(coef((np.arange(kk) + 0.5) / kk), grid="canonical")
    u_node = node_to_cell(solve_darcy_2d(coef(np.linspace(0.0, 1.0, kk))))
    return float(np.linalg.norm(u_can - u_node) / np.linalg.norm(u_node))


def taylor_green(n: int = 32, nu: float = 0.01, dt: float = 1e-3, t_final: float = 1.0) -> dict[str, float]:
    """Single-shell field ``w0 = cos(2 pi (x+y)) + sin(2 pi (x-y))`` (all ``|k|^2 = 2``) without forcing: the
    nonlinear term vanishes and the exact solution is ``w0 exp(-8 pi^2 nu t)``.

    Returns the max errors ``vs_exact`` (against the exact solution) and ``vs_discrete`` (against the discrete
    Crank-Nicolson decay ``w0 ((1 - a)/(1 + a))^steps``, ``a = 4 pi^2 nu dt``: zero up to round-off when the
    nonlinear term vanishes), and ``cn_expected``, the time error of Crank-Nicolson itself, computed from its
    amplification factor: ``max |w0 (((1 - a)/(1 + a))^steps - exp(-2 a steps))|`` (per step the factor is
    ``exp(-2a - 2a^3/3 - ...)`` instead of ``exp(-2a)``).
    """
    t = np.arange(n) / n
    x, y = np.meshgrid(t, t, indexing="ij")
    w0 = np.cos(2 * np.pi * (x + y)) + np.sin(2 * np.pi * (x - y))
    w = solve_navier_stokes_2d(w0, nu=nu, t_final=t_final, record_every=t_final, forcing=None, dt=dt)[-1]
    steps = round(t_final / dt)
    a = 0.5 * dt * nu * 8 * np.pi**2
    amplification = ((1 - a) / (1 + a)) ** steps
    decay = np.exp(-8 * np.pi**2 * nu * t_final)
    discrete = w0 * amplification
    exact = w0 * decay
    return {
        "vs_discrete": float(np.abs(w - discrete).max()),
        "vs_exact": float(np.abs(w - exact).max()),
        "cn_expected": float(np.abs(w0 * (amplification - decay)).max()),
    }


def ns_steady_state(n: int = 32, nu: float = 0.1, t_final: float = 2.0) -> float:
    """Max distance from ``f / (8 pi^2 nu)`` after ``t_final`` from ``w0 = 0`` with FNO forcing (single shell)."""
    w = solve_navier_stokes_2d(np.zeros((n, n)), nu=nu, t_final=t_final, record_every=t_final, dt=0.01)[-1]
    return float(np.abs(w - fno_forcing(n) / (8 * np.pi**2 * nu)).max())


def ns_temporal_errors(
    scheme: str, dts: tuple[float, ...] = (0.02, 0.01, 0.005), n: int = 32, seed: int = 0
) -> list[float]:
    """Max error at ``t = 1`` (``nu = 1e-3``, FNO forcing, GRF ``w0``) vs ``dt = dts[-1] / 16`` with the same scheme."""
    w0 = periodic_grf(2, n, dim=2, alpha=2.5, tau=7.0, seed=seed)

    def run(dt: float) -> np.ndarray:
        return solve_navier_stokes_2d(w0, nu=1e-3, t_final=1.0, record_every=1.0, scheme=scheme, dt=dt)

    ref = run(dts[-1] / 16)
    return [float(np.abs(run(dt) - ref).max()) for dt in dts]


def ns_invariants(n: int = 32, seed: int = 0) -> dict[str, float]:
    """Mean vorticity after ``t = 2``, the spectral divergence of ``(u, v)`` and the curl identity ``w = v_x - u_y``."""
    w0 = periodic_grf(2, n, dim=2, alpha=2.5, tau=7.0, seed=seed)
    w = solve_navier_stokes_2d(w0, nu=1e-3, t_final=2.0, record_every=1.0)[:, -1]
    u, v = velocity(w)
    kx = np.fft.fftfreq(n, d=1.0 / n)[:, None]
    ky = np.fft.rfftfreq(n, d=1.0 / n)[None, :]
    uh, vh = scipy.fft.rfft2(u), scipy.fft.rfft2(v)
    div = scipy.fft.irfft2(2j * np.pi * (kx * uh + ky * vh), s=(n, n))
    curl = scipy.fft.irfft2(2j * np.pi * (kx * vh - ky * uh), s=(n, n))
    return {
        "mean_vorticity": float(np.abs(w.mean(axis=(-2, -1))).max()),
        "divergence": float(np.abs(div).max()),
        "curl_identity": float(np.abs(curl - w).max() / np.abs(w).max()),
    }


def ode_checks() -> dict[str, float]:
    """``u = 1``: nonlinear ODE gives ``tanh``; RK4 errors on a coarse grid for 1, 2, 4 substeps (order 4)."""
    x = np.linspace(0.0, 1.0, 1000)
    y = np.linspace(0.0, 1.0, 57)
    tanh_err = float(np.abs(nonlinear_ode(x, np.ones((1, 1000)), y) - np.tanh(y)).max())
    xc = np.linspace(0.0, 1.0, 11)
    u = 1.0 + np.sin(3 * xc)[None] + xc[None] ** 2
    ref = nonlinear_ode(xc, u, xc, substeps=64)
    errs = [float(np.abs(nonlinear_ode(xc, u, xc, substeps=s) - ref).max()) for s in (1, 2, 4)]
    return {"tanh_error": tanh_err, "rk4_order": float(np.mean(observed_orders(errs)))}


def dr_manufactured_errors(
    sizes: tuple[int, ...] = (26, 51, 101), D: float = 0.01, k: float = 0.01
) -> list[float]:
    """Max error for ``s* = sin(pi x)(1 - exp(-t))`` with the matching source, refining ``h`` and ``dt`` together."""

    def exact(x: np.ndarray, t: float) -> np.ndarray:
        return np.sin(np.pi * x) * (1 - np.exp(-t))

    def source(x: np.ndarray, t: float) -> np.ndarray:
        s = exact(x, t)
        return np.sin(np.pi * x) * np.exp(-t) + D * np.pi**2 * s - k * s**2

    errs = []
    for nn in sizes:
        s = solve_diffusion_reaction(source, D=D, k=k, nx=nn, nt=nn)
        x = np.linspace(0.0, 1.0, nn)
        t = np.linspace(0.0, 1.0, nn)
        errs.append(float(np.abs(s[0] - np.stack([exact(x, tt) for tt in t])).max()))
    return errs


def rbf_grf_covariance(n: int = 2000, seed: int = 0, length_scale: float = 0.2) -> dict[str, float]:
    """Sample mean and covariance at 5 points vs the kernel, in units of their standard errors (max |z|)."""
    grf = RBFGRF(length_scale=length_scale)
    pts = np.array([0.0, 0.1, 0.25, 0.5, 0.9])
    vals = grf.eval(grf.sample(n, seed=seed), pts)
    cov_true = np.exp(-0.5 * ((pts[:, None] - pts[None, :]) / length_scale) ** 2)
    emp = vals.T @ vals / n
    se = np.sqrt((cov_true**2 + np.outer(np.diag(cov_true), np.diag(cov_true))) / n)
    z_cov = np.abs(emp - cov_true) / se
    z_mean = np.abs(vals.mean(0)) / np.sqrt(np.diag(cov_true) / n)
    return {
        "max_z_cov": float(z_cov.max()),
        "max_z_mean": float(z_mean.max()),
        "variance": float(np.mean(vals**2)),
    }


def periodic_grf_checks(n: int = 2000, size: int = 32, seed: int = 0) -> dict[str, float]:
    """Periodic GRF (``alpha=2.5, tau=7``): covariance at offsets vs the exact sum (max |z|), and the log-log slope of
    the mean power spectrum at large ``|k|`` (expected ``-2 alpha``)."""
    alpha, tau = 2.5, 7.0
    w = periodic_grf(n, size, dim=2, alpha=alpha, tau=tau, seed=seed)
    offsets = np.array([[0, 0], [1, 0], [0, 3], [5, 2], [8, 8]])
    c_true = periodic_grf_covariance(offsets / size, size, 2, alpha, tau)
    c0 = c_true[0]
    emp = np.array([np.mean(w * np.roll(w, (-int(o[0]), -int(o[1])), axis=(1, 2))) for o in offsets])
    # standard error of a spatially averaged product is at most that of one point: sqrt((c0^2 + c^2)/n)
    z = np.abs(emp - c_true) / np.sqrt((c0**2 + c_true**2) / n)
    power = np.mean(np.abs(np.fft.fft2(w) / size**2) ** 2, axis=0)
    k = np.fft.fftfreq(size, d=1.0 / size)
    kk = np.sqrt(k[:, None] ** 2 + k[None, :] ** 2)
    sel = (kk >= 6) & (kk <= size // 2 - 1)
    slope = np.polyfit(np.log(4 * np.pi**2 * kk[sel] ** 2 + tau**2), np.log(power[sel]), 1)[0] * 2
    return {"max_z_cov": float(z.max()), "spectrum_slope": float(slope), "expected_slope": -2 * alpha}


def neumann_boundary_ratio(n: int = 64, size: int = 64, seed: int = 0) -> float:
    """Mean |one-sided difference| across the boundary cells over that in the interior, for a smooth Neumann GRF
    (``alpha = 4``): small because the normal derivative vanishes (cosine basis)."""
    g = neumann_grf_2d(n, size, alpha=4.0, tau=3.0, seed=seed)
    edge = np.mean(np.abs(g[:, 1, :] - g[:, 0, :])) + np.mean(np.abs(g[:, -1, :] - g[:, -2, :]))
    inner = 2 * np.mean(np.abs(np.diff(g, axis=1)[:, size // 4 : 3 * size // 4]))
    return float(edge / inner)
