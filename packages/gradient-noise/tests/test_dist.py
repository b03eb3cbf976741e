"""Under DDP every rank must add the same noise, or replicas drift apart (two gloo processes on the CPU)."""

import os
import socket

import pytest
import torch
import torch.multiprocessing as mp

import gradient_noise as gn


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _worker(rank, world, port, out_dir, mode):
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), OMP_NUM_THREADS="1")
    torch.set_num_threads(1)
    torch.distributed.init_process_group("gloo", rank=rank, world_size=world)
    torch.manual_seed(0)
    model = torch.nn.parallel.DistributedDataParallel(torch.nn.Linear(6, 3))
    torch.manual_seed(100 + rank)  # ranks' global generators differ, as in real jobs
    kwargs = {"seed": 1000 + rank} if mode == "per-rank-seed" else {}
    opt = gn.GradientNoise(torch.optim.SGD(model.parameters(), lr=0.1), eta=0.5, **kwargs)
    g = torch.Generator().manual_seed(rank)
    for _ in range(3):
        x = torch.randn(8, 6, generator=g)
        opt.zero_grad()
        model(x).pow(2).mean().backward()
        opt.step()
    flat = torch.cat([p.detach().flatten() for p in model.parameters()])
    torch.save(flat, os.path.join(out_dir, f"{mode}-{rank}.pt"))
    torch.distributed.destroy_process_group()


@pytest.mark.dist
def test_replicas_stay_identical_under_ddp(tmp_path):
    mp.spawn(_worker, args=(2, _free_port(), str(tmp_path), "default"), nprocs=2, join=True)
    r0, r1 = (torch.load(tmp_path / f"default-{r}.pt") for r in (0, 1))
    assert torch.equal(r0, r1)
    # control: different seeds per rank make the replicas diverge (so the check above can fail)
    mp.spawn(_worker, args=(2, _free_port(), str(tmp_path), "per-rank-seed"), nprocs=2, join=True)
    c0, c1 = (torch.load(tmp_path / f"per-rank-seed-{r}.pt") for r in (0, 1))
    assert not torch.allclose(c0, c1)
