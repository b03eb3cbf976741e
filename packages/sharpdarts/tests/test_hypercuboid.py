"""HyperCuboid: softmax groups, pruning threshold, path extraction against brute force, path networks."""

import pytest
import torch

from sharpdarts.hypercuboid import (
    HyperCuboidNet,
    HyperCuboidPath,
    PathNetwork,
    all_paths,
    handmade_path,
    widest_path,
)


def small(**kw):
    torch.manual_seed(0)
    args = dict(channels=(2, 4), layers=2, in_channels=1, head_channels=4, num_classes=3) | kw
    return HyperCuboidNet(**args)


def test_softmax_groups_sum_to_one_and_alpha_shape():
    net = small(channels=(2, 4, 8), layers=4)
    assert net.alpha.shape == (2, 2, 3, 3, 2)
    w = net.stage_weights()
    torch.testing.assert_close(w.sum(dim=(1, 2, 3)), torch.ones(4))
    aw = net.arch_weights()["hypercuboid"]
    assert aw.shape == net.alpha.shape
    torch.testing.assert_close(aw[1, 0], w[1])  # stage 1 = pair 0, stride 2


def test_forward_backward_and_interface():
    net = small()
    out = net(torch.randn(5, 1, 8, 8))
    assert out.shape == (5, 3)
    out.sum().backward()
    assert net.alpha.grad is not None and net.alpha.grad.abs().sum() > 0
    names = {n for n, _ in net.named_weight_parameters()}
    assert "alpha" not in names and len(net.weight_parameters()) == len(names)
    assert net.arch_parameters() == [net.alpha]


def test_best_path_is_the_brute_force_maximum():
    for seed, (chans, layers) in enumerate([((2, 4, 8), 4), ((2, 4), 4), ((2, 4, 8, 16), 2)]):
        net = small(channels=chans, layers=layers)
        with torch.no_grad():
            net.alpha.copy_(torch.randn_like(net.alpha, generator=torch.Generator().manual_seed(seed)))
        best = max(all_paths(chans, layers), key=net.path_weight)
        got = net.best_path()
        assert net.path_weight(got) == pytest.approx(net.path_weight(best), abs=1e-12)
        assert got == best


def test_pruning_threshold_and_always_apply_ops():
    calls = []
    for always in (False, True):
        net = small(always_apply_ops=always)
        N = net.group_size
        with torch.no_grad():
            net.alpha.zero_()
            net.alpha[0, 0, 0, 1, 1] = -30.0  # stage 0 entry (C_in 2, C_out 4, sharpsep): weight << 1/N²
        assert float(net.stage_weights().detach()[0, 0, 1, 1]) <= 1 / N**2
        hit = []
        op = net.stages[0][0 * 2 * 2 + 1 * 2 + 1]
        h = op.register_forward_hook(lambda *a: hit.append(1))
        net(torch.randn(2, 1, 8, 8))
        h.remove()
        calls.append(len(hit))
    assert calls == [0, 1]


def test_max_w_is_over_the_whole_group():
    net = small(weighting="max_w")
    w = net.stage_weights().reshape(2, -1)
    g = net._gate(w)
    torch.testing.assert_close(g, 1 - w.max(-1, keepdim=True).values + w)
    assert torch.equal(g.max(-1).values, torch.ones(2))


def test_handmade_widest_and_path_network():
    hm = handmade_path((4, 8, 16), 4)
    assert hm.channels == (4, 4, 8, 8, 16) and hm.ops == ("sharpsep", "pool", "sharpsep", "pool")
    assert widest_path((4, 8, 16), 4).channels == (16,) * 5
    assert str(hm) == "4-sharpsep/1->4-pool/2->8-sharpsep/1->8-pool/2->16"
    net = PathNetwork(hm, num_classes=10, in_channels=1, head_channels=8)
    assert net(torch.randn(3, 1, 8, 8)).shape == (3, 10)
    assert sum(1 for _ in all_paths((4, 8), 2)) == 2**3 * 2**2
    sup = small()
    assert isinstance(sup.path_network(), PathNetwork)
    assert isinstance(sup.genotype(), HyperCuboidPath)
