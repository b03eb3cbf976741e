"""The paper's operator data as tensors, from ``pde-data`` (the reproduction's data; the library needs none)."""

from __future__ import annotations

import warnings

import numpy as np
import torch

BLOW_UP = 1e3  # |s| beyond this is a numerical blow-up: solutions that stay finite on [0, 1] are O(10)


def bounded_rows(s: np.ndarray, bound: float = BLOW_UP) -> np.ndarray:
    """Mask of the functions whose targets are finite and below ``bound`` in magnitude (NaN and inf fail)."""
    return (np.abs(s.reshape(len(s), -1)) < bound).all(1)


def operator_data(
    name: str, n: int, points: int, seed: int, device: torch.device, dropped: dict[str, int] | None = None
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``(u (n', m), y (n', P, d), s (n', P))`` float32 tensors from ``pde_data.operator_samples``, without the
    functions whose targets blew up (their count is added to ``dropped[name]`` when a dict is given)."""
    from pde_data import operator_samples

    # ds/dx = -s^2 + u blows up in finite time for a rare strongly negative u (about 1 in 1000 GRF draws):
    # pde-data gives such functions NaN targets (with a warning, silenced here because the count is recorded).
    # They have no solution on [0, 1] and are dropped; the bound also catches huge finite values.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*non-finite targets", category=RuntimeWarning)
        d = operator_samples(name, n, seed=seed, n_points=points)
    keep = bounded_rows(d.s)
    if dropped is not None:
        dropped[name] = dropped.get(name, 0) + int((~keep).sum())
    f = lambda a: torch.as_tensor(a[keep], dtype=torch.float32, device=device)
    return f(d.u), f(d.y), f(d.s)
