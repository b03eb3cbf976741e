"""scikit-learn's estimator checks (check_estimator) through parametrize_with_checks.

All checks run; the only skips come from scikit-learn itself when optional packages are missing (pandas,
array-API support), not from this package.
"""

from __future__ import annotations

import pytest
from sklearn.utils.estimator_checks import check_estimator, parametrize_with_checks

from gradboost_nn import GBNNClassifier, GBNNRegressor

# small settings so that the ~100 fits of the check suite stay fast; the defaults are checked in a slow test
FAST = dict(n_steps=3, units_per_step=4, max_iter=15, random_state=0)


@parametrize_with_checks(
    [GBNNClassifier(**FAST), GBNNRegressor(learning_rate=0.5, **FAST)],
)
def test_sklearn_compatible(estimator, check):
    """One check of scikit-learn's check_estimator suite; it raises on failure."""
    check(estimator)


@pytest.mark.slow
@pytest.mark.parametrize(
    "estimator", [GBNNClassifier(random_state=0), GBNNRegressor(random_state=0)], ids=repr
)
def test_check_estimator_with_default_settings(estimator):
    """The whole check_estimator suite with the default 200 rounds (minutes)."""
    check_estimator(estimator)
