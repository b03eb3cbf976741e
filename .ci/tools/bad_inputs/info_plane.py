"""Bad-input cases of info-plane: ``cases(c)`` adds them to the sweep's collector."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from typing import Any

import torch

from .common import DTYPE, FINITE, INF, NAN, R, failed_write, hp, tensor_inputs, with_nan


def cases(c: Any) -> None:
    import info_plane as ip
    from info_plane.reproduce import ib12

    D = ip.ib_12bit()
    y = D.y[:64]
    h = torch.tanh(R(64, 3))

    # ---- estimators
    api = "info_plane.bin_mi"
    c.error(api, "activity as a nested list", lambda: ip.bin_mi(h.tolist(), y), r"activity.*Tensor")
    c.error(api, "activity=None", lambda: ip.bin_mi(None, y), r"activity.*Tensor")
    c.error(api, "activity 1-d", lambda: ip.bin_mi(h[:, 0], y), r"activity.*\[\.\.\., N, d\]")
    c.error(api, "activity with 0 units", lambda: ip.bin_mi(h[:, :0], y), r"activity.*at least one")
    c.error(api, "activity with 0 rows", lambda: ip.bin_mi(h[:0], y[:0]), r"activity.*at least one")
    c.error(api, "activity holding a NaN", lambda: ip.bin_mi(with_nan(h), y), r"activity.*NaN")
    c.error(api, "activity holding an inf", lambda: ip.bin_mi(with_nan(h, INF), y), r"activity.*inf")
    c.accept(
        api,
        "activity float64",
        lambda: ip.bin_mi(h.double(), y),
        lambda r: torch.allclose(r[0], ip.bin_mi(h, y)[0]),
        "the same numbers as float32",
    )
    c.accept(
        api,
        "activity int64 (already binned)",
        lambda: ip.bin_mi(h.round().long(), y),
        lambda r: bool(torch.isfinite(r[0]) and r[0] >= 0),
        "treated as values",
    )
    c.error(api, "labels float", lambda: ip.bin_mi(h, y.float()), r"labels.*integer")
    c.error(api, "labels of another length", lambda: ip.bin_mi(h, y[:10]), r"labels.*shape")
    c.error(api, "labels 2-d", lambda: ip.bin_mi(h, y[:, None]), r"labels.*shape")
    c.error(api, "labels negative", lambda: ip.bin_mi(h, y - 1), r"labels.*non-negative")
    c.error(api, "labels as a list", lambda: ip.bin_mi(h, y.tolist()), r"labels.*Tensor")
    c.error(api, "labels bool", lambda: ip.bin_mi(h, y.bool()), r"labels.*integer")
    B = lambda **k: ip.bin_mi(h, y, **k)  # noqa: E731
    hp(c, api, B, "n_bins", [1, 0, 2.5, True], r"n_bins")
    hp(c, api, B, "binsize", [0.0, -0.1, NAN, "0.07"], r"binsize")
    c.error(api, "lo > hi", lambda: B(lo=1.0, hi=0.0), r"lo must be < hi")
    c.error(api, "lo=NaN", lambda: B(lo=NAN), r"lo")
    c.error(api, "hi=inf", lambda: B(hi=INF), r"hi")
    c.error(api, "lo='-1'", lambda: B(lo="-1"), r"lo")
    c.warn(api, "ReLU activity in fixed [-1, 1] bins", lambda: ip.bin_mi(h.relu() * 3, y), r"ReLU")
    c.accept(
        api,
        "a constant layer, adaptive range",
        lambda: ip.bin_mi(torch.zeros(64, 2), y, lo=None, hi=None),
        lambda r: float(r[0]) == 0.0 and float(r[1]) == 0.0,
        "I(X;T) = I(T;Y) = 0",
    )
    c.accept(
        api,
        "one input row",
        lambda: ip.bin_mi(h[:1], y[:1]),
        lambda r: float(r[0]) == 0.0,
        "0 bits",
    )
    api = "info_plane.bin_codes"
    c.error(api, "activity 1-d", lambda: ip.bin_codes(h[:, 0]), r"activity")
    hp(c, api, lambda **k: ip.bin_codes(h, **k), "n_bins", [1, 3.0], r"n_bins")
    api = "info_plane.entropy_bins"
    c.error(api, "float ids", lambda: ip.entropy_bins(torch.rand(5)), r"ids.*integer")
    c.error(api, "ids a list", lambda: ip.entropy_bins([0, 1, 1]), r"ids.*integer|Tensor")
    c.error(api, "ids a 0-d tensor", lambda: ip.entropy_bins(torch.tensor(3)), r"ids")
    c.accept(
        api,
        "negative ids",
        lambda: ip.entropy_bins(torch.tensor([-1, -1, 2, 2])),
        lambda r: abs(float(r) - 1.0) < 1e-12,
        "ids are labels: 1 bit",
    )
    c.accept(
        api,
        "empty ids",
        lambda: ip.entropy_bins(torch.zeros(0, dtype=torch.long)),
        lambda r: float(r) == 0.0,
        "0 bits",
        match=r"ids.*(empty|at least)",
    )
    api = "info_plane.kde_mi"
    K = lambda **k: ip.kde_mi(h, y, **k)  # noqa: E731
    hp(c, api, K, "noise_variance", [0.0, -1e-3, NAN, INF, "1e-3", True], r"noise_variance")
    hp(c, api, K, "bound", ["middle", None], r"bound")
    hp(c, api, K, "chunk", [0, 1.5, -4], r"chunk")
    c.error(api, "activity holding a NaN", lambda: ip.kde_mi(with_nan(h), y), r"activity.*NaN")
    c.error(api, "labels of another length", lambda: ip.kde_mi(h, y[:3]), r"labels.*shape")
    for fn in (ip.kde_entropy_upper, ip.kde_entropy_lower):
        api = f"info_plane.{fn.__name__}"
        hp(c, api, lambda fn=fn, **k: fn(h, **k), "noise_variance", [0.0, NAN], r"noise_variance")
        hp(c, api, lambda fn=fn, **k: fn(h, **k), "chunk", [0, 2.5], r"chunk")
        c.error(api, "h holding an inf", lambda fn=fn: fn(with_nan(h, INF)), r"h.*inf")
        c.error(api, "h a list", lambda fn=fn: fn(h.tolist()), r"h.*Tensor")

    # ---- data
    api = "info_plane.ib_12bit"
    hp(c, api, lambda **k: ip.ib_12bit(**k), "train_frac", [0.0, 1.0, NAN, -0.5, "0.8", True], r"train_frac")
    c.error(api, "seed='a'", lambda: ip.ib_12bit(seed="a"), r"seed")
    api = "info_plane.ib_12bit_label"
    c.error(api, "bits with a 2", lambda: ip.ib_12bit_label(torch.full((3, 12), 2)), r"bits.*0 and 1")
    c.error(api, "bits 0.5", lambda: ip.ib_12bit_label(torch.full((3, 12), 0.5)), r"bits.*0 and 1")
    c.error(api, "11 bits", lambda: ip.ib_12bit_label(torch.zeros(3, 11)), r"bits.*\[\.\.\., 12\]")
    c.error(api, "bits a list", lambda: ip.ib_12bit_label([0] * 12), r"bits.*Tensor")
    c.error(api, "bits holding a NaN", lambda: ip.ib_12bit_label(with_nan(torch.zeros(3, 12))), r"bits")
    api = "info_plane.label_entropy"
    c.error(api, "y a list", lambda: ip.label_entropy([0, 1, 1]), r"y.*Tensor")
    c.error(api, "y float 0.5", lambda: ip.label_entropy(torch.tensor([0.5, 1.0])), r"y.*integer")
    c.error(api, "y negative", lambda: ip.label_entropy(torch.tensor([-1, 0])), r"y.*non-negative")
    c.accept(
        api,
        "y empty",
        lambda: ip.label_entropy(torch.zeros(0, dtype=torch.long)),
        lambda r: r == 0.0,
        "0 bits",
        match=r"y.*(empty|at least)",
    )

    # ---- models
    api = "info_plane.ib_network"
    N = lambda **k: ip.ib_network(**k)  # noqa: E731
    hp(c, api, N, "activation", ["swishy", 3], r"activation")
    hp(c, api, N, "init", ["xavier"], r"init")
    hp(c, api, N, "widths", [(3, 0), (), (2.5,), 5], r"widths")
    hp(c, api, N, "in_features", [0, 12.0], r"in_features")
    hp(c, api, N, "n_classes", [1, True], r"n_classes")
    hp(c, api, N, "seed", ["a", 1.5], r"seed")
    api = "info_plane.IBEnsemble"
    E = lambda **k: ip.IBEnsemble(**({"seeds": [0, 1]} | k))  # noqa: E731
    hp(c, api, E, "seeds", [[], ["a"], [1.5], 3], r"seeds")
    c.warn(
        api, "seeds repeated", lambda: E(seeds=[0, 0]), r"seeds.*repeat", match=r"seeds.*(distinct|unique)"
    )
    hp(c, api, E, "activation", [["tanh"], ["tanh", "swish"], "swish"], r"activation|one per member")
    hp(c, api, E, "init", ["he"], r"init")
    tensor_inputs(
        c,
        api + ".forward",
        lambda t: E()(t),
        D.X[:8],
        shape_match=r"x must be|in_features|shape",
        drop_rank=False,
        empty=False,  # the output's leading dim is the members: the empty case is below
    )
    c.accept(
        api + ".forward",
        "x empty batch",
        lambda: E()(D.X[:0]),
        lambda r: r.shape == (2, 0, 2),
        "an empty answer per member",
        match=r"empty|at least",
    )
    c.accept(
        api + ".forward",
        "x [members, N, in]",
        lambda: E()(D.X[:8].expand(2, 8, 12)),
        lambda r: r.shape == (2, 8, 2),
        "one output per member",
    )
    c.error(api + ".forward", "x with 3 members for 2", lambda: E()(D.X[:8].expand(3, 8, 12)), r"x must be")
    api = "info_plane.MemberActivation"
    c.error(api, "unknown kind", lambda: ip.MemberActivation(["tanh", "gelu"]), r"activation")
    c.error(api, "no kinds", lambda: ip.MemberActivation([]), r"kinds")
    api = "info_plane.ib_loss"
    p = torch.softmax(R(4, 2), -1)
    t = torch.tensor([0, 1, 1, 0])
    c.error(api, "target float", lambda: ip.ib_loss(p, t.float()), r"target.*(integer|int64)")
    c.error(api, "target out of range", lambda: ip.ib_loss(p, t + 2), r"target.*(range|class)")
    c.error(api, "target of another length", lambda: ip.ib_loss(p, t[:3]), r"target.*shape")
    c.error(api, "probs a list", lambda: ip.ib_loss(p.tolist(), t), r"probs.*Tensor")
    c.error(
        api, "logits in place of probs", lambda: ip.ib_loss(R(4, 2) * 5, t), r"probs.*(probabilit|\[0, 1\])"
    )

    # ---- recorders
    api = "info_plane.ActivationRecorder"
    A = lambda **k: ip.ActivationRecorder(ip.ib_network(seed=0), D.X[:64], **k)  # noqa: E731
    c.error(api, "model a function", lambda: ip.ActivationRecorder(torch.tanh, D.X), r"model.*nn.Module")
    c.error(api, "inputs a list", lambda: ip.ActivationRecorder(ip.ib_network(), D.X.tolist()), r"inputs")
    c.error(api, "inputs empty", lambda: ip.ActivationRecorder(ip.ib_network(), D.X[:0]), r"inputs")
    hp(c, api, A, "layers", ["all", [], [torch.nn.Tanh()], 3], r"layers")
    hp(c, api, A, "epochs", [[-1, 2]], r"epochs")
    hp(c, api, A, "sample_dim", [-1, 1.0], r"sample_dim")
    hp(c, api, A, "batch_size", [0, 1.5, "8"], r"batch_size")
    c.warn(api, "unsorted epochs", lambda: A(epochs=[5, 1, 1]), r"sorted")
    c.error(
        api + ".record",
        "inputs of the wrong width",
        lambda: ip.ActivationRecorder(ip.ib_network(), torch.zeros(8, 11)).record(0),
        r"inputs|shape|12|11",
    )
    api = "info_plane.InfoPlaneRecorder"
    IR = lambda **k: ip.InfoPlaneRecorder(ip.ib_network(seed=0), D.X[:64], y, **k)  # noqa: E731
    c.error(api, "labels of another length", lambda: ip.InfoPlaneRecorder(ip.ib_network(), D.X, y), r"labels")
    c.error(
        api, "labels float", lambda: ip.InfoPlaneRecorder(ip.ib_network(), D.X[:64], y.float()), r"labels"
    )
    hp(c, api, IR, "estimators", [{}, {"bin": 3}], r"estimators")
    hp(c, api, IR, "estimator_epochs", [{"kde": [0]}], r"estimator_epochs|unknown estimators")
    c.warn(
        api,
        "relu network with the default [-1, 1] bins",
        lambda: ip.InfoPlaneRecorder(ip.ib_network(activation="relu", seed=0), D.X[:64] * 4, y).record(0),
        r"ReLU",
    )
    api = "info_plane.GradientSNR"
    net = ip.ib_network(seed=0)
    c.error(api, "params empty", lambda: ip.GradientSNR({}), r"params")
    c.error(api, "member_dim=1", lambda: ip.GradientSNR(net, member_dim=1), r"member_dim")
    c.error(
        api,
        "a frozen parameter",
        lambda: ip.GradientSNR({"w": torch.zeros(3)}),
        r"params\['w'\].*requires grad",
    )
    c.error(api, "epochs=[-1]", lambda: ip.GradientSNR(net, epochs=[-1]), r"epochs")
    c.error(
        api, "params a list", lambda: ip.GradientSNR(list(net.parameters())), r"params.*(mapping|Module|dict)"
    )
    c.error(
        api + ".accumulate",
        "before backward",
        lambda: (lambda s: (s.begin_epoch(0), s.accumulate()))(ip.GradientSNR(ip.ib_network(seed=0))),
        r"no gradient.*backward",
    )

    # ---- training
    api = "info_plane.log_epochs"
    hp(
        c,
        api,
        lambda **k: ip.log_epochs(**({"n_epochs": 100, "n_points": 10} | k)),
        "n_epochs",
        [0, 1.5],
        r"n_epochs",
    )
    hp(
        c,
        api,
        lambda **k: ip.log_epochs(**({"n_epochs": 100, "n_points": 10} | k)),
        "n_points",
        [0, "10"],
        r"n_points",
    )
    api = "info_plane.train_ib"
    small = ip.ib_12bit(train_frac=0.05)

    def T(model: Any = None, data: Any = small, **k: Any) -> Any:
        return ip.train_ib(model if model is not None else ip.ib_network(seed=0), data, **({"epochs": 1} | k))

    hp(c, api, T, "epochs", [0, 1.5, True], r"epochs")
    hp(c, api, T, "lr", [0.0, -1.0, NAN, INF, "4e-4"], r"lr")
    hp(c, api, T, "batch_size", [0, 2.5], r"batch_size")
    hp(c, api, T, "checkpoint_every", [0], r"checkpoint_every")
    hp(c, api, T, "seed", ["a"], r"seed")
    c.error(api, "data a tuple (X, y)", lambda: T(data=(D.X, D.y)), r"data.*IBDataset")
    c.error(api, "model without parameters", lambda: T(model=torch.nn.Softmax(-1)), r"model.*parameters")
    c.error(api, "model not a module", lambda: T(model=lambda x: x), r"model.*nn.Module")
    import dataclasses

    Xn = small.X.clone()
    Xn[5, 3] = NAN
    c.error(api, "NaN in data.X", lambda: T(data=dataclasses.replace(small, X=Xn)), FINITE)
    c.error(
        api,
        "data.y out of range for a 2-class network",
        lambda: T(data=dataclasses.replace(small, y=small.y + 2)),
        r"y.*(class|range)",
    )
    c.error(
        api,
        "train_idx beyond the 4096 rows",
        lambda: T(data=dataclasses.replace(small, train_idx=small.train_idx + 4096)),
        r"train_idx.*(range|rows)",
    )
    c.error(
        api,
        "empty train_idx",
        lambda: T(data=dataclasses.replace(small, train_idx=small.train_idx[:0])),
        r"train_idx.*empty",
    )
    c.accept(
        api,
        "a float64 model",
        lambda: T(model=ip.ib_network(seed=0).double()),
        lambda r: bool(torch.isfinite(r["train_loss"]).all()),
        "the data follow the model's dtype",
        match=DTYPE,
    )
    c.error(
        api,
        "train_idx [3, n] for a 2-member ensemble",
        lambda: T(
            model=ip.IBEnsemble(seeds=[0, 1]),
            data=dataclasses.replace(small, train_idx=small.train_idx.expand(3, -1)),
        ),
        r"train_idx",
    )

    def ckpt(damage: Callable[[str], None], model: Callable[[], Any] = lambda: ip.ib_network(seed=0)) -> Any:
        with tempfile.TemporaryDirectory() as d:
            ck = os.path.join(d, "run.ckpt")
            T(checkpoint=ck, epochs=1)
            damage(ck)
            return T(model=model(), checkpoint=ck, epochs=2)

    def truncate(ck: str) -> None:
        data = open(ck, "rb").read()
        open(ck, "wb").write(data[: len(data) // 2])

    c.error(api, "truncated checkpoint", lambda: ckpt(truncate), r"run\.ckpt")
    c.error(
        api,
        "a text file as the checkpoint",
        lambda: ckpt(lambda ck: open(ck, "w").write("nope")),
        r"run\.ckpt",
    )
    c.error(
        api,
        "a torch file of another kind",
        lambda: ckpt(lambda ck: torch.save({"state": 1}, ck)),
        r"run\.ckpt.*(not|checkpoint)",
    )
    c.error(
        api,
        "checkpoint of another model",
        lambda: ckpt(lambda ck: None, lambda: ip.ib_network(seed=0, widths=(4, 3))),
        r"run\.ckpt.*(does not fit|model)",
    )
    c.error(api, "checkpoint a directory", lambda: T(checkpoint=tempfile.gettempdir()), r"checkpoint")
    failed_write(
        c,
        "info_plane.train_ib(checkpoint=...)",
        """
        import info_plane as ip
        D = ip.ib_12bit(train_frac=0.05)
        def write_old(p):
            ip.train_ib(ip.ib_network(seed=0), D, epochs=1, checkpoint=p)
        def write_new(p):
            ip.train_ib(ip.ib_network(seed=0), D, epochs=2, checkpoint=p)  # resumes, then saves epoch 2
        def valid(p):
            import torch
            assert torch.load(p, weights_only=False)["epoch"] == 1
        """,
        name="run.ckpt",
        limit=1000,
    )
    api = "info_plane.evaluate"
    c.error(api, "data a tuple", lambda: ip.evaluate(ip.ib_network(), (D.X, D.y)), r"data.*IBDataset")

    # ---- the reproduction's config
    api = "info_plane.reproduce.ib12.Config"
    hp(c, api, lambda **k: ib12.Config(**k), "epochs", [0, 1.5], r"ib12.epochs")
    hp(c, api, lambda **k: ib12.Config(**k), "lr", [0.0, NAN], r"ib12.lr")
    hp(c, api, lambda **k: ib12.Config(**k), "train_frac", [1.0, NAN], r"ib12.train_frac")
    hp(c, api, lambda **k: ib12.Config(**k), "window", [(600, 300), (0,)], r"ib12.window")
