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
