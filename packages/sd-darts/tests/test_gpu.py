"""GPU checks (run by .ci/gpu on a GPU machine): placement, CPU/GPU agreement, bf16 autocast, a timed full-scale
step with K = 5 snapshots."""

import time

import pytest
import torch
import torch.nn.functional as F

import darts_core as dc
import sd_darts


def _setup(device, n=200):
    torch.manual_seed(0)
    model = dc.Supernet(dc.nb_digits_space(), C=8, layers=1, in_channels=1).to(device)
    g = torch.Generator().manual_seed(1)  # draw on the CPU, then move
    x = torch.randn(n, 1, 8, 8, generator=g).to(device)
    y = torch.randint(0, 10, (n,), generator=g).to(device)
    return model, x, y


@pytest.mark.gpu
def test_search_on_cuda_keeps_teachers_on_cuda():
    model, x, y = _setup("cuda")
    loader = dc.TensorLoader(x, y, batch_size=50, seed=0)
    res = sd_darts.sd_search(model, loader, loader, 1, k=3, w_lr=0.05, arch_lr=3e-3)
    snaps = res.architect.teacher.snapshots()
    assert len(snaps) == 3
    assert all(t.device.type == "cuda" for s in snaps for t in s.values())


@pytest.mark.gpu
def test_snapshot_on_another_device_is_moved_with_a_warning():
    model, x, _ = _setup("cpu")
    teacher = sd_darts.SnapshotTeacher(k=1)
    teacher.push(model)
    model.to("cuda")
    with pytest.warns(UserWarning, match="moved"):
        p = teacher.predict(model, x.cuda())
    assert p.device.type == "cuda"


@pytest.mark.gpu
def test_eigenvalue_cpu_gpu_agree(monkeypatch):
    monkeypatch.setattr(torch.backends.cudnn, "allow_tf32", False)
    monkeypatch.setattr(torch.backends.cuda.matmul, "allow_tf32", False)
    model, x, y = _setup("cpu")
    batches = [(x[:100], y[:100]), (x[100:], y[100:])]
    cpu = sd_darts.dominant_hessian_eigenvalue(model, batches, iters=20)
    model.to("cuda")
    gpu = sd_darts.dominant_hessian_eigenvalue(model, [(a.cuda(), b.cuda()) for a, b in batches], iters=20)
    assert abs(cpu - gpu) <= 1e-2 * abs(cpu)


@pytest.mark.gpu
def test_bf16_autocast_teacher_fp32_and_loss_finite():
    model, x, y = _setup("cuda")
    arch = sd_darts.SDArchitect(model, k=2, arch_lr=3e-3)
    arch.observe()
    arch.observe()
    with torch.autocast("cuda", dtype=torch.bfloat16):
        logits = model(x)
        p = arch.teacher_probs(x)
        loss = arch.weight_objective(logits, (x, y))
    assert p.dtype == torch.float32 and torch.isfinite(loss)
    assert float(arch.last_distill) >= 0


@pytest.mark.gpu
def test_timed_step_darts_space_full_scale_k5():
    torch.manual_seed(0)
    model = dc.Supernet(dc.DARTS_SPACE, C=16, layers=8, in_channels=3).to("cuda")
    x = torch.randn(64, 3, 32, 32, device="cuda")
    y = torch.randint(0, 10, (64,), device="cuda")
    times = {}
    for name, arch in (
        ("DARTS-1st", dc.Architect(model)),
        ("SD-DARTS K=5", sd_darts.SDArchitect(model, k=5)),
    ):
        if isinstance(arch, sd_darts.SDArchitect):
            for _ in range(5):
                arch.observe()
        opt = torch.optim.SGD(model.weight_parameters(), lr=0.025, momentum=0.9)
        base = torch.cuda.memory_allocated()
        for i in range(4):  # 1 warm-up + 3 timed
            if i == 1:
                torch.cuda.synchronize()
                t = time.perf_counter()
            arch.step((x, y), (x, y), 0.025, opt)
            loss = arch.weight_objective(model(x), (x, y))
            opt.zero_grad()
            loss.backward()
            opt.step()
        torch.cuda.synchronize()
        times[name] = (time.perf_counter() - t) / 3
        print(
            f"{name}: {times[name] * 1e3:.1f} ms/step, +{(torch.cuda.memory_allocated() - base) / 2**20:.1f} MiB"
        )
    assert torch.isfinite(F.cross_entropy(model(x), y))
    print(
        f"SD-DARTS K=5 / DARTS-1st: {times['SD-DARTS K=5'] / times['DARTS-1st']:.2f}x (spec: about 1 + K/3)"
    )
