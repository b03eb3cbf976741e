"""Bad-input cases of anyloss: ``cases(c)`` adds them to the sweep's collector."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from .common import DTYPE, FINITE, INF, NAN, R, finite, has_nan, hp, with_nan


def cases(c: Any) -> None:
    import anyloss as al

    z, y = R(8), (torch.arange(8) % 2).float()

    def f(**kw: Any) -> Any:
        args = {"input": z, "target": y, "metric": "f1"} | kw
        return al.anyloss(args.pop("input"), args.pop("target"), args.pop("metric"), **args)

    api = "anyloss.anyloss"
    c.error(api, "target with -1/1 labels", lambda: f(target=y * 2 - 1), r"only 0 and 1")
    c.error(api, "target with a 2", lambda: f(target=y * 2), r"only 0 and 1")
    c.error(
        api,
        "probabilities > 1 with from_logits=False",
        lambda: f(input=z.abs() + 1, from_logits=False),
        "from_logits",
    )
    c.error(api, "input (8, 3) for task='binary'", lambda: f(input=R(8, 3)), r"task='binary'.*shape")
    c.error(api, "target of the wrong length", lambda: f(target=y[:5]), r"target")
    c.error(api, "unknown metric 'f2score'", lambda: f(metric="f2score"), r"unknown metric")
    hp(c, api, f, "L", [0.0, -3.0, NAN, INF, "73"], r"L must")
    hp(c, api, f, "eps", [-1.0, NAN], r"eps must")
    hp(c, api, lambda **k: f(metric="fbeta", **k), "beta", [0.0, -1.0, INF, NAN], r"beta must")
    hp(c, api, f, "reduction", ["batchmean", None], r"reduction must")
    hp(c, api, f, "average", ["weighted"], r"average must")
    hp(c, api, f, "task", ["ranking"], r"task must")
    hp(c, api, f, "strict", ["yes"], r"strict must be a bool")
    hp(c, api, f, "from_logits", ["no"], r"from_logits must be a bool")
    hp(c, api, f, "dataset_size", [2, -1, 2.5], r"dataset_size")
    c.error(api, "weight of the wrong length", lambda: f(weight=torch.ones(3)), r"weight must have shape")
    c.error(api, "weight with a negative entry", lambda: f(weight=-torch.ones(8)), r"weight")
    c.accept(
        api,
        "weight holding NaN",
        lambda: f(weight=with_nan(torch.ones(8))),
        has_nan,
        "NaN propagates (not hidden)",
        match=r"weight",
    )
    c.error(api, "integer input", lambda: f(input=torch.ones(8, dtype=torch.long)), r"floating")
    c.error(api, "input=None", lambda: f(input=None), r"input")
    c.error(api, "target=None", lambda: f(target=None), r"target")
    c.error(api, "input as a list", lambda: f(input=z.tolist()), r"input")
    c.error(api, "empty batch", lambda: f(input=z[:0], target=y[:0]), r"empty")
    c.warn(api, "a batch of size 1", lambda: f(input=z[:1], target=y[:1]), r"batch of size 1")
    c.accept(
        api, "NaN logit", lambda: f(input=with_nan(z)), has_nan, "NaN propagates (not hidden)", match=FINITE
    )
    c.accept(
        api, "NaN target", lambda: f(target=with_nan(y)), has_nan, "", match=r"target|finite|NaN|0 and 1"
    )
    for dt in (torch.float64, torch.float16, torch.bfloat16):
        c.accept(
            api,
            f"input {str(dt)[6:]}",
            lambda dt=dt: f(input=z.to(dt)),
            finite,
            "follows the input dtype",
            match=DTYPE,
        )
    c.error(
        api,
        "metric callable returning > 1",
        lambda: f(metric=lambda tn, fp, fn, tp: tp * 0 + 5.0),
        r"metric callable",
    )
    c.error(api, "target on device meta", lambda: f(target=y.to("meta")), r"target is on device")
    c.error(api, "distributed=True without a process group", lambda: f(distributed=True), r"distributed")
    mc = "anyloss.anyloss(task='multiclass')"
    c.error(
        mc,
        "class index out of range",
        lambda: al.anyloss(R(4, 3), torch.tensor([0, 1, 3, 2]), task="multiclass"),
        r"class indices",
    )
    c.error(
        mc,
        "float class indices",
        lambda: al.anyloss(R(4, 3), torch.tensor([0.0, 1, 2, 1]), task="multiclass"),
        r"integer class",
    )
    c.error(
        mc,
        "negative class index",
        lambda: al.anyloss(R(4, 3), torch.tensor([0, -1, 2, 1]), task="multiclass"),
        r"class indices",
    )
    c.error(
        mc,
        "1-d input",
        lambda: al.anyloss(R(4), torch.tensor([0, 1, 2, 1]), task="multiclass"),
        r"input|shape",
    )
    ml = "anyloss.anyloss(task='multilabel')"
    c.error(
        ml,
        "target of another width",
        lambda: al.anyloss(R(4, 3), torch.ones(4, 2), task="multilabel"),
        r"target of shape",
    )
    mod = "anyloss.AnyLoss"
    hp(c, mod, lambda **k: al.AnyLoss("f1", **k), "task", ["ranking"], r"task must")
    hp(
        c,
        mod,
        lambda **k: al.AnyLoss("f1", task="multiclass", **k),
        "num_classes",
        [1, 0, 2.5],
        r"num_classes",
    )
    hp(c, mod, lambda **k: al.AnyLoss("f1", **k), "compute_dtype", [torch.int32, "float32"], r"compute_dtype")
    hp(c, mod, lambda **k: al.AnyLoss("f1", **k), "validate_args", ["no"], r"validate_args must be a bool")
    hp(c, mod, lambda **k: al.AnyLoss("f1", **k), "L", [-2.0, 0.0], r"L must")
    c.error(mod, "unknown metric", lambda: al.AnyLoss("f3"), r"unknown metric")
    c.error(mod, "unknown keyword", lambda: al.F1Loss(foo=1), r"foo|unexpected")
    hp(c, "anyloss.HybridAnyLoss", lambda **k: al.HybridAnyLoss(**k), "r", [1.5, -0.1, NAN], r"r must")
    c.error(
        "anyloss.HybridAnyLoss",
        "dataset_size",
        lambda: al.HybridAnyLoss("f1", dataset_size=100),
        r"dataset_size",
    )
    for cls in (al.F1Loss, al.MCCLoss, al.BalancedAccuracyLoss, al.HybridAnyLoss):
        name = f"anyloss.{cls.__name__}"
        c.accept(
            name,
            "float64 logits, float32 target",
            lambda cls=cls: cls()(z.double(), y),
            lambda r: r.dtype == torch.float64,
            "float64 loss",
        )
        c.error(name, "target longer than input", lambda cls=cls: cls()(z, torch.ones(9)), r"target")
        c.accept(
            name,
            "(8, 1) input against (8,) target",
            lambda cls=cls: (cls()(z[:, None], y), cls()(z, y)),
            lambda r: bool(torch.equal(r[0], r[1])),
            "the trailing 1 squeezed, no broadcast",
            match=r"shape|input",
        )
    c.error("anyloss.amplify", "L=0", lambda: al.amplify(torch.rand(4), 0.0), r"L")
    c.error("anyloss.weighted_bce", "target length 3", lambda: al.weighted_bce(z, y[:3]), r"target|shape")
    c.error(
        "anyloss.soft_confusion_matrix",
        "unknown task",
        lambda: al.soft_confusion_matrix(z, y, task="x"),
        r"task",
    )
    # the sampler
    labels = np.array([1] * 50 + [0] * 950)
    api = "anyloss.StratifiedBatchSampler"
    S = al.StratifiedBatchSampler
    c.accept(
        api,
        "drop_last=True, min_per_class=5, rare class 5 %",
        lambda: [int(labels[b].sum()) for b in S(labels, batch_size=50, min_per_class=5, drop_last=True)],
        lambda r: len(r) > 0 and min(r) >= 5,
        "every batch keeps min_per_class positives",
    )
    hp(
        c,
        api,
        lambda **k: S(np.zeros(10), **({"batch_size": 2} | k)),
        "batch_size",
        [0, -1, 2.0, "2", None],
        r"batch_size",
    )
    hp(c, api, lambda **k: S(np.zeros(10), 2, **k), "seed", ["a", 1.5, -1], r"seed")
    hp(c, api, lambda **k: S(np.zeros(10), 2, **k), "shuffle", ["no"], r"shuffle")
    hp(c, api, lambda **k: S(np.zeros(10), 2, **k), "drop_last", [1, "yes"], r"drop_last")
    hp(c, api, lambda **k: S(np.zeros(10), 2, **k), "min_per_class", [-1, 1.0], r"min_per_class")
    hp(c, api, lambda **k: S(np.zeros(10), 2, **k), "num_replicas", [0, -2], r"num_replicas")
    c.error(api, "rank >= num_replicas", lambda: S(np.zeros(10), 2, num_replicas=2, rank=2), r"rank")
    c.error(api, "labels 2-d", lambda: S(np.zeros((4, 2)), 2), r"labels must be 1-d")
    c.error(api, "labels empty", lambda: S(np.zeros(0), 2), r"labels must not be empty")
    c.error(api, "labels with NaN", lambda: S(np.array([0.0, 1.0, NAN, 1.0]), 2), r"labels must be finite")
    c.error(api, "labels with None", lambda: S([None, 1, None, 1], 2), r"labels")
    c.error(
        api,
        "drop_last with too few samples",
        lambda: S(np.array([0, 1, 0]), 10, drop_last=True),
        r"drop_last",
    )
    c.warn(
        api,
        "min_per_class above the rarest class",
        lambda: S(np.array([1] * 3 + [0] * 97), 10, min_per_class=5),
        r"min_per_class",
    )
    c.error(api, "set_epoch('x')", lambda: S(labels, 10).set_epoch("x"), r"epoch")
