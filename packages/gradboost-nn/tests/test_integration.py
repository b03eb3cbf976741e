"""Pipeline, GridSearchCV, clone, pickling."""

from __future__ import annotations

import pickle

import numpy as np
from sklearn.base import clone
from sklearn.datasets import load_iris
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from gradboost_nn import GBNNClassifier, GBNNRegressor


def test_pipeline_gridsearch_clone_pickle():
    X, y = load_iris(return_X_y=True)
    pipe = make_pipeline(
        StandardScaler(), GBNNClassifier(n_steps=5, units_per_step=2, max_iter=20, random_state=0)
    )
    grid = GridSearchCV(pipe, {"gbnnclassifier__learning_rate": [0.5, 1.0]}, cv=2).fit(X, y)
    assert grid.best_score_ > 0.8
    best = grid.best_estimator_
    again = pickle.loads(pickle.dumps(best))
    np.testing.assert_array_equal(again.predict_proba(X), best.predict_proba(X))
    fresh = clone(best)
    assert not hasattr(fresh[-1], "coefs_")
    assert (
        fresh.get_params()["gbnnclassifier__learning_rate"]
        == grid.best_params_["gbnnclassifier__learning_rate"]
    )
    reg = pickle.loads(pickle.dumps(GBNNRegressor(n_steps=3, max_iter=10, random_state=0).fit(X, X[:, 0])))
    assert reg.predict(X).shape == (150,)
