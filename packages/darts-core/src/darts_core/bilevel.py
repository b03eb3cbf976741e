"""Bilevel optimisation of DARTS (Sec. 2.3, Eq. 3-8) and the search loop.

Every iteration takes the architecture step first, on a validation minibatch, then the weight step on a
training minibatch (official ``train_search.py``):

* first order (``order=1``): ``grad_α L_val(w, α)`` with ``w`` held fixed;
* second order (``order=2``, Eq. 7-8): with the unrolled weights ``w' = w - ξ (μ m + grad_w L_train(w, α) + λ w)``
  (ξ the current weight learning rate, μ momentum, m the momentum buffer, λ weight decay)::

      g = grad_α L_val(w', α) - ξ [grad_α L_train(w+, α) - grad_α L_train(w-, α)] / (2 ε)
      w± = w ± ε v,  v = grad_w' L_val(w', α),  ε = 0.01 / ||v||_2

  computed with ``torch.func.functional_call`` so ``w`` itself is never modified.

The architecture update is an extension point: subclass :class:`Architect` and override
:meth:`Architect.arch_gradient` (RARTS), :meth:`Architect.arch_loss` / :meth:`Architect.weight_loss`
(SD-DARTS, regularised losses), or pass callbacks to :func:`search` (``on_step``/``on_epoch_end``).

Distributed: pass the plain (unwrapped) model and give each rank its shard of the data; when
``torch.distributed`` is initialised every gradient (w and α) is averaged over ranks, with parameters that did
not take part in the loss (sampled paths, removed edges) counted as zero gradients, so there is no DDP
"unused parameter" failure.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
import warnings
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn
from torch.func import functional_call

from darts_core._io import atomic_torch_save
from darts_core._random import (
    Cycle,
    global_rng_state,
    loader_rng_state,
    set_global_rng_state,
    set_loader_rng_state,
)
from darts_core.genotype import Genotype, SelectionRule
from darts_core.loader import check_batch, check_finite_loader
from darts_core.searchable import check_searchable

Batch = tuple[torch.Tensor, torch.Tensor]


LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
Progress = Callable[[Iterable[int]], Iterable[int]]
"""A wrapper of the epoch range that shows progress, e.g. ``tqdm.tqdm`` (the library imports no progress bar)."""


def check_progress(progress: Any) -> None:
    """``progress`` must be None or a callable that wraps an iterable (``tqdm.tqdm``, ``rich.progress.track``)."""
    if progress is not None and not callable(progress):
        raise TypeError(
            f"progress must be None or a callable wrapping an iterable (e.g. tqdm.tqdm), got {type(progress).__name__}"
        )


def _distributed() -> bool:
    return (
        torch.distributed.is_available()
        and torch.distributed.is_initialized()
        and torch.distributed.get_world_size() > 1
    )


def sync_gradients(
    grads: Sequence[torch.Tensor | None], params: Sequence[torch.Tensor]
) -> list[torch.Tensor]:
    """Replace missing gradients by zeros and, when ``torch.distributed`` runs, average them over ranks."""
    out = [torch.zeros_like(p) if g is None else g for g, p in zip(grads, params, strict=True)]
    if _distributed():
        world = torch.distributed.get_world_size()
        flat = torch.cat([g.reshape(-1) for g in out])
        torch.distributed.all_reduce(flat)
        flat /= world
        out = [t.view_as(g) for t, g in zip(flat.split([g.numel() for g in out]), out, strict=True)]
    return out


class Architect:
    """The architecture (α) update of DARTS.

    Args:
        model: a :class:`Supernet`, or any ``nn.Module`` with the :class:`Searchable` methods (not DDP-wrapped).
        order: 1 (first-order approximation) or 2 (unrolled, finite-difference Hessian-vector product).
        arch_lr: learning rate of the Adam optimiser on α (official 3e-4).
        arch_betas: betas of that Adam (official (0.5, 0.999)).
        arch_wd: weight decay of that Adam (official 1e-3).
        loss_fn: ``loss_fn(logits, targets)`` for both levels (cross entropy).
        hvp_radius: the ``r`` of ``ε = r / ||v||`` (official 0.01).
        hvp: ``"finite_difference"`` (official, Eq. 8) or ``"exact"`` (double backward through autograd; one more
            backward pass, no kink error: with ReLU networks the official radius crosses activation kinks, so the
            finite difference can differ from the almost-everywhere derivative by more than its own size).
    """

    def __init__(
        self,
        model: nn.Module,
        *,
        order: int = 1,
        arch_lr: float = 3e-4,
        arch_betas: tuple[float, float] = (0.5, 0.999),
        arch_wd: float = 1e-3,
        loss_fn: LossFn = F.cross_entropy,
        hvp_radius: float = 0.01,
        hvp: str = "finite_difference",
    ) -> None:
        check_searchable(model)
        if order not in (1, 2):
            raise ValueError(f"order must be 1 or 2, got {order!r}")
        check_positive("arch_lr", arch_lr)
        check_positive("arch_wd", arch_wd, allow_zero=True)
        betas_ok = (
            isinstance(arch_betas, (tuple, list))
            and len(arch_betas) == 2
            and all(
                isinstance(b, numbers.Real) and not isinstance(b, bool) and 0 <= b < 1 for b in arch_betas
            )
        )
        if not betas_ok:
            raise ValueError(f"arch_betas must be two numbers in [0, 1), got {arch_betas!r}")
        if hvp not in ("finite_difference", "exact"):
            raise ValueError(f"hvp must be 'finite_difference' or 'exact', got {hvp!r}")
        if hvp_radius <= 0:
            raise ValueError(f"hvp_radius must be > 0, got {hvp_radius}")
        self.model: Any  # a Searchable nn.Module (checked above)
        self.model, self.order, self.loss_fn, self.hvp_radius, self.hvp = (
            model,
            order,
            loss_fn,
            float(hvp_radius),
            hvp,
        )
        self.optimizer = torch.optim.Adam(
            self.model.arch_parameters(), lr=arch_lr, betas=arch_betas, weight_decay=arch_wd
        )

    # ------------------------------------------------------------------ losses (override points)
    def arch_objective(self, logits: torch.Tensor, batch: Batch) -> torch.Tensor:
        """The upper-level loss from the supernet's logits on a validation batch (default ``loss_fn``)."""
        return self.loss_fn(logits, batch[1])

    def weight_objective(self, logits: torch.Tensor, batch: Batch) -> torch.Tensor:
        """The lower-level loss from the supernet's logits on a training batch (default ``loss_fn``); the w step
        of :func:`search` uses it too, so a regulariser added here (SD-DARTS, RARTS) applies everywhere."""
        return self.loss_fn(logits, batch[1])

    def _forward(self, x: torch.Tensor, params: dict[str, torch.Tensor] | None) -> torch.Tensor:
        return self.model(x) if params is None else functional_call(self.model, params, (x,))

    def arch_loss(self, batch: Batch, params: dict[str, torch.Tensor] | None = None) -> torch.Tensor:
        """L_val(w, α) on a validation batch (``params`` replaces some weights, e.g. the unrolled w')."""
        return self.arch_objective(self._forward(batch[0], params), batch)

    def weight_loss(self, batch: Batch, params: dict[str, torch.Tensor] | None = None) -> torch.Tensor:
        """L_train(w, α) on a training batch (``params`` replaces some weights, e.g. w ± ε v)."""
        return self.weight_objective(self._forward(batch[0], params), batch)

    # ------------------------------------------------------------------ gradients
    def _weights(self) -> tuple[list[str], list[nn.Parameter]]:
        named = list(self.model.named_weight_parameters())
        return [n for n, _ in named], [p for _, p in named]

    def unrolled_weights(
        self, train_batch: Batch, w_lr: float, w_optimizer: torch.optim.Optimizer | None
    ) -> dict[str, torch.Tensor]:
        """w' = w - ξ (μ m + grad_w L_train(w, α) + λ w) as fresh leaf tensors (Eq. 6, official ``_compute_unrolled_model``)."""
        names, params = self._weights()
        raw = torch.autograd.grad(self.weight_loss(train_batch), params, allow_unused=True)
        grads = sync_gradients(raw, params)
        momentum, wd = 0.0, 0.0
        if w_optimizer is not None and w_optimizer.param_groups:
            group = w_optimizer.param_groups[0]
            momentum, wd = float(group.get("momentum", 0.0)), float(group.get("weight_decay", 0.0))
        out = {}
        for n, p, g in zip(names, params, grads, strict=True):
            buf = w_optimizer.state.get(p, {}).get("momentum_buffer") if w_optimizer is not None else None
            step = g + wd * p.detach()
            if buf is not None:
                step = step + momentum * buf
            out[n] = (p.detach() - w_lr * step).requires_grad_(True)
        return out

    def hessian_vector_product(
        self, train_batch: Batch, vector: Sequence[torch.Tensor], *, exact: bool = False
    ) -> list[torch.Tensor]:
        """``grad^2_{α,w} L_train(w, α) · v`` (Eq. 8): central finite difference with ε = r/||v||, or exact autograd."""
        names, params = self._weights()
        alphas = self.model.arch_parameters()
        if exact:
            loss = self.weight_loss(train_batch)
            gw = torch.autograd.grad(loss, params, create_graph=True, allow_unused=True)
            dot = torch.stack([(g * v).sum() for g, v in zip(gw, vector, strict=True) if g is not None]).sum()
            return list(torch.autograd.grad(dot, alphas, allow_unused=True, materialize_grads=True))
        norm = torch.sqrt(torch.stack([(v.detach() ** 2).sum() for v in vector]).sum())
        eps = self.hvp_radius / norm
        plus = {n: p.detach() + eps * v.detach() for n, p, v in zip(names, params, vector, strict=True)}
        g_plus = torch.autograd.grad(
            self.weight_loss(train_batch, plus), alphas, allow_unused=True, materialize_grads=True
        )
        minus = {n: p.detach() - eps * v.detach() for n, p, v in zip(names, params, vector, strict=True)}
        g_minus = torch.autograd.grad(
            self.weight_loss(train_batch, minus), alphas, allow_unused=True, materialize_grads=True
        )
        return [(a - b) / (2 * eps) for a, b in zip(g_plus, g_minus, strict=True)]

    def arch_gradient(
        self, train_batch: Batch, val_batch: Batch, w_lr: float, w_optimizer: torch.optim.Optimizer | None
    ) -> tuple[list[torch.Tensor], torch.Tensor]:
        """``(grad_α, val_loss)``: first-order ``grad_α L_val(w, α)`` or the second-order Eq. 7-8."""
        alphas = self.model.arch_parameters()
        if self.order == 1:
            loss = self.arch_loss(val_batch)
            grads = torch.autograd.grad(loss, alphas, allow_unused=True, materialize_grads=True)
            return list(grads), loss.detach()
        unrolled = self.unrolled_weights(train_batch, w_lr, w_optimizer)
        names = list(unrolled)
        loss = self.arch_loss(val_batch, unrolled)
        grads = torch.autograd.grad(
            loss, [*alphas, *unrolled.values()], allow_unused=True, materialize_grads=True
        )
        d_alpha, v = list(grads[: len(alphas)]), list(grads[len(alphas) :])
        v = sync_gradients(v, [unrolled[n] for n in names])
        implicit = self.hessian_vector_product(train_batch, v, exact=self.hvp == "exact")
        return [da - w_lr * h for da, h in zip(d_alpha, implicit, strict=True)], loss.detach()

    def step(
        self,
        train_batch: Batch,
        val_batch: Batch,
        w_lr: float = 0.025,
        w_optimizer: torch.optim.Optimizer | None = None,
    ) -> torch.Tensor:
        """One α update (Adam on :meth:`arch_gradient`); returns the validation loss (detached)."""
        alphas = self.model.arch_parameters()
        grads, loss = self.arch_gradient(train_batch, val_batch, w_lr, w_optimizer)
        grads = sync_gradients(grads, alphas)
        self.optimizer.zero_grad(set_to_none=True)
        for a, g in zip(alphas, grads, strict=True):
            a.grad = g.detach()
        self.optimizer.step()
        return loss

    def state_dict(self) -> dict[str, Any]:
        return {"optimizer": self.optimizer.state_dict(), "order": self.order}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.optimizer.load_state_dict(state["optimizer"])


# ---------------------------------------------------------------------------------------------- search loop


@dataclasses.dataclass
class SearchState:
    """What callbacks see: the epoch, the step within it, the model, architect, weight optimiser and history."""

    epoch: int
    step: int
    model: Any  # the searched module (a SearchableSupernet)
    architect: Architect
    w_optimizer: torch.optim.Optimizer
    history: list[dict[str, Any]]
    w_lr: float = 0.0
    last: dict[str, float] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class SearchResult:
    """Outcome of :func:`search`: the final genotype, per-epoch history (genotype, op weights, losses), model."""

    genotype: Genotype
    history: list[dict[str, Any]]
    model: Any  # the searched module (a SearchableSupernet)
    architect: Architect


def _to(batch: Any, device: torch.device | None) -> Batch:
    x, y = batch[0], batch[1]
    if device is not None:
        x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
    return x, y


CHECKPOINT_KEYS = ("epoch", "model", "architect", "w_optimizer", "history")


def check_positive(name: str, value: Any, *, allow_zero: bool = False, none_means: str | None = None) -> None:
    """``ValueError`` naming ``name`` unless ``value`` is a finite real number > 0 (>= 0 with ``allow_zero``), or
    None when ``none_means`` says what None stands for (then inf, no limit, is accepted too). NaN is refused."""
    if value is None and none_means is not None:
        return
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if ok:
        v = float(value)
        ok = (v >= 0 if allow_zero else v > 0) and (
            math.isfinite(v) or (none_means is not None and v == math.inf)
        )
    if not ok:
        expected = ">= 0" if allow_zero else "> 0"
        extra = f" (None: {none_means})" if none_means is not None else ""
        if isinstance(value, numbers.Real) and math.isinf(value):
            raise ValueError(f"{name} must be a finite number {expected}{extra}, got {value!r}")
        raise ValueError(f"{name} must be a number {expected}{extra}, got {value!r}")


def check_momentum(name: str, value: Any) -> None:
    """``ValueError`` naming ``name`` unless ``value`` is a real number in [0, 1)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 <= float(value) < 1:
        raise ValueError(f"{name} must be a number in [0, 1), got {value!r}")


def save_checkpoint(
    path: str | Path, state: SearchState, scheduler: Any = None, *, loader_state: Any = None
) -> Path:
    """Save model, α optimiser, weight optimiser, scheduler, epoch, history and the global random generators
    (torch, CUDA, numpy, ``random``) to ``path``, atomically: the file is written next to ``path`` and renamed
    over it, so a failed write (disk full, interrupt) leaves the previous checkpoint as it was.

    ``loader_state`` is stored as is (:func:`search` puts the data loaders' random state there)."""
    path = Path(path)
    atomic_torch_save(
        {
            "format": 2,
            "epoch": state.epoch,
            "model": state.model.state_dict(),
            "architect": state.architect.state_dict(),
            "w_optimizer": state.w_optimizer.state_dict(),
            "scheduler": scheduler.state_dict() if scheduler is not None else None,
            "history": [
                {k: v for k, v in h.items() if k != "genotype"} | {"genotype": str(h["genotype"])}
                for h in state.history
            ],
            "rng": global_rng_state(),
            "loaders": loader_state,
        },
        path,
    )
    return path


def _read_checkpoint(path: Path) -> dict[str, Any]:
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=False)
    except (FileNotFoundError, IsADirectoryError, PermissionError):
        raise
    except Exception as exc:
        raise ValueError(
            f"cannot read the checkpoint {str(path)!r}: the file is truncated or corrupt "
            f"({type(exc).__name__}: {exc}); delete it to start afresh or restore an intact copy"
        ) from exc
    if not isinstance(ckpt, dict) or any(k not in ckpt for k in CHECKPOINT_KEYS):
        have = sorted(ckpt) if isinstance(ckpt, dict) else type(ckpt).__name__
        raise ValueError(
            f"{str(path)!r} is not a darts-core search checkpoint: expected the keys {CHECKPOINT_KEYS}, got {have}"
        )
    return ckpt


def load_checkpoint(
    path: str | Path,
    model: nn.Module,
    architect: Architect | None = None,
    w_optimizer: torch.optim.Optimizer | None = None,
    scheduler: Any = None,
) -> dict[str, Any]:
    """Restore a :func:`save_checkpoint` file in place; returns the raw dict (``epoch``, ``history``, ``rng``).

    A truncated or corrupt file raises ``ValueError`` naming it; one that does not fit ``model`` too. The random
    state is returned, not applied (:func:`search` applies it when it resumes)."""
    path = Path(path)
    ckpt = _read_checkpoint(path)
    try:
        model.load_state_dict(ckpt["model"])
        if architect is not None:
            architect.load_state_dict(ckpt["architect"])
        if w_optimizer is not None:
            w_optimizer.load_state_dict(ckpt["w_optimizer"])
    except (RuntimeError, ValueError, KeyError) as exc:
        raise ValueError(f"the checkpoint {str(path)!r} does not fit this model or optimiser: {exc}") from exc
    if scheduler is not None and ckpt.get("scheduler") is not None:
        scheduler.load_state_dict(ckpt["scheduler"])
    parse = getattr(model, "parse_genotype", None)  # a Searchable whose genotype is not a cell Genotype
    for h in ckpt["history"]:
        h["genotype"] = parse(h["genotype"]) if callable(parse) else Genotype.from_str(h["genotype"])
    return ckpt


def _loader_state(train_loader: Any, val_iter: Cycle) -> dict[str, Any]:
    return {
        "train": loader_rng_state(train_loader),
        "val": loader_rng_state(val_iter.loader),
        "val_pass": val_iter.state_dict(),
    }


def _restore_random_state(ckpt: dict[str, Any], train_loader: Any, val_iter: Cycle, path: Path) -> None:
    """The position in D_val's pass (replayed), then the global generators and both loaders' generators as they
    were when the checkpoint was written."""
    loaders = ckpt.get("loaders")
    if ckpt.get("rng") is None or loaders is None:
        warnings.warn(
            f"the checkpoint {str(path)!r} was written without the random state (an older darts-core): the "
            "resumed search will not match an uninterrupted one exactly",
            stacklevel=3,
        )
        return
    val_iter.restore(loaders["val_pass"])
    set_global_rng_state(ckpt["rng"])
    set_loader_rng_state(train_loader, loaders["train"], "train_loader")
    set_loader_rng_state(val_iter.loader, loaders["val"], "val_loader")


def search(
    model: nn.Module,
    train_loader: Iterable[Batch],
    val_loader: Iterable[Batch],
    epochs: int = 50,
    *,
    order: int = 1,
    architect: Architect | None = None,
    w_lr: float = 0.025,
    w_lr_min: float = 0.001,
    momentum: float = 0.9,
    wd: float = 3e-4,
    grad_clip: float | None = 5.0,
    arch_lr: float = 3e-4,
    arch_betas: tuple[float, float] = (0.5, 0.999),
    arch_wd: float = 1e-3,
    warmup_epochs: int = 0,
    rule: SelectionRule | None = None,
    callbacks: Sequence[Any] = (),
    device: torch.device | str | None = None,
    checkpoint_path: str | Path | None = None,
    resume: bool = False,
    progress: Progress | None = None,
    check_finite: bool = True,
) -> SearchResult:
    """Run the DARTS search (official ``train_search.py``): per iteration an α step on a validation batch then
    a w step (SGD, cosine lr from ``w_lr`` to ``w_lr_min``, grad-norm clip) on a training batch.

    ``train_loader``/``val_loader`` are re-iterable sources of ``(x, y)`` batches (D_train and D_val, Sec. 2.3).
    ``warmup_epochs`` train w only (α frozen) first. ``callbacks`` are objects with optional
    ``on_step(state)`` / ``on_epoch_end(state)`` methods. With ``checkpoint_path`` a checkpoint is written after
    every epoch (atomically), and ``resume=True`` continues from it (when the file exists) exactly where the
    uninterrupted search would be: the checkpoint holds the model, both optimisers, the schedule, the history,
    the global random generators and the data loaders' (their ``generator``, or their sampler's, and the
    position in the pass over D_val), so a resumed search computes bit for bit what an uninterrupted one does
    with the same loaders. Each epoch appends ``{"epoch", "w_lr", "train_loss", "train_acc", "val_loss",
    "genotype", "weights"}`` to the history. ``progress`` wraps the range of epochs to show progress (e.g.
    ``progress=tqdm.tqdm``); None shows nothing. ``check_finite`` refuses (``ValueError``) training or
    validation data holding NaN or inf (checked once for a :class:`~darts_core.TensorLoader`, batch by batch
    otherwise); pass False to skip the check.
    """
    check_searchable(model, supernet=True)
    if not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"epochs must be a positive int, got {epochs!r}")
    if order not in (1, 2):
        raise ValueError(f"order must be 1 or 2, got {order!r}")
    check_positive("w_lr", w_lr)
    check_positive("w_lr_min", w_lr_min, allow_zero=True)
    check_positive("grad_clip", grad_clip, none_means="no clipping")
    check_momentum("momentum", momentum)
    check_positive("wd", wd, allow_zero=True)
    check_positive("arch_lr", arch_lr)
    check_positive("arch_wd", arch_wd, allow_zero=True)
    if isinstance(warmup_epochs, bool) or not isinstance(warmup_epochs, int) or warmup_epochs < 0:
        raise ValueError(f"warmup_epochs must be an int >= 0, got {warmup_epochs!r}")
    if resume and checkpoint_path is None:
        raise ValueError("resume=True needs checkpoint_path (the file to resume from)")
    check_progress(progress)
    n_cls = getattr(model, "num_classes", None)
    n_cls = n_cls if isinstance(n_cls, int) and not isinstance(n_cls, bool) else None
    checked = (
        (
            check_finite_loader(train_loader, "train_loader", n_cls),
            check_finite_loader(val_loader, "val_loader", n_cls),
        )
        if check_finite
        else (True, True)
    )
    if device is not None:
        device = torch.device(device)
        model.to(device)
    if architect is None:
        architect = Architect(model, order=order, arch_lr=arch_lr, arch_betas=arch_betas, arch_wd=arch_wd)
    elif architect.model is not model:
        raise ValueError("architect.model must be the model being searched")
    net: Any = model  # a SearchableSupernet (checked above)
    params = net.weight_parameters()
    w_opt = torch.optim.SGD(params, lr=w_lr, momentum=momentum, weight_decay=wd)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(w_opt, epochs, eta_min=w_lr_min)
    history: list[dict[str, Any]] = []
    start = 0
    val_iter = Cycle(val_loader, "val_loader", record=checkpoint_path is not None)
    if resume and checkpoint_path is not None and Path(checkpoint_path).exists():
        ckpt = load_checkpoint(checkpoint_path, model, architect, w_opt, scheduler)
        start, history = int(ckpt["epoch"]) + 1, ckpt["history"]
        _restore_random_state(ckpt, train_loader, val_iter, Path(checkpoint_path))
    state = SearchState(
        epoch=start, step=0, model=model, architect=architect, w_optimizer=w_opt, history=history
    )
    epoch_range: Iterable[int] = range(start, epochs)
    for epoch in epoch_range if progress is None else progress(epoch_range):
        model.train()
        lr = float(w_opt.param_groups[0]["lr"])
        state.epoch, state.w_lr = epoch, lr
        tot_loss = tot_correct = tot_n = 0.0
        val_losses = []
        for step, batch in enumerate(train_loader):
            check_batch(
                batch, f"train_loader batch {step} of epoch {epoch}", finite=not checked[0], num_classes=n_cls
            )
            train_batch = _to(batch, device)
            if epoch >= warmup_epochs:
                vb = next(val_iter)
                check_batch(
                    vb,
                    f"val_loader batch (epoch {epoch}, step {step})",
                    finite=not checked[1],
                    num_classes=n_cls,
                )
                val_batch = _to(vb, device)
                val_losses.append(architect.step(train_batch, val_batch, lr, w_opt))
            x, y = train_batch
            logits = model(x)
            loss = architect.weight_objective(logits, train_batch)
            grads = sync_gradients(torch.autograd.grad(loss, params, allow_unused=True), params)
            for p, g in zip(params, grads, strict=True):
                p.grad = g
            if grad_clip is not None:
                nn.utils.clip_grad_norm_(params, grad_clip)
            w_opt.step()
            with torch.no_grad():
                tot_loss += float(loss.detach()) * len(y)
                tot_correct += float((logits.argmax(1) == y).sum())
                tot_n += len(y)
            state.step = step
            state.last = {"train_loss": float(loss.detach())}
            for cb in callbacks:
                if hasattr(cb, "on_step"):
                    cb.on_step(state)
        if tot_n == 0:
            raise ValueError("train_loader is empty")
        scheduler.step()
        with torch.no_grad():
            weights = {k: v.detach().cpu().clone() for k, v in net.arch_weights().items()}
            geno = net.genotype(rule)
        history.append(
            {
                "epoch": epoch,
                "w_lr": lr,
                "train_loss": tot_loss / tot_n,
                "train_acc": tot_correct / tot_n,
                "val_loss": float(torch.stack(val_losses).mean()) if val_losses else math.nan,
                "genotype": geno,
                "weights": weights,
            }
        )
        for cb in callbacks:
            if hasattr(cb, "on_epoch_end"):
                cb.on_epoch_end(state)
        if checkpoint_path is not None:
            save_checkpoint(
                checkpoint_path, state, scheduler, loader_state=_loader_state(train_loader, val_iter)
            )
    return SearchResult(genotype=net.genotype(rule), history=history, model=model, architect=architect)


@torch.no_grad()
def evaluate(
    model: nn.Module,
    loader: Iterable[Batch],
    *,
    device: torch.device | str | None = None,
    **forward_kwargs: Any,
) -> dict[str, float]:
    """Accuracy and mean cross-entropy of ``model`` over ``loader`` (in the model's current train/eval mode)."""
    tot_loss = tot_correct = tot_n = 0.0
    dev = torch.device(device) if device is not None else None
    for batch in loader:
        x, y = _to(batch, dev)
        logits = model(x, **forward_kwargs)
        tot_loss += float(F.cross_entropy(logits, y, reduction="sum"))
        tot_correct += float((logits.argmax(1) == y).sum())
        tot_n += len(y)
    if tot_n == 0:
        raise ValueError("loader is empty")
    return {"acc": tot_correct / tot_n, "loss": tot_loss / tot_n}
