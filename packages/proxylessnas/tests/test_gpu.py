"""GPU checks (``bash .ci/gpu``): device placement, CPU/GPU agreement, bf16 autocast, memory flat in N, a timed
step at the full scale."""

import time

import pytest
import torch
import torch.nn.functional as F

import proxylessnas as pl


@pytest.mark.gpu
def test_device_placement_and_search_steps():
    torch.manual_seed(0)
    net = pl.ProxylessSuperNet.tiny(mode="full_v2").cuda()
    s = pl.ProxylessSearch(net, seed=0)
    x, y = torch.randn(16, 1, 8, 8, device="cuda"), torch.randint(0, 10, (16,), device="cuda")
    s.weight_step((x, y), 0.05)
    s.architect.step((x, y), (x, y))
    assert all(a.is_cuda and torch.isfinite(a).all() for a in net.arch_parameters())


@pytest.mark.gpu
def test_gpu_matches_cpu_gate_gradients():
    torch.manual_seed(0)
    cpu = pl.ProxylessSuperNet.tiny(mode="full_v2").double().eval()
    gpu = pl.ProxylessSuperNet.tiny(mode="full_v2").double().eval().cuda()
    gpu.load_state_dict(cpu.state_dict())
    x, y = torch.randn(4, 1, 8, 8, dtype=torch.float64), torch.randint(0, 10, (4,))
    out = []
    for net, dev in ((cpu, "cpu"), (gpu, "cuda")):
        net.set_gates([0] * len(net.edges))
        with net.stage("arch"):
            loss = F.cross_entropy(net(x.to(dev)), y.to(dev))
        out.append(torch.autograd.grad(loss, [e.gates for e in net.edges]))
    for a, b in zip(*out, strict=True):
        torch.testing.assert_close(b.cpu(), a)


@pytest.mark.gpu
def test_bf16_autocast_keeps_alpha_fp32_and_finite():
    torch.manual_seed(0)
    net = pl.ProxylessSuperNet.tiny(mode="two").cuda()
    arch = pl.ProxylessArchitect(net)
    x, y = torch.randn(16, 1, 8, 8, device="cuda"), torch.randint(0, 10, (16,), device="cuda")
    with torch.autocast("cuda", dtype=torch.bfloat16):
        arch.step((x, y), (x, y))
    assert all(a.dtype == torch.float32 and torch.isfinite(a).all() for a in net.arch_parameters())


@pytest.mark.gpu
def test_cuda_memory_flat_in_n_and_timed_full_scale_step():
    x, y = torch.randn(128, 1, 64, 64, device="cuda"), torch.randint(0, 10, (128,), device="cuda")
    peaks = {}
    for n in (2, 9):
        torch.manual_seed(0)
        net = pl.ProxylessSuperNet.tiny(pl.MBCONV_CANDIDATES[:n]).cuda()
        net.set_gates(["k3_e3"] * len(net.edges))

        def step(net=net):
            with net.stage("weights"):
                F.cross_entropy(net(x), y).backward()

        step()
        peaks[n] = pl.cuda_peak_bytes(step)
    assert peaks[9] <= 1.1 * peaks[2]
    s = pl.ProxylessSearch(pl.ProxylessSuperNet.tiny(mode="full_v2").cuda())
    s.weight_step((x, y), 0.05)
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    s.architect.step((x, y), (x, y))
    torch.cuda.synchronize()
    assert time.perf_counter() - t0 < 5.0
