"""``nn.Module`` losses: drop-in replacements for ``nn.BCEWithLogitsLoss`` that optimise a metric directly."""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn

from anyloss.approx import DEFAULT_L, _check_L
from anyloss.confusion import TASKS, Task, _check_bool, _check_compute_dtype, _check_dataset_size
from anyloss.functional import (
    _AVERAGES,
    _REDUCTIONS,
    Average,
    MetricFn,
    Reduction,
    _check_choice,
    anyloss,
    hybrid_anyloss,
    resolve_metric,
)

__all__ = [
    "AccuracyLoss",
    "AnyLoss",
    "BalancedAccuracyLoss",
    "F1Loss",
    "FBetaLoss",
    "GMeanLoss",
    "HybridAnyLoss",
    "MCCLoss",
    "PrecisionLoss",
    "RecallLoss",
    "SpecificityLoss",
]


class AnyLoss(nn.Module):
    """AnyLoss (Han, Moniz & Chawla, 2024): ``1 - metric`` of the batch's amplified soft confusion matrix.

    ``forward(input, target, weight=None)`` takes logits (or probabilities with ``from_logits=False``) and labels,
    and returns a scalar (see :func:`anyloss.functional.anyloss` for every argument). Predict with the fixed
    threshold ``sigmoid(logit) > 0.5``: the amplification is centred at 0.5.

    The loss has no parameters and follows the input's dtype (float16/bfloat16 inputs are computed in float32).
    ``distributed=True`` is the data-parallel mode: every rank optimises the metric of the global batch (the
    soft confusion matrix all-reduced, with the gradient of one process on the whole batch under DDP).

    Example::

        loss_fn = AnyLoss("f1")                      # = F1Loss()
        loss = loss_fn(model(x).squeeze(-1), y)      # logits (N,), labels (N,) in {0, 1}
    """

    def __init__(
        self,
        metric: str | MetricFn = "f1",
        *,
        task: Task = "binary",
        num_classes: int | None = None,
        L: float | None = DEFAULT_L,
        from_logits: bool = True,
        beta: float = 1.0,
        root: bool = True,
        average: Average = "macro",
        reduction: Reduction = "mean",
        dataset_size: int | None = None,
        eps: float = 1e-7,
        strict: bool = False,
        compute_dtype: torch.dtype | None = None,
        validate_args: bool = True,
        distributed: bool = False,
        process_group: Any = None,
    ) -> None:
        super().__init__()
        self.metric_name, _ = resolve_metric(metric, beta=beta, root=root, eps=eps)
        if task not in TASKS:
            raise ValueError(f"task must be one of {TASKS}, got {task!r}")
        if num_classes is not None and (
            isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 2
        ):
            raise ValueError(f"num_classes must be None or an int >= 2, got {num_classes!r}")
        if task == "binary" and num_classes not in (None, 2):
            raise ValueError(f"task='binary' takes num_classes=None (or 2), got {num_classes!r}")
        _check_choice("average", average, _AVERAGES)
        _check_choice("reduction", reduction, _REDUCTIONS)
        if not isinstance(eps, (int, float)) or not eps >= 0:
            raise ValueError(f"eps must be a number >= 0, got {eps!r}")
        for flag, value in (
            ("from_logits", from_logits),
            ("root", root),
            ("strict", strict),
            ("validate_args", validate_args),
            ("distributed", distributed),
        ):
            _check_bool(flag, value)
        _check_compute_dtype(compute_dtype)
        _check_dataset_size(dataset_size)
        self.metric = metric
        self.task = task
        self.num_classes = num_classes
        self.L = None if L is None else _check_L(L)
        self.from_logits = bool(from_logits)
        self.beta = float(beta)
        self.root = bool(root)
        self.average = average
        self.reduction = reduction
        self.dataset_size = dataset_size
        self.eps = float(eps)
        self.strict = bool(strict)
        self.compute_dtype = compute_dtype
        self.validate_args = bool(validate_args)
        self.distributed = bool(distributed)
        self.process_group = process_group

    def _check_classes(self, input: Tensor) -> None:
        if (
            self.num_classes is not None
            and self.task != "binary"
            and input.dim() == 2
            and input.shape[1] != self.num_classes
        ):
            raise ValueError(
                f"input has {input.shape[1]} classes (shape {tuple(input.shape)}), expected num_classes={self.num_classes}"
            )

    def forward(self, input: Tensor, target: Tensor, weight: Tensor | None = None) -> Tensor:
        self._check_classes(input)
        return anyloss(
            input,
            target,
            self.metric,
            task=self.task,
            L=self.L,
            from_logits=self.from_logits,
            beta=self.beta,
            root=self.root,
            average=self.average,
            reduction=self.reduction,
            weight=weight,
            dataset_size=self.dataset_size,
            eps=self.eps,
            strict=self.strict,
            compute_dtype=self.compute_dtype,
            validate_args=self.validate_args,
            distributed=self.distributed,
            process_group=self.process_group,
        )

    def extra_repr(self) -> str:
        parts = [f"metric={self.metric_name!r}", f"L={self.L}", f"from_logits={self.from_logits}"]
        if self.metric_name == "fbeta":
            parts.append(f"beta={self.beta}")
        if self.metric_name == "gmean":
            parts.append(f"root={self.root}")
        if self.task != "binary":
            parts += [
                f"task={self.task!r}",
                f"num_classes={self.num_classes}",
                f"average={self.average!r}",
                f"reduction={self.reduction!r}",
            ]
        if self.dataset_size is not None:
            parts.append(f"dataset_size={self.dataset_size}")
        if self.compute_dtype is not None:
            parts.append(f"compute_dtype={self.compute_dtype}")
        if self.distributed:
            parts.append("distributed=True")
        return ", ".join(parts)


class AccuracyLoss(AnyLoss):
    """``1 - accuracy`` (AnyLoss-Acc of the paper)."""

    def __init__(self, **kwargs) -> None:
        super().__init__("accuracy", **kwargs)


class F1Loss(AnyLoss):
    """``1 - F1`` (AnyLoss-F1 of the paper)."""

    def __init__(self, **kwargs) -> None:
        super().__init__("f1", **kwargs)


class FBetaLoss(AnyLoss):
    """``1 - F_beta`` (AnyLoss-F_beta of the paper); ``beta > 1`` weighs recall more."""

    def __init__(self, *, beta: float = 1.0, **kwargs) -> None:
        super().__init__("fbeta", beta=beta, **kwargs)


class BalancedAccuracyLoss(AnyLoss):
    """``1 - balanced accuracy`` (AnyLoss-BAcc of the paper)."""

    def __init__(self, **kwargs) -> None:
        super().__init__("balanced_accuracy", **kwargs)


class GMeanLoss(AnyLoss):
    """``1 - G-mean`` (AnyLoss-G of the paper); ``root=False`` gives the extension's ``1 - TPR TNR``."""

    def __init__(self, *, root: bool = True, **kwargs) -> None:
        super().__init__("gmean", root=root, **kwargs)


class MCCLoss(AnyLoss):
    """``(1 - MCC) / 2`` (not in the paper; any confusion-matrix metric fits)."""

    def __init__(self, **kwargs) -> None:
        super().__init__("mcc", **kwargs)


class PrecisionLoss(AnyLoss):
    """``1 - precision``."""

    def __init__(self, **kwargs) -> None:
        super().__init__("precision", **kwargs)


class RecallLoss(AnyLoss):
    """``1 - recall`` (sensitivity)."""

    def __init__(self, **kwargs) -> None:
        super().__init__("recall", **kwargs)


class SpecificityLoss(AnyLoss):
    """``1 - specificity``."""

    def __init__(self, **kwargs) -> None:
        super().__init__("specificity", **kwargs)


class HybridAnyLoss(AnyLoss):
    """``(1 - r) * WBCE + r * AnyLoss(metric)`` from the authors' extension (binary and multi-label).

    WBCE uses the batch's class weights ``w1 = n0/N`` and ``w0 = n1/N`` (:func:`anyloss.functional.weighted_bce`).
    """

    def __init__(self, metric: str | MetricFn = "f1", *, r: float = 0.5, **kwargs) -> None:
        if isinstance(r, bool) or not isinstance(r, (int, float)) or not 0.0 <= r <= 1.0:
            raise ValueError(f"r must be a number in [0, 1], got {r!r}")
        if kwargs.get("task", "binary") == "multiclass":
            raise ValueError("HybridAnyLoss supports task='binary' or 'multilabel', got 'multiclass'")
        if kwargs.get("dataset_size") is not None:
            raise ValueError("HybridAnyLoss does not take dataset_size")
        super().__init__(metric, **kwargs)
        self.r = float(r)

    def forward(self, input: Tensor, target: Tensor, weight: Tensor | None = None) -> Tensor:
        self._check_classes(input)
        return hybrid_anyloss(
            input,
            target,
            self.metric,
            r=self.r,
            task=self.task,  # type: ignore[arg-type]
            L=self.L,
            from_logits=self.from_logits,
            beta=self.beta,
            root=self.root,
            average=self.average,
            weight=weight,
            eps=self.eps,
            strict=self.strict,
            compute_dtype=self.compute_dtype,
            validate_args=self.validate_args,
            distributed=self.distributed,
            process_group=self.process_group,
        )

    def extra_repr(self) -> str:
        return f"r={self.r}, " + super().extra_repr()
