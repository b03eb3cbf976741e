"""GPU checks (run on a GPU machine with torch, numpy, pytest and the sources on PYTHONPATH)."""

import time

import pytest
import torch

dc = pytest.importorskip("darts_core")
pt = pytest.importorskip("darts_pt")


def _setup(device, C=8, n=256):
    torch.manual_seed(0)
    model = dc.Supernet(dc.nb_digits_space(), C=C, layers=1, in_channels=1).to(device)
    # draw on the CPU, then move: the CUDA generator gives a different stream for the same seed
    x = torch.randn(n, 1, 8, 8).to(device)
    y = torch.randint(0, 10, (n,)).to(device)
    return model, dc.TensorLoader(x, y, batch_size=128, shuffle=False)


@pytest.mark.gpu
def test_projector_on_cuda_places_state():
    model, val = _setup("cuda")
    p = pt.Projector(model, val, val, interval_epochs=1)
    p.step()
    assert all(w.device.type == "cuda" for w in p.projected_weights().values())


@pytest.mark.gpu
def test_scores_cpu_gpu_agree(monkeypatch):
    monkeypatch.setattr(torch.backends.cudnn, "allow_tf32", False)  # TF32 convs would differ by ~1e-3
    monkeypatch.setattr(torch.backends.cuda.matmul, "allow_tf32", False)
    model, val = _setup("cpu")
    s_cpu = pt.perturbation_metrics(model, val, 1)["loss"]
    model_g, val_g = _setup("cuda")
    model_g.load_state_dict(model.state_dict())
    s_gpu = pt.perturbation_metrics(model_g, val_g, 1)["loss"]
    torch.testing.assert_close(s_cpu, s_gpu, rtol=1e-3, atol=1e-4)


@pytest.mark.gpu
def test_bf16_autocast_scores_finite_and_rank_like_fp32():
    model, val = _setup("cuda")
    s32 = pt.perturbation_metrics(model, val, 2)["loss"]
    with torch.autocast("cuda", dtype=torch.bfloat16):
        s16 = pt.perturbation_metrics(model, val, 2)["loss"]
    assert torch.isfinite(s16).all()
    assert int(torch.argmax(s16)) == int(torch.argmax(s32))


@pytest.mark.gpu
def test_timed_decision_darts_space_full_scale():
    torch.manual_seed(0)
    model = dc.Supernet(dc.DARTS_SPACE, C=16, layers=8, in_channels=3).to("cuda")
    x = torch.randn(512, 3, 32, 32, device="cuda")
    y = torch.randint(0, 10, (512,), device="cuda")
    val = dc.TensorLoader(x, y, batch_size=64, shuffle=False)
    p = pt.Projector(model, val, None, interval_epochs=0)
    torch.cuda.synchronize()
    t = time.perf_counter()
    decisions = p.step()  # 8 ops x 2 cell types
    torch.cuda.synchronize()
    assert len(decisions) == 2
    print(f"one DARTS-space decision (2 cell types, 8 ops, 512 images): {time.perf_counter() - t:.2f} s")
