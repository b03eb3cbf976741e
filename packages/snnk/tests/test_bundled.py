import numpy as np
import pytest
import torch
from sklearn.linear_model import Ridge

import snnk
from snnk.bundled import BundledClassifier, BundledRegressor, ridge_solve


@pytest.mark.parametrize("n", [200, 20])  # primal (n >= m') and dual (n < m') systems
def test_ridge_equals_sklearn_ridge(n):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 5))
    y = rng.normal(size=(n, 2))
    est = BundledRegressor("relu", num_features=64, alpha=0.3, random_state=1).fit(X, y)
    phi = est.features(X)
    ref = Ridge(alpha=0.3).fit(phi, y)
    np.testing.assert_allclose(est.coef_, ref.coef_, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(est.intercept_, ref.intercept_, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(est.predict(X), ref.predict(phi), rtol=1e-7, atol=1e-9)


def test_noiseless_recovery_and_primal_dual_agree():
    g = torch.Generator().manual_seed(0)
    phi = torch.randn(300, 20, generator=g, dtype=torch.float64)
    M = torch.randn(20, 3, generator=g, dtype=torch.float64)
    torch.testing.assert_close(ridge_solve(phi, phi @ M, 1e-10), M, atol=1e-6, rtol=0)
    wide = torch.randn(15, 40, generator=g, dtype=torch.float64)
    y = torch.randn(15, 2, generator=g, dtype=torch.float64)
    a = 0.5
    primal = torch.linalg.solve(wide.T @ wide + a * torch.eye(40, dtype=torch.float64), wide.T @ y)
    torch.testing.assert_close(ridge_solve(wide, y, a), primal)


def test_bundled_classifier_and_depth_two():
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    X = (X - X.mean(0)) / np.where(X.std(0) > 0, X.std(0), 1)
    clf = BundledClassifier("relu", num_features=256, alpha=1.0, random_state=0).fit(X[:1000], y[:1000])
    assert clf.score(X[1000:], y[1000:]) > 0.9
    proba = clf.predict_proba(X[1000:1005])
    np.testing.assert_allclose(proba.sum(1), 1.0)
    assert clf.num_parameters_ == 10 * 256 + 10
    deep = BundledClassifier("relu", num_features=128, depth=2, alpha=1.0, random_state=0).fit(
        X[:500], y[:500]
    )
    assert deep.features(X[:3]).shape == (3, 128)
    tower = [snnk.ReLUFeatures(64, 32, seed=0), snnk.ReLUFeatures(32, 16, seed=1)]
    assert BundledClassifier(tower).fit(X[:100], y[:100]).features(X[:2]).shape == (2, 16)


def test_sklearn_estimator_checks():
    from sklearn.utils.estimator_checks import check_estimator

    check_estimator(BundledRegressor(num_features=32, random_state=0))
    check_estimator(BundledClassifier(num_features=32, random_state=0))
