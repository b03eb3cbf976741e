import numpy as np
import pytest

pytest.importorskip("scipy", reason="pde-data needs scipy (the GPU machine may not have it)")

from pde_data import verify
from pde_data.burgers import solve_burgers_1d


def test_spectral_convergence_in_space():
    errs = verify.burgers_spatial_errors()
    assert errs[0] / errs[1] > 100 and (errs[1] / errs[2] > 100 or errs[2] < 1e-11), errs


def test_etdrk4_is_fourth_order():
    errs = verify.burgers_temporal_errors()
    orders = verify.observed_orders(errs)
    assert all(o > 3.5 for o in orders), (errs, orders)


def test_mass_conservation_and_energy_budget():
    r = verify.burgers_budgets()
    assert r["mass_drift"] < 1e-13
    assert r["energy_budget_rel"] < 1e-6, r


def test_flux_sign_bump_steepens_on_the_right():
    n = 256
    x = np.arange(n) / n
    u0 = np.exp(-((x - 0.3) ** 2) / 0.005)
    u = solve_burgers_1d(u0, nu=2e-3, t_final=0.15, dt=1e-3)
    du = np.diff(u)
    assert np.argmax(u) > np.argmax(u0)  # moves right
    assert -du.min() > 2 * du.max()  # steep front on the right


def test_trajectory_output_and_zero_time():
    u0 = np.sin(2 * np.pi * np.arange(64) / 64)[None]
    traj = solve_burgers_1d(u0, nu=0.1, t_final=0.2, n_records=4)
    assert traj.shape == (1, 5, 64)
    np.testing.assert_array_equal(traj[:, 0], u0)
    np.testing.assert_allclose(traj[:, -1], solve_burgers_1d(u0, nu=0.1, t_final=0.2), atol=1e-12)
