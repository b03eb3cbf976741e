"""Training procedures: quantized distillation (Algorithm 1) and differentiable quantization (Algorithm 2).

* :func:`fit_quantized_distillation`: the student's forward pass uses ``Q(w)`` (registered by
  :func:`~quantized_distillation.quantize_model_`), the loss is the distillation loss against the teacher, the
  optimizer (SGD, Nesterov momentum 0.9, weight decay 2.2e-4 by default, as the official code) updates the
  full-precision shadow weights with the gradient taken at ``Q(w)``. Without a teacher (``teacher=None``) it
  is plain quantized training ("QAT"), the paper's baseline.
* :func:`fit_quantization_points`: the weights of a trained model are frozen and the points of a non-uniform
  quantizer are learned by SGD on the distillation loss (teacher: the given one, or the model's own
  full-precision copy, as in the official code); points are clamped to ``[0, 1]`` and sorted after each step.
  :func:`allocate_points` re-allocates points across tensors in proportion to gradient norms.

Both accept tensors (shuffled here with a seeded generator) and write an atomic checkpoint after every epoch
when ``checkpoint=`` is given; calling again with the same path resumes exactly where it stopped.
"""

from __future__ import annotations

import copy
import math
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from torch import nn

from quantized_distillation.losses import DistillationLoss
from quantized_distillation.parametrize import (
    LearnedPoints,
    is_quantized,
    learn_points_,
    quantized_parameters,
)
from quantized_distillation.quantizers import check_bits

Teacher = Callable[[torch.Tensor], Any] | torch.Tensor | None


def _logits(out: Any) -> torch.Tensor:
    """Logits from a model output (a tensor, or an object/dict with ``logits``, e.g. transformers')."""
    if isinstance(out, torch.Tensor):
        return out
    if isinstance(out, dict) and "logits" in out:
        return out["logits"]
    if hasattr(out, "logits"):
        return out.logits
    raise TypeError(f"expected logits (a tensor or an output with .logits), got {type(out).__name__}")


def quantized_distillation_step(
    student: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    optimizer: torch.optim.Optimizer,
    *,
    teacher_logits: torch.Tensor | None = None,
    loss_fn: nn.Module | None = None,
    clip_grad_norm: float | None = None,
) -> float:
    """One step of Algorithm 1: forward with quantized weights, distillation loss, backward, update of the
    full-precision weights.

    Args:
        student: a model with :class:`~quantized_distillation.QuantizeWeight` parametrizations (or a plain one).
        x: input batch.
        y: ``(N,)`` labels.
        optimizer: optimizer over the student's (full-precision) parameters.
        teacher_logits: ``(N, K)`` teacher logits of this batch; None trains on the labels alone.
        loss_fn: the loss (default :class:`DistillationLoss` with T = 2, alpha = 0.7).
        clip_grad_norm: clip the gradient norm (a guard against 2-bit divergence; None: no clipping).

    Returns:
        The batch loss.
    """
    _check_clip(clip_grad_norm)
    loss_fn = loss_fn if loss_fn is not None else DistillationLoss()
    z = _logits(student(x))
    if teacher_logits is None:
        loss = torch.nn.functional.cross_entropy(z, y)
    else:
        loss = loss_fn(z, teacher_logits, y)
    if not torch.isfinite(loss):
        raise FloatingPointError(f"the loss is {loss.item()}; lower the learning rate or clip the gradients")
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    if clip_grad_norm is not None:
        nn.utils.clip_grad_norm_(student.parameters(), clip_grad_norm)
    optimizer.step()
    return float(loss.detach())


# ------------------------------------------------------------------------------------------ checkpoints


def save_checkpoint(path: str | Path, state: dict[str, Any]) -> None:
    """``torch.save`` to a temporary file in the same folder, then an atomic rename.

    Args:
        path: the checkpoint path.
        state: what to save.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    try:
        torch.save(state, tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _check_clip(clip_grad_norm: float | None) -> None:
    if clip_grad_norm is None:
        return
    if (
        isinstance(clip_grad_norm, bool)
        or not isinstance(clip_grad_norm, (int, float))
        or not 0 < clip_grad_norm < math.inf
    ):
        raise ValueError(f"clip_grad_norm must be a finite number > 0 or None, got {clip_grad_norm!r}")


def _number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _check_fit(
    model: Any,
    name: str,
    x: torch.Tensor,
    *,
    lr: float,
    momentum: float,
    seed: int,
    callback: Any,
    weight_decay: float = 0.0,
    clip_grad_norm: float | None = None,
    optimizer: Any = None,
) -> None:
    """The arguments of a fit: hyperparameters, and x against the model (dtype, device)."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"{name} must be an nn.Module, got {type(model).__name__}")
    if not (_number(lr) and lr > 0):
        raise ValueError(f"lr must be a finite number > 0, got {lr!r}")
    if not (_number(momentum) and 0 <= momentum < 1):
        raise ValueError(f"momentum must be in [0, 1), got {momentum!r}")
    if not (_number(weight_decay) and weight_decay >= 0):
        raise ValueError(f"weight_decay must be a finite number >= 0, got {weight_decay!r}")
    _check_clip(clip_grad_norm)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"seed must be an int, got {seed!r}")
    if optimizer is not None and not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(f"optimizer must be a torch.optim.Optimizer or None, got {type(optimizer).__name__}")
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be callable(epoch, mean_loss) or None, got {callback!r}")
    param = next((p for p in model.parameters() if p.is_floating_point()), None)
    if param is None:
        return
    if x.device != param.device:
        raise ValueError(
            f"x is on device {x.device} but the {name} is on device {param.device}: "
            f"move x with x.to({str(param.device)!r})"
        )
    if x.is_floating_point() and x.dtype != param.dtype:
        raise TypeError(
            f"x has dtype {x.dtype} but the {name}'s dtype is {param.dtype}: the dtypes must match; "
            f"use x.to({param.dtype})"
        )


def _check_labels(model: nn.Module, x: torch.Tensor, y: torch.Tensor, t_logits: torch.Tensor | None) -> None:
    """Labels within the model's classes: the width of the teacher's logits, or of one evaluation-mode
    forward of one input (no gradient, no randomness, no state change)."""
    if t_logits is not None and t_logits.dim() == 2:
        k = t_logits.shape[1]
    else:
        was = model.training
        model.eval()
        try:
            with torch.no_grad():
                z = _logits(model(x[:1]))
        finally:
            model.train(was)
        if z.dim() != 2:
            return
        k = z.shape[1]
    if int(y.max()) >= k:
        raise ValueError(
            f"y holds class {int(y.max())} but the model has {k} classes (y must be in [0, {k}))"
        )


def _check_data(x: torch.Tensor, y: torch.Tensor, batch_size: int, epochs: int) -> None:
    if not isinstance(x, torch.Tensor) or not isinstance(y, torch.Tensor):
        raise TypeError(f"x and y must be tensors, got {type(x).__name__} and {type(y).__name__}")
    if len(x) != len(y) or len(x) == 0:
        raise ValueError(f"x and y must have the same non-zero length, got {len(x)} and {len(y)}")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 0:
        raise ValueError(f"epochs must be an int >= 0, got {epochs!r}")
    if x.is_floating_point() and not torch.isfinite(x).all():
        raise ValueError("x contains NaN or inf: training on it would poison every weight")
    if y.dtype not in (torch.int64, torch.int32, torch.uint8):
        raise TypeError(f"y must be an integer (int64) tensor of class indices, got dtype {y.dtype}")
    if y.dim() != 1:
        raise ValueError(f"y must have shape (N,), got {tuple(y.shape)}")
    if bool((y < 0).any()):
        raise ValueError("y must hold non-negative class indices")


def _teacher_logits(teacher: Teacher, x: torch.Tensor, batch_size: int) -> torch.Tensor | None:
    """Teacher logits of all of ``x`` (the teacher is fixed: computed once, in evaluation mode)."""
    if teacher is None:
        return None
    if not isinstance(teacher, torch.Tensor) and not callable(teacher):
        raise TypeError(
            f"teacher must be a model or callable returning logits, a tensor of logits, or None, got {teacher!r}"
        )
    if isinstance(teacher, torch.Tensor):
        if len(teacher) != len(x):
            raise ValueError(f"teacher logits have {len(teacher)} rows but x has {len(x)}")
        return teacher.detach()
    if isinstance(teacher, nn.Module):
        was = teacher.training
        teacher.eval()
    with torch.no_grad():
        out = torch.cat([_logits(teacher(x[i : i + batch_size])) for i in range(0, len(x), batch_size)])
    if isinstance(teacher, nn.Module):
        teacher.train(was)
    return out


def _make_state(model, optimizer, epoch, gen, history, extra=None):
    return {
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "epoch": epoch,
        "generator": gen.get_state(),
        "history": list(history),
        **(extra or {}),
    }


def _resume(checkpoint, model, optimizer, gen) -> tuple[int, list[float], dict]:
    if checkpoint is None or not Path(checkpoint).exists():
        return 0, [], {}
    try:
        state = torch.load(checkpoint, map_location="cpu", weights_only=False)
    except Exception as err:
        raise ValueError(
            f"checkpoint {checkpoint} could not be read (truncated or corrupt?): {type(err).__name__}: "
            f"{str(err)[:200]}; delete it to start afresh"
        ) from err
    keys = ("model", "optimizer", "epoch", "generator", "history")
    if not isinstance(state, dict) or not set(keys) <= set(state):
        raise ValueError(f"checkpoint {checkpoint} is not a quantized-distillation checkpoint (keys {keys})")
    try:
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
    except (RuntimeError, ValueError, KeyError) as err:
        raise ValueError(
            f"checkpoint {checkpoint} does not fit this model (another architecture?): {str(err)[:200]}"
        ) from err
    gen.set_state(state["generator"])
    return int(state["epoch"]), list(state["history"]), state


def fit_quantized_distillation(
    student: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    teacher: Teacher = None,
    epochs: int = 10,
    batch_size: int = 64,
    lr: float = 1e-3,
    momentum: float = 0.9,
    nesterov: bool = True,
    weight_decay: float = 2.2e-4,
    temperature: float = 2.0,
    alpha: float = 0.7,
    kl_reduction: str = "batchmean",
    clip_grad_norm: float | None = None,
    optimizer: torch.optim.Optimizer | None = None,
    seed: int = 0,
    checkpoint: str | Path | None = None,
    callback: Callable[[int, float], None] | None = None,
) -> list[float]:
    """Quantized distillation (Algorithm 1) on tensors: ``epochs`` passes of shuffled minibatches.

    Register the quantizer first (:func:`~quantized_distillation.quantize_model_`); with a plain student this
    is full-precision distillation, and with ``teacher=None`` it is training on the labels alone.

    Args:
        student: the student (its parameters are the full-precision shadow weights).
        x: training inputs (on the student's device).
        y: ``(N,)`` labels.
        teacher: a model or callable returning logits, precomputed ``(N, K)`` teacher logits, or None.
        epochs: passes over the data.
        batch_size: minibatch size.
        lr: learning rate of the default SGD (official default 1e-3).
        momentum: SGD momentum (default 0.9).
        nesterov: Nesterov momentum (default True).
        weight_decay: SGD weight decay (official 2.2e-4).
        temperature: distillation temperature T (default 2).
        alpha: weight of the teacher term (default 0.7).
        kl_reduction: ``"batchmean"`` or ``"official"`` (see :func:`~quantized_distillation.distillation_loss`).
        clip_grad_norm: gradient-norm clipping (None: none).
        optimizer: an optimizer to use instead of the default SGD.
        seed: seed of the shuffling generator.
        checkpoint: path of an atomic per-epoch checkpoint; an existing one is resumed from.
        callback: called as ``callback(epoch, mean_loss)`` after each epoch.

    Returns:
        The mean training loss of each epoch (including resumed ones).
    """
    _check_data(x, y, batch_size, epochs)
    _check_fit(
        student,
        "student",
        x,
        lr=lr,
        momentum=momentum,
        weight_decay=weight_decay,
        clip_grad_norm=clip_grad_norm,
        seed=seed,
        optimizer=optimizer,
        callback=callback,
    )
    if optimizer is None:
        optimizer = torch.optim.SGD(
            student.parameters(), lr=lr, momentum=momentum, nesterov=nesterov, weight_decay=weight_decay
        )
    loss_fn = DistillationLoss(temperature=temperature, alpha=alpha, kl_reduction=kl_reduction)
    t_logits = _teacher_logits(teacher, x, max(batch_size, 1024))
    _check_labels(student, x, y, t_logits)
    gen = torch.Generator().manual_seed(seed)
    start, history, _ = _resume(checkpoint, student, optimizer, gen)
    student.train()
    n = len(x)
    for epoch in range(start, epochs):
        order = torch.randperm(n, generator=gen).to(x.device)
        total = 0.0
        for i in range(0, n, batch_size):
            idx = order[i : i + batch_size]
            tl = None if t_logits is None else t_logits[idx]
            total += len(idx) * quantized_distillation_step(
                student,
                x[idx],
                y[idx],
                optimizer,
                teacher_logits=tl,
                loss_fn=loss_fn,
                clip_grad_norm=clip_grad_norm,
            )
        history.append(total / n)
        if checkpoint is not None:
            save_checkpoint(checkpoint, _make_state(student, optimizer, epoch + 1, gen, history))
        if callback is not None:
            callback(epoch, history[-1])
    student.eval()
    return history


# ------------------------------------------------------------------------------ differentiable quantization


def _points_modules(model: nn.Module) -> list[LearnedPoints]:
    return [p for _, _, p in quantized_parameters(model) if isinstance(p, LearnedPoints)]


def gradient_norms(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    teacher: Teacher = None,
    n_batches: int = 5,
    batch_size: int = 64,
    temperature: float = 2.0,
    alpha: float = 0.7,
    seed: int = 0,
) -> dict[str, float]:
    """2-norm of each quantized tensor's gradient (w.r.t. its points), summed over ``n_batches`` random
    minibatches (the official code's estimate for bit allocation).

    Args:
        model: a model with :class:`LearnedPoints` parametrizations.
        x: inputs.
        y: labels.
        teacher: as in :func:`fit_quantization_points` (None: labels only).
        n_batches: minibatches to average over (official: 5).
        batch_size: minibatch size.
        temperature: distillation temperature.
        alpha: weight of the teacher term.
        seed: seed of the minibatch draw.

    Returns:
        ``{parameter name: gradient norm}``.
    """
    named = [(name, p) for name, _, p in quantized_parameters(model) if isinstance(p, LearnedPoints)]
    if not named:
        raise ValueError("model has no LearnedPoints parametrizations; call learn_points_ first")
    t_logits = _teacher_logits(teacher, x, 1024)
    loss_fn = DistillationLoss(temperature=temperature, alpha=alpha if t_logits is not None else 0.0)
    gen = torch.Generator().manual_seed(seed)
    norms = dict.fromkeys((n for n, _ in named), 0.0)
    for _ in range(n_batches):
        idx = torch.randint(len(x), (min(batch_size, len(x)),), generator=gen).to(x.device)
        model.zero_grad(set_to_none=True)
        loss_fn(_logits(model(x[idx])), None if t_logits is None else t_logits[idx], y[idx]).backward()
        for name, p in named:
            norms[name] += 0.0 if p.points.grad is None else float(p.points.grad.norm())
    model.zero_grad(set_to_none=True)
    return norms


def allocate_points(norms: dict[str, float], *, bits: int) -> dict[str, int]:
    """Re-allocate quantization points across tensors in proportion to gradient norms (Sec. 2.2).

    The budget is ``2**bits`` points per tensor on average: every tensor first gets half of that, and the
    remaining half of the total is split in proportion to the gradient norms (rounded down, at least 2 points
    per tensor).

    Args:
        norms: ``{name: gradient norm}`` (from :func:`gradient_norms`).
        bits: the average bit width.

    Returns:
        ``{name: number of points}``.
    """
    check_bits(bits)
    if not norms:
        raise ValueError("norms must name at least one tensor")
    if any(not math.isfinite(v) or v < 0 for v in norms.values()):
        raise ValueError(f"norms must be finite and >= 0, got {norms}")
    s = 2**bits
    base = max(2, s // 2)
    spare = (s - s // 2) * len(norms)
    total = sum(norms.values())
    share = {k: (v / total if total > 0 else 1 / len(norms)) for k, v in norms.items()}
    return {k: base + int(math.floor(share[k] * spare)) for k in norms}


def fit_quantization_points(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    teacher: Teacher | str = "self",
    bits: int = 2,
    bucket_size: int | None = 256,
    init: str = "quantiles",
    allocate_bits: bool = False,
    epochs: int = 50,
    batch_size: int = 64,
    lr: float = 1e-5,
    momentum: float = 0.9,
    nesterov: bool = True,
    temperature: float = 2.0,
    alpha: float = 0.7,
    include: Any = None,
    exclude: Any = (),
    seed: int = 0,
    checkpoint: str | Path | None = None,
    callback: Callable[[int, float], None] | None = None,
) -> list[float]:
    """Differentiable quantization (Algorithm 2): learn the quantization points of a trained model.

    The model's weights are frozen; :func:`~quantized_distillation.learn_points_` registers one learnable set
    of ``2**bits`` points per tensor (or an allocation by gradient norm); SGD (Nesterov momentum, official
    lr 1e-5, 50 epochs) on the distillation loss moves the points; after each step they are clamped to
    ``[0, 1]`` and sorted. The model stays quantized with the learned points (``pack`` exports them).

    Args:
        model: a trained full-precision model (a QD-quantized model is refused).
        x: training inputs.
        y: labels.
        teacher: ``"self"`` (default: the model's own full-precision copy, as the official code), a model or
            callable, precomputed logits, or None (labels only).
        bits: bits per weight (points per tensor ``2**bits``).
        bucket_size: values per bucket (default 256).
        init: ``"quantiles"`` (default) or ``"uniform"``.
        allocate_bits: re-allocate points across tensors by gradient norm (5 minibatches).
        epochs: passes over the data (official 50).
        batch_size: minibatch size.
        lr: SGD learning rate of the points (official 1e-5; scale-sensitive, tune it).
        momentum: SGD momentum (0.9).
        nesterov: Nesterov momentum.
        temperature: distillation temperature.
        alpha: weight of the teacher term.
        include: glob patterns of the parameters to quantize (None: all).
        exclude: glob patterns kept in full precision.
        seed: seed of the shuffling.
        checkpoint: atomic per-epoch checkpoint path (resumed from when it exists).
        callback: ``callback(epoch, mean_loss)`` after each epoch.

    Returns:
        The mean training loss of each epoch.
    """
    _check_data(x, y, batch_size, epochs)
    _check_fit(model, "model", x, lr=lr, momentum=momentum, seed=seed, callback=callback)
    if is_quantized(model) and not _points_modules(model):
        raise ValueError(
            "model is already quantized by quantize_model_ (quantized distillation); differentiable quantization "
            "needs the full-precision model: call strip_quantization_ first or pass the FP model"
        )
    if isinstance(teacher, str):
        if teacher != "self":
            raise ValueError(f"teacher must be 'self', a model, logits or None, got {teacher!r}")
        teacher = copy.deepcopy(model) if not is_quantized(model) else None
        if teacher is None:
            raise ValueError("teacher='self' needs the full-precision model (it is already quantized)")
    t_logits = _teacher_logits(teacher, x, 1024)
    _check_labels(model, x, y, t_logits)
    if not is_quantized(model):
        learn_points_(model, bits=bits, bucket_size=bucket_size, init=init, include=include, exclude=exclude)
        if allocate_bits:
            norms = gradient_norms(model, x, y, teacher=t_logits, batch_size=batch_size, seed=seed)
            per = allocate_points(norms, bits=bits)
            _restore_fp(model)
            learn_points_(
                model,
                bits=bits,
                bucket_size=bucket_size,
                init=init,
                include=include,
                exclude=exclude,
                points_per_parameter=per,
            )
    mods = _points_modules(model)
    optimizer = torch.optim.SGD([m.points for m in mods], lr=lr, momentum=momentum, nesterov=nesterov)
    loss_fn = DistillationLoss(temperature=temperature, alpha=alpha if t_logits is not None else 0.0)
    gen = torch.Generator().manual_seed(seed)
    start, history, _ = _resume(checkpoint, model, optimizer, gen)
    model.train()
    n = len(x)
    for epoch in range(start, epochs):
        order = torch.randperm(n, generator=gen).to(x.device)
        total = 0.0
        for i in range(0, n, batch_size):
            idx = order[i : i + batch_size]
            loss = loss_fn(_logits(model(x[idx])), None if t_logits is None else t_logits[idx], y[idx])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            for m in mods:
                m.sort_()
            total += len(idx) * float(loss.detach())
        history.append(total / n)
        if checkpoint is not None:
            save_checkpoint(checkpoint, _make_state(model, optimizer, epoch + 1, gen, history))
        if callback is not None:
            callback(epoch, history[-1])
    model.eval()
    return history


def _restore_fp(model: nn.Module) -> None:
    """Remove LearnedPoints parametrizations, restoring the original full-precision weights."""
    from torch.nn.utils import parametrize as P

    for name, mod, _ in list(quantized_parameters(model)):
        attr = name.rpartition(".")[2]
        P.remove_parametrizations(mod, attr, leave_parametrized=False)
        getattr(mod, attr).requires_grad_(True)
