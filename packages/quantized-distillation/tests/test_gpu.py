"""CUDA checks (skipped without CUDA; ``.ci/gpu`` runs them with REQUIRE_CUDA=1)."""

import time

import pytest
import torch
from torch import nn

import quantized_distillation as qd

pytestmark = pytest.mark.gpu


def test_quantizer_cuda_matches_cpu():
    w = torch.randn(10_000)
    torch.testing.assert_close(qd.uniform_quantize(w.cuda(), bits=2).cpu(), qd.uniform_quantize(w, bits=2))
    p = torch.tensor([0.0, 0.3, 0.7, 1.0])
    a, ca = qd.nonuniform_quantize(w.cuda(), p.cuda())
    b, cb = qd.nonuniform_quantize(w, p)
    torch.testing.assert_close(a.cpu(), b)
    assert torch.equal(ca.cpu(), cb)


def test_bf16_weights_use_float32_stats():
    w = torch.randn(4096, device="cuda").to(torch.bfloat16)
    q = qd.uniform_quantize(w, bits=4)
    assert q.dtype == torch.bfloat16
    torch.testing.assert_close(q, qd.uniform_quantize(w.float(), bits=4).to(torch.bfloat16), rtol=0, atol=0)


def test_amp_training_step_with_grad_scaler():
    model = nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 10)).cuda()
    qd.quantize_model_(model, bits=4)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, nesterov=True)
    scaler = torch.amp.GradScaler("cuda")
    x, y, t = (
        torch.randn(128, 64, device="cuda"),
        torch.randint(0, 10, (128,), device="cuda"),
        torch.randn(128, 10, device="cuda"),
    )
    for _ in range(3):
        with torch.autocast("cuda", dtype=torch.bfloat16):
            loss = qd.distillation_loss(model(x).float(), t, y)
        opt.zero_grad()
        scaler.scale(loss).backward()
        scaler.step(opt)
        scaler.update()
    assert torch.isfinite(loss)
    assert all(torch.isfinite(p).all() for p in model.parameters())


def test_dq_step_on_cuda_and_deterministic():
    def run():
        torch.manual_seed(0)
        m = nn.Sequential(nn.Linear(32, 64), nn.ReLU(), nn.Linear(64, 5)).cuda()
        x, y = torch.randn(256, 32, device="cuda"), torch.randint(0, 5, (256,), device="cuda")
        qd.fit_quantization_points(m, x, y, bits=2, epochs=2, batch_size=64, lr=1e-3)
        return m(x)

    assert torch.equal(run(), run())


def test_qd_step_overhead_resnet_sized():
    """One timed QD step vs a plain step on a ~11M-parameter MLP at batch 256 (reported, loose bound)."""

    def make():
        torch.manual_seed(0)
        return nn.Sequential(
            nn.Linear(2048, 2048), nn.ReLU(), nn.Linear(2048, 2048), nn.ReLU(), nn.Linear(2048, 1000)
        ).cuda()

    x, y = torch.randn(256, 2048, device="cuda"), torch.randint(0, 1000, (256,), device="cuda")

    def timed(model):
        opt = torch.optim.SGD(model.parameters(), lr=1e-3)
        for _ in range(3):
            qd.quantized_distillation_step(model, x, y, opt)
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        for _ in range(20):
            qd.quantized_distillation_step(model, x, y, opt)
        torch.cuda.synchronize()
        return time.perf_counter() - t0

    plain = timed(make())
    quant = make()
    qd.quantize_model_(quant, bits=4)
    ratio = timed(quant) / plain
    print(f"QD step / plain step: {ratio:.2f}x")
    assert ratio < 5.0
