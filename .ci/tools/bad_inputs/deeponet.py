"""Bad-input cases of deeponet: ``cases(c)`` adds them to the sweep's collector."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from .common import DTYPE, FINITE, INF, NAN, R, hp, tensor_inputs, with_nan


def cases(c: Any) -> None:
    from deeponet import FNN, MLP, DeepONet, StackedMLP, fit, mse, mse_without_outliers, rel_l2

    u, yq, s = R(5, 4), torch.rand(5, 3, 1), R(5, 3, seed=1)
    data = (u, yq, s)
    net = lambda: DeepONet([4, 8], [1, 8])  # noqa: E731
    api = "deeponet.DeepONet"
    c.error(api, "branch and trunk widths differ", lambda: DeepONet([10, 16, 8], [1, 16, 9]), r"same width p")
    c.error(
        api, "activation='swish-ish'", lambda: DeepONet([4, 8], [1, 8], activation="swish-ish"), r"activation"
    )
    c.error(api, "branch_sizes=[]", lambda: DeepONet([], [1, 8]), r"branch|sizes")
    c.error(api, "a zero width", lambda: DeepONet([4, 0, 8], [1, 8]), r"branch|sizes|width|>= ?1")
    c.error(api, "stacked='yes'", lambda: DeepONet([4, 8], [1, 8], stacked="yes"), r"stacked")
    c.error(
        api,
        "u with 8 sensors for m=10",
        lambda: DeepONet([10, 8], [1, 8])(R(3, 8), torch.rand(3, 1), aligned=False),
        r"sensor values",
    )
    c.error(api, "unaligned without aligned=", lambda: net()(R(3, 4), torch.rand(3, 1)), r"aligned=True")
    c.error(
        api,
        "y with 2 coordinates for d=1",
        lambda: net()(R(3, 4), torch.rand(4, 2)),
        r"coordinates per query point",
    )
    c.error(api, "aligned='yes'", lambda: net()(R(5, 4), torch.rand(7, 1), aligned="yes"), r"aligned must be")
    tensor_inputs(
        c,
        api + ".forward(u)",
        lambda t: net()(t, yq),
        u,
        arg="u",
        shape_match=r"u must be|sensor|\(B",
        empty=False,
    )
    c.accept(
        api + ".forward",
        "empty batch",
        lambda: net()(R(0, 4), torch.rand(0, 3, 1)),
        lambda r: r.shape == (0, 3),
        "an empty answer",
    )
    c.error(api + ".forward", "y=None", lambda: net()(u, None), r"y")
    c.error(api + ".forward", "y float64", lambda: net()(u, yq.double()), DTYPE)
    c.error(
        api + ".forward",
        "u and y with different B",
        lambda: net()(u, torch.rand(4, 3, 1)),
        r"same number of functions|B",
    )
    api = "deeponet.fit"
    F_ = lambda **k: fit(net(), data, **({"iterations": 2} | k))  # noqa: E731
    hp(c, api, F_, "iterations", [0, -1, 2.5], r"iterations must be")
    hp(c, api, F_, "lr", [0.0, -1.0, NAN], r"lr must be")
    hp(c, api, F_, "batch_size", [0, -1, 2.5, True], r"batch_size must be >= 1")
    hp(c, api, F_, "log_every", [0], r"log_every")
    hp(c, api, F_, "seed", [1.5, "0"], r"seed")
    hp(c, api, F_, "progress", [True], r"progress must be None or a callable")
    c.error(
        api,
        "train with mismatched B",
        lambda: fit(net(), (R(3, 4), yq, s), iterations=1),
        r"train: expected u|B",
    )
    c.error(api, "s of the wrong shape", lambda: fit(net(), (u, yq, R(5, 4)), iterations=1), r"s|shape")
    c.error(
        api, "empty training set", lambda: fit(net(), (u[:0], yq[:0], s[:0]), iterations=2), r"train is empty"
    )
    c.error(
        api, "no query points", lambda: fit(net(), (u, yq[:, :0], s[:, :0]), iterations=2), r"train is empty"
    )
    c.error(
        api,
        "empty validation set",
        lambda: fit(net(), data, (u[:0], yq[:0], s[:0]), iterations=2),
        r"val is empty",
    )
    c.error(api, "NaN in u", lambda: fit(net(), (with_nan(u), yq, s), iterations=1), r"NaN")
    c.error(
        api, "inf in s", lambda: fit(net(), (u, yq, with_nan(s, INF)), iterations=1), r"s contains NaN or inf"
    )
    c.error(api, "NaN in y", lambda: fit(net(), (u, with_nan(yq), s), iterations=1), r"y contains NaN|NaN")
    c.error(
        api, "NaN in val", lambda: fit(net(), data, (u, yq, with_nan(s)), iterations=1), r"val: s contains"
    )
    c.error(
        api, "float64 data", lambda: fit(net(), (u.double(), yq.double(), s.double()), iterations=1), DTYPE
    )
    c.error(api, "train as a dict", lambda: fit(net(), {"u": u}, iterations=1), r"train")
    c.error(
        api, "unknown keyword", lambda: fit(net(), data, iterations=1, shuffle=True), r"unexpected keyword"
    )
    c.error(
        api, "model an nn.Linear", lambda: fit(nn.Linear(4, 3), data, iterations=1), r"model|DeepONet|FNN"
    )
    for name, m in (("mse", mse), ("rel_l2", rel_l2), ("mse_without_outliers", mse_without_outliers)):
        api = f"deeponet.{name}"
        c.error(api, "(8, 1) against (8,)", lambda m=m: m(R(8, 1), R(8)), r"same shape")
        c.error(api, "empty", lambda m=m: m(R(0, 3), R(0, 3)), r"empty")
        c.error(
            api, "target as a list", lambda m=m: m(R(3), [1.0, 2.0, 3.0]), r"target must be a torch.Tensor"
        )
        c.accept(
            api,
            "NaN prediction",
            lambda m=m: m(with_nan(R(8)), R(8)),
            lambda r: r != r,
            "NaN (not hidden)",
            match=FINITE,
        )
    for frac in (1.5, 1.0, -0.1, NAN):
        c.error(
            "deeponet.mse_without_outliers",
            f"frac={frac!r}",
            lambda frac=frac: mse_without_outliers(R(8), R(8), frac=frac),
            r"frac",
        )
    c.error(
        "deeponet.FNN",
        "x with 10 features for 11",
        lambda: FNN([11, 8, 1])(R(2, 10), torch.rand(2, 3, 2)),
        r"features",
    )
    c.error("deeponet.FNN", "u 1-d", lambda: FNN([5, 8, 1])(R(4), torch.rand(1)), r"u must be")
    c.error(
        "deeponet.FNN",
        "different B",
        lambda: FNN([5, 8, 1])(R(4, 4), torch.rand(3, 2, 1)),
        r"same number of functions",
    )
    c.error("deeponet.FNN", "float64", lambda: FNN([5, 8, 1])(u.double(), yq.double()), DTYPE)
    tensor_inputs(
        c, "deeponet.MLP.forward", lambda t: MLP([4, 8])(t), u, shape_match=r"x must be|x|shape", leading=True
    )
    c.error("deeponet.MLP", "sizes=[4]", lambda: MLP([4]), r"sizes")
    c.error(
        "deeponet.StackedMLP",
        "x of the wrong width",
        lambda: StackedMLP(4, [8], 3)(R(2, 5)),
        r"x must be \(B, 4\)",
    )
    c.error("deeponet.StackedMLP", "p=0", lambda: StackedMLP(4, [8], 0), r"p")
