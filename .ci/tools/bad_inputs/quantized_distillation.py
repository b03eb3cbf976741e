"""Bad-input cases of quantized-distillation: ``cases(c)`` adds them to the sweep's collector."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from .common import DTYPE, FINITE, INF, NAN, R, failed_write, hp, with_nan


def cases(c: Any) -> None:
    import quantized_distillation as qd
    from quantized_distillation.reproduce import compress

    w = R(300)
    # ---- quantizers
    api = "quantized_distillation.uniform_quantize"
    U = lambda **k: qd.uniform_quantize(w, **k)  # noqa: E731
    hp(c, api, U, "bits", [0, 17, 2.5, True, "4"], r"bits")
    hp(c, api, U, "bucket_size", [0, -3, 2.0, True], r"bucket_size")
    hp(c, api, U, "scaling", ["log", None], r"scaling")
    c.error(api, "bits=1 with absmax", lambda: U(bits=1, scaling="absmax"), r"absmax.*bits")
    c.error(api, "w holding a NaN", lambda: qd.uniform_quantize(with_nan(w)), r"w.*NaN")
    c.error(api, "w holding an inf", lambda: qd.uniform_quantize(with_nan(w, INF)), r"w.*(inf|finite)")
    c.error(api, "w int64", lambda: qd.uniform_quantize(w.round().long()), r"w.*floating")
    c.error(api, "w a list", lambda: qd.uniform_quantize(w.tolist()), r"w.*Tensor")
    c.error(api, "w=None", lambda: qd.uniform_quantize(None), r"w.*Tensor")
    c.error(api, "w empty", lambda: qd.uniform_quantize(w[:0]), r"w.*empty")
    for dt in (torch.float64, torch.float16, torch.bfloat16):
        c.accept(
            api,
            f"w {str(dt)[6:]}",
            lambda dt=dt: qd.uniform_quantize(w.to(dt), bits=2),
            lambda r, dt=dt: r.dtype == dt and r.shape == w.shape and len(r.unique()) <= 4 * 2,
            "same dtype and shape, at most 4 levels per bucket",
        )
    c.accept(
        api,
        "a 0-d tensor",
        lambda: qd.uniform_quantize(torch.tensor(0.3)),
        lambda r: r.shape == () and abs(float(r) - 0.3) < 1e-6,
        "itself",
    )
    c.accept(
        api,
        "a constant tensor",
        lambda: qd.uniform_quantize(torch.full((10,), 2.5)),
        lambda r: bool((r == 2.5).all()),
        "unchanged",
    )
    c.error(
        api,
        "generator of another device kind",
        lambda: qd.uniform_quantize(w, stochastic=True, generator="seed"),
        r"generator",
    )
    api = "quantized_distillation.uniform_codes"
    hp(c, api, lambda **k: qd.uniform_codes(w, **k), "bits", [0], r"bits")
    c.error(api, "w holding an inf", lambda: qd.uniform_codes(with_nan(w, INF)), r"w.*(inf|finite)")
    api = "quantized_distillation.nonuniform_quantize"
    pts = torch.tensor([0.0, 0.3, 1.0])
    c.error(api, "points 2-d", lambda: qd.nonuniform_quantize(w, torch.zeros(2, 2)), r"points.*1-D")
    c.error(api, "one point", lambda: qd.nonuniform_quantize(w, torch.zeros(1)), r"points.*at least 2")
    c.error(api, "unsorted points", lambda: qd.nonuniform_quantize(w, pts.flip(0)), r"points.*sorted")
    c.error(api, "NaN point", lambda: qd.nonuniform_quantize(w, with_nan(pts)), r"points.*finite")
    c.error(api, "points a list", lambda: qd.nonuniform_quantize(w, [0.0, 1.0]), r"points.*Tensor")
    c.error(api, "points int64", lambda: qd.nonuniform_quantize(w, torch.tensor([0, 1])), r"points.*floating")
    c.error(api, "w holding a NaN", lambda: qd.nonuniform_quantize(with_nan(w), pts), r"w.*NaN")
    c.error(
        api, "w holding an inf", lambda: qd.nonuniform_quantize(with_nan(w, INF), pts), r"w.*(inf|finite)"
    )
    hp(c, api, lambda **k: qd.nonuniform_quantize(w, pts, **k), "bucket_size", [0, 1.5], r"bucket_size")
    c.accept(
        api,
        "w float64 with float32 points",
        lambda: qd.nonuniform_quantize(w.double(), pts)[0],
        lambda r: r.dtype == torch.float64 and r.shape == w.shape,
        "follows w's dtype",
    )
    api = "quantized_distillation.quantile_points"
    hp(
        c,
        api,
        lambda **k: qd.quantile_points(w, **({"n_points": 4} | k)),
        "n_points",
        [1, 0, 2.5, "4"],
        r"n_points",
    )
    c.error(api, "w a list", lambda: qd.quantile_points(w.tolist(), 4), r"w.*Tensor")
    c.error(api, "w holding a NaN", lambda: qd.quantile_points(with_nan(w), 4), r"w.*(NaN|finite)")
    api = "quantized_distillation.uniform_points"
    hp(c, api, lambda **k: qd.uniform_points(**({"n_points": 4} | k)), "n_points", [1, 2.5, "4"], r"n_points")
    c.error(api, "dtype int64", lambda: qd.uniform_points(4, dtype=torch.int64), r"dtype.*floating")
    api = "quantized_distillation.BucketScaler.fit"
    hp(c, api, lambda **k: qd.BucketScaler.fit(w, **k), "scaling", ["minmax2"], r"scaling")
    c.error(api, "w a list", lambda: qd.BucketScaler.fit([1.0, 2.0]), r"w.*Tensor")
    c.error(
        api + ".scale",
        "w of another shape",
        lambda: qd.BucketScaler.fit(w, bucket_size=7).scale(R(30)),
        r"w.*shape|numel|fitted",
    )
    # ---- parametrizations
    api = "quantized_distillation.QuantizeWeight"
    Q = lambda **k: qd.QuantizeWeight(**k)  # noqa: E731
    hp(c, api, Q, "bits", [0, 2.5], r"bits")
    hp(c, api, Q, "gradient", ["complicated", None], r"gradient")
    hp(c, api, Q, "scaling", ["log"], r"scaling")
    c.error(
        api,
        "through_scaling with absmax",
        lambda: Q(gradient="through_scaling", scaling="absmax"),
        r"through_scaling",
    )
    c.error(api + ".forward", "w holding a NaN", lambda: qd.QuantizeWeight()(with_nan(w)), r"w.*NaN")
    api = "quantized_distillation.LearnedPoints"
    c.error(api, "points a list", lambda: qd.LearnedPoints([0.0, 1.0]), r"points.*Tensor")
    c.error(api, "one point", lambda: qd.LearnedPoints(torch.zeros(1)), r"points.*at least 2")
    c.warn(api, "unsorted points", lambda: qd.LearnedPoints(torch.tensor([0.5, 0.1, 0.9])), r"sort")
    c.error(api, "NaN point", lambda: qd.LearnedPoints(with_nan(torch.linspace(0, 1, 5))), r"points.*finite")
    hp(c, api, lambda **k: qd.LearnedPoints(pts, **k), "bucket_size", [0], r"bucket_size")
    api = "quantized_distillation.quantize_model_"
    M = lambda **k: qd.quantize_model_(nn.Linear(4, 2), **k)  # noqa: E731
    hp(c, api, M, "bits", [0, 2.5], r"bits")
    hp(c, api, M, "bucket_size", [0], r"bucket_size")
    hp(c, api, M, "gradient", ["nope"], r"gradient")
    hp(c, api, M, "bits_per_parameter", [{"nope": 3}, {"weight": 0}], r"bits_per_parameter|bits")
    hp(c, api, M, "include", ["weight", ["nomatch*"]], r"include")
    c.error(api, "model a function", lambda: qd.quantize_model_(torch.tanh), r"model.*nn.Module")

    def twice() -> Any:
        m = nn.Linear(4, 2)
        qd.quantize_model_(m)
        return qd.quantize_model_(m)

    c.error(api, "already quantized", twice, r"already quantized")
    c.warn(
        api,
        "a buffer in include",
        lambda: qd.quantize_model_(
            nn.Sequential(nn.Linear(3, 3), nn.BatchNorm1d(3)), include=["1.running_mean", "0.weight"]
        ),
        r"running",
    )
    api = "quantized_distillation.learn_points_"
    L = lambda **k: qd.learn_points_(nn.Linear(4, 2), **k)  # noqa: E731
    hp(c, api, L, "bits", [0, 1.5], r"bits")
    hp(c, api, L, "init", ["kmeans"], r"init")
    hp(c, api, L, "points_per_parameter", [{"nope": 4}, {"weight": 1}], r"points_per_parameter|n_points")
    c.error(api, "model not a module", lambda: qd.learn_points_("model"), r"model.*nn.Module")
    api = "quantized_distillation.strip_quantization_"
    c.error(api, "model not a module", lambda: qd.strip_quantization_(None), r"model.*nn.Module")
    c.accept(
        api,
        "a plain model",
        lambda: qd.strip_quantization_(nn.Linear(2, 2)),
        lambda r: isinstance(r, nn.Linear),
        "returned unchanged",
    )
    api = "quantized_distillation.bucket_statistics"
    hp(c, api, lambda **k: qd.bucket_statistics(w, **k), "bits", [0], r"bits")
    c.error(api, "w a list", lambda: qd.bucket_statistics([1.0, 2.0]), r"w.*Tensor")
    # ---- losses
    api = "quantized_distillation.distillation_loss"
    z, t = R(4, 3), torch.tensor([0, 1, 2, 0])
    DL = lambda **k: qd.distillation_loss(z, R(4, 3, seed=1), t, **k)  # noqa: E731
    hp(c, api, DL, "temperature", [0.0, -1.0, NAN, INF, "2"], r"temperature")
    hp(c, api, DL, "alpha", [1.5, -0.1, NAN, "0.7"], r"alpha")
    hp(c, api, DL, "kl_reduction", ["mean"], r"kl_reduction")
    c.error(
        api,
        "teacher of another width",
        lambda: qd.distillation_loss(z, R(4, 5), t),
        r"teacher_logits.*same shape",
    )
    c.error(
        api, "teacher None, alpha 0.7", lambda: qd.distillation_loss(z, None, t), r"teacher_logits is None"
    )
    c.error(api, "target None, alpha 0.7", lambda: qd.distillation_loss(z, z, None), r"target is None")
    c.error(
        api, "target of another length", lambda: qd.distillation_loss(z, z, t[:3]), r"target must have shape"
    )
    c.error(
        api, "target float", lambda: qd.distillation_loss(z, z, t.float()), r"target.*(integer|int64|dtype)"
    )
    c.error(api, "target out of range", lambda: qd.distillation_loss(z, z, t + 3), r"target.*(range|class)")
    c.error(
        api,
        "student_logits 1-d",
        lambda: qd.distillation_loss(z[0], z[0], t[:1]),
        r"student_logits must be \(N, K\)",
    )
    c.error(
        api,
        "student_logits a list",
        lambda: qd.distillation_loss(z.tolist(), z, t),
        r"student_logits.*Tensor",
    )
    c.error(
        api,
        "teacher_logits a list",
        lambda: qd.distillation_loss(z, z.tolist(), t),
        r"teacher_logits.*Tensor",
    )
    c.error(
        api, "NaN in teacher_logits", lambda: qd.distillation_loss(z, with_nan(z), t), r"teacher_logits.*NaN"
    )
    c.error(api, "student_logits int64", lambda: qd.distillation_loss(z.long(), z, t), DTYPE)
    c.accept(
        api,
        "student float64, teacher float32",
        lambda: qd.distillation_loss(z.double(), z, t),
        lambda r: r.dtype == torch.float64 and torch.isfinite(r),
        "follows the student's dtype",
    )
    c.accept(
        api,
        "empty batch",
        lambda: qd.distillation_loss(z[:0], z[:0], t[:0]),
        lambda r: not torch.isnan(r),
        "a defined loss",
        match=r"empty|at least",
    )
    c.error(
        "quantized_distillation.DistillationLoss",
        "alpha=1.5",
        lambda: qd.DistillationLoss(alpha=1.5),
        r"alpha",
    )
    # ---- training
    api = "quantized_distillation.fit_quantized_distillation"
    x, y = R(16, 4), torch.arange(16) % 2

    def F(model: Any = None, xx: Any = x, yy: Any = y, **k: Any) -> Any:
        return qd.fit_quantized_distillation(
            model if model is not None else nn.Linear(4, 2), xx, yy, **({"epochs": 1, "batch_size": 8} | k)
        )

    hp(c, api, F, "epochs", [-1, 1.5], r"epochs")
    hp(c, api, F, "batch_size", [0, 2.5], r"batch_size")
    hp(c, api, F, "lr", [0.0, -1.0, NAN, "0.1"], r"lr")
    hp(c, api, F, "momentum", [-0.1, 1.5], r"momentum")
    hp(c, api, F, "weight_decay", [-1.0], r"weight_decay")
    hp(c, api, F, "temperature", [0.0], r"temperature")
    hp(c, api, F, "alpha", [2.0], r"alpha")
    hp(c, api, F, "clip_grad_norm", [0.0, -1.0, NAN], r"clip_grad_norm")
    hp(c, api, F, "seed", ["a", 1.5], r"seed")
    c.error(api, "NaN in x", lambda: F(xx=with_nan(x)), FINITE)
    c.error(api, "inf in x", lambda: F(xx=with_nan(x, INF)), FINITE)
    c.error(api, "x and y of different lengths", lambda: F(yy=y[:7]), r"same non-zero length")
    c.error(api, "empty x", lambda: F(xx=x[:0], yy=y[:0]), r"non-zero|empty")
    c.error(api, "y float", lambda: F(yy=y.float()), r"y.*(integer|int64|dtype)")
    c.error(api, "y out of range for 2 classes", lambda: F(yy=y + 2), r"y.*(range|class)")
    c.error(api, "x a list", lambda: F(xx=x.tolist()), r"x.*tensor|Tensor")
    c.error(api, "x float64 for a float32 model", lambda: F(xx=x.double()), DTYPE)
    c.error(api, "teacher logits of another length", lambda: F(teacher=R(3, 2)), r"teacher logits")
    c.error(
        api, "teacher logits of another width", lambda: F(teacher=R(16, 5)), r"teacher_logits|teacher logits"
    )
    c.error(api, "teacher logits holding a NaN", lambda: F(teacher=with_nan(R(16, 2))), r"teacher.*NaN")
    c.error(api, "teacher a string", lambda: F(teacher="self"), r"teacher")
    c.error(api, "student not a module", lambda: F(model=lambda t: t), r"student.*nn.Module")
    c.error(api, "optimizer not an optimizer", lambda: F(optimizer="sgd"), r"optimizer")
    c.error(api, "callback not callable", lambda: F(callback=3), r"callback")

    def ckpt(damage: Callable[[str], None], model: Callable[[], Any] = lambda: nn.Linear(4, 2)) -> Any:
        with tempfile.TemporaryDirectory() as d:
            ck = os.path.join(d, "qd.ckpt")
            F(checkpoint=ck)
            damage(ck)
            return F(model=model(), checkpoint=ck, epochs=2)

    def truncate(ck: str) -> None:
        data = open(ck, "rb").read()
        open(ck, "wb").write(data[: len(data) // 2])

    c.error(api, "truncated checkpoint", lambda: ckpt(truncate), r"qd\.ckpt")
    c.error(
        api,
        "a text file as the checkpoint",
        lambda: ckpt(lambda ck: open(ck, "w").write("nope")),
        r"qd\.ckpt",
    )
    c.error(
        api, "a torch file of another kind", lambda: ckpt(lambda ck: torch.save({"a": 1}, ck)), r"qd\.ckpt"
    )
    c.error(
        api,
        "checkpoint of another model",
        lambda: ckpt(lambda ck: None, lambda: nn.Linear(4, 3)),
        r"qd\.ckpt.*(does not fit|model)",
    )
    failed_write(
        c,
        "quantized_distillation.fit_quantized_distillation(checkpoint=...)",
        """
        import torch
        from torch import nn
        import quantized_distillation as qd
        x, y = torch.randn(16, 4), torch.arange(16) % 2
        def fit(p, epochs):
            torch.manual_seed(0)
            qd.fit_quantized_distillation(nn.Linear(4, 2), x, y, epochs=epochs, batch_size=8, checkpoint=p)
        def write_old(p):
            fit(p, 1)
        def write_new(p):
            fit(p, 3)
        def valid(p):
            assert torch.load(p, weights_only=False)["epoch"] == 1
        """,
        name="qd.ckpt",
        limit=600,
    )
    api = "quantized_distillation.quantized_distillation_step"
    m = nn.Linear(4, 2)
    opt = torch.optim.SGD(m.parameters(), lr=0.1)
    c.error(
        api,
        "y of another length",
        lambda: qd.quantized_distillation_step(m, x, y[:3], opt),
        r"y|target|shape|size",
    )
    c.error(
        api,
        "clip_grad_norm=-1",
        lambda: qd.quantized_distillation_step(m, x, y, opt, clip_grad_norm=-1.0),
        r"clip_grad_norm",
    )
    api = "quantized_distillation.fit_quantization_points"

    def FP(**k: Any) -> Any:
        return qd.fit_quantization_points(
            nn.Linear(4, 2), x, y, **({"epochs": 1, "batch_size": 8, "bucket_size": 4} | k)
        )

    hp(c, api, FP, "bits", [0, 1.5], r"bits")
    hp(c, api, FP, "init", ["kmeans"], r"init")
    hp(c, api, FP, "teacher", ["teacher"], r"teacher")
    hp(c, api, FP, "lr", [0.0, NAN], r"lr")
    hp(c, api, FP, "epochs", [-1], r"epochs")
    c.error(
        api, "NaN in x", lambda: qd.fit_quantization_points(nn.Linear(4, 2), with_nan(x), y, epochs=1), FINITE
    )
    api = "quantized_distillation.allocate_points"
    c.error(api, "empty norms", lambda: qd.allocate_points({}, bits=2), r"norms")
    c.error(api, "NaN norm", lambda: qd.allocate_points({"a": NAN}, bits=2), r"norms")
    c.error(api, "bits=0", lambda: qd.allocate_points({"a": 1.0}, bits=0), r"bits")
    api = "quantized_distillation.gradient_norms"
    c.error(
        api,
        "a model without LearnedPoints",
        lambda: qd.gradient_norms(nn.Linear(4, 2), x, y),
        r"LearnedPoints|learn_points_",
    )
    # ---- size and export
    api = "quantized_distillation.compression_ratio"
    hp(c, api, lambda **k: qd.compression_ratio(**({"bits": 4} | k)), "bits", [0, 2.5], r"bits")
    hp(c, api, lambda **k: qd.compression_ratio(**({"bits": 4} | k)), "bucket_size", [0, -1], r"bucket_size")
    hp(c, api, lambda **k: qd.compression_ratio(**({"bits": 4} | k)), "full_bits", [0, 2.5], r"full_bits")
    api = "quantized_distillation.huffman_bits"
    c.error(api, "codes a list", lambda: qd.huffman_bits([0, 1]), r"codes.*Tensor")
    c.error(api, "codes float 0.5", lambda: qd.huffman_bits(torch.tensor([0.5, 1.0])), r"codes.*integer")
    c.accept(
        api,
        "empty codes",
        lambda: qd.huffman_bits(torch.zeros(0, dtype=torch.long)),
        lambda r: r == 0,
        "0 bits",
    )
    api = "quantized_distillation.unpack"
    c.error(
        api,
        "a state_dict",
        lambda: qd.unpack(nn.Linear(2, 2).state_dict()),
        r"packed must be a dict made by pack",
    )
    c.error(api, "None", lambda: qd.unpack(None), r"packed")

    def damaged() -> Any:
        m = nn.Linear(4, 2)
        qd.quantize_model_(m, bits=2)
        p = qd.pack(m)
        for e in p["quantized"].values():
            e["codes"] = e["codes"][:1]
        return qd.unpack(p)

    c.error(api, "a packed model with truncated codes", damaged, r"codes|packed|truncated|shape")
    api = "quantized_distillation.pack"
    c.error(api, "a state_dict", lambda: qd.pack(nn.Linear(2, 2).state_dict()), r"model.*nn.Module")
    api = "quantized_distillation.model_size_bits"
    c.error(api, "a string", lambda: qd.model_size_bits("model"), r"model_or_packed|model|packed")
    hp(c, api, lambda **k: qd.model_size_bits(nn.Linear(2, 2), **k), "full_bits", [0], r"full_bits")
    # ---- the reproduction's config
    api = "quantized_distillation.reproduce.compress.Config"
    c.error(api, "task='mnist'", lambda: compress.Config(task="mnist"), r"compress.task")
    c.error(api, "epochs=0", lambda: compress.Config(epochs=0), r"compress.epochs")
