import pytest
import torch

import fbnet


@pytest.mark.gpu
def test_cuda_supernet_step_and_lut():
    space = fbnet.FBNetSpace.tiny()
    lut = fbnet.LatencyTable.measure(space, device="cuda", batch_size=32, n_runs=5, n_warmup=2)
    assert lut.device.startswith("cuda")
    net = fbnet.FBNetSuperNet(space, lut).cuda()
    x = torch.randn(64, 1, 8, 8, device="cuda")
    y = torch.randint(0, 10, (64,), device="cuda")
    logits, lat = net(x, 1.0, generator=torch.Generator().manual_seed(0))
    fbnet.FBNetLoss(ref_latency=float(lat) * 1.5 + 2)(logits, y, lat).backward()
    assert net.theta.grad is not None and torch.isfinite(net.theta.grad).all()
    cpu = fbnet.FBNetSuperNet(space, lut)
    cpu.load_state_dict({k: v.cpu() for k, v in net.state_dict().items()})
    net.eval(), cpu.eval()
    m = torch.softmax(cpu.theta, -1)
    with torch.no_grad():
        torch.testing.assert_close(
            net.forward_with_mask(x, m.cuda())[0].cpu(),
            cpu.forward_with_mask(x.cpu(), m)[0],
            atol=1e-4,
            rtol=1e-4,
        )


@pytest.mark.gpu
def test_cuda_second_order_theta_gradient_matches_cpu():
    from fbnet.unrolled import FBNetArchitect

    space = fbnet.FBNetSpace.tiny()
    lut = fbnet.LatencyTable.measure(space, n_runs=1, n_warmup=0)
    torch.manual_seed(0)
    cpu = fbnet.FBNetSuperNet(space, lut).double()
    with torch.no_grad():
        cpu.theta.normal_(0, 0.5)
    gpu = fbnet.FBNetSuperNet(space, lut).double().cuda()
    gpu.load_state_dict({k: v.cuda() for k, v in cpu.state_dict().items()})
    g = torch.Generator().manual_seed(1)
    train = (
        torch.randn(8, 1, 8, 8, generator=g, dtype=torch.float64),
        torch.randint(0, 10, (8,), generator=g),
    )
    val = (torch.randn(4, 1, 8, 8, generator=g, dtype=torch.float64), torch.randint(0, 10, (4,), generator=g))
    loss = fbnet.FBNetLoss(0.2, 0.6, ref_latency=1000.0)
    g_cpu, _ = FBNetArchitect(cpu, loss, tau=2.0, hvp="exact").arch_gradient(train, val, 0.1, None)
    cuda = lambda b: (b[0].cuda(), b[1].cuda())  # noqa: E731
    g_gpu, _ = FBNetArchitect(gpu, loss, tau=2.0, hvp="exact").arch_gradient(
        cuda(train), cuda(val), 0.1, None
    )
    torch.testing.assert_close(g_gpu[0].cpu(), g_cpu[0], rtol=1e-6, atol=1e-9)
    search = fbnet.FBNetSearch(gpu, fbnet.FBNetLoss(beta=0.0), sampler="softmax", order=2, warmup_epochs=0)
    from darts_core import TensorLoader

    x, y = torch.randn(32, 1, 8, 8), torch.randint(0, 10, (32,))
    search.net.float()
    res = search.fit(TensorLoader(x, y, batch_size=16), TensorLoader(x, y, batch_size=16), 1)
    assert torch.isfinite(res.theta).all() and res.theta.device.type == "cuda"
