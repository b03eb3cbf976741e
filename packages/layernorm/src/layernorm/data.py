"""Offline sequence tasks: (permuted) sequential digits and the adding problem."""

from __future__ import annotations

import numpy as np
import torch


def sequential_digits(permute: bool = True, seed: int = 0, test_size: int = 397) -> tuple[torch.Tensor, ...]:
    """scikit-learn's 8x8 digits as length-64 sequences of one pixel (values / 16), optionally in a fixed random
    pixel order (``permute``, seed ``seed``); stratified split with ``test_size`` test images.
    Returns ``X_train (N, 64, 1), y_train, X_test, y_test``."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    if permute:
        X = X[:, np.random.RandomState(seed).permutation(64)]
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=test_size, stratify=y, random_state=seed)
    f = lambda a: torch.as_tensor(a, dtype=torch.float32)[..., None]
    return f(Xtr), torch.as_tensor(ytr), f(Xte), torch.as_tensor(yte)


def adding_problem(n: int, T: int = 100, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Hochreiter & Schmidhuber's adding problem: inputs (n, T, 2) of uniform values and a 0/1 marker on two
    random positions (one in each half); target (n,) the sum of the two marked values. Predicting 1 gives MSE 1/6."""
    if n < 1 or T < 2:
        raise ValueError(f"n must be >= 1 and T >= 2, got n={n}, T={T}")
    g = torch.Generator().manual_seed(seed)
    values = torch.rand(n, T, generator=g)
    first = torch.randint(0, T // 2, (n,), generator=g)
    second = torch.randint(T // 2, T, (n,), generator=g)
    marker = torch.zeros(n, T)
    marker[torch.arange(n), first] = 1.0
    marker[torch.arange(n), second] = 1.0
    return torch.stack([values, marker], -1), (values * marker).sum(1)
