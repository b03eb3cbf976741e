"""Bad-input cases of sinenet: ``cases(c)`` adds them to the sweep's collector."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from typing import Any

import torch

from .common import FINITE, INF, NAN, R, failed_write, hp, tensor_inputs, with_nan

SMALL = {"time_history": 2, "hidden": 4, "n_levels": 2, "n_waves": 1, "mult": 1.5}


def cases(c: Any) -> None:
    import sinenet
    from sinenet.reproduce import advection

    def model(**k: Any) -> Any:
        torch.manual_seed(0)
        return sinenet.SineNet(**({"in_fields": 1} | SMALL | k))

    x = R(2, 2, 1, 8, 8)
    y = R(2, 1, 1, 8, 8, seed=1)
    api = "sinenet.SineNet"
    hp(c, api, model, "in_fields", [0, -1, 1.5, "1"])
    hp(c, api, model, "out_fields", [0, -2, 1.5])
    hp(c, api, model, "time_history", [0, 2.5])
    hp(c, api, model, "time_future", [0, 1.5])
    hp(c, api, model, "hidden", [0, 2.5])
    hp(c, api, model, "n_waves", [0, 1.5])
    hp(c, api, model, "n_levels", [0, -1])
    hp(c, api, model, "mult", [0.0, -1.0, NAN, INF, "2"])
    hp(c, api, model, "padding_mode", ["reflect", None])
    hp(c, api, model, "upsample", ["area"], r"upsample")
    hp(c, api, model, "activation", ["tanh"])
    hp(c, api, model, "norm_groups", [0, 3])
    hp(c, api, lambda **k: model(mult=None, **k), "param_budget", [0, -5, 1.5])
    c.error(api, "mult and param_budget", lambda: model(param_budget=1000), r"either mult or param_budget")
    c.error(api, "unknown keyword", lambda: model(width=8), r"unexpected keyword|width")
    tensor_inputs(
        c,
        api + ".forward",
        lambda t: model()(t),
        x,
        shape_match=r"x must|\(B, T_h, F, H, W\)|divisible",
    )
    c.error(api + ".forward", "x with 2 fields for in_fields=1", lambda: model()(R(2, 2, 2, 8, 8)), r"F=1")
    c.error(api + ".forward", "x with 3 frames for T_h=2", lambda: model()(R(2, 3, 1, 8, 8)), r"T_h=2")
    c.error(
        api + ".forward", "W=10 with n_levels=2", lambda: model()(R(1, 2, 1, 8, 10)), r"W=10.*nearest valid"
    )
    c.error(
        api + ".forward",
        "inf in x",
        lambda: model()(with_nan(x, INF)),
        FINITE,
    )
    c.error(
        "sinenet.UNet", "n_waves=3", lambda: sinenet.UNet(1, time_history=2, n_waves=3), r"exactly one wave"
    )
    hp(c, "sinenet.UNet", lambda **k: sinenet.UNet(1, time_history=2, hidden=4, **k), "mult", [0.0, NAN])
    api = "sinenet.match_params"
    mp = dict(in_fields=1, time_history=2, hidden=4, n_levels=2, n_waves=2)
    c.error(api, "target=0", lambda: sinenet.match_params(0, **mp), r"target")
    c.error(api, "target=10 (unreachable)", lambda: sinenet.match_params(10, **mp), r"outside the reachable")
    c.error(api, "lo > hi", lambda: sinenet.match_params(5000, lo=4.0, hi=0.25, **mp), r"lo|hi")
    c.error(api, "lo=0", lambda: sinenet.match_params(5000, lo=0.0, **mp), r"lo")
    api = "sinenet.level_channels"
    c.error(api, "mult=-2", lambda: sinenet.level_channels(4, -2.0, 2), r"mult")
    c.error(api, "n_levels=-1", lambda: sinenet.level_channels(4, 2.0, -1), r"n_levels")
    c.error(api, "hidden=0", lambda: sinenet.level_channels(0, 2.0, 2), r"hidden")
    api = "sinenet.ConvBlock"
    c.error(api, "in_channels=0", lambda: sinenet.ConvBlock(0, 4), r"channels")
    c.error(
        api, "norm_groups=3 for 4 channels", lambda: sinenet.ConvBlock(4, 4, norm_groups=3), r"norm_groups"
    )
    c.error(api, "activation='tanh'", lambda: sinenet.ConvBlock(4, 4, activation="tanh"), r"activation")
    c.error("sinenet.Upsample2", "mode='area'", lambda: sinenet.Upsample2(mode="area"), r"mode|upsample")
    api = "sinenet.scaled_l2"
    c.error(api, "shapes differ", lambda: sinenet.scaled_l2(R(1, 4, 4), R(1, 4, 5)), r"same shape")
    c.error(api, "2-d inputs", lambda: sinenet.scaled_l2(R(4, 4), R(4, 4)), r"at least 3 dims")
    c.error(api, "eps=-1", lambda: sinenet.scaled_l2(R(1, 4, 4), R(1, 4, 4), eps=-1.0), r"eps")
    c.error(api, "pred=None", lambda: sinenet.scaled_l2(None, R(1, 4, 4)), r"pred.*[Tt]ensor")
    api = "sinenet.one_step_loss"
    c.error(
        api,
        "y with 2 frames for T_f=1",
        lambda: sinenet.one_step_loss(model(), x, R(2, 2, 1, 8, 8)),
        r"y|shape",
    )
    api = "sinenet.rollout"
    c.error(api, "n_steps=0", lambda: sinenet.rollout(model(), x, 0), r"n_steps")
    c.error(api, "n_steps=1.5", lambda: sinenet.rollout(model(), x, 1.5), r"n_steps")
    c.error(api, "x0 4-d", lambda: sinenet.rollout(model(), x[0], 2), r"x0")
    c.error(api, "x0=None", lambda: sinenet.rollout(model(), None, 2), r"x0")
    api = "sinenet.feature_shift"
    c.error(api, "grids differ", lambda: sinenet.feature_shift(R(1, 2, 4, 4), R(1, 2, 4, 8)), r"same H, W")
    c.error(api, "3-d inputs", lambda: sinenet.feature_shift(R(2, 4, 4), R(2, 4, 4)), r"\(B, C, H, W\)")
    c.error(api, "batches differ", lambda: sinenet.feature_shift(R(1, 2, 4, 4), R(2, 2, 4, 4)), r"batch|B")
    c.error(
        "sinenet.misalignment",
        "level=-1",
        lambda: sinenet.misalignment(R(1, 2, 4, 4), R(1, 2, 4, 4), level=-1),
        r"level",
    )
    # fit
    api = "sinenet.fit"

    def fit(**k: Any) -> Any:
        return sinenet.fit(model(), k.pop("x", x), k.pop("y", y), **({"epochs": 1, "batch_size": 2} | k))

    for k, vals in (
        ("epochs", [0, 1.5]),
        ("batch_size", [0, 2.5]),
        ("lr", [0.0, -1.0, NAN]),
        ("weight_decay", [-1.0, NAN]),
        ("warmup_epochs", [-1]),
        ("stop_after", [-1]),
    ):
        hp(c, api, fit, k, vals)
    c.error(api, "x and y of different lengths", lambda: fit(y=y[:1]), r"same number")
    c.error(api, "empty x and y", lambda: fit(x=x[:0], y=y[:0]), r">= 1|empty")
    c.error(api, "NaN in x", lambda: fit(x=with_nan(x)), FINITE)
    c.error(api, "inf in y", lambda: fit(y=with_nan(y, INF)), FINITE)
    c.error(api, "x float64", lambda: fit(x=x.double()), r"dtype|\.to\(")
    c.error(api, "x int64", lambda: fit(x=x.round().long()), r"dtype|\.to\(|floating")
    c.error(api, "y of another frame count", lambda: fit(y=R(2, 2, 1, 8, 8)), r"y|target|shape")
    c.error(api, "x=None", lambda: fit(x=None), r"x.*[Tt]ensor")
    c.error(api, "x as a list", lambda: fit(x=x.tolist()), r"x.*[Tt]ensor")
    c.error(api, "unknown keyword", lambda: fit(shuffle=False), r"unexpected keyword|shuffle")

    def ckpt(damage: Callable[[str], None], other: Any = None) -> Any:
        with tempfile.TemporaryDirectory() as d:
            ck = os.path.join(d, "sinenet.ckpt")
            sinenet.fit(model(), x, y, epochs=1, batch_size=2, checkpoint=ck)
            damage(ck)
            return sinenet.fit(other or model(), x, y, epochs=2, batch_size=2, checkpoint=ck)

    def truncate(ck: str) -> None:
        data = open(ck, "rb").read()
        open(ck, "wb").write(data[: len(data) // 2])

    c.error(api, "truncated checkpoint", lambda: ckpt(truncate), r"sinenet\.ckpt")
    c.error(
        api, "text file as a checkpoint", lambda: ckpt(lambda p: open(p, "w").write("nope")), r"sinenet\.ckpt"
    )
    c.error(
        api,
        "a torch file of another kind",
        lambda: ckpt(lambda p: torch.save({"state": 1}, p)),
        r"sinenet\.ckpt.*(not a|checkpoint)",
    )
    c.error(
        api,
        "checkpoint of another model",
        lambda: ckpt(lambda p: None, other=model(hidden=8)),
        r"sinenet\.ckpt.*(does not fit|another)",
    )
    failed_write(
        c,
        "sinenet.fit(checkpoint=...)",
        """
        import torch, sinenet
        def model():
            torch.manual_seed(0)
            return sinenet.SineNet(1, time_history=2, hidden=4, n_levels=2, n_waves=1, mult=1.5)
        x, y = torch.randn(2, 2, 1, 8, 8), torch.randn(2, 1, 1, 8, 8)
        def write_old(p):
            sinenet.fit(model(), x, y, epochs=1, batch_size=2, checkpoint=p)
        def write_new(p):
            sinenet.fit(model(), x, y, epochs=2, batch_size=2, checkpoint=p)
        def valid(p):
            assert len(torch.load(p, weights_only=False)["history"]) == 1
        """,
        name="sinenet.ckpt",
        limit=4096,
    )
    api = "sinenet.warmup_cosine"
    c.error(api, "warmup=-1", lambda: sinenet.warmup_cosine(0, 10, -1), r"warmup")
    c.error(api, "floor=2", lambda: sinenet.warmup_cosine(0, 10, 1, floor=2.0), r"floor")
    api = "sinenet.reproduce.advection.Config"
    c.error(api, "n_train=600", lambda: advection.Config(n_train=600), r"advection\.n_train")
    c.error(api, "waves=()", lambda: advection.Config(waves=()), r"advection\.waves")
