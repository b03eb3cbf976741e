"""Bad input gets a clear error naming the argument."""

import math
import warnings

import pytest
import torch

import fbnet
from fbnet.latency import LatencyStats
from fbnet.reproduce import latency_search


def _lut(space):
    return fbnet.LatencyTable.measure(space, n_runs=1, n_warmup=0)


def test_log_latency_below_one_is_refused():
    logits, y = torch.randn(2, 10), torch.tensor([0, 1])
    with pytest.raises(ValueError, match="log\\(latency\\) <= 0.*ref_latency"):
        fbnet.FBNetLoss(beta=0.6)(logits, y, torch.tensor(0.5))
    with pytest.raises(ValueError, match="ref_latency"):
        fbnet.FBNetLoss(ref_latency=1.0)
    with pytest.raises(ValueError, match="alpha"):
        fbnet.FBNetLoss(alpha=0.0)
    with pytest.raises(ValueError, match="beta"):
        fbnet.FBNetLoss(beta=-1.0)
    with pytest.raises(ValueError, match="not finite"):
        fbnet.FBNetLoss()(logits, y, torch.tensor(math.nan))


def test_missing_lut_entry_names_layer_and_op():
    small, big = fbnet.FBNetSpace.tiny(), fbnet.FBNetSpace.tiny(input_size=16)
    lut = fbnet.LatencyTable({k: v for k, v in _lut(small).entries.items()})
    with pytest.raises(KeyError, match="layer 0 op 'k3_e1'"):
        fbnet.FBNetSuperNet(big, lut)


def test_tau_and_candidates_and_inputs():
    with pytest.raises(ValueError, match="tau"):
        fbnet.gumbel_softmax_mask(torch.zeros(3, 9), 0.0)
    with pytest.raises(ValueError, match="unknown candidate 'k7_e6'.*valid names"):
        fbnet.make_block("k7_e6", 16, 16, 1)
    with pytest.raises(ValueError, match="unknown candidate"):
        fbnet.FBNetSpace.tiny(candidates=("k3_e1", "bogus"))
    space = fbnet.FBNetSpace.tiny()
    net = fbnet.FBNetSuperNet(space, _lut(space))
    with pytest.raises(ValueError, match="shape \\(N, 1, H, W\\)"):
        net(torch.randn(2, 3, 8, 8), 1.0)
    with pytest.raises(ValueError, match="smaller than the total stride"):
        net(torch.randn(2, 1, 2, 2), 1.0)
    with pytest.raises(ValueError, match="sampler"):
        net(torch.randn(2, 1, 8, 8), 1.0, sampler="hard")
    with pytest.raises(ValueError, match="one op per TBS layer"):
        fbnet.Architecture(("skip",)).build(space)


def test_split_search_and_device_warning(tmp_path):
    x, y = torch.randn(10, 1, 8, 8), torch.zeros(10, dtype=torch.long)
    with pytest.raises(ValueError, match="theta-split"):
        fbnet.split_search_data(x, y, 1.0)
    lut = fbnet.LatencyTable({"a": LatencyStats(1.0, 1.0, 1.0)}, device="cpu")
    lut.save(tmp_path / "l.json")
    with pytest.warns(UserWarning, match="measured on cpu"):
        fbnet.LatencyTable.load(tmp_path / "l.json", target_device="cuda")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fbnet.LatencyTable.load(tmp_path / "l.json", target_device="cpu")


def test_search_options_are_checked():
    space = fbnet.FBNetSpace.tiny()
    net = fbnet.FBNetSuperNet(space, _lut(space))
    with pytest.raises(ValueError, match="tau0"):
        fbnet.FBNetSearch(net, tau0=0.0)
    with pytest.raises(ValueError, match="tau_decay"):
        fbnet.FBNetSearch(net, tau_decay=1.5)
    with pytest.raises(TypeError, match="FBNetSuperNet"):
        fbnet.FBNetSearch(torch.nn.Linear(2, 2))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="blocks|stride|kernel"):
        fbnet.IRFBlock(16, 16, 4, 1, 1)


def test_study_config_is_validated():
    with pytest.raises(ValueError, match="latency_search.betas"):
        latency_search.Config(betas=(0.6,))
    with pytest.raises(ValueError, match="warmup_epochs"):
        latency_search.Config(warmup_epochs=20)


def test_nan_data_is_refused_before_search():
    from darts_core import TensorLoader

    space = fbnet.FBNetSpace.tiny()
    net = fbnet.FBNetSuperNet(space, _lut(space))
    x, y = torch.randn(8, 1, 8, 8), torch.zeros(8, dtype=torch.long)
    x[3, 0, 0, 0] = math.nan
    with pytest.raises(ValueError, match="w_loader holds non-finite"):
        fbnet.FBNetSearch(net).fit(TensorLoader(x, y), TensorLoader(x[:4] * 0, y[:4]), 1)
    with pytest.raises(ValueError, match="w_loader batch of epoch 0"):
        fbnet.FBNetSearch(net).fit([(x, y)], [(x * 0, y)], 1)


def _net():
    space = fbnet.FBNetSpace.tiny()
    return fbnet.FBNetSuperNet(space, _lut(space))


def test_input_type_dtype_and_device_are_checked():
    net = _net()
    x = torch.randn(2, 1, 8, 8)
    with pytest.raises(TypeError, match=r"dtype torch.float64 differs.*\.to\("):
        net(x.double(), 1.0)
    with pytest.raises(TypeError, match="torch.Tensor"):
        net(x.tolist(), 1.0)
    chain = fbnet.Architecture(("skip",) * 7).build(net.space)
    with pytest.raises(TypeError, match="dtype"):
        chain(x.long())
    with pytest.raises(ValueError, match="device cpu but the model is on meta"):
        net.space.check_input(x, torch.empty(1, device="meta"))


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cpu_input_to_cuda_supernet_names_the_device():
    with pytest.raises(ValueError, match="device cpu but the model is on cuda"):
        _net().cuda()(torch.randn(2, 1, 8, 8), 1.0)


def test_supernet_and_helpers_check_arguments():
    space = fbnet.FBNetSpace.tiny()
    with pytest.raises(ValueError, match="theta_init"):
        fbnet.FBNetSuperNet(space, _lut(space), theta_init=math.nan)
    with pytest.raises(TypeError, match="lut"):
        fbnet.FBNetSuperNet(space, {})
    with pytest.raises(ValueError, match="mask must have shape"):
        _net().expected_latency(torch.zeros(len(space.candidates)))
    with pytest.raises(ValueError, match="noise"):
        fbnet.gumbel_softmax_mask(torch.zeros(3, 9), 1.0, noise=torch.zeros(9))
    with pytest.raises(ValueError, match="groups"):
        fbnet.channel_shuffle(torch.zeros(1, 6, 2, 2), 4)
    with pytest.raises(TypeError, match="ops"):
        fbnet.Architecture("skip")
    with pytest.raises(ValueError, match="JSON"):
        fbnet.Architecture.from_json("skip")
    with pytest.raises(ValueError, match="same length"):
        fbnet.split_search_data(torch.zeros(10, 1), torch.zeros(8))
    with pytest.raises(TypeError, match="fn"):
        fbnet.measure_latency(3, (1, 2))


def test_search_hyperparameters_and_empty_loaders():
    for kw, match in (({"w_momentum": 1.5}, "w_momentum"), ({"w_wd": -1.0}, "w_wd"),
                      ({"theta_wd": -1.0}, "theta_wd"), ({"warmup_epochs": 1.5}, "warmup_epochs")):  # fmt: skip
        with pytest.raises(ValueError, match=match):
            fbnet.FBNetSearch(_net(), **kw)
    with pytest.raises(TypeError, match="loss"):
        fbnet.FBNetSearch(_net(), loss=torch.nn.functional.cross_entropy)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="theta_lr"):
        fbnet.FBNetArchitect(_net(), theta_lr=0.0)
    B = [(torch.randn(4, 1, 8, 8), torch.randint(0, 10, (4,)))]
    with pytest.raises(ValueError, match="w_loader yielded no batch"):
        fbnet.FBNetSearch(_net(), warmup_epochs=0).fit([], B, 1)
    with pytest.raises(ValueError, match="theta_loader yielded no batch"):
        fbnet.FBNetSearch(_net(), warmup_epochs=0).fit(B, [], 1)
    with pytest.raises(ValueError, match="class labels outside"):
        fbnet.FBNetSearch(_net(), warmup_epochs=0).fit([(B[0][0], B[0][1] + 10)], B, 1)


def test_bad_search_checkpoints_are_named(tmp_path):
    B = [(torch.randn(4, 1, 8, 8), torch.randint(0, 10, (4,)))]
    ck = tmp_path / "search.ckpt"
    ck.write_text("nope")
    with pytest.raises(ValueError, match="cannot read the checkpoint.*search.ckpt"):
        fbnet.FBNetSearch(_net(), warmup_epochs=0).fit(B, B, 1, checkpoint=ck)
    torch.save({"net": 1}, ck)
    with pytest.raises(ValueError, match="not an fbnet search checkpoint"):
        fbnet.FBNetSearch(_net(), warmup_epochs=0).fit(B, B, 1, checkpoint=ck)
    ck.unlink()
    fbnet.FBNetSearch(_net(), warmup_epochs=0).fit(B, B, 1, checkpoint=ck)
    s2 = fbnet.FBNetSpace.tiny(candidates=("k3_e1", "skip"))
    other = fbnet.FBNetSearch(fbnet.FBNetSuperNet(s2, _lut(s2)), warmup_epochs=0)
    with pytest.raises(ValueError, match="does not fit this search"):
        other.fit(B, B, 2, checkpoint=ck)


def test_train_network_refuses_nan_empty_and_bad_lr():
    chain = fbnet.Architecture(("skip",) * 7).build(fbnet.FBNetSpace.tiny())
    x, y = torch.randn(4, 1, 8, 8), torch.randint(0, 10, (4,))
    x[0, 0, 0, 0] = math.nan
    with pytest.raises(ValueError, match="non-finite"):
        fbnet.train_network(chain, [(x, y)], 1)
    with pytest.raises(ValueError, match="loader is empty"):
        fbnet.train_network(chain, [], 1)
    with pytest.raises(ValueError, match="lr"):
        fbnet.train_network(chain, [(x * 0, y)], 1, lr=math.nan)


def test_latency_table_arguments_and_atomic_save(tmp_path, monkeypatch):
    space = fbnet.FBNetSpace.tiny()
    lut = _lut(space)
    with pytest.raises(ValueError, match="batch_size"):
        fbnet.LatencyTable.measure(space, batch_size=0, n_runs=1)
    with pytest.raises(IndexError, match="layer must be in"):
        lut.lookup(space, 99, "skip")
    with pytest.raises(ValueError, match="one op per TBS layer"):
        lut.predict(space, ("skip",) * 3)
    (tmp_path / "bad.json").write_text("nope")
    with pytest.raises(ValueError, match="bad.json"):
        fbnet.LatencyTable.load(tmp_path / "bad.json")

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(fbnet.latency.json, "dump", boom)
    with pytest.raises(OSError, match="disk full"):
        lut.save(tmp_path / "l.json")
    assert [p.name for p in tmp_path.iterdir()] == ["bad.json"]
