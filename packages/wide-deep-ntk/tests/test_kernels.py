"""NNGP/NTK recursions: closed forms at the limits, PSD, log domain, Koenigs limit, finite-width networks."""

import math

import numpy as np
import pytest
import torch

import wide_deep_ntk as w


def sphere(n, d, seed=0, positive=False):
    X = np.random.default_rng(seed).normal(size=(n, d))
    X = np.abs(X) if positive else X
    return X / np.linalg.norm(X, axis=1, keepdims=True)


def naive(X1, X2, act, depth):
    """Entry-by-entry loop of the spec's recursion (float64 python scalars)."""
    act = w.get_activation(act)
    K1, K2 = np.zeros((len(X1), len(X2))), np.zeros((len(X1), len(X2)))
    for i in range(len(X1)):
        for j in range(len(X2)):
            xi = min(1.0, max(-1.0, float(X1[i] @ X2[j])))
            th = xi
            for _ in range(depth):
                new = min(1.0, max(-1.0, act.dual_of(xi)))
                th = new + th * act.ddual_of(xi)
                xi = new
            K1[i, j], K2[i, j] = xi, th
    return K1, K2


@pytest.mark.parametrize("name", ["relu", "erf", "sine", "3d_opt", "mv_cubic"])
def test_recursion_matches_naive_loop(name):
    X, Y = sphere(6, 3, 0), sphere(5, 3, 1)
    a, b = w.nngp_and_ntk(X, Y, name, 4)
    na, nb = naive(X, Y, name, 4)
    np.testing.assert_allclose(a, na, atol=1e-13)
    np.testing.assert_allclose(b, nb, atol=1e-12)


def test_depth_zero_is_gram_and_diagonals_are_closed_forms():
    X = sphere(20, 4)
    np.testing.assert_allclose(w.nngp(X, None, "erf", 0), X @ X.T, atol=1e-15)
    for name in ["relu", "erf", "2d_opt", "mv_cubic"]:
        for L in [1, 5, 30]:
            a, b = w.nngp_and_ntk(X, None, name, L)
            np.testing.assert_allclose(np.diag(a), 1.0, atol=1e-12)
            lam = w.get_activation(name).lam
            assert np.allclose(np.diag(b), sum(lam**i for i in range(L + 1)), rtol=1e-10)
            assert w.ntk_diagonal(name, L) == pytest.approx(sum(lam**i for i in range(L + 1)))
            _, bs = w.nngp_and_ntk(X, None, name, L, scaled=True)
            np.testing.assert_allclose(bs, b / w.ntk_diagonal(name, L), rtol=1e-10, atol=1e-300)


def test_linear_activation():
    X = sphere(10, 3)
    G = X @ X.T
    for L in [0, 3, 10]:
        a, b = w.nngp_and_ntk(X, None, "linear", L)
        np.testing.assert_allclose(a, G, atol=1e-14)
        np.testing.assert_allclose(b, (L + 1) * G, atol=1e-12)


@pytest.mark.parametrize("name", ["relu", "erf", "2d_opt", "hermite_2"])
def test_kernels_are_positive_semidefinite(name):
    X = sphere(40, 3, 2)
    for L in [1, 3, 10]:
        a, b = w.nngp_and_ntk(X, None, name, L)
        for K in (a, b):
            ev = np.linalg.eigvalsh(K)
            assert ev.min() > -1e-10 * ev.max()


def test_torch_inputs_give_tensors_and_numpy_agrees():
    X = sphere(8, 3)
    t = w.ntk(torch.as_tensor(X), None, "erf", 5)
    assert isinstance(t, torch.Tensor) and t.dtype == torch.float64
    np.testing.assert_allclose(t.numpy(), w.ntk(X, None, "erf", 5))


def test_kernel_path_equals_separate_depths():
    X, Y = sphere(7, 3), sphere(9, 3, 1)
    path = w.kernel_path(X, Y, "relu", [1, 4, 9])
    for L, (a, b) in path.items():
        ra, rb = w.nngp_and_ntk(X, Y, "relu", L, scaled=True)
        np.testing.assert_allclose(a, ra, atol=1e-14)
        np.testing.assert_allclose(b, rb, atol=1e-14)


@pytest.mark.parametrize(
    "name, depth", [("2d_opt", 60), ("9d_opt", 60), ("sine_6.13539", 40), ("hermite_2", 8)]
)
def test_log_domain_equals_plain_where_both_are_in_range(name, depth):
    X, Y = sphere(15, 3, 0, True), sphere(12, 3, 1, True)
    la, sg = w.log_nngp(X, Y, name, depth)
    K = w.nngp(X, Y, name, depth)
    ok = K > 1e-290
    assert ok.mean() > 0.5
    np.testing.assert_allclose(la[ok], np.log(K[ok]), atol=1e-9)
    assert (sg[ok] == 1).all()


def test_log_domain_reaches_depths_where_plain_underflows():
    X, Y = sphere(10, 3, 0, True), sphere(8, 3, 1, True)
    la, _ = w.log_nngp(X, Y, "9d_opt", 400)  # 16^-400 = 1e-482
    assert np.isfinite(la).all() and la.max() < -400
    mu = w.get_activation("9d_opt").mu
    c = w.limit_kernel(X, Y, "9d_opt")
    np.testing.assert_allclose(la - 400 * math.log(mu), np.log(c), atol=1e-9)
    lh, _ = w.log_nngp(X, Y, "hermite_2", 40)  # xi^(2^40): plain is exactly 0
    assert np.isfinite(lh).all()
    np.testing.assert_allclose(lh, 2.0**40 * np.log(np.clip(X @ Y.T, None, 1.0)), rtol=1e-10)


@pytest.mark.parametrize("name", ["2d_opt", "3d_opt", "erf", "sine_6.13539"])
def test_koenigs_functional_equation(name):
    """c(phid(xi)) = mu c(xi)."""
    act = w.get_activation(name)
    xi = np.linspace(-0.9, 0.99, 25)
    X = np.stack([xi, np.sqrt(1 - xi**2)], 1)
    e = np.array([[1.0, 0.0]])
    c = w.limit_kernel(e, X, act)[0]
    p = act.dual_of(xi)
    Xp = np.stack([p, np.sqrt(1 - p**2)], 1)
    cp = w.limit_kernel(e, Xp, act)[0]
    np.testing.assert_allclose(cp, act.mu * c, rtol=1e-10, atol=1e-14)
    # the singularity exponent: c ~ (1 - xi)^(-alpha) near 1
    t = np.array([1e-6, 1e-8])
    Xs = np.stack([1 - t, np.sqrt(1 - (1 - t) ** 2)], 1)
    cs = w.limit_kernel(e, Xs, act)[0]
    slope = np.log(cs[1] / cs[0]) / np.log(t[0] / t[1])
    assert slope == pytest.approx(act.alpha, abs=0.05)


def test_limit_kernel_marks_coincident_points_and_refuses_other_regimes():
    X = sphere(5, 3)
    C = w.limit_kernel(X, X, "2d_opt")
    assert np.isposinf(np.diag(C)).all()
    with pytest.raises(ValueError, match="singular regime"):
        w.limit_kernel(X, X, "relu")


@pytest.mark.parametrize("name", ["relu", "erf"])
def test_empirical_ntk_converges_to_analytic(name):
    X = torch.as_tensor(sphere(12, 4, 3))
    exact = torch.as_tensor(w.ntk(X.numpy(), None, name, 2))
    errs = {}
    for width in (128, 2048):
        e = []
        for s in range(2):
            net = w.NTKMLP(4, width, 2, activation=name, generator=torch.Generator().manual_seed(s)).double()
            K = w.mlp_empirical_ntk(net, X)
            e.append(float((K - exact).norm() / exact.norm()))
        errs[width] = np.mean(e)
    assert errs[2048] < 0.1 and errs[2048] < errs[128]


def test_layerwise_empirical_ntk_equals_torch_func():
    X = torch.as_tensor(sphere(5, 3))
    net = w.NTKMLP(3, 32, 2, activation="erf", generator=torch.Generator().manual_seed(0)).double()
    torch.testing.assert_close(w.mlp_empirical_ntk(net, X), w.empirical_ntk(net, X), rtol=1e-10, atol=1e-10)


def test_nngp_is_the_output_covariance_of_wide_networks():
    X = torch.as_tensor(sphere(4, 3, 5))
    outs = []
    for s in range(300):
        net = w.NTKMLP(3, 256, 2, activation="relu", generator=torch.Generator().manual_seed(s)).double()
        with torch.no_grad():
            outs.append(net(X))
    F = torch.stack(outs)
    emp = (F.T @ F / len(F)).numpy()
    np.testing.assert_allclose(emp, w.nngp(X.numpy(), None, "relu", 2), atol=0.2)
