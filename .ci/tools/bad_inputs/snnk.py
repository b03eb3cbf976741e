"""Bad-input cases of snnk: ``cases(c)`` adds them to the sweep's collector."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from .common import NAN, R, hp, tensor_inputs


def cases(c: Any) -> None:
    import snnk
    from snnk.bundled import BundledClassifier, BundledRegressor, ridge_solve

    api = "snnk.URFFeatures"
    U = lambda **k: snnk.URFFeatures(**({"in_features": 4, "num_features": 8} | k))  # noqa: E731
    hp(c, api, U, "num_features", [0, 7, 1.5], r"num_features|even with antithetic")
    hp(c, api, U, "in_features", [0, True], r"in_features")
    hp(c, api, U, "activation", ["swish"], r"cos, sin, exp")
    hp(c, api, U, "variance_M", [-0.3, NAN], r"variance_M")
    hp(c, api, U, "input_scale", [0.0, -1.0], r"input_scale must be > 0")
    hp(c, api, U, "normalize_constant", [0.0, -1.0], r"normalize_constant")
    c.error(
        api,
        "spectrum callable of unequal lengths",
        lambda: U(activation=lambda: ([0.1, 0.2], [1.0])),
        r"equal, non-zero length",
    )
    tensor_inputs(
        c,
        api + ".forward",
        lambda t: snnk.URFFeatures(4, 8, seed=0)(t),
        R(2, 4),
        shape_match=r"in_features=4, got shape",
        leading=True,
        cast=True,
    )
    c.error(
        api + ".forward_params",
        "b of the wrong length",
        lambda: snnk.URFFeatures(4, 8, seed=0).forward_params(torch.ones(2, 4), torch.ones(3)),
        r"b must have shape \(2,\)",
    )
    c.warn(
        api + ".forward",
        "large inputs without normalize",
        lambda: snnk.URFFeatures(4, 8, seed=0)(torch.full((1, 4), 5.0)),
        r"normalize=True",
    )
    api = "snnk.ReLUFeatures"
    Rf = lambda **k: snnk.ReLUFeatures(**({"in_features": 4, "num_features": 8} | k))  # noqa: E731
    hp(c, api, Rf, "num_features", [1.5, 0], r"num_features")
    hp(c, api, Rf, "in_features", [True, -1], r"in_features")
    hp(c, api, Rf, "floor", [1.0, NAN], r"floor must be a finite number <= 0")
    tensor_inputs(
        c,
        api + ".forward",
        lambda t: snnk.ReLUFeatures(4, 8, seed=0)(t),
        R(2, 4),
        shape_match=r"in_features=4, got shape",
        leading=True,
        cast=True,
    )
    c.error(
        api + ".forward_params",
        "a bias",
        lambda: snnk.ReLUFeatures(4, 8).forward_params(torch.ones(2, 4), torch.ones(2)),
        r"no bias",
    )
    api = "snnk.MaclaurinFeatures"
    hp(c, api, lambda **k: snnk.MaclaurinFeatures(4, 8, **k), "p", [1.0, 0.5], r"p must be > 1")
    hp(c, api, lambda **k: snnk.MaclaurinFeatures(4, 8, **k), "max_degree", [0, -1], r"max_degree")
    hp(c, api, lambda **k: snnk.MaclaurinFeatures(4, 8, **k), "activation", ["swish"], r"activation")
    c.warn(
        "snnk.kernel_estimate",
        "Maclaurin inputs beyond the radius",
        lambda: snnk.kernel_estimate(
            snnk.MaclaurinFeatures(2, 8, seed=0), torch.full((1, 2), 2.0), torch.full((1, 2), 1.0)
        ),
        r"radius",
    )
    api = "snnk.make_feature_map"
    c.error(api, "name='swish'", lambda: snnk.make_feature_map("swish", 4, 8), r"relu")
    c.error(api, "name=3", lambda: snnk.make_feature_map(3, 4, 8), r"feature_map must be a str")
    api = "snnk.SNNKLinear"
    hp(
        c,
        api,
        lambda **k: snnk.SNNKLinear(**({"in_features": 4, "out_features": 2, "num_features": 4} | k)),
        "out_features",
        [0, 1.5],
        r"out_features",
    )
    c.error(
        api, "feature_map='swish'", lambda: snnk.SNNKLinear(4, 2, 4, feature_map="swish"), r"feature_map|relu"
    )
    tensor_inputs(
        c,
        api + ".forward",
        lambda t: snnk.SNNKLinear(4, 2, 4)(t),
        R(3, 4),
        shape_match=r"in_features=4|shape",
        leading=True,
        cast=True,
    )
    c.error(
        "snnk.bundle",
        "next_linear a Conv1d",
        lambda: snnk.bundle(snnk.SNNKLinear(4, 2, 4), nn.Conv1d(2, 2, 1)),
        r"next_linear must be an nn.Linear",
    )
    c.error(
        "snnk.bundle",
        "next_linear of the wrong width",
        lambda: snnk.bundle(snnk.SNNKLinear(4, 2, 4), nn.Linear(3, 1)),
        r"next_linear.in_features=3 must equal",
    )
    c.error(
        "snnk.bundle",
        "snnk_layer an nn.Linear",
        lambda: snnk.bundle(nn.Linear(4, 2), nn.Linear(2, 1)),
        r"snnk_layer|SNNKLinear",
    )
    api = "snnk.SNNKAdapter"
    hp(c, api, lambda **k: snnk.SNNKAdapter(**({"dim": 8} | k)), "dim", [0], r"dim")
    hp(c, api, lambda **k: snnk.SNNKAdapter(8, **k), "init", ["ones"], r"init")
    hp(c, api, lambda **k: snnk.SNNKAdapter(8, **k), "down", [0, -1], r"down")
    tensor_inputs(
        c,
        api + ".forward",
        lambda t: snnk.SNNKAdapter(8, 4)(t),
        R(2, 5, 8),
        arg="h",
        shape_match=r"dim=8|shape|h",
        leading=True,
        cast=True,
    )
    X = np.random.default_rng(0).normal(size=(20, 3))
    yr = X[:, 0] * 2.0
    for Est, yy in ((BundledRegressor, yr), (BundledClassifier, (yr > 0).astype(int))):
        api = f"snnk.{Est.__name__}.fit"
        small = dict(num_features=16, random_state=0)
        hp(
            c,
            api,
            lambda Est=Est, yy=yy, **k: Est(**(small | k)).fit(X, yy),
            "alpha",
            [-1.0, NAN],
            r"alpha must be",
        )
        hp(
            c,
            api,
            lambda Est=Est, yy=yy, **k: Est(**(small | k)).fit(X, yy),
            "depth",
            [0, 1.5],
            r"depth must be",
        )
        hp(
            c,
            api,
            lambda Est=Est, yy=yy, **k: Est(**(small | k)).fit(X, yy),
            "num_features",
            [0],
            r"num_features",
        )
        hp(
            c,
            api,
            lambda Est=Est, yy=yy, **k: Est(**(small | k)).fit(X, yy),
            "feature_map",
            [3, "swish"],
            r"feature_map must be|relu",
        )
        Xn = X.copy()
        Xn[0, 0] = np.nan
        c.error(api, "NaN in X", lambda Est=Est, yy=yy: Est(**small).fit(Xn, yy), r"NaN")
        c.error(api, "one sample", lambda Est=Est, yy=yy: Est(**small).fit(X[:1], yy[:1]), r"1 sample")
        c.error(
            api,
            "y of another length",
            lambda Est=Est, yy=yy: Est(**small).fit(X, yy[:-1]),
            r"inconsistent numbers of samples",
        )
        c.error(api, "X 1-d", lambda Est=Est, yy=yy: Est(**small).fit(X[:, 0], yy), r"2D array")
        c.error(f"snnk.{Est.__name__}.predict", "before fit", lambda Est=Est: Est().predict(X), r"not fitted")
        c.error(
            f"snnk.{Est.__name__}.predict",
            "2 features for 3",
            lambda Est=Est, yy=yy: Est(**small).fit(X, yy).predict(X[:, :2]),
            r"features",
        )
    c.accept(
        "snnk.BundledClassifier.fit",
        "one class",
        lambda: BundledClassifier(num_features=16).fit(X, np.zeros(20)).predict(X),
        lambda r: bool((r == 0).all()),
        "predicts the one class",
        match=r"class",
    )
    c.error(
        "snnk.BundledRegressor.fit",
        "NaN in y",
        lambda: BundledRegressor(num_features=16).fit(X, np.where(np.arange(20) == 2, np.nan, yr)),
        r"NaN",
    )
    c.error(
        "snnk.ridge_solve",
        "alpha=-1",
        lambda: ridge_solve(torch.ones(3, 2), torch.ones(3, 1), -1.0),
        r"alpha must be >= 0",
    )
    c.error(
        "snnk.ridge_solve",
        "y of another length",
        lambda: ridge_solve(torch.ones(3, 2), torch.ones(4, 1), 1.0),
        r"y|rows|shape",
    )
    c.error(
        "snnk.exact_kernel",
        "activation='swish'",
        lambda: snnk.exact_kernel("swish", R(2, 3), R(4, 3)),
        r"activation",
    )
    c.error(
        "snnk.exact_kernel",
        "widths differ",
        lambda: snnk.exact_kernel("relu", R(2, 3), R(4, 2)),
        r"shape|dim|features|x|w",
    )
    c.error("snnk.gaussian_random_matrix", "rows=0", lambda: snnk.gaussian_random_matrix(0, 3), r"rows")
    c.error("snnk.tanh_coefficients", "max_degree=-1", lambda: snnk.tanh_coefficients(-1), r"max_degree")
