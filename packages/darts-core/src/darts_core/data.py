"""Offline data for the tiny spaces: scikit-learn's digits as 1 x 8 x 8 images, a synthetic texture task,
and a light in-memory batch loader (a DataLoader's per-sample collation dominates on such small tensors)."""

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


def digits_splits(
    n_train: int = 600, n_val: int = 600, seed: int = 0, *, dtype: torch.dtype = torch.float32
) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    """scikit-learn digits (1797 images, 8 x 8, scaled by 1/16) as ``{"train", "val", "test"}`` of ``(x, y)``.

    A fixed permutation (``seed``) then the first ``n_train`` for train, next ``n_val`` for val, the rest for test
    (597 with the defaults). ``x`` has shape ``(N, 1, 8, 8)``. The small train split keeps the task discriminative.
    """
    from sklearn.datasets import load_digits

    if n_train < 1 or n_val < 1 or n_train + n_val >= 1797:
        raise ValueError(
            f"n_train and n_val must be >= 1 with n_train + n_val < 1797, got {n_train}, {n_val}"
        )
    X, y = load_digits(return_X_y=True)
    x = torch.as_tensor(X, dtype=dtype).reshape(-1, 1, 8, 8) / 16.0
    t = torch.as_tensor(y, dtype=torch.long)
    perm = torch.randperm(len(x), generator=torch.Generator().manual_seed(seed))
    x, t = x[perm], t[perm]
    a, b = n_train, n_train + n_val
    return {"train": (x[:a], t[:a]), "val": (x[a:b], t[a:b]), "test": (x[b:], t[b:])}


def synthetic_texture(
    n: int = 1024,
    *,
    size: int = 16,
    num_classes: int = 4,
    noise: float = 0.5,
    channels: int = 1,
    seed: int = 0,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Images whose class is which fixed 3 x 3 pattern is planted at random positions in Gaussian noise.

    A task where convolutions matter more than on digits (parameter-free ops cannot detect the pattern).
    Returns ``x (n, channels, size, size)`` float32 and ``y (n,)`` int64.
    """
    if size < 6:
        raise ValueError(f"size must be >= 6, got {size}")
    g = torch.Generator().manual_seed(seed)
    patterns = torch.randn(num_classes, 3, 3, generator=g)
    patterns = patterns - patterns.mean(dim=(1, 2), keepdim=True)
    patterns = patterns / patterns.flatten(1).norm(dim=1)[:, None, None] * 3.0
    y = torch.randint(0, num_classes, (n,), generator=g)
    x = noise * torch.randn(n, channels, size, size, generator=g)
    k = max(1, (size // 4) ** 2 // 2)  # plants per image
    rows = torch.randint(0, size - 2, (n, k), generator=g)
    cols = torch.randint(0, size - 2, (n, k), generator=g)
    di, dj = torch.meshgrid(torch.arange(3), torch.arange(3), indexing="ij")
    r = (rows[:, :, None, None] + di).reshape(n, -1)
    c = (cols[:, :, None, None] + dj).reshape(n, -1)
    vals = patterns[y][:, None].expand(n, k, 3, 3).reshape(n, -1)
    flat = x.view(n, channels, -1)
    flat.scatter_add_(
        2, (r * size + c)[:, None].expand(n, channels, r.shape[1]), vals[:, None].expand(n, channels, -1)
    )
    return x, y
