"""DDP-safe search: two gloo processes on half batches (each with its own gate generator) take the same gates,
weight step and alpha step as one process on the full batch."""

import os
import socket

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

import proxylessnas as pl


def _search(seed):
    torch.manual_seed(0)
    net = pl.ProxylessSuperNet(
        stages=[(8, 1, 1), (8, 1, 2)],
        candidates=["k3_e3", "k5_e1", "k3_e2"],
        in_channels=1,
        num_classes=3,
        stem=8,
        stem_stride=1,
        first_block=None,
        head=None,
    ).double()
    net.eval()  # running-stat BN: half-batch gradients average to the full-batch gradient
    return pl.ProxylessSearch(net, seed=seed, label_smoothing=0.0, arch_lr=0.01)


def _data():
    g = torch.Generator().manual_seed(0)
    return torch.randn(8, 1, 6, 6, generator=g, dtype=torch.float64), torch.randint(0, 3, (8,), generator=g)


def _steps(s, x, y):
    s.weight_step((x, y), 0.1)
    gates = s.net.active_architecture()
    s.architect.step((x, y), (x, y))
    return {"state": s.net.state_dict(), "gates": gates}


def _worker(rank, world, port, out):
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    dist.init_process_group("gloo", rank=rank, world_size=world)
    torch.set_num_threads(1)
    x, y = _data()
    h = len(x) // world
    res = _steps(_search(seed=rank), x[rank * h : (rank + 1) * h], y[rank * h : (rank + 1) * h])
    torch.save(res, f"{out}.{rank}")
    dist.destroy_process_group()


@pytest.mark.dist
def test_two_gloo_processes_match_full_batch(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = tmp_path / "res.pt"
    mp.spawn(_worker, args=(2, port, str(out)), nprocs=2, join=True)
    r0, r1 = torch.load(f"{out}.0"), torch.load(f"{out}.1")
    x, y = _data()
    ref = _steps(_search(seed=0), x, y)
    assert r0["gates"] == r1["gates"] == ref["gates"]
    for k, v in ref["state"].items():
        torch.testing.assert_close(r0["state"][k], v, msg=k)
        torch.testing.assert_close(r1["state"][k], v, msg=k)
