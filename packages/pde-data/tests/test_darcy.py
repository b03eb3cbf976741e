import numpy as np
import pytest

pytest.importorskip("scipy", reason="pde-data needs scipy (the GPU machine may not have it)")

import pde_data
from pde_data import verify
from pde_data.darcy import darcy_matrix, solve_darcy_2d


def test_manufactured_solution_second_order():
    orders = verify.observed_orders(verify.darcy_manufactured_errors())
    assert all(abs(o - 2) < 0.1 for o in orders), orders


def test_constant_coefficient_matches_sine_series():
    errs = verify.darcy_poisson_errors()
    orders = verify.observed_orders(errs)
    assert errs[-1] < 2e-5 and all(abs(o - 2) < 0.15 for o in orders), (errs, orders)


def test_maximum_principle_and_zero_boundary():
    a = pde_data.piecewise_constant(pde_data.neumann_grf_2d(4, 33, seed=1))
    u = solve_darcy_2d(a)
    assert u.min() >= 0.0
    assert np.all(u[:, 0] == 0) and np.all(u[:, -1] == 0) and np.all(u[:, :, 0] == 0)
    assert np.all(u[:, 1:-1, 1:-1] > 0)


def test_matrix_symmetric_positive_definite():
    r = verify.darcy_matrix_checks()
    assert r["asymmetry"] == 0.0 and r["min_cholesky_pivot"] > 0


def test_transposing_a_transposes_u():
    a = pde_data.piecewise_constant(pde_data.neumann_grf_2d(2, 21, seed=4))
    u = solve_darcy_2d(a)
    ut = solve_darcy_2d(np.swapaxes(a, 1, 2))
    np.testing.assert_allclose(ut, np.swapaxes(u, 1, 2), atol=1e-14)


def test_matrix_matches_naive_loop_assembly():
    rng = np.random.default_rng(0)
    k = 6
    a = 1 + rng.random((k, k))
    m = k - 2
    h2 = 1.0 / (k - 1) ** 2
    dense = np.zeros((m * m, m * m))
    for i in range(1, k - 1):
        for j in range(1, k - 1):
            r = (i - 1) * m + (j - 1)
            for di, dj in ((1, 0), (-1, 0), (0, 1), (0, -1)):
                face = 0.5 * (a[i, j] + a[i + di, j + dj]) / h2
                dense[r, r] += face
                ii, jj = i + di, j + dj
                if 1 <= ii <= k - 2 and 1 <= jj <= k - 2:
                    dense[r, (ii - 1) * m + (jj - 1)] -= face
    np.testing.assert_allclose(darcy_matrix(a).toarray(), dense, atol=1e-12)


def test_canonical_convention_consistent_with_node_grid():
    assert verify.darcy_convention_gap(kk=65) < 5e-3


def test_subsampling_keeps_both_ends():
    ds = pde_data.generate("darcy_2d", 2, size=21, cache=False)
    sub = ds.subsample(2)
    assert sub["a"].shape == (2, 11, 11)
    np.testing.assert_array_equal(sub["u"], ds["u"][:, ::2, ::2])
    assert sub["x"][0] == 0.0 and sub["x"][-1] == 1.0
    with pytest.raises(ValueError, match="must divide size - 1"):
        ds.subsample(3)
