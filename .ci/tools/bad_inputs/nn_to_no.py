"""Bad-input cases of nn-to-no: ``cases(c)`` adds them to the sweep's collector."""

from __future__ import annotations

import os
import tempfile
from typing import Any

import torch
from torch import nn

from .common import DTYPE, FINITE, INF, NAN, R, failed_write, finite, hp, tensor_inputs, with_nan

SHAPE = r"x must|channels|square|dimensions|shape|x's grid"


def cases(c: Any) -> None:
    import nn_to_no as nt

    x = R(2, 1, 8, 8)
    # ------------------------------------------------------------------------------------------ layers
    api = "nn_to_no.IntegralConv2d"
    IC = lambda **k: nt.IntegralConv2d(**({"in_channels": 1, "out_channels": 2, "radius": 0.2} | k))  # noqa: E731
    hp(c, api, IC, "in_channels", [0, 1.5, True], r"in_channels")
    hp(c, api, IC, "radius", [0.0, -1.0, NAN, INF, "0.1"], r"radius")
    hp(c, api, IC, "basis", ["gaussian", None], r"basis")
    hp(c, api, IC, "n_basis", [0, 2.5], r"n_basis")
    hp(c, api, IC, "domain_length", [0.0, NAN], r"domain_length")
    hp(c, api, IC, "padding", ["reflect", "circular"], r"padding")
    hp(c, api, IC, "basis_norm", ["l2"], r"basis_norm")
    hp(c, api, IC, "fft_threshold", [0], r"fft_threshold")
    tensor_inputs(c, api + ".forward", lambda t: IC()(t), x, shape_match=SHAPE)
    api = "nn_to_no.InterpolatedConv2d"
    IP = lambda **k: nt.InterpolatedConv2d(
        **({"in_channels": 1, "out_channels": 2, "base_resolution": 8} | k)
    )  # noqa: E731
    hp(c, api, IP, "kernel_size", [2, 0, 3.0], r"kernel_size")
    hp(c, api, IP, "base_resolution", [0, -8, 8.5, "8", (8, 0)], r"base_resolution")
    hp(c, api, IP, "interp", ["cubic"], r"interp")
    hp(c, api, IP, "padding_mode", ["reflect"], r"padding_mode")
    tensor_inputs(c, api + ".forward", lambda t: IP()(t), x, shape_match=SHAPE, last_dim=False)
    c.accept(
        api + ".forward",
        "a 16x12 grid",
        lambda: IP()(R(1, 1, 16, 12)),
        lambda r: r.shape == (1, 2, 16, 12),
        "any grid",
        match=r"square",
    )
    api = "nn_to_no.FiniteDifferenceConv2d"
    FD = lambda **k: nt.FiniteDifferenceConv2d(**({"in_channels": 1, "out_channels": 2} | k))  # noqa: E731
    hp(c, api, FD, "kernel_size", [4, 0, 1.5], r"kernel_size")
    hp(c, api, FD, "padding", ["circular", None], r"padding")
    hp(c, api, FD, "domain_length", [-1.0], r"domain_length")
    tensor_inputs(c, api + ".forward", lambda t: FD()(t), x, shape_match=SHAPE, last_dim=False)
    hp(c, api + ".forward", lambda **k: FD()(x, **k), "grid_width", [0.0, -0.1, NAN], r"grid_width")
    api = "nn_to_no.SpectralConv2d"
    SC = lambda **k: nt.SpectralConv2d(**({"in_channels": 1, "out_channels": 2, "n_modes": 3} | k))  # noqa: E731
    hp(c, api, SC, "n_modes", [0, 2.5], r"n_modes")
    hp(c, api, SC, "out_channels", [0], r"out_channels")
    tensor_inputs(c, api + ".forward", lambda t: SC()(t), x, shape_match=SHAPE, last_dim=False)
    api = "nn_to_no.PointwiseLinear"
    hp(
        c,
        api,
        lambda **k: nt.PointwiseLinear(**({"in_channels": 1, "out_channels": 2} | k)),
        "in_channels",
        [0, 1.5],
        r"in_channels",
    )
    tensor_inputs(
        c, api + ".forward", lambda t: nt.PointwiseLinear(1, 2)(t), x, shape_match=SHAPE, last_dim=False
    )
    api = "nn_to_no.QuadratureGroupNorm"
    hp(
        c,
        api,
        lambda **k: nt.QuadratureGroupNorm(**({"num_groups": 2, "num_channels": 4} | k)),
        "num_groups",
        [0, 3],
        r"num_groups",
    )
    hp(
        c,
        api,
        lambda **k: nt.QuadratureGroupNorm(**({"num_groups": 2, "num_channels": 4} | k)),
        "eps",
        [-1.0, NAN, 0.0],
        r"eps",
    )
    tensor_inputs(
        c,
        api + ".forward",
        lambda t: nt.QuadratureGroupNorm(2, 4)(t),
        R(2, 4, 8, 8),
        shape_match=SHAPE,
        last_dim=False,
    )
    api = "nn_to_no.PhysicalPatchEmbed"
    PE = lambda **k: nt.PhysicalPatchEmbed(**({"in_channels": 1, "embed_dim": 4, "patch_size": 0.25} | k))  # noqa: E731
    hp(c, api, PE, "patch_size", [0.0, -0.25, 0.3, 2.0, NAN], r"patch_size")
    hp(c, api, PE, "cells", [0], r"cells")
    hp(c, api, PE, "embed_dim", [0], r"embed_dim")
    tensor_inputs(c, api + ".forward", lambda t: PE()(t), x, shape_match=SHAPE)
    c.error(api + ".forward", "N=10 for 4 patches", lambda: PE()(R(1, 1, 10, 10)), r"N to be a multiple")
    api = "nn_to_no.IntegralAttention"
    hp(c, api, lambda **k: nt.IntegralAttention(**({"channels": 8} | k)), "heads", [3, 0, 1.5], r"heads")
    hp(c, api, lambda **k: nt.IntegralAttention(**({"channels": 8} | k)), "channels", [0], r"channels")
    tensor_inputs(
        c,
        api + ".forward",
        lambda t: nt.IntegralAttention(8, heads=2)(t),
        R(2, 8, 4, 4),
        shape_match=SHAPE,
        last_dim=False,
    )
    c.error(
        api + ".forward",
        "weights of the wrong size",
        lambda: nt.IntegralAttention(8, heads=2)(R(2, 8, 4, 4), weights=torch.ones(5)),
        r"weights",
    )
    c.error(
        api + ".forward",
        "negative weights",
        lambda: nt.IntegralAttention(8, heads=2)(R(2, 8, 4, 4), weights=-torch.ones(16)),
        r"weights",
    )
    api = "nn_to_no.GridEmbedding"
    hp(c, api, lambda **k: nt.GridEmbedding(**k), "domain_length", [0.0, -1.0], r"domain_length")
    hp(c, api, lambda **k: nt.GridEmbedding(**k), "n_frequencies", [-1, 1.5], r"n_frequencies")
    c.error(
        api + ".forward",
        "coords of the wrong shape",
        lambda: nt.GridEmbedding()(x, coords=torch.zeros(2, 8, 9)),
        r"coords",
    )
    tensor_inputs(
        c, api + ".forward", lambda t: nt.GridEmbedding()(t), x, shape_match=SHAPE, last_dim=False, nan=False
    )
    api = "nn_to_no.FourierResample"
    hp(c, api, lambda **k: nt.FourierResample(**({"size": 4} | k)), "size", [0, 4.5], r"size")
    hp(c, api, lambda **k: nt.FourierResample(**k), "scale", [0.0, -2.0, NAN], r"scale")
    hp(c, api, lambda **k: nt.FourierResample(**({"size": 4} | k)), "mode", ["nearest"], r"mode")
    c.error(api, "neither size nor scale", lambda: nt.FourierResample(), r"size|scale")
    c.error(api, "both size and scale", lambda: nt.FourierResample(size=4, scale=2.0), r"size|scale")
    tensor_inputs(
        c, api + ".forward", lambda t: nt.FourierResample(size=4)(t), x, shape_match=SHAPE, last_dim=False
    )
    for name in ("resize_fourier", "resize_linear"):
        fn = getattr(nt, name)
        api = f"nn_to_no.{name}"
        hp(c, api, lambda fn=fn, **k: fn(x, **({"size": 4} | k)), "size", [0, -4, 4.5, (4,), "4"], r"size")
        hp(c, api, lambda fn=fn, **k: fn(x, 4, **k), "dims", [0, 5, 1.5], r"dims")
        c.error(api, "x a list", lambda fn=fn: fn(x.tolist(), 4), r"x.*[Tt]ensor")
        c.error(api, "x int64", lambda fn=fn: fn(x.long(), 4), r"floating|dtype")
        c.accept(
            api,
            "x float64",
            lambda fn=fn: fn(x.double(), 4),
            lambda r: r.dtype == torch.float64 and finite(r),
            "follows the input dtype",
        )
    hp(c, "nn_to_no.resize", lambda **k: nt.resize(x, 4, **k), "mode", ["nearest"], r"mode")
    api = "nn_to_no.Grid"
    hp(
        c,
        api,
        lambda **k: nt.Grid(**({"shape": (8, 8)} | k)),
        "shape",
        [(), (0, 8), (8.5,), 8, "8"],
        r"shape",
    )
    hp(c, api, lambda **k: nt.Grid(**({"shape": (8, 8)} | k)), "length", [0.0, NAN, -1.0], r"length")

    # -------------------------------------------------------------------------------------- models
    api = "nn_to_no.ConvNet"
    CN = lambda **k: nt.ConvNet(**({"width": 2, "depth": 1} | k))  # noqa: E731
    hp(c, api, CN, "width", [0, 1.5], r"width")
    hp(c, api, CN, "depth", [0], r"depth")
    hp(c, api, CN, "layer", ["fno"], r"layer")
    hp(c, api, CN, "padding_mode", ["reflect"], r"padding_mode")
    hp(c, api, CN, "kernel_size", [0, 2], r"kernel_size")
    hp(c, api, lambda **k: CN(layer="integral", **k), "radius", [0.0, NAN], r"radius")
    tensor_inputs(c, api + ".forward", lambda t: CN()(t), x, shape_match=SHAPE, last_dim=False)
    api = "nn_to_no.UNetOperator"
    UN = lambda **k: nt.UNetOperator(**({"width": 2, "levels": 1} | k))  # noqa: E731
    hp(c, api, UN, "width", [0], r"width")
    hp(c, api, UN, "levels", [0, 1.5], r"levels")
    hp(c, api, UN, "radius", [0.0, -1.0], r"radius")
    hp(c, api, UN, "in_channels", [0], r"in_channels")
    tensor_inputs(c, api + ".forward", lambda t: UN()(t), x, shape_match=SHAPE)

    # ------------------------------------------------------------------------------------- convert
    def cnn() -> nn.Module:
        torch.manual_seed(0)
        return nn.Sequential(
            nn.Conv2d(1, 2, 3, padding=1, padding_mode="circular"),
            nn.GELU(),
            nn.Conv2d(2, 1, 3, padding=1, padding_mode="circular"),
        )

    api = "nn_to_no.to_operator"
    hp(c, api, lambda **k: nt.to_operator(cnn(), **({"base_resolution": 8} | k)), "mode", ["magic"], r"mode")
    hp(
        c,
        api,
        lambda **k: nt.to_operator(cnn(), **({"base_resolution": 8} | k)),
        "interp",
        ["cubic"],
        r"interp",
    )
    hp(
        c,
        api,
        lambda **k: nt.to_operator(cnn(), **k),
        "base_resolution",
        [0, 8.5, "8", (8, 8, 8)],
        r"base_resolution",
    )
    hp(c, api, lambda **k: nt.to_operator(cnn(), base_resolution=8, **k), "in_channels", [0], r"in_channels")
    c.error(api, "model a str", lambda: nt.to_operator("cnn", base_resolution=8), r"model")
    c.error(
        api,
        "a model with an nn.Linear",
        lambda: nt.to_operator(
            nn.Sequential(nn.Conv2d(1, 1, 3), nn.Flatten(), nn.Linear(36, 2)), base_resolution=8
        ),
        r"Linear|Flatten|allow",
    )
    c.error(
        api,
        "example_input of the wrong channels",
        lambda: nt.to_operator(cnn(), base_resolution=8, example_input=R(1, 3, 8, 8)),
        r"example_input|channels",
    )
    c.error(
        api,
        "example_input at another resolution",
        lambda: nt.to_operator(cnn(), base_resolution=8, example_input=R(1, 1, 16, 16)),
        r"example_input|base_resolution",
    )
    c.accept(
        api,
        "a converted net at 16x16",
        lambda: nt.to_operator(cnn(), base_resolution=8)(R(1, 1, 16, 16)),
        lambda r: r.shape == (1, 1, 16, 16) and finite(r),
        "runs at any resolution",
    )
    api = "nn_to_no.InputOutputInterpolate"
    hp(
        c,
        api,
        lambda **k: nt.InputOutputInterpolate(cnn(), **({"train_resolution": 8} | k)),
        "train_resolution",
        [0, 8.5, "8"],
        r"train_resolution",
    )
    hp(
        c,
        api,
        lambda **k: nt.InputOutputInterpolate(cnn(), **({"train_resolution": 8} | k)),
        "interp",
        ["cubic"],
        r"interp",
    )
    c.error(api, "model a str", lambda: nt.InputOutputInterpolate("cnn", train_resolution=8), r"model")
    tensor_inputs(
        c,
        api + ".forward",
        lambda t: nt.InputOutputInterpolate(cnn(), train_resolution=8)(t),
        x,
        shape_match=SHAPE,
        last_dim=False,
    )
    api = "nn_to_no.interpolate_kernel"
    w = R(2, 1, 3, 3)
    hp(
        c,
        api,
        lambda **k: nt.interpolate_kernel(w, **({"size": (5, 5)} | k)),
        "size",
        [(0, 5), (5,), 5.5],
        r"size",
    )
    hp(c, api, lambda **k: nt.interpolate_kernel(w, (5, 5), **k), "interp", ["cubic"], r"interp")
    c.error(api, "weight 2-d", lambda: nt.interpolate_kernel(R(3, 3), (5, 5)), r"weight")
    c.error(api, "weight a list", lambda: nt.interpolate_kernel(w.tolist(), (5, 5)), r"weight")

    # -------------------------------------------------------------------------------------- losses
    for name in ("function_l2", "rel_l2"):
        fn = getattr(nt, name)
        api = f"nn_to_no.{name}"
        p, t = R(2, 1, 6, 6), R(2, 1, 6, 6, seed=1)
        c.error(api, "shapes differ", lambda fn=fn, p=p: fn(p, R(2, 1, 6, 5)), r"same shape")
        c.error(api, "reduction='max'", lambda fn=fn, p=p, t=t: fn(p, t, reduction="max"), r"reduction")
        c.error(api, "pred a list", lambda fn=fn, t=t: fn(t.tolist(), t), r"pred.*[Tt]ensor")
        c.error(api, "target=None", lambda fn=fn, p=p: fn(p, None), r"target.*[Tt]ensor")
        c.error(api, "pred 2-d", lambda fn=fn: fn(R(6, 6), R(6, 6)), r"pred.*dimensions")
        hp(c, api, lambda fn=fn, p=p, t=t, **k: fn(p, t, **k), "spatial_dims", [0, 4, 1.5], r"spatial_dims")
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
            "a NaN in pred",
            lambda fn=fn, p=p, t=t: fn(with_nan(p), t),
            lambda r: bool(torch.isnan(r).any()),
            "the NaN propagates",
            match=FINITE,
        )
    hp(
        c,
        "nn_to_no.function_l2",
        lambda **k: nt.function_l2(R(2, 1, 4, 4), R(2, 1, 4, 4), **k),
        "domain_length",
        [0.0, NAN],
        r"domain_length",
    )
    hp(
        c,
        "nn_to_no.rel_l2",
        lambda **k: nt.rel_l2(R(2, 1, 4, 4), R(2, 1, 4, 4), **k),
        "eps",
        [-1.0, NAN],
        r"eps",
    )

    # ---------------------------------------------------------------------------------------- fit
    api = "nn_to_no.fit"
    xs, ys = R(4, 1, 8, 8), R(4, 1, 8, 8, seed=1)

    def net() -> nn.Module:
        torch.manual_seed(0)
        return nt.ConvNet(width=2, depth=1)

    F = lambda **k: nt.fit(
        k.pop("model", net()), k.pop("x", xs), k.pop("y", ys), **({"epochs": 1, "batch_size": 2} | k)
    )  # noqa: E731
    hp(c, api, F, "epochs", [-1, 1.5, True], r"epochs")
    hp(c, api, F, "batch_size", [0, 2.0], r"batch_size")
    hp(c, api, F, "lr", [0.0, NAN, "1e-3"], r"lr")
    hp(c, api, F, "weight_decay", [-1.0, NAN], r"weight_decay")
    hp(c, api, F, "seed", [1.5, "0"], r"seed")
    hp(c, api, F, "loss_fn", ["l2"], r"loss_fn")
    hp(c, api, F, "on_epoch", [3], r"on_epoch")
    c.error(api, "model a str", lambda: F(model="cnn"), r"model")
    c.error(api, "x a list", lambda: F(x=xs.tolist()), r"x.*[Tt]ensor")
    c.error(api, "x and y of different lengths", lambda: F(y=ys[:3]), r"same.*number of samples")
    c.error(api, "empty x", lambda: F(x=xs[:0], y=ys[:0]), r"empty|at least|positive")
    c.error(api, "NaN in x", lambda: F(x=with_nan(xs)), FINITE)
    c.error(api, "inf in y", lambda: F(y=with_nan(ys, INF)), FINITE)
    c.error(api, "y on another grid", lambda: F(y=R(4, 1, 16, 16)), r"shape|grid|y")
    c.error(api, "x with 3 channels", lambda: F(x=R(4, 3, 8, 8)), r"channels|x")
    c.error(api, "float64 data into a float32 model", lambda: F(x=xs.double(), y=ys.double()), DTYPE)
    c.error(api, "integer y", lambda: F(y=ys.long()), r"floating|dtype")

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
            return F(model=nt.ConvNet(width=3, depth=1), checkpoint=ck, epochs=2)

    c.error(api, "checkpoint of another model", other_model, r"fit\.ckpt.*(fit|match|model)")
    failed_write(
        c,
        "nn_to_no.fit(checkpoint=...)",
        """
        import torch, nn_to_no as nt
        x, y = torch.randn(4, 1, 8, 8), torch.randn(4, 1, 8, 8)
        def model():
            torch.manual_seed(0)
            return nt.ConvNet(width=2, depth=1)
        def write_old(p):
            nt.fit(model(), x, y, epochs=1, checkpoint=p)
        def write_new(p):
            nt.fit(model(), x, y, epochs=2, checkpoint=p)  # resumes, then saves epoch 2
        def valid(p):
            nt.fit(model(), x, y, epochs=2, checkpoint=p)
        """,
        name="fit.ckpt",
        limit=1000,
    )

    # -------------------------------------------------------------------------------- invariance
    api = "nn_to_no.discretization_sweep"
    ds = lambda n: (R(2, 1, n, n), R(2, 1, n, n, seed=1))  # noqa: E731
    S = lambda **k: nt.discretization_sweep(
        k.pop("model", nn.Identity()), k.pop("dataset_fn", ds), k.pop("resolutions", [8]), **k
    )  # noqa: E731
    hp(c, api, S, "batch_size", [0, 1.5], r"batch_size")
    hp(c, api, S, "resolutions", [[0], [8.5], [], 8], r"resolution")
    hp(c, api, S, "model", ["cnn"], r"model")
    hp(c, api, S, "dataset_fn", [None], r"dataset_fn")
    hp(c, api, S, "metric", ["l2"], r"metric")
    hp(c, api, S, "device", ["tpu"], r"device|tpu")
    c.error(
        api,
        "dataset_fn returning a list",
        lambda: S(dataset_fn=lambda n: [1, 2]),
        r"dataset_fn|inputs|[Tt]ensor",
    )
    c.error(
        api,
        "dataset_fn returning one tensor",
        lambda: S(dataset_fn=lambda n: R(2, 1, n, n)),
        r"dataset_fn|pair|inputs|targets",
    )
    c.error(
        api,
        "dataset_fn returning the wrong resolution",
        lambda: S(dataset_fn=lambda n: ds(16)),
        r"resolution|dataset_fn|16",
    )
    c.error(
        api,
        "empty data",
        lambda: S(dataset_fn=lambda n: (R(0, 1, n, n), R(0, 1, n, n))),
        r"empty|no sample|at least",
    )
    c.error(
        api,
        "metric returning a scalar",
        lambda: S(metric=lambda p, t: (p - t).pow(2).mean()),
        r"metric",
    )
    api = "nn_to_no.error_ratios"
    c.error(api, "reference not swept", lambda: nt.error_ratios({8: 0.1, 16: 0.2}, 32), r"reference 32")
    c.error(api, "reference error 0", lambda: nt.error_ratios({8: 0.0, 16: 0.2}, 8), r"reference|zero|0")
    c.error(api, "errors empty", lambda: nt.error_ratios({}, 8), r"errors|reference")
    c.error(api, "errors a list", lambda: nt.error_ratios([0.1, 0.2], 0), r"errors")
