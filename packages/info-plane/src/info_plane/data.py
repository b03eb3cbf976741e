"""The 12-bit task of Shwartz-Ziv & Tishby (2017, Sec. 3.1): all 4096 binary inputs on the vertices of an
icosahedron, labelled by a threshold of a rotation-invariant quadratic form.

The official code ships the task only as a data file under a non-commercial licence; this module regenerates
it from the rule recovered from that file (it matches all 4096 labels), so nothing is redistributed.
"""

from __future__ import annotations

import dataclasses

import torch

# the 30 nearest-neighbour pairs of the icosahedron's 12 vertices (bit 0 = the most significant bit)
EDGES: tuple[tuple[int, int], ...] = (
    (0, 1), (0, 3), (0, 5), (0, 10), (0, 11), (1, 2), (1, 3), (1, 4), (1, 11), (2, 3),
    (2, 4), (2, 8), (2, 9), (3, 8), (3, 10), (4, 6), (4, 9), (4, 11), (5, 6), (5, 7),
    (5, 10), (5, 11), (6, 7), (6, 9), (6, 11), (7, 8), (7, 9), (7, 10), (8, 9), (8, 10),
)  # fmt: skip
# the 6 antipodal pairs (graph distance 3)
ANTIPODES: tuple[tuple[int, int], ...] = ((0, 9), (1, 7), (2, 5), (3, 6), (4, 10), (8, 11))

N_BITS = 12
N_PATTERNS = 2**N_BITS


@dataclasses.dataclass(frozen=True)
class IBDataset:
    """The 12-bit task: every input pattern once, its label, and a train/test split of the row indices.

    Attributes:
        X: float32 tensor ``[4096, 12]`` of 0/1 bits; row ``r`` holds the bits of ``r``, most significant first.
        y: int64 tensor ``[4096]`` of labels in {0, 1}.
        train_idx: int64 tensor of the training rows.
        test_idx: int64 tensor of the test rows.
    """

    X: torch.Tensor
    y: torch.Tensor
    train_idx: torch.Tensor
    test_idx: torch.Tensor


def icosahedron_graph() -> tuple[tuple[tuple[int, int], ...], tuple[tuple[int, int], ...]]:
    """The icosahedron on which the 12 bits sit.

    Returns:
        ``(edges, antipodes)``: the 30 nearest-neighbour vertex pairs and the 6 antipodal pairs.
    """
    return EDGES, ANTIPODES


def all_patterns() -> torch.Tensor:
    """All 4096 inputs as a float32 ``[4096, 12]`` 0/1 tensor, row ``r`` = bits of ``r``, MSB first."""
    r = torch.arange(N_PATTERNS)
    shifts = torch.arange(N_BITS - 1, -1, -1)
    return ((r[:, None] >> shifts) & 1).to(torch.float32)


def _pair_count(bits: torch.Tensor, pairs: tuple[tuple[int, int], ...]) -> torch.Tensor:
    i = torch.tensor([p[0] for p in pairs])
    j = torch.tensor([p[1] for p in pairs])
    return (bits[..., i] * bits[..., j]).sum(-1)


def ib_12bit_label(bits: torch.Tensor) -> torch.Tensor:
    """The label rule of the 12-bit task.

    With ``k`` the number of ones, ``e`` the number of neighbour pairs both on and ``a`` the number of antipodal
    pairs both on: ``y = 0`` if ``k <= 4``; ``y = 1`` if ``k >= 8``; ``k = 5``: ``y = 1`` iff ``e >= 7``;
    ``k = 6``: ``y = 1`` iff ``e >= 7`` or (``e == 6`` and ``a == 0``); ``k = 7``: ``y = 0`` iff ``e == 8`` and
    ``a == 2``.

    Args:
        bits: 0/1 tensor ``[..., 12]`` (any numeric dtype), bit 0 the most significant.

    Returns:
        int64 tensor ``[...]`` of labels in {0, 1}.
    """
    if not isinstance(bits, torch.Tensor):
        raise TypeError(f"bits must be a torch.Tensor, got {type(bits).__name__}")
    if bits.shape[-1:] != (N_BITS,):
        raise ValueError(f"bits must have shape [..., 12], got {tuple(bits.shape)}")
    b = bits.to(torch.int64)
    if ((b != 0) & (b != 1)).any() or (b != bits).any():
        raise ValueError("bits must hold only 0 and 1")
    k = b.sum(-1)
    e = _pair_count(b, EDGES)
    a = _pair_count(b, ANTIPODES)
    y = k >= 8
    y = y | ((k == 5) & (e >= 7))
    y = y | ((k == 6) & ((e >= 7) | ((e == 6) & (a == 0))))
    y = y | ((k == 7) & ~((e == 8) & (a == 2)))
    return y.to(torch.int64)


def ib_12bit(*, seed: int = 0, train_frac: float = 0.8, shuffle: bool = True) -> IBDataset:
    """The 12-bit task with a train/test split.

    Args:
        seed: seed of the split's permutation (ignored with ``shuffle=False``).
        train_frac: fraction of the 4096 patterns in the training set, in (0, 1) (the paper's panels use 0.05,
            0.45 and 0.85; the official code's default is 0.8).
        shuffle: shuffle the patterns before splitting. ``False`` is the official code's default: the training
            set is then the first ``train_frac`` of the patterns in binary order.

    Returns:
        An :class:`IBDataset`; mutual information is usually measured on all 4096 rows.
    """
    if isinstance(train_frac, bool) or not isinstance(train_frac, (int, float)):
        raise TypeError(f"train_frac must be a float in (0, 1), got {train_frac!r}")
    if not 0.0 < float(train_frac) < 1.0:
        raise ValueError(f"train_frac must be in (0, 1), got {train_frac}")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"seed must be an int, got {seed!r}")
    X = all_patterns()
    y = ib_12bit_label(X)
    if shuffle:
        order = torch.randperm(N_PATTERNS, generator=torch.Generator().manual_seed(int(seed)))
    else:
        order = torch.arange(N_PATTERNS)
    n_train = int(round(float(train_frac) * N_PATTERNS))
    n_train = min(max(n_train, 1), N_PATTERNS - 1)
    return IBDataset(X=X, y=y, train_idx=order[:n_train].clone(), test_idx=order[n_train:].clone())


def label_entropy(y: torch.Tensor) -> float:
    """Entropy H(Y) in bits of an integer label vector (I(X;Y) of the 12-bit task: 0.99916 bits).

    Args:
        y: non-negative integer labels, any shape.

    Returns:
        The plug-in entropy in bits.
    """
    if not isinstance(y, torch.Tensor):
        raise TypeError(f"y must be an integer torch.Tensor of labels, got {type(y).__name__}")
    if y.dtype.is_floating_point or y.dtype.is_complex:
        raise ValueError(f"y must hold integer class indices, got dtype {y.dtype}")
    if y.numel() == 0:
        return 0.0
    if (y < 0).any():
        raise ValueError("y must hold non-negative class indices")
    counts = torch.bincount(y.reshape(-1).to(torch.int64)).to(torch.float64)
    p = counts[counts > 0] / counts.sum()
    return float(-(p * p.log2()).sum())


__all__ = ["IBDataset", "all_patterns", "ib_12bit", "ib_12bit_label", "icosahedron_graph", "label_entropy"]
