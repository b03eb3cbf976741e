"""GPU checks (run by .ci/gpu with only torch, numpy and pytest): placement, CPU/GPU agreement, bf16
autocast, peak memory of one DT block vs back-prop, one timed step at the full (CIFAR-10 CNN) scale."""

import time

import pytest
import torch

import noprop


def cnn_dt(T=10, C=10, hidden=256, seed=0):
    torch.manual_seed(seed)
    return noprop.NoPropDT(
        num_classes=C, T=T, block_factory=lambda: noprop.DenoiseBlockCNN(3, C, C, 32, hidden=hidden)
    )


@pytest.mark.gpu
def test_buffers_follow_to_and_training_runs_on_cuda():
    model = cnn_dt(T=3, hidden=32).cuda()
    assert model.schedule.abar.is_cuda and model.embedding.weight.is_cuda and model.trained.is_cuda
    x, y = torch.randn(16, 3, 32, 32, device="cuda"), torch.arange(16, device="cuda") % 10
    model.train_block(2, x, y, epochs=1, batch_size=8, seed=0)
    assert model(x).is_cuda
    ct = noprop.NoPropCT(
        block=noprop.TimeBlockCNN(3, 10, 10, 32, hidden=32), num_classes=10, n_steps=5
    ).cuda()
    ct.fit(x, y, epochs=1, batch_size=8)
    assert ct(x).is_cuda


@pytest.mark.gpu
def test_cpu_and_gpu_agree():
    model = cnn_dt(T=3, hidden=32).eval()
    x = torch.randn(8, 3, 32, 32)
    model.trained.fill_(True)
    cpu = model(x)
    gpu = model.cuda()(x.cuda()).cpu()
    torch.testing.assert_close(gpu, cpu, atol=1e-3, rtol=1e-3)


@pytest.mark.gpu
def test_bf16_autocast_is_finite():
    model = cnn_dt(T=3, hidden=32).cuda()
    x, y = torch.randn(16, 3, 32, 32, device="cuda"), torch.arange(16, device="cuda") % 10
    with torch.autocast("cuda", dtype=torch.bfloat16):
        loss, _ = model.block_loss(x, y, 3)
        model.trained.fill_(True)
        logits = model(x)
    assert loss.dtype == torch.float32 and torch.isfinite(loss)
    loss.backward()
    assert torch.isfinite(logits.float()).all()


@pytest.mark.gpu
def test_peak_memory_one_block_vs_backprop():
    model = cnn_dt(T=10).cuda()
    x, y = torch.randn(128, 3, 32, 32, device="cuda"), torch.arange(128, device="cuda") % 10
    dt = noprop.training_step_memory(lambda: model.block_loss(x, y, 5)[0], model)
    chain = noprop.BackpropClassifier(noprop.EndToEndChain(model), num_classes=10)
    bp = noprop.training_step_memory(lambda: chain.loss(x, y), chain)
    assert dt.cuda_peak_bytes is not None and bp.cuda_peak_bytes is not None
    print(f"peak CUDA bytes per step: DT block {dt.cuda_peak_bytes}, back-prop {bp.cuda_peak_bytes}")
    assert dt.cuda_peak_bytes < 0.6 * bp.cuda_peak_bytes


@pytest.mark.gpu
def test_timed_step_at_full_scale():
    model = cnn_dt(T=10).cuda()
    model.configure_optimizers()
    x, y = torch.randn(128, 3, 32, 32, device="cuda"), torch.arange(128, device="cuda") % 10
    model.train_block(1, x, y, epochs=2, batch_size=128)  # warm-up
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    for t in range(1, 11):
        model.train_block(t, x, y, epochs=1, batch_size=128)
    torch.cuda.synchronize()
    per_step = (time.perf_counter() - t0) / 10
    print(f"one NoProp-DT block step (CIFAR-10 CNN, batch 128): {per_step * 1e3:.2f} ms")
    assert per_step < 1.0
