"""Bad-input cases of transferability: ``cases(c)`` adds them to the sweep's collector."""

from __future__ import annotations

import functools
import os
import tempfile
from typing import Any

import torch
from torch import nn

from .common import DTYPE, FINITE, INF, NAN, R, failed_write, hp, with_nan


def _bits() -> tuple[Any, Any, torch.Tensor, torch.Tensor]:
    def mlp(num_classes: int, seed: int | None = None, width: int = 8) -> nn.Module:
        if seed is not None:
            torch.manual_seed(seed)
        return nn.Sequential(
            nn.Linear(8, width),
            nn.BatchNorm1d(width),
            nn.ReLU(),
            nn.Linear(width, width),
            nn.ReLU(),
            nn.Linear(width, num_classes),
        )

    g = torch.Generator().manual_seed(0)
    centers = torch.randn(6, 8, generator=g) * 3
    y = torch.arange(6).repeat_interleave(10)
    X = centers[y] + torch.randn(len(y), 8, generator=g)
    return mlp, functools.partial(mlp, width=8), X, y


def cases(c: Any) -> None:
    import transferability as tf

    mlp, make, X, y = _bits()
    api = "transferability.TransferExperiment"
    E = lambda **k: tf.TransferExperiment(k.pop("make_model", make), k.pop("X", X), k.pop("y", y), **k)  # noqa: E731
    c.error(api, "make_model an nn.Module", lambda: E(make_model=mlp(6)), r"make_model must be callable")
    c.error(
        api, "make_model returning a str", lambda: E(make_model=lambda k, s: "mlp"), r"make_model.*nn.Module"
    )
    c.error(api, "X as a nested list", lambda: E(X=X.tolist()), r"X.*[Tt]ensor")
    c.error(api, "X=None", lambda: E(X=None), r"X.*(tensor|None)")
    c.error(api, "y float labels", lambda: E(y=y.float()), r"y must hold integer labels")
    c.error(api, "y 2-d", lambda: E(y=y[:, None]), r"y must be a 1-d tensor")
    c.error(api, "y a list", lambda: E(y=y.tolist()), r"y.*[Tt]ensor")
    c.error(api, "X and y of different lengths", lambda: E(y=y[:-1]), r"X and y must have the same length")
    c.error(api, "NaN in X", lambda: E(X=with_nan(X)), r"X contains NaN")
    c.error(api, "inf in X", lambda: E(X=with_nan(X, INF)), r"X contains NaN or infinite")
    c.error(
        api,
        "inf in X_val",
        lambda: E(X_val=with_nan(X[:12]), y_val=y[::5]),
        r"X_val contains NaN",
    )
    c.error(api, "y_val without X_val", lambda: E(y_val=y), r"y_val was given without X_val")
    c.error(api, "X_val without y_val", lambda: E(X_val=X), r"X_val|y_val")
    c.error(api, "an empty X", lambda: E(X=X[:0], y=y[:0]), r"empty|no .*sample|X|at least")
    hp(c, api, E, "val_fraction", [0.0, 1.0, -0.1, NAN, 1.5], r"fraction")
    hp(c, api, E, "n_values", [(0,), (3,), (1.5,), ()], r"n_values")
    hp(c, api, E, "treatments", [("AnB", "XnY")], r"XnY|Treatment|treatments")
    hp(c, api, E, "split_seeds", [()], r"split_seeds")
    hp(c, api, E, "seeds", [()], r"seeds")
    hp(c, api, E, "target_train_per_class", [0, -3, 1.5], r"target_train_per_class")
    hp(c, api, E, "ft_lr_scale", [-1.0, NAN, INF], r"ft_lr_scale")
    hp(c, api, E, "train_fns", [{"nonsense": tf.default_train}], r"train_fns")
    hp(c, api, E, "train_fn", ["adam"], r"train_fn")
    hp(c, api, E, "eval_fn", [3], r"eval_fn")
    hp(c, api, E, "device", ["tpu"], r"device|tpu")
    hp(c, api, E, "cache_dir", [3.5], r"cache_dir")
    c.error(
        api + ".halves",
        "a fixed split with overlapping halves",
        lambda: E(split=([0, 1, 2], [2, 3, 4])).halves(0),
        r"split must give two disjoint halves",
    )
    c.error(
        api + ".halves",
        "a fixed split naming unknown classes",
        lambda: E(split=([0, 1], [7, 8])).halves(0),
        r"split must give two disjoint halves",
    )
    c.error(
        api,
        "a fixed split naming unknown classes (at construction)",
        lambda: E(split=([0, 1], [7, 8])),
        r"split",
    )
    c.error(api + ".run", "n_jobs=0", lambda: E().run(n_jobs=0), r"n_jobs")
    c.error(api + ".run", "n_jobs=1.5", lambda: E().run(n_jobs=1.5), r"n_jobs")
    c.error(
        api + ".run",
        "the same model instance every time",
        lambda: (lambda m: E(make_model=lambda k, s: m, n_values=(1,)).run())(mlp(3)),
        r"fresh instance",
    )
    c.error(
        api + ".run_cell",
        "treatment='XnY'",
        lambda: E().run_cell(0, 0, "A", "B", "XnY", 1),
        r"XnY|Treatment|treatment",
    )
    c.error(
        api + ".run_cell",
        "target='C'",
        lambda: E().run_cell(0, 0, "A", "C", "AnB", 1),
        r"target",
    )
    c.error(
        api + ".run_cell",
        "n=9",
        lambda: E().run_cell(0, 0, "A", "B", "AnB", 9),
        r"\bn\b",
    )

    # default_train / default_eval
    api = "transferability.default_train"
    T = lambda **k: tf.default_train(
        k.pop("model", mlp(6, 0)), k.pop("X", X), k.pop("y", y), **({"epochs": 1} | k)
    )  # noqa: E731
    hp(c, api, T, "epochs", [0, 1.5, True], r"epochs")
    hp(c, api, T, "batch_size", [0, -1, 2.0], r"batch_size")
    hp(c, api, T, "lr", [0.0, -1.0, NAN, INF, "0.01"], r"lr")
    hp(c, api, T, "weight_decay", [-1.0, NAN], r"weight_decay")
    hp(c, api, T, "optimizer", ["rmsprop", "Adam", None], r"optimizer")
    hp(c, api, T, "momentum", [-0.1, NAN], r"momentum")
    hp(c, api, T, "step_every", [-1, 1.5], r"step_every")
    hp(c, api, T, "gamma", [-0.1, 0.0, NAN], r"gamma")
    hp(c, api, T, "checkpoint_every", [0], r"checkpoint_every")
    hp(c, api, T, "params", [[3.0]], r"params")
    c.error(api, "X as a nested list", lambda: T(X=X.tolist()), r"X.*tensor")
    c.error(api, "y float", lambda: T(y=y.float()), r"\by\b.*(integer|int|long|dtype)")
    c.error(api, "y 2-d", lambda: T(y=y[:, None]), r"\by\b.*(1-d|shape|dim)")
    c.error(
        api, "labels out of range (6 classes, model of 3)", lambda: T(model=mlp(3, 0)), r"label|class|\by\b"
    )
    c.error(api, "negative labels", lambda: T(y=y - 1), r"label|class|\by\b")
    c.error(api, "X of the wrong width", lambda: T(X=X[:, :5]), r"\bX\b.*shape|shape.*\bX\b")
    c.error(api, "float64 X into a float32 model", lambda: T(X=X.double()), DTYPE)
    c.error(api, "NaN in X", lambda: T(X=with_nan(X)), FINITE)
    c.error(api, "inf in X", lambda: T(X=with_nan(X, INF)), FINITE)
    c.error(api, "X and y of different lengths", lambda: T(y=y[:-1]), r"same, non-zero length")
    c.error(api, "empty X", lambda: T(X=X[:0], y=y[:0]), r"non-zero length")
    c.error(api, "model without parameters", lambda: T(model=nn.ReLU()), r"model.*param|nothing to train")
    c.error(api, "model a function", lambda: T(model=lambda x: x), r"model.*nn.Module")

    def ckpt(damage: Any) -> Any:
        with tempfile.TemporaryDirectory() as d:
            ck = os.path.join(d, "train.ckpt")
            T(checkpoint=ck)
            damage(ck)
            return T(checkpoint=ck, epochs=2)

    def truncate(ck: str) -> None:
        data = open(ck, "rb").read()
        open(ck, "wb").write(data[: len(data) // 2])

    c.error(api, "truncated checkpoint", lambda: ckpt(truncate), r"train\.ckpt")
    c.error(
        api, "text file as a checkpoint", lambda: ckpt(lambda ck: open(ck, "w").write("x")), r"train\.ckpt"
    )
    c.error(
        api,
        "a torch file of another kind as a checkpoint",
        lambda: ckpt(lambda ck: torch.save({"state": 1}, ck)),
        r"train\.ckpt.*checkpoint|not a .*checkpoint",
    )

    def other_model() -> Any:
        with tempfile.TemporaryDirectory() as d:
            ck = os.path.join(d, "train.ckpt")
            T(checkpoint=ck)
            return T(model=mlp(6, 0, width=16), checkpoint=ck, epochs=2)

    c.error(api, "checkpoint of another model", other_model, r"train\.ckpt.*(fit|match|model)")
    failed_write(
        c,
        "transferability.default_train(checkpoint=...)",
        """
        import torch, transferability as tf
        from torch import nn
        X, y = torch.randn(40, 8), torch.arange(4).repeat(10)
        def model(w):
            torch.manual_seed(0)
            return nn.Sequential(nn.Linear(8, w), nn.ReLU(), nn.Linear(w, 4))
        def write_old(p):
            tf.default_train(model(4), X, y, epochs=1, checkpoint=p)
        def write_new(p):
            tf.default_train(model(4), X, y, epochs=2, checkpoint=p)  # resumes, then saves epoch 2
        def valid(p):
            tf.default_train(model(4), X, y, epochs=2, checkpoint=p)
        """,
        name="train.ckpt",
        limit=1000,
    )
    failed_write(
        c,
        "transferability.TransferExperiment(cache_dir=...)",
        """
        import torch, transferability as tf
        from torch import nn
        X, y = torch.randn(80, 8), torch.arange(4).repeat(20)
        def make(k, s):
            return nn.Sequential(nn.Linear(8, 64), nn.ReLU(), nn.Linear(64, k))
        def write_old(p):
            p.write_text("a file of the user's, beside the cache")
        def write_new(p):  # the first base net written under the limit: fails, leaves no partial file
            exp = tf.TransferExperiment(make, X, y, split=([0, 1], [2, 3]), cache_dir=p.parent,
                                        train_fn=lambda m, X, y, **k: tf.default_train(m, X, y, epochs=1, **k))
            exp.train_base(0, 0, "A", False)
        def valid(p):
            assert p.read_text().startswith("a file")
        """,
        name="notes.txt",
        limit=2000,
    )

    api = "transferability.default_eval"
    V = lambda **k: tf.default_eval(k.pop("model", mlp(6, 0)), k.pop("X", X), k.pop("y", y), **k)  # noqa: E731
    hp(c, api, V, "batch_size", [0, -1], r"batch_size")
    c.error(api, "X=None", lambda: V(X=None), r"X.*tensor")
    c.error(api, "empty X", lambda: V(X=X[:0], y=y[:0]), r"non-zero length")
    c.error(api, "float64 X into a float32 model", lambda: V(X=X.double()), DTYPE)

    # groups and surgery
    c.error(
        "transferability.layer_groups",
        "a non-Sequential model without groups",
        lambda: tf.layer_groups(nn.GRU(3, 3)),
        r"not an nn.Sequential",
    )
    c.error("transferability.layer_groups", "model a str", lambda: tf.layer_groups("mlp"), r"model must be")
    c.error(
        "transferability.layer_groups",
        "one group only",
        lambda: tf.layer_groups(nn.Sequential(nn.Linear(2, 2))),
        r"at least 2 layer groups",
    )
    c.error(
        "transferability.layer_groups",
        "groups listing a layer twice",
        lambda: (lambda m: tf.layer_groups(m, [[m[0]], [m[0], m[3]], [m[5]]]))(mlp(3)),
        r"cover every parameter",
    )
    c.error(
        "transferability.layer_groups",
        "groups holding a str",
        lambda: tf.layer_groups(mlp(3), [["linear"], ["x"]]),
        r"groups\[0\]",
    )
    for fn, name in (
        (lambda m, n: tf.freeze_groups(m, n), "freeze_groups"),
        (lambda m, n: tf.features(m, X, n), "features"),
    ):
        for n in (0, 3, 1.5, True, -1):
            c.error(
                f"transferability.{name}",
                f"n={n!r}",
                lambda fn=fn, n=n: fn(mlp(3), n),
                r"n must be an int in 1..2",
            )
    c.error(
        "transferability.check_n", "n=None", lambda: tf.check_n(None, [[nn.Linear(1, 1)]] * 3), r"n must be"
    )
    for s in (-1, 3, 1.5):
        c.error(
            "transferability.reinit_groups",
            f"start={s!r}",
            lambda s=s: tf.reinit_groups(mlp(3), s, seed=0),
            r"start must be an int",
        )
    c.error(
        "transferability.copy_groups",
        "nets of different widths",
        lambda: tf.copy_groups(mlp(3, width=8), mlp(3, width=16), 1),
        r"src shape .* != dst shape",
    )
    c.error(
        "transferability.copy_groups",
        "nets of different depths",
        lambda: tf.copy_groups(mlp(3), nn.Sequential(nn.Linear(8, 8), nn.Linear(8, 3)), 1),
        r"same depth|layer groups",
    )
    c.error(
        "transferability.copy_groups",
        "n=0",
        lambda: tf.copy_groups(mlp(3), mlp(3), 0),
        r"n must be an int",
    )
    api = "transferability.features"
    c.error(
        api, "x of the wrong width", lambda: tf.features(mlp(3), R(4, 5), 1), r"\bx\b.*shape|shape.*\bx\b"
    )
    c.error(api, "x=None", lambda: tf.features(mlp(3), None, 1), r"\bx\b.*[Tt]ensor")
    c.error(api, "x float64 into a float32 model", lambda: tf.features(mlp(3), R(4, 8).double(), 1), DTYPE)
    c.accept(
        api,
        "x holding a NaN",
        lambda: tf.features(mlp(3), with_nan(R(4, 8)), 1),
        lambda r: bool(torch.isnan(r).any()),
        "the NaN propagates",
        match=FINITE,
    )

    # splits
    api = "transferability.split_classes"
    c.error(api, "3 classes", lambda: tf.split_classes(3, 0), r"at least 2 classes")
    c.error(api, "n_a=1", lambda: tf.split_classes(10, 0, n_a=1), r"n_a=1")
    c.error(api, "n_a=9", lambda: tf.split_classes(10, 0, n_a=9), r"n_a=9")
    c.error(api, "repeated ids", lambda: tf.split_classes([0, 1, 1, 2, 3], 0), r"must not repeat")
    c.error(api, "classes a str", lambda: tf.split_classes("abcd", 0), r"classes")
    c.error(api, "classes=-4", lambda: tf.split_classes(-4, 0), r"classes|at least 2")
    c.error(api, "seed=-1", lambda: tf.split_classes(10, -1), r"seed")
    c.error(api, "classes=4.0", lambda: tf.split_classes(4.0, 0), r"classes")
    api = "transferability.semantic_split"
    c.error(api, "unknown ids in group_a", lambda: tf.semantic_split(4, [0, 9]), r"group_a")
    c.error(api, "group_a = every class", lambda: tf.semantic_split(4, [0, 1, 2, 3]), r"at least 2 classes")
    c.error(api, "group_a=None", lambda: tf.semantic_split(4, None), r"group_a")
    api = "transferability.contiguous_labels"
    c.error(api, "float labels", lambda: tf.contiguous_labels(torch.tensor([0.0, 1.0])), r"integer labels")
    c.error(api, "a list", lambda: tf.contiguous_labels([0, 1]), r"1-d tensor")
    c.error(
        api, "2-d labels", lambda: tf.contiguous_labels(torch.zeros(2, 2, dtype=torch.long)), r"1-d tensor"
    )
    api = "transferability.subset"
    c.error(api, "X and y of different lengths", lambda: tf.subset(X, y[:-1], [0, 1]), r"same length")
    c.error(api, "classes naming an unknown id", lambda: tf.subset(X, y, [0, 99]), r"classes|99")
    api = "transferability.stratified_indices"
    for v in (0.0, 1.0, NAN, -0.5):
        c.error(api, f"fraction={v!r}", lambda v=v: tf.stratified_indices(y, v, 0), r"fraction must be in")
    c.error(api, "y a list", lambda: tf.stratified_indices(y.tolist(), 0.3, 0), r"\by\b.*[Tt]ensor")
    c.error(
        api, "fraction leaving a class empty", lambda: tf.stratified_indices(y[:11], 0.3, 0), r"class \d+ has"
    )

    # models
    for fn in ("digits_mlp", "digits_cnn"):
        c.error(f"transferability.{fn}", "num_classes=1", lambda fn=fn: getattr(tf, fn)(1), r"num_classes")
        c.error(
            f"transferability.{fn}", "num_classes=2.5", lambda fn=fn: getattr(tf, fn)(2.5), r"num_classes"
        )
        c.error(
            f"transferability.{fn}", "num_classes=True", lambda fn=fn: getattr(tf, fn)(True), r"num_classes"
        )
    hp(c, "transferability.digits_mlp", lambda **k: tf.digits_mlp(10, **k), "depth", [0, 1.5], r"depth")
    hp(c, "transferability.digits_mlp", lambda **k: tf.digits_mlp(10, **k), "width", [0], r"width")
    hp(
        c,
        "transferability.digits_mlp",
        lambda **k: tf.digits_mlp(10, **k),
        "in_features",
        [0, -1],
        r"in_features",
    )
    hp(
        c,
        "transferability.digits_cnn",
        lambda **k: tf.digits_cnn(10, **k),
        "channels",
        [(0, 8, 8), (8, 8)],
        r"channels",
    )
    hp(c, "transferability.digits_cnn", lambda **k: tf.digits_cnn(10, **k), "hidden", [0], r"hidden")

    # summaries
    res0 = tf.TransferResult(0, 0, "A", "B", "base", 0, 0.9, 10, 5)
    res1 = tf.TransferResult(0, 0, "A", "B", "AnB", 1, 0.8, 10, 5)
    for fn in ("curves", "effects", "boosts"):
        c.error(f"transferability.{fn}", "results=[]", lambda fn=fn: getattr(tf, fn)([]), r"results is empty")
        c.error(
            f"transferability.{fn}", "no base nets", lambda fn=fn: getattr(tf, fn)([res1]), r"no base nets"
        )
    c.error(
        "transferability.boosts",
        "treatment='XnY'",
        lambda: tf.boosts([res0, res1], treatment="XnY"),
        r"treatment",
    )
    c.error(
        "transferability.boosts", "a range (7, 1)", lambda: tf.boosts([res0, res1], ranges=[(7, 1)]), r"range"
    )
    c.error("transferability.plot_transfer", "results=[]", lambda: tf.plot_transfer([]), r"results is empty")
    c.error(
        "transferability.plot_transfer",
        "jitter=NaN",
        lambda: tf.plot_transfer([res0, res1], jitter=NAN),
        r"jitter",
    )
    c.error("transferability.Treatment", "'XnY'", lambda: tf.Treatment("XnY"), r"XnY.*Treatment")
    c.error(
        "transferability-reproduce",
        "--preset bogus",
        lambda: _cli(["--preset", "bogus"]),
        r"preset|bogus|invalid choice",
    )


def _cli(argv: list[str]) -> Any:
    import contextlib
    import io

    from transferability.reproduce import main

    err = io.StringIO()
    try:
        with contextlib.redirect_stderr(err):
            return main(argv)
    except SystemExit as e:
        raise ValueError(f"exit {e.code}: {err.getvalue()[-300:]}") from None
