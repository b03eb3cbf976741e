"""TODO: one module per idea of the paper; this placeholder only shows the conventions."""

from __future__ import annotations

import torch
from torch import nn


class Scale(nn.Module):
    """Multiply the input by a constant (placeholder for the paper's module; cite the equation here)."""

    def __init__(self, *, factor: float = 1.0) -> None:
        super().__init__()
        if factor == 0:
            raise ValueError(f"factor must be non-zero, got {factor}")
        self.factor = float(factor)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.factor

    def extra_repr(self) -> str:
        return f"factor={self.factor}"
