"""GPU checks (run by .ci/gpu with only torch, numpy and pytest): placement of every submodule and normaliser
buffer, CPU/GPU agreement, bf16 autocast, one timed training step at the full (Darcy 211x211) scale."""

import time

import pytest
import torch

import mgno


@pytest.mark.gpu
def test_everything_moves_with_to_and_trains_on_cuda():
    x, y = torch.randn(8, 1, 33, 33), torch.randn(8, 1, 33, 33)
    model = mgno.Normalized(
        mgno.MgNO.navier_stokes(width=8, n_layers=2),
        mgno.PointwiseGaussianNormalizer().fit(x),
        mgno.GlobalGaussianNormalizer().fit(y),
    ).cuda()
    assert all(t.is_cuda for t in list(model.parameters()) + list(model.buffers()))
    hist = mgno.fit(model, (x.cuda(), y.cuda()), (x.cuda(), y.cuda()), epochs=2, batch_size=4)
    assert len(hist.val_l2) == 2 and model(x.cuda()).is_cuda


@pytest.mark.gpu
@pytest.mark.parametrize("mode", ["zeros", "circular", "reflect"])
def test_cpu_and_gpu_agree(mode):
    torch.manual_seed(0)
    model = mgno.MgNO(width=8, n_layers=2, padding_mode=mode).eval()
    x = torch.randn(4, 1, 65, 47)
    cpu = model(x)
    torch.backends.cudnn.allow_tf32 = False
    gpu = model.cuda()(x.cuda()).cpu()
    torch.testing.assert_close(gpu, cpu, atol=1e-4, rtol=1e-3)


@pytest.mark.gpu
def test_bf16_autocast_is_close_to_fp32():
    torch.manual_seed(0)
    model = mgno.MgNO.darcy(width=16).cuda()
    x = torch.randn(4, 1, 85, 85, device="cuda")
    ref = model(x)
    with torch.autocast("cuda", dtype=torch.bfloat16):
        out = model(x)
    assert torch.isfinite(out.float()).all()
    assert mgno.rel_l2(out.float(), ref).item() < 5e-2


@pytest.mark.gpu
def test_one_training_step_at_the_full_darcy_scale():
    """The paper's Darcy-smooth model (width 24, 5 layers, 6 levels) at 211x211, batch 8: one timed step."""
    torch.manual_seed(0)
    model = mgno.MgNO.darcy_smooth().cuda()
    opt = torch.optim.Adam(model.parameters(), lr=5e-4)
    x, y = torch.randn(8, 1, 211, 211, device="cuda"), torch.randn(8, 1, 211, 211, device="cuda")
    for _ in range(2):  # warm-up
        opt.zero_grad()
        mgno.rel_h1(model(x), y).backward()
        opt.step()
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    t0 = time.perf_counter()
    opt.zero_grad()
    loss = mgno.rel_h1(model(x), y)
    loss.backward()
    opt.step()
    torch.cuda.synchronize()
    dt = time.perf_counter() - t0
    peak = torch.cuda.max_memory_allocated() / 2**20
    print(
        f"Darcy 211x211 batch 8: {dt * 1e3:.1f} ms/step, peak {peak:.0f} MiB, {mgno.count_parameters(model)} params"
    )
    assert torch.isfinite(loss) and dt < 5.0
