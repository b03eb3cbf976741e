"""Convert existing models: swap ``nn.Linear`` (and GPT-2's transposed ``Conv1D``) layers for Tversky projections."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from tversky_torch.modules import TverskyProjection, _check_pos_int, init_tensor_
from tversky_torch.options import TverskyOptions, resolve_options

__all__ = ["is_linear_like", "linear_dims", "replace_linear"]


def is_linear_like(module: nn.Module) -> bool:
    """True for ``nn.Linear`` and for transformers' ``Conv1D`` (GPT-2's linear layer with a transposed weight)."""
    if isinstance(module, nn.Linear):
        return True
    # Conv1D's weight is (in, out); older transformers (4.40) have ``nf`` but no ``nx``
    weight = getattr(module, "weight", None)
    return type(module).__name__ == "Conv1D" and isinstance(weight, torch.Tensor) and weight.dim() == 2


def linear_dims(module: nn.Module) -> tuple[int, int]:
    """``(in_features, out_features)`` of an ``nn.Linear`` or a ``Conv1D``."""
    if isinstance(module, nn.Linear):
        return module.in_features, module.out_features
    if is_linear_like(module):
        weight: torch.Tensor = module.weight  # type: ignore[assignment]
        return int(weight.shape[0]), int(weight.shape[1])
    raise TypeError(f"module must be nn.Linear or Conv1D, got {type(module).__name__}")


def replace_linear(
    module: nn.Module,
    predicate: Callable[[str, nn.Module], bool] | None = None,
    *,
    num_features: int,
    share_features: bool = True,
    feature_banks: dict[int, nn.Parameter] | None = None,
    options: TverskyOptions | None = None,
    **kwargs: Any,
) -> int:
    """Replace linear-like submodules of ``module`` in place by :class:`TverskyProjection`; returns how many.

    ``predicate(qualified_name, submodule)`` selects the layers (default: every ``nn.Linear`` / ``Conv1D``).
    With ``share_features=True`` all replaced layers with the same input width share one feature bank
    (``num_features`` x width), as in the paper's "Tversky-all" GPT-2; pass ``feature_banks={width: param}`` to
    reuse existing banks (e.g. the LM head's). ``options`` (a :class:`TverskyOptions`) and/or its fields as keyword
    arguments (reductions, model, init, ...) go to every :class:`TverskyProjection`. The replaced layers' weights and biases are dropped: Tversky projections have no bias and are
    trained from their own initialisation (the paper trains from scratch).
    """
    if not isinstance(module, nn.Module):
        raise TypeError(f"module must be an nn.Module, got {type(module).__name__}")
    _check_pos_int("num_features", num_features)
    if predicate is not None and not callable(predicate):
        raise TypeError(f"predicate must be callable (name, module) -> bool, got {type(predicate).__name__}")
    for key in ("prototypes", "feature_bank"):
        if key in kwargs:
            raise ValueError(
                f"replace_linear sets {key} itself; got {key}= in options (use feature_banks= to share banks)"
            )
    opts = resolve_options(options, kwargs, where="replace_linear")
    banks: dict[int, nn.Parameter] = dict(feature_banks or {})
    targets = [
        (name, child)
        for name, child in module.named_modules()
        if name and is_linear_like(child) and (predicate is None or predicate(name, child))
    ]
    for name, child in targets:
        d_in, d_out = linear_dims(child)
        weight = child.weight
        bank = None
        if share_features:
            if d_in not in banks:
                p = nn.Parameter(torch.empty(num_features, d_in, device=weight.device, dtype=weight.dtype))
                init_tensor_(p, opts.init)
                banks[d_in] = p
            bank = banks[d_in]
        layer = TverskyProjection(d_in, d_out, num_features, feature_bank=bank, options=opts)
        layer.to(device=weight.device, dtype=weight.dtype)
        parent_name, _, attr = name.rpartition(".")
        parent = module.get_submodule(parent_name) if parent_name else module
        setattr(parent, attr, layer)
    return len(targets)
