import numpy as np
import pytest
import torch

from paperzoo_shared.data import (
    adding_problem,
    digits,
    load_sklearn,
    make_imbalanced,
    sequential_digits,
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


def test_digits_splitters():
    Xtr, ytr, Xte, yte = digits(test_size=0.3, seed=0)
    assert Xtr.shape == (1257, 64) and Xte.shape == (540, 64) and Xtr.dtype == torch.float32
    assert float(Xtr.max()) == 1.0 and float(Xtr.min()) == 0.0
    # sklearn splitter == train_test_split on the raw arrays
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    a, b, c, d = train_test_split(X / 16.0, y, test_size=0.3, stratify=y, random_state=0)
    np.testing.assert_array_equal(Xtr.numpy(), a.astype(np.float32))
    np.testing.assert_array_equal(yte.numpy(), d)
    # per-class splitter == stratified_split on the same data
    Ptr, pytr, Pte, pyte = digits(test_size=0.3, seed=1, splitter="per-class", images=True)
    Xall, yall = load_sklearn("digits")
    Str, Ste, sytr, syte = stratified_split(Xall / 16.0, yall, test_size=0.3, seed=1)
    torch.testing.assert_close(Ptr.reshape(len(Ptr), -1), Str)
    assert Ptr.shape[1:] == (1, 8, 8) and torch.equal(pyte, syte)
    with pytest.raises(ValueError, match="splitter"):
        digits(splitter="random")
    with pytest.raises(ValueError, match="fractional test_size"):
        digits(test_size=100, splitter="per-class")


def test_sequential_digits_permutation_and_upsampling():
    Xtr, ytr, Xte, yte = sequential_digits(seed=0)
    assert Xtr.shape[1:] == (64, 1) and len(Xtr) + len(Xte) == 1797
    Ptr, pytr, _, _ = sequential_digits(permute=True, seed=0)
    perm = np.random.default_rng(0).permutation(64)
    torch.testing.assert_close(Ptr[:, :, 0], Xtr[:, perm, 0])
    assert torch.equal(ytr, pytr)
    Ltr, _, Lte, _ = sequential_digits(
        permute=True, seed=3, test_size=397, splitter="sklearn", permutation_rng="legacy"
    )
    assert len(Lte) == 397
    U, *_ = sequential_digits(size=16)
    assert U.shape[1:] == (256, 1)
    with pytest.raises(ValueError, match="size"):
        sequential_digits(size=4)
    with pytest.raises(ValueError, match="permutation_rng"):
        sequential_digits(permute=True, permutation_rng="other")


def test_adding_problem_target_is_the_marked_sum():
    x, y = adding_problem(64, 20, seed=0)
    assert x.shape == (64, 20, 2)
    torch.testing.assert_close(y, (x[..., 0] * x[..., 1]).sum(1))
    assert torch.equal(x[:, :10, 1].sum(1), torch.ones(64)) and torch.equal(
        x[:, 10:, 1].sum(1), torch.ones(64)
    )
    x2, y2 = adding_problem(64, 20, seed=0)
    assert torch.equal(x, x2) and torch.equal(y, y2)
    with pytest.raises(ValueError, match="length"):
        adding_problem(4, 1)
