"""The data of the reproductions: scikit-learn's digits as 1 x 8 x 8 images in the fixed split of the
NB-digits-3e5o table, and a synthetic texture task where the choice of operation matters more than on digits.

Needs the ``reproduce`` extra (scikit-learn through ``paperzoo_shared.data``); darts-pt's reproduction reuses it.
"""

from __future__ import annotations

import torch

from paperzoo_shared.data import load_sklearn

N_DIGITS = 1797


def digits_splits(
    n_train: int = 600, n_val: int = 600, seed: int = 0, *, dtype: torch.dtype = torch.float32
) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    """scikit-learn digits (1797 images, 8 x 8, scaled by 1/16) as ``{"train", "val", "test"}`` of ``(x, y)``.

    A fixed permutation (``seed``) then the first ``n_train`` for train, next ``n_val`` for val, the rest for test
    (597 with the defaults): the split the NB-digits-3e5o table was trained on. ``x`` has shape ``(N, 1, 8, 8)``.
    The small train split keeps the task discriminative. (Not a stratified split, so not
    ``paperzoo_shared.data.digits``: the shipped table and the committed results use this permutation.)
    """
    if not (isinstance(n_train, int) and isinstance(n_val, int)):
        raise TypeError(f"n_train and n_val must be ints, got {n_train!r}, {n_val!r}")
    if n_train < 1 or n_val < 1 or n_train + n_val >= N_DIGITS:
        raise ValueError(
            f"n_train and n_val must be >= 1 with n_train + n_val < {N_DIGITS}, got {n_train}, {n_val}"
        )
    X, t = load_sklearn("digits", dtype=dtype)
    x = X.reshape(-1, 1, 8, 8) / 16.0
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
    if n < 1 or num_classes < 2 or channels < 1:
        raise ValueError(f"n, num_classes, channels must be >= 1, 2, 1, got {n}, {num_classes}, {channels}")
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
