"""Teachers of SD-DARTS: snapshots of the supernet from previous steps, and how their predictions are voted.

The paper (abstract, arXiv 2302.05629 v1/v2) distils "knowledge from previous steps of the supernet" into the
current one and uses "voting teachers": several previous supernets whose output probabilities are aggregated by
voting into one teacher prediction. Its exact choices (how many teachers, how far apart, soft or hard voting,
whether α belongs to the snapshot) could not be checked against the full text here; every one is an explicit
argument with a package default:

* :class:`SnapshotTeacher`: a ring buffer of the last ``k`` snapshots ``θ_{t-s}, θ_{t-2s}, ..., θ_{t-ks}``
  (``θ = (w, α)``, ``s = interval`` steps); the teacher prediction is ``vote({softmax(f(x; θ_j) / τ)}_j)``.
* :class:`EMATeacher`: one exponential moving average ``θ̄ ← m θ̄ + (1 - m) θ`` (a cheap alternative, not the
  paper's).

Teachers are evaluated through ``torch.func.functional_call`` on the student module itself (no second module is
built), in no-grad mode and with batch-statistics BatchNorm as the student during search; neither the student's
nor the snapshot's running statistics change.
"""

from __future__ import annotations

import collections
import numbers
import warnings
from collections.abc import Sequence
from typing import Any

import torch
from torch import nn
from torch.func import functional_call

from darts_core import batch_stats_bn
from sd_darts.loss import check_tau

VOTES = ("mean", "majority")

Snapshot = dict[str, torch.Tensor]


def vote(probs: Sequence[torch.Tensor], mode: str = "mean") -> torch.Tensor:
    """Aggregate the teachers' class probabilities into one teacher prediction ("voting teachers").

    Args:
        probs: ``K >= 1`` tensors ``(N, C)`` of class probabilities, one per teacher.
        mode: ``"mean"`` (soft vote: the mean of the probabilities, the package default) or ``"majority"``
            (hard vote: per sample the one-hot of the class most teachers rank first; when several classes tie
            for the most votes, the mean probability vector of the teachers voting for one of the tied classes).

    Returns:
        ``(N, C)`` probabilities (rows sum to 1).
    """
    if mode not in VOTES:
        raise ValueError(f"vote must be one of {VOTES}, got {mode!r}")
    if isinstance(probs, torch.Tensor) or not len(probs):
        raise ValueError("probs must be a non-empty sequence of (N, C) tensors, one per teacher")
    for i, p in enumerate(probs):
        if not isinstance(p, torch.Tensor) or not p.is_floating_point():
            raise TypeError(
                f"probs[{i}] must be a floating-point (N, C) tensor of probabilities, got "
                f"{p.dtype if isinstance(p, torch.Tensor) else type(p).__name__}"
            )
    shape = probs[0].shape
    if len(shape) != 2 or any(p.shape != shape for p in probs):
        raise ValueError(
            f"probs must all be (N, C) tensors of one shape, got {[tuple(p.shape) for p in probs]}"
        )
    stacked = torch.stack(list(probs))  # (K, N, C)
    if mode == "mean":
        return stacked.mean(0)
    top = stacked.argmax(-1)  # (K, N): each teacher's vote
    n_classes = shape[1]
    votes = nn.functional.one_hot(top, n_classes).sum(0)  # (N, C)
    tied = votes == votes.max(-1, keepdim=True).values  # (N, C): classes with the most votes
    unique = tied.sum(-1) == 1  # (N,)
    onehot = tied.to(stacked.dtype)
    voters = tied.gather(1, top.t()).t().to(stacked.dtype)  # (K, N): teacher voted for a tied class
    tie_mean = (stacked * voters.unsqueeze(-1)).sum(0) / voters.sum(0).unsqueeze(-1)
    return torch.where(unique.unsqueeze(-1), onehot, tie_mean)


def _arch_ids(model: nn.Module) -> set[int]:
    fn = getattr(model, "arch_parameters", None)
    return {id(p) for p in fn()} if callable(fn) else set()


def take_snapshot(model: nn.Module, *, include_alpha: bool = True) -> Snapshot:
    """Detached copies (on the model's device) of every parameter and buffer of ``model``; without
    ``include_alpha`` the architecture parameters (``model.arch_parameters()``) are left out, so a teacher built
    from it uses the student's current α with the old weights.

    Args:
        model: the supernet (any ``nn.Module``; ``arch_parameters()`` marks α).
        include_alpha: whether α is part of the snapshot.

    Returns:
        ``{name: tensor}`` usable by ``torch.func.functional_call(model, snapshot, (x,))``.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be an nn.Module (the supernet), got {type(model).__name__}")
    _check_bool("include_alpha", include_alpha)
    skip = set() if include_alpha else _arch_ids(model)
    out = {n: p.detach().clone() for n, p in model.named_parameters() if id(p) not in skip}
    out.update({n: b.detach().clone() for n, b in model.named_buffers()})
    return out


def _check_bool(name: str, value: Any) -> None:
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be a bool, got {value!r}")


class _Teacher:
    """What both teachers share: the snapshots, device checks, prediction, and (de)serialisation."""

    include_alpha: bool

    def snapshots(self) -> list[Snapshot]:
        raise NotImplementedError

    @property
    def ready(self) -> bool:
        """Whether the teacher can predict (the distillation term is off until then: warm-up)."""
        raise NotImplementedError

    def _checked(self, model: nn.Module, snap: Snapshot) -> Snapshot:
        names = dict(model.named_parameters()) | dict(model.named_buffers())
        for name, t in snap.items():
            if name not in names or names[name].shape != t.shape:
                raise ValueError(
                    f"the teacher's snapshot does not fit this model: {name!r} "
                    + (
                        "is not in the model"
                        if name not in names
                        else f"has shape {tuple(t.shape)}, the model's {tuple(names[name].shape)}"
                    )
                    + " (a snapshot of another supernet?)"
                )
        ref = next(iter(model.parameters()), None)
        if ref is None:
            return snap
        if any(t.device != ref.device for t in snap.values()):
            warnings.warn(
                f"teacher snapshot is not on the model's device {ref.device}: moved there (call .to(device) on "
                "the teacher after moving the model to avoid a copy per step)",
                stacklevel=3,
            )
            for name, t in list(snap.items()):
                snap[name] = t.to(ref.device)
        return snap

    def to(self, device: torch.device | str) -> _Teacher:
        """Move every snapshot to ``device`` (in place); returns self."""
        for snap in self.snapshots():
            for name, t in list(snap.items()):
                snap[name] = t.to(device)
        return self

    @torch.no_grad()
    def predict(
        self, model: nn.Module, x: torch.Tensor, *, tau: float = 1.0, vote_mode: str = "mean"
    ) -> torch.Tensor:
        """The teacher prediction ``vote({softmax(f(x; θ_j) / τ)}_j)`` for the batch ``x``, in float32.

        Each snapshot is run through ``functional_call(model, snapshot, (x,))`` with batch-statistics BatchNorm
        (the student's mode during search); the snapshot's buffers are copied per call, so neither the student's
        nor the snapshot's running statistics change. No graph is built (no gradient reaches a teacher).

        Args:
            model: the student supernet whose structure the snapshots fill.
            x: the input batch.
            tau: the temperature ``τ > 0``.
            vote_mode: ``"mean"`` or ``"majority"`` (see :func:`vote`).

        Returns:
            ``(N, C)`` teacher probabilities.
        """
        tau = check_tau(tau)
        if not self.ready:
            raise RuntimeError(
                "the teacher holds no (or too few) snapshots yet: check .ready before predicting"
            )
        probs = []
        buffer_names = {n for n, _ in model.named_buffers()}
        with batch_stats_bn(model):
            for snap in self.snapshots():
                snap = self._checked(model, snap)
                state = {n: (t.clone() if n in buffer_names else t) for n, t in snap.items()}
                logits = functional_call(model, state, (x,))
                probs.append(torch.softmax(logits.float() / tau, dim=-1))
        return vote(probs, vote_mode)


class SnapshotTeacher(_Teacher):
    """A ring buffer of the last ``k`` supernet snapshots, taken every ``interval`` steps ("voting teachers").

    Call :meth:`observe` once per step: it takes a snapshot on steps ``0, s, 2s, ...``; the buffer keeps the
    ``k`` newest (oldest dropped first) and is :attr:`ready` once it holds ``k`` (the distillation warm-up of
    the first ``k·s`` steps). ``k = 0`` never becomes ready (no distillation: plain DARTS).

    Args:
        k: number of teachers ``K >= 0`` (package default 3, "voting teachers"; 1: the previous step only).
        interval: steps ``s >= 1`` between snapshots (1: consecutive steps; the number of steps per epoch: one
            snapshot per epoch).
        include_alpha: whether a snapshot holds α too (``θ = (w, α)``, default) or only the weights.
    """

    def __init__(self, *, k: int = 3, interval: int = 1, include_alpha: bool = True) -> None:
        if isinstance(k, bool) or not isinstance(k, int) or k < 0:
            raise ValueError(f"k must be an int >= 0, got {k!r}")
        if isinstance(interval, bool) or not isinstance(interval, int) or interval < 1:
            raise ValueError(f"interval must be an int >= 1, got {interval!r}")
        _check_bool("include_alpha", include_alpha)
        self.k: int = k
        self.interval: int = interval
        self.include_alpha = include_alpha
        self.buffer: collections.deque[Snapshot] = collections.deque(maxlen=max(k, 1))
        self.steps = 0

    def __len__(self) -> int:
        return len(self.buffer) if self.k else 0

    @property
    def ready(self) -> bool:
        return self.k > 0 and len(self.buffer) == self.k

    def snapshots(self) -> list[Snapshot]:
        """The held snapshots, oldest first."""
        return list(self.buffer) if self.k else []

    def push(self, model: nn.Module) -> None:
        """Store a snapshot of ``model`` now (dropping the oldest when ``k`` are held)."""
        if self.k:
            self.buffer.append(take_snapshot(model, include_alpha=self.include_alpha))

    def observe(self, model: nn.Module) -> None:
        """One step: snapshot ``model`` if this step is a multiple of ``interval``."""
        if self.steps % self.interval == 0:
            self.push(model)
        self.steps += 1

    def state_dict(self) -> dict[str, Any]:
        return {
            "kind": "snapshots",
            "k": self.k,
            "interval": self.interval,
            "steps": self.steps,
            "include_alpha": self.include_alpha,
            "buffer": self.snapshots(),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if (
            state.get("kind") != "snapshots"
            or state.get("k") != self.k
            or state.get("interval") != self.interval
        ):
            raise ValueError(
                f"teacher state does not fit SnapshotTeacher(k={self.k}, interval={self.interval}): got "
                f"{ {key: state.get(key) for key in ('kind', 'k', 'interval')} }"
            )
        self.steps = int(state["steps"])
        self.buffer.clear()
        self.buffer.extend(dict(s) for s in state["buffer"])

    def __repr__(self) -> str:
        return (
            f"SnapshotTeacher(k={self.k}, interval={self.interval}, include_alpha={self.include_alpha}, "
            f"held={len(self)})"
        )


class EMATeacher(_Teacher):
    """One teacher, the exponential moving average ``θ̄ ← m θ̄ + (1 - m) θ`` of the supernet (not the paper's
    teacher: a cheap ablation). Ready after the first :meth:`observe` (which copies the model).

    Args:
        momentum: ``m`` in ``[0, 1)`` (0: the previous step's supernet, as ``SnapshotTeacher(k=1)``).
        include_alpha: whether α is averaged too (default) or the student's current α is used.
    """

    def __init__(self, *, momentum: float = 0.99, include_alpha: bool = True) -> None:
        if (
            isinstance(momentum, bool)
            or not isinstance(momentum, numbers.Real)
            or not 0 <= float(momentum) < 1
        ):
            raise ValueError(f"ema_momentum must be a number in [0, 1), got {momentum!r}")
        _check_bool("include_alpha", include_alpha)
        self.momentum: float = float(momentum)
        self.include_alpha = include_alpha
        self.average: Snapshot | None = None

    @property
    def ready(self) -> bool:
        return self.average is not None

    def snapshots(self) -> list[Snapshot]:
        return [] if self.average is None else [self.average]

    @torch.no_grad()
    def observe(self, model: nn.Module) -> None:
        """One step: fold the current ``model`` into the average (buffers are copied, not averaged)."""
        snap = take_snapshot(model, include_alpha=self.include_alpha)
        if self.average is None:
            self.average = snap
            return
        params = {n for n, _ in model.named_parameters()}
        for name, t in snap.items():
            avg = self.average[name]
            if name in params and avg.is_floating_point():
                avg.mul_(self.momentum).add_(t.to(avg.device), alpha=1 - self.momentum)
            else:
                self.average[name] = t

    def state_dict(self) -> dict[str, Any]:
        return {
            "kind": "ema",
            "momentum": self.momentum,
            "include_alpha": self.include_alpha,
            "average": self.average,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if state.get("kind") != "ema":
            raise ValueError(f"teacher state does not fit EMATeacher: got kind {state.get('kind')!r}")
        self.average = None if state["average"] is None else dict(state["average"])

    def __repr__(self) -> str:
        return f"EMATeacher(momentum={self.momentum}, include_alpha={self.include_alpha}, ready={self.ready})"
