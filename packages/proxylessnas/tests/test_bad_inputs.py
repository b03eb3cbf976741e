"""Bad input gets a clear error naming the argument."""

import pytest
import torch
from torch import nn

import proxylessnas as pl
from darts_core import TensorLoader
from proxylessnas.reproduce import memory, search


def test_two_mode_needs_two_candidates():
    with pytest.raises(ValueError, match="mode='two'"):
        pl.BinaryMixedOp([nn.Identity()], mode="two")
    pl.BinaryMixedOp([nn.Identity()], mode="full_v2")  # fine


def test_bad_mode_and_names():
    with pytest.raises(ValueError, match="mode"):
        pl.BinaryMixedOp([nn.Identity(), nn.Identity()], mode="three")
    with pytest.raises(ValueError, match="names"):
        pl.BinaryMixedOp([nn.Identity(), nn.Identity()], names=["a"])


def test_lut_missing_key_names_it():
    net = pl.ProxylessSuperNet.tiny()
    with pytest.raises(KeyError, match="expanded_conv"):
        net.expected_latency(pl.LatencyTable({}), 8)


def test_mul_log_units():
    with pytest.raises(ValueError, match="unit"):
        pl.LatencyRegularizer("mul_log", ref=0.08)
    reg = pl.LatencyRegularizer("mul_log", ref=80.0)
    with pytest.raises(ValueError, match="E\\[LAT\\] > 1"):
        reg(torch.tensor(1.0), torch.tensor(0.5))
    with pytest.raises(ValueError, match="finite"):
        reg(torch.tensor(1.0), torch.tensor(float("nan")))
    with pytest.raises(ValueError, match="kind"):
        pl.LatencyRegularizer("mul", ref=80.0)


def test_optimizers_with_the_wrong_parameters():
    net = pl.ProxylessSuperNet.tiny()
    with pytest.raises(ValueError, match="w_optimizer"):
        pl.ProxylessSearch(net, w_optimizer=torch.optim.SGD(net.parameters(), lr=0.1))
    with pytest.raises(ValueError, match="arch_optimizer"):
        pl.ProxylessSearch(net, arch_optimizer=torch.optim.Adam(net.parameters()))


def test_zero_without_identity_shortcut():
    with pytest.raises(ValueError, match="identity shortcut"):
        pl.make_candidate("zero", 16, 24, 2)
    with pytest.raises(ValueError, match="stride"):
        pl.Zero(stride=2)


def test_search_arguments():
    net = pl.ProxylessSuperNet.tiny()
    with pytest.raises(ValueError, match="arch_every"):
        pl.ProxylessSearch(net, arch_every=0)
    with pytest.raises(ValueError, match="binary_mode"):
        pl.ProxylessSearch(net, binary_mode="one")
    with pytest.raises(TypeError, match="DDP|ProxylessSuperNet"):
        pl.ProxylessSearch(nn.Linear(2, 2))
    x, y = torch.randn(8, 1, 8, 8), torch.randint(0, 10, (8,))
    s = pl.ProxylessSearch(net)
    with pytest.raises(ValueError, match="valid_loader is empty"):
        s.fit(TensorLoader(x, y, batch_size=4), TensorLoader(x[:0], y[:0], batch_size=4), 1)
    with pytest.raises(ValueError, match="NaN|finite|nan"):
        s.fit(TensorLoader(x * float("nan"), y, batch_size=4), TensorLoader(x, y, batch_size=4), 1)


def test_ops_and_supernet_arguments():
    with pytest.raises(ValueError, match="unknown candidate"):
        pl.make_candidate("conv3", 8, 8, 1)
    with pytest.raises(ValueError, match="kernel"):
        pl.MBConv(8, 8, kernel=4)
    with pytest.raises(ValueError, match="candidates"):
        pl.ProxylessSuperNet(stages=[(8, 1, 1)], candidates=["zero"])
    net = pl.ProxylessSuperNet.tiny()
    with pytest.raises(ValueError, match="choices"):
        net.derive(["k3_e3"])
    with pytest.raises(ValueError, match="stage"):
        net.set_stage("train")


def test_study_configs_are_validated():
    with pytest.raises(ValueError, match="memory.ns"):
        memory.Config(ns=(2,))
    with pytest.raises(ValueError, match="search.betas"):
        search.Config(betas=(0.3, 1.0))


def test_input_type_dtype_channels_and_device_are_checked():
    net = pl.ProxylessSuperNet.tiny()
    x = torch.randn(2, 1, 8, 8)
    with pytest.raises(TypeError, match=r"dtype torch.float64 differs.*\.to\("):
        net(x.double())
    with pytest.raises(TypeError, match="torch.Tensor"):
        net(None)
    with pytest.raises(ValueError, match=r"\(N, 1, H, W\)"):
        net(x[0])
    with pytest.raises(ValueError, match=r"\(N, 1, H, W\)"):
        net.derive()(x[None])
    with pytest.raises(ValueError, match="device cpu but the model is on meta"):
        net.to("meta")(x)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cpu_input_to_cuda_supernet_names_the_device():
    with pytest.raises(ValueError, match="device cpu but the model is on cuda"):
        pl.ProxylessSuperNet.tiny().cuda()(torch.randn(2, 1, 8, 8))


@pytest.mark.parametrize(
    ("kw", "match"),
    [({"stem_stride": 3}, "stem_stride"), ({"first_block": 0}, "first_block"), ({"head": 0}, "head"),
     ({"bn_eps": 0.0}, "bn_eps"), ({"bn_momentum": 1.5}, "bn_momentum")],
)  # fmt: skip
def test_supernet_options(kw, match):
    with pytest.raises(ValueError, match=match):
        pl.ProxylessSuperNet(stages=[(8, 1, 1)], in_channels=1, num_classes=10, stem=8, **kw)


@pytest.mark.parametrize(
    ("kw", "match"),
    [({"w_lr": float("inf")}, "w_lr"), ({"w_lr_min": -1.0}, "w_lr_min"), ({"momentum": 1.5}, "momentum"),
     ({"wd": -1.0}, "wd"), ({"grad_clip": 0.0}, "grad_clip"), ({"grad_clip": float("nan")}, "grad_clip")],
)  # fmt: skip
def test_search_options(kw, match):
    with pytest.raises(ValueError, match=match):
        pl.ProxylessSearch(pl.ProxylessSuperNet.tiny(), **kw)


def test_other_arguments_and_labels(tmp_path):
    with pytest.raises(ValueError, match="init_std"):
        pl.BinaryMixedOp([nn.Identity(), nn.Identity()], init_std=float("inf"))
    with pytest.raises(ValueError, match="input_size"):
        pl.ProxylessSuperNet.tiny().expected_latency(pl.LatencyTable({}), 0)
    (tmp_path / "bad.json").write_text("nope")
    with pytest.raises(ValueError, match="bad.json"):
        pl.LatencyTable.load(tmp_path / "bad.json")
    x, y = torch.randn(4, 1, 8, 8), torch.randint(0, 10, (4,))
    s = pl.ProxylessSearch(pl.ProxylessSuperNet.tiny())
    with pytest.raises(ValueError, match="class labels outside"):
        s.fit([(x, y + 10)], [(x, y)], 1)
    with pytest.raises(ValueError, match="class labels outside"):
        s.fit(TensorLoader(x, y + 10), TensorLoader(x, y), 1)
