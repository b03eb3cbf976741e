import numpy as np
import pytest
import torch

from paperzoo_shared.data import (
    load_sklearn,
    make_blobs,
    make_imbalanced,
    make_spirals,
    make_xor,
    stratified_split,
)


def test_load_sklearn_shapes_and_types():
    X, y = load_sklearn("digits")
    assert X.shape == (1797, 64) and X.dtype == torch.float32 and y.dtype == torch.long
    assert set(y.tolist()) == set(range(10))
    X, y = load_sklearn("diabetes", dtype=torch.float64, standardize=True)
    assert X.shape == (442, 10) and y.dtype == torch.float64
    torch.testing.assert_close(X.mean(0), torch.zeros(10, dtype=torch.float64), atol=1e-10, rtol=0)
    with pytest.raises(ValueError, match="name must be one of"):
        load_sklearn("mnist")


def test_stratified_split_keeps_class_balance():
    X, y = load_sklearn("breast_cancer")
    Xtr, Xte, ytr, yte = stratified_split(X, y, test_size=0.25, seed=1)
    assert len(Xtr) + len(Xte) == len(X)
    for cls in (0, 1):
        frac = (yte == cls).sum().item() / (y == cls).sum().item()
        assert abs(frac - 0.25) < 0.01
    # disjoint and deterministic
    Xtr2, *_ = stratified_split(X, y, test_size=0.25, seed=1)
    torch.testing.assert_close(Xtr, Xtr2)
    Xn, _, yn, _ = stratified_split(X.numpy(), y.numpy(), test_size=0.25, seed=1)
    assert isinstance(Xn, np.ndarray) and len(yn) == len(ytr)
    with pytest.raises(ValueError, match="test_size"):
        stratified_split(X, y, test_size=1.5)


def test_make_imbalanced_ratio():
    X, y = load_sklearn("breast_cancer")
    Xi, yi = make_imbalanced(X, 1 - y, ratio=0.1, seed=100)
    n_neg = int((yi == 0).sum())
    assert n_neg == int((y == 1).sum())
    assert int((yi == 1).sum()) == round(0.1 * n_neg)
    with pytest.raises(ValueError, match="binary labels"):
        make_imbalanced(X, y + 1, ratio=0.1)
    with pytest.raises(ValueError, match="ratio"):
        make_imbalanced(X, y, ratio=0)


def test_synthetic_sets():
    X, y = make_xor(200, noise=0.0)
    assert torch.equal(y, (X[:, 0] * X[:, 1] < 0).long())
    X, y = make_spirals(300, n_classes=3)
    assert X.shape == (300, 2) and torch.bincount(y).tolist() == [100, 100, 100]
    X, y = make_blobs(90, n_classes=3, dim=4, spread=0.01)
    # tiny spread: every point is nearest its own centre -> class means separate
    means = torch.stack([X[y == k].mean(0) for k in range(3)])
    assert torch.cdist(means, means).fill_diagonal_(1e9).min() > 0.1
