"""The DDP helpers: two gloo processes on half-batches give the single-process full-batch gradients."""

import os
import socket

import pytest
import torch
import torch.multiprocessing as mp

from paperzoo_shared import dist as pz_dist


def test_single_process_fallbacks(monkeypatch, tmp_path):
    for var in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR"):
        monkeypatch.delenv(var, raising=False)
    assert pz_dist.world() == (0, 1, 0)
    rank, world, device = pz_dist.init_distributed()
    assert (rank, world) == (0, 1) and not pz_dist.is_distributed()
    assert pz_dist.is_main()
    t = torch.tensor([1.0, 3.0])
    torch.testing.assert_close(pz_dist.all_reduce_mean(t), t)
    assert pz_dist.write_on_main(tmp_path / "a.txt", "hi") and (tmp_path / "a.txt").read_text() == "hi"
    sampler = pz_dist.distributed_sampler(list(range(10)), shuffle=True, seed=3)
    assert sorted(sampler) == list(range(10))


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _model():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))


def _data():
    g = torch.Generator().manual_seed(1)
    return torch.randn(16, 4, generator=g), torch.randn(16, 1, generator=g)


def _worker(rank, world, port, out_dir):
    os.environ.update(
        RANK=str(rank),
        WORLD_SIZE=str(world),
        LOCAL_RANK=str(rank),
        MASTER_ADDR="127.0.0.1",
        MASTER_PORT=str(port),
        OMP_NUM_THREADS="1",
    )
    torch.set_num_threads(1)
    r, w, device = pz_dist.init_distributed(backend="gloo")
    model = torch.nn.parallel.DistributedDataParallel(_model())
    X, y = _data()
    part = slice(r * 8, (r + 1) * 8)
    loss = torch.nn.functional.mse_loss(model(X[part]), y[part])
    loss.backward()
    grads = torch.cat([p.grad.flatten() for p in model.parameters()])
    mean_loss = pz_dist.all_reduce_mean(loss.detach())
    torch.save(
        {"grads": grads, "loss": mean_loss, "is_main": pz_dist.is_main()}, os.path.join(out_dir, f"{r}.pt")
    )
    pz_dist.cleanup()


@pytest.mark.dist
def test_ddp_gradients_equal_full_batch(tmp_path):
    mp.spawn(_worker, args=(2, _free_port(), str(tmp_path)), nprocs=2, join=True)
    model = _model()
    X, y = _data()
    loss = torch.nn.functional.mse_loss(model(X), y)
    loss.backward()
    full = torch.cat([p.grad.flatten() for p in model.parameters()])
    r0, r1 = (torch.load(tmp_path / f"{r}.pt") for r in (0, 1))
    torch.testing.assert_close(r0["grads"], full, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(r1["grads"], full, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(r0["loss"], loss.detach(), rtol=1e-5, atol=1e-6)
    assert r0["is_main"] and not r1["is_main"]
