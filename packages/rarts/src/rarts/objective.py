"""The relaxed single-level objective of RARTS (network splitting + data splitting).

DARTS solves the bilevel problem ``min_α L_val(w*(α), α)`` s.t. ``w*(α) = argmin_w L_train(w, α)``. RARTS keeps two
copies of the supernet's weights, ``w`` (trained on the training split) and ``y`` (trained on the validation split),
that share one architecture ``α``, and replaces the bilevel problem by the single-level relaxation

    F(w, y, α) = L_val(y, α) + λ · L_train(w, α) + (β / 2) · ||y - w||²

(our notation for the paper's relaxed objective; λ weighs the training loss, β couples the two networks, β → ∞
forces ``y = w``). Its partial gradients are the three Gauss–Seidel blocks of :class:`rarts.RARTSArchitect`:

    ∂F/∂w = λ ∇_w L_train(w, α) + β (w - y)
    ∂F/∂y = ∇_y L_val(y, α) + β (y - w)
    ∂F/∂α = ∇_α L_val(y, α) + λ ∇_α L_train(w, α)

No mixed second derivative appears anywhere.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Mapping
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn
from torch.func import functional_call

Batch = tuple[torch.Tensor, torch.Tensor]
LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def check_finite_positive(
    name: str, value: Any, *, allow_zero: bool = False, none_means: str | None = None
) -> None:
    """``ValueError`` naming ``name`` unless ``value`` is a finite real number > 0 (>= 0 with ``allow_zero``), or
    None when ``none_means`` says what None stands for (darts-core's ``check_positive``, inf refused too)."""
    if value is None and none_means is not None:
        return
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(float(value))
    if not (ok and (float(value) >= 0 if allow_zero else float(value) > 0)):
        extra = f" (None: {none_means})" if none_means is not None else ""
        raise ValueError(
            f"{name} must be a finite number {'>= 0' if allow_zero else '> 0'}{extra}, got {value!r}"
        )


def check_batch(batch: Any, name: str, *, finite: bool = True) -> None:
    """``ValueError``/``TypeError`` naming ``name`` unless ``batch`` is an ``(x, target)`` pair of tensors with at
    least one sample (and, when ``finite``, no NaN or inf in a floating-point ``x``: one host sync)."""
    if not isinstance(batch, (tuple, list)) or len(batch) != 2:
        raise TypeError(f"{name} must be an (x, target) pair of tensors, got {type(batch).__name__}")
    x, t = batch
    for part, v in (("x", x), ("target", t)):
        if not isinstance(v, torch.Tensor):
            raise TypeError(f"{name} must be an (x, target) pair of tensors, got {part} {type(v).__name__}")
    if x.numel() == 0 or len(t) == 0:
        raise ValueError(f"{name} is empty (x of shape {tuple(x.shape)}): a batch needs at least one sample")
    if finite and x.is_floating_point() and not bool(torch.isfinite(x).all()):
        raise ValueError(
            f"{name} holds non-finite values (NaN or inf) in x: clean the data (a NaN poisons every weight it "
            "reaches), or pass check_finite=False to skip this check"
        )


def coupling_penalty(y: Mapping[str, torch.Tensor], w: Mapping[str, torch.Tensor]) -> torch.Tensor:
    """``||y - w||²`` summed over every weight tensor (the coupling term of the relaxed objective, without β/2).

    Args:
        y: the validation network's weights by parameter name.
        w: the training network's weights by the same names.

    Returns:
        A scalar tensor (differentiable in both ``y`` and ``w``).
    """
    for arg, d in (("y", y), ("w", w)):
        if not isinstance(d, Mapping):
            raise TypeError(
                f"{arg} must be a mapping (dict) of parameter name -> tensor, got {type(d).__name__}"
            )
    if set(y) != set(w):
        raise ValueError(
            f"y and w must hold the same parameter names, got {sorted(set(y) ^ set(w))} in one only"
        )
    if not y:
        raise ValueError("y and w are empty: the model has no weight parameters")
    bad = [n for n in y if tuple(y[n].shape) != tuple(w[n].shape)]
    if bad:
        n = bad[0]
        raise ValueError(
            f"y[{n!r}] has shape {tuple(y[n].shape)} but w[{n!r}] has shape {tuple(w[n].shape)}: y must hold one "
            "tensor of the weight's shape per name"
        )
    return torch.stack([((y[n] - w[n]) ** 2).sum() for n in y]).sum()


def _named_weights(model: Any) -> dict[str, torch.Tensor]:
    if not hasattr(model, "named_weight_parameters"):
        raise TypeError(
            f"model must have named_weight_parameters() (a darts_core.Supernet or a module with the same "
            f"interface), got {type(model).__name__}"
        )
    return dict(model.named_weight_parameters())


def relaxed_objective(
    model: nn.Module,
    y: Mapping[str, torch.Tensor],
    train_batch: Batch,
    val_batch: Batch,
    *,
    lam: float = 1.0,
    beta: float = 1.0,
    y_buffers: Mapping[str, torch.Tensor] | None = None,
    loss_fn: LossFn = F.cross_entropy,
) -> torch.Tensor:
    """The RARTS relaxed objective ``F(w, y, α) = L_val(y, α) + λ L_train(w, α) + (β/2) ||y - w||²``.

    ``w`` are the model's own weights, ``α`` its architecture parameters (shared by both terms), ``y`` a second set
    of weights for the same parameter names, run through ``torch.func.functional_call``. The value is
    differentiable in ``w``, ``y`` and ``α``; the gradient tests check each Gauss–Seidel block against it.

    Args:
        model: a supernet with ``named_weight_parameters()`` (its weights are ``w``).
        y: the validation network's weights, one tensor per name of ``named_weight_parameters()``.
        train_batch: ``(x, target)`` from the training split (the ``L_train(w, α)`` term).
        val_batch: ``(x, target)`` from the validation split (the ``L_val(y, α)`` term).
        lam: λ > 0, the weight of the training loss.
        beta: β >= 0, the coupling strength.
        y_buffers: the validation network's buffers (BatchNorm statistics); None uses the model's.
        loss_fn: ``loss_fn(logits, target)``, cross entropy by default.

    Returns:
        The scalar value of F.
    """
    check_finite_positive("lam", lam)
    check_finite_positive("beta", beta, allow_zero=True)
    w = _named_weights(model)
    state: dict[str, Any] = dict(y) | (dict(y_buffers) if y_buffers is not None else {})
    loss_v = loss_fn(functional_call(model, state, (val_batch[0],)), val_batch[1])
    loss_t = loss_fn(model(train_batch[0]), train_batch[1])
    return loss_v + lam * loss_t + 0.5 * beta * coupling_penalty(y, w)
