"""GPU checks (run by .ci/gpu with only torch, numpy and pytest installed)."""

import pytest
import torch

import lssl


@pytest.mark.gpu
def test_gpu_device_placement_and_cpu_agreement():
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.manual_seed(0)
    layer = lssl.LSSL(d_model=8, d_state=16, learn_A="shared", learn_dt=True)
    u = torch.randn(2, 64, 8)
    y_cpu, _ = layer(u)
    layer.cuda()
    assert all(t.is_cuda for t in list(layer.parameters()) + list(layer.buffers()))
    y_gpu, _ = layer(u.cuda())
    assert y_gpu.is_cuda
    torch.testing.assert_close(y_gpu.cpu(), y_cpu, atol=1e-4, rtol=1e-4)
    y_rec, _ = layer(u.cuda(), mode="recurrent")
    torch.testing.assert_close(y_rec, y_gpu, atol=1e-3, rtol=1e-3)
    with torch.no_grad():
        assert layer.eval().krylov_matrix(64).is_cuda


@pytest.mark.gpu
def test_gpu_bf16_autocast_finite_long_sequence():
    layer = lssl.LSSL(d_model=16, d_state=32, learn_A="fixed", learn_dt=False).cuda()
    u = torch.randn(2, 16000, 16, device="cuda")
    y32, _ = layer(u)
    with torch.autocast("cuda", dtype=torch.bfloat16):
        yb, _ = layer(u)
    assert torch.isfinite(yb).all()
    assert ((yb.float() - y32).norm() / y32.norm()).item() < 2e-2


@pytest.mark.gpu
def test_gpu_timed_step_full_scale():
    import time

    layer = lssl.LSSL(d_model=256, d_state=128, channels=2, learn_A="fixed", learn_dt=False).cuda()
    u = torch.randn(8, 16000, 256, device="cuda", requires_grad=True)
    torch.cuda.reset_peak_memory_stats()
    y, _ = layer(u)
    y.float().square().mean().backward()
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    y, _ = layer(u)
    y.float().square().mean().backward()
    torch.cuda.synchronize()
    dt = time.perf_counter() - t0
    peak = torch.cuda.max_memory_allocated() / 2**30
    print(f"LSSL-f SC-Raw size fwd+bwd: {dt * 1e3:.1f} ms, peak {peak:.2f} GiB")
    assert torch.isfinite(y).all() and dt < 30
