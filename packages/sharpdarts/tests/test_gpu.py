"""GPU checks (skipped without CUDA; fail instead with REQUIRE_CUDA=1): placement, CPU/GPU agreement, bf16 autocast
under channels_last, the scheduler's state dict with a CUDA optimiser, and one timed HyperCuboid step."""

import time

import pytest
import torch

from sharpdarts import CosinePowerAnnealingLR, MaxWWeighting, SharpSepConv, sharp_darts_space
from sharpdarts.hypercuboid import HyperCuboidNet

pytestmark = pytest.mark.gpu


def test_sharp_sep_conv_cuda_matches_cpu_and_bf16_channels_last():
    torch.manual_seed(0)
    op = SharpSepConv(16, 32, 5, 1, 2, c_mid_mult=4).eval()
    x = torch.randn(8, 16, 32, 32)
    ref = op(x)
    opc = op.to("cuda")
    torch.testing.assert_close(opc(x.cuda()).cpu(), ref, rtol=1e-4, atol=1e-4)
    xl = x.cuda().to(memory_format=torch.channels_last)
    opc = opc.to(memory_format=torch.channels_last)
    with torch.autocast("cuda", dtype=torch.bfloat16):
        out = opc(xl)
    assert torch.isfinite(out).all()
    torch.testing.assert_close(out.float().cpu(), ref, rtol=0.1, atol=0.1)


def test_supernet_max_w_on_cuda():
    from darts_core import Supernet

    net = Supernet(sharp_darts_space(), C=8, layers=5, weighting=MaxWWeighting()).cuda()
    out = net(torch.randn(4, 3, 32, 32, device="cuda"))
    out.sum().backward()
    assert out.device.type == "cuda" and all(a.grad is not None for a in net.arch_parameters())


def test_scheduler_state_dict_with_cuda_optimizer():
    p = torch.zeros(3, device="cuda", requires_grad=True)
    opt = torch.optim.SGD([p], lr=0.1)
    sched = CosinePowerAnnealingLR(opt, 50, min_lr=1e-4, exponent_order=2, warmup_epochs=5)
    for _ in range(7):
        opt.step()
        sched.step()
    state = sched.state_dict()
    opt2 = torch.optim.SGD([p], lr=0.1)
    sched2 = CosinePowerAnnealingLR(opt2, 50, min_lr=1e-4, exponent_order=2, warmup_epochs=5)
    sched2.load_state_dict(state)
    assert sched2.get_last_lr() == sched.get_last_lr()


def test_hypercuboid_full_scale_step_and_memory():
    torch.manual_seed(0)
    net = HyperCuboidNet(channels=(16, 32, 64, 128, 256), layers=4, head_channels=256).cuda()
    x = torch.randn(32, 3, 32, 32, device="cuda")
    torch.cuda.reset_peak_memory_stats()
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    net(x).sum().backward()
    torch.cuda.synchronize()
    dt = time.perf_counter() - t0
    peak = torch.cuda.max_memory_allocated() / 2**20
    print(f"HyperCuboid 16..256, 4 stages, batch 32: step {dt:.3f} s, peak {peak:.0f} MiB")
    assert torch.isfinite(net.alpha.grad).all()
