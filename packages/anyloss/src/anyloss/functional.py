"""Functional AnyLoss: ``loss = 1 - metric(soft confusion matrix)`` (AnyLoss, Sec. 3.2) and the hybrid loss.

The metric is a statistic of the whole mini-batch, so the loss is one number per batch (per class for multi-class
and multi-label outputs with ``average="macro"``): there is no per-sample loss and no per-sample reduction.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any, Literal

import torch
import torch.nn.functional as F
from torch import Tensor

from anyloss import _dist
from anyloss.approx import DEFAULT_L
from anyloss.confusion import (
    Task,
    _check_bool,
    _DeviceChecks,
    _fbeta_loss_fused,
    _prepare,
    _soft_confusion_matrix,
    _validating,
    no_autocast,
)
from anyloss.metrics import METRICS

__all__ = ["ALIASES", "anyloss", "hybrid_anyloss", "resolve_metric", "weighted_bce"]

MetricFn = Callable[[Tensor, Tensor, Tensor, Tensor], Tensor]
Average = Literal["macro", "micro"]
Reduction = Literal["mean", "sum", "none"]

ALIASES = {
    "acc": "accuracy",
    "f1_score": "f1",
    "f_beta": "fbeta",
    "f-beta": "fbeta",
    "bacc": "balanced_accuracy",
    "balanced_acc": "balanced_accuracy",
    "g_mean": "gmean",
    "g-mean": "gmean",
    "geometric_mean": "gmean",
    "sensitivity": "recall",
    "tpr": "recall",
    "tnr": "specificity",
    "ppv": "precision",
    "matthews": "mcc",
}
"""Other accepted spellings of the metric names of :data:`anyloss.metrics.METRICS`."""

# which classes a metric needs in the batch to be defined (for the empty-class warning)
_NEEDS_POS = {"f1", "fbeta", "recall", "balanced_accuracy", "gmean", "mcc", "precision"}
_NEEDS_NEG = {"specificity", "balanced_accuracy", "gmean", "mcc", "npv"}
_REDUCTIONS = ("mean", "sum", "none")
_AVERAGES = ("macro", "micro")


def resolve_metric(
    metric: str | MetricFn, *, beta: float = 1.0, root: bool = True, eps: float = 1e-7
) -> tuple[str, MetricFn]:
    """``(name, fn)`` with ``fn(tn, fp, fn, tp) -> metric``; a callable is returned as ``("custom", metric)``."""
    if callable(metric):
        _check_eps(eps)
        return "custom", metric
    if not isinstance(metric, str):
        raise TypeError(
            f"metric must be a name or a callable (tn, fp, fn, tp) -> tensor, got {type(metric).__name__}"
        )
    name = ALIASES.get(metric.lower(), metric.lower())
    if name not in METRICS:
        raise ValueError(
            f"unknown metric {metric!r}; available: {', '.join(sorted(METRICS))} "
            f"(aliases: {', '.join(sorted(ALIASES))}) or a callable (tn, fp, fn, tp) -> tensor"
        )
    if isinstance(beta, bool) or not isinstance(beta, (int, float)) or not beta > 0:
        raise ValueError(f"beta must be a number > 0, got {beta!r}")
    if not math.isfinite(beta):
        raise ValueError(f"beta must be a finite number > 0, got {beta!r}")
    _check_bool("root", root)
    _check_eps(eps)
    base = METRICS[name]
    if name == "fbeta":
        return name, lambda tn, fp, fn, tp: base(tn, fp, fn, tp, beta=float(beta), eps=eps)
    if name == "gmean":
        return name, lambda tn, fp, fn, tp: base(tn, fp, fn, tp, root=bool(root), eps=eps)
    return name, lambda tn, fp, fn, tp: base(tn, fp, fn, tp, eps=eps)


def _check_eps(eps: object) -> None:
    if isinstance(eps, bool) or not isinstance(eps, (int, float)) or not 0 <= eps < math.inf:
        finite = "" if eps != math.inf else " (a finite one)"
        raise ValueError(f"eps must be a number >= 0{finite}, got {eps!r}")


def _check_choice(name: str, value: object, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ValueError(f"{name} must be one of {choices}, got {value!r}")


def _check_classes(checks: _DeviceChecks, pos: Tensor, neg: Tensor, name: str, strict: bool) -> None:
    """Queue the check that the metric is defined: warn (or raise with ``strict``) when a class is absent.

    ``pos`` / ``neg``: (weighted) number of positives / negatives per column (``TP + FN`` / ``TN + FP``).
    """
    needs_pos, needs_neg = name in _NEEDS_POS, name in _NEEDS_NEG
    if not (needs_pos or needs_neg):
        return
    flags, names = [], []
    if needs_pos:
        flags.append((pos <= 0).any().reshape(1))
        names.append("positive")
    if needs_neg:
        flags.append((neg <= 0).any().reshape(1))
        names.append("negative")

    def fail(missing_flags: list[bool]) -> None:
        missing = [c for c, m in zip(names, missing_flags, strict=True) if m]
        msg = (
            f"metric {name!r} is undefined on a batch without {' or '.join(missing)} samples "
            "(for some class); the loss uses what exists and has no gradient from the missing class. "
            "Use larger or stratified batches (anyloss.StratifiedBatchSampler)"
        )
        if strict:
            raise ValueError(msg)
        warnings.warn(msg, RuntimeWarning, stacklevel=4)

    checks.add(torch.cat(flags), fail)


def anyloss(
    input: Tensor,
    target: Tensor,
    metric: str | MetricFn = "f1",
    *,
    task: Task = "binary",
    L: float | None = DEFAULT_L,
    from_logits: bool = True,
    beta: float = 1.0,
    root: bool = True,
    average: Average = "macro",
    reduction: Reduction = "mean",
    weight: Tensor | None = None,
    dataset_size: int | None = None,
    eps: float = 1e-7,
    strict: bool = False,
    compute_dtype: torch.dtype | None = None,
    validate_args: bool = True,
    distributed: bool = False,
    process_group: Any = None,
) -> Tensor:
    """AnyLoss: ``1 - metric`` of the soft confusion matrix of the batch (Sec. 3.2 of the paper).

    Args:
        input: logits (default) or probabilities; see :func:`anyloss.soft_confusion_matrix` for shapes.
        target: labels; see :func:`anyloss.soft_confusion_matrix`.
        metric: a name of :data:`anyloss.metrics.METRICS` (``"accuracy"``, ``"f1"``, ``"fbeta"``,
            ``"balanced_accuracy"``, ``"gmean"``, ``"mcc"``, ``"precision"``, ``"recall"``, ``"specificity"``,
            ``"npv"``; aliases in :data:`ALIASES`) or a callable ``(tn, fp, fn, tp) -> metric`` whose values are
            at most 1 (the loss is ``1 - metric``).
        task: ``"binary"`` (the paper), ``"multiclass"`` or ``"multilabel"`` (one-vs-rest; our extension).
        L: amplification constant (paper: 73); ``None`` for the un-amplified "Pure" variant.
        from_logits: ``input`` holds logits (sigmoid/softmax applied here).
        beta: beta of ``"fbeta"``.
        root: ``"gmean"`` as ``sqrt(TPR TNR)`` (paper) or, with ``False``, ``TPR TNR`` (the authors' extension).
        average: multi-class/multi-label only: ``"macro"`` (metric per class, then reduced) or ``"micro"``
            (counts summed over classes, one metric). Multi-class ``"accuracy"`` is always
            ``sum_i sum_k y_ik A(p_ik) / N``.
        reduction: how per-class losses are combined with ``average="macro"``: ``"mean"``, ``"sum"`` or
            ``"none"`` (a ``(K,)`` tensor). A binary loss is a single number whatever the reduction.
        weight: optional per-sample weights ``(N,)``.
        dataset_size: ``None`` normalises by the batch; an int reproduces the official code's use of the
            training-set size as ``N`` (see :func:`anyloss.soft_confusion_matrix`).
        eps: added to denominators.
        strict: raise instead of warning when the metric is undefined on the batch (a class is absent).
        compute_dtype: arithmetic dtype (default: the input's, float32 for half inputs).
        validate_args: check inputs (one device-host sync); ``False`` skips the checks and the warnings. They are
            skipped while ``torch.compile`` traces the call (no graph break); eager calls check.
        distributed: data-parallel mode (DDP): the soft confusion matrix is summed over every process of
            ``process_group`` (one differentiable all-reduce of ``4 K + 3`` numbers), so every rank computes the
            metric of the global batch and gets the same loss. Its gradient, averaged over the ranks by DDP, is
            the gradient of one process on the whole global batch (why: ``anyloss._dist``). Every rank must call
            the loss and run backward through it; a rank's shard may be empty.
        process_group: the ``torch.distributed`` group of ``distributed=True`` (default: the default group).

    Returns:
        The loss, a scalar tensor (or ``(K,)`` with ``reduction="none"``), differentiable w.r.t. ``input``.
        MCC, which lies in [-1, 1], gives ``(1 - MCC) / 2``; every other built-in metric gives ``1 - metric``.
    """
    name, fn = resolve_metric(metric, beta=beta, root=root, eps=eps)
    _check_choice("average", average, _AVERAGES)
    _check_choice("reduction", reduction, _REDUCTIONS)
    _check_bool("strict", strict)
    _check_bool("distributed", distributed)
    validate = _validating(_check_bool("validate_args", validate_args))
    checks = _DeviceChecks() if (validate or strict) else None
    if (
        name in ("f1", "fbeta")
        and task in ("binary", "multilabel")
        and (task == "binary" or average == "macro")
        and not distributed
    ):
        # fast path: counts and F-beta in one autograd node (same value and gradient as the generic path below)
        loss, yw, ybw = _fbeta_loss_fused(
            input,
            target,
            task=task,
            L=L,
            from_logits=from_logits,
            weight=weight,
            dataset_size=dataset_size,
            compute_dtype=compute_dtype,
            validate_args=validate,
            beta=1.0 if name == "f1" else float(beta),
            eps=eps,
            checks=checks,
        )
        if checks is not None:
            _check_classes(checks, yw.sum(0), ybw.sum(0), name, strict)
            checks.run()  # every value check of the call in one device-host sync
        return _reduce(loss, reduction)
    cm = _soft_confusion_matrix(
        input,
        target,
        task,
        L,
        from_logits,
        weight,
        dataset_size,
        compute_dtype,
        validate,
        checks,
        distributed=distributed,
        process_group=process_group,
    )
    if checks is not None:
        _check_classes(checks, cm.tp + cm.fn, cm.tn + cm.fp, name, strict)
    with no_autocast(cm.tp.device):
        if task == "multiclass" and name == "accuracy":
            # sum_i sum_k y_ik A(p_ik) / N: the multi-class accuracy, not the mean of one-vs-rest accuracies
            total = (cm.tp + cm.fn).sum()
            if dataset_size is not None:
                total = total.new_tensor(float(dataset_size))
            loss = 1.0 - cm.tp.sum() / (total + eps)
        else:
            counts = (cm.tn, cm.fp, cm.fn, cm.tp)
            if task != "binary" and average == "micro":
                counts = (cm.tn.sum(), cm.fp.sum(), cm.fn.sum(), cm.tp.sum())
            value = fn(*counts)
            if name == "custom" and validate and checks is not None:
                v = value.detach()
                checks.add(
                    (v > 1.0 + 1e-6).any(),
                    lambda _: _fail_metric(float(v.max())),
                )
            loss = (1.0 - value) / 2.0 if name == "mcc" else 1.0 - value
    if checks is not None:
        checks.run()  # every value check of the call in one device-host sync
    return _reduce(loss, reduction)


def _fail_metric(top: float) -> None:
    raise ValueError(
        f"the metric callable must return values <= 1 (the loss is 1 - metric), got {top:g}; rescale it "
        "(e.g. (1 + MCC) / 2 for a metric in [-1, 1])"
    )


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if loss.dim() == 0 or reduction == "none":
        return loss
    return loss.mean() if reduction == "mean" else loss.sum()


def weighted_bce(
    input: Tensor,
    target: Tensor,
    *,
    from_logits: bool = True,
    weight: Tensor | None = None,
    eps: float = 1e-7,
) -> Tensor:
    """Class-weighted BCE with the batch's own weights ``w1 = n0 / N`` (positives), ``w0 = n1 / N`` (negatives).

    The WBCE term of the authors' hybrid loss; ``input``/``target`` are binary ``(N,)``/``(N, 1)`` or multilabel
    ``(N, K)`` (weights per label). ``weight`` multiplies per-sample.
    """
    y = target.to(input.dtype if input.dtype not in (torch.float16, torch.bfloat16) else torch.float32)
    with no_autocast(input.device):
        x = input.float() if input.dtype in (torch.float16, torch.bfloat16) else input
        y = y.reshape(x.shape)
        n = y.new_tensor(float(y.shape[0]))
        n1 = y.sum(0, keepdim=True)
        w = y * ((n - n1) / n) + (1.0 - y) * (n1 / n)
        if weight is not None:
            w = w * weight.reshape(-1, *([1] * (x.dim() - 1))).to(w.dtype)
        if from_logits:
            return F.binary_cross_entropy_with_logits(x, y, weight=w)
        return F.binary_cross_entropy(x.clamp(eps, 1.0 - eps), y, weight=w)


def hybrid_anyloss(
    input: Tensor,
    target: Tensor,
    metric: str | MetricFn = "f1",
    *,
    r: float = 0.5,
    task: Literal["binary", "multilabel"] = "binary",
    L: float | None = DEFAULT_L,
    from_logits: bool = True,
    beta: float = 1.0,
    root: bool = True,
    average: Average = "macro",
    weight: Tensor | None = None,
    eps: float = 1e-7,
    strict: bool = False,
    compute_dtype: torch.dtype | None = None,
    validate_args: bool = True,
    distributed: bool = False,
    process_group: Any = None,
) -> Tensor:
    """Hybrid loss of the authors' extension: ``(1 - r) * WBCE + r * AnyLoss(metric)``.

    ``WBCE`` is :func:`weighted_bce` (batch class weights ``w1 = n0/N``, ``w0 = n1/N``). ``r = 0`` is WBCE alone,
    ``r = 1`` AnyLoss alone. Binary and multi-label outputs. ``distributed=True`` (see :func:`anyloss`) makes
    both terms those of the global batch: the soft confusion matrix, the class weights and WBCE's sums are
    summed over the processes.
    """
    if isinstance(r, bool) or not isinstance(r, (int, float)) or not 0.0 <= r <= 1.0:
        raise ValueError(f"r must be a number in [0, 1], got {r!r}")
    if task not in ("binary", "multilabel"):
        raise ValueError(f"hybrid_anyloss supports task='binary' or 'multilabel', got {task!r}")
    metric_loss = anyloss(
        input,
        target,
        metric,
        task=task,
        L=L,
        from_logits=from_logits,
        beta=beta,
        root=root,
        average=average,
        weight=weight,
        eps=eps,
        strict=strict,
        compute_dtype=compute_dtype,
        validate_args=validate_args,
        distributed=distributed,
        process_group=process_group,
    )
    x, y, w = _prepare(input, target, task, from_logits, weight, validate_args=False)
    x = x.to(metric_loss.dtype)
    if distributed:
        bce = _weighted_bce_global(x, y, from_logits=from_logits, weight=w, eps=eps, group=process_group)
    else:
        bce = weighted_bce(x, y, from_logits=from_logits, weight=w, eps=eps)
    return (1.0 - r) * bce + r * metric_loss


def _weighted_bce_global(
    input: Tensor, target: Tensor, *, from_logits: bool, weight: Tensor | None, eps: float, group: Any
) -> Tensor:
    """:func:`weighted_bce` of the global batch of ``distributed=True``, on every rank.

    With the global class counts ``n1``, ``n0 = N - n1`` the loss is
    ``sum_k (n0_k / N P_k + n1_k / N Q_k) / (N K)``, ``P_k`` / ``Q_k`` the sums of the positives' / negatives'
    (sample-weighted) BCE terms of column ``k``: ``P``, ``Q``, ``n1`` and ``N`` are summed over the ranks in one
    differentiable all-reduce (the gradient argument of :mod:`anyloss._dist`).
    """
    y = target.to(input.dtype if input.dtype not in (torch.float16, torch.bfloat16) else torch.float32)
    with no_autocast(input.device):
        x = input.float() if input.dtype in (torch.float16, torch.bfloat16) else input
        y = y.reshape(x.shape)
        if from_logits:
            terms = F.binary_cross_entropy_with_logits(x, y, reduction="none")
        else:
            terms = F.binary_cross_entropy(x.clamp(eps, 1.0 - eps), y, reduction="none")
        if weight is not None:
            terms = terms * weight.reshape(-1, *([1] * (x.dim() - 1))).to(terms.dtype)
        per_sample = math.prod(x.shape[1:])  # K labels (1 for a binary input)
        pos, neg = (y * terms).sum(0), ((1.0 - y) * terms).sum(0)
        n = terms.new_tensor(float(x.shape[0]))
        pos, neg, n1, n = _dist.all_reduce_sum([pos, neg, y.sum(0), n], group)
        return ((n - n1) / n * pos + n1 / n * neg).sum() / (n * per_sample)
