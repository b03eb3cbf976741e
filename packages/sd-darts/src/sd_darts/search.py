"""SD-DARTS search: DARTS's bilevel search (darts-core) with a self-distillation term in the weight loss.

Per iteration (darts-core's loop): the teacher observes the supernet (a snapshot every ``interval`` steps), the
α step runs on a validation batch (plain DARTS ``L_val`` unless ``distill_alpha``), then the w step on a
training batch minimises::

    L_w = CE(f(x; w, α), y) + λ · τ² · KL(p_T ‖ softmax(f(x; w, α) / τ)),   p_T = vote({softmax(f(x; θ_j) / τ)})

with ``θ_j`` the supernets of previous steps (reconstructed from the abstract of arXiv 2302.05629; see the README
for what could not be checked). The term is off until the teacher is ready (``k·interval`` steps); with ``k = 0``
or ``λ = 0`` the search is exactly darts-core's DARTS.

Everything else (schedules, clipping, second order, checkpoints with exact resume, callbacks) is darts-core's
:func:`darts_core.search`; the teacher's snapshots are part of the architect's state, so they are checkpointed
and restored with it.
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Iterable
from typing import Any

import torch
from torch import nn

from darts_core import Architect, SearchResult, search
from sd_darts.loss import check_tau, self_distillation_loss
from sd_darts.teachers import VOTES, EMATeacher, SnapshotTeacher

Batch = tuple[torch.Tensor, torch.Tensor]
TEACHERS = ("snapshots", "ema")


class SDArchitect(Architect):
    """darts-core's :class:`~darts_core.Architect` with SD-DARTS's self-distillation (a drop-in replacement:
    pass it to :func:`darts_core.search` as ``architect=``, or use :func:`sd_search`).

    Args:
        model: the supernet (a :class:`darts_core.Supernet`).
        k: number of teachers (previous supernets) ``K >= 0``; None means 3 for ``teacher="snapshots"``
            (unused by ``teacher="ema"``: a warning when given).
        interval: steps between snapshots ``s >= 1`` (1: consecutive steps).
        lam: weight ``λ >= 0`` of the distillation term (package default 1.0).
        tau: temperature ``τ > 0`` (package default 1.0).
        vote: ``"mean"`` (soft vote) or ``"majority"`` (hard vote), see :func:`sd_darts.vote`.
        distill_alpha: also add the term to the α step's validation loss (default: plain DARTS ``L_val``).
        teacher: ``"snapshots"`` (the paper's previous supernets) or ``"ema"`` (moving average, an ablation).
        ema_momentum: ``m`` of the EMA teacher.
        include_alpha: whether teachers carry their own α (``θ = (w, α)``) or use the student's current α.
        **architect_kw: darts-core's :class:`~darts_core.Architect` options (``order``, ``arch_lr``,
            ``arch_betas``, ``arch_wd``, ``loss_fn``, ``hvp_radius``, ``hvp``).
    """

    def __init__(
        self,
        model: nn.Module,
        *,
        k: int | None = None,
        interval: int = 1,
        lam: float = 1.0,
        tau: float = 1.0,
        vote: str = "mean",
        distill_alpha: bool = False,
        teacher: str = "snapshots",
        ema_momentum: float = 0.99,
        include_alpha: bool = True,
        **architect_kw: Any,
    ) -> None:
        if teacher not in TEACHERS:
            raise ValueError(f"teacher must be one of {TEACHERS}, got {teacher!r}")
        if vote not in VOTES:
            raise ValueError(f"vote must be one of {VOTES}, got {vote!r}")
        if (
            isinstance(lam, bool)
            or not isinstance(lam, numbers.Real)
            or not float(lam) >= 0
            or lam == float("inf")
        ):
            raise ValueError(f"lam must be a finite number >= 0, got {lam!r}")
        if (
            isinstance(ema_momentum, bool)
            or not isinstance(ema_momentum, numbers.Real)
            or not 0 <= float(ema_momentum) < 1
        ):
            raise ValueError(f"ema_momentum must be a number in [0, 1), got {ema_momentum!r}")
        if not isinstance(distill_alpha, bool):
            raise TypeError(f"distill_alpha must be a bool, got {distill_alpha!r}")
        self.tau: float = check_tau(tau)
        super().__init__(model, **architect_kw)  # type: ignore[arg-type]
        self.teacher: SnapshotTeacher | EMATeacher
        if teacher == "ema":
            if k is not None:
                warnings.warn(f"k={k!r} is unused with teacher='ema' (one averaged teacher)", stacklevel=2)
            self.teacher = EMATeacher(momentum=ema_momentum, include_alpha=include_alpha)
        else:
            self.teacher = SnapshotTeacher(
                k=3 if k is None else k, interval=interval, include_alpha=include_alpha
            )
        self.lam: float = float(lam)
        self.vote: str = vote
        self.distill_alpha: bool = distill_alpha
        self.teacher_kind: str = teacher
        self._cache: tuple[torch.Tensor, int, torch.Tensor] | None = None
        self._version: int = 0
        self.last_distill: float = float("nan")

    # ------------------------------------------------------------------ the distillation term
    @property
    def active(self) -> bool:
        """Whether the distillation term is on (``λ > 0`` and the teacher is ready)."""
        return self.lam > 0 and self.teacher.ready

    def teacher_probs(self, x: torch.Tensor) -> torch.Tensor:
        """The voted teacher prediction for ``x`` (cached for the same batch until the teacher changes)."""
        c = self._cache
        if c is not None and c[0] is x and c[1] == self._version:
            return c[2]
        probs = self.teacher.predict(self.model, x, tau=self.tau, vote_mode=self.vote)
        self._cache = (x, self._version, probs)
        return probs

    def distillation(self, logits: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """``τ² · KL(p_T(x) ‖ softmax(logits / τ))`` (zero while the teacher is not ready)."""
        if not self.active:
            return logits.new_zeros(())
        return self_distillation_loss(logits, self.teacher_probs(x), tau=self.tau, check=False)

    def weight_objective(self, logits: torch.Tensor, batch: Batch) -> torch.Tensor:
        """``L_w = CE + λ · τ² · KL(p_T ‖ softmax(z / τ))`` on a training batch (darts-core's w step uses it)."""
        loss = super().weight_objective(logits, batch)
        if not self.active:
            return loss
        term = self.distillation(logits, batch[0])
        self.last_distill = float(term.detach())
        return loss + self.lam * term.to(loss.dtype)

    def arch_objective(self, logits: torch.Tensor, batch: Batch) -> torch.Tensor:
        """``L_val`` (plain DARTS), plus the distillation term on the validation batch with ``distill_alpha``."""
        loss = super().arch_objective(logits, batch)
        if not (self.distill_alpha and self.active):
            return loss
        return loss + self.lam * self.distillation(logits, batch[0]).to(loss.dtype)

    # ------------------------------------------------------------------ the step
    def observe(self) -> None:
        """Let the teacher see the current supernet (a snapshot every ``interval`` steps, or an EMA update)."""
        if self.lam > 0:
            self.teacher.observe(self.model)
            self._version += 1

    def step(
        self,
        train_batch: Batch,
        val_batch: Batch,
        w_lr: float = 0.025,
        w_optimizer: torch.optim.Optimizer | None = None,
    ) -> torch.Tensor:
        """The teacher observes the supernet ``θ_t`` (the state the previous w step left), then darts-core's α
        step; the following w step of the search distils from the teacher. Returns the validation loss."""
        self.observe()
        return super().step(train_batch, val_batch, w_lr, w_optimizer)

    # ------------------------------------------------------------------ checkpoints
    def state_dict(self) -> dict[str, Any]:
        """darts-core's architect state plus the teacher's snapshots (so a resumed search is exact)."""
        hyper = {"lam": self.lam, "tau": self.tau, "vote": self.vote, "distill_alpha": self.distill_alpha}
        return super().state_dict() | {
            "teacher": self.teacher.state_dict(),
            "teacher_version": self._version,
            "hyper": hyper,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        if "teacher" not in state:
            raise ValueError(
                "the architect state holds no SD-DARTS teacher: it was not written by an SDArchitect"
            )
        self.teacher.load_state_dict(state["teacher"])
        changed = {
            k: (v, getattr(self, k)) for k, v in state.get("hyper", {}).items() if getattr(self, k, v) != v
        }
        if changed:
            warnings.warn(
                "resuming an SD-DARTS state written with other hyperparameters (saved -> now): "
                + ", ".join(f"{k}={v[0]!r} -> {v[1]!r}" for k, v in changed.items()),
                stacklevel=2,
            )
        ref = next(iter(self.model.parameters()))
        self.teacher.to(ref.device)
        self._version = int(state.get("teacher_version", 0))
        self._cache = None

    def __repr__(self) -> str:
        return (
            f"SDArchitect(order={self.order}, teacher={self.teacher!r}, lam={self.lam}, tau={self.tau}, "
            f"vote={self.vote!r}, distill_alpha={self.distill_alpha})"
        )


def sd_search(
    model: nn.Module,
    train_loader: Iterable[Batch],
    val_loader: Iterable[Batch],
    epochs: int = 50,
    *,
    k: int | None = None,
    interval: int = 1,
    lam: float = 1.0,
    tau: float = 1.0,
    vote: str = "mean",
    distill_alpha: bool = False,
    teacher: str = "snapshots",
    ema_momentum: float = 0.99,
    include_alpha: bool = True,
    order: int = 1,
    arch_lr: float = 3e-4,
    arch_betas: tuple[float, float] = (0.5, 0.999),
    arch_wd: float = 1e-3,
    **search_kw: Any,
) -> SearchResult:
    """Run an SD-DARTS search: darts-core's :func:`darts_core.search` with an :class:`SDArchitect`.

    Args:
        model: the supernet.
        train_loader: batches ``(x, y)`` of D_train (the w step, with distillation).
        val_loader: batches of D_val (the α step).
        epochs: search epochs (DARTS: 50).
        k: number of teachers (see :class:`SDArchitect`).
        interval: steps between snapshots.
        lam: weight λ of the distillation term.
        tau: temperature τ.
        vote: ``"mean"`` or ``"majority"``.
        distill_alpha: also distil in the α step.
        teacher: ``"snapshots"`` or ``"ema"``.
        ema_momentum: momentum of the EMA teacher.
        include_alpha: whether teachers carry their own α.
        order: 1 (first-order DARTS) or 2 (unrolled).
        arch_lr: Adam learning rate on α (DARTS: 3e-4).
        arch_betas: Adam betas on α.
        arch_wd: weight decay on α.
        **search_kw: every other :func:`darts_core.search` option (``w_lr``, ``w_lr_min``, ``momentum``, ``wd``,
            ``grad_clip``, ``warmup_epochs``, ``rule``, ``callbacks``, ``device``, ``checkpoint_path``,
            ``resume``, ``progress``, ``check_finite``).

    Returns:
        darts-core's :class:`~darts_core.SearchResult` (``.architect`` is the :class:`SDArchitect`).
    """
    if "architect" in search_kw:
        raise TypeError("sd_search builds its own SDArchitect: call darts_core.search(architect=...) instead")
    device = search_kw.get("device")
    if device is not None:
        model.to(torch.device(device))
    architect = SDArchitect(
        model,
        k=k,
        interval=interval,
        lam=lam,
        tau=tau,
        vote=vote,
        distill_alpha=distill_alpha,
        teacher=teacher,
        ema_momentum=ema_momentum,
        include_alpha=include_alpha,
        order=order,
        arch_lr=arch_lr,
        arch_betas=arch_betas,
        arch_wd=arch_wd,
    )
    return search(model, train_loader, val_loader, epochs, order=order, architect=architect, **search_kw)  # type: ignore[arg-type]
