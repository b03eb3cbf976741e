"""scikit-learn's estimator checks (check_estimator) through parametrize_with_checks: every check runs, none is
marked as an expected failure (shallow mode computes in float64, seeded, so refits are identical)."""

from __future__ import annotations

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from tell_clustering import TELLClustering

FAST = dict(max_epochs=10, random_state=0)


@parametrize_with_checks(
    [
        TELLClustering(n_clusters=3, **FAST),
        TELLClustering(n_clusters=3, optimizer="lloyd", batch_size=None, **FAST),
    ]
)
def test_sklearn_compatible(estimator, check):
    """One check of scikit-learn's check_estimator suite; it raises on failure."""
    check(estimator)


@pytest.mark.slow
@parametrize_with_checks(
    [TELLClustering(n_clusters=3, encoder="mlp", hidden=(16,), max_epochs=4, batch_size=32, random_state=0)]
)
def test_sklearn_compatible_deep(estimator, check):
    """The same suite in deep mode (an MLP autoencoder; float32 inside)."""
    check(estimator)
