"""Soft confusion matrices (AnyLoss, Sec. 3.2) for binary, multi-class and multi-label outputs.

With ``a_i = A(p_i)`` the amplified probability of the positive class (:func:`anyloss.amplify`), a mini-batch gives

    TP = sum_i w_i y_i a_i            FN = sum_i w_i y_i (1 - a_i)
    FP = sum_i w_i (1 - y_i) a_i      TN = sum_i w_i (1 - y_i) (1 - a_i)

(``w_i = 1`` unless sample weights are given). ``1 - a_i`` is computed as ``sigmoid(-L (p_i - 0.5))`` and, for
logits, ``1 - p_i`` as ``sigmoid(-z_i)``: no cancellation, and gradients are computed from the inputs
(:class:`anyloss.approx.StableSigmoid`). ``L=None`` skips the amplification (``a_i = p_i``, the "Pure" variant of
the authors' extension, i.e. soft-Dice-style counts).

Multi-class and multi-label inputs (not in the paper, which is binary only) give one one-vs-rest matrix per class:
four tensors of shape ``(K,)``. For multi-class outputs ``p_ik`` is the softmax probability of class ``k``.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Callable
from typing import Any, Literal, NamedTuple

import torch
import torch.nn.functional as F
from torch import Tensor

from anyloss import _dist
from anyloss.approx import DEFAULT_L, _check_L, amplify_pair

__all__ = ["ConfusionMatrix", "Task", "soft_confusion_matrix"]

Task = Literal["binary", "multiclass", "multilabel"]
TASKS = ("binary", "multiclass", "multilabel")
_HALF = (torch.float16, torch.bfloat16)
_AUTOCAST_DEVICES = ("cpu", "cuda", "xpu", "mps", "hpu")
_SATURATION_L = 73.0  # largest integer L with sigmoid(L / 2) < 1 in float64


class ConfusionMatrix(NamedTuple):
    """The four (soft) counts; scalars for ``task="binary"``, shape ``(K,)`` otherwise."""

    tn: Tensor
    fp: Tensor
    fn: Tensor
    tp: Tensor


def no_autocast(device: torch.device) -> contextlib.AbstractContextManager[None]:
    """A context that switches autocast off on ``device`` (the loss must run in float32 or wider)."""
    if device.type not in _AUTOCAST_DEVICES:
        return contextlib.nullcontext()
    try:
        active = torch.is_autocast_enabled(device.type)
    except TypeError:  # pragma: no cover - torch without the device_type argument
        active = True
    return torch.autocast(device_type=device.type, enabled=False) if active else contextlib.nullcontext()


def _check_bool(name: str, value: object) -> bool:
    """``value`` if it is a bool; a clear TypeError otherwise (``bool("no")`` is True: never coerce)."""
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be a bool, got {type(value).__name__} {value!r}")
    return value


def _check_compute_dtype(compute_dtype: object) -> None:
    if compute_dtype is not None and not (
        isinstance(compute_dtype, torch.dtype) and compute_dtype.is_floating_point
    ):
        raise TypeError(f"compute_dtype must be a floating torch.dtype, got {compute_dtype!r}")


def _check_dataset_size(dataset_size: object) -> None:
    if dataset_size is not None and (
        isinstance(dataset_size, bool) or not isinstance(dataset_size, int) or dataset_size < 1
    ):
        raise ValueError(f"dataset_size must be None or a positive int, got {dataset_size!r}")


def _validating(validate_args: bool) -> bool:
    """Whether to run the input checks: not while ``torch.compile`` traces (the value checks read the device
    back, a graph break); an eager call checks as asked."""
    return validate_args and not torch.compiler.is_compiling()


def _resolve_dtype(input: Tensor, compute_dtype: torch.dtype | None) -> torch.dtype:
    if compute_dtype is not None:
        _check_compute_dtype(compute_dtype)
        return compute_dtype
    return torch.float32 if input.dtype in _HALF else input.dtype


def _values(t: Tensor, limit: int = 10) -> str:
    vals = torch.unique(t.detach()).cpu().tolist()
    return str(vals[:limit]) + (" ..." if len(vals) > limit else "")


class _DeviceChecks:
    """Value checks evaluated on the device and read back with ONE device-host transfer.

    ``add(flags, on_fail)`` queues boolean flag(s) (``True`` = a problem); :meth:`run` copies all queued flags to the
    host at once and calls ``on_fail(flags)`` (which raises or warns) for each check with a ``True`` flag, in the
    order they were added. Error messages that need the offending values compute them only then.
    """

    def __init__(self) -> None:
        self._items: list[tuple[Tensor, Callable[[list[bool]], None]]] = []

    def add(self, flags: Tensor, on_fail: Callable[[list[bool]], None]) -> None:
        self._items.append((flags.reshape(-1), on_fail))

    def any_flag(self) -> Tensor | None:
        """``(1,)`` tensor, 1 where any queued check failed (not read back); ``None`` when nothing is queued."""
        if not self._items:
            return None
        device = self._items[0][0].device
        return torch.cat([f.to(device) for f, _ in self._items]).any().reshape(1)

    def run(self) -> None:
        if not self._items:
            return
        device = self._items[0][0].device
        values = torch.cat([f.to(device) for f, _ in self._items]).tolist()  # the one host sync
        start = 0
        items, self._items = self._items, []
        for f, on_fail in items:
            flags = [bool(v) for v in values[start : start + f.numel()]]
            start += f.numel()
            if any(flags):
                on_fail(flags)


def _raiser(exc: Exception) -> Callable[[list[bool]], None]:
    def fail(_: list[bool]) -> None:
        raise exc

    return fail


def _prepare(
    input: Tensor,
    target: Tensor,
    task: str,
    from_logits: bool,
    weight: Tensor | None,
    validate_args: bool,
    checks: _DeviceChecks | None = None,
    local: bool = False,
) -> tuple[Tensor, Tensor, Tensor | None]:
    """Validates at the boundary; binary: input as given, ``(N,)`` target and weight; else ``(N, K)`` input and
    0/1 target, ``(N, 1)`` weight.

    Shape and type errors raise at once; value checks (``validate_args``) are queued on ``checks`` and raise when
    the caller runs them (one host sync for all of them), or here when no collector is given. ``local``: the
    batch is one process's shard of a distributed batch (it may be empty or hold one sample).
    """
    run_here = checks is None
    checks = _DeviceChecks() if checks is None else checks
    if not isinstance(input, Tensor):
        raise TypeError(f"input must be a torch.Tensor, got {type(input).__name__}")
    if not isinstance(target, Tensor):
        raise TypeError(f"target must be a torch.Tensor, got {type(target).__name__}")
    if not input.is_floating_point():
        raise TypeError(
            f"input must be a floating tensor of logits or probabilities, got dtype {input.dtype}"
        )
    if task not in TASKS:
        raise ValueError(f"task must be one of {TASKS}, got {task!r}")
    if input.dim() == 0:
        raise ValueError("input must have a batch dimension, got a 0-d tensor")
    if target.device != input.device:
        raise ValueError(
            f"target is on device {target.device}, input on {input.device}: move both to one device"
        )
    n = input.shape[0]
    if validate_args and n == 0 and not local:
        raise ValueError(
            f"input is an empty batch (shape {tuple(input.shape)}): a confusion-matrix metric of no samples is "
            "undefined"
        )
    if task == "binary":
        if input.dim() > 2 or (input.dim() == 2 and input.shape[1] != 1):
            raise ValueError(
                f"task='binary' expects input of shape (N,) or (N, 1), got {tuple(input.shape)}; "
                "use task='multiclass' or task='multilabel' for (N, K) outputs"
            )
        if target.shape not in ((n,), (n, 1)):
            raise ValueError(
                f"task='binary' expects target of shape ({n},) or ({n}, 1) to match input {tuple(input.shape)}, "
                f"got {tuple(target.shape)}"
            )
        # binary: the input is passed on as given (a tracked reshape would cost an autograd node), target 1-d
        x = input
        y = target.reshape(n)
    elif task == "multiclass":
        if input.dim() != 2 or input.shape[1] < 2:
            raise ValueError(
                f"task='multiclass' expects input of shape (N, K) with K >= 2, got {tuple(input.shape)}"
            )
        if target.shape != (n,):
            raise ValueError(
                f"task='multiclass' expects target class indices of shape ({n},), got {tuple(target.shape)}"
            )
        if target.is_floating_point() or target.dtype == torch.bool:
            raise TypeError(
                f"task='multiclass' expects integer class indices as target, got dtype {target.dtype}"
            )
        k = input.shape[1]
        if validate_args and target.numel():
            checks.add(
                ((target < 0) | (target >= k)).any(),
                lambda _: _fail(
                    f"target class indices must be in [0, {k - 1}], got values {_values(target)}"
                ),
            )
        x = input
        y = F.one_hot(target.long().clamp(0, k - 1), k)
    else:
        if input.dim() != 2:
            raise ValueError(f"task='multilabel' expects input of shape (N, K), got {tuple(input.shape)}")
        if target.shape != input.shape:
            raise ValueError(
                f"task='multilabel' expects target of shape {tuple(input.shape)}, got {tuple(target.shape)}"
            )
        x, y = input, target
    if validate_args:
        if task != "multiclass" and y.numel():
            yv = y
            checks.add(
                ((yv != 0) & (yv != 1)).any(),
                lambda _: _fail(f"target must hold only 0 and 1 for task={task!r}, got values {_values(yv)}"),
            )
        if not from_logits and x.numel():
            xv = x.detach()
            checks.add(
                ~((xv >= 0) & (xv <= 1)).all(),
                lambda _: _fail(
                    "with from_logits=False the input must be probabilities in [0, 1], got values in "
                    f"[{float(xv.min()):.4g}, {float(xv.max()):.4g}]; pass from_logits=True for raw model outputs "
                    "(logits)"
                ),
            )
        if n == 1 and not local:
            warnings.warn(
                "batch of size 1: a confusion-matrix metric of a single sample is degenerate; "
                "use batches with several samples of each class",
                stacklevel=5,
            )
    w = None
    if weight is not None:
        if not isinstance(weight, Tensor):
            raise TypeError(f"weight must be a torch.Tensor of shape ({n},), got {type(weight).__name__}")
        if weight.device != input.device:
            raise ValueError(
                f"weight is on device {weight.device}, input on {input.device}: move both to one device"
            )
        if weight.shape not in ((n,), (n, 1)):
            raise ValueError(
                f"weight must have shape ({n},) (one weight per sample), got {tuple(weight.shape)}"
            )
        if validate_args:
            checks.add((weight < 0).any(), _raiser(ValueError("weight must be non-negative")))
        w = weight.reshape(n) if task == "binary" else weight.reshape(n, 1)
    if run_here:
        checks.run()
    return x, y, w


def _fail(msg: str) -> None:
    raise ValueError(msg)


def _amplified(x: Tensor, L: float | None, from_logits: bool) -> tuple[Tensor, Tensor, Tensor | None]:
    """``(a, 1 - a, da/dx)`` (no autograd): ``a = A(p)``, ``1 - a = s(-u)`` computed directly, and the slope
    ``L s(u) s(-u) [s(z) s(-z)]`` from the input, so it never rounds to 0 (``None`` when it is 1)."""
    if from_logits:
        p, q = torch.sigmoid(x), torch.sigmoid(-x)
        slope: Tensor | None = p * q  # d p / d z, both factors computed from z (q is not 1 - p)
    else:
        p, q = x, 1.0 - x
        slope = None
    if L is None:
        return p, q, slope
    u = torch.sub(p, 0.5).mul_(L)
    a, a_bar = torch.sigmoid(u), torch.sigmoid(u.neg_())
    amp = torch.mul(a, a_bar).mul_(L)  # d A / d p = L s(u) s(-u)
    return a, a_bar, (amp if slope is None else amp.mul_(slope))


class _SoftCounts(torch.autograd.Function):
    """Binary/multi-label soft counts ``(TN, FP, FN, TP)`` per column in one autograd node.

    The derivative of ``a_i`` w.r.t. a logit ``z_i`` is ``L s(u_i) s(-u_i) s(z_i) s(-z_i)`` with
    ``u_i = L (p_i - 0.5)``, every factor computed directly from the input (``s(-u)`` is not ``1 - s(u)``), so it
    never vanishes where ``A`` rounds to 0 or 1. One node with a hand-written backward instead of a dozen
    elementwise autograd nodes keeps the loss cheap next to BCE.

    ``yw`` / ``ybw`` (weighted positive / negative indicators) are 1-d for a binary input, which then gives four
    0-d counts from four dot products, or ``(N, K)``, which gives ``(K,)`` counts. ``x`` may have any shape with
    as many elements as ``yw``: it is reshaped here, outside autograd, and its gradient reshaped back.
    """

    @staticmethod
    def forward(
        ctx: Any, x: Tensor, yw: Tensor, ybw: Tensor, L: float | None, from_logits: bool
    ) -> tuple[Tensor, ...]:  # type: ignore[override]
        # the classic (ctx-first) form: it skips the per-call signature binding of setup_context (~0.1 ms)
        ctx.x_shape = x.shape
        a, a_bar, slope = _amplified(x.reshape(yw.shape), L, from_logits)
        ctx.save_for_backward(yw, ybw, slope)
        if yw.dim() == 1:  # binary: four dot products, 0-d counts
            return torch.dot(ybw, a_bar), torch.dot(ybw, a), torch.dot(yw, a_bar), torch.dot(yw, a)
        # (N, K): elementwise product + column sum (much faster than einsum for small N)
        return (ybw * a_bar).sum(0), (ybw * a).sum(0), (yw * a_bar).sum(0), (yw * a).sum(0)

    @staticmethod
    def backward(
        ctx: Any, g_tn: Tensor, g_fp: Tensor, g_fn: Tensor, g_tp: Tensor
    ) -> tuple[Tensor | None, ...]:  # type: ignore[override]
        yw, ybw, slope = ctx.saved_tensors
        if not ctx.needs_input_grad[0]:
            return None, None, None, None, None
        # d counts / d a_i: TP and FP grow with a_i, FN and TN shrink (a_bar_i = 1 - a_i)
        grad = torch.addcmul(ybw * (g_fp - g_tn), yw, g_tp - g_fn)
        if slope is not None:
            grad = grad.mul_(slope)
        return grad.reshape(ctx.x_shape), None, None, None, None


class _FBetaLoss(torch.autograd.Function):
    """``1 - F_beta`` per column straight from the input, in one autograd node (the counts and the metric fused).

    With ``miss = FP + b^2 FN + eps`` and ``den = miss + (1 + b^2) TP`` the loss is ``miss / den`` (equal to
    ``1 - F_beta`` with ``eps`` in the denominator); its derivative w.r.t. ``a_i`` is
    ``(1 + b^2) TP / den^2`` for a negative and ``-(1 + b^2) (miss + b^2 TP) / den^2`` for a positive (times the
    sample weight), chained with the input-side slope of :func:`_amplified`. TN is not needed.
    """

    @staticmethod
    def forward(
        ctx: Any,
        x: Tensor,
        yw: Tensor,
        ybw: Tensor,
        L: float | None,
        from_logits: bool,
        b2: float,
        eps: float,
    ) -> Tensor:  # type: ignore[override]
        ctx.x_shape = x.shape
        a, a_bar, slope = _amplified(x.reshape(yw.shape), L, from_logits)
        if yw.dim() == 1:
            tp, fp, fn = torch.dot(yw, a), torch.dot(ybw, a), torch.dot(yw, a_bar)
        else:
            tp, fp, fn = (yw * a).sum(0), (ybw * a).sum(0), (yw * a_bar).sum(0)
        miss = torch.add(fp, fn, alpha=b2).add_(eps)
        den = torch.add(miss, tp, alpha=1.0 + b2)
        ctx.b2 = b2
        ctx.save_for_backward(yw, ybw, slope, tp, miss, den)
        return miss / den

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> tuple[Tensor | None, ...]:  # type: ignore[override]
        yw, ybw, slope, tp, miss, den = ctx.saved_tensors
        if not ctx.needs_input_grad[0]:
            return (None,) * 7
        b2 = ctx.b2
        s = (g / (den * den)).mul_(1.0 + b2)
        c_neg = s * tp
        c_pos = s.mul_(torch.add(miss, tp, alpha=b2)).neg_()
        grad = torch.addcmul(ybw * c_neg, yw, c_pos)
        if slope is not None:
            grad = grad.mul_(slope)
        return grad.reshape(ctx.x_shape), None, None, None, None, None, None


def _fbeta_loss_fused(
    input: Tensor,
    target: Tensor,
    *,
    task: str,
    L: float | None,
    from_logits: bool,
    weight: Tensor | None,
    dataset_size: int | None,
    compute_dtype: torch.dtype | None,
    validate_args: bool,
    beta: float,
    eps: float,
    checks: _DeviceChecks | None = None,
) -> tuple[Tensor, Tensor, Tensor]:
    """``(1 - F_beta per column, y_w, y_bar_w)`` for binary/multi-label inputs (see :func:`_counts_inputs`).

    The same numbers as :func:`soft_confusion_matrix` followed by :func:`anyloss.metrics.fbeta` (TN, the only
    count ``dataset_size`` changes, does not enter F-beta), in one autograd node.
    """
    x, yw, ybw, _, L = _counts_inputs(
        input, target, task, L, from_logits, weight, dataset_size, compute_dtype, validate_args, checks
    )
    with no_autocast(x.device):
        loss = _FBetaLoss.apply(x, yw, ybw, L, from_logits, float(beta) ** 2, float(eps))
    return loss, yw, ybw


def _counts_inputs(
    input: Tensor,
    target: Tensor,
    task: str,
    L: float | None,
    from_logits: bool,
    weight: Tensor | None,
    dataset_size: int | None,
    compute_dtype: torch.dtype | None,
    validate_args: bool,
    checks: _DeviceChecks | None = None,
    local: bool = False,
) -> tuple[Tensor, Tensor, Tensor, Tensor | None, float | None]:
    """Checked arguments for the counts: ``(x, y_w, y_bar_w, w, L)`` in the compute dtype.

    ``y_w = w y`` and ``y_bar_w = w (1 - y)`` are the (weighted) positive and negative indicators; binary inputs
    are passed on as given (1-d indicators), the others as ``(N, K)``.
    """
    _check_bool("from_logits", from_logits)
    if L is not None:
        L = _check_L(L)
    if dataset_size is not None:
        _check_dataset_size(dataset_size)
        # (a distributed shard is checked against the global batch size, on every rank alike)
        if not local and isinstance(input, Tensor) and input.dim() > 0 and dataset_size < input.shape[0]:
            raise ValueError(f"dataset_size ({dataset_size}) must be >= the batch size ({input.shape[0]})")
    x, y, w = _prepare(input, target, task, from_logits, weight, validate_args, checks, local)
    dtype = _resolve_dtype(input, compute_dtype)
    if L is not None and validate_args and L > _SATURATION_L:
        # In float32, A already rounds to 0/1 for L > 33 (float64: L > 73, the paper's value). The forward value
        # is then rounded, but the backward is computed from the input and stays non-zero, so only L beyond the
        # paper's own float64 limit is worth a warning.
        warnings.warn(
            f"L={L:g} > {_SATURATION_L:g}: A(p) rounds to exactly 0/1 even in float64 for confident predictions "
            "(the backward stays finite and non-zero, but the loss value saturates)",
            stacklevel=4,
        )
    x = x.to(dtype)
    y = y.to(dtype)
    y_bar = 1.0 - y
    if w is not None:
        w = w.to(dtype)
        y, y_bar = y * w, y_bar * w
    return x, y, y_bar, w, L


def soft_confusion_matrix(
    input: Tensor,
    target: Tensor,
    *,
    task: Task = "binary",
    L: float | None = DEFAULT_L,
    from_logits: bool = True,
    weight: Tensor | None = None,
    dataset_size: int | None = None,
    compute_dtype: torch.dtype | None = None,
    validate_args: bool = True,
    distributed: bool = False,
    process_group: Any = None,
) -> ConfusionMatrix:
    """The soft confusion matrix ``(TN, FP, FN, TP)`` of a mini-batch (AnyLoss, Sec. 3.2).

    Args:
        input: logits (``from_logits=True``) or probabilities. ``(N,)`` or ``(N, 1)`` for ``task="binary"``,
            ``(N, K)`` for ``"multiclass"`` (softmax over K) and ``"multilabel"`` (sigmoid per label).
        target: ``(N,)``/``(N, 1)`` in {0, 1} (binary), ``(N,)`` class indices (multiclass), ``(N, K)`` in {0, 1}
            (multilabel). Float, integer or bool.
        task: ``"binary"`` (the paper), ``"multiclass"`` or ``"multilabel"`` (one-vs-rest, our extension).
        L: amplification constant of ``A`` (paper: 73); ``None`` for no amplification ("Pure" soft counts).
        from_logits: whether ``input`` holds logits (the default, like ``nn.BCEWithLogitsLoss``).
        weight: optional non-negative per-sample weights, shape ``(N,)``.
        dataset_size: ``None`` (default) normalises by the batch: ``TN + FP + FN + TP = N``. An int reproduces
            the official Keras code, which uses the training-set size for ``N`` on every mini-batch, so that
            ``TN`` gains ``dataset_size - N`` (it inflates TN for specificity-based metrics; accuracy is only
            rescaled).
        compute_dtype: dtype of the arithmetic; default: the input's, float32 for float16/bfloat16 inputs
            (autocast is switched off inside). ``torch.float64`` avoids saturation for ``L > 33``.
        validate_args: check target values and probability ranges (costs a device-host sync; switch off in
            tight GPU loops once the data pipeline is trusted). Skipped while ``torch.compile`` traces the call.
        distributed: data-parallel mode: the counts of every process of ``process_group`` summed (one
            differentiable all-reduce), so each rank gets the matrix of the global batch; see
            :func:`anyloss.anyloss` for the gradient.
        process_group: the ``torch.distributed`` group of ``distributed=True`` (default: the default group).

    Returns:
        :class:`ConfusionMatrix` of scalars (binary) or ``(K,)`` tensors, in ``compute_dtype``.
    """
    _check_bool("validate_args", validate_args)
    validate = _validating(validate_args)
    checks = _DeviceChecks() if validate else None
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
        checks.run()
    return cm


def _soft_confusion_matrix(
    input: Tensor,
    target: Tensor,
    task: str,
    L: float | None,
    from_logits: bool,
    weight: Tensor | None,
    dataset_size: int | None,
    compute_dtype: torch.dtype | None,
    validate_args: bool,
    checks: _DeviceChecks | None = None,
    *,
    distributed: bool = False,
    process_group: Any = None,
) -> ConfusionMatrix:
    """The counts (see :func:`soft_confusion_matrix`); value checks queued on ``checks`` (run by the caller).

    ``distributed``: summed over the processes of ``process_group``; this rank's failed value checks travel in
    the same all-reduce, so that every rank raises together instead of the others waiting forever.
    """
    if _check_bool("distributed", distributed):
        _dist.check_initialised()
    x, y, y_bar, w, L = _counts_inputs(
        input,
        target,
        task,
        L,
        from_logits,
        weight,
        dataset_size,
        compute_dtype,
        validate_args,
        checks,
        local=distributed,
    )
    binary = task == "binary"
    with no_autocast(x.device):
        if task == "multiclass":
            p = torch.softmax(x, dim=-1) if from_logits else x
            a, a_bar = (p, 1.0 - p) if L is None else amplify_pair(p, L)
            tn, fp, fn, tp = (y_bar * a_bar).sum(0), (y_bar * a).sum(0), (y * a_bar).sum(0), (y * a).sum(0)
        else:
            tn, fp, fn, tp = _SoftCounts.apply(x, y, y_bar, L, from_logits)
        if dataset_size is not None or distributed:
            n_count = torch.tensor(float(x.shape[0]), dtype=x.dtype, device=x.device)
            n_batch = w.sum() if w is not None else n_count
        if distributed:
            # the same buffer on every rank (a rank whose shard is empty queues no value checks)
            flag = checks.any_flag() if checks is not None else None
            if flag is None:
                flag = torch.zeros(1, dtype=x.dtype, device=x.device)
            tn, fp, fn, tp, n_batch, n_count, remote = _dist.all_reduce_sum(
                [tn, fp, fn, tp, n_batch, n_count, flag], process_group
            )
            if checks is not None:
                if validate_args:  # after this rank's own checks: those raise first, with their message
                    checks.add(
                        remote > 0,
                        _raiser(
                            ValueError(
                                "the inputs of another process failed validation (its error says why); every "
                                "process of distributed=True raises"
                            )
                        ),
                    )
                    checks.add(
                        n_count == 0,
                        _raiser(ValueError("the global batch is empty: every process gave an empty input")),
                    )
                if dataset_size is not None:
                    n_global = n_count
                    checks.add(
                        n_count > dataset_size,
                        lambda _: _fail(
                            f"dataset_size ({dataset_size}) must be >= the global batch size ({int(n_global)})"
                        ),
                    )
        if dataset_size is not None:
            tn = tn + (dataset_size - n_batch)
    if binary and tn.dim() > 0:
        tn, fp, fn, tp = tn[0], fp[0], fn[0], tp[0]
    return ConfusionMatrix(tn=tn, fp=fp, fn=fn, tp=tp)
