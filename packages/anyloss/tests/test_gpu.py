"""GPU checks (skipped without CUDA). Only torch, numpy and pytest are needed."""

import time

import pytest
import torch
import torch.nn.functional as F

import anyloss

pytestmark = pytest.mark.gpu


def _batch(n, device, dtype=torch.float32):
    g = torch.Generator(device="cpu").manual_seed(0)
    z = (torch.randn(n, generator=g) * 3).to(device=device, dtype=dtype)
    y = (torch.rand(n, generator=g) < 0.1).float().to(device)
    return z, y


def test_device_placement_and_cpu_gpu_agreement():
    z, y = _batch(4096, "cpu")
    for metric in sorted(anyloss.METRICS):
        zc = z.clone().requires_grad_()
        zg = z.cuda().requires_grad_()
        lc, lg = anyloss.anyloss(zc, y, metric), anyloss.anyloss(zg, y.cuda(), metric)
        assert lg.device.type == "cuda"
        lc.backward()
        lg.backward()
        torch.testing.assert_close(lg.cpu(), lc, atol=1e-5, rtol=1e-4)
        torch.testing.assert_close(zg.grad.cpu(), zc.grad, atol=1e-6, rtol=1e-3)
    logits = torch.randn(512, 10)
    target = torch.arange(512) % 10
    lc = anyloss.anyloss(logits, target, "f1", task="multiclass")
    lg = anyloss.anyloss(logits.cuda(), target.cuda(), "f1", task="multiclass")
    torch.testing.assert_close(lg.cpu(), lc, atol=1e-5, rtol=1e-4)


def test_bf16_autocast_finite_and_confident_error_has_gradient():
    model = torch.nn.Sequential(torch.nn.Linear(16, 64), torch.nn.ReLU(), torch.nn.Linear(64, 1)).cuda()
    x = torch.randn(2048, 16, device="cuda")
    y = (torch.rand(2048, device="cuda") < 0.1).float()
    for metric in ("f1", "balanced_accuracy", "gmean", "mcc", "accuracy"):
        model.zero_grad()
        with torch.autocast("cuda", dtype=torch.bfloat16):
            loss = anyloss.anyloss(model(x).squeeze(-1), y, metric)
        assert loss.dtype == torch.float32 and torch.isfinite(loss)
        loss.backward()
        assert all(torch.isfinite(p.grad).all() for p in model.parameters())
    z = torch.tensor([8.0, -2.0, 2.0, 2.0], device="cuda", dtype=torch.bfloat16, requires_grad=True)
    with torch.autocast("cuda", dtype=torch.bfloat16):
        anyloss.F1Loss()(z, torch.tensor([0.0, 0.0, 1.0, 1.0], device="cuda")).backward()
    assert z.grad[0].float().item() > 0


def test_no_host_sync_without_validation():
    z, y = _batch(1 << 16, "cuda")
    z.requires_grad_()
    torch.cuda.synchronize()
    torch.cuda.set_sync_debug_mode("error")
    try:
        for metric in ("f1", "balanced_accuracy", "gmean", "mcc"):
            anyloss.anyloss(z, y, metric, validate_args=False).backward()
    finally:
        torch.cuda.set_sync_debug_mode(0)
    assert torch.isfinite(z.grad).all()


def test_timed_step_at_full_scale():
    # the spec's throughput check: multiclass forward + backward at N = 1M, K = 100 (target < 5 ms on an H100)
    logits = torch.randn(1_000_000, 100, device="cuda", requires_grad=True)
    target = torch.randint(0, 100, (1_000_000,), device="cuda")

    def step():
        logits.grad = None
        anyloss.anyloss(logits, target, "f1", task="multiclass", validate_args=False).backward()

    for _ in range(3):
        step()
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(10):
        step()
    torch.cuda.synchronize()
    ms = (time.perf_counter() - t0) / 10 * 1e3
    print(f"anyloss multiclass N=1M K=100 fwd+bwd: {ms:.2f} ms on {torch.cuda.get_device_name()}")
    assert torch.isfinite(logits.grad).all()
    assert ms < 50  # generous bound (the spec's H100 target is 5 ms; the printed value is the measurement)
    # binary loss vs BCE at batch 4096 in a training step of a 3x256 MLP (reported)
    model = torch.nn.Sequential(
        torch.nn.Linear(20, 256),
        torch.nn.ReLU(),
        torch.nn.Linear(256, 256),
        torch.nn.ReLU(),
        torch.nn.Linear(256, 256),
        torch.nn.ReLU(),
        torch.nn.Linear(256, 1),
    ).cuda()
    opt = torch.optim.Adam(model.parameters())
    x = torch.randn(4096, 20, device="cuda")
    y = (torch.rand(4096, device="cuda") < 0.1).float()
    losses = {
        "bce": lambda z: F.binary_cross_entropy_with_logits(z, y),
        "anyloss_f1": lambda z: anyloss.anyloss(z, y, "f1", validate_args=False),
    }
    times = {}
    for name, fn in losses.items():
        for i in range(60):
            if i == 10:
                torch.cuda.synchronize()
                t0 = time.perf_counter()
            opt.zero_grad()
            fn(model(x).squeeze(-1)).backward()
            opt.step()
        torch.cuda.synchronize()
        times[name] = (time.perf_counter() - t0) / 50
    print(f"train step 3x256 MLP, batch 4096: AnyLoss-F1 / BCE = {times['anyloss_f1'] / times['bce']:.2f}x")
    assert times["anyloss_f1"] / times["bce"] < 3.0
