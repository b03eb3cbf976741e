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
