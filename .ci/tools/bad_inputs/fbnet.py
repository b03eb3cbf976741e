"""Bad-input cases of fbnet: ``cases(c)`` adds them to the sweep's collector."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from typing import Any

import torch

from .common import DTYPE, FINITE, INF, NAN, R, failed_write, hp, tensor_inputs, with_nan


def cases(c: Any) -> None:
    import fbnet
    from darts_core import TensorLoader
    from fbnet.latency import LatencyStats
    from fbnet.reproduce import latency_search

    space = fbnet.FBNetSpace.tiny()
    lut = fbnet.LatencyTable.measure(space, n_runs=1, n_warmup=0)

    def net(**k: Any) -> Any:
        torch.manual_seed(0)
        return fbnet.FBNetSuperNet(space, lut, **k)

    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(4, 1, 8, 8, generator=g), torch.randint(0, 10, (4,), generator=g)
    B = [(x, y)]

    api = "fbnet.FBNetSpace.tiny"
    T = fbnet.FBNetSpace.tiny
    hp(c, api, T, "stem", [0, 1.5])
    hp(c, api, T, "head", [0, -1])
    hp(c, api, T, "in_ch", [0, "1"])
    hp(c, api, T, "num_classes", [0, 1.5])
    hp(c, api, T, "stem_stride", [3, 0])
    hp(c, api, T, "input_size", [0, 2], r"input_size")
    hp(c, api, T, "candidates", [(), ("k3_e1", "bogus")], r"candidate")
    c.error("fbnet.FBNetSpace", "stages=()", lambda: fbnet.FBNetSpace(stages=()), r"stages")
    c.error(
        "fbnet.FBNetSpace",
        "a stage with n=0",
        lambda: fbnet.FBNetSpace(stages=(fbnet.StageSpec(16, 0, 1),)),
        r"stage",
    )
    api = "fbnet.IRFBlock"
    c.error(api, "c_in=0", lambda: fbnet.IRFBlock(0, 16, 3, 1, 1), r"c_in")
    c.error(api, "kernel=4", lambda: fbnet.IRFBlock(16, 16, 4, 1, 1), r"kernel")
    c.error(api, "expansion=0", lambda: fbnet.IRFBlock(16, 16, 3, 0, 1), r"expansion")
    c.error(api, "stride=3", lambda: fbnet.IRFBlock(16, 16, 3, 1, 3), r"stride")
    c.error(api, "groups=3", lambda: fbnet.IRFBlock(16, 16, 3, 1, 1, 3), r"groups")
    c.error(api, "groups=2, odd c_in", lambda: fbnet.IRFBlock(15, 16, 3, 1, 1, 2), r"groups=2")
    c.error("fbnet.Skip", "stride=3", lambda: fbnet.Skip(16, 16, 3), r"stride")
    api = "fbnet.make_block"
    c.error(api, "name='k7_e6'", lambda: fbnet.make_block("k7_e6", 16, 16, 1), r"unknown candidate")
    c.error(api, "name=3", lambda: fbnet.make_block(3, 16, 16, 1), r"candidate|name")
    api = "fbnet.channel_shuffle"
    c.error(api, "groups=4 for 6 channels", lambda: fbnet.channel_shuffle(R(1, 6, 2, 2), 4), r"groups")
    c.error(api, "groups=0", lambda: fbnet.channel_shuffle(R(1, 6, 2, 2), 0), r"groups")
    c.error(api, "3-d x", lambda: fbnet.channel_shuffle(R(6, 2, 2), 2), r"x|\(N, C, H, W\)")
    api = "fbnet.gumbel_softmax_mask"
    hp(
        c,
        api,
        lambda **k: fbnet.gumbel_softmax_mask(torch.zeros(3, 9), **k),
        "tau",
        [0.0, -1.0, NAN, INF, "1"],
    )
    c.error(
        api,
        "noise of another shape",
        lambda: fbnet.gumbel_softmax_mask(torch.zeros(3, 9), 1.0, noise=torch.zeros(3, 4)),
        r"noise",
    )
    c.error(
        api,
        "noise of one row for three",
        lambda: fbnet.gumbel_softmax_mask(torch.zeros(3, 9), 1.0, noise=torch.zeros(9)),
        r"noise",
    )
    api = "fbnet.FBNetSuperNet"
    hp(c, api, net, "theta_init", [NAN, INF])
    c.error(api, "space as a string", lambda: fbnet.FBNetSuperNet("tiny", lut), r"space")
    c.error(api, "lut as a dict", lambda: fbnet.FBNetSuperNet(space, {}), r"lut")
    c.error(
        api,
        "LUT of another input size",
        lambda: fbnet.FBNetSuperNet(fbnet.FBNetSpace.tiny(input_size=16), lut),
        r"layer 0 op",
    )
    tensor_inputs(
        c,
        api + ".forward",
        lambda t: net()(t, 1.0),
        x,
        shape_match=r"x must have shape|\(N, 1, H, W\)|total stride",
        last_dim=False,
    )
    c.error(api + ".forward", "x with 3 channels", lambda: net()(R(2, 3, 8, 8), 1.0), r"\(N, 1, H, W\)")
    c.error(api + ".forward", "x 2x2 (< total stride)", lambda: net()(R(2, 1, 2, 2), 1.0), r"total stride")
    c.error(api + ".forward", "sampler='hard'", lambda: net()(x, 1.0, sampler="hard"), r"sampler")
    c.error(api + ".forward", "tau=0", lambda: net()(x, 0.0), r"tau")
    c.error(
        api + ".forward_with_mask",
        "mask of the wrong shape",
        lambda: net().forward_with_mask(x, torch.zeros(2, 2)),
        r"mask must have shape",
    )
    c.error(
        api + ".expected_latency",
        "mask of one row",
        lambda: net().expected_latency(torch.full((len(space.candidates),), 0.1)),
        r"mask",
    )
    c.error(api + ".sample", "strategy='best'", lambda: net().sample("best"), r"strategy")
    c.error(api + ".genotype", "rule='topk'", lambda: net().genotype("topk"), r"rule")
    c.error(
        api + ".derive",
        "architecture of 2 ops",
        lambda: net().derive(fbnet.Architecture(("skip", "skip"))),
        r"one op per TBS layer",
    )
    api = "fbnet.Architecture"
    c.error(api, "ops a string", lambda: fbnet.Architecture("skip"), r"ops")
    c.error(api, "unknown op", lambda: fbnet.Architecture(("k9_e9",) * 7).build(space), r"unknown candidate")
    c.error(api + ".from_json", "not JSON", lambda: fbnet.Architecture.from_json("skip,skip"), r"JSON|json")
    c.error(api + ".from_json", "ops=3", lambda: fbnet.Architecture.from_json('{"ops": 3}'), r"ops")
    tensor_inputs(
        c,
        "fbnet.ChainNet.forward",
        lambda t: fbnet.Architecture(("skip",) * 7).build(space).eval()(t),
        x,
        shape_match=r"x must have shape|\(N, 1, H, W\)|total stride",
        last_dim=False,
    )
    api = "fbnet.FBNetLoss"
    hp(c, api, fbnet.FBNetLoss, "alpha", [0.0, NAN, -1.0])
    hp(c, api, fbnet.FBNetLoss, "beta", [-1.0, NAN])
    hp(c, api, fbnet.FBNetLoss, "ref_latency", [1.0, 0.5, NAN])
    logits = R(2, 10)
    c.error(api, "latency NaN", lambda: fbnet.FBNetLoss()(logits, y[:2], torch.tensor(NAN)), r"finite")
    c.error(
        api, "latency 0.5 us", lambda: fbnet.FBNetLoss()(logits, y[:2], torch.tensor(0.5)), r"log\(latency\)"
    )
    c.error(
        api,
        "target of another length",
        lambda: fbnet.FBNetLoss()(logits, y, torch.tensor(100.0)),
        r"target|batch",
    )
    # the search
    api = "fbnet.FBNetSearch"
    S = lambda **k: fbnet.FBNetSearch(net(), **k)  # noqa: E731
    hp(c, api, S, "tau0", [0.0, NAN])
    hp(c, api, S, "tau_decay", [0.0, 1.5, NAN])
    hp(c, api, S, "tau_min", [0.0, -1.0])
    hp(c, api, S, "warmup_epochs", [-1, 1.5])
    hp(c, api, S, "w_lr", [0.0, NAN])
    hp(c, api, S, "theta_lr", [0.0, -1.0])
    hp(c, api, S, "w_momentum", [-0.1, 1.5])
    hp(c, api, S, "w_wd", [-1.0, NAN])
    hp(c, api, S, "theta_wd", [-1.0])
    hp(c, api, S, "sampler", ["hard"])
    hp(c, api, S, "order", [3])
    hp(c, api, S, "hvp", ["neumann"])
    c.error(api, "order=2 with the gumbel sampler", lambda: S(order=2), r"order=2.*softmax")
    c.error(api, "a plain nn.Linear", lambda: fbnet.FBNetSearch(torch.nn.Linear(2, 2)), r"FBNetSuperNet")
    c.error(api, "loss a function", lambda: S(loss=torch.nn.functional.cross_entropy), r"loss")
    api = "fbnet.FBNetSearch.fit"
    fit = lambda w=B, t=B, e=1, **k: S(warmup_epochs=0).fit(w, t, e, **k)  # noqa: E731
    c.error(api, "epochs=0", lambda: fit(e=0), r"epochs")
    c.error(api, "epochs=1.5", lambda: fit(e=1.5), r"epochs")
    c.error(api, "empty w_loader", lambda: fit(w=[]), r"w_loader")
    c.error(api, "empty theta_loader", lambda: fit(t=[]), r"theta_loader")
    c.error(
        api,
        "NaN in the w-split (TensorLoader)",
        lambda: fit(w=TensorLoader(with_nan(x), y)),
        r"w_loader.*non-finite",
    )
    c.error(api, "inf in a theta batch", lambda: fit(t=[(with_nan(x, INF), y)]), r"theta_loader.*non-finite")
    c.error(api, "an empty batch", lambda: fit(w=[(x[:0], y[:0])]), r"empty")
    c.error(api, "labels out of range (10 classes)", lambda: fit(w=[(x, y + 10)]), r"label|class|target|y")
    c.error(api, "float64 images", lambda: fit(w=[(x.double(), y)]), DTYPE)
    c.error(api, "x and y of different lengths", lambda: fit(w=[(x, y[:3])]), r"length|size|batch|y")
    c.error(api, "unknown keyword", lambda: fit(shuffle=True), r"unexpected keyword|shuffle")

    def ckpt(damage: Callable[[str], None], other: Any = None) -> Any:
        with tempfile.TemporaryDirectory() as d:
            ck = os.path.join(d, "search.ckpt")
            fit(checkpoint=ck)
            damage(ck)
            s = other or S(warmup_epochs=0)
            return s.fit(B, B, 2, checkpoint=ck)

    def truncate(ck: str) -> None:
        data = open(ck, "rb").read()
        open(ck, "wb").write(data[: len(data) // 2])

    c.error(api, "truncated checkpoint", lambda: ckpt(truncate), r"search\.ckpt")
    c.error(
        api, "text file as a checkpoint", lambda: ckpt(lambda p: open(p, "w").write("nope")), r"search\.ckpt"
    )
    c.error(
        api,
        "a torch file of another kind",
        lambda: ckpt(lambda p: torch.save({"state": 1}, p)),
        r"search\.ckpt.*not an fbnet",
    )
    c.error(
        api,
        "checkpoint of another space",
        lambda: ckpt(
            lambda p: None,
            other=fbnet.FBNetSearch(
                fbnet.FBNetSuperNet(
                    s2 := fbnet.FBNetSpace.tiny(candidates=("k3_e1", "skip")),
                    fbnet.LatencyTable.measure(s2, n_runs=1, n_warmup=0),
                ),
                warmup_epochs=0,
            ),
        ),
        r"search\.ckpt.*does not fit",
    )
    failed_write(
        c,
        "fbnet.FBNetSearch.fit(checkpoint=...)",
        """
        import torch, fbnet
        space = fbnet.FBNetSpace.tiny()
        lut = fbnet.LatencyTable.measure(space, n_runs=1, n_warmup=0)
        B = [(torch.randn(4, 1, 8, 8), torch.randint(0, 10, (4,)))]
        def write_old(p):
            torch.manual_seed(0)
            fbnet.FBNetSearch(fbnet.FBNetSuperNet(space, lut), warmup_epochs=0).fit(B, B, 1, checkpoint=p)
        def write_new(p):
            torch.manual_seed(0)
            fbnet.FBNetSearch(fbnet.FBNetSuperNet(space, lut), warmup_epochs=0).fit(B, B, 2, checkpoint=p)
        def valid(p):
            assert torch.load(p, weights_only=False)["epoch"] == 1
        """,
        name="search.ckpt",
        limit=8192,
    )
    api = "fbnet.FBNetArchitect"
    A = lambda **k: fbnet.FBNetArchitect(net(), **k)  # noqa: E731
    hp(c, api, A, "tau", [0.0, NAN])
    hp(c, api, A, "theta_lr", [0.0, -1.0])
    hp(c, api, A, "order", [3])
    hp(c, api, A, "hvp", ["neumann"])
    c.error(api, "loss a function", lambda: A(loss=torch.nn.functional.cross_entropy), r"loss")
    c.error(api, "a plain nn.Linear", lambda: fbnet.FBNetArchitect(torch.nn.Linear(2, 2)), r"FBNetSuperNet")
    api = "fbnet.RelaxedSuperNet"
    hp(c, api, lambda **k: fbnet.RelaxedSuperNet(net(), **k), "tau", [0.0, NAN])
    hp(c, api, lambda **k: fbnet.RelaxedSuperNet(net(), **k), "sampler", ["hard"])
    # the latency table
    api = "fbnet.LatencyTable"
    c.error(api + ".measure", "repeats=0", lambda: fbnet.LatencyTable.measure(space, repeats=0), r"repeats")
    c.error(api + ".measure", "n_runs=0", lambda: fbnet.LatencyTable.measure(space, n_runs=0), r"n_runs")
    c.error(
        api + ".measure",
        "batch_size=0",
        lambda: fbnet.LatencyTable.measure(space, batch_size=0, n_runs=1),
        r"batch_size",
    )
    c.error(
        api + ".measure",
        "device='tpu'",
        lambda: fbnet.LatencyTable.measure(space, device="tpu", n_runs=1),
        r"device|tpu",
    )
    c.error(api + ".lookup", "layer=99", lambda: lut.lookup(space, 99, "skip"), r"layer")
    c.error(api + ".lookup", "op='bogus'", lambda: lut.lookup(space, 0, "bogus"), r"bogus")
    c.error(api + ".predict", "3 ops for 7 layers", lambda: lut.predict(space, ("skip",) * 3), r"ops|op per")
    c.error(
        api + ".load",
        "missing file",
        lambda: fbnet.LatencyTable.load("/nonexistent/l.json"),
        r"/nonexistent/l\.json",
    )

    def load_text(text: str) -> Any:
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "lut.json")
            open(p, "w").write(text)
            return fbnet.LatencyTable.load(p)

    c.error(api + ".load", "not JSON", lambda: load_text("nope"), r"lut\.json")
    c.error(api + ".load", "JSON without entries", lambda: load_text("{}"), r"entries")
    c.error(
        api + ".load",
        "an entry missing p90",
        lambda: load_text('{"entries": {"a": {"median": 1, "p10": 1}}}'),
        r"entr|p90",
    )
    c.warn(
        api + ".load",
        "table of cpu for a cuda target",
        lambda: (
            lambda d: (
                fbnet.LatencyTable({"a": LatencyStats(1.0, 1.0, 1.0)}).save(os.path.join(d, "l.json")),
                fbnet.LatencyTable.load(os.path.join(d, "l.json"), target_device="cuda"),
            )
        )(tempfile.mkdtemp()),
        r"measured on cpu",
    )
    failed_write(
        c,
        "fbnet.LatencyTable.save",
        """
        import fbnet
        from fbnet.latency import LatencyStats
        def write_old(p):
            fbnet.LatencyTable({"a": LatencyStats(1.0, 1.0, 1.0)}).save(p)
        def write_new(p):
            fbnet.LatencyTable({f"k{i}": LatencyStats(1.0, 1.0, 1.0) for i in range(200)}).save(p)
        def valid(p):
            assert list(fbnet.LatencyTable.load(p).entries) == ["a"]
        """,
        name="lut.json",
    )
    api = "fbnet.measure_latency"
    c.error(api, "n_runs=0", lambda: fbnet.measure_latency(torch.nn.Identity(), (1, 2), n_runs=0), r"n_runs")
    c.error(
        api,
        "n_warmup=-1",
        lambda: fbnet.measure_latency(torch.nn.Identity(), (1, 2), n_warmup=-1),
        r"n_warmup",
    )
    c.error(api, "fn not callable", lambda: fbnet.measure_latency(3, (1, 2), n_runs=1), r"fn")
    api = "fbnet.split_search_data"
    xs, ys = R(10, 1, 8, 8), torch.zeros(10, dtype=torch.long)
    hp(c, api, lambda **k: fbnet.split_search_data(xs, ys, **k), "split", [0.0, 1.0, NAN, 0.01], r"split")
    c.error(
        api, "x and y of different lengths", lambda: fbnet.split_search_data(xs, ys[:8]), r"same length|y"
    )
    api = "fbnet.train_network"
    chain = lambda: fbnet.Architecture(("skip",) * 7).build(space)  # noqa: E731
    c.error(api, "epochs=0", lambda: fbnet.train_network(chain(), B, 0), r"epochs")
    c.error(api, "empty loader", lambda: fbnet.train_network(chain(), [], 1), r"loader.*empty|empty")
    c.error(api, "NaN in the images", lambda: fbnet.train_network(chain(), [(with_nan(x), y)], 1), FINITE)
    c.error(api, "lr=-1", lambda: fbnet.train_network(chain(), B, 1, lr=-1.0), r"lr|learning rate")
    c.error(api, "lr=NaN", lambda: fbnet.train_network(chain(), B, 1, lr=NAN), r"lr|learning rate")
    c.error(api, "wd=-1", lambda: fbnet.train_network(chain(), B, 1, wd=-1.0), r"wd|weight_decay")
    c.error(api, "momentum=-1", lambda: fbnet.train_network(chain(), B, 1, momentum=-1.0), r"momentum")
    c.error(
        api,
        "labels out of range",
        lambda: fbnet.train_network(chain(), [(x, y + 10)], 1),
        r"label|class|target|y",
    )
    c.error(
        "fbnet.accuracy",
        "x and y of different lengths",
        lambda: fbnet.accuracy(chain(), x, y[:3]),
        r"same length",
    )
    c.error(
        "fbnet.accuracy", "batch_size=0", lambda: fbnet.accuracy(chain(), x, y, batch_size=0), r"batch_size"
    )
    api = "fbnet.reproduce.latency_search.Config"
    c.error(api, "betas=(0.6,)", lambda: latency_search.Config(betas=(0.6,)), r"latency_search\.betas")
    c.error(api, "warmup_epochs=20", lambda: latency_search.Config(warmup_epochs=20), r"warmup_epochs")
