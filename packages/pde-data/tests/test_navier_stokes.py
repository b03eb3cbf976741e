import numpy as np
import pytest

pytest.importorskip("scipy", reason="pde-data needs scipy (the GPU machine may not have it)")

import pde_data
from pde_data import verify
from pde_data.navier_stokes import solve_navier_stokes_2d


def test_taylor_green_single_shell_decay():
    r = verify.taylor_green()
    assert r["vs_discrete"] < 1e-12  # the nonlinear term vanishes exactly
    assert r["vs_exact"] < 1e-7


def test_taylor_green_exact_error_is_crank_nicolson_time_error():
    """The error against the exact decay is CN's own: its amplification factor ``(1-a)/(1+a)`` per step is
    ``exp(-2a - 2a^3/3 - ...)``, so after ``N`` steps ``max|w0| |r^N - exp(-2aN)| ~ 2 (2/3) a^3 N exp(-2aN)``."""
    nu, dt, t_final = 0.01, 1e-3, 1.0
    r = verify.taylor_green(nu=nu, dt=dt, t_final=t_final)
    a, steps = 4 * np.pi**2 * nu * dt, round(t_final / dt)
    leading = 2 * (2 / 3) * a**3 * steps * np.exp(-2 * a * steps)  # max |w0| = 2 on the 32^2 grid
    assert r["cn_expected"] == pytest.approx(leading, rel=1e-3)
    assert r["vs_exact"] == pytest.approx(r["cn_expected"], rel=1e-6)
    # second order: ten times smaller steps, a hundred times smaller error
    assert verify.taylor_green(nu=nu, dt=dt / 10, t_final=t_final)["cn_expected"] == pytest.approx(
        r["cn_expected"] / 100, rel=1e-2
    )


def test_steady_state_under_fno_forcing():
    assert verify.ns_steady_state() < 1e-8


@pytest.mark.parametrize("scheme,order", [("fno", 1.0), ("cnab2", 2.0)])
def test_temporal_order(scheme, order):
    orders = verify.observed_orders(verify.ns_temporal_errors(scheme))
    assert all(abs(o - order) < 0.3 for o in orders), orders


def test_invariants_mean_divergence_curl():
    r = verify.ns_invariants()
    assert r["mean_vorticity"] < 1e-14
    assert r["divergence"] < 1e-12
    assert r["curl_identity"] < 1e-10


def test_torch_backend_matches_numpy():
    torch = pytest.importorskip("torch")
    w0 = pde_data.periodic_grf(2, 32, dim=2, alpha=2.5, tau=7.0, seed=0)
    a = solve_navier_stokes_2d(w0, nu=1e-3, t_final=2.0)
    b = solve_navier_stokes_2d(w0, nu=1e-3, t_final=2.0, backend="torch", dtype=torch.float64)
    np.testing.assert_allclose(b, a, atol=1e-12)


def test_advection_exact_shift_and_elliptic():
    u0 = pde_data.periodic_grf(1, 32, dim=2, alpha=3.0, tau=5.0, max_mode=8, seed=2)
    out = pde_data.advect_periodic(u0, [3 / 32, -2 / 32], [0.0, 1.0])
    np.testing.assert_allclose(out[:, 1], np.roll(u0, (3, -2), axis=(1, 2)), atol=1e-12)
    f = np.cos(2 * np.pi * np.arange(16) / 16)[None, :, None] * np.ones((1, 16, 16))
    u = pde_data.periodic_elliptic(f, kappa=0.1)
    np.testing.assert_allclose(u, f / (1 + 0.1 * 4 * np.pi**2), atol=1e-12)
    with pytest.raises(ValueError, match="times must be >= 0"):
        pde_data.advect_periodic(u0, [0.1, 0.1], [-1.0])
