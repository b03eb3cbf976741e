import numpy as np
import pytest

pytest.importorskip("scipy", reason="pde-data needs scipy (the GPU machine may not have it)")
import scipy.interpolate

import pde_data
from pde_data import verify
from pde_data.diffusion_reaction import solve_diffusion_reaction, thomas
from pde_data.ode import ppoly_eval


def test_antiderivative_exact_for_cubic_polynomials():
    x = np.linspace(0.0, 1.0, 50)
    u = np.stack([np.ones_like(x), 1 + 2 * x - 3 * x**2 + 4 * x**3])
    y = np.array([[0.0, 0.3, 1.0], [0.15, 0.5, 0.99]])
    s = pde_data.antiderivative(x, u, y)
    np.testing.assert_allclose(s[0], y[0], atol=1e-14)
    yy = y[1]
    np.testing.assert_allclose(s[1], yy + yy**2 - yy**3 + yy**4, atol=1e-13)


def test_batched_piecewise_evaluation_matches_scipy_loop():
    rng = np.random.default_rng(0)
    x = np.linspace(0.0, 1.0, 30)
    v = rng.standard_normal((4, 30))
    y = rng.uniform(0, 1, (4, 7))
    cs = scipy.interpolate.CubicSpline(x, v, axis=1).antiderivative()
    fast = ppoly_eval(cs.x, cs.c, y)
    loop = np.stack([scipy.interpolate.CubicSpline(x, v[i]).antiderivative()(y[i]) for i in range(4)])
    np.testing.assert_allclose(fast, loop, atol=1e-13)


def test_nonlinear_ode_tanh_and_rk4_order():
    r = verify.ode_checks()
    assert r["tanh_error"] < 1e-12
    assert 3.7 < r["rk4_order"] < 4.4


def test_nonlinear_ode_blow_up_gives_nan_targets_and_one_clear_warning():
    import warnings

    # u = -4: s' = -s^2 - 4 gives s = -2 tan(2x), which blows up at x = pi/4 < 1; u = 1: s = tanh(x)
    x = np.linspace(0.0, 1.0, 1000)
    values = np.stack([np.full(1000, -4.0), np.ones(1000)])
    y = np.array([0.1, 0.5, 0.7])  # all before the blow-up: the function still has no solution on [0, 1]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no numpy overflow warnings leak out
        s = pde_data.nonlinear_ode(x, values, y)
    assert np.isnan(s[0]).all()
    np.testing.assert_allclose(s[1], np.tanh(y), atol=1e-10)
    # the generator counts such samples and says how to drop them (1 in the first 2000 draws of seed 0)
    with pytest.warns(RuntimeWarning, match="non-finite targets") as rec:
        d = pde_data.operator_samples("nonlinear_ode", 2000, seed=0)
    bad = ~np.isfinite(d.s).all(1)
    assert bad.sum() >= 1 and str(int(bad.sum())) in str(rec[0].message)
    assert np.abs(d.s[~bad]).max() < 10


def test_pendulum_small_forcing_is_linear_oscillator():
    # s1'' + sin(s1) = u with tiny constant u: s1 ~ u (1 - cos t) (linearised pendulum)
    x = np.linspace(0.0, 1.0, 200)
    eps = 1e-4
    y = np.linspace(0.0, 1.0, 11)
    s = pde_data.pendulum(x, np.full((1, 200), eps), y)
    np.testing.assert_allclose(s[0, :, 0], eps * (1 - np.cos(y)), atol=1e-10)
    np.testing.assert_allclose(s[0, :, 1], eps * np.sin(y), atol=1e-10)


def test_operator_samples_layout_and_triples():
    o = pde_data.operator_samples("nonlinear_ode", 6, n_points=4, seed=3)
    assert o.u.shape == (6, 100) and o.y.shape == (6, 4, 1) and o.s.shape == (6, 4)
    u, y, s = o.triples()
    assert u.shape == (24, 100) and y.shape == (24, 1) and s.shape == (24, 1)
    np.testing.assert_array_equal(u[4], o.u[1])
    assert o.meta["config"]["length_scale"] == 0.2
    dr = pde_data.operator_samples("diffusion_reaction", 2, n_points=5)
    assert dr.y.shape == (2, 5, 2) and dr.u.shape == (2, 100)
    # the sampled points are the stored solution at (x, t)
    sol = pde_data.generate("diffusion_reaction", 2, n_points=5, dtype="float64", cache=False)
    ix = np.rint(sol["y"][..., 0] * 99).astype(int)
    it = np.rint(sol["y"][..., 1] * 99).astype(int)
    np.testing.assert_allclose(sol["solution"][np.arange(2)[:, None], it, ix], sol["s"])


def test_thomas_matches_dense_solve():
    rng = np.random.default_rng(1)
    diag = 3 + rng.random((3, 9))
    rhs = rng.standard_normal((3, 9))
    x = thomas(-0.7, diag, -0.4, rhs)
    for i in range(3):
        mat = np.diag(diag[i]) + np.diag(np.full(8, -0.7), -1) + np.diag(np.full(8, -0.4), 1)
        np.testing.assert_allclose(mat @ x[i], rhs[i], atol=1e-12)


def test_diffusion_reaction_second_order_manufactured():
    errs = verify.dr_manufactured_errors()
    orders = verify.observed_orders(errs)
    assert all(1.85 < o < 2.2 for o in orders), (errs, orders)


def test_diffusion_reaction_linear_case_matches_sine_mode():
    # k = 0 and f = sin(pi x): s = (1 - exp(-D pi^2 t)) sin(pi x) / (D pi^2)
    D = 0.5
    x = np.linspace(0, 1, 201)
    s = solve_diffusion_reaction(np.sin(np.pi * x), D=D, k=0.0, nx=201, nt=201)
    t = np.linspace(0, 1, 201)
    exact = (1 - np.exp(-D * np.pi**2 * t))[:, None] * np.sin(np.pi * x)[None] / (D * np.pi**2)
    assert np.abs(s[0] - exact).max() < 1e-4
