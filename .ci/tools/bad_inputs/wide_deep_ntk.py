"""Bad-input cases of wide-deep-ntk: ``cases(c)`` adds them to the sweep's collector."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from .common import INF, NAN, R, hp, with_nan


def cases(c: Any) -> None:
    import wide_deep_ntk as w

    rng = np.random.default_rng(0)
    X = rng.normal(size=(12, 3))
    y = np.where(X[:, 0] > 0, 1, -1)
    Xs = w.to_sphere(X)
    Xn = X.copy()
    Xn[2, 1] = np.nan

    # ---- estimators
    for Est in (w.InfiniteDepthKernelClassifier, w.DeepKernelRegressor):
        api = f"wide_deep_ntk.{Est.__name__}.fit"
        small = {"depth": 3}
        F = lambda Est=Est, **k: Est(**(small | k)).fit(X, y)  # noqa: E731
        hp(c, api, F, "depth", [-1, 1.5, True, "3"], r"depth")
        hp(c, api, F, "kernel", ["rbf", None], r"kernel")
        hp(c, api, F, "ridge", [-1.0, NAN, INF, "0"], r"ridge")
        hp(c, api, F, "normalize", ["l2", True], r"normalize")
        hp(c, api, F, "activation", ["swish", 3], r"activation")
        hp(c, api, F, "device", ["tpu", 3], r"device")
        c.error(api, "NaN in X", lambda Est=Est: Est(**small).fit(Xn, y), r"NaN")
        c.error(api, "inf in X", lambda Est=Est: Est(**small).fit(np.where(Xn != Xn, np.inf, Xn), y), r"inf")
        c.error(api, "X 1-d", lambda Est=Est: Est(**small).fit(X[:, 0], y), r"2D array")
        c.error(
            api, "y of another length", lambda Est=Est: Est(**small).fit(X, y[:-1]), r"inconsistent numbers"
        )
        c.error(api, "no sample", lambda Est=Est: Est(**small).fit(X[:0], y[:0]), r"0 sample|minimum")
        c.error(
            api,
            "X strings",
            lambda Est=Est: Est(**small).fit(np.full((4, 2), "a"), y[:4]),
            r"string|float|convert",
        )
        c.error(
            api,
            "a zero row with normalize='sphere'",
            lambda Est=Est: Est(normalize="sphere", **small).fit(
                np.vstack([X, np.zeros(3)]), np.append(y, 1)
            ),
            r"zero norm",
        )
        c.error(
            api,
            "one feature with normalize='sphere'",
            lambda Est=Est: Est(normalize="sphere", **small).fit(X[:, :1], y),
            r"normalize='sphere'.*2 features",
        )
        c.error(
            api,
            "rows not on the sphere with normalize='none'",
            lambda Est=Est: Est(normalize="none", **small).fit(X, y),
            r"unit norm",
        )
        c.warn(
            api,
            "duplicate training rows",
            lambda Est=Est: Est(**small).fit(np.vstack([X, X[:1]]), np.append(y, y[0])),
            r"coincide",
        )
        pa = f"wide_deep_ntk.{Est.__name__}.predict"
        c.error(pa, "before fit", lambda Est=Est: Est().predict(X), r"not fitted")
        c.error(pa, "2 features for 3", lambda Est=Est: Est(**small).fit(X, y).predict(X[:, :2]), r"features")
        c.error(pa, "NaN in X", lambda Est=Est: Est(**small).fit(X, y).predict(Xn), r"NaN")
        c.accept(
            pa,
            "X float32",
            lambda Est=Est: Est(**small).fit(X, y).predict(X.astype(np.float32)),
            lambda r: r.shape == (12,),
            "one prediction per row",
        )
    api = "wide_deep_ntk.InfiniteDepthKernelClassifier.fit"
    c.error(
        api, "one class", lambda: w.InfiniteDepthKernelClassifier(depth=3).fit(X, np.ones(12)), r"1 class"
    )
    c.error(
        api,
        "continuous y",
        lambda: w.InfiniteDepthKernelClassifier(depth=3).fit(X, X[:, 0]),
        r"continuous|Unknown label",
    )
    hp(c, api, lambda **k: w.InfiniteDepthKernelClassifier(**k).fit(X, y), "limit", ["yes"], r"limit")
    api = "wide_deep_ntk.DeepKernelRegressor.fit"
    c.error(
        api,
        "NaN in y",
        lambda: w.DeepKernelRegressor(depth=3).fit(X, np.where(np.arange(12) == 2, np.nan, y)),
        r"NaN|y",
    )
    api = "wide_deep_ntk.HilbertKernelClassifier.fit"
    H = lambda **k: w.HilbertKernelClassifier(**k).fit(X, y)  # noqa: E731
    hp(c, api, H, "exponent", [0.0, -1.0, NAN, "2", True], r"exponent")
    hp(c, api, H, "normalize", ["l2"], r"normalize")
    c.error(api, "NaN in X", lambda: w.HilbertKernelClassifier().fit(Xn, y), r"NaN")
    c.error(api, "one class", lambda: w.HilbertKernelClassifier().fit(X, np.ones(12)), r"1 class")
    c.error(
        "wide_deep_ntk.HilbertKernelClassifier.predict",
        "before fit",
        lambda: w.HilbertKernelClassifier().predict(X),
        r"not fitted",
    )
    api = "wide_deep_ntk.DeepKernel"
    hp(c, api, lambda **k: w.DeepKernel(**k), "depth", [-1, 2.5], r"depth")
    hp(c, api, lambda **k: w.DeepKernel(**k), "kernel", ["rbf"], r"kernel")
    hp(c, api, lambda **k: w.DeepKernel(**k), "normalize", ["l2"], r"normalize")
    c.error(api + ".__call__", "NaN in X", lambda: w.DeepKernel()(Xn), r"NaN")
    c.error(api + ".__call__", "widths differ", lambda: w.DeepKernel()(X, X[:, :2]), r"features")
    c.error(api + ".__call__", "X 1-d", lambda: w.DeepKernel()(X[:, 0]), r"2-D")
    api = "wide_deep_ntk.solve_kernel_system"
    K = torch.eye(4, dtype=torch.float64)
    c.error(
        api,
        "ridge=-1",
        lambda: w.solve_kernel_system(K, torch.ones(4, 1, dtype=torch.float64), -1.0),
        r"ridge",
    )
    c.error(
        api,
        "Y of another length",
        lambda: w.solve_kernel_system(K, torch.ones(3, 1, dtype=torch.float64)),
        r"Y.*(rows|shape)",
    )
    c.error(
        api,
        "K not square",
        lambda: w.solve_kernel_system(K[:3], torch.ones(3, 1, dtype=torch.float64)),
        r"K.*square",
    )
    c.error(
        api,
        "K with a NaN",
        lambda: w.solve_kernel_system(with_nan(K), torch.ones(4, 1, dtype=torch.float64)),
        r"K.*(NaN|finite)",
    )
    c.error(
        api,
        "K a numpy array",
        lambda: w.solve_kernel_system(K.numpy(), torch.ones(4, 1, dtype=torch.float64)),
        r"K.*Tensor",
    )
    c.accept(
        api,
        "float32 K and Y",
        lambda: w.solve_kernel_system(K.float(), torch.ones(4, 1)),
        lambda r: r.shape == (4, 1) and bool(torch.isfinite(r).all()),
        "solved",
        match=r"dtype|float64",
    )

    # ---- kernels
    for fn in (w.nngp, w.ntk):
        api = f"wide_deep_ntk.{fn.__name__}"
        hp(c, api, lambda fn=fn, **k: fn(Xs, **k), "depth", [-1, 1.5, "2"], r"depth")
        hp(c, api, lambda fn=fn, **k: fn(Xs, **k), "activation", ["swish", 3], r"activation")
        c.error(api, "X1 holding a NaN", lambda fn=fn: fn(with_nan(torch.as_tensor(Xs))), r"X1.*NaN")
        c.error(api, "X1 not on the sphere", lambda fn=fn: fn(X), r"unit norm")
        c.error(api, "X1 1-d", lambda fn=fn: fn(Xs[:, 0]), r"X1.*2-D")
        c.error(api, "X1 strings", lambda fn=fn: fn(np.full((2, 2), "a")), r"X1.*real numbers")
        c.error(api, "X1=None", lambda fn=fn: fn(None), r"X1")
        c.error(api, "X2 of another width", lambda fn=fn: fn(Xs, Xs[:, :2]), r"same number of features")
        c.warn(
            api, "X1 float32 tensor", lambda fn=fn: fn(torch.as_tensor(Xs, dtype=torch.float32)), r"float64"
        )
        c.accept(
            api,
            "X1 empty",
            lambda fn=fn: fn(Xs[:0]),
            lambda r: tuple(np.shape(r)) == (0, 0),
            "an empty kernel",
            match=r"empty|at least",
        )
    api = "wide_deep_ntk.nngp_and_ntk"
    c.error(api, "device='tpu'", lambda: w.nngp_and_ntk(Xs, device="tpu"), r"device")
    api = "wide_deep_ntk.kernel_path"
    hp(c, api, lambda **k: w.kernel_path(Xs, **k), "depths", [(-1,), (1.5,), 3, ()], r"depths")
    api = "wide_deep_ntk.log_nngp"
    hp(c, api, lambda **k: w.log_nngp(torch.as_tensor(Xs), **k), "depth", [-1], r"depth")
    api = "wide_deep_ntk.limit_kernel"
    c.error(api, "X1 not on the sphere", lambda: w.limit_kernel(X), r"unit norm")
    c.error(api, "activation='swish'", lambda: w.limit_kernel(Xs, activation="swish"), r"activation")
    api = "wide_deep_ntk.ntk_diagonal"
    hp(
        c,
        api,
        lambda **k: w.ntk_diagonal(**({"activation": "relu", "depth": 2} | k)),
        "depth",
        [-1, 1.5],
        r"depth",
    )
    api = "wide_deep_ntk.gram"
    c.error(api, "X1 not on the sphere", lambda: w.gram(X), r"unit norm")
    c.error(
        api,
        "a zero row with normalize=True",
        lambda: w.gram(np.vstack([X, np.zeros(3)]), normalize=True),
        r"zero norm",
    )
    api = "wide_deep_ntk.to_sphere"
    c.error(api, "a zero row", lambda: w.to_sphere(np.zeros((2, 3))), r"zero norm")
    c.error(api, "X 1-d", lambda: w.to_sphere(np.ones(3)), r"X.*2-D")
    c.error(api, "X a string", lambda: w.to_sphere("abc"), r"X")

    # ---- activations
    api = "wide_deep_ntk.get_activation"
    c.error(api, "name='swish'", lambda: w.get_activation("swish"), r"activation|swish")
    c.error(api, "name=3", lambda: w.get_activation(3), r"activation must be")
    c.error(api, "sine_-1", lambda: w.get_activation("sine_-1"), r"sine|a > 0")
    c.error(api, "hermite_0", lambda: w.get_activation("hermite_0"), r"hermite|k >= 1")
    c.error(api, "sine_abc", lambda: w.get_activation("sine_abc"), r"sine|activation")
    api = "wide_deep_ntk.from_hermite"
    c.error(api, "all zeros", lambda: w.from_hermite([0.0, 0.0], normalize=True), r"coeffs")
    c.error(api, "empty", lambda: w.from_hermite([]), r"coeffs")
    c.error(api, "NaN coefficient", lambda: w.from_hermite([0.0, NAN]), r"coeffs")
    c.error(api, "2-d coefficients", lambda: w.from_hermite([[0.0, 1.0]]), r"coeffs")
    c.error(api, "coefficients not normalised", lambda: w.from_hermite([0.0, 2.0]), r"coeffs|normali|sum")
    api = "wide_deep_ntk.from_function"
    c.error(api, "phi not callable", lambda: w.from_function(3), r"phi")
    c.error(api, "phi returning NaN", lambda: w.from_function(lambda z: z * NAN), r"non-finite")
    hp(c, api, lambda **k: w.from_function(torch.tanh, **k), "deg", [0, 2.5], r"deg")
    api = "wide_deep_ntk.optimal_for_dim"
    hp(c, api, lambda **k: w.optimal_for_dim(**({"d": 3} | k)), "d", [1, 0.5, NAN, "3"], r"d must be")
    hp(c, api, lambda **k: w.optimal_for_dim(**({"d": 3} | k)), "family", ["gauss"], r"family")
    c.error(api, "sine for d=2", lambda: w.optimal_for_dim(2, "sine"), r"sine")

    # ---- data
    api = "wide_deep_ntk.dirichlet_task"
    a = [1.0, 2.0]
    T = lambda **k: w.dirichlet_task(**({"n": 10, "alpha_pos": a, "alpha_neg": a[::-1]} | k))  # noqa: E731
    hp(c, api, T, "n", [0, 1.5, "10"], r"\bn\b")
    hp(c, api, T, "prior_pos", [0.0, 1.0, NAN, "0.4"], r"prior_pos")
    hp(c, api, T, "alpha_pos", [[1.0, -1.0], [1.0], [], [1.0, NAN]], r"alpha")
    hp(c, api, T, "seed", ["a", 1.5], r"seed")
    api = "wide_deep_ntk.dirichlet_split"
    hp(c, api, lambda **k: w.dirichlet_split(**({"n_train": 10, "n_test": 5} | k)), "d", [4, "2"], r"\bd\b")
    hp(
        c,
        api,
        lambda **k: w.dirichlet_split(**({"n_train": 10, "n_test": 5} | k)),
        "n_test",
        [0, 1.5],
        r"n_test",
    )
    hp(
        c,
        api,
        lambda **k: w.dirichlet_split(**({"n_train": 10, "n_test": 5} | k)),
        "n_train",
        [0],
        r"n_train|\bn\b",
    )
    hp(
        c,
        api,
        lambda **k: w.dirichlet_split(**({"n_train": 10, "n_test": 5} | k)),
        "max_redraws",
        [0],
        r"max_redraws",
    )
    api = "wide_deep_ntk.dirichlet_bayes_predict"
    S = np.full((3, 2), 0.5)
    hp(
        c,
        api,
        lambda **k: w.dirichlet_bayes_predict(S, a, a[::-1], **k),
        "prior_pos",
        [0.0, 1.5, NAN],
        r"prior_pos",
    )
    c.error(
        api,
        "S of another width",
        lambda: w.dirichlet_bayes_predict(np.full((3, 3), 1 / 3), a, a[::-1]),
        r"S.*(width|shape|columns|d)",
    )
    c.error(api, "S 1-d", lambda: w.dirichlet_bayes_predict(np.full(2, 0.5), a, a[::-1]), r"S")

    # ---- finite networks
    api = "wide_deep_ntk.NTKMLP"
    M = lambda **k: w.NTKMLP(**({"d_in": 3, "width": 8} | k))  # noqa: E731
    hp(c, api, M, "d_in", [0, 2.5, "3"], r"d_in")
    hp(c, api, M, "width", [0, 8.0], r"width")
    hp(c, api, M, "depth", [0, 1.5], r"depth")
    hp(c, api, M, "activation", ["swish"], r"activation")
    x = R(4, 3)
    c.error(api + ".forward", "x of the wrong width", lambda: M()(R(4, 5)), r"x.*(d_in|features|shape)")
    c.error(api + ".forward", "x 1-d", lambda: M()(x[0]), r"x.*(2-D|shape)")
    c.error(api + ".forward", "x a list", lambda: M()(x.tolist()), r"x.*Tensor")
    c.error(api + ".forward", "x float64 into a float32 net", lambda: M()(x.double()), r"dtype")
    c.accept(api + ".forward", "x empty", lambda: M()(x[:0]), lambda r: r.shape == (0,), "an empty answer")
    c.accept(
        api + ".forward",
        "x holding a NaN",
        lambda: M()(with_nan(x)),
        lambda r: bool(torch.isnan(r).any()),
        "NaN propagates",
    )
    api = "wide_deep_ntk.mlp_empirical_ntk"
    c.error(api, "a plain nn.Linear", lambda: w.mlp_empirical_ntk(torch.nn.Linear(3, 1), x), r"model.*NTKMLP")
    c.error(
        api, "X1 of the wrong width", lambda: w.mlp_empirical_ntk(M(), R(4, 5)), r"X1.*(d_in|features|shape)"
    )
    c.error(
        api,
        "X2 of the wrong width",
        lambda: w.mlp_empirical_ntk(M(), x, R(4, 5)),
        r"X2.*(d_in|features|shape)",
    )
    api = "wide_deep_ntk.empirical_ntk"
    c.error(api, "model not a module", lambda: w.empirical_ntk(torch.tanh, x), r"model.*nn.Module")
    c.error(api, "X1 a list", lambda: w.empirical_ntk(M(), x.tolist()), r"X1.*Tensor")
    c.error(api, "a vector-output model", lambda: w.empirical_ntk(torch.nn.Linear(3, 2), x), r"scalar|output")
