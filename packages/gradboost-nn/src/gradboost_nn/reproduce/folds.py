"""The cross-validation folds the studies share: data, splits, and the fits of GBNN and the baselines on a fold.

Protocol: scikit-learn's toy datasets, inputs standardised on each training fold, (stratified) K-fold
cross-validation shuffled with each seed; GBNN and the baselines are fitted on the same folds, one thread each
(``n_jobs`` folds in parallel). The fitted GBNN and adam MLP of every fold are kept for this process
(:data:`FITTED`), so that the switch-off study analyses the compare study's models instead of fitting them again.
"""

from __future__ import annotations

import dataclasses
import time
import warnings
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
import torch

#: GBNN configuration per dataset (spec: reference defaults for the small sets, J=2/eta=0.5/no subsampling on
#: 10-class digits, small eta and few L-BFGS iterations for regression; fixed in advance, not tuned here)
GBNN_CONFIGS: dict[str, dict[str, Any]] = {
    "breast_cancer": {},
    "wine": {},
    "iris": {},
    "digits": {"units_per_step": 2, "learning_rate": 0.5, "subsample": 1.0},
    "diabetes": {"learning_rate": 0.05, "max_iter": 50},
}
REGRESSION = {"diabetes"}
MLP_SOLVERS = ("adam", "lbfgs", "sgd")


@dataclasses.dataclass(frozen=True)
class FoldSpec:
    """What a fold's fits depend on besides the dataset, the seed and the fold."""

    n_folds: int
    n_steps: int
    mlp_hidden: int
    mlp_max_iter: int
    max_rows: int | None


def check_fold_fields(study: str, cfg: Any) -> None:
    """The checks every study config with the fold fields shares (messages name ``study.field``)."""
    if cfg.n_folds < 2:
        raise ValueError(f"{study}.n_folds must be >= 2, got {cfg.n_folds}")
    for name in ("n_steps", "mlp_hidden", "mlp_max_iter", "n_jobs"):
        if getattr(cfg, name) < 1:
            raise ValueError(f"{study}.{name} must be >= 1, got {getattr(cfg, name)}")
    if cfg.max_rows is not None and cfg.max_rows < 2 * cfg.n_folds:
        raise ValueError(f"{study}.max_rows must be None or >= 2 x n_folds, got {cfg.max_rows}")


def load(name: str, max_rows: int | None) -> tuple[np.ndarray, np.ndarray]:
    """A bundled dataset as float64 ``X`` and its targets; ``max_rows`` keeps a fixed random subset."""
    from paperzoo_shared.data import BUNDLED, load_sklearn

    if name not in BUNDLED or name not in GBNN_CONFIGS:
        raise ValueError(f"dataset must be one of {sorted(GBNN_CONFIGS)}, got {name!r}")
    X_t, y_t = load_sklearn(name, dtype=torch.float64)
    X, y = X_t.numpy(), y_t.numpy()
    if max_rows is not None and X.shape[0] > max_rows:
        idx = np.random.RandomState(0).permutation(X.shape[0])[:max_rows]
        X, y = X[idx], y[idx]
    return X, y


Job = tuple[str, int, int, np.ndarray, np.ndarray]


def fold_jobs(datasets: Sequence[str], seeds: Sequence[int], spec: FoldSpec) -> list[Job]:
    """``(dataset, seed, fold, train, test)`` for every fold of every seed of every dataset."""
    from sklearn.model_selection import KFold, StratifiedKFold

    jobs = []
    for name in datasets:
        X, y = load(name, spec.max_rows)
        for seed in seeds:
            splitter = (KFold if name in REGRESSION else StratifiedKFold)(
                spec.n_folds, shuffle=True, random_state=seed
            )
            for fold, (train, test) in enumerate(splitter.split(X, y)):
                jobs.append((name, seed, fold, train, test))
    return jobs


def scaled_fold(name: str, train: np.ndarray, test: np.ndarray, spec: FoldSpec) -> tuple[np.ndarray, ...]:
    """``X_train, X_test, y_train, y_test``, inputs standardised on the training fold."""
    from sklearn.preprocessing import StandardScaler

    X, y = load(name, spec.max_rows)
    scaler = StandardScaler().fit(X[train])
    return scaler.transform(X[train]), scaler.transform(X[test]), y[train], y[test]


def score(regression: bool, y: np.ndarray, pred: np.ndarray) -> float:
    """RMSE for regression, accuracy for classification."""
    from sklearn.metrics import accuracy_score, root_mean_squared_error

    return float(root_mean_squared_error(y, pred) if regression else accuracy_score(y, pred))


def mlp(regression: bool, solver: str, spec: FoldSpec, seed: int) -> Any:
    from sklearn.neural_network import MLPClassifier, MLPRegressor

    cls = MLPRegressor if regression else MLPClassifier
    return cls(
        hidden_layer_sizes=(spec.mlp_hidden,), solver=solver, max_iter=spec.mlp_max_iter, random_state=seed
    )


def _timed_fit(model: Any, X: np.ndarray, y: np.ndarray) -> tuple[Any, float]:
    start = time.perf_counter()
    model.fit(X, y)
    return model, time.perf_counter() - start


def assembly_error(gbnn: Any, regression: bool, X: np.ndarray) -> float:
    """Largest difference between ``to_torch()``'s network and the estimator (its outputs and, for a
    classifier, the probabilities)."""
    with torch.no_grad():
        raw = gbnn.to_torch()(torch.tensor(X, dtype=torch.float64)).numpy()
    ref = gbnn.predict(X) if regression else gbnn.decision_function(X)
    err = float(np.abs(raw.reshape(ref.shape) - ref).max())
    if not regression:
        z = raw if raw.shape[1] > 1 else np.column_stack([np.zeros(len(raw)), raw[:, 0]])
        proba = np.exp(z - z.max(1, keepdims=True))
        proba /= proba.sum(1, keepdims=True)
        err = max(err, float(np.abs(proba - gbnn.predict_proba(X)).max()))
    return err


def fit_fold(
    name: str,
    seed: int,
    fold: int,
    train: np.ndarray,
    test: np.ndarray,
    spec: FoldSpec,
    solvers: Sequence[str] = MLP_SOLVERS,
    gb_trees: bool = False,
) -> dict[str, Any]:
    """Fit GBNN, the MLPs of ``solvers`` and (optionally) tree boosting on one fold: scores, fit times, the
    assembly error, and the fitted GBNN and adam MLP (``models``)."""
    from sklearn.ensemble import GradientBoostingClassifier, GradientBoostingRegressor
    from sklearn.exceptions import ConvergenceWarning
    from threadpoolctl import threadpool_limits

    from gradboost_nn import GBNNClassifier, GBNNRegressor

    regression = name in REGRESSION
    Xtr, Xte, ytr, yte = scaled_fold(name, train, test, spec)
    out: dict[str, Any] = {
        "dataset": name,
        "seed": seed,
        "fold": fold,
        "score": {},
        "fit_s": {},
        "models": {},
    }
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est_cls = GBNNRegressor if regression else GBNNClassifier
        gbnn, t = _timed_fit(est_cls(n_steps=spec.n_steps, random_state=seed, **GBNN_CONFIGS[name]), Xtr, ytr)
        out["score"]["gbnn"], out["fit_s"]["gbnn"] = score(regression, yte, gbnn.predict(Xte)), t
        out["assembly_err"] = assembly_error(gbnn, regression, Xte)
        out["models"]["gbnn"] = gbnn
        for solver in solvers:
            model, t = _timed_fit(mlp(regression, solver, spec, seed), Xtr, ytr)
            out["score"][f"mlp_{solver}"] = score(regression, yte, model.predict(Xte))
            out["fit_s"][f"mlp_{solver}"] = t
            if solver == "adam":
                out["models"]["mlp_adam"] = model
        if gb_trees:
            gb_cls = GradientBoostingRegressor if regression else GradientBoostingClassifier
            gb, t = _timed_fit(gb_cls(random_state=seed), Xtr, ytr)
            out["score"]["gb_trees"], out["fit_s"]["gb_trees"] = score(regression, yte, gb.predict(Xte)), t
    return out


#: the fitted GBNN and adam MLP of every fold of this process, by (dataset, seed, fold, FoldSpec)
FITTED: dict[tuple[str, int, int, FoldSpec], dict[str, Any]] = {}


def run_folds(
    jobs: Sequence[Job],
    spec: FoldSpec,
    *,
    n_jobs: int,
    solvers: Sequence[str] = MLP_SOLVERS,
    gb_trees: bool = False,
    wrap: Callable[..., Iterable[Any]] | None = None,
) -> list[dict[str, Any]]:
    """Fit every fold (``n_jobs`` in parallel, in the order of ``jobs``); keeps the GBNN and adam MLP in
    :data:`FITTED`. ``wrap(iterable, total=...)`` wraps the folds as they finish (a progress bar)."""
    from joblib import Parallel, delayed

    wrap = wrap or (lambda it, **_: it)
    runner = Parallel(n_jobs=n_jobs, return_as="generator")
    folds = list(
        wrap(runner(delayed(fit_fold)(*job, spec, solvers, gb_trees) for job in jobs), total=len(jobs))
    )
    for f in folds:
        models = f.pop("models")
        FITTED[f["dataset"], f["seed"], f["fold"], spec] = models
    return folds
