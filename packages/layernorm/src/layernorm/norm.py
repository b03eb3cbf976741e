"""Layer normalisation written out from the paper (Ba, Kiros & Hinton, 2016, Eqs. 3-4).

For the H summed inputs ``a`` of a layer and ONE example,

    mu = (1/H) sum_i a_i,    sigma = sqrt((1/H) sum_i (a_i - mu)^2 + eps),    LN(a) = g * (a - mu) / sigma + b

with a per-unit gain ``g`` (initialised to 1) and bias ``b`` (initialised to 0). The variance is the biased one
and ``eps = 1e-5`` sits inside the square root, as in the authors' reference code. The recurrent cells use the
fused ``torch.nn.functional.layer_norm``; this module is the readable reference it is tested against.
"""

from __future__ import annotations

import torch
from torch import nn


def layer_norm_reference(
    a: torch.Tensor, gain: torch.Tensor | None, bias: torch.Tensor | None, eps: float = 1e-5
) -> torch.Tensor:
    """Paper Eq. 4 over the last dimension, computed step by step (no fused kernel)."""
    mu = a.mean(dim=-1, keepdim=True)
    sigma = ((a - mu).pow(2).mean(dim=-1, keepdim=True) + eps).sqrt()
    out = (a - mu) / sigma
    if gain is not None:
        out = out * gain
    if bias is not None:
        out = out + bias
    return out


class LayerNorm(nn.Module):
    """The paper's layer normalisation over the last ``normalized_size`` features (reference implementation).

    Numerically equal to ``nn.LayerNorm(normalized_size, eps=eps)``; use that (fused) in production code.
    """

    def __init__(
        self,
        normalized_size: int,
        *,
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        device: torch.device | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__()
        if not isinstance(normalized_size, int) or normalized_size < 1:
            raise ValueError(f"normalized_size must be a positive int, got {normalized_size!r}")
        if not eps > 0:
            raise ValueError(f"eps must be > 0, got {eps!r}")
        self.normalized_size = normalized_size
        self.eps = float(eps)
        if elementwise_affine:
            self.weight = nn.Parameter(torch.ones(normalized_size, device=device, dtype=dtype))
            self.bias = nn.Parameter(torch.zeros(normalized_size, device=device, dtype=dtype))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, a: torch.Tensor) -> torch.Tensor:
        if not isinstance(a, torch.Tensor):
            raise TypeError(f"input must be a tensor, got {type(a).__name__}")
        if not a.is_floating_point():
            raise TypeError(f"input must be floating point, got {a.dtype}")
        if self.weight is not None and a.dtype != self.weight.dtype:
            w = self.weight.dtype
            raise TypeError(
                f"input dtype {a.dtype} differs from the parameters' dtype {w}: convert the input with "
                f"input.to({w}) or the module with module.to({a.dtype})"
                + (" (module.double())" if a.dtype == torch.float64 else "")
            )
        if a.dim() == 0 or a.shape[-1] != self.normalized_size:
            raise ValueError(
                f"input's last dimension must be {self.normalized_size}, got shape {tuple(a.shape)}"
            )
        return layer_norm_reference(a, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return f"{self.normalized_size}, eps={self.eps}, elementwise_affine={self.weight is not None}"
