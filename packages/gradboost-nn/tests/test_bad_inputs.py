"""Bad input gets a clear error naming the argument: the estimators, the base learner, the study configs."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.datasets import make_classification
from sklearn.exceptions import NotFittedError
from sklearn.utils._param_validation import InvalidParameterError

from gradboost_nn import GBNNClassifier, GBNNRegressor, fit_shallow_net
from gradboost_nn.reproduce import compare, main, switch_off

SMALL = dict(n_steps=8, units_per_step=2, max_iter=30, random_state=0)


@pytest.fixture(scope="module")
def binary():
    return make_classification(n_samples=120, n_features=5, n_informative=3, random_state=0)


@pytest.mark.parametrize(
    "bad",
    [
        dict(n_steps=0),
        dict(units_per_step=0),
        dict(subsample=0.0),
        dict(subsample=1.5),
        dict(learning_rate=0.0),
        dict(max_iter=0),
        dict(activation="gelu"),
        dict(solver="sgd"),
        dict(dtype="float16"),
    ],
    ids=lambda d: next(iter(d)),
)
def test_hyperparameters_are_validated_by_name(binary, bad):
    X, y = binary
    with pytest.raises(InvalidParameterError, match=f"'{next(iter(bad))}' parameter"):
        GBNNClassifier(**bad).fit(X, y)


def test_bad_data_and_prediction_arguments(binary):
    X, y = binary
    with pytest.raises(ValueError, match="at least 2 classes"):
        GBNNClassifier(**SMALL).fit(X, np.zeros(len(X)))
    with pytest.raises(ValueError, match="Unknown label type"):
        GBNNClassifier(**SMALL).fit(X, np.linspace(0, 1, len(X)))
    X_nan = X.copy()
    X_nan[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        GBNNClassifier(**SMALL).fit(X_nan, y)
    with pytest.raises(ValueError, match="subsample \\* n_samples must be at least 2"):
        GBNNRegressor(**SMALL).fit(X[:3], y[:3])
    with pytest.raises(ValueError, match="early_stopping needs at least 1 validation"):
        GBNNClassifier(early_stopping=True, validation_fraction=0.9, **SMALL).fit(X[:2], y[:2])
    with pytest.raises(NotFittedError):
        GBNNClassifier().predict(X)
    clf = GBNNClassifier(**SMALL).fit(X, y)
    with pytest.raises(ValueError, match="features"):
        clf.predict(X[:, :3])
    with pytest.raises(ValueError, match="n_steps must be an integer in \\[0, 8\\]"):
        clf.predict(X, n_steps=9)
    with pytest.raises(ValueError, match="multiple of units_per_step"):
        clf.predict(X, n_units=3)
    with pytest.raises(ValueError, match="give n_steps or n_units, not both"):
        clf.predict(X, n_steps=2, n_units=4)
    # labels never seen in training are simply wrong predictions when scoring, as in scikit-learn
    assert clf.score(X, np.full(len(X), 99)) == 0.0
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA is not available"):
            GBNNClassifier(device="cuda", **SMALL).fit(X, y)


def test_base_learner_arguments():
    X, R = torch.randn(20, 3, dtype=torch.float64), torch.randn(20, 1, dtype=torch.float64)
    gen = torch.Generator().manual_seed(0)
    with pytest.raises(ValueError, match="activation must be one of"):
        fit_shallow_net(X, R, n_units=2, activation="gelu", generator=gen)
    with pytest.raises(ValueError, match="solver must be 'lbfgs' or 'adam'"):
        fit_shallow_net(X, R, n_units=2, solver="sgd", generator=gen)


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: compare.Config(datasets=("mnist",)), "compare.datasets"),
        (lambda: compare.Config(datasets=()), "compare.datasets"),
        (lambda: compare.Config(n_folds=1), "compare.n_folds"),
        (lambda: compare.Config(n_steps=0), "compare.n_steps"),
        (lambda: compare.Config(max_rows=3), "compare.max_rows"),
        (lambda: compare.Config(acc_margin=-0.1), "compare.acc_margin"),
        (lambda: switch_off.Config(dataset="diabetes"), "switch_off.dataset"),
        (lambda: switch_off.Config(fractions=(0.5,)), "switch_off.fractions"),
        (lambda: switch_off.Config(fractions=(0.0, 1.0)), "switch_off.fractions"),
        (lambda: switch_off.Config(n_jobs=0), "switch_off.n_jobs"),
        (lambda: switch_off.Config(margin=-1.0), "switch_off.margin"),
    ],
)
def test_study_configs_are_validated(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_set_override_is_checked_against_the_study(capsys):
    with pytest.raises(SystemExit):
        main(["--preset", "quick", "--set", "compare.n_folds=1", "--out", "unused.json"])
    assert "compare.n_folds must be >= 2" in capsys.readouterr().err


# ---------------------------------------------------------------- issue #25: the bad-input sweep's findings


def test_base_learner_checks_its_data_and_size():
    X, R = torch.randn(20, 3, dtype=torch.float64), torch.randn(20, 1, dtype=torch.float64)
    gen = torch.Generator().manual_seed(0)
    with pytest.raises(ValueError, match="n_units must be an int >= 1, got 0"):
        fit_shallow_net(X, R, n_units=0, generator=gen)  # was a network without hidden units
    with pytest.raises(ValueError, match="X and R must have the same number of rows, got 20 and 5"):
        fit_shallow_net(X, R[:5], n_units=2, generator=gen)  # was "The size of tensor a (20) must match ..."
    R_nan = R.clone()
    R_nan[3] = float("nan")
    with pytest.raises(ValueError, match="X and R must be finite"):
        fit_shallow_net(X, R_nan, n_units=2, generator=gen)  # was a NaN network, silently
