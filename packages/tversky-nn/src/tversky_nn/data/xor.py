"""The XOR data set of the paper's Fig. 1: the four corners of the unit square and their XOR labels."""

from __future__ import annotations

import torch


def xor_dataset(
    *, dtype: torch.dtype = torch.float32, device: torch.device | str | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """``x`` ``(4, 2)`` = {0,1}^2 and ``y`` ``(4,)`` = x0 XOR x1 (int64 class labels)."""
    x = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], dtype=dtype, device=device)
    y = torch.tensor([0, 1, 1, 0], dtype=torch.long, device=device)
    return x, y
