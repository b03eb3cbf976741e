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
