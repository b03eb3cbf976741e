"""Stratified mini-batches: every batch holds each class in the data's proportion.

AnyLoss is a batch statistic: a batch without positives has no F1, recall or balanced accuracy to optimise. The
paper trained with large batches (5%-50% of the data) for this reason; this sampler makes smaller batches safe.
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import torch
from torch.utils.data import Sampler

__all__ = ["StratifiedBatchSampler"]


def _is_int(value: object) -> bool:
    """A Python or numpy integer, not a bool."""
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def _check_int(name: str, value: object, minimum: int) -> int:
    if not _is_int(value) or int(value) < minimum:  # type: ignore[call-overload]
        raise ValueError(f"{name} must be an int >= {minimum}, got {value!r}")
    return int(value)  # type: ignore[call-overload]


def _check_bool(name: str, value: object) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a bool, got {type(value).__name__} {value!r}")
    return bool(value)


def _replicas(num_replicas: int | None, rank: int | None) -> tuple[int, int]:
    """``(num_replicas, rank)``; ``None`` takes the value of the initialised default process group (else 1, 0)."""
    initialised = torch.distributed.is_available() and torch.distributed.is_initialized()
    if num_replicas is None:
        num_replicas = torch.distributed.get_world_size() if initialised else 1
    if rank is None:
        rank = torch.distributed.get_rank() if initialised else 0
    num_replicas = _check_int("num_replicas", num_replicas, 1)
    rank = _check_int("rank", rank, 0)
    if rank >= num_replicas:
        raise ValueError(f"rank must be in [0, {num_replicas - 1}] (num_replicas={num_replicas}), got {rank}")
    return num_replicas, rank


def _keep_counts(
    sizes: np.ndarray, target: np.ndarray, n: int, minimum: np.ndarray, batch_size: int, b: int
) -> np.ndarray:
    """How many samples of each class a cut batch keeps (``drop_last``): ``batch_size`` in all.

    Each class keeps the floor or ceil of its overall share ``batch_size n_c / N`` (``target = batch_size n_c``,
    kept exact as integers scaled by ``N``; largest remainders first), never more than it has in the batch
    (``sizes``) and never less than ``minimum`` (``min_per_class``, or all it has when it has fewer); where those
    bounds bind, the classes nearest their share give or take the difference. Ties go to a class chosen by
    rotation with the batch index ``b``, so no class is always the one rounded down.
    """
    k = len(sizes)
    keep = np.clip(target // n, minimum, sizes)
    rotation = (np.arange(k) - b) % k
    while (total := int(keep.sum())) != batch_size:
        gap = target - keep * n  # > 0: the class is below its share (scaled by N)
        if total < batch_size:  # one more sample each to the classes furthest below their share
            cand = np.flatnonzero(keep < sizes)
            order = cand[np.lexsort((rotation[cand], -gap[cand]))]
            keep[order[: batch_size - total]] += 1
        else:  # one fewer each from the classes furthest above their share
            cand = np.flatnonzero(keep > minimum)
            order = cand[np.lexsort((rotation[cand], gap[cand]))]
            keep[order[: total - batch_size]] -= 1
    return keep


class StratifiedBatchSampler(Sampler[list[int]]):
    """Yields lists of indices, each batch with every class in (about) its overall proportion.

    Each epoch the indices of every class are shuffled and dealt out evenly over the batches, so a class with
    ``n_c`` samples puts ``floor`` or ``ceil`` of ``n_c / n_batches`` into every batch. With
    ``min_per_class`` the number of batches is lowered (batches grow) until every batch holds at least that many
    samples of the rarest class.

    With ``drop_last`` every batch holds exactly ``batch_size`` samples: a batch is cut class by class, each class
    keeping the floor or ceil of its share ``batch_size n_c / N`` (as far as the batch's own samples allow) and at
    least ``min_per_class`` samples (the rest of the epoch's samples are dropped; with ``min_per_class`` lowering
    the number of batches that can be many).

    Distributed training (the rank split): with ``num_replicas`` processes the epoch is dealt into
    ``num_replicas x len(sampler)`` stratified batches, and process ``rank`` takes every ``num_replicas``-th one
    (batches ``rank, rank + num_replicas, ...``), so the ranks' batches are disjoint, each stratified, and every
    rank takes the same number of steps. Every rank must use the same ``labels``, ``seed`` and epoch (call
    :meth:`set_epoch` each epoch, as with ``DistributedSampler``, or iterate once per epoch on every rank).
    ``min_per_class`` holds for every rank's batches; without ``drop_last`` every sample is used once per epoch.

    Args:
        labels: class label of every sample (1-d sequence, array or tensor; any hashable values).
        batch_size: target batch size per process; the number of batches is ``ceil(N / batch_size)``
            (``floor`` with ``drop_last``, which then drops the leftover samples of each epoch), divided among
            the replicas.
        min_per_class: least number of samples of each class per batch (default 1).
        shuffle: reshuffle every epoch (otherwise the same batches every epoch).
        seed: base seed; epoch ``e`` uses ``seed + e`` (call :meth:`set_epoch` for distributed-style control).
        drop_last: see ``batch_size``: every batch holds exactly ``batch_size`` samples.
        num_replicas: number of processes sharing the epoch (default: the world size of the initialised
            ``torch.distributed`` default group, else 1).
        rank: this process's index in ``[0, num_replicas)`` (default: its rank in the initialised default group,
            else 0).

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
        num_replicas: int | None = None,
        rank: int | None = None,
    ) -> None:
        if isinstance(labels, torch.Tensor):
            labels = labels.detach().cpu().numpy()
        y = np.asarray(labels)
        if y.ndim != 1:
            raise ValueError(f"labels must be 1-d (one label per sample), got shape {y.shape}")
        if len(y) == 0:
            raise ValueError("labels must not be empty")
        if y.dtype.kind in "fc" and not np.isfinite(y).all():
            raise ValueError("labels must be finite class labels, got NaN or inf")
        if not _is_int(batch_size) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
        self.batch_size = int(batch_size)
        self.min_per_class = _check_int("min_per_class", min_per_class, 0)
        self.shuffle = _check_bool("shuffle", shuffle)
        self.seed = _check_int("seed", seed, 0)
        self.drop_last = _check_bool("drop_last", drop_last)
        self.num_replicas, self.rank = _replicas(num_replicas, rank)
        self.epoch = 0
        try:
            _, inverse, counts = np.unique(y, return_inverse=True, return_counts=True)
        except TypeError as e:  # e.g. None among ints: not sortable
            raise TypeError(
                f"labels must be comparable class labels of one type (ints, strings, ...): {e}"
            ) from None
        self._groups = [np.flatnonzero(inverse.reshape(-1) == c) for c in range(len(counts))]
        self._counts = counts
        n, replicas = len(y), self.num_replicas
        if n < replicas:
            raise ValueError(
                f"labels has {n} samples, fewer than num_replicas={replicas}: some rank gets no batch"
            )
        per_rank = n // (batch_size * replicas) if drop_last else math.ceil(n / (batch_size * replicas))
        if per_rank == 0:
            raise ValueError(
                f"drop_last=True needs at least batch_size x num_replicas = {batch_size * replicas} samples for one "
                f"full batch per rank, got {n}"
            )
        per_rank = min(per_rank, n // replicas)  # never an empty batch
        if min_per_class > 0:
            cap = int(counts.min()) // (min_per_class * replicas)
            if cap < 1:
                warnings.warn(
                    f"min_per_class={min_per_class} cannot hold: the rarest class has {int(counts.min())} samples, "
                    f"fewer than min_per_class x num_replicas = {min_per_class * replicas}; one batch per rank "
                    "with every sample of that class it gets",
                    UserWarning,
                    stacklevel=2,
                )
            per_rank = min(per_rank, max(1, cap))
        self.n_batches = per_rank  # batches per rank (= len(self))
        self._n_global = per_rank * replicas
        if drop_last:
            self._min_keep = np.minimum(min_per_class, -(-counts // self._n_global))
            if int(self._min_keep.sum()) > batch_size:
                raise ValueError(
                    f"drop_last=True cannot keep min_per_class={min_per_class} of each of the {len(counts)} classes "
                    f"in a batch of batch_size={batch_size}; raise batch_size to at least {int(self._min_keep.sum())} "
                    "or lower min_per_class"
                )

    def set_epoch(self, epoch: int) -> None:
        """Use the shuffle of ``epoch`` next (like ``DistributedSampler.set_epoch``)."""
        self.epoch = _check_int("epoch", epoch, 0)

    def __len__(self) -> int:
        return self.n_batches

    def __iter__(self) -> Iterator[list[int]]:
        rng = np.random.default_rng(self.seed + self.epoch)
        if self.shuffle:
            self.epoch += 1
        nb = self._n_global
        parts: list[list[np.ndarray]] = [[] for _ in range(nb)]
        offset = int(rng.integers(nb)) if self.shuffle else 0
        for group in self._groups:
            idx = rng.permutation(group) if self.shuffle else group
            # rotate which batches get the extra sample of each class, so batch sizes stay balanced
            for b, chunk in enumerate(np.array_split(idx, nb)):
                parts[(b + offset) % nb].append(chunk)
            offset += len(idx) % nb
        target = self._counts.astype(np.int64) * self.batch_size
        n = int(self._counts.sum())
        for b, chunks in enumerate(parts):  # chunks[c]: the samples of class c in batch b
            if self.drop_last:
                sizes = np.array([len(c) for c in chunks], dtype=np.int64)
                keep = _keep_counts(sizes, target, n, np.minimum(self._min_keep, sizes), self.batch_size, b)
                chunks = [c[:k] for c, k in zip(chunks, keep, strict=True)]
            batch = np.concatenate(chunks)
            if self.shuffle:
                batch = rng.permutation(batch)  # drawn for every batch: all ranks' streams stay in step
            if b % self.num_replicas == self.rank:
                yield batch.tolist()
