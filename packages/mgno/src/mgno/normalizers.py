"""Gaussian normalisers of the inputs and targets (the official ``UnitGaussianNormalizer`` = pointwise, "PGN",
and ``GaussianNormalizer`` = global, "GN"), as modules whose statistics are buffers (they follow ``.to()`` and
``state_dict``), and :class:`Normalized`, a model wrapped as ``decode(model(encode(x)))``.

Fit them on the training split only.
"""

from __future__ import annotations

import math

import torch
from torch import nn


class _Gaussian(nn.Module):
    mean: torch.Tensor
    std: torch.Tensor

    def __init__(self, eps: float = 1e-5) -> None:
        super().__init__()
        if (
            isinstance(eps, bool)
            or not isinstance(eps, (int, float))
            or not eps >= 0
            or not math.isfinite(eps)
        ):
            raise ValueError(f"eps must be a finite number >= 0, got {eps!r}")
        self.eps = float(eps)
        self.register_buffer("mean", torch.zeros(()))
        self.register_buffer("std", torch.ones(()))
        self.fitted = False

    def _stats(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:  # pragma: no cover - abstract
        raise NotImplementedError

    def fit(self, x: torch.Tensor) -> _Gaussian:
        """Estimate the statistics from training samples.

        Args:
            x: samples (N, ...), N >= 2, finite.

        Returns:
            self.
        """
        if not isinstance(x, torch.Tensor) or not x.is_floating_point():
            raise TypeError("x must be a floating-point torch tensor")
        if x.ndim < 2 or x.shape[0] < 2:
            raise ValueError(f"x must be (N, ...) with N >= 2 samples, got shape {tuple(x.shape)}")
        if not torch.isfinite(x).all():
            raise ValueError("x contains NaN or inf")
        mean, std = self._stats(x)
        self.mean = mean.detach().clone()
        self.std = std.detach().clone()
        self.fitted = True
        return self

    def _check(self, x: torch.Tensor) -> None:
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"x must be a torch tensor, got {type(x).__name__}")
        if not self.fitted:
            raise RuntimeError(f"{type(self).__name__} is not fitted: call .fit(train_x) first")

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """``(x - mean) / (std + eps)``.

        Args:
            x: (B, ...) with the fitted per-sample shape (pointwise) or any shape (global).

        Returns:
            The normalised tensor.
        """
        self._check(x)
        return (x - self.mean) / (self.std + self.eps)

    def decode(self, x: torch.Tensor) -> torch.Tensor:
        """``x * (std + eps) + mean``, the inverse of :meth:`encode`.

        Args:
            x: a normalised tensor.

        Returns:
            The tensor in the original units.
        """
        self._check(x)
        return x * (self.std + self.eps) + self.mean

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):  # type: ignore[no-untyped-def]
        for name in ("mean", "std"):
            if prefix + name in state_dict:
                setattr(self, name, torch.empty_like(state_dict[prefix + name]))
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)
        self.fitted = True

    def extra_repr(self) -> str:
        return f"shape={tuple(self.mean.shape)}, eps={self.eps}"


class PointwiseGaussianNormalizer(_Gaussian):
    """Unit Gaussian per grid point: mean and std over the samples at every point (tied to the grid).

    Args:
        eps: added to the std.
    """

    def _stats(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return x.mean(0), x.std(0)

    def _check(self, x: torch.Tensor) -> None:
        super()._check(x)
        if tuple(x.shape[-self.mean.ndim :]) != tuple(self.mean.shape):
            raise ValueError(
                f"pointwise normaliser fitted on samples of shape {tuple(self.mean.shape)}, got {tuple(x.shape)}"
            )


class GlobalGaussianNormalizer(_Gaussian):
    """One mean and one std over all samples and points (resolution-free).

    Args:
        eps: added to the std.
    """

    def _stats(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return x.mean(), x.std()


class Normalized(nn.Module):
    """``y_normalizer.decode(model(x_normalizer.encode(x)))``: the model sees normalised inputs, the loss the
    decoded output in physical units (the official training loop).

    Args:
        model: any module mapping (B, C_in, H, W) to (B, C_out, H, W).
        x_normalizer: a fitted normaliser of the inputs, or None.
        y_normalizer: a fitted normaliser of the targets, or None.
    """

    def __init__(
        self, model: nn.Module, x_normalizer: nn.Module | None = None, y_normalizer: nn.Module | None = None
    ):
        super().__init__()
        if not isinstance(model, nn.Module):
            raise TypeError(f"model must be an nn.Module, got {type(model).__name__}")
        for name, norm in (("x_normalizer", x_normalizer), ("y_normalizer", y_normalizer)):
            if norm is not None and not (
                callable(getattr(norm, "encode", None)) and callable(getattr(norm, "decode", None))
            ):
                raise TypeError(
                    f"{name} must be a normaliser with encode/decode, or None, got {type(norm).__name__}"
                )
        self.model = model
        self.x_normalizer = x_normalizer
        self.y_normalizer = y_normalizer

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply the wrapped model in normalised coordinates.

        Args:
            x: input in physical units (B, C_in, H, W).

        Returns:
            The prediction in physical units.
        """
        if self.x_normalizer is not None:
            x = self.x_normalizer.encode(x)  # type: ignore[operator]
        out = self.model(x)
        if self.y_normalizer is not None:
            out = self.y_normalizer.decode(out)  # type: ignore[operator]
        return out
