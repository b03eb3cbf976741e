"""The RARTS iteration: two weight copies sharing one α, updated block by block (Gauss–Seidel), first order only.

With the relaxed objective ``F(w, y, α) = L_val(y, α) + λ L_train(w, α) + (β/2) ||y - w||²``
(:mod:`rarts.objective`) one iteration is, each block using the newest values of the others::

    w ← w - η_w (λ ∇_w L_train(w, α) + β (w - y))        training batch      (w block)
    y ← y - η_y (∇_y L_val(y, α) + β (y - w))             validation batch    (y block)
    α ← α - η_α (∇_α L_val(y, α) + λ ∇_α L_train(w, α))   both batches        (α block, Adam)

The w and y steps are SGD with momentum, weight decay and gradient-norm clipping (DARTS' weight optimiser), the α
step is DARTS' Adam. ``w`` are the supernet's own parameters; ``y`` is a second set of tensors for the same names
held by :class:`RARTSArchitect` and run through ``torch.func.functional_call``, so α is literally one tensor
shared by both networks, and the BatchNorm statistics of ``y`` are kept apart from those of ``w``.

:class:`RARTSArchitect` is a darts-core :class:`~darts_core.Architect`: inside :func:`darts_core.search` its
``step`` does the y and α blocks and the search loop's weight step, which uses :meth:`RARTSArchitect.weight_objective`
(``λ L_train + (β/2) ||w - y||²``), does the w block; the cyclic order w → y → α is the paper's. :class:`RARTS` wraps
it with its own weight optimiser for step-by-step use (``step``) and a full search (``search``).

α-gradient variants (``alpha_grad``): ``"exact"`` evaluates ``∇_α`` at the new ``w`` and ``y`` (two extra backward
passes to α: the Gauss–Seidel iteration the convergence argument is about); ``"reuse"`` takes ``∇_α L_val`` from the
y step's own backward pass and ``∇_α L_train`` from the w step's (in :meth:`RARTS.step`), a Jacobi-style shortcut
that costs no extra pass.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn
from torch.func import functional_call

from darts_core import Architect, SearchResult, search, sync_gradients
from darts_core.bilevel import check_momentum, check_positive
from rarts.objective import Batch, LossFn, check_batch, check_finite_positive, coupling_penalty

ALPHA_GRADS = ("exact", "reuse")


def check_searchable(model: Any) -> list[nn.Parameter]:
    """``TypeError`` unless ``model`` is a supernet whose architecture parameters are registered: it must have
    ``arch_parameters()``, ``named_weight_parameters()`` and ``weight_parameters()``, at least one α, every α an
    ``nn.Parameter`` of the model, and no α among the weights.

    Args:
        model: the supernet to check.

    Returns:
        The α list.
    """
    if isinstance(model, nn.parallel.DistributedDataParallel):
        raise TypeError(
            "pass the plain supernet, not a DDP wrapper: gradients are averaged over ranks explicitly"
        )
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be an nn.Module (a darts_core.Supernet), got {type(model).__name__}")
    for name in ("arch_parameters", "named_weight_parameters", "weight_parameters"):
        if not callable(getattr(model, name, None)):
            raise TypeError(
                f"model must have {name}() (a darts_core.Supernet or a module with the same interface), "
                f"got {type(model).__name__}"
            )
    sn: Any = model
    alphas = list(sn.arch_parameters())
    if not alphas:
        raise TypeError("model.arch_parameters() is empty: there is no architecture to search")
    registered = {id(p) for p in model.parameters()}
    for i, a in enumerate(alphas):
        if not isinstance(a, nn.Parameter) or id(a) not in registered:
            raise TypeError(
                f"model.arch_parameters()[{i}] is not a registered nn.Parameter of the model: register α as a "
                "parameter (e.g. in an nn.ParameterDict) so that both networks share that one tensor"
            )
    ids = {id(a) for a in alphas}
    if any(id(p) in ids for p in sn.weight_parameters()):
        raise TypeError(
            "model.weight_parameters() contains an architecture parameter: w and α must be disjoint"
        )
    return alphas


def _check_lam_beta(lam: Any, beta: Any) -> None:
    check_finite_positive("lam", lam)
    check_finite_positive("beta", beta, allow_zero=True)
    if float(beta) == 0.0:
        warnings.warn(
            "beta=0: the two networks decouple (y is trained on the validation split alone, w on the training split "
            "alone); RARTS needs beta > 0 to couple them",
            stacklevel=3,
        )


class RARTSArchitect(Architect):
    """The y and α blocks of RARTS, as a darts-core architect (see the module docstring for the iteration).

    Args:
        model: the supernet (its parameters are ``w`` and ``α``; not DDP-wrapped).
        lam: λ > 0, the weight of the training loss in ``F`` (Eq. of the relaxed objective).
        beta: β >= 0, the coupling between ``w`` and ``y`` (0 warns: the networks decouple).
        y_lr_scale: the y learning rate as a multiple of the current w learning rate (1: same schedule).
        momentum: SGD momentum of the y step (DARTS: 0.9).
        wd: weight decay of the y step (DARTS: 3e-4).
        grad_clip: gradient-norm clip of the y step (DARTS: 5); None: no clipping.
        arch_lr: learning rate of the Adam optimiser on α (DARTS: 3e-4).
        arch_betas: betas of that Adam (DARTS: (0.5, 0.999)).
        arch_wd: weight decay of that Adam (DARTS: 1e-3).
        w_coupling: whether the w step has the coupling gradient ``β (w - y)`` (the exact partial gradient of F);
            False trains w on ``λ L_train`` alone (a variant whose toy-model fixed point is not the bilevel one).
        alpha_grad: ``"exact"`` (∇_α at the new w and y, Gauss–Seidel) or ``"reuse"`` (∇_α from the y and w steps'
            own backward passes; without a w-step gradient handed over, as inside darts-core's search loop, the
            training term is computed by one extra pass).
        loss_fn: ``loss_fn(logits, target)`` of both splits (cross entropy).
        strict: raise ``ValueError`` instead of warning when the training and validation batch are the same object.
    """

    def __init__(
        self,
        model: Any,
        *,
        lam: float = 1.0,
        beta: float = 1.0,
        y_lr_scale: float = 1.0,
        momentum: float = 0.9,
        wd: float = 3e-4,
        grad_clip: float | None = 5.0,
        arch_lr: float = 3e-4,
        arch_betas: tuple[float, float] = (0.5, 0.999),
        arch_wd: float = 1e-3,
        w_coupling: bool = True,
        alpha_grad: str = "exact",
        loss_fn: LossFn = F.cross_entropy,
        strict: bool = False,
    ) -> None:
        alphas = check_searchable(model)
        _check_lam_beta(lam, beta)
        check_finite_positive("y_lr_scale", y_lr_scale)
        check_momentum("momentum", momentum)
        check_finite_positive("wd", wd, allow_zero=True)
        check_positive("grad_clip", grad_clip, none_means="no clipping")
        check_finite_positive("arch_lr", arch_lr)
        check_finite_positive("arch_wd", arch_wd, allow_zero=True)
        if alpha_grad not in ALPHA_GRADS:
            raise ValueError(f"alpha_grad must be one of {ALPHA_GRADS}, got {alpha_grad!r}")
        for flag, val in (("w_coupling", w_coupling), ("strict", strict)):
            if not isinstance(val, bool):
                raise TypeError(f"{flag} must be a bool, got {val!r}")
        if not callable(loss_fn):
            raise TypeError(f"loss_fn must be a callable loss_fn(logits, target), got {loss_fn!r}")
        super().__init__(
            model, order=1, arch_lr=arch_lr, arch_betas=arch_betas, arch_wd=arch_wd, loss_fn=loss_fn
        )
        if [id(p) for g in self.optimizer.param_groups for p in g["params"]] != [id(a) for a in alphas]:
            raise TypeError("the α optimiser must hold exactly model.arch_parameters()")
        self.lam, self.beta, self.y_lr_scale = float(lam), float(beta), float(y_lr_scale)
        self.grad_clip = None if grad_clip is None else float(grad_clip)
        self.w_coupling, self.alpha_grad, self.strict = w_coupling, alpha_grad, bool(strict)
        # y: a copy of w (the paper initialises both networks alike); its own BatchNorm statistics
        self.y: dict[str, torch.Tensor] = {
            n: p.detach().clone().requires_grad_(True) for n, p in model.named_weight_parameters()
        }
        self.y_buffers: dict[str, torch.Tensor] = {n: b.detach().clone() for n, b in model.named_buffers()}
        self.y_optimizer = torch.optim.SGD(list(self.y.values()), lr=1.0, momentum=momentum, weight_decay=wd)
        self.pending_alpha_train_grad: list[torch.Tensor] | None = None
        self._warned_same = False

    # ------------------------------------------------------------------ the two networks
    def y_state(self) -> dict[str, torch.Tensor]:
        """The validation network's parameters and buffers by name (α is not among them: it is shared)."""
        return self.y | self.y_buffers

    def y_forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits of the validation network: the supernet's code with weights ``y``, its own BN statistics and the
        shared α.

        Args:
            x: the input batch.

        Returns:
            The logits.
        """
        self._sync_device()
        return functional_call(self.model, self.y_state(), (x,))

    def w_dict(self) -> dict[str, torch.Tensor]:
        return dict(self.model.named_weight_parameters())

    def gap(self) -> float:
        """``||y - w||`` (the Euclidean distance of the two networks' weights)."""
        with torch.no_grad():
            return float(coupling_penalty(self.y, self.w_dict()).sqrt())

    @torch.no_grad()
    def _sync_device(self) -> None:
        """Follow the model to another device or dtype (``model.to(...)`` after the architect was built)."""
        for n, p in self.model.named_weight_parameters():
            t = self.y[n]
            if t.device != p.device or t.dtype != p.dtype:
                t.data = t.data.to(p.device, p.dtype)
                st = self.y_optimizer.state.get(t)
                if st and st.get("momentum_buffer") is not None:
                    st["momentum_buffer"] = st["momentum_buffer"].to(p.device, p.dtype)
        for n, b in self.model.named_buffers():
            yb = self.y_buffers[n]
            if yb.device != b.device or yb.dtype != b.dtype:
                self.y_buffers[n] = yb.to(b.device, b.dtype)

    # ------------------------------------------------------------------ losses (override points)
    def train_objective(self, logits: torch.Tensor, batch: Batch) -> torch.Tensor:
        """``L_train`` from the w network's logits on a training batch (``loss_fn``).

        Args:
            logits: the supernet's output ``(N, classes)``.
            batch: the ``(x, target)`` batch the logits come from.

        Returns:
            The scalar loss.
        """
        return self.loss_fn(logits, batch[1])

    def weight_objective(self, logits: torch.Tensor, batch: Batch) -> torch.Tensor:
        """The w block's loss, ``λ L_train(w, α) + (β/2) ||w - y||²`` (y held fixed; no coupling term with
        ``w_coupling=False``): its gradient is ``∂F/∂w``. darts-core's search loop takes its w step on it.

        Args:
            logits: the supernet's output ``(N, classes)``.
            batch: the ``(x, target)`` batch the logits come from.

        Returns:
            The scalar loss.
        """
        loss = self.lam * self.train_objective(logits, batch)
        if self.w_coupling and self.beta > 0:
            self._sync_device()
            y = {n: t.detach() for n, t in self.y.items()}
            loss = loss + 0.5 * self.beta * coupling_penalty(self.w_dict(), y)
        return loss

    def _check_batches(self, train_batch: Batch, val_batch: Batch) -> None:
        if train_batch is val_batch or train_batch[0] is val_batch[0]:
            msg = (
                "train_batch and val_batch are the same batch: RARTS trains w on the training split and y on the "
                "validation split (data splitting is the point of the method)"
            )
            if self.strict:
                raise ValueError(msg)
            if not self._warned_same:
                warnings.warn(msg, stacklevel=3)
                self._warned_same = True

    def _clip(self, grads: list[torch.Tensor]) -> None:
        if self.grad_clip is None:
            return
        norm = torch.sqrt(torch.stack([(g.detach().float() ** 2).sum() for g in grads]).sum())
        scale = (self.grad_clip / (norm + 1e-6)).clamp(max=1.0)
        for g in grads:
            g.mul_(scale.to(g.dtype))

    # ------------------------------------------------------------------ the y and α blocks
    def y_step(self, val_batch: Batch, w_lr: float) -> tuple[torch.Tensor, list[torch.Tensor] | None]:
        """The y block: ``y ← y - η_y (∇_y L_val(y, α) + β (y - w))`` (SGD; ``η_y = y_lr_scale · w_lr``).

        Args:
            val_batch: ``(x, target)`` from the validation split.
            w_lr: the current w learning rate (y's is ``y_lr_scale`` times it).

        Returns:
            The validation loss and, with ``alpha_grad="reuse"``, ``∇_α L_val(y, α)`` from the same pass.
        """
        ys = list(self.y.values())
        alphas = self.model.arch_parameters()
        loss_v = self.arch_objective(self.y_forward(val_batch[0]), val_batch)
        obj = loss_v
        if self.beta > 0:
            w = {n: p.detach() for n, p in self.w_dict().items()}
            obj = obj + 0.5 * self.beta * coupling_penalty(self.y, w)
        reuse = self.alpha_grad == "reuse"
        grads = torch.autograd.grad(obj, [*ys, *alphas] if reuse else ys, allow_unused=True)
        gy = sync_gradients(grads[: len(ys)], ys)
        self._clip(gy)
        for group in self.y_optimizer.param_groups:
            group["lr"] = float(w_lr) * self.y_lr_scale
        for t, g in zip(ys, gy, strict=True):
            t.grad = g.detach()
        self.y_optimizer.step()
        self.y_optimizer.zero_grad(set_to_none=True)
        g_alpha = list(sync_gradients(grads[len(ys) :], alphas)) if reuse else None
        return loss_v.detach(), g_alpha

    def arch_gradient(
        self, train_batch: Batch, val_batch: Batch, w_lr: float, w_optimizer: torch.optim.Optimizer | None
    ) -> tuple[list[torch.Tensor], torch.Tensor]:
        """The y block, then ``∂F/∂α = ∇_α L_val(y, α) + λ ∇_α L_train(w, α)`` (at the new y with
        ``alpha_grad="exact"``).

        Args:
            train_batch: ``(x, target)`` from the training split (the λ term).
            val_batch: ``(x, target)`` from the validation split (y step and the L_val term).
            w_lr: the current w learning rate.
            w_optimizer: unused (darts-core's signature).

        Returns:
            ``(grad_α, validation loss)`` for darts-core's Adam step on α.
        """
        self._check_batches(train_batch, val_batch)
        loss_v, g_val = self.y_step(val_batch, w_lr)
        alphas = self.model.arch_parameters()
        if g_val is None:
            loss = self.arch_objective(self.y_forward(val_batch[0]), val_batch)
            g_val = list(torch.autograd.grad(loss, alphas, allow_unused=True, materialize_grads=True))
        if self.pending_alpha_train_grad is not None:  # λ ∇_α L_train from the w step's pass (reuse)
            g_train = self.pending_alpha_train_grad
            self.pending_alpha_train_grad = None
        else:
            loss_t = self.lam * self.train_objective(self.model(train_batch[0]), train_batch)
            g_train = list(torch.autograd.grad(loss_t, alphas, allow_unused=True, materialize_grads=True))
        return [gv + gt for gv, gt in zip(g_val, g_train, strict=True)], loss_v

    # ------------------------------------------------------------------ state (checkpoints, exact resume)
    def state_dict(self) -> dict[str, Any]:
        """α's optimiser, y, y's buffers and y's optimiser (checkpoints hold it, so a search resumes exactly)."""
        return {
            "optimizer": self.optimizer.state_dict(),
            "order": self.order,
            "y": {n: t.detach().clone() for n, t in self.y.items()},
            "y_buffers": {n: b.detach().clone() for n, b in self.y_buffers.items()},
            "y_optimizer": self.y_optimizer.state_dict(),
            "hyper": {"lam": self.lam, "beta": self.beta, "alpha_grad": self.alpha_grad},
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore :meth:`state_dict` in place.

        Args:
            state: what :meth:`state_dict` returned.
        """
        missing = [k for k in ("optimizer", "y", "y_buffers", "y_optimizer") if k not in state]
        if missing:
            raise ValueError(
                f"not a RARTSArchitect state: missing {missing} (a plain darts-core architect's?)"
            )
        bad = set(state["y"]) ^ set(self.y) or {
            n for n, t in self.y.items() if state["y"][n].shape != t.shape
        }
        if bad:
            raise ValueError(
                f"the saved y does not fit this model's weight parameters: {sorted(bad)[:3]} differ"
            )
        saved = state.get("hyper", {})
        changed = {k: (v, getattr(self, k)) for k, v in saved.items() if getattr(self, k, v) != v}
        if changed:
            warnings.warn(
                "resuming a RARTS state written with other hyperparameters (saved, now): "
                + ", ".join(f"{k}={v[0]!r} -> {v[1]!r}" for k, v in changed.items()),
                stacklevel=2,
            )
        self.optimizer.load_state_dict(state["optimizer"])
        with torch.no_grad():
            for n, t in self.y.items():
                t.copy_(state["y"][n])
            for n, b in state["y_buffers"].items():
                self.y_buffers[n] = b.detach().clone().to(self.y_buffers[n].device)
        self.y_optimizer.load_state_dict(state["y_optimizer"])


class _YNetwork(nn.Module):
    """A view of the validation network ``y`` (shares α and the module code with the supernet)."""

    def __init__(self, architect: RARTSArchitect) -> None:
        super().__init__()
        self._arch = [architect]  # not a submodule: the supernet stays registered once

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self._arch[0].y_forward(x)


class RARTS:
    """RARTS search on a darts-core supernet: the Gauss–Seidel iteration w → y → α of the relaxed objective.

    Args:
        supernet: a :class:`darts_core.Supernet` (or a module with ``arch_parameters()``,
            ``named_weight_parameters()``, ``weight_parameters()``; ``search`` also needs ``arch_weights()`` and
            ``genotype(rule)``).
        lam: λ > 0, the weight of the training loss (package default 1.0).
        beta: β >= 0, the coupling of the two networks (package default 1.0).
        w_lr: initial SGD learning rate of w (DARTS: 0.025; cosine to ``w_lr_min`` in ``search``).
        y_lr: learning rate of y (None: the same as w, following the same schedule).
        w_lr_min: final learning rate of the cosine schedule in ``search`` (DARTS: 0.001).
        momentum: SGD momentum of w and y (DARTS: 0.9).
        wd: weight decay of w and y (DARTS: 3e-4).
        arch_lr: Adam learning rate of α (DARTS: 3e-4).
        arch_betas: Adam betas of α (DARTS: (0.5, 0.999)).
        arch_wd: Adam weight decay of α (DARTS: 1e-3).
        grad_clip: gradient-norm clip of the w and y steps (DARTS: 5); None: no clipping.
        w_coupling: keep the coupling gradient ``β (w - y)`` in the w step (the exact ∂F/∂w).
        alpha_grad: ``"exact"`` (Gauss–Seidel, ∇_α at the new w and y) or ``"reuse"`` (from the w and y steps'
            own backward passes: two passes per iteration in :meth:`step`).
        loss_fn: ``loss_fn(logits, target)`` (cross entropy).
        strict: refuse (``ValueError``) the same batch or loader for both splits instead of warning.
        check_finite: :meth:`step` refuses (``ValueError``) a batch holding NaN or inf (one host sync per batch;
            False skips it). :meth:`search` has darts-core's own ``check_finite``.
    """

    def __init__(
        self,
        supernet: Any,
        *,
        lam: float = 1.0,
        beta: float = 1.0,
        w_lr: float = 0.025,
        y_lr: float | None = None,
        w_lr_min: float = 0.001,
        momentum: float = 0.9,
        wd: float = 3e-4,
        arch_lr: float = 3e-4,
        arch_betas: tuple[float, float] = (0.5, 0.999),
        arch_wd: float = 1e-3,
        grad_clip: float | None = 5.0,
        w_coupling: bool = True,
        alpha_grad: str = "exact",
        loss_fn: LossFn = F.cross_entropy,
        strict: bool = False,
        check_finite: bool = True,
    ) -> None:
        check_finite_positive("w_lr", w_lr)
        check_finite_positive("y_lr", y_lr, none_means="the same as w_lr")
        check_finite_positive("w_lr_min", w_lr_min, allow_zero=True)
        if not isinstance(check_finite, bool):
            raise TypeError(f"check_finite must be a bool, got {check_finite!r}")
        self.check_finite = check_finite
        self.architect = RARTSArchitect(
            supernet,
            lam=lam,
            beta=beta,
            y_lr_scale=1.0 if y_lr is None else float(y_lr) / float(w_lr),
            momentum=momentum,
            wd=wd,
            grad_clip=grad_clip,
            arch_lr=arch_lr,
            arch_betas=arch_betas,
            arch_wd=arch_wd,
            w_coupling=w_coupling,
            alpha_grad=alpha_grad,
            loss_fn=loss_fn,
            strict=strict,
        )
        self.model: Any = supernet
        self.w_lr, self.w_lr_min, self.momentum, self.wd = float(w_lr), float(w_lr_min), momentum, wd
        self.grad_clip = grad_clip
        self.w_optimizer = torch.optim.SGD(
            supernet.weight_parameters(), lr=w_lr, momentum=momentum, weight_decay=wd
        )
        self.y_network = _YNetwork(self.architect)

    @property
    def networks(self) -> tuple[nn.Module, nn.Module]:
        """``(w_net, y_net)``: the supernet itself and a view running it with weights ``y``; both read the same α."""
        return self.model, self.y_network

    def w_step(self, train_batch: Batch) -> float:
        """The w block, ``w ← w - η_w (λ ∇_w L_train(w, α) + β (w - y))`` (SGD with momentum, weight decay, clip);
        with ``alpha_grad="reuse"`` it hands ``λ ∇_α L_train`` from the same pass to the α block. Returns
        ``L_train``.

        Args:
            train_batch: ``(x, target)`` from the training split.

        Returns:
            The training loss before the step.
        """
        arch = self.architect
        params = self.model.weight_parameters()
        alphas = self.model.arch_parameters()
        logits = self.model(train_batch[0])
        loss_t = arch.train_objective(logits, train_batch)
        obj = arch.lam * loss_t
        if arch.w_coupling and arch.beta > 0:
            y = {n: t.detach() for n, t in arch.y.items()}
            obj = obj + 0.5 * arch.beta * coupling_penalty(arch.w_dict(), y)
        reuse = arch.alpha_grad == "reuse"
        grads = torch.autograd.grad(obj, [*params, *alphas] if reuse else params, allow_unused=True)
        gw = sync_gradients(grads[: len(params)], params)
        for p, g in zip(params, gw, strict=True):
            p.grad = g
        if self.grad_clip is not None:
            nn.utils.clip_grad_norm_(params, self.grad_clip)
        self.w_optimizer.step()
        self.w_optimizer.zero_grad(set_to_none=True)
        if reuse:
            arch.pending_alpha_train_grad = list(sync_gradients(grads[len(params) :], alphas))
        return float(loss_t.detach())

    def step(self, train_batch: Batch, val_batch: Batch) -> dict[str, float]:
        """One RARTS iteration (w, then y, then α) on a training and a validation batch.

        Args:
            train_batch: ``(x, target)`` from the training split (w block, and the λ term of the α block).
            val_batch: ``(x, target)`` from the validation split (y block, and the α block).

        Returns:
            ``{"loss_t", "loss_v", "gap"}``: the training loss of w, the validation loss of y (before their
            updates) and ``||y - w||`` after the iteration.
        """
        check_batch(train_batch, "train_batch", finite=self.check_finite)
        check_batch(val_batch, "val_batch", finite=self.check_finite)
        ref = next(iter(self.model.weight_parameters()))
        for name, batch in (("train_batch", train_batch), ("val_batch", val_batch)):
            if batch[0].device != ref.device:
                raise ValueError(
                    f"{name} is on {batch[0].device} but the model's parameters are on {ref.device}: move the batch "
                    f"with .to({str(ref.device)!r}) (search(..., device=...) moves every batch)"
                )
        self.architect._check_batches(train_batch, val_batch)
        self.architect._sync_device()
        lr = float(self.w_optimizer.param_groups[0]["lr"])
        loss_t = self.w_step(train_batch)
        loss_v = self.architect.step(train_batch, val_batch, lr, self.w_optimizer)
        return {"loss_t": loss_t, "loss_v": float(loss_v), "gap": self.architect.gap()}

    def search(
        self,
        train_loader: Iterable[Batch],
        val_loader: Iterable[Batch],
        epochs: int = 50,
        *,
        checkpoint_path: str | Path | None = None,
        resume: bool = False,
        callbacks: Sequence[Any] = (),
        **kwargs: Any,
    ) -> SearchResult:
        """A whole search with :func:`darts_core.search` (cosine schedule, history, callbacks, atomic checkpoints
        holding y and its optimiser too, exact resume), this object's architect taking the y and α blocks.

        Args:
            train_loader: re-iterable ``(x, target)`` batches of the training split (w).
            val_loader: re-iterable batches of the validation split (y and α).
            epochs: search epochs (DARTS: 50).
            checkpoint_path: where to write a checkpoint after every epoch (atomically); None: none.
            resume: continue from ``checkpoint_path`` when it exists.
            callbacks: objects with ``on_step(state)`` / ``on_epoch_end(state)``.
            **kwargs: passed on to :func:`darts_core.search` (``rule``, ``device``, ``progress``, ...).

        Returns:
            darts-core's ``SearchResult`` (genotype from α, per-epoch history, model, architect).
        """
        if train_loader is val_loader:
            msg = "train_loader and val_loader are the same object: RARTS needs a training and a validation split"
            if self.architect.strict:
                raise ValueError(msg)
            warnings.warn(msg, stacklevel=2)
        return search(
            self.model,  # type: ignore[arg-type]
            train_loader,
            val_loader,
            epochs,
            architect=self.architect,
            w_lr=self.w_lr,
            w_lr_min=self.w_lr_min,
            momentum=self.momentum,
            wd=self.wd,
            grad_clip=self.grad_clip,
            checkpoint_path=checkpoint_path,
            resume=resume,
            callbacks=callbacks,
            **kwargs,
        )
