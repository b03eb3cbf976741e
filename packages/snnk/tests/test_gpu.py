"""GPU checks (run on a CUDA machine with only torch, numpy and pytest: no scikit-learn, no transformers)."""

import time

import pytest
import torch
from torch import nn

import snnk


def _maps(d=32, m=64):
    return [
        snnk.URFFeatures(d, m, activation="cos", seed=0),
        snnk.URFFeatures(d, m, activation="exp", seed=0),
        snnk.ReLUFeatures(d, m, seed=0),
        snnk.MaclaurinFeatures(d, m, activation="tanh", seed=0),
    ]


@pytest.mark.gpu
def test_buffers_follow_cuda_and_outputs_stay_there():
    for f in _maps():
        f = f.cuda()
        assert all(b.is_cuda for b in f.buffers())
        x = torch.randn(4, 32, device="cuda") * 0.1
        assert f(x).is_cuda and f.forward_params(x).is_cuda
    layer = snnk.SNNKLinear(32, 16, 64, feature_map="cos", seed=0).cuda()
    assert layer(torch.randn(3, 32, device="cuda") * 0.1).device.type == "cuda"


@pytest.mark.gpu
def test_cpu_gpu_agreement_float64():
    x = torch.randn(8, 32, dtype=torch.float64) * 0.1
    w = torch.randn(5, 32, dtype=torch.float64) * 0.1
    for f in _maps():
        f = f.double()
        cpu = snnk.kernel_estimate(f, x, w)
        gpu = snnk.kernel_estimate(f.cuda(), x.cuda(), w.cuda()).cpu()
        torch.testing.assert_close(gpu, cpu, rtol=1e-9, atol=1e-9)


@pytest.mark.gpu
def test_bf16_autocast_finite_and_close():
    x = torch.randn(64, 32, device="cuda")
    x = x / x.norm(dim=1, keepdim=True)
    for fm in ("relu", "cos", "sin", "exp"):
        layer = snnk.SNNKLinear(32, 16, 256, feature_map=fm, seed=0).cuda()
        ref = layer(x)
        with torch.autocast("cuda", dtype=torch.bfloat16):
            out = layer(x)
        assert torch.isfinite(out).all(), fm
        rel = (out.float() - ref).norm() / ref.norm()
        assert rel < 2e-2, (fm, float(rel))


@pytest.mark.gpu
def test_timed_step_full_scale():
    torch.manual_seed(0)
    d, m, batch = 4096, 256, 8192
    x = torch.randn(batch, d, device="cuda") / d**0.5
    snnk_layer = snnk.SNNKLinear(d, d, m, feature_map="relu", seed=0).cuda()
    linear = nn.Linear(d, d).cuda()

    def step(mod):
        out = mod(x)
        out.float().pow(2).mean().backward()

    times = {}
    for name, mod in (("snnk", snnk_layer), ("linear", linear)):
        for _ in range(3):
            step(mod)
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        for _ in range(10):
            step(mod)
        torch.cuda.synchronize()
        times[name] = (time.perf_counter() - t0) / 10
    print(
        f"SNNKLinear(4096->4096, m=256) {times['snnk'] * 1e3:.2f} ms vs nn.Linear {times['linear'] * 1e3:.2f} ms"
    )
    assert all(t > 0 for t in times.values())


@pytest.mark.gpu
def test_kernel_estimation_large_m_on_gpu():
    g = torch.Generator().manual_seed(0)
    x = (torch.randn(16, 16, generator=g, dtype=torch.float64) / 4).cuda()
    w = (torch.randn(16, 16, generator=g, dtype=torch.float64) / 4).cuda()
    f = snnk.URFFeatures(16, 2**20, activation="cos", seed=0).double().cuda()
    est = (f(x) * f.forward_params(w)).sum(-1)
    exact = torch.cos((x * w).sum(-1))
    assert ((est - exact) ** 2).mean() < 1e-4
