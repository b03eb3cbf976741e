"""Bad-input cases of rarts: ``cases(c)`` adds them to the sweep's collector."""

from __future__ import annotations

import os
import tempfile
from typing import Any

import torch
from torch import nn

from .common import DTYPE, FINITE, INF, NAN, R, failed_write, has_nan, hp, tensor_inputs, with_nan


def cases(c: Any) -> None:
    import darts_core as dc
    import rarts
    from rarts import toy

    def tiny(C: int = 4) -> Any:
        torch.manual_seed(0)
        return dc.Supernet(dc.nb_digits_space(), C=C, layers=1, in_channels=1)

    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(4, 1, 8, 8, generator=g), torch.randint(0, 10, (4,), generator=g)
    xv, yv = torch.randn(4, 1, 8, 8, generator=g), torch.randint(0, 10, (4,), generator=g)
    B, V = [(x, y)], [(xv, yv)]

    # ------------------------------------------------------------------ RARTS / RARTSArchitect
    api = "rarts.RARTS"
    mk = lambda **k: rarts.RARTS(tiny(), **k)  # noqa: E731
    hp(c, api, mk, "lam", [0.0, -1.0, NAN, INF, "1", None, True])
    hp(c, api, mk, "beta", [-0.1, NAN, INF, "1"])
    hp(c, api, mk, "w_lr", [0.0, -0.1, NAN, INF])
    hp(c, api, mk, "y_lr", [0.0, NAN])
    hp(c, api, mk, "w_lr_min", [-1.0, NAN])
    hp(c, api, mk, "momentum", [1.0, -0.1])
    hp(c, api, mk, "wd", [-1e-4])
    hp(c, api, mk, "arch_lr", [0.0, NAN])
    hp(c, api, mk, "arch_wd", [-1.0])
    hp(c, api, mk, "arch_betas", [(1.5, 0.9), (0.5,)], r"arch_betas|betas")
    hp(c, api, mk, "grad_clip", [0.0, -1.0, NAN])
    hp(c, api, mk, "alpha_grad", ["fast", None])
    hp(c, api, mk, "w_coupling", ["yes", 1])
    hp(c, api, mk, "strict", ["yes"])
    hp(c, api, mk, "loss_fn", ["cross_entropy"])
    c.warn(api, "beta=0", lambda: mk(beta=0.0), r"decouple")
    c.error(api, "a plain nn.Linear", lambda: rarts.RARTS(nn.Linear(2, 2)), r"arch_parameters|model")
    c.error(api, "a string as supernet", lambda: rarts.RARTS("darts"), r"model|nn\.Module")
    api = "rarts.RARTSArchitect"
    mka = lambda **k: rarts.RARTSArchitect(tiny(), **k)  # noqa: E731
    hp(c, api, mka, "y_lr_scale", [0.0, NAN])
    hp(c, api, mka, "lam", [0.0, INF])
    hp(c, api, mka, "beta", [NAN])
    c.error(
        api + ".load_state_dict",
        "a plain darts-core architect's state",
        lambda: mka().load_state_dict(dc.Architect(tiny()).state_dict()),
        r"RARTSArchitect",
    )
    c.error(
        api + ".load_state_dict",
        "the state of another model",
        lambda: mka().load_state_dict(rarts.RARTSArchitect(tiny(6)).state_dict()),
        r"does not fit|model|shape",
    )

    # ------------------------------------------------------------------ RARTS.step
    api = "rarts.RARTS.step"

    def step(t: Any) -> Any:
        yy = y[: len(t)] if isinstance(t, torch.Tensor) and t.dim() == 4 else y
        return rarts.RARTS(tiny()).step((t, yy), (xv, yv))

    tensor_inputs(
        c,
        api,
        step,
        x,
        arg="x",
        shape_match=r"x|in_channels|shape|\(N",
        last_dim=False,
        empty=False,
        nan=False,
    )
    c.error(api, "an empty training batch", lambda: step(x[:0]), r"empty")
    c.error(
        api,
        "NaN in the training batch",
        lambda: step(with_nan(x)),
        FINITE,
    )
    c.error(
        api,
        "inf in the validation batch",
        lambda: rarts.RARTS(tiny()).step((x, y), (with_nan(xv, INF), yv)),
        FINITE,
    )
    c.error(
        api,
        "a tensor instead of an (x, y) batch",
        lambda: rarts.RARTS(tiny()).step(x, (xv, yv)),
        r"train_batch.*\(x, ?(y|target)\)|train_batch.*tuple",
    )
    c.error(
        api,
        "labels out of range (10 classes)",
        lambda: rarts.RARTS(tiny()).step((x, y + 10), (xv, yv)),
        r"(?i)target|label|class",
    )
    c.error(
        api,
        "x and y of different lengths",
        lambda: rarts.RARTS(tiny()).step((x, y[:3]), (xv, yv)),
        r"(?i)batch.?size|length|target",
    )
    c.warn(api, "the same batch for both splits", lambda: rarts.RARTS(tiny()).step((x, y), (x, y)), r"same")
    c.error(
        api,
        "the same batch, strict=True",
        lambda: rarts.RARTS(tiny(), strict=True).step((x, y), (x, y)),
        r"same batch",
    )

    # ------------------------------------------------------------------ RARTS.search
    api = "rarts.RARTS.search"
    c.error(api, "epochs=0", lambda: rarts.RARTS(tiny()).search(B, V, 0), r"epochs")
    c.error(api, "epochs=1.5", lambda: rarts.RARTS(tiny()).search(B, V, 1.5), r"epochs")
    c.error(api, "empty val_loader", lambda: rarts.RARTS(tiny()).search(B, [], 1), r"val_loader")
    c.error(
        api,
        "NaN in the training images",
        lambda: rarts.RARTS(tiny()).search([(with_nan(x), y)], V, 1),
        r"non-finite",
    )
    c.error(
        api,
        "inf in the validation images",
        lambda: rarts.RARTS(tiny()).search(B, [(with_nan(xv, INF), yv)], 1),
        r"non-finite",
    )
    c.error(api, "unknown keyword", lambda: rarts.RARTS(tiny()).search(B, V, 1, shuffle=True), r"shuffle")
    loader = dc.TensorLoader(x, y, batch_size=2)
    c.warn(
        api, "the same loader for both splits", lambda: rarts.RARTS(tiny()).search(loader, loader, 1), r"same"
    )
    c.error(
        api,
        "float64 images",
        lambda: rarts.RARTS(tiny()).search([(x.double(), y)], V, 1),
        DTYPE,
    )

    def resume(other: Any) -> Any:
        with tempfile.TemporaryDirectory() as d:
            ck = os.path.join(d, "search.ckpt")
            other(ck)
            return rarts.RARTS(tiny()).search(B, V, 2, checkpoint_path=ck, resume=True)

    c.error(
        api,
        "resume from a plain DARTS checkpoint",
        lambda: resume(lambda ck: dc.search(tiny(), B, V, 1, checkpoint_path=ck)),
        r"RARTSArchitect|RARTS",
    )
    c.warn(
        api,
        "resume a lam=10 checkpoint with lam=1",
        lambda: resume(lambda ck: rarts.RARTS(tiny(), lam=10.0).search(B, V, 1, checkpoint_path=ck)),
        r"lam",
        match=r"lam",
    )
    failed_write(
        c,
        "rarts.RARTS.search(checkpoint_path=...)",
        """
        import torch, darts_core as dc, rarts
        def model(C):
            torch.manual_seed(0)
            return dc.Supernet(dc.nb_digits_space(), C=C, layers=1, in_channels=1)
        g = torch.Generator().manual_seed(0)
        T = [(torch.randn(4, 1, 8, 8, generator=g), torch.randint(0, 10, (4,), generator=g))]
        V = [(torch.randn(4, 1, 8, 8, generator=g), torch.randint(0, 10, (4,), generator=g))]
        def write_old(p):
            rarts.RARTS(model(4)).search(T, V, 1, checkpoint_path=p)
        def write_new(p):
            rarts.RARTS(model(16)).search(T, V, 1, checkpoint_path=p)
        def valid(p):
            dc.load_checkpoint(p, model(4))
        """,
        name="search.ckpt",
    )

    # ------------------------------------------------------------------ objective
    api = "rarts.relaxed_objective"

    def objective(**k: Any) -> Any:
        m = tiny()
        yw = {n: p.detach().clone() for n, p in m.named_weight_parameters()}
        return rarts.relaxed_objective(m, yw, (x, y), (xv, yv), **k)

    hp(c, api, objective, "lam", [-1.0, NAN])
    hp(c, api, objective, "beta", [-1.0, NAN])
    c.error(
        api,
        "a model without named_weight_parameters",
        lambda: rarts.relaxed_objective(nn.Linear(2, 2), {}, (x, y), (xv, yv)),
        r"named_weight_parameters",
    )
    api = "rarts.coupling_penalty"
    w = dict(tiny().named_weight_parameters())
    c.error(api, "y with another name", lambda: rarts.coupling_penalty({"x": torch.zeros(1)}, w), r"names")
    c.error(
        api,
        "y with a tensor of the wrong shape",
        lambda: rarts.coupling_penalty(
            {n: (t[:1] if i == 0 else t) for i, (n, t) in enumerate(w.items())}, w
        ),
        r"shape",
    )
    c.error(
        api,
        "y a list of tensors",
        lambda: rarts.coupling_penalty(list(w.values()), w),
        r"y.*(mapping|dict)",
    )
    c.error(api, "empty dicts", lambda: rarts.coupling_penalty({}, {}), r"empty")
    c.accept(
        api,
        "NaN in y",
        lambda: rarts.coupling_penalty({n: with_nan(t.detach()) for n, t in w.items()}, w),
        has_nan,
        "the NaN propagates",
    )
    c.error(
        "rarts.check_searchable",
        "a DDP-less plain module",
        lambda: rarts.check_searchable(nn.Conv2d(1, 1, 3)),
        r"arch_parameters",
    )

    # ------------------------------------------------------------------ toy model
    api = "rarts.toy.stationary_point"
    hp(
        c,
        api,
        lambda **k: toy.stationary_point(**({"lam": 1.0, "beta": 1.0} | k)),
        "lam",
        [0.0, NAN, True, "1"],
    )
    hp(c, api, lambda **k: toy.stationary_point(**({"lam": 1.0, "beta": 1.0} | k)), "beta", [0.0, NAN, True])
    c.error(api, "1/(2 lam) + 1/beta >= 2", lambda: toy.stationary_point(0.25, 1.0), r"no finite stationary")
    api = "rarts.run_rarts"
    mr = lambda **k: toy.run_rarts(**({"steps": 50} | k))  # noqa: E731
    hp(c, api, mr, "steps", [0, 1.5, True])
    hp(c, api, mr, "lr", [0.0, NAN, "0.01"])
    hp(c, api, mr, "record_every", [0])
    hp(c, api, mr, "init", [(0.0, 0.0), (NAN, 0.0, 0.0), "abc"])
    hp(c, api, mr, "w_coupling", ["no"])
    hp(c, api, mr, "lam", [True])
    c.accept(
        api,
        "lr too large (diverges)",
        lambda: toy.run_rarts(10.0, 10.0, steps=200, lr=1.0),
        lambda r: r.diverged is True,
        "the run says diverged",
    )
    api = "rarts.run_darts"
    md = lambda **k: toy.run_darts(**({"steps": 50} | k))  # noqa: E731
    hp(c, api, md, "order", [3, 0, "1"])
    hp(c, api, md, "xi", [-0.5, NAN], r"xi")
    hp(c, api, md, "init", [(0.0,), (0.0, INF)])
    hp(c, api, md, "steps", [-1])
    c.error(
        "rarts.toy.darts_fixed_point",
        "xi=-0.5",
        lambda: toy.darts_fixed_point(2, -0.5),
        r"xi",
    )

    # ------------------------------------------------------------------ width search
    api = "rarts.WidthChoiceConv2d"
    mw = lambda **k: rarts.WidthChoiceConv2d(**({"in_channels": 3, "out_channels": 8, "widths": (2, 8)} | k))  # noqa: E731
    hp(c, api, mw, "in_channels", [0, "3", 1.5])
    hp(c, api, mw, "out_channels", [0])
    hp(c, api, mw, "kernel_size", [0])
    hp(c, api, mw, "widths", [(4, 2), (), (0, 2), (2, 9), 3, (2.5, 4), None])
    hp(c, api, mw, "alpha_init_std", [-1.0, NAN, INF])
    hp(c, api, mw, "stride", [0, 1.5])
    hp(c, api, mw, "padding", [-1])
    layer = rarts.WidthChoiceConv2d(3, 8, 3, widths=(2, 8))
    tensor_inputs(
        c,
        api + ".forward",
        lambda t: layer(t),
        R(2, 3, 6, 6),
        shape_match=r"x|in_channels|shape|\(N",
        last_dim=False,
    )
    c.error(
        api + ".forward", "x with 4 channels for in_channels=3", lambda: layer(R(2, 4, 6, 6)), r"in_channels"
    )
    c.error(
        api + ".forward",
        "weights of the wrong length",
        lambda: layer(R(1, 3, 4, 4), torch.ones(3) / 3),
        r"weights must have shape",
    )
    c.error(
        api + ".forward",
        "weights as a list",
        lambda: layer(R(1, 3, 4, 4), [0.5, 0.5]),
        r"weights.*(tensor|Tensor)",
    )
    api = "rarts.WidthSearchNet"
    mn = lambda **k: rarts.WidthSearchNet(**({"channels": (4, 8), "in_channels": 1} | k))  # noqa: E731
    hp(c, api, mn, "channels", [(), (0, 8), (4, 2.5), 4], r"channels")
    hp(c, api, mn, "width_fractions", [(0.0, 1.0), (1.5,), (NAN,), ()], r"width_fractions")
    hp(c, api, mn, "in_channels", [0, 1.5], r"in_channels")
    hp(c, api, mn, "num_classes", [0, 1.5, True], r"num_classes")
    hp(c, api, mn, "strides", [(1,), (1, 0)], r"strides|stride")
    net = mn()
    tensor_inputs(
        c,
        api + ".forward",
        lambda t: net(t),
        R(2, 1, 8, 8),
        shape_match=r"x|in_channels|shape|\(N",
        last_dim=False,
    )
    c.error(
        api + ".forward",
        "weights missing a block",
        lambda: net(R(2, 1, 8, 8), {"0": torch.ones(4) / 4}),
        r"weights",
    )
    c.error(
        "rarts.width_genotype",
        "an nn.Linear",
        lambda: rarts.width_genotype(nn.Linear(2, 2)),
        r"WidthChoiceConv2d",
    )
    c.error(
        "rarts.RARTS.step",
        "WidthSearchNet with 3-channel images for in_channels=1",
        lambda: rarts.RARTS(mn()).step((R(2, 3, 8, 8), y[:2]), (R(2, 1, 8, 8, seed=1), y[2:])),
        r"in_channels",
    )

    # ------------------------------------------------------------------ the reproduction's configs
    from rarts.reproduce import cost, long_search
    from rarts.reproduce import toy as toy_study

    c.error("rarts.reproduce.long_search.Config", "lam=0", lambda: long_search.Config(lam=0.0), r"lam")
    c.error("rarts.reproduce.long_search.Config", "epochs=0", lambda: long_search.Config(epochs=0), r"epochs")
    c.error("rarts.reproduce.cost.Config", "iterations=0", lambda: cost.Config(iterations=0), r"iterations")
    c.error("rarts.reproduce.toy.Config", "steps=0", lambda: toy_study.Config(steps=0), r"steps")
