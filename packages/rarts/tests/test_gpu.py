"""GPU checks (run on a GPU machine with torch, numpy, pytest and the sources on PYTHONPATH)."""

import time

import pytest
import torch

dc = pytest.importorskip("darts_core")
rarts = pytest.importorskip("rarts")


def _setup(device, dtype=torch.float32, n=64):
    torch.manual_seed(0)
    model = dc.Supernet(dc.nb_digits_space(), C=8, layers=1, in_channels=1).to(device, dtype)
    # draw on the CPU, then move: the CUDA generator gives a different stream for the same seed
    x = torch.randn(2 * n, 1, 8, 8, dtype=dtype).to(device)
    t = torch.randint(0, 10, (2 * n,)).to(device)
    return model, (x[:n], t[:n]), (x[n:], t[n:])


@pytest.mark.gpu
def test_step_on_cuda_places_both_networks():
    model, tb, vb = _setup("cuda")
    r = rarts.RARTS(model)
    out = r.step(tb, vb)
    assert all(t.device.type == "cuda" for t in r.architect.y.values())
    assert all(b.device.type == "cuda" for b in r.architect.y_buffers.values())
    assert all(v == v for v in out.values())


@pytest.mark.gpu
def test_model_moved_after_construction():
    model, tb, vb = _setup("cpu")
    r = rarts.RARTS(model)
    model.to("cuda")
    r.step((tb[0].cuda(), tb[1].cuda()), (vb[0].cuda(), vb[1].cuda()))
    assert all(t.device.type == "cuda" for t in r.architect.y.values())


@pytest.mark.gpu
def test_cpu_and_cuda_agree_float64():
    outs = []
    for device in ("cpu", "cuda"):
        model, tb, vb = _setup(device, torch.float64)
        r = rarts.RARTS(model, arch_lr=1e-2)
        for _ in range(2):
            r.step(tb, vb)
        outs.append(
            [a.detach().cpu() for a in model.arch_parameters()]
            + [t.detach().cpu() for t in r.architect.y.values()]
        )
    for a, b in zip(*outs, strict=True):
        torch.testing.assert_close(a, b, rtol=1e-6, atol=1e-8)


@pytest.mark.gpu
def test_bf16_autocast_step_is_finite():
    model, tb, vb = _setup("cuda")
    r = rarts.RARTS(model)
    with torch.autocast("cuda", dtype=torch.bfloat16):
        out = r.step(tb, vb)
    assert all(torch.isfinite(torch.tensor(v)) for v in out.values())
    assert all(torch.isfinite(a).all() for a in model.arch_parameters())


@pytest.mark.gpu
def test_timed_iteration_darts_space_full_scale():
    """One RARTS iteration at DARTS' search scale (C=16, 8 cells, 32x32, batch 64) against second-order DARTS:
    time and peak memory."""
    from rarts.reproduce.cost import Config, darts_iteration, rarts_iteration

    x = torch.randn(128, 3, 32, 32, device="cuda")
    t = torch.randint(0, 10, (128,), device="cuda")
    tb, vb = (x[:64], t[:64]), (x[64:], t[64:])
    res = {}
    for name in ("DARTS-2nd", "DARTS-1st", "RARTS"):
        torch.manual_seed(0)
        model = dc.Supernet(dc.DARTS_SPACE, C=16, layers=8, in_channels=3).to("cuda")
        cfg = Config(batch_size=64)
        it = (
            rarts_iteration("exact", model, cfg)
            if name == "RARTS"
            else darts_iteration(2 if name == "DARTS-2nd" else 1, model, cfg)
        )
        it(tb, vb)
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        start = time.perf_counter()
        it(tb, vb)
        torch.cuda.synchronize()
        res[name] = (time.perf_counter() - start, torch.cuda.max_memory_allocated() / 2**20)
        del model, it
        torch.cuda.empty_cache()
    for name, (s, mb) in res.items():
        print(f"{name}: {s * 1e3:.1f} ms / iteration, peak {mb:.0f} MiB")
    assert all(s > 0 for s, _ in res.values())
