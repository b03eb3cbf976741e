"""Bad-input cases of mgno: ``cases(c)`` adds them to the sweep's collector."""

from __future__ import annotations

import os
import tempfile
from typing import Any

import torch
from torch import nn

from .common import DTYPE, FINITE, INF, NAN, R, failed_write, finite, first, hp, tensor_inputs, with_nan

LEVELS = ((1, 0), (1, 0))


def cases(c: Any) -> None:
    import mgno

    api = "mgno.MgConv"
    M = lambda **k: mgno.MgConv(**({"in_channels": 1, "out_channels": 2, "levels": LEVELS} | k))  # noqa: E731
    hp(c, api, M, "in_channels", [0, 1.5, True, "1"], r"in_channels")
    hp(c, api, M, "out_channels", [0, -2], r"out_channels")
    hp(c, api, M, "levels", [(), ((0, 0),), ((1, -1),), ((1,),), "ab", ((1.0, 0),), None], r"levels")
    hp(c, api, M, "padding_mode", ["periodic", None, "Zeros"], r"padding_mode")
    hp(c, api, M, "norm", ["batch", "Layer"], r"norm")
    hp(c, api, M, "kernel_size", [2, 0, 3.0], r"kernel_size")
    x = R(2, 1, 9, 9)
    tensor_inputs(
        c,
        api + ".forward",
        lambda t: mgno.MgConv(1, 2, levels=LEVELS)(t),
        x,
        arg="input",
        shape_match=r"in_channels|4-D|input",
        last_dim=False,
    )
    c.error(api + ".forward", "x with 3 channels", lambda: M()(R(2, 3, 9, 9)), r"in_channels=1, got 3")
    c.error(api + ".forward", "a 2x2 grid for 2 levels", lambda: M()(R(1, 1, 2, 2)), r"too small")
    c.accept(
        api + ".forward",
        "a 9x12 grid",
        lambda: M()(R(1, 1, 9, 12)),
        lambda r: r.shape == (1, 2, 9, 12),
        "any grid size",
    )
    c.error(
        api + ".forward", "a complex input", lambda: M()(R(1, 1, 9, 9).to(torch.complex64)), r"floating|dtype"
    )

    api = "mgno.SmoothingStep"
    hp(c, api, lambda **k: mgno.SmoothingStep(**({"c_u": 2, "c_f": 1} | k)), "c_u", [0, 1.5], r"c_u")
    hp(c, api, lambda **k: mgno.SmoothingStep(**({"c_u": 2, "c_f": 1} | k)), "c_f", [0], r"c_f")
    hp(c, api, lambda **k: mgno.SmoothingStep(2, 1, **k), "padding_mode", ["periodic"], r"padding_mode")
    c.error(
        api + ".forward",
        "a first step given u",
        lambda: mgno.SmoothingStep(2, 1, first=True)(R(1, 2, 5, 5), R(1, 1, 5, 5)),
        r"u=None",
    )
    c.error(
        api + ".forward",
        "u with the wrong channels",
        lambda: mgno.SmoothingStep(2, 1)(R(1, 3, 5, 5), R(1, 1, 5, 5)),
        r"\bu\b.*(channel|shape)|c_u",
    )

    api = "mgno.MgNO"
    N = lambda **k: mgno.MgNO(**({"width": 2, "n_layers": 1, "levels": LEVELS} | k))  # noqa: E731
    hp(c, api, N, "width", [0, 2.5], r"width")
    hp(c, api, N, "n_layers", [0, True, 1.5], r"n_layers")
    hp(c, api, N, "in_channels", [0], r"in_channels")
    hp(c, api, N, "out_channels", [0], r"out_channels")
    hp(c, api, N, "activation", ["swish", None, "GELU"], r"activation")
    hp(c, api, N, "levels", [(), ((0, 1),)], r"levels")
    hp(c, api, N, "padding_mode", ["periodic"], r"padding_mode")
    hp(c, api, N, "norm", ["batch"], r"norm")
    c.error(
        api,
        "global_residual with 2 in, 1 out",
        lambda: N(in_channels=2, global_residual=True),
        r"global_residual",
    )
    tensor_inputs(
        c,
        api + ".forward",
        lambda t: mgno.MgNO(width=2, n_layers=1, levels=LEVELS)(t),
        x,
        arg="input",
        shape_match=r"in_channels|4-D|input",
        last_dim=False,
    )
    c.error(api + ".forward", "inf in the input", lambda: N()(with_nan(x, INF)), FINITE)
    c.error(api + ".darcy", "an unknown override", lambda: mgno.MgNO.darcy(depth=3), r"depth")
    c.error(api + ".darcy", "width=0 override", lambda: mgno.MgNO.darcy(width=0), r"width")
    c.error("mgno.count_parameters", "a str", lambda: mgno.count_parameters("mgno"), r"model")

    # losses
    for name in ("rel_l2", "rel_h1"):
        fn = getattr(mgno, name)
        api = f"mgno.{name}"
        p, t = R(2, 1, 6, 6), R(2, 1, 6, 6, seed=1)
        c.error(api, "shapes differ", lambda fn=fn, p=p: fn(p, R(2, 1, 6, 5)), r"same shape")
        c.error(api, "reduction='max'", lambda fn=fn, p=p, t=t: fn(p, t, reduction="max"), r"reduction")
        c.error(api, "pred a list", lambda fn=fn, t=t: fn(t.tolist(), t), r"pred.*tensor")
        c.error(api, "target=None", lambda fn=fn, p=p: fn(p, None), r"target.*tensor")
        c.error(api, "pred 1-d", lambda fn=fn: fn(R(4), R(4)), r"at least \d dimensions")
        c.error(api, "eps=-1", lambda fn=fn, p=p, t=t: fn(p, t, eps=-1.0), r"eps")
        c.error(api, "eps=NaN", lambda fn=fn, p=p, t=t: fn(p, t, eps=NAN), r"eps")
        c.error(
            api,
            "integer tensors",
            lambda fn=fn: fn(
                torch.ones(2, 1, 4, 4, dtype=torch.long), torch.ones(2, 1, 4, 4, dtype=torch.long)
            ),
            r"floating|dtype",
        )
        c.accept(
            api,
            "float64 pred and target",
            lambda fn=fn, p=p, t=t: fn(p.double(), t.double()),
            lambda r: r.dtype == torch.float64 and finite(r),
            "follows the input dtype",
        )
        c.accept(
            api,
            "float64 pred, float32 target",
            lambda fn=fn, p=p, t=t: fn(p.double(), t),
            lambda r, fn=fn, p=p, t=t: bool(torch.allclose(r, fn(p.double(), t.double()))),
            "promoted as torch ops do: the float64 value",
            match=DTYPE,
        )
        c.accept(
            api,
            "a NaN in pred",
            lambda fn=fn, p=p, t=t: fn(with_nan(p), t),
            lambda r: bool(torch.isnan(first(r)).any()),
            "the NaN propagates",
        )
    api = "mgno.rel_h1"
    p, t = R(2, 1, 6, 6), R(2, 1, 6, 6, seed=1)
    hp(c, api, lambda **k: mgno.rel_h1(p, t, **k), "k_max", [0, 1.5, -2, True], r"k_max")
    hp(c, api, lambda **k: mgno.rel_h1(p, t, **k), "a", [-1.0, NAN], r"\ba\b")
    c.error(api, "pred 2-d", lambda: mgno.rel_h1(R(2, 6), R(2, 6)), r"at least 3 dimensions")

    # normalisers
    for cls in (mgno.PointwiseGaussianNormalizer, mgno.GlobalGaussianNormalizer):
        api = f"mgno.{cls.__name__}"
        hp(c, api, lambda cls=cls, **k: cls(**k), "eps", [-1.0, NAN, "1e-5"], r"eps")
        c.error(
            api + ".fit",
            "an int tensor",
            lambda cls=cls: cls().fit(torch.ones(4, 1, 3, 3, dtype=torch.long)),
            r"floating",
        )
        c.error(api + ".fit", "one sample", lambda cls=cls: cls().fit(R(1, 1, 3, 3)), r"N >= 2")
        c.error(api + ".fit", "a NaN", lambda cls=cls: cls().fit(with_nan(R(4, 1, 3, 3))), r"NaN")
        c.error(
            api + ".fit", "a list", lambda cls=cls: cls().fit(R(4, 1, 3, 3).tolist()), r"x must be|tensor"
        )
        c.error(api + ".encode", "before fit", lambda cls=cls: cls().encode(R(2, 1, 3, 3)), r"not fitted")
        c.error(api + ".decode", "before fit", lambda cls=cls: cls().decode(R(2, 1, 3, 3)), r"not fitted")
        c.error(
            api + ".encode",
            "a list",
            lambda cls=cls: cls().fit(R(4, 1, 3, 3)).encode(R(2, 1, 3, 3).tolist()),
            r"x.*tensor|tensor",
        )
        c.accept(
            api + ".encode",
            "float64 x after a float32 fit",
            lambda cls=cls: cls().fit(R(4, 1, 3, 3)).encode(R(2, 1, 3, 3).double()),
            lambda r: r.dtype == torch.float64 and finite(r),
            "follows the input dtype",
            match=DTYPE,
        )
        c.accept(
            api + ".decode(encode(x))",
            "constant training data (std 0)",
            lambda cls=cls: (lambda n: n.decode(n.encode(torch.ones(2, 1, 3, 3))))(
                cls().fit(torch.ones(4, 1, 3, 3))
            ),
            lambda r: bool(torch.allclose(r, torch.ones(2, 1, 3, 3))),
            "round trip is exact",
            match=r"constant|std|zero",
        )
    c.error(
        "mgno.PointwiseGaussianNormalizer.encode",
        "another grid",
        lambda: mgno.PointwiseGaussianNormalizer().fit(R(4, 1, 3, 3)).encode(R(2, 1, 5, 5)),
        r"fitted on samples of shape",
    )
    c.error("mgno.Normalized", "model a str", lambda: mgno.Normalized("mgno"), r"model")
    c.error(
        "mgno.Normalized",
        "x_normalizer an int",
        lambda: mgno.Normalized(nn.Identity(), x_normalizer=3),
        r"x_normalizer",
    )

    # fit / evaluate
    torch.manual_seed(0)
    xs, ys = R(4, 1, 5, 5), R(4, 1, 5, 5, seed=1)
    D = (xs, ys)
    api = "mgno.fit"

    def net() -> Any:
        torch.manual_seed(0)
        return mgno.MgNO(width=2, n_layers=1, levels=((1, 0),))

    F = lambda **k: mgno.fit(k.pop("model", net()), k.pop("train", D), **({"epochs": 1} | k))  # noqa: E731
    hp(c, api, F, "epochs", [0, 1.5, True], r"epochs")
    hp(c, api, F, "batch_size", [0, -1, 2.0], r"batch_size")
    hp(c, api, F, "lr", [0.0, -1.0, NAN, INF, "5e-4"], r"lr")
    hp(c, api, F, "weight_decay", [-1.0, NAN], r"weight_decay")
    hp(c, api, F, "loss", ["l1", "H1", None], r"loss")
    hp(c, api, F, "k_max", [0, 1.5], r"k_max")
    hp(c, api, F, "scheduler", ["cosine", "OneCycle"], r"scheduler")
    hp(c, api, F, "div_factor", [0.0, -2.0, NAN], r"div_factor")
    hp(c, api, F, "final_div_factor", [0.0, NAN], r"final_div_factor")
    hp(c, api, F, "pct_start", [1.5, -0.1, NAN], r"pct_start")
    hp(c, api, F, "callback", ["print", 3], r"callback")
    hp(c, api, F, "seed", [1.5, "0"], r"seed")
    c.error(api, "train a tensor", lambda: F(train=xs), r"train must be a pair")
    c.error(api, "train of 3 tensors", lambda: F(train=(xs, ys, ys)), r"train must be a pair")
    c.error(api, "train x and y of different lengths", lambda: F(train=(xs, ys[:3])), r"same positive number")
    c.error(api, "an empty train", lambda: F(train=(xs[:0], ys[:0])), r"same positive number")
    c.error(api, "NaN in train x", lambda: F(train=(with_nan(xs), ys)), r"train contains NaN")
    c.error(api, "inf in train y", lambda: F(train=(xs, with_nan(ys, INF))), r"train contains NaN")
    c.error(api, "NaN in val", lambda: F(val=(with_nan(xs), ys)), r"val contains NaN")
    c.error(api, "val a list", lambda: F(val=[xs.tolist(), ys.tolist()]), r"val must hold torch tensors")
    c.error(
        api,
        "train y with 2 channels",
        lambda: F(train=(xs, R(4, 2, 5, 5))),
        r"\by\b.*shape|same shape|out_channels",
    )
    c.error(api, "train x with 3 channels", lambda: F(train=(R(4, 3, 5, 5), ys)), r"in_channels")
    c.error(
        api,
        "train x and y on different grids",
        lambda: F(train=(xs, R(4, 1, 7, 7))),
        r"same shape|grid|shape",
    )
    c.error(
        api, "float64 train data into a float32 model", lambda: F(train=(xs.double(), ys.double())), DTYPE
    )
    c.error(api, "integer train y", lambda: F(train=(xs, ys.round().long())), r"floating|dtype|\by\b")
    c.error(api, "model a str", lambda: F(model="mgno"), r"model")

    def ckpt(damage: Any) -> Any:
        with tempfile.TemporaryDirectory() as d:
            ck = os.path.join(d, "fit.ckpt")
            F(checkpoint=ck)
            damage(ck)
            return F(checkpoint=ck, epochs=2)

    def truncate(ck: str) -> None:
        data = open(ck, "rb").read()
        open(ck, "wb").write(data[: len(data) // 2])

    c.error(api, "truncated checkpoint", lambda: ckpt(truncate), r"fit\.ckpt")
    c.error(api, "text file as a checkpoint", lambda: ckpt(lambda ck: open(ck, "w").write("x")), r"fit\.ckpt")
    c.error(
        api,
        "a torch file of another kind",
        lambda: ckpt(lambda ck: torch.save({"state": 1}, ck)),
        r"fit\.ckpt.*checkpoint|not a.*checkpoint",
    )

    def other_model() -> Any:
        with tempfile.TemporaryDirectory() as d:
            ck = os.path.join(d, "fit.ckpt")
            F(checkpoint=ck)
            return F(model=mgno.MgNO(width=3, n_layers=1, levels=((1, 0),)), checkpoint=ck, epochs=2)

    c.error(api, "checkpoint of another model", other_model, r"fit\.ckpt.*(fit|match|model)")
    c.error(
        api,
        "resume a 1-epoch OneCycle checkpoint with epochs=2",
        lambda: ckpt(lambda ck: None),
        r"fit\.ckpt.*epochs",
    )
    failed_write(
        c,
        "mgno.fit(checkpoint=...)",
        """
        import torch, mgno
        D = (torch.randn(4, 1, 5, 5), torch.randn(4, 1, 5, 5))
        def model(w):
            torch.manual_seed(0)
            return mgno.MgNO(width=w, n_layers=1, levels=((1, 0),))
        def write_old(p):
            mgno.fit(model(2), D, epochs=1, checkpoint=p, scheduler=None)
        def write_new(p):
            mgno.fit(model(2), D, epochs=2, checkpoint=p, scheduler=None)  # resumes, then saves epoch 2
        def valid(p):
            mgno.fit(model(2), D, epochs=2, checkpoint=p, scheduler=None)
        """,
        name="fit.ckpt",
        limit=1000,
    )
    api = "mgno.evaluate"
    c.error(api, "batch_size=0", lambda: mgno.evaluate(net(), xs, ys, batch_size=0), r"batch_size")
    c.error(api, "batch_size=-1", lambda: mgno.evaluate(net(), xs, ys, batch_size=-1), r"batch_size")
    c.error(
        api, "x and y of different lengths", lambda: mgno.evaluate(net(), xs, ys[:2]), r"same|length|number"
    )
    c.error(api, "empty x", lambda: mgno.evaluate(net(), xs[:0], ys[:0]), r"empty|at least|positive")
    c.error(api, "x a list", lambda: mgno.evaluate(net(), xs.tolist(), ys), r"x.*tensor|tensor")
    c.error(api, "NaN in y", lambda: mgno.evaluate(net(), xs, with_nan(ys)), FINITE)
