"""Experiment data of the reproductions that paperzoo-shared does not hold: the copying task. (Sequential and
permuted digits and the adding problem are ``paperzoo_shared.data.sequential_digits`` / ``adding_problem``.)"""

from __future__ import annotations

import torch


def copying_problem(
    n: int, L: int, *, n_symbols: int = 8, n_copy: int = 10, seed: int = 0
) -> tuple[torch.Tensor, torch.Tensor]:
    """Copying task: ``n_copy`` random symbols, ``L`` blanks, then recall. Returns token ids ``x (n, L + 2 n_copy)``
    (0 blank, ``n_symbols + 1`` the go marker) and targets ``(n, n_copy)``."""
    if n < 1 or L < 1 or n_symbols < 1 or n_copy < 1:
        raise ValueError(f"n, L, n_symbols and n_copy must be >= 1, got {n}, {L}, {n_symbols}, {n_copy}")
    g = torch.Generator().manual_seed(seed)
    sym = torch.randint(1, n_symbols + 1, (n, n_copy), generator=g)
    x = torch.zeros(n, L + 2 * n_copy, dtype=torch.long)
    x[:, :n_copy] = sym
    x[:, L + n_copy - 1] = n_symbols + 1
    return x, sym
