"""The stratified batch sampler."""

import numpy as np
import torch

import anyloss


def test_stratified_batches_cover_every_index_once_with_each_class():
    y = np.array([1] * 23 + [0] * 177)
    sampler = anyloss.StratifiedBatchSampler(y, batch_size=32, seed=0)
    batches = list(sampler)
    assert len(batches) == len(sampler) == 7
    flat = np.concatenate(batches)
    assert sorted(flat.tolist()) == list(range(200))
    pos = [int(y[b].sum()) for b in batches]
    assert min(pos) >= 3 and max(pos) <= 4  # 23 positives dealt over 7 batches
    assert max(map(len, batches)) - min(map(len, batches)) <= 1
    assert [b for b in anyloss.StratifiedBatchSampler(y, 32, seed=0)] == batches  # deterministic
    assert list(sampler) != batches  # next epoch: new shuffle
    few = anyloss.StratifiedBatchSampler(y, batch_size=10, min_per_class=5)
    assert len(few) == 4 and all(y[b].sum() >= 5 for b in few)
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.as_tensor(y)), batch_sampler=sampler
    )
    assert sum(len(b[0]) for b in loader) == 200


def _stream_digest(sampler, epochs=2):
    import hashlib

    out = [[list(b) for b in sampler] for _ in range(epochs)]
    return hashlib.sha256(repr(out).encode()).hexdigest()[:16]


def test_the_single_process_stream_is_unchanged():
    # digests of the batches of two epochs, recorded before the rank split and the drop_last fix (issues #24,
    # #25): one process without drop_last gets exactly the batches it got before
    y = np.array([1] * 23 + [0] * 177)
    y3 = np.where(np.arange(301) % 7 == 0, 2, (np.arange(301) % 3 == 0).astype(int))
    S = anyloss.StratifiedBatchSampler
    assert _stream_digest(S(y, 32, seed=0)) == "cf8c9428debb5cdc"
    assert _stream_digest(S(y, 10, min_per_class=5, seed=3)) == "d2f66ed2891b7b5a"
    assert _stream_digest(S(y3, 17, seed=1)) == "728a5f5b8a31df08"
    assert _stream_digest(S(y3, 17, shuffle=False)) == "d750e5adb838aeed"
    assert _stream_digest(S(y3, 40, min_per_class=0, seed=2)) == "3de2131d9b80dab4"


def test_drop_last_never_drops_a_class_guaranteed_share():
    # issue #25: the batch was cut after concatenating the classes in order, so the rare class (last) was dropped
    y = np.array([1] * 50 + [0] * 950)
    sampler = anyloss.StratifiedBatchSampler(y, batch_size=50, min_per_class=5, drop_last=True, seed=0)
    batches = list(sampler)
    assert len(batches) == len(sampler) == 10
    assert all(len(b) == 50 for b in batches)
    assert all(int(y[b].sum()) >= 5 for b in batches)  # min_per_class holds in every batch
    assert len(set(np.concatenate(batches).tolist())) == 500  # no sample twice
    # without min_per_class: each class keeps its share of the cut batch (5% of 300 = 15 positives)
    for seed in range(3):
        for b in anyloss.StratifiedBatchSampler(y, batch_size=300, drop_last=True, seed=seed):
            assert len(b) == 300 and int(y[b].sum()) == 15
    # three classes, shares that do not divide evenly: floor or ceil of each class's share
    y3 = np.array([0] * 700 + [1] * 250 + [2] * 53)
    for b in anyloss.StratifiedBatchSampler(y3, batch_size=64, drop_last=True, seed=1):
        counts = np.bincount(y3[b], minlength=3)
        assert len(b) == 64
        share = 64 * np.bincount(y3) / len(y3)
        assert np.all(np.abs(counts - share) < 1.0 + 1e-9), (counts, share)
    # without shuffling too
    for b in anyloss.StratifiedBatchSampler(y, batch_size=50, min_per_class=5, drop_last=True, shuffle=False):
        assert len(b) == 50 and int(y[b].sum()) >= 5


def _check_rank_split(y, batch_size, world, **kwargs):
    samplers = [
        anyloss.StratifiedBatchSampler(y, batch_size, num_replicas=world, rank=r, **kwargs)
        for r in range(world)
    ]
    per_rank = [list(s) for s in samplers]
    assert len({len(s) for s in samplers}) == 1  # every rank takes the same number of steps
    assert all(len(p) == len(s) for p, s in zip(per_rank, samplers, strict=True))
    flat = [i for p in per_rank for b in p for i in b]
    assert len(flat) == len(set(flat))  # disjoint across ranks and batches
    return samplers, per_rank, flat


def test_rank_split_gives_disjoint_stratified_batches():
    y = np.array([1] * 60 + [0] * 541)
    samplers, per_rank, flat = _check_rank_split(y, 32, 2, seed=4)
    assert sorted(flat) == list(range(len(y)))  # without drop_last every sample is used once per epoch
    for p in per_rank:
        assert all(int(y[b].sum()) >= 3 for b in p)  # 60 positives over 20 batches (10 per rank)
        assert max(map(len, p)) <= 32
    # the next epoch reshuffles, in step on every rank
    nxt = [list(s) for s in samplers]
    assert nxt != per_rank
    assert sorted(i for p in nxt for b in p for i in b) == list(range(len(y)))
    # set_epoch picks the shuffle of an epoch on every rank (like DistributedSampler)
    for s in samplers:
        s.set_epoch(0)
    assert [list(s) for s in samplers] == per_rank
    # min_per_class counts over all ranks' batches; drop_last cuts every batch to batch_size
    samplers, per_rank, _ = _check_rank_split(y, 20, 3, min_per_class=5, drop_last=True, seed=0)
    assert len(samplers[0]) == 4  # 60 positives / (5 per batch x 3 ranks)
    assert all(len(b) == 20 and int(y[b].sum()) >= 5 for p in per_rank for b in p)
    # one replica is the plain sampler
    a = anyloss.StratifiedBatchSampler(y, 32, seed=2, num_replicas=1, rank=0)
    assert list(a) == list(anyloss.StratifiedBatchSampler(y, 32, seed=2))


def test_rank_split_defaults_come_from_torch_distributed(monkeypatch):
    y = np.array([1] * 40 + [0] * 360)
    monkeypatch.setattr(torch.distributed, "is_available", lambda: True)
    monkeypatch.setattr(torch.distributed, "is_initialized", lambda: True)
    monkeypatch.setattr(torch.distributed, "get_world_size", lambda group=None: 4)
    monkeypatch.setattr(torch.distributed, "get_rank", lambda group=None: 3)
    s = anyloss.StratifiedBatchSampler(y, 25, seed=0)
    assert (s.num_replicas, s.rank) == (4, 3)
    assert list(s) == list(anyloss.StratifiedBatchSampler(y, 25, seed=0, num_replicas=4, rank=3))


def test_invariants_over_random_settings():
    # every rank's batches disjoint, the same number of steps on every rank, min_per_class in every batch,
    # batch_size exactly with drop_last, every sample once per epoch without it
    import warnings

    rng = np.random.default_rng(0)
    checked = 0
    for it in range(300):
        k, n = int(rng.integers(1, 6)), int(rng.integers(20, 400))
        y = rng.choice(k, size=n, p=rng.dirichlet(np.ones(k) * 0.5))
        bs, mpc = int(rng.integers(1, 80)), int(rng.integers(0, 4))
        world, drop = int(rng.integers(1, 4)), bool(rng.integers(2))
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                _, per_rank, flat = _check_rank_split(
                    y, bs, world, min_per_class=mpc, drop_last=drop, seed=it
                )
        except (ValueError, UserWarning):  # settings that cannot hold are refused or warned about
            continue
        checked += 1
        if not drop:
            assert sorted(flat) == list(range(n))
        present = np.bincount(y, minlength=k) > 0
        for b in (b for p in per_rank for b in p):
            assert len(b) == bs if drop else len(b) > 0
            assert np.all(np.bincount(y[b], minlength=k)[present] >= mpc)
    assert checked > 150
