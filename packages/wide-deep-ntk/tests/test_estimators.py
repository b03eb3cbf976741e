"""Estimators: the scikit-learn contract, the paper's limit classifiers, the SVC kernel, multiclass."""

import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.neighbors import KNeighborsClassifier
from sklearn.svm import SVC
from sklearn.utils.estimator_checks import check_estimator

import wide_deep_ntk as w


@pytest.mark.parametrize(
    "est",
    [
        w.InfiniteDepthKernelClassifier("erf", 5),
        w.InfiniteDepthKernelClassifier("hermite_2", limit=True),
        w.InfiniteDepthKernelClassifier("relu", 3, kernel="ntk"),
        w.DeepKernelRegressor(),
        w.HilbertKernelClassifier(),
    ],
    ids=["erf-nngp", "nn-limit", "relu-ntk", "regressor", "hilbert"],
)
def test_check_estimator(est):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_estimator(est)


@pytest.mark.slow
@pytest.mark.parametrize(
    "est",
    [w.InfiniteDepthKernelClassifier(), w.InfiniteDepthKernelClassifier("2d_opt", limit=True)],
    ids=["defaults", "singular-limit"],
)
def test_check_estimator_defaults_and_singular_limit(est):
    """The whole suite with the default depth 100 and with the Koenigs limit (about a minute each)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_estimator(est)


@pytest.fixture(scope="module")
def task():
    return w.dirichlet_split(150, 300, 2, seed=3)


def test_deep_opt_equals_its_limit_and_tracks_hilbert(task):
    D = task
    fit = dict(normalize="none")
    deep = (
        w.InfiniteDepthKernelClassifier("2d_opt", 200, **fit)
        .fit(D["X_train"], D["y_train"])
        .predict(D["X_test"])
    )
    lim = (
        w.InfiniteDepthKernelClassifier("2d_opt", limit=True, **fit)
        .fit(D["X_train"], D["y_train"])
        .predict(D["X_test"])
    )
    assert np.mean(deep == lim) >= 0.99
    hil = w.HilbertKernelClassifier(exponent=1.0).fit(D["X_train"], D["y_train"]).predict(D["X_test"])
    assert np.mean(lim == hil) >= 0.9  # same exponent 2 alpha = 1, different kernel shape away from 0


def test_limits_of_the_other_regimes(task):
    D = task
    nn = KNeighborsClassifier(1).fit(D["X_train"], D["y_train"]).predict(D["X_test"])
    for act in ("hermite_2", "hermite_3"):
        p = w.InfiniteDepthKernelClassifier(act, limit=True, normalize="none").fit(D["X_train"], D["y_train"])
        assert p.regime_ == "nearest_neighbor"
        assert np.mean(p.predict(D["X_test"]) == nn) == 1.0
    m = w.InfiniteDepthKernelClassifier("relu", limit=True, normalize="none").fit(D["X_train"], D["y_train"])
    maj = 1.0 if D["y_train"].sum() > 0 else -1.0
    assert (m.predict(D["X_test"]) == maj).all() and m.regime_ == "majority"


def test_labels_of_any_type_and_multiclass():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3)) + np.repeat(np.eye(3) * 4, 20, axis=0)
    y = np.repeat(np.array(["a", "b", "c"]), 20)
    for est in (
        w.InfiniteDepthKernelClassifier("erf", 20),
        w.InfiniteDepthKernelClassifier("3d_opt", limit=True),
        w.HilbertKernelClassifier(),
    ):
        est.fit(X, y)
        assert est.predict(X).dtype == y.dtype and est.score(X, y) == 1.0
        assert est.decision_function(X).shape == (60, 3)
        assert clone(est).get_params() == est.get_params()


def test_regressor_interpolates_and_ridge_smooths():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(30, 3))
    y = np.sin(X[:, 0])
    r = w.DeepKernelRegressor("relu", 2).fit(X, y)
    np.testing.assert_allclose(r.predict(X), y, atol=1e-8)
    Y2 = np.stack([y, y**2], 1)
    assert w.DeepKernelRegressor("erf", 3, ridge=0.1).fit(X, Y2).predict(X).shape == (30, 2)


def test_deep_kernel_for_svc():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(80, 4))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    k = w.DeepKernel("relu", 3)
    K = k(X)
    assert K.shape == (80, 80) and np.allclose(np.diag(K), 1.0)
    assert np.linalg.eigvalsh(K).min() > -1e-10
    svc = SVC(kernel=k, C=10.0).fit(X, y)
    assert svc.score(X, y) > 0.8
    assert "relu" in repr(k)


def test_duplicates_warn_and_are_solved_by_pseudo_inverse():
    X = np.array([[1.0, 0.0], [2.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    y = np.array([0, 0, 1, 1])
    with pytest.warns(UserWarning, match="coincide"):
        clf = w.InfiniteDepthKernelClassifier("erf", 10, normalize="sphere").fit(X, y)
    assert (clf.predict(X) == y).all()
    w.InfiniteDepthKernelClassifier("erf", 10, normalize="sphere", ridge=1e-6).fit(X, y)  # no warning needed
