"""The gradient signal-to-noise ratio of each layer across an epoch's minibatches (Shwartz-Ziv & Tishby 2017,
Sec. 3.3, Fig. 4): the norm of the mean of the minibatch gradients against the norm of their standard
deviation. A high ratio is the paper's "drift" (fitting) phase, a low one its "diffusion" (compression) phase.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import torch
from torch import nn

__all__ = ["GradientSNR"]


class GradientSNR:
    """Per-layer mean and standard deviation of minibatch gradients over the steps of chosen epochs.

    Call :meth:`begin_epoch` at the start of an epoch, :meth:`accumulate` after every ``backward()``, and
    :meth:`end_epoch` at its end; only epochs in ``epochs`` cost anything.

    Args:
        params: ``{name: parameter}`` to track (e.g. each layer's weight), or a module (its parameters named
            ``*weight``).
        epochs: the epochs to measure (None: every epoch).
        member_dim: with a stack of networks (:class:`info_plane.models.IBEnsemble`), the dimension of each
            parameter that indexes the members (0): the norms are then taken per member.
    """

    def __init__(
        self,
        params: Mapping[str, torch.Tensor] | nn.Module,
        *,
        epochs: Iterable[int] | None = None,
        member_dim: int | None = None,
    ) -> None:
        if isinstance(params, nn.Module):
            params = {n: p for n, p in params.named_parameters() if n.endswith("weight")}
        if not isinstance(params, Mapping):
            raise TypeError(
                f"params must be a {{name: parameter}} mapping or an nn.Module, got {type(params).__name__}"
            )
        if not params:
            raise ValueError("params is empty: name at least one parameter to track")
        for n, p in params.items():
            if not isinstance(p, torch.Tensor) or not p.requires_grad:
                raise ValueError(f"params[{n!r}] must be a parameter that requires grad")
        if member_dim not in (None, 0):
            raise ValueError(f"member_dim must be None or 0, got {member_dim!r}")
        self.params = dict(params)
        self.epochs = None if epochs is None else {int(e) for e in epochs}
        if self.epochs is not None and any(e < 0 for e in self.epochs):
            raise ValueError(f"epochs must be non-negative integers, got {sorted(self.epochs)}")
        self.member_dim = member_dim
        self._active: int | None = None
        self._sum: dict[str, torch.Tensor] = {}
        self._sumsq: dict[str, torch.Tensor] = {}
        self._n = 0
        self._hist: dict[str, dict[str, list[Any]]] = {
            n: {"epochs": [], "mean_norm": [], "std_norm": []} for n in self.params
        }

    def begin_epoch(self, epoch: int) -> None:
        """Start measuring ``epoch`` if it is one of the chosen epochs.

        Args:
            epoch: the epoch about to be trained.
        """
        self._active = int(epoch) if self.epochs is None or int(epoch) in self.epochs else None
        self._n = 0
        self._sum = (
            {n: torch.zeros_like(p, dtype=torch.float64) for n, p in self.params.items()}
            if self._active is not None
            else {}
        )
        self._sumsq = (
            {n: torch.zeros_like(p, dtype=torch.float64) for n, p in self.params.items()}
            if self._active is not None
            else {}
        )

    def accumulate(self) -> None:
        """Add the current ``.grad`` of every tracked parameter (call after each ``backward()``)."""
        if self._active is None:
            return
        for n, p in self.params.items():
            if p.grad is None:
                raise RuntimeError(f"parameter {n!r} has no gradient: call accumulate() after backward()")
            g = p.grad.detach().to(torch.float64)
            self._sum[n] += g
            self._sumsq[n] += g * g
        self._n += 1

    def end_epoch(self) -> None:
        """Close the epoch: store ``||mean||`` and ``||std||`` (population std over the epoch's minibatches)."""
        if self._active is None or self._n == 0:
            self._active = None
            return
        dims = None if self.member_dim is None else 1
        for n in self.params:
            mean = self._sum[n] / self._n
            var = (self._sumsq[n] / self._n - mean * mean).clamp_min(0.0)
            if dims is None:
                mean_norm, std_norm = mean.norm(), var.sqrt().norm()
            else:
                mean_norm = mean.flatten(1).norm(dim=1)
                std_norm = var.sqrt().flatten(1).norm(dim=1)
            h = self._hist[n]
            h["epochs"].append(self._active)
            h["mean_norm"].append(mean_norm.cpu().numpy())
            h["std_norm"].append(std_norm.cpu().numpy())
        self._active = None

    @property
    def history(self) -> dict[str, dict[str, np.ndarray]]:
        """``{param: {"epochs": [R], "mean_norm": [R, ...], "std_norm": [R, ...], "snr": [R, ...]}}``."""
        out = {}
        for n, h in self._hist.items():
            mean = np.stack(h["mean_norm"]) if h["mean_norm"] else np.zeros((0,))
            std = np.stack(h["std_norm"]) if h["std_norm"] else np.zeros((0,))
            with np.errstate(divide="ignore", invalid="ignore"):
                snr = mean / std
            out[n] = {
                "epochs": np.asarray(h["epochs"], dtype=np.int64),
                "mean_norm": mean,
                "std_norm": std,
                "snr": snr,
            }
        return out

    def state_dict(self) -> dict[str, Any]:
        return {"history": self._hist}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned.

        Args:
            state: a state dict of this monitor.
        """
        self._hist = {n: {k: list(v) for k, v in h.items()} for n, h in state["history"].items()}
