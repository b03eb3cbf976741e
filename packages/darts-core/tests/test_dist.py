"""Two gloo processes on half batches give the same α and w gradients as one process on the full batch."""

import os
import socket

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn.functional as F

import darts_core as dc


def _model():
    torch.manual_seed(0)
    model = dc.Supernet(dc.nb_digits_space(), C=4, layers=1, in_channels=1).double()
    model.eval()  # running-stat BN: per-sample forward, so half-batch means average to the full-batch mean
    return model


def _data():
    g = torch.Generator().manual_seed(0)
    return torch.randn(8, 1, 6, 6, generator=g, dtype=torch.float64), torch.randint(0, 10, (8,), generator=g)


def _grads(model, x, y):
    arc = dc.Architect(model, order=1)
    g_alpha, _ = arc.arch_gradient((x, y), (x, y), 0.025, None)
    g_alpha = dc.sync_gradients(g_alpha, model.arch_parameters())
    params = model.weight_parameters()
    g_w = dc.sync_gradients(
        torch.autograd.grad(F.cross_entropy(model(x), y), params, allow_unused=True), params
    )
    # explicit weights: α takes no part in the loss -> zero gradient, no failure
    w = {k: v.detach() for k, v in model.arch_weights().items()}
    g_unused = dc.sync_gradients(
        torch.autograd.grad(F.cross_entropy(model(x, w), y), model.arch_parameters(), allow_unused=True),
        model.arch_parameters(),
    )
    return g_alpha, g_w, g_unused


def _worker(rank, world, port, out):
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    dist.init_process_group("gloo", rank=rank, world_size=world)
    torch.set_num_threads(1)
    x, y = _data()
    half = len(x) // world
    g_alpha, g_w, g_unused = _grads(
        _model(), x[rank * half : (rank + 1) * half], y[rank * half : (rank + 1) * half]
    )
    if rank == 0:
        torch.save({"alpha": g_alpha, "w": g_w, "unused": g_unused}, out)
    dist.destroy_process_group()


@pytest.mark.dist
def test_two_gloo_processes_match_full_batch(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = tmp_path / "grads.pt"
    mp.spawn(_worker, args=(2, port, str(out)), nprocs=2, join=True)
    got = torch.load(out)
    x, y = _data()
    g_alpha, g_w, _ = _grads(_model(), x, y)
    torch.testing.assert_close(got["alpha"][0], g_alpha[0])
    for a, b in zip(got["w"], g_w, strict=True):
        torch.testing.assert_close(a, b)
    assert all(float(g.abs().sum()) == 0.0 for g in got["unused"])
