"""Pipeline, GridSearchCV, clone, pickling; the quick preset's direction; the cpu preset's criteria (slow)."""

from __future__ import annotations

import json
import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_iris
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from gradboost_nn import GBNNClassifier, GBNNRegressor
from gradboost_nn.reproduce import main


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


def test_quick_preset_direction(tmp_path):
    out = tmp_path / "quick.json"
    assert main(["--preset", "quick", "--out", str(out), "--no-progress", "--device", "cpu"]) == 0
    data = json.loads(out.read_text())
    assert data["passed"] is True
    # the direction of the claim: GBNN's accuracy is close to the best MLP's
    for name in ("iris", "breast_cancer"):
        s = data["summary"][name]
        best_mlp = max(s[m]["mean"] for m in ("mlp_adam", "mlp_lbfgs", "mlp_sgd"))
        assert s["gbnn"]["mean"] >= best_mlp - 0.05


@pytest.mark.slow
def test_cpu_preset_meets_criterion(tmp_path):
    out = tmp_path / "cpu.json"
    main(["--preset", "cpu", "--out", str(out), "--no-progress", "--device", "cpu"])
    assert json.loads(out.read_text())["passed"] is True
