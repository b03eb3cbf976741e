"""GPU checks (``bash .ci/gpu``): device placement, CPU/GPU agreement, bf16 autocast, a timed full-scale step."""

import time

import pytest
import torch
import torch.nn.functional as F

import darts_core as dc


def _synthetic(n=32, size=8, channels=1, classes=10, device="cpu", dtype=torch.float32):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(n, channels, size, size, generator=g).to(device=device, dtype=dtype)
    y = torch.randint(0, classes, (n,), generator=g).to(device)
    return x, y


# ------------------------------------------------------------------------------------------- GPU


@pytest.mark.gpu
def test_gpu_device_placement_and_search_steps():
    dev = torch.device("cuda")
    model = dc.Supernet(dc.nb_digits_space(), C=8, layers=1, in_channels=1).to(dev)
    assert all(p.device.type == "cuda" for p in model.parameters())
    x, y = _synthetic(device=dev)
    loader = dc.TensorLoader(x, y, batch_size=16, seed=0)
    for order in (1, 2):
        res = dc.search(model, loader, loader, 1, order=order)
        assert res.history[0]["weights"]["normal"].device.type == "cpu"  # history is kept on the host
        assert all(a.device.type == "cuda" for a in model.arch_parameters())
    assert model.arch_weights()["normal"].device.type == "cuda"
    net = dc.DiscreteNetwork(res.genotype, dc.nb_digits_space(), C=8, layers=1, in_channels=1).to(dev)
    out = dc.train_discrete(net, loader, loader, 1)
    assert 0.0 <= out["test_acc"] <= 1.0


@pytest.mark.gpu
def test_gpu_matches_cpu_first_and_second_order_float64():
    torch.manual_seed(0)
    cpu = dc.Supernet(dc.nb_digits_space(), C=4, layers=1, in_channels=1).double()
    gpu = dc.Supernet(dc.nb_digits_space(), C=4, layers=1, in_channels=1).double().cuda()
    gpu.load_state_dict(cpu.state_dict())
    tr, va = _synthetic(dtype=torch.float64), _synthetic(n=16, dtype=torch.float64)
    torch.testing.assert_close(gpu(tr[0].cuda()).cpu(), cpu(tr[0]))
    for order in (1, 2):
        gc, _ = dc.Architect(cpu, order=order).arch_gradient(tr, va, 0.025, None)
        gg, _ = dc.Architect(gpu, order=order).arch_gradient(
            (tr[0].cuda(), tr[1].cuda()), (va[0].cuda(), va[1].cuda()), 0.025, None
        )
        torch.testing.assert_close(gg[0].cpu(), gc[0], rtol=1e-6, atol=1e-9)


@pytest.mark.gpu
def test_gpu_bf16_autocast_weight_step_finite():
    dev = torch.device("cuda")
    model = dc.Supernet(dc.DARTS_SPACE, C=8, layers=5, in_channels=3).to(dev)
    x, y = _synthetic(n=16, size=16, channels=3, device=dev)
    arc = dc.Architect(model, order=1)
    arc.step((x, y), (x, y), 0.025, None)  # α step in fp32
    with torch.autocast("cuda", dtype=torch.bfloat16):
        loss = F.cross_entropy(model(x), y)
    loss.backward()
    assert torch.isfinite(loss)
    assert all(torch.isfinite(p.grad).all() for p in model.weight_parameters() if p.grad is not None)
    assert all(a.dtype == torch.float32 for a in model.arch_parameters())


@pytest.mark.gpu
def test_gpu_timed_step_full_scale():
    """DARTS space, C=16, 8 cells, batch 64, 32x32 (the paper's search network): second order ~2-3x first."""
    dev = torch.device("cuda")
    torch.manual_seed(0)
    model = dc.Supernet(dc.DARTS_SPACE, C=16, layers=8, in_channels=3).to(dev)
    x, y = _synthetic(n=64, size=32, channels=3, device=dev)
    w_opt = torch.optim.SGD(model.weight_parameters(), lr=0.025, momentum=0.9, weight_decay=3e-4)
    times = {}
    torch.cuda.reset_peak_memory_stats()
    for order in (1, 2):
        arc = dc.Architect(model, order=order)

        def step(arc=arc):
            arc.step((x, y), (x, y), 0.025, w_opt)
            w_opt.zero_grad()
            F.cross_entropy(model(x), y).backward()
            w_opt.step()

        for _ in range(2):
            step()
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        for _ in range(5):
            step()
        torch.cuda.synchronize()
        times[order] = (time.perf_counter() - t0) / 5
    ratio = times[2] / times[1]
    print(
        f"first order {1 / times[1]:.2f} it/s, second order {1 / times[2]:.2f} it/s, ratio {ratio:.2f}, peak {torch.cuda.max_memory_allocated() / 2**20:.0f} MiB"
    )
    assert 1.2 < ratio < 6.0
