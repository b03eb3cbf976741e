"""The functional core: add Gaussian noise of a given standard deviation to gradients, in place.

Noise for all gradients of one device and dtype is drawn with ONE ``randn`` call and added with
``torch._foreach_add_``, so the cost is one kernel for the draw and one fused add per group.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

import torch


def _group_grads(
    params: Iterable[torch.Tensor],
) -> dict[tuple[torch.device, torch.dtype], list[torch.Tensor]]:
    groups: dict[tuple[torch.device, torch.dtype], list[torch.Tensor]] = defaultdict(list)
    for p in params:
        if not isinstance(p, torch.Tensor):
            raise TypeError(f"parameters must be tensors, got {type(p).__name__}")
        g = p.grad
        if g is None:
            continue  # frozen or unused parameter: nothing to perturb
        if g.is_sparse:
            raise NotImplementedError("sparse gradients are not supported")
        if g.is_complex():
            raise NotImplementedError("complex gradients are not supported")
        groups[(g.device, g.dtype)].append(g)
    return groups


def device_key(device: torch.device | str) -> str:
    """A canonical name for a device: ``"cuda"`` and ``"cuda:0"`` (when 0 is the current device) are the same
    device, and a generator made with ``torch.Generator("cuda")`` reports ``cuda`` while tensors report ``cuda:0``."""
    d = device if isinstance(device, torch.device) else torch.device(device)
    if d.type == "cuda" and d.index is None and torch.cuda.is_available():
        d = torch.device("cuda", torch.cuda.current_device())
    return str(d)


def _generator_for(
    generator: torch.Generator | Mapping[Any, torch.Generator] | None, device: torch.device
) -> torch.Generator | None:
    if generator is None:
        return None
    gen: torch.Generator | None
    if isinstance(generator, torch.Generator):
        gen = generator
    else:
        by_key = {device_key(k): g for k, g in generator.items()}
        gen = by_key.get(device_key(device)) or generator.get(device.type)  # type: ignore[call-overload]
        if gen is None:
            raise ValueError(f"generator has no entry for device {device}; keys: {list(generator)}")
    if torch.device(gen.device).type != device.type:
        raise ValueError(
            f"generator is on {gen.device} but a gradient is on {device}; pass a generator per device "
            "(a dict {device: generator}) so noise is drawn where the gradient lives"
        )
    return gen


def add_gradient_noise_(
    parameters: Iterable[torch.Tensor] | torch.Tensor,
    std: float,
    generator: torch.Generator | Mapping[Any, torch.Generator] | None = None,
) -> None:
    """``p.grad += std * N(0, I)`` for every parameter with a gradient (in place; paper Section 2).

    Args:
        parameters: tensors whose ``.grad`` is perturbed; those with ``grad is None`` are skipped.
        std: standard deviation of the noise (``sqrt`` of the scheduled variance); 0 is a no-op.
        generator: a ``torch.Generator`` on the gradients' device, a dict ``{device: generator}``, or None for
            torch's global generator.
    """
    if isinstance(std, bool) or not isinstance(std, (int, float)) or not std >= 0 or std == float("inf"):
        raise ValueError(f"std must be a non-negative finite float, got {std!r}")
    if isinstance(parameters, torch.Tensor):
        parameters = [parameters]
    if not isinstance(parameters, Iterable):
        raise TypeError(
            f"parameters must be an iterable of tensors (or one tensor), got {type(parameters).__name__}"
        )
    groups = _group_grads(parameters)
    if std == 0:
        return
    with torch.no_grad():
        for (device, dtype), grads in groups.items():
            gen = _generator_for(generator, device)
            numels = [g.numel() for g in grads]
            flat = torch.randn(sum(numels), generator=gen, device=device, dtype=dtype)
            noise = [chunk.view_as(g) for chunk, g in zip(flat.split(numels), grads, strict=True)]
            torch._foreach_add_(grads, noise, alpha=float(std))
