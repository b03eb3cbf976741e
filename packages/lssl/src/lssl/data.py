"""Offline sequence tasks: sequential / permuted digits (scikit-learn's bundled 8x8 digits as length-64
pixel sequences, a stand-in for sMNIST / pMNIST), the adding problem and the copying problem."""

from __future__ import annotations

import numpy as np
import torch


def sequential_digits(
    *, permute: bool = False, seed: int = 0, test_size: float = 0.2, size: int = 8
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """``(Xtr (n, L, 1), ytr, Xte, yte)``: digits scanned row by row, pixels in [0, 1], stratified split
    (``seed`` fixes split and permutation). ``size > 8`` upsamples the images bilinearly (``L = size**2``)."""
    try:
        import sklearn  # noqa: F401
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError("sequential_digits needs scikit-learn: pip install 'lssl[data]'") from err
    from paperzoo_shared.data import load_sklearn, stratified_split

    X, y = load_sklearn("digits")
    X = X / 16.0
    if size != 8:
        img = X.reshape(-1, 1, 8, 8)
        X = torch.nn.functional.interpolate(
            img, size=(size, size), mode="bilinear", align_corners=False
        ).reshape(len(X), -1)
    if permute:
        perm = torch.from_numpy(np.random.default_rng(seed).permutation(X.shape[1]))
        X = X[:, perm]
    Xtr, Xte, ytr, yte = stratified_split(X, y, test_size=test_size, seed=seed)
    return Xtr[..., None].float(), ytr, Xte[..., None].float(), yte


def adding_problem(n: int, L: int, *, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """The adding problem: ``x (n, L, 2)`` with values ~ U(0, 1) and a marker channel with one 1 in each half;
    target ``(n,)`` = sum of the two marked values (predicting 1 gives MSE 1/6)."""
    if L < 2:
        raise ValueError(f"L must be >= 2, got {L}")
    g = torch.Generator().manual_seed(seed)
    vals = torch.rand(n, L, generator=g)
    i = torch.randint(0, L // 2, (n,), generator=g)
    j = torch.randint(L // 2, L, (n,), generator=g)
    mark = torch.zeros(n, L)
    rows = torch.arange(n)
    mark[rows, i] = 1.0
    mark[rows, j] = 1.0
    return torch.stack([vals, mark], dim=-1), vals[rows, i] + vals[rows, j]


def copying_problem(
    n: int, L: int, *, n_symbols: int = 8, n_copy: int = 10, seed: int = 0
) -> tuple[torch.Tensor, torch.Tensor]:
    """Copying task: ``n_copy`` random symbols, ``L`` blanks, then recall. Returns token ids ``x (n, L + 2 n_copy)``
    (0 blank, ``n_symbols + 1`` the go marker) and targets ``(n, n_copy)``."""
    g = torch.Generator().manual_seed(seed)
    sym = torch.randint(1, n_symbols + 1, (n, n_copy), generator=g)
    x = torch.zeros(n, L + 2 * n_copy, dtype=torch.long)
    x[:, :n_copy] = sym
    x[:, L + n_copy - 1] = n_symbols + 1
    return x, sym
