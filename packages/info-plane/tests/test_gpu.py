"""GPU checks (skipped without CUDA; ``.ci/gpu`` runs them with REQUIRE_CUDA=1)."""

import time

import pytest
import torch

import info_plane as ip

pytestmark = pytest.mark.gpu
D = ip.ib_12bit()


def test_bin_and_kde_agree_with_cpu():
    torch.manual_seed(0)
    h = torch.tanh(torch.randn(2, 4096, 5))
    for fn in (ip.bin_mi, ip.kde_mi):
        cpu = fn(h.double(), D.y)
        gpu = fn(h.cuda(), D.y.cuda())
        assert gpu[0].device.type == "cuda"
        assert torch.allclose(gpu[0].cpu(), cpu[0], rtol=0, atol=1e-4)
        assert torch.allclose(gpu[1].cpu(), cpu[1], rtol=0, atol=1e-4)


def test_recorder_and_training_on_device():
    ens = ip.IBEnsemble(seeds=[0, 1], activation=["tanh", "relu"]).cuda()
    rec = ip.InfoPlaneRecorder(ens, D.X.cuda(), D.y.cuda(), sample_dim=1, epochs=[0, 2])
    acts = rec.capture()
    assert all(a.device.type == "cuda" for a in acts.values())
    out = ip.train_ib(ens, D, epochs=3, recorder=rec)
    assert out["test_acc"].shape == (2,)
    h = rec.history["bin"]["activations.4"]
    assert h["epochs"].tolist() == [0, 2] and h["ixt"].shape == (2, 2)


def test_bf16_autocast_forward_is_finite():
    ens = ip.IBEnsemble(seeds=[0, 1]).cuda()
    with torch.autocast("cuda", dtype=torch.bfloat16):
        out = ens(D.X.cuda())
    assert torch.isfinite(out).all()


def test_kde_at_mnist_scale_is_fast():
    """Spec: KDE of a 10k-point, 20-unit layer in under a second on an H100."""
    h = torch.randn(10_000, 20, device="cuda").tanh()
    y = torch.randint(0, 10, (10_000,), device="cuda")
    ip.kde_mi(h, y)
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    ixt, ity = ip.kde_mi(h, y)
    torch.cuda.synchronize()
    assert time.perf_counter() - t0 < 2.0
    assert 0 <= float(ity) <= float(ixt) + 1e-9
