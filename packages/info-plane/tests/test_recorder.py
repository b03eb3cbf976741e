"""Hooks leave the model alone; recordings happen at the right time; the ensemble is exactly separate nets."""

import functools

import numpy as np
import pytest
import torch
from torch import nn

import info_plane as ip

D = ip.ib_12bit(seed=0)


def test_hooks_removed_and_outputs_unchanged():
    net = ip.ib_network(seed=0)
    before = net(D.X)
    rec = ip.InfoPlaneRecorder(net, D.X, D.y, epochs=[0, 2])
    assert list(rec.layers) == ["1", "3", "5", "7", "9", "11"]  # 5 tanh + softmax
    assert rec(0) is not None and rec(1) is None
    assert all(not m._forward_hooks for m in net.modules())
    assert torch.equal(net(D.X), before)
    assert net.training  # mode restored


def test_recorded_activity_is_the_layer_output():
    net = ip.ib_network(seed=1)
    rec = ip.ActivationRecorder(net, D.X, layers={"h3": net[5]}, keep=True)
    acts = rec.record(0)
    assert torch.allclose(acts["h3"], net[:6](D.X))
    assert rec.activations[0]["h3"].dtype == torch.float16


def test_epoch_zero_is_before_the_first_update():
    net = ip.ib_network(seed=2)
    first = {}
    rec = ip.ActivationRecorder(net, D.X, epochs=[0], on_record=lambda e, a: first.update(a))
    expected = net[:2](D.X).clone()
    ip.train_ib(net, D, epochs=1, recorder=rec)
    assert torch.allclose(first["1"], expected)
    assert not torch.allclose(net[:2](D.X), expected)


def test_recording_does_not_change_training():
    a, b = ip.ib_network(seed=3), ip.ib_network(seed=3)
    ip.train_ib(a, D, epochs=3, seed=5)
    rec = ip.InfoPlaneRecorder(b, D.X, D.y, epochs=[0, 1, 2, 3])
    ip.train_ib(b, D, epochs=3, seed=5, recorder=rec)
    for pa, pb in zip(a.parameters(), b.parameters(), strict=True):
        assert torch.equal(pa, pb)
    h = rec.history["bin"]["11"]
    assert h["epochs"].tolist() == [0, 1, 2, 3] and h["ixt"].shape == (4,)


def test_ensemble_members_are_separate_networks():
    seeds = [3, 4]
    ens = ip.IBEnsemble(seeds=seeds, activation=["tanh", "relu"]).double()
    x = torch.randn(2, 16, 12, dtype=torch.float64)
    y = torch.randint(0, 2, (2, 16))
    ip.ib_loss(ens(x), y).backward()
    for m, (seed, act) in enumerate(zip(seeds, ["tanh", "relu"], strict=True)):
        net = ip.ib_network(seed=seed, activation=act).double()
        out = net(x[m])
        assert torch.allclose(ens(x)[m], out)
        ip.ib_loss(out, y[m]).backward()
        for i, lin in enumerate(ens.linears):
            assert torch.allclose(lin.weight.grad[m], net[2 * i].weight.grad.T)
            assert torch.allclose(lin.bias.grad[m, 0], net[2 * i].bias.grad)


def test_ensemble_recorder_vectorises_over_members():
    ens = ip.IBEnsemble(seeds=[0, 1, 2])
    rec = ip.InfoPlaneRecorder(ens, D.X, D.y, sample_dim=1, epochs=[0])
    rec(0)
    h = rec.history["bin"]
    assert list(h) == [f"activations.{i}" for i in range(6)]
    assert h["activations.0"]["ixt"].shape == (1, 3)
    for m in range(3):
        net = ip.ib_network(seed=m)
        ixt, ity = ip.bin_mi(net[:6](D.X), D.y)
        assert h["activations.2"]["ixt"][0, m] == pytest.approx(float(ixt), abs=1e-12)
        assert h["activations.2"]["ity"][0, m] == pytest.approx(float(ity), abs=1e-12)


def test_resume_is_exact(tmp_path):
    def run(epochs, ckpt):
        net = ip.IBEnsemble(seeds=[0, 1])
        rec = ip.InfoPlaneRecorder(net, D.X, D.y, sample_dim=1, epochs=[0, 1, 2, 3, 5])
        snr = ip.GradientSNR({"w": net.linears[0].weight}, epochs=[1, 4], member_dim=0)
        out = ip.train_ib(net, D, epochs=epochs, recorder=rec, snr=snr, seed=9, checkpoint=ckpt)
        return net, rec, snr, out

    net_a, rec_a, snr_a, _ = run(6, None)
    ckpt = tmp_path / "ckpt.pt"
    run(3, ckpt)  # "interrupted" after 3 epochs (checkpoint written at the end)
    net_b, rec_b, snr_b, _ = run(6, ckpt)  # resumes at epoch 3
    for pa, pb in zip(net_a.parameters(), net_b.parameters(), strict=True):
        assert torch.equal(pa, pb)
    ha, hb = rec_a.history["bin"], rec_b.history["bin"]
    for layer in ha:
        assert ha[layer]["epochs"].tolist() == hb[layer]["epochs"].tolist() == [0, 1, 2, 3, 5]
        np.testing.assert_array_equal(ha[layer]["ixt"], hb[layer]["ixt"])
    np.testing.assert_array_equal(snr_a.history["w"]["snr"], snr_b.history["w"]["snr"])
    assert not list(tmp_path.glob(".*tmp"))  # atomic: no temporary file left


def test_gradient_snr_against_a_naive_loop():
    net = ip.ib_network(seed=0)
    snr = ip.GradientSNR({"w": net[0].weight})
    grads = []
    snr.begin_epoch(0)
    for b in range(4):
        net.zero_grad()
        ip.ib_loss(net(D.X[b * 100 : (b + 1) * 100]), D.y[b * 100 : (b + 1) * 100]).backward()
        snr.accumulate()
        grads.append(net[0].weight.grad.double().clone())
    snr.end_epoch()
    g = torch.stack(grads)
    h = snr.history["w"]
    assert h["mean_norm"][0] == pytest.approx(float(g.mean(0).norm()), rel=1e-12)
    assert h["std_norm"][0] == pytest.approx(float(g.std(0, unbiased=False).norm()), rel=1e-9)
    assert h["snr"][0] == pytest.approx(h["mean_norm"][0] / h["std_norm"][0])


def test_member_activation_and_auto_layers():
    act = ip.MemberActivation(["tanh", "relu", "tanh"])
    x = torch.randn(3, 4, 5)
    out = act(x)
    assert torch.allclose(out[0], torch.tanh(x[0]))
    assert torch.allclose(out[1], torch.relu(x[1]))
    mixed = ip.IBEnsemble(seeds=[0, 1, 2], activation=["tanh", "relu", "tanh"])
    assert len(ip.activation_modules(mixed)) == 6  # not the tanh/relu inside each MemberActivation


def test_log_epochs_matches_the_official_grid():
    ep = ip.log_epochs(8000, 400)
    assert ep[0] == 0 and ep[-1] == 7999 and ep == sorted(set(ep))
    assert len(ip.log_epochs(8000, 200)) == 152


def test_custom_estimators_and_subsets():
    net = ip.ib_network(activation="relu", seed=0)
    est = {"adaptive": functools.partial(ip.bin_mi, lo=0.0, hi=None), "kde": ip.kde_mi}
    rec = ip.InfoPlaneRecorder(net, D.X[:256], D.y[:256], estimators=est, estimator_epochs={"kde": [1]})
    rec(0)
    rec(1)
    h = rec.history
    assert h["adaptive"]["1"]["epochs"].tolist() == [0, 1]
    assert h["kde"]["1"]["epochs"].tolist() == [1]


def test_functional_model_layers():
    class Functional(nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b = nn.Linear(12, 4), nn.Linear(4, 2)

        def forward(self, x):
            return self.b(torch.tanh(self.a(x)))

    model = Functional()
    rec = ip.ActivationRecorder(model, D.X, layers=[model.a, model.b])
    acts = rec.record(0)
    assert set(acts) == {"a", "b"} and acts["a"].shape == (4096, 4)
