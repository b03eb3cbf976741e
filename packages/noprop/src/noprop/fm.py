"""NoProp-FM: flow matching from noise to the label embedding, conditioned on the input (paper Sec. 2.4)."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from noprop._base import check_batch_for_bn, check_positive_int, check_xy, upcast
from noprop._single import SingleNetworkNoProp
from noprop.embeddings import LabelEmbedding

__all__ = ["NoPropFM"]


class NoPropFM(SingleNetworkNoProp):
    """NoProp with flow matching (paper Sec. 2.4).

    ``z_0 ~ N(0, I)``, ``t ~ U[0, 1]``, ``z_t = t u_y + (1 - t) z_0``; the network ``v(z_t, x, t)``
    (``block`` takes ``t`` and returns ``embed_dim`` numbers: build it with ``out_features=embed_dim``)
    regresses the conditional velocity ``u_y - z_0``. A cross-entropy term on the extrapolated endpoint
    ``z1hat = z_t + (1 - t) v`` (weight ``ce_weight``) trains the head and keeps learned embeddings from
    collapsing::

        ||v(z_t, x, t) - (u_y - z_0)||^2 + ce_weight * CE(y, W_out z1hat + b_out)

    Inference: Euler integration of ``dz/dt = v(z, x, t)`` from ``t = 0`` to ``1`` in ``n_steps``, then the
    head on ``z_1``. ``deterministic=True`` (default) starts from ``z_0 = 0``.
    """

    def __init__(
        self,
        *,
        block: nn.Module,
        num_classes: int,
        embedding: LabelEmbedding | None = None,
        ce_weight: float = 1.0,
        n_steps: int = 1000,
    ) -> None:
        super().__init__()
        if not isinstance(block, nn.Module):
            raise TypeError(f"block must be an nn.Module, got {type(block).__name__}")
        if (
            isinstance(ce_weight, bool)
            or not isinstance(ce_weight, (int, float))
            or not 0 <= ce_weight < math.inf
        ):
            raise ValueError(f"ce_weight must be a finite number >= 0, got {ce_weight!r}")
        check_positive_int("n_steps", n_steps)
        self._init_common(num_classes, embedding)
        out = getattr(block, "out_features", self.embedding.dim)
        if out != self.embedding.dim:
            raise ValueError(
                f"the FM block must output embed_dim={self.embedding.dim} numbers (a velocity), got out_features={out}"
            )
        self.block = block
        self.ce_weight = float(ce_weight)
        self.n_steps = int(n_steps)
        self.register_buffer("trained", torch.zeros(1, dtype=torch.bool))

    def velocity(self, x: torch.Tensor, z: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        """``v(z_t, x, t)`` (float32)."""
        return upcast(self.block(x, z.to(x.dtype) if x.is_floating_point() else z, t))

    def loss(self, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """The FM loss on a minibatch; returns ``(loss, {"fm", "ce"})``."""
        check_xy(x, y, self.num_classes)
        check_batch_for_bn(self.block, x.shape[0])
        u = upcast(self.embedding(y))
        z0 = torch.randn_like(u)
        t = torch.rand(x.shape[0], device=u.device)
        tt = t.unsqueeze(-1)
        zt = tt * u + (1 - tt) * z0
        v = self.velocity(x, zt, t)
        fm = (v - (u - z0)).pow(2).sum(-1).mean()
        ce = F.cross_entropy(self.head_logits(zt + (1 - tt) * v), y)
        return fm + self.ce_weight * ce, {"fm": fm.detach(), "ce": ce.detach()}

    def trajectory(
        self,
        x: torch.Tensor,
        *,
        n_steps: int | None = None,
        deterministic: bool = True,
        generator: torch.Generator | None = None,
    ) -> list[torch.Tensor]:
        """Euler path ``[z_0, ..., z_1]`` (``n_steps + 1`` entries, each ``(N, d)``)."""
        k = self._check_steps(n_steps)
        n, d, dev = x.shape[0], self.embedding.dim, self.device
        z = (
            torch.zeros(n, d, device=dev, dtype=self._zdtype)
            if deterministic
            else torch.randn(n, d, device=dev, dtype=self._zdtype, generator=generator)
        )
        zs = [z]
        dt = 1.0 / k
        for i in range(k):
            t = torch.full((n,), i * dt, device=dev)
            z = z + dt * self.velocity(x, z, t)
            zs.append(z)
        return zs

    def forward(
        self,
        x: torch.Tensor,
        *,
        n_steps: int | None = None,
        deterministic: bool = True,
        generator: torch.Generator | None = None,
    ) -> torch.Tensor:
        """Class logits of the head on ``z_1``, shape ``(N, num_classes)``."""
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"x must be a torch.Tensor, got {type(x).__name__}")
        self._warn_if_untrained()
        return self.head_logits(
            self.trajectory(x, n_steps=n_steps, deterministic=deterministic, generator=generator)[-1]
        )

    def extra_repr(self) -> str:
        return f"num_classes={self.num_classes}, ce_weight={self.ce_weight}, n_steps={self.n_steps}, embedding={self.embedding.mode!r}"
