"""The base of every SNNK feature map: :class:`FeatureMap`, the activation names, and orthogonal Gaussian
projections.

A feed-forward layer's response ``f(wᵀx + b)`` is read as a kernel ``K(x, (w, b))`` and factorised as
``φ(x)ᵀψ(w, b)`` (the paper's kernel view of a feed-forward layer): ``φ`` acts on inputs only, ``ψ`` on parameters
only. Every map is an ``nn.Module`` whose random tensors are *buffers* (saved in ``state_dict``, moved by
``.to()``, never trained) drawn from a private ``torch.Generator`` seeded per map: constructing or running a map
never touches the global RNG.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import nn

__all__ = [
    "ACTIVATIONS",
    "MACLAURIN_ACTIVATIONS",
    "URF_ACTIVATIONS",
    "FeatureMap",
    "Spectrum",
    "gaussian_random_matrix",
]

URF_ACTIVATIONS = ("cos", "sin", "exp")
MACLAURIN_ACTIVATIONS = ("tanh", "gelu")
ACTIVATIONS = (*URF_ACTIVATIONS, "relu", *MACLAURIN_ACTIVATIONS)

Spectrum = Callable[[], tuple[Sequence[complex], Sequence[complex]]]

# ------------------------------------------------------------------------------------------------ helpers


def _check_int(name: str, value: Any, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__} ({value!r})")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return value


def _upcast(x: torch.Tensor, ref: torch.Tensor) -> torch.Tensor:
    """``x`` in the dtype of ``ref`` when ``x`` is in half precision (or of another float dtype than ``ref``)."""
    return x.to(ref.dtype) if x.dtype != ref.dtype and x.is_floating_point() else x


def _new_seed() -> int:
    return secrets.randbelow(2**62)


def gaussian_random_matrix(
    rows: int,
    cols: int,
    *,
    orthogonal: bool = True,
    generator: torch.Generator | None = None,
    dtype: torch.dtype = torch.float64,
) -> torch.Tensor:
    """A ``rows × cols`` matrix whose rows are marginally ``N(0, I_cols)``.

    With ``orthogonal=True`` rows come in blocks of ``cols`` exactly orthogonal directions (Haar-distributed via
    a sign-corrected QR) rescaled by independent χ_cols norms, so each row is still ``N(0, I)`` while rows of a
    block are orthogonal (orthogonal random features, as in Performer's FAVOR+ and the official SNNK code).
    """
    _check_int("rows", rows)
    _check_int("cols", cols)
    g = generator
    if not orthogonal:
        return torch.randn(rows, cols, generator=g, dtype=dtype)
    blocks = []
    for _ in range(math.ceil(rows / cols)):
        q, r = torch.linalg.qr(torch.randn(cols, cols, generator=g, dtype=dtype))
        q = q * torch.sign(torch.diagonal(r)).unsqueeze(0)  # Haar measure
        blocks.append(q.T)
    directions = torch.cat(blocks, 0)[:rows]
    norms = torch.randn(rows, cols, generator=g, dtype=dtype).norm(dim=1, keepdim=True)
    return directions * norms


class FeatureMap(nn.Module):
    """Base class: ``forward(x[..., d]) -> [..., out_features]`` (φ) and ``forward_params(w[l, d], b[l]) ->
    [l, out_features]`` (ψ); ``φ(x) @ ψ(w, b).T`` estimates the kernel ``f(wᵀx + b)``.

    ``num_features`` is the number of random samples m; ``out_features`` the length of φ(x) (``2m`` for the
    real-valued oscillatory URF path, ``m`` otherwise, + extras for Maclaurin maps).
    """

    in_features: int
    num_features: int
    seed: int

    def __init__(self, in_features: int, num_features: int, *, seed: int | None = None) -> None:
        super().__init__()
        self.in_features = _check_int("in_features", in_features)
        self.num_features = _check_int("num_features", num_features)
        if seed is not None:
            _check_int("seed", seed, minimum=0)
        self.seed = _new_seed() if seed is None else int(seed)

    @property
    def out_features(self) -> int:
        raise NotImplementedError

    @property
    def has_bias(self) -> bool:
        """Whether ``forward_params`` uses the bias ``b``."""
        return True

    def _generator(self, generator: torch.Generator | None) -> torch.Generator:
        return generator if generator is not None else torch.Generator().manual_seed(self.seed)

    def _draw(self, generator: torch.Generator) -> None:
        raise NotImplementedError

    def resample_(self, generator: torch.Generator | None = None) -> FeatureMap:
        """Redraw the random buffers (from ``generator``, or from a fresh seed) in place; returns self."""
        if generator is None:
            self.seed = _new_seed()
        ref = next(iter(self.buffers()), None)
        self._draw(self._generator(generator))
        if ref is not None:
            self.to(device=ref.device)
        return self

    def _check_input(self, x: torch.Tensor, name: str = "x") -> None:
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"{name} must be a torch.Tensor, got {type(x).__name__}")
        if not (x.is_floating_point() or x.is_complex()):
            raise TypeError(f"{name} must be a floating-point tensor, got dtype {x.dtype}")
        if x.dim() == 0 or x.shape[-1] != self.in_features:
            raise ValueError(
                f"{name} must have last dimension in_features={self.in_features}, got shape {tuple(x.shape)}"
            )

    def _check_params(self, w: torch.Tensor, b: torch.Tensor | None) -> None:
        self._check_input(w, "w")
        if w.dim() != 2:
            raise ValueError(f"w must be 2-d [l, {self.in_features}], got shape {tuple(w.shape)}")
        if b is not None:
            if not isinstance(b, torch.Tensor):
                raise TypeError(f"b must be a torch.Tensor or None, got {type(b).__name__}")
            if b.shape != (w.shape[0],):
                raise ValueError(f"b must have shape ({w.shape[0]},) to match w, got {tuple(b.shape)}")

    def forward_params(
        self, w: torch.Tensor, b: torch.Tensor | None = None
    ) -> torch.Tensor:  # pragma: no cover
        raise NotImplementedError

    def exact(self, x: torch.Tensor, w: torch.Tensor, b: torch.Tensor | None = None) -> torch.Tensor:
        """The kernel this map estimates, ``[n, l]``, in closed form."""
        raise NotImplementedError
