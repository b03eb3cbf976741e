"""Bad-input cases of gradboost-nn: ``cases(c)`` adds them to the sweep's collector."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from .common import FINITE, with_nan


def cases(c: Any) -> None:
    from sklearn.datasets import make_classification

    from gradboost_nn import GBNNClassifier, GBNNRegressor, fit_shallow_net

    X, y = make_classification(n_samples=60, n_features=5, n_informative=3, random_state=0)
    small = dict(n_steps=4, units_per_step=2, max_iter=20, random_state=0)
    for Est in (GBNNClassifier, GBNNRegressor):
        api = f"gradboost_nn.{Est.__name__}.fit"
        for k, v in [
            ("n_steps", 0),
            ("units_per_step", 0),
            ("subsample", 0.0),
            ("subsample", 1.5),
            ("learning_rate", 0.0),
            ("learning_rate", -1.0),
            ("max_iter", 0),
            ("activation", "gelu"),
            ("solver", "sgd"),
            ("dtype", "float16"),
            ("alpha", -1.0),
            ("validation_fraction", 1.5),
            ("n_iter_no_change", 0),
            ("n_steps", 2.5),
            ("batch_size", 0),
        ]:
            c.error(
                api,
                f"{k}={v!r}",
                lambda Est=Est, k=k, v=v: Est(**(small | {k: v})).fit(X, y),
                rf"'{k}' parameter|{k}",
            )
        Xn = X.copy()
        Xn[0, 0] = np.nan
        c.error(api, "NaN in X", lambda Est=Est: Est(**small).fit(Xn, y), r"NaN")
        Xi = X.copy()
        Xi[0, 0] = np.inf
        c.error(api, "inf in X", lambda Est=Est: Est(**small).fit(Xi, y), r"infinity|inf")
        c.error(
            api,
            "y of another length",
            lambda Est=Est: Est(**small).fit(X, y[:-1]),
            r"inconsistent numbers of samples|length",
        )
        c.error(api, "X 1-d", lambda Est=Est: Est(**small).fit(X[:, 0], y), r"2D array|Expected 2D")
        c.error(api, "X empty", lambda Est=Est: Est(**small).fit(X[:0], y[:0]), r"0 sample|empty|minimum")
        c.error(
            api,
            "X as strings",
            lambda Est=Est: Est(**small).fit(np.full(X.shape, "a"), y),
            r"string|convert|numeric",
        )
        c.error(
            api,
            "too few samples for subsample",
            lambda Est=Est: Est(**small).fit(X[:3], y[:3]),
            r"subsample|at least",
        )
        c.error(
            api,
            "device='cuda' without CUDA" if not torch.cuda.is_available() else "device='tpu'",
            lambda Est=Est: Est(device="cuda" if not torch.cuda.is_available() else "tpu", **small).fit(X, y),
            r"CUDA|device",
        )
        api = f"gradboost_nn.{Est.__name__}.predict"
        c.error(api, "before fit", lambda Est=Est: Est().predict(X), r"not fitted")
        fitted: dict[str, Any] = {}

        def fitted_est(Est: Any = Est) -> Any:
            if Est not in fitted:
                fitted[Est] = Est(**small).fit(X, y)
            return fitted[Est]

        c.error(api, "3 features for 5", lambda f=fitted_est: f().predict(X[:, :3]), r"features")
        c.error(
            api, "n_steps beyond the fit", lambda f=fitted_est: f().predict(X, n_steps=9), r"n_steps must be"
        )
        c.error(
            api,
            "n_units not a multiple",
            lambda f=fitted_est: f().predict(X, n_units=3),
            r"multiple of units_per_step",
        )
        c.error(
            api, "n_steps and n_units", lambda f=fitted_est: f().predict(X, n_steps=2, n_units=4), r"not both"
        )
        c.error(api, "NaN in X", lambda f=fitted_est: f().predict(Xn), r"NaN")
        c.accept(
            api,
            "empty X",
            lambda f=fitted_est: f().predict(X[:0]),
            lambda r: len(r) == 0,
            "an empty answer",
            match=r"0 sample|empty|minimum",
        )
        c.error(api, "n_steps=-1", lambda f=fitted_est: f().predict(X, n_steps=-1), r"n_steps")
    api = "gradboost_nn.GBNNClassifier.fit"
    c.error(api, "one class", lambda: GBNNClassifier(**small).fit(X, np.zeros(len(X))), r"at least 2 classes")
    c.error(
        api,
        "continuous y",
        lambda: GBNNClassifier(**small).fit(X, np.linspace(0, 1, len(X))),
        r"Unknown label type",
    )
    c.error(
        api,
        "early stopping without validation samples",
        lambda: GBNNClassifier(early_stopping=True, validation_fraction=0.9, **small).fit(
            X[[int(np.argmax(y == 0)), int(np.argmax(y == 1))]], np.array([0, 1])
        ),
        r"early_stopping",
    )
    c.error(
        "gradboost_nn.GBNNRegressor.fit",
        "NaN in y",
        lambda: GBNNRegressor(**small).fit(X, np.where(np.arange(60) == 3, np.nan, y)),
        r"NaN",
    )
    api = "gradboost_nn.fit_shallow_net"
    Xt, Rt = torch.randn(20, 3, dtype=torch.float64), torch.randn(20, 1, dtype=torch.float64)
    gen = lambda: torch.Generator().manual_seed(0)  # noqa: E731
    c.error(
        api,
        "activation='gelu'",
        lambda: fit_shallow_net(Xt, Rt, n_units=2, activation="gelu", generator=gen()),
        r"activation must be",
    )
    c.error(
        api,
        "solver='sgd'",
        lambda: fit_shallow_net(Xt, Rt, n_units=2, solver="sgd", generator=gen()),
        r"solver",
    )
    c.error(api, "n_units=0", lambda: fit_shallow_net(Xt, Rt, n_units=0, generator=gen()), r"n_units")
    c.error(
        api,
        "R of another length",
        lambda: fit_shallow_net(Xt, Rt[:5], n_units=2, generator=gen()),
        r"R|rows|samples|shape",
    )
    c.error(api, "NaN in R", lambda: fit_shallow_net(Xt, with_nan(Rt), n_units=2, generator=gen()), FINITE)
