"""NoProp-CT: one time-conditioned denoiser and a learnable noise schedule (paper Sec. 2.3)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from noprop._base import check_batch_for_bn, check_positive_int, check_xy, upcast
from noprop._single import SingleNetworkNoProp
from noprop.embeddings import LabelEmbedding, gaussian_kl_to_standard
from noprop.schedules import LearnableSchedule, posterior_coefficients

__all__ = ["NoPropCT"]


class NoPropCT(SingleNetworkNoProp):
    """NoProp in continuous time (paper Sec. 2.3).

    One network ``uhat(z_t, x, t) = softmax(f(x, z_t, t)) @ W_emb`` (``block`` must take ``t``, e.g.
    :class:`~noprop.blocks.TimeBlockMLP`), ``t ~ U[0, 1]`` per example, ``z_t ~ q(z_t | y) =
    N(sqrt(abar(t)) u_y, (1 - abar(t)) I)`` with the learnable schedule (``abar(t) = sigmoid(-gamma(t))``).
    Loss (the continuous-time limit of Eq. 8)::

        0.5 eta SNR'(t) ||uhat(z_t, x, t) - u_y||^2 + CE(y, W_out z_1 + b_out), z_1 ~ q(z_1 | y)
        + KL(q(z_0 | y) || N(0, I))

    Inference: the DT posterior step (Eq. 6) on the grid ``t_k = k / n_steps`` with ``abar`` evaluated there
    (paper: 1000 steps; ``n_steps`` sets it), ``deterministic=True`` (default) without sampling noise and
    ``z_0 = 0``.
    """

    def __init__(
        self,
        *,
        block: nn.Module,
        num_classes: int,
        embedding: LabelEmbedding | None = None,
        schedule: LearnableSchedule | None = None,
        eta: float = 1.0,
        n_steps: int = 1000,
    ) -> None:
        super().__init__()
        if not isinstance(block, nn.Module):
            raise TypeError(f"block must be an nn.Module, got {type(block).__name__}")
        if not eta > 0:
            raise ValueError(f"eta must be > 0, got {eta}")
        check_positive_int("n_steps", n_steps)
        self._init_common(num_classes, embedding)
        self.block = block
        self.schedule = schedule if schedule is not None else LearnableSchedule()
        if not isinstance(self.schedule, LearnableSchedule):
            raise TypeError(f"schedule must be a LearnableSchedule, got {type(self.schedule).__name__}")
        self.eta = float(eta)
        self.n_steps = int(n_steps)
        self.register_buffer("trained", torch.zeros(1, dtype=torch.bool))

    def predict_embedding(self, x: torch.Tensor, z: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        """``uhat(z_t, x, t)`` (float32)."""
        logits = self.block(x, z.to(x.dtype) if x.is_floating_point() else z, t)
        return torch.softmax(upcast(logits), dim=-1) @ upcast(self.embedding.weight)

    def loss(self, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """The CT loss on a minibatch; returns ``(loss, {"mse", "ce", "kl"})``."""
        check_xy(x, y, self.num_classes)
        check_batch_for_bn(self.block, x.shape[0])
        u = upcast(self.embedding(y))
        n = x.shape[0]
        t = torch.rand(n, device=u.device)
        ab = self.schedule.abar(t).unsqueeze(-1)
        z = ab.sqrt() * u + (1 - ab).sqrt() * torch.randn_like(u)
        uhat = self.predict_embedding(x, z, t)
        sq = (uhat - u).pow(2).sum(-1)
        mse = (0.5 * self.eta * self.schedule.snr_prime(t) * sq).mean()
        ends = self.schedule.abar(torch.tensor([0.0, 1.0], device=u.device))
        z1 = ends[1].sqrt() * u + (1 - ends[1]).sqrt() * torch.randn_like(u)
        ce = F.cross_entropy(self.head_logits(z1), y)
        kl = gaussian_kl_to_standard(u, ends[0]).mean()
        return mse + ce + kl, {"mse": sq.mean().detach(), "ce": ce.detach(), "kl": kl.detach()}

    def trajectory(
        self,
        x: torch.Tensor,
        *,
        n_steps: int | None = None,
        deterministic: bool = True,
        generator: torch.Generator | None = None,
    ) -> list[torch.Tensor]:
        """``[z_{t_0}, ..., z_{t_K}]`` on the grid ``t_k = k / n_steps`` (``K = n_steps``)."""
        k = self._check_steps(n_steps)
        n, d, dev = x.shape[0], self.embedding.dim, self.device
        grid = torch.linspace(0.0, 1.0, k + 1, device=dev)
        with torch.no_grad():
            abar = self.schedule.abar(grid).double() if dev.type != "mps" else self.schedule.abar(grid)
        a, b, c = (v.float() for v in posterior_coefficients(abar))
        z = (
            torch.zeros(n, d, device=dev, dtype=self._zdtype)
            if deterministic
            else torch.randn(n, d, device=dev, dtype=self._zdtype, generator=generator)
        )
        zs = [z]
        for i in range(1, k + 1):
            uhat = self.predict_embedding(x, z, grid[i - 1].expand(n))
            z = a[i] * uhat + b[i] * z
            if not deterministic:
                z = z + c[i].sqrt() * torch.randn(n, d, device=dev, dtype=self._zdtype, generator=generator)
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
        """Class logits of the head on the final ``z_1``, shape ``(N, num_classes)``."""
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"x must be a torch.Tensor, got {type(x).__name__}")
        self._warn_if_untrained()
        return self.head_logits(
            self.trajectory(x, n_steps=n_steps, deterministic=deterministic, generator=generator)[-1]
        )

    def extra_repr(self) -> str:
        return f"num_classes={self.num_classes}, eta={self.eta}, n_steps={self.n_steps}, embedding={self.embedding.mode!r}"
