"""A light in-memory batch loader (a DataLoader's per-sample collation dominates on tiny tensors).

The datasets of the reproduction (scikit-learn digits, a synthetic texture task) live in
:mod:`darts_core.reproduce.data`, which needs the ``reproduce`` extra."""

from __future__ import annotations

from collections.abc import Iterator

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
