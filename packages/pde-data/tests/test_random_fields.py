import numpy as np
import pytest

pytest.importorskip("scipy", reason="pde-data needs scipy (the GPU machine may not have it)")

import pde_data
from pde_data import verify


def test_rbf_grf_covariance_and_mean_within_standard_errors():
    r = verify.rbf_grf_covariance(n=1000, seed=1)
    assert r["max_z_cov"] < 4.0 and r["max_z_mean"] < 4.0
    assert abs(r["variance"] - 1.0) < 0.1


def test_rbf_grf_matches_kernel_exactly_through_factor():
    grf = pde_data.RBFGRF(length_scale=0.3, n_grid=200)
    # L L^T reproduces the kernel (plus jitter)
    np.testing.assert_allclose(grf.factor @ grf.factor.T, grf.cov, atol=1e-8)
    eig = pde_data.RBFGRF(length_scale=0.3, n_grid=200, method="eigh")
    np.testing.assert_allclose(eig.factor @ eig.factor.T, grf.cov, atol=1e-8)


def test_rbf_grf_factor_does_not_depend_on_blas_threads():
    """The default RBF covariance is numerically rank-deficient, so a multi-threaded Cholesky returns a different
    (equally valid) factor per thread count; the factor is computed with one BLAS thread whatever the setting."""
    from threadpoolctl import threadpool_limits

    factors = []
    for limit in (1, 2, None):
        with threadpool_limits(limits=limit):
            factors.append(pde_data.RBFGRF().factor)
    for f in factors[1:]:
        np.testing.assert_array_equal(f, factors[0])


def test_sensor_evaluation_is_the_cubic_spline_and_validates():
    grf = pde_data.RBFGRF(n_grid=101)
    v = grf.sample(3, seed=2)
    np.testing.assert_allclose(grf.eval(v, grf.x[::10]), v[:, ::10], atol=1e-12)
    with pytest.raises(ValueError, match="sensors must lie in the domain"):
        grf.eval(v, [0.5, 1.5])
    with pytest.warns(UserWarning, match="not sorted"):
        out = grf.eval(v, [0.7, 0.2])
    np.testing.assert_allclose(out, grf.eval(v, [0.2, 0.7]))


def test_periodic_grf_covariance_and_spectrum_slope():
    r = verify.periodic_grf_checks(n=600, size=32, seed=3)
    assert r["max_z_cov"] < 4.0
    assert abs(r["spectrum_slope"] - r["expected_slope"]) < 0.15


def test_periodic_grf_band_limited_is_resolution_consistent():
    a = pde_data.periodic_grf(2, 32, dim=2, alpha=2.5, tau=7.0, max_mode=8, seed=5)
    b = pde_data.periodic_grf(2, 64, dim=2, alpha=2.5, tau=7.0, max_mode=8, seed=5)
    np.testing.assert_allclose(b[:, ::2, ::2], a, atol=1e-12)
    c = pde_data.periodic_grf(2, 32, dim=2, alpha=2.5, tau=7.0, seed=5)
    assert np.abs(c).max() > 0 and abs(c.mean()) < 1e-12  # zero mean mode


def test_periodic_grf_fno_burgers_variance():
    # Var u(x) = sum_k 2 sigma^2 (4 pi^2 k^2 + tau^2)^-alpha (FNO code's convention)
    u = pde_data.periodic_grf(4000, 64, dim=1, alpha=2.0, tau=5.0, sigma=25.0, seed=0)
    exact = pde_data.periodic_grf_covariance(np.zeros((1, 1)), 64, 1, 2.0, 5.0, 25.0)[0]
    assert abs(np.mean(u**2) / exact - 1) < 0.05


def test_neumann_grf_zero_normal_derivative_and_matlab_scaling():
    assert verify.neumann_boundary_ratio(n=32, size=64, seed=0) < 0.2
    # a single cosine mode: L = size * c * xi at (k1, k2) = (1, 0), inverse orthonormal DCT
    import scipy.fft

    size = 16
    g = pde_data.neumann_grf_2d(1, size, seed=7)[0]
    coef = scipy.fft.dctn(g, type=2, norm="ortho")
    xi = np.random.default_rng(np.random.SeedSequence([7, 0])).standard_normal((size, size))
    from pde_data.random_fields import neumann_grf_coefficients

    c = size * neumann_grf_coefficients(size, 2.0, 3.0) * xi
    c[0, 0] = 0
    np.testing.assert_allclose(coef, c, atol=1e-10)


def test_piecewise_constant_threshold():
    a = pde_data.piecewise_constant(np.array([-1.0, 0.0, 2.0]))
    np.testing.assert_array_equal(a, [3.0, 12.0, 12.0])


@pytest.mark.slow
def test_same_statistics_as_deepxde_grf():
    dde = pytest.importorskip("deepxde.data.function_spaces", reason="deepxde not installed")
    ours = pde_data.RBFGRF(length_scale=0.2, n_grid=1000)
    theirs = dde.GRF(T=1, kernel="RBF", length_scale=0.2, N=1000, interp="cubic")
    np.testing.assert_allclose(ours.x, theirs.x.ravel())
    np.testing.assert_allclose(theirs.L @ theirs.L.T, ours.factor @ ours.factor.T, atol=1e-8)
    sensors = np.linspace(0, 1, 100)
    v = ours.sample(5, seed=0)
    np.testing.assert_allclose(ours.eval(v, sensors), theirs.eval_batch(v, sensors[:, None]), atol=1e-10)
