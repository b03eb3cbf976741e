"""NoProp-DT: T discrete denoising blocks, each trained on its own local loss (paper Sec. 2.2, Alg. 1)."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from noprop._base import (
    NoPropBase,
    check_all_finite,
    check_batch_for_bn,
    check_grad_clip,
    check_positive_int,
    check_xy,
    minibatches,
    upcast,
)
from noprop.embeddings import LabelEmbedding, gaussian_kl_to_standard
from noprop.schedules import DiscreteSchedule

__all__ = ["NoPropDT", "block_seed"]

ORDERS = ("sequential", "reverse", "random")


def block_seed(seed: int, t: int) -> int:
    """The seed of block ``t``'s random stream when a model is trained with ``seed`` (any process)."""
    return int(seed) * 1_000_003 + int(t)


class NoPropDT(NoPropBase):
    """NoProp with discrete time (paper Sec. 2.2).

    ``blocks`` are ``T`` denoising modules ``f_t(x, z_{t-1}) -> logits`` (or pass ``block_factory``, a
    zero-argument callable called ``T`` times). Block ``t`` (``t = 1..T``, stored at ``self.blocks[t - 1]``)
    predicts ``uhat_t = softmax(f_t) @ W_emb`` from a noisy label ``z_{t-1} ~ q(z_{t-1} | y)`` that is sampled
    directly (paper Eq. 4), never produced by block ``t - 1``. Its loss (paper Eq. 8, the per-block term
    of the ELBO) is::

        L_t = (T/2) eta (SNR(t) - SNR(t-1)) ||uhat_t(z_{t-1}, x) - u_y||^2          (sum over dims)
              + CE(y, W_out z_T + b_out), z_T ~ q(z_T | y)   +   KL(q(z_0 | y) || N(0, I))

    Inference (paper Eq. 6 with ``u_y`` replaced by ``uhat_t``): ``z_0 ~ N(0, I)``,
    ``z_t = a_t uhat_t(z_{t-1}, x) + b_t z_{t-1} + sqrt(c_t) eps``, classify ``z_T`` with the head.
    ``deterministic=True`` (default) uses ``z_0 = 0`` and ``eps = 0``.

    Only block ``t``, the head and (if learned) the embedding receive gradients from ``block_loss(.., t)``;
    with ``with_head=False`` only block ``t`` does, so blocks can be trained in any order or in separate
    processes (:meth:`train_block`, :meth:`block_state_dict`, :meth:`load_block_state_dict`).
    """

    trained: torch.Tensor

    def __init__(
        self,
        *,
        num_classes: int,
        blocks: Sequence[nn.Module] | None = None,
        block_factory: Callable[[], nn.Module] | None = None,
        T: int = 10,
        embedding: LabelEmbedding | None = None,
        eta: float = 0.1,
        schedule: DiscreteSchedule | None = None,
        abar_max: float = 0.999,
    ) -> None:
        super().__init__()
        if isinstance(T, bool) or not isinstance(T, int) or T < 1:
            raise ValueError(f"T must be an int >= 1, got {T!r}")
        if not eta > 0:
            raise ValueError(f"eta must be > 0, got {eta}")
        if (blocks is None) == (block_factory is None):
            raise ValueError("pass exactly one of blocks (a list of T modules) or block_factory (a callable)")
        if blocks is None:
            assert block_factory is not None
            blocks = [block_factory() for _ in range(T)]
        blocks = list(blocks)
        if len(blocks) != T:
            raise ValueError(f"blocks must hold T={T} modules, got {len(blocks)}")
        for i, b in enumerate(blocks):
            if not isinstance(b, nn.Module):
                raise TypeError(f"blocks[{i}] must be an nn.Module, got {type(b).__name__}")
        self._init_common(num_classes, embedding)
        if schedule is None:
            schedule = DiscreteSchedule.cosine(T, abar_max=abar_max)
        if not isinstance(schedule, DiscreteSchedule) or schedule.T != T:
            raise ValueError(f"schedule must be a DiscreteSchedule with T={T}, got {schedule!r}")
        self.T = T
        self.eta = float(eta)
        self.blocks = nn.ModuleList(blocks)
        self.schedule = schedule
        self.register_buffer("trained", torch.zeros(T, dtype=torch.bool))
        self._optimizers: dict[Any, torch.optim.Optimizer] = {}
        self.optimizer_kwargs: dict[str, float] = {"lr": 1e-3, "weight_decay": 1e-3}

    # ------------------------------------------------------------------------------------------ loss
    def _check_t(self, t: int) -> int:
        if isinstance(t, bool) or not isinstance(t, int) or not 1 <= t <= self.T:
            raise ValueError(
                f"t must be an int in 1..{self.T} (block index, 1-based as in the paper), got {t!r}"
            )
        return t

    def sample_q(self, y: torch.Tensor, t: int) -> torch.Tensor:
        """``z_t ~ q(z_t | y) = N(sqrt(abar_t) u_y, (1 - abar_t) I)`` (paper Eq. 4), float32."""
        u = upcast(self.embedding(y))
        ab = self.schedule.abar[t]
        return ab.sqrt() * u + (1 - ab).sqrt() * torch.randn_like(u)

    def predict_embedding(self, t: int, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        """``uhat_t(z_{t-1}, x) = softmax(f_t(x, z_{t-1})) @ W_emb`` (float32)."""
        logits = self.blocks[t - 1](x, z.to(x.dtype) if x.is_floating_point() else z)
        return torch.softmax(upcast(logits), dim=-1) @ upcast(self.embedding.weight)

    def block_loss(
        self, x: torch.Tensor, y: torch.Tensor, t: int, *, with_head: bool = True
    ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """The local loss of block ``t`` on a minibatch (paper Eq. 8); touches block ``t`` only.

        Returns ``(loss, {"mse", "ce", "kl"})`` (``mse`` is the unweighted squared error, summed over the
        embedding dims and averaged over the batch). ``with_head=False`` drops the CE and KL terms (for a
        head trained separately with :meth:`train_head`).
        """
        self._check_t(t)
        check_xy(x, y, self.num_classes)
        check_batch_for_bn(self.blocks[t - 1], x.shape[0])
        u = upcast(self.embedding(y))
        z_prev = self.sample_q(y, t - 1)
        uhat = self.predict_embedding(t, x, z_prev)
        mse = (uhat - u).pow(2).sum(-1).mean()
        weight = 0.5 * self.T * self.eta * self.schedule.snr_diff[t]
        loss = weight * mse
        zero = loss.new_zeros(())
        ce, kl = zero, zero
        if with_head:
            ce = F.cross_entropy(self.head_logits(self.sample_q(y, self.T)), y)
            kl = gaussian_kl_to_standard(u, self.schedule.abar[0]).mean()
            loss = loss + ce + kl
        return loss, {"mse": mse.detach(), "ce": ce.detach(), "kl": kl.detach()}

    def head_loss(self, y: torch.Tensor) -> torch.Tensor:
        """CE of the head on ``z_T ~ q(z_T | y)`` plus the KL term (the shared part of Eq. 8)."""
        check_xy(y, y, self.num_classes)
        u = upcast(self.embedding(y))
        ce = F.cross_entropy(self.head_logits(self.sample_q(y, self.T)), y)
        return ce + gaussian_kl_to_standard(u, self.schedule.abar[0]).mean()

    # ------------------------------------------------------------------------------------ optimisers
    def shared_parameters(self) -> list[nn.Parameter]:
        """Head parameters and, for learned embeddings, the embedding matrix."""
        return list(self.head.parameters()) + [p for p in self.embedding.parameters() if p.requires_grad]

    def block_parameters(self, t: int, *, with_head: bool = True) -> list[nn.Parameter]:
        """What block ``t``'s optimiser updates: its own parameters (+ head and learned embedding)."""
        self._check_t(t)
        params = list(self.blocks[t - 1].parameters())
        return params + self.shared_parameters() if with_head else params

    def configure_optimizers(
        self, lr: float = 1e-3, weight_decay: float = 1e-3
    ) -> list[torch.optim.Optimizer]:
        """One AdamW per block (paper's DT setting: lr 1e-3, weight decay 1e-3), each also holding the head
        and the learned embedding. Replaces any optimiser state."""
        if not lr > 0:
            raise ValueError(f"lr must be > 0, got {lr}")
        if weight_decay < 0:
            raise ValueError(f"weight_decay must be >= 0, got {weight_decay}")
        self.optimizer_kwargs = {"lr": float(lr), "weight_decay": float(weight_decay)}
        self._optimizers = {}
        return [self._optimizer((t, True)) for t in range(1, self.T + 1)]

    def _optimizer(self, key: Any) -> torch.optim.Optimizer:
        if key not in self._optimizers:
            if key == "head":
                params = self.shared_parameters()
            else:
                t, with_head = key
                params = self.block_parameters(t, with_head=with_head)
            self._optimizers[key] = torch.optim.AdamW(
                params, lr=self.optimizer_kwargs["lr"], weight_decay=self.optimizer_kwargs["weight_decay"]
            )
        return self._optimizers[key]

    # -------------------------------------------------------------------------------------- training
    def _pass(
        self,
        t: int,
        x: torch.Tensor,
        y: torch.Tensor,
        batch_size: int,
        with_head: bool,
        grad_clip: float | None,
    ) -> float:
        """One epoch of block ``t`` inside its own random stream; returns the mean loss."""
        opt = self._optimizer((t, with_head))
        block = self.blocks[t - 1]
        block.train()
        self.head.train()
        total, n = 0.0, 0
        with self.rng.stream(("block", t), self.device):
            for idx in minibatches(x.shape[0], batch_size, x.device):
                loss, _ = self.block_loss(x[idx], y[idx], t, with_head=with_head)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                if grad_clip is not None:
                    nn.utils.clip_grad_norm_(self.block_parameters(t, with_head=with_head), grad_clip)
                opt.step()
                total += float(loss.detach()) * idx.numel()
                n += idx.numel()
        self.trained[t - 1] = True
        return total / max(n, 1)

    def _prepare(
        self,
        x: torch.Tensor,
        y: torch.Tensor,
        batch_size: int,
        epochs: int,
        grad_clip: float | None = None,
        finite: bool = True,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        check_xy(x, y, self.num_classes)
        check_positive_int("epochs", epochs, 0)
        check_positive_int("batch_size", batch_size, 2)
        check_grad_clip(grad_clip)
        if x.shape[0] < 2:
            raise ValueError(f"training needs at least 2 samples (BatchNorm), got {x.shape[0]} sample")
        if finite:
            check_all_finite(x, "x")
        return x.to(self.device), y.to(self.device)

    def train_block(
        self,
        t: int,
        x: torch.Tensor,
        y: torch.Tensor,
        *,
        epochs: int = 1,
        batch_size: int = 128,
        with_head: bool = True,
        seed: int | None = None,
        grad_clip: float | None = None,
        check_finite: bool = True,
    ) -> list[float]:
        """Train block ``t`` alone for ``epochs`` passes over ``(x, y)``; returns the mean loss per epoch.

        Nothing but block ``t`` (and, with ``with_head=True``, the head and a learned embedding) is read or
        updated, so this can run in another process: train there, send :meth:`block_state_dict` back and
        :meth:`load_block_state_dict` it. ``seed`` (re)starts block ``t``'s own random stream; with the same
        seed and initial weights the result is bitwise the same whatever else happens in the process.
        ``check_finite`` refuses (``ValueError``) inputs holding NaN or inf; ``False`` skips that pass over ``x``.
        """
        self._check_t(t)
        x, y = self._prepare(x, y, batch_size, epochs, grad_clip, check_finite)
        if seed is not None:
            self.rng.reset(("block", t), block_seed(seed, t))
        was = self.training
        try:
            return [self._pass(t, x, y, batch_size, with_head, grad_clip) for _ in range(epochs)]
        finally:
            self.train(was)

    def train_head(
        self, y: torch.Tensor, *, epochs: int = 1, batch_size: int = 128, seed: int | None = None
    ) -> list[float]:
        """Train the head (and a learned embedding) alone on ``z_T ~ q(z_T | y)`` (needs no inputs ``x``)."""
        check_xy(y, y, self.num_classes)
        check_positive_int("epochs", epochs, 0)
        y = y.to(self.device)
        if seed is not None:
            self.rng.reset("head", block_seed(seed, 0))
        opt = self._optimizer("head")
        losses = []
        with self.rng.stream("head", self.device):
            for _ in range(epochs):
                total = 0.0
                for idx in minibatches(y.shape[0], batch_size, y.device):
                    loss = self.head_loss(y[idx])
                    opt.zero_grad(set_to_none=True)
                    loss.backward()
                    opt.step()
                    total += float(loss.detach()) * idx.numel()
                losses.append(total / max(y.shape[0], 1))
        return losses

    def fit(
        self,
        x: torch.Tensor,
        y: torch.Tensor,
        *,
        epochs: int = 1,
        batch_size: int = 128,
        order: str | Sequence[int] = "sequential",
        with_head: bool = True,
        seed: int | None = None,
        grad_clip: float | None = None,
        callback: Callable[[int, dict[int, float]], None] | None = None,
        check_finite: bool = True,
    ) -> NoPropDT:
        """Algorithm 1 of the paper: for each epoch, for each block ``t`` (in ``order``), one pass of
        minibatch steps on ``L_t``. ``order`` is ``"sequential"`` (1..T), ``"reverse"``, ``"random"`` (a new
        permutation each epoch) or an explicit list of block indices. With ``with_head=False`` call
        :meth:`train_head` as well. ``callback(epoch, {t: loss})`` runs after each epoch. ``check_finite``
        refuses (``ValueError``) inputs holding NaN or inf (one NaN sample would make every prediction NaN);
        ``False`` skips that pass over ``x``. ``grad_clip`` is None or a max gradient norm > 0.
        """
        x, y = self._prepare(x, y, batch_size, epochs, grad_clip, check_finite)
        if isinstance(order, str) and order not in ORDERS:
            raise ValueError(f"order must be one of {ORDERS} or a list of block indices, got {order!r}")
        if not isinstance(order, str) and sorted(order) != list(range(1, self.T + 1)):
            raise ValueError(f"an explicit order must be a permutation of 1..{self.T}, got {list(order)}")
        if seed is not None:
            check_positive_int("seed", seed, 0)
            for t in range(1, self.T + 1):
                self.rng.reset(("block", t), block_seed(seed, t))
        shuffler = random.Random(seed)
        was = self.training
        try:
            for epoch in range(epochs):
                if order == "sequential":
                    ts = list(range(1, self.T + 1))
                elif order == "reverse":
                    ts = list(range(self.T, 0, -1))
                elif order == "random":
                    ts = shuffler.sample(range(1, self.T + 1), self.T)
                else:
                    ts = [int(t) for t in order]
                losses = {t: self._pass(t, x, y, batch_size, with_head, grad_clip) for t in ts}
                if callback is not None:
                    callback(epoch, losses)
        finally:
            self.train(was)
        return self

    # -------------------------------------------------------------------------- per-block state dicts
    def block_state_dict(self, t: int) -> dict[str, torch.Tensor]:
        """The state dict of block ``t`` alone (to ship it between processes)."""
        self._check_t(t)
        return self.blocks[t - 1].state_dict()

    def load_block_state_dict(self, t: int, state: dict[str, torch.Tensor]) -> None:
        """Load block ``t`` from :meth:`block_state_dict` and mark it trained."""
        self._check_t(t)
        self.blocks[t - 1].load_state_dict(state)
        self.trained[t - 1] = True

    # ------------------------------------------------------------------------------------- inference
    def trajectory(
        self, x: torch.Tensor, *, deterministic: bool = True, generator: torch.Generator | None = None
    ) -> list[torch.Tensor]:
        """``[z_0, z_1, ..., z_T]`` of the inference chain (paper Eq. 6 with ``uhat_t``), each ``(N, d)``."""
        n = x.shape[0]
        d = self.embedding.dim
        dev = self.device
        if deterministic:
            z = torch.zeros(n, d, device=dev, dtype=self._zdtype)
        else:
            z = torch.randn(n, d, device=dev, dtype=self._zdtype, generator=generator)
        zs = [z]
        for t in range(1, self.T + 1):
            uhat = self.predict_embedding(t, x, z)
            a, b, c = self.schedule.posterior(t)
            z = a * uhat + b * z
            if not deterministic:
                z = z + c.sqrt() * torch.randn(n, d, device=dev, dtype=self._zdtype, generator=generator)
            zs.append(z)
        return zs

    def forward(
        self, x: torch.Tensor, *, deterministic: bool = True, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        """Class logits ``W_out z_T + b_out`` after the inference chain, shape ``(N, num_classes)``."""
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"x must be a torch.Tensor, got {type(x).__name__}")
        self._warn_if_untrained()
        return self.head_logits(self.trajectory(x, deterministic=deterministic, generator=generator)[-1])

    def extra_repr(self) -> str:
        return (
            f"num_classes={self.num_classes}, T={self.T}, eta={self.eta}, embedding={self.embedding.mode!r}"
        )
