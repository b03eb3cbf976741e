"""Dual activations: normalisation, derivative, Monte Carlo, Hermite route, regimes, alpha values."""

import math

import numpy as np
import pytest
import torch

from wide_deep_ntk import from_function, from_hermite, get_activation, optimal_for_dim

NAMES = [
    "relu",
    "erf",
    "sine",
    "sine_2.676",
    "2d_opt",
    "3d_opt",
    "5d_opt",
    "9d_opt",
    "hermite_2",
    "hermite_3",
    "mv_cubic",
]
XI = torch.tensor([-0.9, 0.0, 0.5, 0.99], dtype=torch.float64)


@pytest.mark.parametrize("name", NAMES)
def test_dual_is_normalised_and_ddual_is_its_derivative(name):
    act = get_activation(name)
    assert act.dual_of(1.0) == pytest.approx(1.0, abs=1e-12)
    xi = torch.linspace(-0.95, 0.95, 21, dtype=torch.float64)
    h = 1e-6
    fd = (act.dual(xi + h) - act.dual(xi - h)) / (2 * h)
    torch.testing.assert_close(act.ddual(xi), fd, atol=1e-6, rtol=1e-6)
    d, dd = act.dual_and_ddual(xi)
    torch.testing.assert_close(d, act.dual(xi))
    torch.testing.assert_close(dd, act.ddual(xi))


@pytest.mark.parametrize("name", NAMES)
def test_dual_matches_monte_carlo(name):
    """phid(xi) = E[phi(u) phi(v)], (u, v) standard normal with correlation xi (1e5 samples, 4 sigma)."""
    act = get_activation(name)
    g = torch.Generator().manual_seed(0)
    n = 100_000
    z1 = torch.randn(n, generator=g, dtype=torch.float64)
    z2 = torch.randn(n, generator=g, dtype=torch.float64)
    for xi in XI.tolist():
        u, v = z1, xi * z1 + math.sqrt(1 - xi * xi) * z2
        prod = act.phi(u) * act.phi(v)
        se = float(prod.std()) / math.sqrt(n)
        assert abs(float(prod.mean()) - act.dual_of(xi)) < 4 * se + 1e-12, (name, xi)


@pytest.mark.parametrize("name", ["erf", "sine", "sine_6.13539", "2d_opt", "3d_opt", "5d_opt", "9d_opt"])
def test_hermite_route_equals_closed_form(name):
    act = get_activation(name)
    quad = from_function(act.phi, deg=60)
    xi = torch.linspace(-1, 1, 41, dtype=torch.float64)
    torch.testing.assert_close(quad.dual(xi), act.dual(xi), atol=1e-7, rtol=0)
    series = from_hermite(act.hermite_coeffs, normalize=True)
    torch.testing.assert_close(series.dual(xi), act.dual(xi), atol=1e-10, rtol=0)
    ref = np.zeros(20)
    k = min(20, len(act.hermite_coeffs))
    ref[:k] = act.hermite_coeffs[:k]
    np.testing.assert_allclose(quad.hermite_coeffs[:20], ref, atol=1e-7)


def test_relu_constants():
    act = get_activation("relu")
    assert act.phi0 == pytest.approx(1 / math.pi)
    assert act.mu == pytest.approx(0.5) and act.lam == pytest.approx(1.0)
    erf = get_activation("erf")
    assert erf.mu == pytest.approx(0.9136, abs=1e-4) and erf.lam == pytest.approx(1.2257, abs=1e-4)


@pytest.mark.parametrize(
    "name, alpha",
    [
        ("2d_opt", 0.5),
        ("3d_opt", 1.0),
        ("5d_opt", 2.0),
        ("9d_opt", 4.0),
        ("sine_2.676", 1.0),
        ("sine_6.13539", 2.0),
        ("sine_13.8258", 4.0),
        ("erf", 0.4441),
        ("sine", 0.5928),
    ],
)
def test_alpha_values(name, alpha):
    assert get_activation(name).alpha == pytest.approx(alpha, abs=1e-4)


@pytest.mark.parametrize(
    "name, regime",
    [
        ("relu", "majority"),
        ("mv_cubic", "majority"),
        ("hermite_2", "nearest_neighbor"),
        ("hermite_3", "nearest_neighbor"),
        ("erf", "singular"),
        ("sine", "singular"),
        ("2d_opt", "singular"),
        ("9d_opt", "singular"),
        ("linear", "linear"),
    ],
)
def test_regimes(name, regime):
    assert get_activation(name).regime() == regime


@pytest.mark.parametrize("d", [2, 3, 4, 5, 9, 2.5, 30])
def test_optimal_for_dim_poly(d):
    act = optimal_for_dim(d)
    assert 2 * act.alpha == pytest.approx(d - 1, abs=1e-8)


def test_optimal_for_dim_reproduces_official_polynomials_and_sines():
    for d, name in [(3, "3d_opt"), (5, "5d_opt"), (9, "9d_opt")]:
        np.testing.assert_allclose(
            optimal_for_dim(d).hermite_coeffs[:4] ** 2,
            get_activation(name).hermite_coeffs[:4] ** 2,
            atol=1e-12,
        )
    for d, a in [(3, 2.676), (5, 6.13539), (9, 13.8258)]:
        act = optimal_for_dim(d, family="sine")
        assert 2 * act.alpha == pytest.approx(d - 1, abs=1e-9)
        assert float(act.name[5:]) == pytest.approx(a, rel=1e-3)
