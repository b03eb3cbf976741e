"""A light in-memory batch loader (a DataLoader's per-sample collation dominates on tiny tensors).

The datasets of the reproduction (scikit-learn digits, a synthetic texture task) live in
:mod:`darts_core.reproduce.data`, which needs the ``reproduce`` extra."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import torch


class TensorLoader:
    """Minibatches ``(x[idx], y[idx])`` of in-memory tensors; reshuffled at every pass when ``shuffle``.

    Re-iterable like a DataLoader. ``seed`` fixes the shuffling stream (else the global torch RNG is used).
    """

    def __init__(
        self,
        x: torch.Tensor,
        y: torch.Tensor,
        *,
        batch_size: int = 64,
        shuffle: bool = True,
        drop_last: bool = False,
        seed: int | None = None,
    ) -> None:
        for name, t in (("x", x), ("y", y)):
            if not isinstance(t, torch.Tensor):
                raise TypeError(f"{name} must be a torch.Tensor, got {type(t).__name__}")
        if len(x) != len(y):
            raise ValueError(f"x and y must have the same length, got {len(x)} and {len(y)}")
        if not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
        self.x, self.y, self.batch_size, self.shuffle, self.drop_last = x, y, batch_size, shuffle, drop_last
        self.generator = torch.Generator().manual_seed(seed) if seed is not None else None

    def __len__(self) -> int:
        n = len(self.x)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        n = len(self.x)
        if self.shuffle:
            idx = torch.randperm(n, generator=self.generator).to(self.x.device)
        else:
            idx = torch.arange(n, device=self.x.device)
        for k in range(len(self)):
            sel = idx[k * self.batch_size : (k + 1) * self.batch_size]
            yield self.x[sel], self.y[sel]

    def to(self, device: torch.device | str) -> TensorLoader:
        """Move the tensors to ``device`` (in place; returns self)."""
        self.x, self.y = self.x.to(device), self.y.to(device)
        return self


def _check_labels(y: torch.Tensor, name: str, num_classes: int | None) -> None:
    """Integer class labels must lie in ``[0, num_classes)`` (``ValueError`` naming ``name``)."""
    if num_classes is None or y.is_floating_point() or y.numel() == 0:
        return
    lo, hi = int(y.min()), int(y.max())
    if lo < 0 or hi >= num_classes:
        raise ValueError(
            f"{name} holds class labels outside [0, {num_classes}) (the model's num_classes): found "
            f"{lo if lo < 0 else hi}"
        )


def check_finite_loader(loader: Iterable[Any], name: str, num_classes: int | None = None) -> bool:
    """Check a :class:`TensorLoader`'s tensors for NaN/inf once, up front (``ValueError`` naming ``name``), and,
    with ``num_classes``, that its integer labels lie in ``[0, num_classes)``; returns whether the loader could be
    checked so (other loaders are checked batch by batch with :func:`check_batch`). Reads no random stream."""
    if not isinstance(loader, TensorLoader):
        return False
    _check_labels(loader.y, name, num_classes)
    for part, t in (("x", loader.x), ("y", loader.y)):
        if t.is_floating_point() and not bool(torch.isfinite(t).all()):
            n = int((~torch.isfinite(t)).reshape(len(t), -1).any(1).sum())
            raise ValueError(
                f"{name} holds non-finite values (NaN or inf) in {part}: {n} of {len(t)} samples; clean or drop "
                "them (a NaN image poisons every weight it reaches), or pass check_finite=False to skip this check"
            )
    return True


def check_batch(batch: Any, name: str, *, finite: bool = True, num_classes: int | None = None) -> None:
    """``ValueError`` (naming ``name``, e.g. ``"train_loader batch 3 of epoch 0"``) for an empty ``(x, y)`` batch
    or, when ``finite``, one whose floating-point ``x`` or ``y`` holds NaN or inf, or whose integer labels fall
    outside ``[0, num_classes)`` (when given)."""
    x, y = batch[0], batch[1]
    if len(y) == 0 or x.numel() == 0:
        raise ValueError(f"{name} is empty (shape {tuple(x.shape)}): a loader must not yield empty batches")
    if finite:
        _check_labels(y, name, num_classes)
        for part, t in (("x", x), ("y", y)):
            if t.is_floating_point() and not bool(torch.isfinite(t).all()):
                raise ValueError(
                    f"{name} holds non-finite values (NaN or inf) in {part}; clean the data, or pass "
                    "check_finite=False to skip this check"
                )
