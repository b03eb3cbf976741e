"""Quantized weights inside any ``nn.Module``, through ``torch.nn.utils.parametrize``.

* :class:`QuantizeWeight` (quantized distillation, Section 2.1, Algorithm 1): the forward pass sees
  ``Q(w)`` while the parameter that the optimizer updates stays the full-precision ``w`` (the "shadow"
  weights). The backward pass is the straight-through estimator of the official code: the gradient computed
  at the quantized point ``Q(w)`` is applied to ``w`` unchanged (``gradient="straight_through"``, official
  ``"none"``); ``"truncated"`` clamps ``w`` to ``[-1, 1]`` before quantizing and zeroes the gradient where
  ``|w| > 1``; ``"through_scaling"`` (official ``"complicated"``) also differentiates the bucket's min-max
  scaling, ``dQ/dw = I + (q - u) d alpha/dw``.
* :class:`LearnedPoints` (differentiable quantization, Section 2.2): the weight is fixed and the forward
  pass sees ``alpha_b * p[j(i)] + beta_b``; only the points ``p`` are learned.

Both are plain parametrizations: the model keeps working with optimizers, ``state_dict``, ``.to()`` and
``torch.compile``; :func:`quantize_model_` registers them on the chosen parameters, :func:`strip_quantization_`
removes them (leaving the quantized weights in place).
"""

from __future__ import annotations

import fnmatch
import warnings
from collections.abc import Iterator, Sequence
from typing import Any

import torch
from torch import nn
from torch.nn.utils import parametrize as P

from quantized_distillation.quantizers import (
    BucketScaler,
    check_bits,
    check_bucket_size,
    check_points,
    check_scaling,
    levels,
    nearest_point,
    quantile_points,
    uniform_codes,
    uniform_points,
    uniform_quantize,
)

GRADIENTS = ("straight_through", "truncated", "through_scaling")
NORM_TYPES = (nn.modules.batchnorm._NormBase, nn.LayerNorm, nn.GroupNorm)


class _StraightThrough(torch.autograd.Function):
    """Forward ``Q(w)``; backward the incoming gradient unchanged (the gradient at the quantized point)."""

    @staticmethod
    def forward(ctx: Any, w: torch.Tensor, w_hat: torch.Tensor) -> torch.Tensor:
        return w_hat

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[torch.Tensor, None]:
        return grad, None


class QuantizeWeight(nn.Module):
    """Parametrization ``w -> Q(w)`` with a straight-through backward (quantized distillation).

    Args:
        bits: bit width b (default 4; the paper uses 2, 4 and 8).
        bucket_size: values per bucket (default 256, the paper's); None: one bucket per tensor.
        scaling: ``"minmax"`` (default) or ``"absmax"``.
        stochastic: stochastic rounding in training mode (evaluation always rounds to nearest).
        gradient: ``"straight_through"`` (default, official ``"none"``), ``"truncated"`` or ``"through_scaling"``.
    """

    def __init__(
        self,
        *,
        bits: int = 4,
        bucket_size: int | None = 256,
        scaling: str = "minmax",
        stochastic: bool = False,
        gradient: str = "straight_through",
    ) -> None:
        super().__init__()
        self.bits = check_bits(bits)
        self.bucket_size = check_bucket_size(bucket_size)
        self.scaling = check_scaling(scaling)
        if scaling == "absmax" and bits < 2:
            raise ValueError(f"absmax scaling needs bits >= 2, got bits={bits}")
        if gradient not in GRADIENTS:
            raise ValueError(f"gradient must be one of {GRADIENTS}, got {gradient!r}")
        if gradient == "through_scaling" and scaling != "minmax":
            raise ValueError("gradient='through_scaling' needs scaling='minmax'")
        self.stochastic = bool(stochastic)
        self.gradient = gradient
        self.generator: torch.Generator | None = None

    def quantize(self, w: torch.Tensor, *, stochastic: bool | None = None) -> torch.Tensor:
        """``Q(w)`` without gradient (what the forward pass sees).

        Args:
            w: the full-precision weight.
            stochastic: override the stochastic rounding (None: stochastic only in training mode if enabled).

        Returns:
            The quantized weight.
        """
        sto = self.stochastic and self.training if stochastic is None else stochastic
        return uniform_quantize(
            w.detach(),
            bits=self.bits,
            bucket_size=self.bucket_size,
            scaling=self.scaling,
            stochastic=sto,
            generator=self.generator,
        )

    def forward(self, w: torch.Tensor) -> torch.Tensor:
        if self.gradient == "truncated":
            w = w.clamp(-1.0, 1.0)  # the clamp's gradient is zero where |w| > 1
        if self.gradient == "through_scaling":
            # Q(w) = alpha * (u + (q - u).detach()) + beta: the rounding is straight-through, the bucket's
            # min and max are differentiated, so dQ/dw = I + (q - u) d alpha / dw
            codes, scaler = uniform_codes(
                w.detach(),
                bits=self.bits,
                bucket_size=self.bucket_size,
                stochastic=self.stochastic and self.training,
                generator=self.generator,
            )
            rows = BucketScaler.buckets(w, self.bucket_size)
            lo, hi = rows.aminmax(dim=1, keepdim=True)
            constant = scaler.alpha.to(rows.dtype) == 1.0
            alpha = torch.where(constant & (hi - lo < 1e-10), torch.ones_like(hi), hi - lo)
            u = (rows - lo) / alpha
            q = codes.to(rows.dtype) / (levels(self.bits) - 1)
            out = alpha * (u + (q - u).detach()) + lo
            return out.reshape(-1)[: w.numel()].reshape(w.shape)
        return _StraightThrough.apply(w, self.quantize(w))

    def extra_repr(self) -> str:
        return (
            f"bits={self.bits}, bucket_size={self.bucket_size}, scaling={self.scaling!r}, "
            f"stochastic={self.stochastic}, gradient={self.gradient!r}"
        )


def _detached(points: torch.Tensor) -> torch.Tensor:
    if not isinstance(points, torch.Tensor):
        raise TypeError(f"points must be a floating-point torch.Tensor, got {type(points).__name__}")
    return points.detach().clone()


def _check_model(model: Any) -> None:
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be an nn.Module, got {type(model).__name__}")


def _check_patterns(patterns: Any, name: str) -> None:
    if patterns is None:
        return
    if isinstance(patterns, str) or not all(isinstance(p, str) for p in patterns):
        raise TypeError(f"{name} must be a list of glob patterns (strings), got {patterns!r}")


class LearnedPoints(nn.Module):
    """Parametrization ``w -> alpha_b * p[j(i)] + beta_b`` with learnable sorted points ``p`` (Section 2.2).

    The weight ``w`` is fixed (its ``requires_grad`` is turned off by :func:`learn_points_`); the nearest
    point ``j(i)`` of every scaled weight is recomputed at every forward pass; autograd gives
    ``dL/dp_j = sum_{i: j(i)=j} alpha_b(i) dL/dw_hat_i``. Call :meth:`sort_` after each optimizer step.

    Args:
        points: the initial sorted points in ``[0, 1]`` (at least 2).
        bucket_size: values per bucket (default 256); None: one bucket per tensor.
    """

    def __init__(self, points: torch.Tensor, *, bucket_size: int | None = 256) -> None:
        super().__init__()
        self.points = nn.Parameter(check_points(_detached(points), sort=True))
        self.bucket_size = check_bucket_size(bucket_size)

    @property
    def n_points(self) -> int:
        return int(self.points.numel())

    def codes(self, w: torch.Tensor) -> tuple[torch.Tensor, BucketScaler]:
        """Index of each value's nearest point (``(n_buckets, bucket_size)``) and the scaler.

        Args:
            w: the full-precision weight.

        Returns:
            ``(codes, scaler)``.
        """
        scaler = BucketScaler.fit(w.detach(), bucket_size=self.bucket_size)
        return nearest_point(scaler.scale(w.detach()), self.points.detach()), scaler

    def forward(self, w: torch.Tensor) -> torch.Tensor:
        codes, scaler = self.codes(w)
        return scaler.unscale(self.points.to(scaler.alpha.dtype)[codes], w.dtype)

    @torch.no_grad()
    def sort_(self) -> None:
        """Clamp the points to ``[0, 1]`` and sort them (after every step; the clamp is our safety addition)."""
        self.points.copy_(self.points.clamp(0.0, 1.0).sort().values)

    def extra_repr(self) -> str:
        return f"n_points={self.n_points}, bucket_size={self.bucket_size}"


# ------------------------------------------------------------------------------------------ selection


def _is_norm(module: nn.Module) -> bool:
    return isinstance(module, NORM_TYPES)


def select_parameters(
    model: nn.Module,
    *,
    include: Sequence[str] | None = None,
    exclude: Sequence[str] = (),
    quantize_bias: bool = True,
    quantize_norm: bool = True,
) -> list[str]:
    """Names of the parameters to quantize (glob patterns on ``named_parameters`` names).

    By default every floating-point parameter, as in the official code (``quantize_first_and_last_layer`` and
    biases included). Buffers (e.g. BatchNorm running statistics) are never parameters and never quantized.

    Args:
        model: the model.
        include: glob patterns; None means all parameters.
        exclude: glob patterns removed afterwards (e.g. ``["0.*", "fc_out.*"]`` to keep the first and last
            layer in full precision).
        quantize_bias: quantize parameters named ``*bias``.
        quantize_norm: quantize the affine parameters of normalisation layers.

    Returns:
        The selected parameter names, in ``named_parameters`` order.
    """
    _check_model(model)
    _check_patterns(include, "include")
    _check_patterns(exclude, "exclude")
    norm_params = {
        f"{m_name}.{p_name}" if m_name else p_name
        for m_name, mod in model.named_modules()
        if _is_norm(mod)
        for p_name, _ in mod.named_parameters(recurse=False)
    }
    buffers = {name for name, _ in model.named_buffers()}
    if include is not None:
        for pattern in include:
            hits = [b for b in buffers if fnmatch.fnmatchcase(b, pattern)]
            if hits:
                warnings.warn(
                    f"include pattern {pattern!r} matches buffers {sorted(hits)} (e.g. BatchNorm running "
                    "statistics, integer counters): buffers are not trained and are skipped",
                    stacklevel=2,
                )
    names = []
    for name, p in model.named_parameters():
        if include is not None and not any(fnmatch.fnmatchcase(name, pat) for pat in include):
            continue
        if any(fnmatch.fnmatchcase(name, pat) for pat in exclude):
            continue
        if not p.is_floating_point():
            continue
        if not quantize_bias and name.rsplit(".", 1)[-1] == "bias":
            continue
        if not quantize_norm and name in norm_params:
            continue
        names.append(name)
    if include is not None and not names:
        raise ValueError(
            f"include={list(include)!r} selects no parameter of the model; its parameters are "
            f"{[n for n, _ in model.named_parameters()][:20]}"
        )
    return names


def _owner(model: nn.Module, name: str) -> tuple[nn.Module, str]:
    mod_name, _, attr = name.rpartition(".")
    return (model.get_submodule(mod_name) if mod_name else model), attr


def original(module: nn.Module, attr: str) -> torch.Tensor:
    """The full-precision tensor behind the parametrized ``module.<attr>``.

    Args:
        module: a parametrized module.
        attr: the parameter's name in it.

    Returns:
        The original (shadow) tensor.
    """
    plists: Any = module.parametrizations
    return plists[attr].original


def _clean(name: str) -> str:
    """``a.parametrizations.weight.original`` -> ``a.weight``."""
    if name.startswith("parametrizations."):
        name = name[len("parametrizations.") :]
    return name.replace(".parametrizations.", ".").replace(".original", "")


def quantized_parameters(model: nn.Module) -> Iterator[tuple[str, nn.Module, nn.Module]]:
    """``(name, owner module, parametrization)`` of every quantized parameter of ``model``.

    Args:
        model: the model.

    Yields:
        ``(name, module, parametrization)``.
    """
    for mod_name, mod in model.named_modules():
        if not P.is_parametrized(mod):
            continue
        for attr, plist in mod.parametrizations.items():
            for param in plist:
                if isinstance(param, (QuantizeWeight, LearnedPoints)):
                    yield (f"{mod_name}.{attr}" if mod_name else attr), mod, param


def is_quantized(model: nn.Module) -> bool:
    """Whether any parameter of ``model`` carries a quantization parametrization.

    Args:
        model: the model.

    Returns:
        True if quantized.
    """
    return any(True for _ in quantized_parameters(model))


def quantize_model_(
    model: nn.Module,
    *,
    bits: int = 4,
    bucket_size: int | None = 256,
    scaling: str = "minmax",
    stochastic: bool = False,
    gradient: str = "straight_through",
    include: Sequence[str] | None = None,
    exclude: Sequence[str] = (),
    quantize_bias: bool = True,
    quantize_norm: bool = True,
    bits_per_parameter: dict[str, int] | None = None,
) -> list[str]:
    """Register :class:`QuantizeWeight` on the selected parameters of ``model`` (in place).

    Afterwards ``model(x)`` runs with quantized weights and the optimizer updates the full-precision shadow
    weights (``model.<module>.parametrizations.<name>.original``); gradient flow is the straight-through
    estimator. Parameters named in ``bits_per_parameter`` get their own bit width.

    Args:
        model: the student.
        bits: bit width (default 4).
        bucket_size: values per bucket (default 256).
        scaling: ``"minmax"`` or ``"absmax"``.
        stochastic: stochastic rounding during training.
        gradient: ``"straight_through"``, ``"truncated"`` or ``"through_scaling"``.
        include: glob patterns of parameter names (None: all).
        exclude: glob patterns kept in full precision.
        quantize_bias: quantize biases too (default True, as the official code).
        quantize_norm: quantize normalisation layers' affine parameters (default True, as the official code).
        bits_per_parameter: per-name bit widths overriding ``bits``.

    Returns:
        The quantized parameter names.
    """
    _check_model(model)
    if is_quantized(model):
        raise ValueError("model is already quantized; call strip_quantization_(model) first")
    names = select_parameters(
        model, include=include, exclude=exclude, quantize_bias=quantize_bias, quantize_norm=quantize_norm
    )
    per = dict(bits_per_parameter or {})
    unknown = sorted(set(per) - set(names))
    if unknown:
        raise ValueError(f"bits_per_parameter names parameters that are not quantized: {unknown}")
    for name in names:
        mod, attr = _owner(model, name)
        q = QuantizeWeight(
            bits=per.get(name, bits),
            bucket_size=bucket_size,
            scaling=scaling,
            stochastic=stochastic,
            gradient=gradient,
        )
        P.register_parametrization(mod, attr, q, unsafe=True)
    return names


def learn_points_(
    model: nn.Module,
    *,
    bits: int = 2,
    bucket_size: int | None = 256,
    init: str = "quantiles",
    include: Sequence[str] | None = None,
    exclude: Sequence[str] = (),
    quantize_bias: bool = True,
    quantize_norm: bool = True,
    points_per_parameter: dict[str, int] | None = None,
) -> list[nn.Parameter]:
    """Register :class:`LearnedPoints` on the selected parameters of a trained full-precision ``model``
    (differentiable quantization). The weights are frozen; the returned list holds the learnable points.

    Args:
        model: a trained full-precision model (not already quantized).
        bits: bit width; each tensor gets ``2**bits`` points unless ``points_per_parameter`` says otherwise.
        bucket_size: values per bucket (default 256).
        init: ``"quantiles"`` (default, quantiles of the scaled weights) or ``"uniform"``.
        include: glob patterns of parameter names (None: all).
        exclude: glob patterns kept in full precision.
        quantize_bias: quantize biases too.
        quantize_norm: quantize normalisation layers' affine parameters.
        points_per_parameter: per-name number of points (from :func:`quantized_distillation.allocate_points`).

    Returns:
        The points parameters (give them to the optimizer).
    """
    _check_model(model)
    if is_quantized(model):
        raise ValueError(
            "model already carries quantization parametrizations (quantized distillation?); differentiable "
            "quantization needs the full-precision model: call strip_quantization_(model) or pass the FP model"
        )
    check_bits(bits)
    if init not in ("quantiles", "uniform"):
        raise ValueError(f"init must be 'quantiles' or 'uniform', got {init!r}")
    names = select_parameters(
        model, include=include, exclude=exclude, quantize_bias=quantize_bias, quantize_norm=quantize_norm
    )
    per = dict(points_per_parameter or {})
    unknown = sorted(set(per) - set(names))
    if unknown:
        raise ValueError(f"points_per_parameter names parameters that are not quantized: {unknown}")
    points = []
    for name in names:
        mod, attr = _owner(model, name)
        w = getattr(mod, attr)
        n = per.get(name, 2**bits)
        if init == "quantiles":
            init_p = quantile_points(w, n, bucket_size=bucket_size)
        else:
            init_p = uniform_points(n, device=w.device)
        lp = LearnedPoints(init_p.to(w.device), bucket_size=bucket_size)
        P.register_parametrization(mod, attr, lp, unsafe=True)
        original(mod, attr).requires_grad_(False)
        points.append(lp.points)
    return points


def strip_quantization_(model: nn.Module) -> nn.Module:
    """Remove the quantization parametrizations, leaving the quantized values (evaluation-mode ``Q(w)``) as
    plain parameters: the exported float model.

    Args:
        model: a quantized model (changed in place).

    Returns:
        ``model``.
    """
    _check_model(model)
    was_training = model.training
    model.eval()
    for name, mod, _ in list(quantized_parameters(model)):
        attr = name.rpartition(".")[2]
        P.remove_parametrizations(mod, attr, leave_parametrized=True)
        getattr(mod, attr).requires_grad_(True)
    model.train(was_training)
    return model


def bucket_statistics(w: torch.Tensor, *, bits: int = 4, bucket_size: int | None = 256) -> dict[str, float]:
    """Diagnostics of the uniform quantizer on ``w``: buckets, mean alpha, max error and its bound
    ``max alpha / (2 (s - 1))``.

    Args:
        w: the tensor.
        bits: bit width.
        bucket_size: values per bucket.

    Returns:
        ``{"n_buckets", "mean_alpha", "max_error", "error_bound", "distinct_codes"}``.
    """
    codes, scaler = uniform_codes(w, bits=bits, bucket_size=bucket_size)
    err = (uniform_quantize(w, bits=bits, bucket_size=bucket_size) - w).abs().max()
    s = levels(bits)
    return {
        "n_buckets": float(scaler.n_buckets),
        "mean_alpha": float(scaler.alpha.mean()),
        "max_error": float(err),
        "error_bound": float(scaler.alpha.max() / (2 * (s - 1))),
        "distinct_codes": float(codes.unique().numel()),
    }
