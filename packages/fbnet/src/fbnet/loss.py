"""FBNet's latency-aware loss (paper Eq. 2): ``L = CE * alpha * log(LAT) ** beta``.

The exponent applies to ``log(LAT)``, not to ``LAT`` inside the log (the community bug of
AnnaAraslanova/FBNet#3: ``log(LAT ** beta) = beta * log(LAT)``).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F


class FBNetLoss:
    """``CE(logits, y) * alpha * (log LAT)^beta``; with ``ref_latency`` the normalised ``(log LAT / log ref)^beta``.

    Args:
        alpha: overall scale (paper 0.2).
        beta: latency sensitivity (paper 0.6; 0 is the accuracy-only loss ``alpha * CE``).
        ref_latency: reference latency (same unit as LAT, > 1); None for the raw form.
        unit: the unit of LAT, for messages only.
    """

    def __init__(
        self, alpha: float = 0.2, beta: float = 0.6, ref_latency: float | None = None, unit: str = "us"
    ) -> None:
        if not (math.isfinite(alpha) and alpha > 0):
            raise ValueError(f"alpha must be a finite float > 0, got {alpha!r}")
        if not (math.isfinite(beta) and beta >= 0):
            raise ValueError(f"beta must be a finite float >= 0, got {beta!r}")
        if ref_latency is not None and not (math.isfinite(ref_latency) and ref_latency > 1):
            raise ValueError(f"ref_latency must be a finite float > 1 (log(ref) > 0), got {ref_latency!r}")
        self.alpha, self.beta, self.ref_latency, self.unit = float(alpha), float(beta), ref_latency, unit

    def latency_factor(self, latency: torch.Tensor) -> torch.Tensor:
        """``(log LAT)^beta`` (or its normalised form)."""
        if self.beta == 0:
            return torch.ones_like(latency)
        if bool((latency <= 1).any()):
            raise ValueError(
                f"log(latency) <= 0 for latency {latency.detach().min().item():.4g} {self.unit}: use unit='us' or set ref_latency"
            )
        log_lat = latency.log()
        if self.ref_latency is not None:
            log_lat = log_lat / math.log(self.ref_latency)
        return log_lat**self.beta

    def __call__(self, logits: torch.Tensor, target: torch.Tensor, latency: torch.Tensor) -> torch.Tensor:
        """The loss.

        Args:
            logits: ``(N, C)``.
            target: ``(N,)`` class indices.
            latency: expected latency (scalar tensor, differentiable in theta).

        Returns:
            Scalar loss.
        """
        if not bool(torch.isfinite(latency).all()):
            raise ValueError("latency is not finite")
        return F.cross_entropy(logits, target) * self.alpha * self.latency_factor(latency)
