"""distributed=True under DDP (issue #24): two gloo processes, each with a shard of the batch, get the gradient
of one process on the whole batch; the sampler splits its batches by rank."""

import os
import socket

import numpy as np
import pytest
import torch
import torch.multiprocessing as mp

import anyloss

N, D, K = 64, 5, 3
SHARD = 27  # rank 0 gets 27 samples, rank 1 the other 37: shards need not be equal


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _data():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(N, D, generator=g, dtype=torch.float64)
    yb = (torch.rand(N, generator=g) < 0.3).double()
    yc = torch.randint(0, K, (N,), generator=g)
    ym = (torch.rand(N, K, generator=g) < 0.4).double()
    w = torch.rand(N, generator=g, dtype=torch.float64) + 0.5
    return x, yb, yc, ym, w


# name -> (output width, target index in _data, loss kwargs, uses weights)
CASES = {
    "f1": (1, 1, {"metric": "f1"}, False),
    "balanced_accuracy, weighted": (1, 1, {"metric": "balanced_accuracy"}, True),
    "multiclass macro f1": (K, 2, {"metric": "f1", "task": "multiclass"}, False),
    "multilabel micro mcc": (K, 3, {"metric": "mcc", "task": "multilabel", "average": "micro"}, False),
    "accuracy, dataset_size": (1, 1, {"metric": "accuracy", "dataset_size": 500}, False),
    "hybrid f1": (1, 1, {"metric": "f1", "hybrid": True}, True),
}


def _loss(kwargs, out, y, w, distributed):
    kwargs = dict(kwargs)
    if kwargs.pop("hybrid", False):
        return anyloss.HybridAnyLoss(distributed=distributed, **kwargs)(out, y, weight=w)
    return anyloss.AnyLoss(distributed=distributed, **kwargs)(out, y, weight=w)


def _grads(model, kwargs, x, y, w, distributed):
    model.zero_grad()
    out = model(x)
    out = out.squeeze(-1) if out.shape[-1] == 1 else out
    loss = _loss(kwargs, out, y, w, distributed)
    loss.backward()
    return loss.detach(), [p.grad.detach().clone() for p in model.parameters()]


def _worker(rank, world, port, out_dir):
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), OMP_NUM_THREADS="1")
    torch.set_num_threads(1)
    torch.distributed.init_process_group("gloo", rank=rank, world_size=world)
    data = _data()
    mine = slice(0, SHARD) if rank == 0 else slice(SHARD, N)
    out = {}
    for name, (width, t, kwargs, weighted) in CASES.items():
        x, y, w = data[0], data[t], data[4] if weighted else None
        torch.manual_seed(0)
        model = torch.nn.Linear(D, width).double()
        ref_loss, ref_grads = _grads(model, kwargs, x, y, w, distributed=False)  # one process, whole batch
        ddp = torch.nn.parallel.DistributedDataParallel(model)
        ws = None if w is None else w[mine]
        loss, grads = _grads(ddp, kwargs, x[mine], y[mine], ws, distributed=True)
        _, local_grads = _grads(ddp, kwargs, x[mine], y[mine], ws, distributed=False)  # control
        out[name] = {"ref": (ref_loss, ref_grads), "ddp": (loss, grads), "local": local_grads}
    # a bad input on one rank: both raise (no rank left waiting in the all-reduce)
    z = torch.randn(8, dtype=torch.float64)
    y = torch.tensor([0.0, 1.0] * 4, dtype=torch.float64)
    try:
        anyloss.F1Loss(distributed=True)(z, y * 2 if rank == 1 else y)
        out["error"] = None
    except ValueError as e:
        out["error"] = str(e)
    # checks on the global batch raise on every rank: dataset_size below the global size (27 + 37 > 40 > 37)
    x, yb = data[0], data[1]
    try:
        anyloss.AnyLoss("accuracy", distributed=True, dataset_size=40)(x[mine, 0], yb[mine])
        out["dataset_size"] = None
    except ValueError as e:
        out["dataset_size"] = str(e)
    try:
        anyloss.F1Loss(distributed=True)(z[:0], y[:0])
        out["all empty"] = None
    except ValueError as e:
        out["all empty"] = str(e)
    # an empty shard is fine: the global batch is not empty
    zr = torch.randn(0 if rank == 1 else 8, dtype=torch.float64)
    out["empty shard"] = anyloss.F1Loss(distributed=True)(zr, y[: len(zr)]).item()
    # the sampler takes num_replicas and rank from the process group
    labels = np.array([1] * 40 + [0] * 260)
    sampler = anyloss.StratifiedBatchSampler(labels, batch_size=32, min_per_class=2, seed=5)
    out["sampler"] = (sampler.num_replicas, sampler.rank, list(sampler))
    torch.save(out, os.path.join(out_dir, f"rank{rank}.pt"))
    torch.distributed.destroy_process_group()


@pytest.mark.dist
def test_ddp_gradient_equals_one_process_on_the_full_batch(tmp_path):
    mp.spawn(_worker, args=(2, _free_port(), str(tmp_path)), nprocs=2, join=True)
    ranks = [torch.load(tmp_path / f"rank{r}.pt", weights_only=False) for r in (0, 1)]
    for name in CASES:
        for r, res in enumerate(ranks):
            ref_loss, ref_grads = res[name]["ref"]
            loss, grads = res[name]["ddp"]
            torch.testing.assert_close(loss, ref_loss, msg=f"{name}: loss of rank {r}")  # the global metric
            for g, gr in zip(grads, ref_grads, strict=True):
                torch.testing.assert_close(g, gr, msg=f"{name}: gradient of rank {r}")
            # control: without distributed=True the averaged gradients are not those of the full batch
            assert any(
                not torch.allclose(g, gr) for g, gr in zip(res[name]["local"], ref_grads, strict=True)
            ), name
    assert "only 0 and 1" in ranks[1]["error"]
    assert "another process failed validation" in ranks[0]["error"]
    assert ranks[0]["empty shard"] == ranks[1]["empty shard"]
    for res in ranks:
        assert "dataset_size (40) must be >= the global batch size (64)" in res["dataset_size"]
        assert "the global batch is empty" in res["all empty"]
    (w0, r0, b0), (w1, r1, b1) = ranks[0]["sampler"], ranks[1]["sampler"]
    assert (w0, r0, w1, r1) == (2, 0, 2, 1)
    assert len(b0) == len(b1) == 5  # ceil(300 / 64)
    flat = [i for b in b0 + b1 for i in b]
    assert sorted(flat) == list(range(300))  # disjoint, and every sample once
    labels = np.array([1] * 40 + [0] * 260)
    assert all(labels[b].sum() >= 2 for b in b0 + b1)
