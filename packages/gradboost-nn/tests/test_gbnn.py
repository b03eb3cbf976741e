"""GBNN: losses, Newton steps, one boosting round, assembly, staged prediction, labels."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.datasets import make_classification, make_regression

from gradboost_nn import BinomialDeviance, GBNNClassifier, GBNNRegressor, MultinomialDeviance, SquaredError
from gradboost_nn import _base_learner as bl

SMALL = dict(n_steps=8, units_per_step=2, max_iter=30, random_state=0)


@pytest.fixture(scope="module")
def binary():
    X, y = make_classification(n_samples=120, n_features=5, n_informative=3, random_state=0)
    return X, y


@pytest.fixture(scope="module")
def multiclass():
    X, y = make_classification(
        n_samples=150, n_features=6, n_informative=4, n_classes=3, n_clusters_per_class=1, random_state=1
    )
    return X, y


def test_initial_constant_minimises_the_loss(binary):
    X, y = binary
    y = np.where(np.arange(len(y)) < 30, 1, 0)  # 25% positives
    clf = GBNNClassifier(**SMALL).fit(X, y)
    # before any round, P(y = 1) is the positive fraction, i.e. F0 = 1/2 log(p / (1 - p))
    np.testing.assert_allclose(clf.predict_proba(X, n_steps=0)[:, 1], 0.25, atol=1e-12)
    np.testing.assert_allclose(clf.init_, [0.5 * np.log(0.25 / 0.75)], atol=1e-12)
    # ... and the derivative of the summed loss at F0 vanishes (the constant is the minimiser)
    Y = torch.tensor(np.where(y == 1, 1.0, -1.0)[:, None])
    F0 = torch.tensor(clf.init_, requires_grad=True)
    BinomialDeviance().loss(Y, F0.expand_as(Y)).backward()
    assert abs(float(F0.grad)) < 1e-12
    reg = GBNNRegressor(**SMALL).fit(X, X[:, 0] * 3 + 7)
    np.testing.assert_allclose(reg.predict(X, n_steps=0), np.mean(X[:, 0] * 3 + 7), atol=1e-12)
    # multiclass starts at F0 = 0 (the reference code's choice): the minimiser for balanced classes
    yb = np.arange(len(X)) % 3
    mc = GBNNClassifier(**SMALL).fit(X, yb)
    np.testing.assert_allclose(mc.predict_proba(X, n_steps=0), 1 / 3, atol=1e-12)


def test_residuals_are_negative_gradients():
    rng = np.random.RandomState(0)
    F = torch.tensor(rng.randn(7, 3), requires_grad=True)
    Y = torch.eye(3, dtype=torch.float64)[torch.tensor(rng.randint(0, 3, 7))]
    for loss, Yl, Fl in [
        (MultinomialDeviance(), Y, F),
        (BinomialDeviance(), torch.tensor(rng.choice([-1.0, 1.0], (7, 1))), F[:, :1]),
        (SquaredError(), torch.tensor(rng.randn(7, 3)), F),
    ]:
        (g,) = torch.autograd.grad(loss.loss(Yl, Fl) * Yl.shape[0], F)
        g = g[:, : Fl.shape[1]]
        scale = 2.0 if isinstance(loss, SquaredError) else 1.0  # squared error is reported as mean (y - F)^2
        torch.testing.assert_close(loss.residuals(Yl, Fl.detach()), -g / scale)


def test_newton_step_hand_computed_and_against_autograd():
    # binary, F = 0, y = (1, -1, 1), f = (1, -1, 0.5): r = y, rho = (1 + 1 + 0.5) / ((1 + 1 + 0.25) * 1 * (2 - 1))
    Y = torch.tensor([[1.0], [-1.0], [1.0]], dtype=torch.float64)
    f = torch.tensor([[1.0], [-1.0], [0.5]], dtype=torch.float64)
    loss = BinomialDeviance()
    R = loss.residuals(Y, torch.zeros_like(Y))
    torch.testing.assert_close(R, Y)
    assert float(loss.newton_step(Y, R, f)) == pytest.approx(2.5 / 2.25, rel=1e-9)
    # binomial: exactly one Newton step of s -> sum L(F + s f) at s = 0 (first and second derivative by autograd)
    rng = np.random.RandomState(3)
    Y = torch.tensor(rng.choice([-1.0, 1.0], (20, 1)))
    F = torch.tensor(rng.randn(20, 1))
    f = torch.tensor(rng.randn(20, 1))
    s = torch.zeros((), dtype=torch.float64, requires_grad=True)
    (g1,) = torch.autograd.grad(loss.loss(Y, F + s * f) * 20, s, create_graph=True)
    (g2,) = torch.autograd.grad(g1, s)
    assert float(loss.newton_step(Y, loss.residuals(Y, F), f)) == pytest.approx(
        float((-g1 / g2).detach()), rel=1e-9
    )
    # multinomial: numerator = -g'(0); denominator = the diagonal Hessian approximation sum f^2 p (1 - p)
    mloss = MultinomialDeviance()
    Y = torch.eye(4, dtype=torch.float64)[torch.tensor(rng.randint(0, 4, 20))]
    F, f = torch.tensor(rng.randn(20, 4)), torch.tensor(rng.randn(20, 4))
    (g1,) = torch.autograd.grad(mloss.loss(Y, F + s * f) * 20, s)
    p = torch.softmax(F, 1)
    expected = -g1 / (f * f * p * (1 - p)).sum()
    assert float(mloss.newton_step(Y, mloss.residuals(Y, F), f)) == pytest.approx(float(expected), rel=1e-9)


def test_one_boosting_round(binary):
    X, y = binary
    clf = GBNNClassifier(n_steps=1, units_per_step=2, subsample=1.0, learning_rate=0.7, random_state=0).fit(
        X, y
    )
    # the round's network output f (recovered from the assembled net) and the recorded step eta * rho
    H = 1 / (1 + np.exp(-(X @ clf.coefs_[0] + clf.intercepts_[0])))
    step = clf.steps_[0]
    f = (H @ clf.coefs_[1] + clf.step_intercepts_[0]) / (2 * step)  # output weights carry 2 * eta * rho
    Y = torch.tensor(np.where(y == clf.classes_[1], 1.0, -1.0)[:, None])
    F0 = torch.tensor(clf.init_).expand_as(Y)
    loss = BinomialDeviance()
    rho = loss.newton_step(Y, loss.residuals(Y, F0), torch.tensor(f))
    assert step == pytest.approx(0.7 * float(rho), rel=1e-8)
    np.testing.assert_allclose(clf.decision_function(X), 2 * (clf.init_[0] + step * f[:, 0]), atol=1e-10)
    # the round lowered the training loss from its value at F0
    assert clf.train_loss_[0] < float(loss.loss(Y, F0))


def test_training_loss_decreases_with_small_eta(binary):
    X, y = binary
    reg = GBNNRegressor(n_steps=15, learning_rate=0.1, subsample=1.0, max_iter=50, random_state=0)
    reg.fit(X, np.sin(X[:, 0]) + X[:, 1] ** 2)
    assert np.all(np.diff(reg.train_loss_) <= 1e-12)
    clf = GBNNClassifier(n_steps=15, learning_rate=0.5, subsample=1.0, max_iter=50, random_state=0).fit(X, y)
    assert np.all(np.diff(clf.train_loss_) <= 1e-12)


@pytest.mark.parametrize("kind", ["binary", "multiclass", "regression", "multioutput"])
def test_to_torch_reproduces_the_estimator(kind, binary, multiclass):
    X, y = multiclass if kind == "multiclass" else binary
    if kind in ("regression", "multioutput"):
        target = X[:, :2] @ np.array([[1.0, 2.0], [-1.0, 0.5]])
        est = GBNNRegressor(**SMALL).fit(X, target[:, 0] if kind == "regression" else target)
        ref = est.predict(X)
    else:
        est = GBNNClassifier(**SMALL).fit(X, y)
        ref = est.decision_function(X)
    net = est.to_torch()
    assert net[0].out_features == est.n_steps_ * est.units_per_step
    with torch.no_grad():
        out = net(torch.tensor(X)).numpy()
    np.testing.assert_allclose(out.reshape(ref.shape), ref, atol=1e-10, rtol=0)
    if kind == "binary":
        np.testing.assert_allclose(
            torch.sigmoid(torch.tensor(out[:, 0])).numpy(), est.predict_proba(X)[:, 1], atol=1e-10
        )
    if kind == "multiclass":
        np.testing.assert_allclose(
            torch.softmax(torch.tensor(out), 1).numpy(), est.predict_proba(X), atol=1e-10
        )
    # switching off the last rounds = a smaller network
    with torch.no_grad():
        half = est.to_torch(n_steps=3)(torch.tensor(X)).numpy()
    ref3 = (
        est.predict(X, n_steps=3)
        if kind in ("regression", "multioutput")
        else est.decision_function(X, n_steps=3)
    )
    np.testing.assert_allclose(half.reshape(ref3.shape), ref3, atol=1e-10, rtol=0)


def test_staged_predictions_and_switch_off(multiclass):
    X, y = multiclass
    clf = GBNNClassifier(**SMALL).fit(X, y)
    staged = list(clf.staged_predict_proba(X))
    assert len(staged) == clf.n_steps_ == 8
    np.testing.assert_allclose(staged[-1], clf.predict_proba(X), atol=1e-12)
    for k in (1, 4):
        np.testing.assert_allclose(clf.predict_proba(X, n_steps=k), staged[k - 1], atol=1e-12)
        np.testing.assert_array_equal(clf.predict(X, n_units=k * 2), list(clf.staged_predict(X))[k - 1])
        np.testing.assert_allclose(
            clf.decision_function(X, n_steps=k), list(clf.staged_decision_function(X))[k - 1]
        )
    reg = GBNNRegressor(**SMALL).fit(X, X[:, 0])
    np.testing.assert_allclose(list(reg.staged_predict(X))[-1], reg.predict(X), atol=1e-12)


def test_determinism_and_subsample_streams(binary):
    X, y = binary
    a = GBNNClassifier(**SMALL).fit(X, y)
    b = GBNNClassifier(**SMALL).fit(X, y)
    c = GBNNClassifier(**{**SMALL, "random_state": 1}).fit(X, y)
    for u, v in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_, strict=True):
        np.testing.assert_array_equal(u, v)
    assert not np.allclose(a.coefs_[0], c.coefs_[0])


def test_identity_activation_recovers_a_linear_target():
    X, y, w = make_regression(n_samples=80, n_features=4, noise=0.0, coef=True, random_state=0)
    y = y + 3.0
    reg = GBNNRegressor(
        n_steps=5, learning_rate=1.0, subsample=1.0, activation="identity", alpha=0.0, random_state=0
    )
    reg.fit(X, y)
    np.testing.assert_allclose(reg.predict(X), y, atol=1e-4 * np.abs(y).max())


@pytest.mark.parametrize("labels", [np.array(["cat", "dog"]), np.array([3, 7]), np.array([-5, 2, 40])])
def test_label_handling(labels, multiclass):
    X, y = multiclass
    yy = labels[y % len(labels)]
    clf = GBNNClassifier(**SMALL).fit(X, yy)
    np.testing.assert_array_equal(clf.classes_, np.sort(labels))
    assert set(clf.predict(X)) <= set(labels)
    assert clf.score(X, yy) > 0.8
    assert clf.predict_proba(X).shape == (len(X), len(labels))


def test_early_stopping_keeps_the_best_round():
    X, y = make_classification(n_samples=200, n_features=6, flip_y=0.3, random_state=0)
    clf = GBNNClassifier(
        n_steps=60, learning_rate=1.0, early_stopping=True, n_iter_no_change=3, max_iter=30, random_state=0
    )
    clf.fit(X, y)
    assert clf.n_steps_ < 60
    assert clf.n_steps_ == int(np.argmin(clf.validation_loss_)) + 1
    assert len(clf.validation_loss_) == clf.n_steps_ + 3
    assert clf.coefs_[0].shape[1] == clf.n_steps_


def test_base_learner_gradient_and_solvers():
    rng = np.random.RandomState(0)
    X, R = torch.tensor(rng.randn(30, 3)), torch.tensor(rng.randn(30, 2))
    params = [torch.tensor(rng.randn(*s)) for s in [(3, 4), (4,), (4, 2), (2,)]]
    for act in bl.ACTIVATIONS:
        _, grads = bl._loss_and_grads(X, R, params, act, 0.3)
        p = [t.clone().requires_grad_(True) for t in params]
        bl._objective(X, R, p, bl.activation_fn(act), 0.3).backward()
        for g, q in zip(grads, p, strict=True):
            torch.testing.assert_close(g, q.grad)
    p = [t.clone().requires_grad_(True) for t in params]
    assert torch.autograd.gradcheck(lambda *q: bl._objective(X, R, list(q), torch.tanh, 0.3), tuple(p))
    # the three optimisers reduce the objective below its value at the initial weights
    start = bl._objective(X, R, params, torch.sigmoid, 1e-4)
    for solver, kw in [("lbfgs", {}), ("adam", {"learning_rate_init": 0.05})]:
        net = bl.fit_shallow_net(
            X, R, n_units=4, solver=solver, max_iter=50, generator=torch.Generator().manual_seed(0), **kw
        )
        assert float(bl._objective(X, R, [net.W, net.b, net.V, net.c], torch.sigmoid, 1e-4)) < float(start)


@pytest.mark.slow  # torch.optim imports torch._dynamo on first use: seconds of start-up, so not in the quick suite
def test_torch_lbfgs_path_on_cpu():
    rng = np.random.RandomState(0)
    X, R = torch.tensor(rng.randn(30, 3)), torch.tensor(rng.randn(30, 2))
    params = [torch.tensor(rng.randn(*s)) for s in [(3, 4), (4,), (4, 2), (2,)]]
    start = float(bl._objective(X, R, params, torch.sigmoid, 1e-4))
    scipy_fit = bl._lbfgs_scipy(X, R, [t.clone() for t in params], "logistic", 1e-4, 100)
    torch_params = [t.clone() for t in params]
    bl._lbfgs_torch(X, R, torch_params, "logistic", 1e-4, 100)  # the GPU path, run here on the CPU
    end_torch = float(bl._objective(X, R, torch_params, torch.sigmoid, 1e-4))
    end_scipy = float(bl._objective(X, R, scipy_fit, torch.sigmoid, 1e-4))
    assert end_torch < start and end_scipy < start
    assert end_torch == pytest.approx(end_scipy, rel=0.05)  # both reach a comparable minimum
