"""Stratified mini-batches: every batch holds each class in the data's proportion.

AnyLoss is a batch statistic: a batch without positives has no F1, recall or balanced accuracy to optimise. The
paper trained with large batches (5%-50% of the data) for this reason; this sampler makes smaller batches safe.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import torch
from torch.utils.data import Sampler

__all__ = ["StratifiedBatchSampler"]


class StratifiedBatchSampler(Sampler[list[int]]):
    """Yields lists of indices, each batch with every class in (about) its overall proportion.

    Each epoch the indices of every class are shuffled and dealt out evenly over the batches, so a class with
    ``n_c`` samples puts ``floor`` or ``ceil`` of ``n_c / n_batches`` into every batch. With
    ``min_per_class`` the number of batches is lowered (batches grow) until every batch holds at least that many
    samples of the rarest class.

    Args:
        labels: class label of every sample (1-d sequence, array or tensor; any hashable values).
        batch_size: target batch size; the number of batches is ``ceil(N / batch_size)``
            (``floor`` with ``drop_last``, which then drops the leftover samples of each epoch).
        min_per_class: least number of samples of each class per batch (default 1).
        shuffle: reshuffle every epoch (otherwise the same batches every epoch).
        seed: base seed; epoch ``e`` uses ``seed + e`` (call :meth:`set_epoch` for distributed-style control).
        drop_last: see ``batch_size``.

    Example::

        sampler = StratifiedBatchSampler(y_train, batch_size=256, seed=0)
        loader = torch.utils.data.DataLoader(dataset, batch_sampler=sampler)
    """

    def __init__(
        self,
        labels: Sequence[Any] | np.ndarray | torch.Tensor,
        batch_size: int,
        *,
        min_per_class: int = 1,
        shuffle: bool = True,
        seed: int = 0,
        drop_last: bool = False,
    ) -> None:
        if isinstance(labels, torch.Tensor):
            labels = labels.detach().cpu().numpy()
        y = np.asarray(labels)
        if y.ndim != 1:
            raise ValueError(f"labels must be 1-d (one label per sample), got shape {y.shape}")
        if len(y) == 0:
            raise ValueError("labels must not be empty")
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
        if isinstance(min_per_class, bool) or not isinstance(min_per_class, int) or min_per_class < 0:
            raise ValueError(f"min_per_class must be an int >= 0, got {min_per_class!r}")
        self.batch_size = batch_size
        self.min_per_class = min_per_class
        self.shuffle = bool(shuffle)
        self.seed = int(seed)
        self.drop_last = bool(drop_last)
        self.epoch = 0
        _, inverse, counts = np.unique(y, return_inverse=True, return_counts=True)
        self._groups = [np.flatnonzero(inverse == c) for c in range(len(counts))]
        n = len(y)
        n_batches = n // batch_size if drop_last else math.ceil(n / batch_size)
        if min_per_class > 0:
            n_batches = min(n_batches, max(1, int(counts.min()) // min_per_class))
        self.n_batches = max(1, n_batches)
        self._size = self.n_batches * batch_size if drop_last else n

    def set_epoch(self, epoch: int) -> None:
        """Use the shuffle of ``epoch`` next (like ``DistributedSampler.set_epoch``)."""
        self.epoch = int(epoch)

    def __len__(self) -> int:
        return self.n_batches

    def __iter__(self) -> Iterator[list[int]]:
        rng = np.random.default_rng(self.seed + self.epoch)
        if self.shuffle:
            self.epoch += 1
        parts: list[list[np.ndarray]] = [[] for _ in range(self.n_batches)]
        offset = int(rng.integers(self.n_batches)) if self.shuffle else 0
        for group in self._groups:
            idx = rng.permutation(group) if self.shuffle else group
            # rotate which batches get the extra sample of each class, so batch sizes stay balanced
            for b, chunk in enumerate(np.array_split(idx, self.n_batches)):
                parts[(b + offset) % self.n_batches].append(chunk)
            offset += len(idx) % self.n_batches
        for chunks in parts:
            batch = np.concatenate(chunks)
            if self.drop_last:
                batch = batch[: self.batch_size]
            if self.shuffle:
                batch = rng.permutation(batch)
            yield batch.tolist()
