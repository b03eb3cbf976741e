"""Bad-input cases of tell-clustering: ``cases(c)`` adds them to the sweep's collector."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from .common import DTYPE, INF, NAN, R, failed_write, hp, tensor_inputs


def cases(c: Any) -> None:
    import tell_clustering as tc

    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(size=(10, 4)) + 3, rng.normal(size=(10, 4)) - 3])
    Xn = X.copy()
    Xn[3, 1] = np.nan

    # ---- the estimator (shallow)
    api = "tell_clustering.TELLClustering.fit"
    small = {"n_clusters": 2, "max_epochs": 3, "random_state": 0}
    F = lambda **k: tc.TELLClustering(**(small | k)).fit(X)  # noqa: E731
    hp(c, api, F, "n_clusters", [0, 1.5, "2", 21], r"n_clusters")
    hp(c, api, F, "max_epochs", [0, 2.5], r"max_epochs")
    hp(c, api, F, "n_init", [0], r"n_init")
    hp(c, api, F, "batch_size", [0, 1.5], r"batch_size")
    hp(c, api, F, "alpha", [0.0, -1.0, NAN, INF], r"alpha")
    hp(c, api, F, "step_fraction", [0.0, NAN], r"step_fraction")
    hp(c, api, F, "tol", [-1.0, NAN], r"tol")
    hp(c, api, F, "cluster_weight", [-0.1], r"cluster_weight")
    hp(c, api, F, "lr", [0.0, -1.0, NAN], r"lr")
    hp(c, api, F, "optimizer", ["rmsprop"], r"optimizer")
    hp(c, api, F, "init", ["kmeans", np.zeros((3, 4)), np.full((2, 4), np.nan)], r"init")
    hp(c, api, F, "spherical", ["yes"], r"spherical")
    hp(c, api, F, "encoder", ["resnet", 3], r"encoder")
    hp(c, api, F, "device", ["tpu"], r"device")
    hp(c, api, F, "random_state", ["a"], r"random_state|seed")
    c.error(api, "NaN in X", lambda: tc.TELLClustering(**small).fit(Xn), r"NaN")
    c.error(api, "inf in X", lambda: tc.TELLClustering(**small).fit(np.where(Xn != Xn, np.inf, Xn)), r"inf")
    c.error(api, "X 1-d", lambda: tc.TELLClustering(**small).fit(X[:, 0]), r"2D array")
    c.error(api, "no sample", lambda: tc.TELLClustering(**small).fit(X[:0]), r"0 sample|minimum")
    c.error(
        api,
        "X strings",
        lambda: tc.TELLClustering(**small).fit(np.full((4, 2), "a")),
        r"string|float|convert",
    )
    c.accept(
        api,
        "X float32",
        lambda: tc.TELLClustering(**small).fit(X.astype(np.float32)).predict(X),
        lambda r: r.shape == (20,) and len(set(r[:10])) == 1 and set(r[:10]) != set(r[10:]),
        "the two blobs found",
    )
    c.warn(
        api,
        "duplicate points, more clusters than distinct points",
        lambda: tc.TELLClustering(n_clusters=3, max_epochs=2, random_state=0).fit(
            np.repeat(X[:2], 5, axis=0)
        ),
        r"distinct|duplicate|empty",
        match=r"distinct|duplicate",
    )
    pa = "tell_clustering.TELLClustering.predict"
    c.error(pa, "before fit", lambda: tc.TELLClustering().predict(X), r"not fitted")
    c.error(pa, "3 features for 4", lambda: F().predict(X[:, :3]), r"features")
    c.error(pa, "NaN in X", lambda: F().predict(Xn), r"NaN")
    c.error("tell_clustering.TELLClustering.transform", "NaN in X", lambda: F().transform(Xn), r"NaN")
    c.error(
        "tell_clustering.TELLClustering.decode_centers",
        "shallow model",
        lambda: F().decode_centers(),
        r"encoder|deep|decode",
    )
    api = "tell_clustering.TELLClustering.partial_fit"
    c.error(
        api,
        "first batch smaller than n_clusters",
        lambda: tc.TELLClustering(n_clusters=3).partial_fit(X[:2]),
        r"n_samples=2",
    )
    c.error(
        api,
        "a batch of another width",
        lambda: tc.TELLClustering(**small).partial_fit(X).partial_fit(X[:, :3]),
        r"features",
    )
    c.error(api, "NaN in the batch", lambda: tc.TELLClustering(**small).partial_fit(Xn), r"NaN")

    # ---- deep mode
    api = "tell_clustering.TELLClustering.fit (deep)"
    deep = small | {"encoder": "mlp", "hidden": (8,), "latent_dim": 2, "max_epochs": 1, "batch_size": 10}
    D = lambda **k: tc.TELLClustering(**(deep | k)).fit(X)  # noqa: E731
    hp(c, api, D, "hidden", [(0,), (8.5,), 8], r"hidden")
    hp(c, api, D, "latent_dim", [0], r"latent_dim")
    hp(c, api, D, "dropout", [1.0, -0.1], r"dropout")
    hp(c, api, D, "optimizer", ["lloyd"], r"lloyd")
    hp(c, api, D, "ae_warmup_epochs", [-1], r"ae_warmup_epochs")
    c.error(api, "encoder='conv' on 4 features", lambda: D(encoder="conv"), r"image_shape|conv")
    hp(c, api, lambda **k: D(encoder="conv", **k), "image_shape", [(1, 3, 3), (1, 2)], r"image_shape")
    c.error(api, "an encoder without decode", lambda: D(encoder=torch.nn.Linear(4, 2)), r"encode.*decode")
    c.error(api, "NaN in X", lambda: tc.TELLClustering(**deep).fit(Xn), r"NaN")

    def ckpt(damage: Callable[[str], None], **k: Any) -> Any:
        with tempfile.TemporaryDirectory() as d:
            ck = os.path.join(d, "tell.ckpt")
            tc.TELLClustering(**(deep | {"checkpoint": ck})).fit(X)
            damage(ck)
            return tc.TELLClustering(**(deep | {"checkpoint": ck, "max_epochs": 2} | k)).fit(X)

    def truncate(ck: str) -> None:
        data = open(ck, "rb").read()
        open(ck, "wb").write(data[: len(data) // 2])

    c.error(api, "truncated checkpoint", lambda: ckpt(truncate), r"tell\.ckpt")
    c.error(
        api,
        "a text file as the checkpoint",
        lambda: ckpt(lambda ck: open(ck, "w").write("nope")),
        r"tell\.ckpt",
    )
    c.error(
        api, "a torch file of another kind", lambda: ckpt(lambda ck: torch.save({"a": 1}, ck)), r"tell\.ckpt"
    )
    c.error(
        api,
        "checkpoint of another configuration",
        lambda: ckpt(lambda ck: None, latent_dim=3),
        r"checkpoint|fingerprint|another",
    )
    c.error(api, "checkpoint a directory", lambda: D(checkpoint=tempfile.gettempdir()), r"checkpoint")
    failed_write(
        c,
        "tell_clustering.TELLClustering(checkpoint=...).fit",
        """
        import numpy as np, torch
        import tell_clustering as tc
        rng = np.random.default_rng(0)
        X = np.vstack([rng.normal(size=(10, 4)) + 3, rng.normal(size=(10, 4)) - 3])
        kw = dict(n_clusters=2, encoder="mlp", hidden=(8,), latent_dim=2, batch_size=10, random_state=0)
        def write_old(p):
            tc.TELLClustering(max_epochs=1, checkpoint=str(p), **kw).fit(X)
        def write_new(p):
            tc.TELLClustering(max_epochs=3, checkpoint=str(p), **kw).fit(X)
        def valid(p):
            assert torch.load(p, weights_only=False)["epoch"] in (0, 1)
        """,
        name="tell.ckpt",
        limit=1000,
    )

    # ---- the layer
    api = "tell_clustering.ClusterLayer"
    L = lambda **k: tc.ClusterLayer(**({"n_clusters": 3, "dim": 4} | k))  # noqa: E731
    hp(c, api, L, "n_clusters", [0, 1.5], r"n_clusters")
    hp(c, api, L, "dim", [0, "4"], r"dim")
    hp(c, api, L, "alpha", [0.0, NAN], r"alpha")
    hp(c, api, L, "centers", [torch.zeros(2, 4), [[0.0] * 4] * 3, torch.full((3, 4), NAN)], r"centers")
    z = R(5, 4)
    tensor_inputs(
        c, api + ".forward", lambda t: L()(t), z, shape_match=r"z must have shape", arg="z", drop_rank=True
    )
    c.error(
        api + ".soft_assign", "temperature=0", lambda: L().soft_assign(z, temperature=0.0), r"temperature"
    )
    c.error(
        api + ".soft_assign", "temperature=NaN", lambda: L().soft_assign(z, temperature=NAN), r"temperature"
    )
    c.error(
        api + ".kmeans_loss",
        "assign of another length",
        lambda: L().kmeans_loss(z, torch.zeros(3, dtype=torch.long)),
        r"assign",
    )
    c.error(
        api + ".kmeans_loss",
        "assign out of range",
        lambda: L().kmeans_loss(z, torch.full((5,), 7)),
        r"assign.*(range|cluster)",
    )
    c.error(
        api + ".kmeans_loss",
        "assign float",
        lambda: L().kmeans_loss(z, torch.zeros(5)),
        r"assign.*(integer|int64|dtype)",
    )
    c.error(api + ".tell_loss", "weight=-1", lambda: L().tell_loss(z, weight=-1.0), r"weight")
    c.error(api + ".assign", "z a list", lambda: L().assign(z.tolist()), r"z.*Tensor")
    api = "tell_clustering.lloyd_step_"
    c.error(api, "step_fraction=0", lambda: tc.lloyd_step_(L(), z, step_fraction=0.0), r"step_fraction")
    c.error(api, "step_fraction=NaN", lambda: tc.lloyd_step_(L(), z, step_fraction=NAN), r"step_fraction")
    c.error(api, "counts of another length", lambda: tc.lloyd_step_(L(), z, counts=torch.zeros(2)), r"counts")
    c.error(api, "z of another width", lambda: tc.lloyd_step_(L(), R(5, 3)), r"z must have shape")
    c.error(
        api,
        "layer not a ClusterLayer",
        lambda: tc.lloyd_step_(torch.nn.Linear(4, 3), z),
        r"layer.*ClusterLayer",
    )
    api = "tell_clustering.normalize_center_grad_"
    c.error(api, "scale=-1", lambda: tc.normalize_center_grad_(L(), -1.0), r"scale")
    c.error(api, "scale=NaN", lambda: tc.normalize_center_grad_(L(), NAN), r"scale")
    api = "tell_clustering.squared_distances"
    c.error(api, "widths differ", lambda: tc.squared_distances(z, R(3, 5)), r"z|centers|shape|dim")
    c.error(api, "z a list", lambda: tc.squared_distances(z.tolist(), R(3, 4)), r"z.*Tensor")
    c.error(api, "float64 z, float32 centers", lambda: tc.squared_distances(z.double(), R(3, 4)), DTYPE)
    api = "tell_clustering.hard_assignment"
    c.error(api, "scores 1-d", lambda: tc.hard_assignment(R(5)), r"scores")
    c.error(api, "scores a list", lambda: tc.hard_assignment([[0.0, 1.0]]), r"scores.*Tensor")

    # ---- models
    api = "tell_clustering.MLPAutoencoder"
    hp(
        c,
        api,
        lambda **k: tc.MLPAutoencoder(**({"in_features": 4} | k)),
        "in_features",
        [0, 2.5],
        r"in_features",
    )
    hp(c, api, lambda **k: tc.MLPAutoencoder(4, **k), "dropout", [1.0, NAN], r"dropout")
    hp(c, api, lambda **k: tc.MLPAutoencoder(4, **k), "hidden", [(0,), 5], r"hidden")
    tensor_inputs(
        c,
        api + ".encode",
        lambda t: tc.MLPAutoencoder(4, hidden=(8,)).eval().encode(t),
        R(5, 4),
        shape_match=r"x.*(shape|features|4)",
        leading=True,  # Linear layers only: any leading dims, as nn.Linear
    )
    api = "tell_clustering.ConvAutoencoder"
    hp(c, api, lambda **k: tc.ConvAutoencoder(**k), "height", [6, 0], r"height")
    hp(c, api, lambda **k: tc.ConvAutoencoder(**k), "channels", [0, 1.5], r"channels")
    c.error(
        api + ".encode",
        "x of another image size",
        lambda: tc.ConvAutoencoder(1, 8).encode(R(2, 1, 12, 12)),
        r"x|shape|8",
    )
    api = "tell_clustering.TELLNet"
    c.error(
        api,
        "autoencoder without decode",
        lambda: tc.TELLNet(torch.nn.Linear(4, 2), n_clusters=2, latent=2),
        r"decode|autoencoder",
    )

    # ---- metrics
    api = "tell_clustering.clustering_accuracy"
    c.error(api, "lengths differ", lambda: tc.clustering_accuracy([0, 1, 1], [0, 1]), r"same length")
    c.error(api, "empty", lambda: tc.clustering_accuracy([], []), r"empty")
    c.error(api, "2-d labels", lambda: tc.clustering_accuracy([[0, 1]], [[0, 1]]), r"1-D")
    c.error(api, "NaN label", lambda: tc.clustering_accuracy([0.0, NAN], [0, 1]), r"NaN|finite")
    c.accept(
        api,
        "string labels",
        lambda: tc.clustering_accuracy(["a", "b", "b"], [1, 0, 0]),
        lambda r: r == 1.0,
        "1.0",
    )
    api = "tell_clustering.evaluate"
    c.error(api, "lengths differ", lambda: tc.evaluate([0, 1, 1], [0, 1]), r"same length")
    c.error(api, "None", lambda: tc.evaluate(None, [0, 1]), r"y_true")
    api = "tell_clustering.match_labels"
    c.error(api, "lengths differ", lambda: tc.match_labels([0, 1, 1], [0, 1]), r"same length")
