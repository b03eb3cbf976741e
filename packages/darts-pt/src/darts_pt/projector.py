"""The DARTS-PT projection schedule (Wang et al. ICLR 2021, Alg. 3; official ``sota/cnn/projection.py``).

Starting from a trained supernet, one decision is taken per round and per cell type: first an operation for every
edge (edges in random order, Alg. 1), then the incoming edges of every node with more than ``topk`` inputs
(Alg. 2). Between decisions the supernet is fine-tuned for ``interval_epochs`` epochs with the projected weights
in the forward pass (decided edges one-hot, dropped edges zero, undecided edges ``softmax(α)``); α keeps being
updated by the first-order architect (``update_alpha=True``, ``darts-proj``) or stays fixed (``False``, the
"fix α" / ``blank-proj`` variant). Total fine-tuning: ``interval_epochs·(decisions - 1) + final_tune_epochs``
epochs (official: ``proj_intv·(14 + 3 - 1) + 1`` on the DARTS space).
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from darts_core import Genotype, Supernet, derive_genotype
from darts_core.bilevel import check_momentum, check_positive
from darts_core.loader import check_batch, check_finite_loader
from darts_pt.selection import (
    check_metric,
    check_supernet,
    perturbation_metrics,
    select_op,
    select_topology,
)

Batch = tuple[torch.Tensor, torch.Tensor]


class ProjectionComplete(StopIteration):
    """Raised by :meth:`Projector.step` once every decision has been taken."""


@dataclasses.dataclass(frozen=True)
class Decision:
    """One projection decision: ``kind`` is ``"op"`` (``index`` = edge, ``choice`` = op index) or ``"topology"``
    (``index`` = intermediate node, ``choice`` = kept edge ids); ``scores`` are the perturbation metrics."""

    cell_type: str
    kind: str
    index: int
    choice: int | tuple[int, ...]
    scores: dict[str, list[float]]
    op: str | None = None


@dataclasses.dataclass
class ProjectionState:
    """Per cell type: ``decided`` (E,) bool, ``proj`` (E, K) one-hot store, ``kept_edges`` per finished node."""

    decided: dict[str, torch.Tensor]
    proj: dict[str, torch.Tensor]
    kept_edges: dict[str, dict[int, tuple[int, ...]]]


class Projector:
    """Perturbation-based architecture selection on a trained darts-core supernet (DARTS-PT).

    Args:
        model: a trained :class:`darts_core.Supernet` (e.g. restored with ``darts_core.load_checkpoint``);
            fine-tuned in place.
        val_loader: D_val, re-iterable ``(x, y)`` batches: perturbation scores and α steps.
        train_loader: D_train for fine-tuning w between decisions (None: no fine-tuning).
        metric: ``"acc"`` (official default) or ``"loss"``.
        interval_epochs: fine-tuning epochs between decisions (official scripts: 5 on DARTS/NB201).
        final_tune_epochs: fine-tuning epochs after the last decision (official: 1).
        edge_order: ``"random"`` (official; numpy RNG seeded by ``seed``) or ``"ordered"`` (lowest id first).
        finetune_lr: learning rate of the fine-tuning SGD on w, reset at the start (official: learning_rate/10 =
            0.0025).
        finetune_lr_min: the rate the cosine schedule ends at (official 0.001 on the DARTS space).
        lr_schedule: ``"cosine"`` (official on the DARTS space) or ``"constant"`` (official on NB201, 0.0025).
        momentum: momentum of the fine-tuning SGD (0.9).
        weight_decay: weight decay of the fine-tuning SGD (3e-4).
        grad_clip: gradient-norm clip of the fine-tuning SGD (5).
        update_alpha: keep training α (first order) while fine-tuning (``darts-proj``); False = fix α.
        arch_lr: learning rate of the Adam optimiser on α (3e-4).
        arch_betas: betas of that Adam ((0.5, 0.999)).
        arch_wd: weight decay of that Adam (1e-3).
        tie_break: break equal scores with the other metric (our addition for tiny validation sets).
        bn_mode: ``"train"`` (batch statistics, official) or ``"eval"`` for the scoring passes.
        strict: raise instead of warn when ``train_loader is val_loader``.
        seed: seeds the edge order.
        check_finite: refuse (``ValueError``) data holding NaN or inf in either loader (checked once for a
            ``darts_core.TensorLoader``, batch by batch when used otherwise); False skips the check.
    """

    def __init__(
        self,
        model: Supernet,
        val_loader: Iterable[Batch],
        train_loader: Iterable[Batch] | None = None,
        *,
        metric: str = "acc",
        interval_epochs: int = 5,
        final_tune_epochs: int = 1,
        edge_order: str = "random",
        finetune_lr: float = 0.0025,
        finetune_lr_min: float = 0.001,
        lr_schedule: str = "cosine",
        momentum: float = 0.9,
        weight_decay: float = 3e-4,
        grad_clip: float | None = 5.0,
        update_alpha: bool = True,
        arch_lr: float = 3e-4,
        arch_betas: tuple[float, float] = (0.5, 0.999),
        arch_wd: float = 1e-3,
        tie_break: bool = True,
        bn_mode: str = "train",
        strict: bool = False,
        seed: int = 0,
        check_finite: bool = True,
    ) -> None:
        self.model = check_supernet(model)
        self.metric = check_metric(metric)
        for name, val in (("interval_epochs", interval_epochs), ("final_tune_epochs", final_tune_epochs)):
            if not isinstance(val, int) or val < 0:
                raise ValueError(f"{name} must be an int >= 0, got {val!r}")
        if edge_order not in ("random", "ordered"):
            raise ValueError(f"edge_order must be 'random' or 'ordered', got {edge_order!r}")
        if lr_schedule not in ("cosine", "constant"):
            raise ValueError(f"lr_schedule must be 'cosine' or 'constant', got {lr_schedule!r}")
        if not (finetune_lr > 0 and finetune_lr_min >= 0):
            raise ValueError(
                f"finetune_lr must be > 0 and finetune_lr_min >= 0, got {finetune_lr}, {finetune_lr_min}"
            )
        check_momentum("momentum", momentum)
        check_positive("weight_decay", weight_decay, allow_zero=True)
        check_positive("grad_clip", grad_clip, none_means="no clipping")
        check_positive("arch_lr", arch_lr)
        check_positive("arch_wd", arch_wd, allow_zero=True)
        if bn_mode not in ("train", "eval"):
            raise ValueError(f"bn_mode must be 'train' or 'eval', got {bn_mode!r}")
        if val_loader is None:
            raise ValueError("val_loader must be an iterable of (x, y) batches, got None")
        if train_loader is not None and train_loader is val_loader:
            msg = "train_loader is val_loader: fine-tuning and scoring on the same data leaks the selection signal"
            if strict:
                raise ValueError(msg)
            warnings.warn(msg, stacklevel=2)
        if not any(True for _ in val_loader):
            raise ValueError("val_loader is empty: perturbation scores need validation batches")
        self.check_finite = bool(check_finite)
        # per loader: whether batches still need the NaN/inf check when used (not for a checked TensorLoader)
        self._check_val = check_finite and not check_finite_loader(val_loader, "val_loader")
        self._check_train = (
            check_finite
            and train_loader is not None
            and not check_finite_loader(train_loader, "train_loader")
        )
        self.val_loader, self.train_loader = val_loader, train_loader
        self.interval_epochs, self.final_tune_epochs = interval_epochs, final_tune_epochs
        self.edge_order, self.seed, self.tie_break, self.bn_mode = edge_order, seed, tie_break, bn_mode
        self.update_alpha = bool(update_alpha)
        self.grad_clip = grad_clip
        self.finetune_lr, self.finetune_lr_min, self.lr_schedule = finetune_lr, finetune_lr_min, lr_schedule
        self.rng = np.random.RandomState(seed)
        space = model.space
        dev = next(model.parameters()).device
        E, K = space.alpha_shape
        self.cell_types = model.cell_types
        self.topo_nodes = [
            i for i in range(space.n_nodes) if space.topk is not None and space.n_inputs + i > space.topk
        ]
        self.state = ProjectionState(
            decided={c: torch.zeros(E, dtype=torch.bool, device=dev) for c in self.cell_types},
            proj={c: torch.zeros(E, K, device=dev) for c in self.cell_types},
            kept_edges={c: {} for c in self.cell_types},
        )
        self.decisions: list[Decision] = []
        self.rounds_done = 0
        self.epochs_tuned = 0
        self.w_optimizer = torch.optim.SGD(
            model.weight_parameters(), lr=finetune_lr, momentum=momentum, weight_decay=weight_decay
        )
        self.a_optimizer = (
            torch.optim.Adam(model.arch_parameters(), lr=arch_lr, betas=arch_betas, weight_decay=arch_wd)
            if self.update_alpha
            else None
        )

    # ------------------------------------------------------------------ schedule
    @property
    def num_rounds(self) -> int:
        """Decisions per cell type: every edge's op, then every node with more than ``topk`` inputs."""
        return self.model.space.num_edges + len(self.topo_nodes)

    @property
    def total_tune_epochs(self) -> int:
        """``interval_epochs·(num_rounds - 1) + final_tune_epochs`` (official ``tune_epochs``)."""
        return self.interval_epochs * (self.num_rounds - 1) + self.final_tune_epochs

    @property
    def done(self) -> bool:
        return self.rounds_done >= self.num_rounds

    def _lr(self) -> float:
        if self.lr_schedule == "constant" or self.total_tune_epochs <= 1:
            return self.finetune_lr
        t = self.epochs_tuned / self.total_tune_epochs
        lo, hi = self.finetune_lr_min, self.finetune_lr
        return lo + 0.5 * (hi - lo) * (1 + math.cos(math.pi * t))

    # ------------------------------------------------------------------ weights
    def projected_weights(self) -> dict[str, torch.Tensor]:
        """Op weights per cell type: ``softmax(α)`` on undecided edges, the stored one-hot on decided ones, zero
        on edges dropped by topology decisions. Differentiable in α (undecided edges only)."""
        out = {}
        arch = self.model.arch_weights()
        for c in self.cell_types:
            w = torch.where(self.state.decided[c].unsqueeze(-1), self.state.proj[c], arch[c])
            keep = torch.ones(w.shape[0], 1, dtype=w.dtype, device=w.device)
            for node, kept in self.state.kept_edges[c].items():
                for e in self.model.space.node_edges(node):
                    if e not in kept:
                        keep[e] = 0
            out[c] = w * keep
        return out

    def genotype(self) -> Genotype:
        """The cell from :meth:`projected_weights` with the space's own parse (``derive_genotype``)."""
        with torch.no_grad():
            return derive_genotype(self.projected_weights(), self.model.space)

    def rule(self, weights: Mapping[str, torch.Tensor], space: Any) -> Genotype:
        """A darts-core ``SelectionRule``: ignores ``weights`` and parses the projected weights."""
        return derive_genotype({k: v.detach() for k, v in self.projected_weights().items()}, space)

    # ------------------------------------------------------------------ decisions
    def _pick(self, candidates: list[int]) -> int:
        if self.edge_order == "ordered":
            return candidates[0]
        return int(self.rng.choice(candidates))

    def _decide(self, c: str) -> Decision:
        space = self.model.space
        with torch.no_grad():
            w = {k: v.detach() for k, v in self.projected_weights().items()}
        undecided = [int(e) for e in (~self.state.decided[c]).nonzero().flatten().tolist()]
        if undecided:
            e = self._pick(undecided)
            m = perturbation_metrics(
                self.model,
                self.val_loader,
                e,
                weights=w,
                cell_type=c,
                bn_mode=self.bn_mode,
                check_finite=self._check_val,
            )
            other = "loss" if self.metric == "acc" else "acc"
            k = select_op(m[self.metric], self.metric, tie_break=m[other] if self.tie_break else None)
            self.state.decided[c][e] = True
            self.state.proj[c][e] = 0
            self.state.proj[c][e, k] = 1
            scores = {n: v.tolist() for n, v in m.items()}
            return Decision(c, "op", e, k, scores, op=space.primitives[k])
        open_nodes = [n for n in self.topo_nodes if n not in self.state.kept_edges[c]]
        node = self._pick(open_nodes)
        kept = select_topology(
            self.model,
            self.val_loader,
            node,
            metric=self.metric,
            weights=w,
            cell_type=c,
            bn_mode=self.bn_mode,
            check_finite=self._check_val,
        )
        self.state.kept_edges[c][node] = tuple(kept)
        return Decision(c, "topology", node, tuple(kept), {})

    def step(self) -> list[Decision]:
        """One round: a decision per cell type, then the fine-tuning epochs that follow it."""
        if self.done:
            raise ProjectionComplete(f"all {self.num_rounds} decisions per cell type are taken")
        out = [self._decide(c) for c in self.cell_types]
        self.decisions.extend(out)
        self.rounds_done += 1
        self.finetune(self.final_tune_epochs if self.done else self.interval_epochs)
        return out

    def run(self) -> Genotype:
        """Take every remaining decision (with fine-tuning in between) and return the genotype."""
        while not self.done:
            self.step()
        return self.genotype()

    # ------------------------------------------------------------------ fine-tuning
    def finetune(self, epochs: int) -> None:
        """``epochs`` DARTS iterations over ``train_loader`` with the projected weights: a first-order α step on a
        validation batch (when ``update_alpha``), then an SGD step on w with gradient clipping."""
        if self.train_loader is None or epochs == 0:
            return
        model = self.model
        model.train()
        params = model.weight_parameters()
        alphas = model.arch_parameters()
        val_iter: Iterator[Batch] = iter(())
        for _ in range(epochs):
            for g in self.w_optimizer.param_groups:
                g["lr"] = self._lr()
            for i, (x, y) in enumerate(self.train_loader):
                check_batch((x, y), f"train_loader batch {i}", finite=self._check_train)
                if self.a_optimizer is not None:
                    try:
                        xv, yv = next(val_iter)
                    except StopIteration:
                        val_iter = iter(self.val_loader)
                        xv, yv = next(val_iter)
                    check_batch((xv, yv), "val_loader batch", finite=self._check_val)
                    loss_a = F.cross_entropy(model(xv, weights=self.projected_weights()), yv)
                    grads = torch.autograd.grad(loss_a, alphas, allow_unused=True, materialize_grads=True)
                    self.a_optimizer.zero_grad(set_to_none=True)
                    for a, ga in zip(alphas, grads, strict=True):
                        a.grad = ga.detach()
                    self.a_optimizer.step()
                with torch.no_grad():
                    w = {k: v.detach() for k, v in self.projected_weights().items()}
                loss = F.cross_entropy(model(x, weights=w), y)
                self.w_optimizer.zero_grad(set_to_none=True)
                loss.backward()
                if self.grad_clip is not None:
                    nn.utils.clip_grad_norm_(params, self.grad_clip)
                self.w_optimizer.step()
            self.epochs_tuned += 1

    def extra_repr(self) -> str:
        return (
            f"metric={self.metric}, interval_epochs={self.interval_epochs}, edge_order={self.edge_order}, "
            f"update_alpha={self.update_alpha}, seed={self.seed}"
        )

    def __repr__(self) -> str:
        return f"Projector({self.extra_repr()})"
