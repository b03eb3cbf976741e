"""GPU checks (run by .ci/gpu with only torch, numpy and pytest): placement, CPU/GPU agreement, bf16 autocast
with a float64 constraint, experts spread over devices, one timed step at diffusion-sorption scale."""

import time

import pytest
import torch

from physics_moe import (
    DiffusionSorption1D,
    FisherKPP1D,
    FNO2d,
    HardConstraint,
    MoEHardConstraint,
    operator_input,
)
from physics_moe.data import fisher_kpp_dataset


def _inputs(device, nx=64, nt=32, B=2, N=8):
    d = fisher_kpp_dataset(B, nx=nx, nt=nt, seed=0)
    torch.manual_seed(0)
    b = torch.rand(B, nt, nx, N, dtype=torch.float64)
    return b.to(device), d["t"].to(device), d["x"].to(device), d["u0"].to(device), d["bc"].to(device)


@pytest.mark.gpu
def test_solver_tensors_live_on_the_basis_device_in_float64():
    b, t, x, u0, bc = _inputs("cuda")
    out = MoEHardConstraint(FisherKPP1D(), n_samples=64).eval()(b.requires_grad_(), t, x, u0, bc)
    assert out.u.is_cuda and out.w.is_cuda and out.w.dtype == torch.float64 and out.info.n_iter.is_cuda
    out.u.sum().backward()
    assert b.grad is not None and b.grad.is_cuda


@pytest.mark.gpu
def test_cpu_and_gpu_agree():
    layer = MoEHardConstraint(FisherKPP1D(), n_samples=64, rtol=1e-10, atol=1e-10).eval()
    cpu = layer(*_inputs("cpu")).u
    gpu = layer(*_inputs("cuda")).u.cpu()
    torch.testing.assert_close(gpu, cpu, atol=1e-7, rtol=1e-7)


@pytest.mark.gpu
def test_bf16_backbone_with_float64_constraint_is_finite():
    d = fisher_kpp_dataset(2, seed=0)
    t, x, u0, bc = (d[k].cuda() for k in ("t", "x", "u0", "bc"))
    net = FNO2d(out_channels=8).cuda()
    layer = MoEHardConstraint(FisherKPP1D(), n_samples=128)
    with torch.autocast("cuda", dtype=torch.bfloat16):
        basis = net(operator_input(t, x, u0.float()))
    out = layer(basis, t, x, u0, bc)
    out.u.float().square().mean().backward()
    assert torch.isfinite(out.u.float()).all() and out.w.dtype == torch.float64
    assert all(torch.isfinite(p.grad).all() for p in net.parameters() if p.grad is not None)


@pytest.mark.gpu
def test_experts_spread_over_devices_give_the_same_result():
    devs = [f"cuda:{i}" for i in range(torch.cuda.device_count())] * (
        2 if torch.cuda.device_count() == 1 else 1
    )
    b, t, x, u0, bc = _inputs("cuda")
    one = MoEHardConstraint(FisherKPP1D(), n_samples=64).eval()(b, t, x, u0, bc)
    many = MoEHardConstraint(FisherKPP1D(), n_samples=64, expert_devices=devs).eval()(b, t, x, u0, bc)
    torch.testing.assert_close(one.u, many.u, atol=1e-10, rtol=0)


@pytest.mark.gpu
def test_one_timed_step_at_diffusion_sorption_scale():
    # the paper's DS setting: 101 x 1024 grid, N = 16, batch 6, K = 4, m = 20k per expert; PI-HC with 20k in total
    B, nt, nx, N = 6, 101, 1024, 16
    torch.manual_seed(0)
    b = (0.1 * torch.rand(B, nt, nx, N, device="cuda", dtype=torch.float64)).requires_grad_()
    t = torch.linspace(0, 500, nt, device="cuda", dtype=torch.float64)
    x = torch.linspace(0, 1, nx, device="cuda", dtype=torch.float64)
    u0 = torch.full((B, nx), 0.01, device="cuda", dtype=torch.float64)
    times = {}
    for name, layer in (
        ("PI-HC", HardConstraint(DiffusionSorption1D(), n_samples=20_000, max_iter=50)),
        (
            "PI-HC-MoE",
            MoEHardConstraint(DiffusionSorption1D(), n_samples=20_000, experts=(1, 4), max_iter=50),
        ),
    ):
        for _ in range(2):
            torch.cuda.synchronize()
            t0 = time.perf_counter()
            out = layer(b, t, x, u0)
            out.u.square().mean().backward()
            torch.cuda.synchronize()
            times[name] = time.perf_counter() - t0
        assert torch.isfinite(out.u).all()
    print(f"one step at DS scale: {times} (peak {torch.cuda.max_memory_allocated() / 2**30:.2f} GiB)")
