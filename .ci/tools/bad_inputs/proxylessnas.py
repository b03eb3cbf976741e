"""Bad-input cases of proxylessnas: ``cases(c)`` adds them to the sweep's collector."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from .common import DTYPE, INF, NAN, R, failed_write, hp, tensor_inputs, with_nan


def cases(c: Any) -> None:
    import proxylessnas as pl
    from darts_core import TensorLoader
    from proxylessnas.reproduce import memory, search

    def net(**k: Any) -> Any:
        torch.manual_seed(0)
        return pl.ProxylessSuperNet.tiny(**k)

    def full(**k: Any) -> Any:
        return pl.ProxylessSuperNet(
            **({"stages": [(8, 1, 1), (16, 1, 2)], "in_channels": 1, "num_classes": 10, "stem": 8} | k)
        )

    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(4, 1, 8, 8, generator=g), torch.randint(0, 10, (4,), generator=g)
    B = [(x, y)]
    api = "proxylessnas.ProxylessSuperNet"
    hp(c, api, full, "stages", [[], [(8, 1, 3)], [(8, 1)], [(0, 1, 1)]], r"stages")
    hp(c, api, full, "candidates", [["zero"], [], ["conv3"], ["k4_e3"]], r"candidate|kernel")
    hp(c, api, full, "in_channels", [0, 1.5])
    hp(c, api, full, "num_classes", [0, "10"])
    hp(c, api, full, "stem", [0])
    hp(c, api, full, "stem_stride", [3, 0])
    hp(c, api, full, "first_block", [0, -1])
    hp(c, api, full, "head", [0])
    hp(c, api, full, "mode", ["three"])
    hp(c, api, full, "bn_momentum", [-0.1, 1.5, NAN])
    hp(c, api, full, "bn_eps", [0.0, -1e-3])
    tensor_inputs(
        c,
        api + ".forward",
        lambda t: net()(t),
        x,
        shape_match=r"x must|\(N, 1, H, W\)|in_channels",
        last_dim=False,
    )
    c.error(api + ".forward", "x with 3 channels", lambda: net()(R(2, 3, 8, 8)), r"in_channels|channels")
    c.error(api + ".set_stage", "stage='train'", lambda: net().set_stage("train"), r"stage")
    c.error(
        api + ".set_gates", "2 choices for 6 edges", lambda: net().set_gates([0, 0]), r"one entry per edge"
    )
    c.error(api + ".set_gates", "unknown name", lambda: net().set_gates(["k9_e9"] * 6), r"no candidate")
    c.error(api + ".set_gates", "index out of range", lambda: net().set_gates([99] * 6), r"index|edge")
    c.error(api + ".derive", "one choice", lambda: net().derive(["k3_e3"]), r"choices")
    c.error(
        api + ".derive", "zero on a strided edge", lambda: net().derive(["zero"] * 6), r"no candidate 'zero'"
    )
    c.error(api + ".genotype", "rule='topk'", lambda: net().genotype("topk"), r"rule")
    c.error(
        api + ".expected_latency",
        "empty LUT",
        lambda: net().expected_latency(pl.LatencyTable({}), 8),
        r"no latency",
    )
    c.error(
        api + ".expected_latency",
        "input_size=0",
        lambda: net().expected_latency(pl.LatencyTable({}), 0),
        r"input_size",
    )
    tensor_inputs(
        c,
        "proxylessnas.DerivedNet.forward",
        lambda t: net().derive().eval()(t),
        x,
        shape_match=r"x must|\(N, 1, H, W\)|in_channels",
        last_dim=False,
    )
    api = "proxylessnas.BinaryMixedOp"
    I2 = [nn.Identity(), nn.Identity()]
    c.error(api, "no candidates", lambda: pl.BinaryMixedOp([]), r"candidates")
    c.error(
        api, "a function as candidate", lambda: pl.BinaryMixedOp([torch.relu, nn.Identity()]), r"candidates"
    )
    c.error(api, "mode='two' with one candidate", lambda: pl.BinaryMixedOp([nn.Identity()]), r"mode='two'")
    c.error(api, "mode='three'", lambda: pl.BinaryMixedOp(I2, mode="three"), r"mode")
    c.error(api, "names of another length", lambda: pl.BinaryMixedOp(I2, names=["a"]), r"names")
    hp(c, api, lambda **k: pl.BinaryMixedOp(I2, **k), "init_std", [-1.0, NAN, INF])
    c.error(api + ".set_active", "index=5", lambda: pl.BinaryMixedOp(I2).set_active(5), r"index")
    c.error(
        api + ".set_active",
        "pair without the index",
        lambda: pl.BinaryMixedOp(I2 + [nn.Identity()]).set_active(0, (1, 2)),
        r"pair",
    )
    c.error(
        api + ".binary_grad_to_alpha",
        "before an arch step",
        lambda: pl.BinaryMixedOp(I2).binary_grad_to_alpha(),
        r"no gate gradient",
    )
    api = "proxylessnas.MBConv"
    c.error(api, "kernel=4", lambda: pl.MBConv(8, 8, kernel=4), r"kernel")
    c.error(api, "stride=3", lambda: pl.MBConv(8, 8, stride=3), r"stride")
    c.error(api, "c_in=0", lambda: pl.MBConv(0, 8), r"c_in")
    c.error(api, "expand=0", lambda: pl.MBConv(8, 8, expand=0), r"expand")
    hp(c, api, lambda **k: pl.MBConv(8, 8, **k), "bn_eps", [0.0, -1.0])
    hp(c, api, lambda **k: pl.MBConv(8, 8, **k), "bn_momentum", [1.5, -0.5])
    api = "proxylessnas.make_candidate"
    c.error(api, "name='conv3'", lambda: pl.make_candidate("conv3", 8, 8, 1), r"unknown candidate|conv3")
    c.error(api, "name=3", lambda: pl.make_candidate(3, 8, 8, 1), r"candidate name must be a str")
    c.error(api, "zero with a stride", lambda: pl.make_candidate("zero", 16, 24, 2), r"identity shortcut")
    c.error("proxylessnas.Zero", "stride=2", lambda: pl.Zero(stride=2), r"stride")
    api = "proxylessnas.LatencyRegularizer"
    L = lambda **k: pl.LatencyRegularizer(**({"ref": 80.0} | k))  # noqa: E731
    hp(c, api, L, "kind", ["mul"])
    hp(c, api, L, "alpha", [0.0, NAN])
    hp(c, api, L, "beta", [-1.0])
    hp(c, api, L, "lam", [-0.1, INF])
    hp(c, api, L, "ref", [0.0, NAN, "80"])
    c.error(api, "mul_log with ref=0.08", lambda: L(kind="mul_log", ref=0.08), r"ref|unit")
    c.error(api + ".forward", "latency NaN", lambda: L()(torch.tensor(1.0), torch.tensor(NAN)), r"finite")
    c.error(
        api + ".forward",
        "mul_log, latency 0.5",
        lambda: L(kind="mul_log")(torch.tensor(1.0), torch.tensor(0.5)),
        r"E\[LAT\] > 1",
    )
    api = "proxylessnas.LatencyTable"
    c.error(
        api + ".load",
        "missing file",
        lambda: pl.LatencyTable.load("/nonexistent/l.json"),
        r"/nonexistent/l\.json",
    )

    def load_text(text: str) -> Any:
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "lut.json")
            open(p, "w").write(text)
            return pl.LatencyTable.load(p)

    c.error(api + ".load", "not JSON", lambda: load_text("nope"), r"lut\.json")
    c.error(api + ".load", "JSON without entries", lambda: load_text("{}"), r"entries")
    c.error(
        api + ".load", "an unknown field", lambda: load_text('{"entries": {}, "colour": 1}'), r"colour|field"
    )
    c.error(
        api + ".predict",
        "2 choices for 6 edges",
        lambda: pl.LatencyTable({}).predict(net(), ["k3_e3"] * 2, 8),
        r"architecture needs",
    )
    c.error(api + ".measure", "repeats=0", lambda: pl.LatencyTable.measure(net(), 8, repeats=0), r"repeats")
    failed_write(
        c,
        "proxylessnas.LatencyTable.save",
        """
        import proxylessnas as pl
        def write_old(p):
            pl.LatencyTable({"a": 1.0}).save(p)
        def write_new(p):
            pl.LatencyTable({f"k{i}": 1.0 for i in range(200)}).save(p)
        def valid(p):
            assert list(pl.LatencyTable.load(p).entries) == ["a"]
        """,
        name="lut.json",
    )
    c.error("proxylessnas.median_timer", "n_runs=0", lambda: pl.median_timer(0), r"n_runs")
    c.error("proxylessnas.median_timer", "n_warmup=-1", lambda: pl.median_timer(5, -1), r"n_warmup")
    # the search
    api = "proxylessnas.ProxylessSearch"
    S = lambda **k: pl.ProxylessSearch(net(), **k)  # noqa: E731
    hp(c, api, S, "arch_every", [0, 1.5])
    hp(c, api, S, "arch_start_epoch", [-1])
    hp(c, api, S, "warmup_epochs", [-1, True])
    hp(c, api, S, "warmup_lr", [0.0, NAN])
    hp(c, api, S, "w_lr", [-1.0, INF])
    hp(c, api, S, "w_lr_min", [-1.0, NAN])
    hp(c, api, S, "arch_lr", [0.0])
    hp(c, api, S, "label_smoothing", [1.0, -0.1, NAN])
    hp(c, api, S, "binary_mode", ["one"])
    hp(c, api, S, "momentum", [-0.1, 1.5])
    hp(c, api, S, "wd", [-1.0])
    hp(c, api, S, "grad_clip", [0.0, -1.0, NAN])
    hp(c, api, S, "arch_betas", [(1.5, 0.9), (0.5,)], r"arch_betas|beta")
    hp(c, api, S, "rl_batch_size", [0])
    hp(c, api, S, "arch_algo", ["ppo"])
    c.error(api, "lut without input_size", lambda: S(lut=pl.LatencyTable({})), r"input_size")
    c.error(api, "a plain nn.Linear", lambda: pl.ProxylessSearch(nn.Linear(2, 2)), r"ProxylessSuperNet")
    c.error(
        api,
        "w_optimizer over all parameters",
        lambda: (lambda m: pl.ProxylessSearch(m, w_optimizer=torch.optim.SGD(m.parameters(), lr=0.1)))(net()),
        r"w_optimizer",
    )
    api = "proxylessnas.ProxylessSearch.fit"
    fit = lambda t=B, v=B, e=1, **k: S(arch_every=1, arch_start_epoch=0).fit(t, v, e, **k)  # noqa: E731
    c.error(api, "epochs=0", lambda: fit(e=0), r"epochs")
    c.error(api, "epochs=1.5", lambda: fit(e=1.5), r"epochs")
    c.error(api, "resume without a path", lambda: fit(resume=True), r"resume=True needs checkpoint_path")
    c.error(api, "empty valid_loader", lambda: fit(v=[]), r"valid_loader is empty")
    c.error(api, "empty train_loader", lambda: fit(t=[]), r"train_loader")
    c.error(
        api,
        "NaN in the training images",
        lambda: fit(t=TensorLoader(with_nan(x), y)),
        r"train_loader.*non-finite",
    )
    c.error(
        api, "inf in a validation batch", lambda: fit(v=[(with_nan(x, INF), y)]), r"valid_loader.*non-finite"
    )
    c.error(api, "an empty batch", lambda: fit(t=[(x[:0], y[:0])]), r"empty")
    c.error(api, "labels out of range (10 classes)", lambda: fit(t=[(x, y + 10)]), r"label|class|target|y")
    c.error(api, "float64 images", lambda: fit(t=[(x.double(), y)]), DTYPE)
    c.error(api, "x and y of different lengths", lambda: fit(t=[(x, y[:3])]), r"length|size|batch|y")
    c.error(api, "unknown keyword", lambda: fit(shuffle=True), r"unexpected keyword|shuffle")

    def ckpt(damage: Callable[[str], None], other: Any = None) -> Any:
        with tempfile.TemporaryDirectory() as d:
            ck = os.path.join(d, "search.ckpt")
            fit(checkpoint_path=ck)
            damage(ck)
            s = other or S(arch_every=1, arch_start_epoch=0)
            return s.fit(B, B, 2, checkpoint_path=ck, resume=True)

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
        r"not a proxylessnas search checkpoint",
    )
    c.error(
        api,
        "checkpoint of another super-net",
        lambda: ckpt(lambda p: None, other=pl.ProxylessSearch(net(candidates=("k3_e3", "k5_e3")))),
        r"does not fit this search",
    )
    failed_write(
        c,
        "proxylessnas.ProxylessSearch.fit(checkpoint_path=...)",
        """
        import torch, proxylessnas as pl
        B = [(torch.randn(4, 1, 8, 8), torch.randint(0, 10, (4,)))]
        def run(p, e):
            torch.manual_seed(0)
            pl.ProxylessSearch(pl.ProxylessSuperNet.tiny()).fit(B, B, e, checkpoint_path=p, resume=True)
        def write_old(p):
            run(p, 1)
        def write_new(p):
            run(p, 2)
        def valid(p):
            assert torch.load(p, weights_only=False)["epoch"] == 0
        """,
        name="search.ckpt",
        limit=8192,
    )
    api = "proxylessnas.ProxylessArchitect"
    c.error(api, "a plain nn.Linear", lambda: pl.ProxylessArchitect(nn.Linear(2, 2)), r"ProxylessSuperNet")
    c.error(api, "arch_algo='ppo'", lambda: pl.ProxylessArchitect(net(), arch_algo="ppo"), r"arch_algo")
    c.error(
        api,
        "rl_batch_size=0",
        lambda: pl.ProxylessArchitect(net(), arch_algo="rl", rl_batch_size=0),
        r"rl_batch_size",
    )
    c.error(
        api,
        "regularizer without lut",
        lambda: pl.ProxylessArchitect(net(), regularizer=pl.LatencyRegularizer(ref=80.0)),
        r"lut|input_size",
    )
    c.error(
        "proxylessnas.saved_tensor_bytes", "fn not callable", lambda: pl.saved_tensor_bytes(3), r"fn|callable"
    )
    c.error("proxylessnas.reproduce.memory.Config", "ns=(2,)", lambda: memory.Config(ns=(2,)), r"memory\.ns")
    c.error(
        "proxylessnas.reproduce.search.Config",
        "betas=(0.3, 1.0)",
        lambda: search.Config(betas=(0.3, 1.0)),
        r"search\.betas",
    )
